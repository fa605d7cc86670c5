import AsyncHTTPClient
import CordonModel
import EventSourcing
import Foundation
import NIOCore
import NIOSSL
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Delivers the journalled outbox. The journal is the queue: each receiver's
/// worker reads what the state says it still owes, sends the head, and reports
/// the outcome as a command, so after a crash the next server resumes from the
/// journal (nothing lost; only the send in flight may arrive twice, with the
/// same id). One worker per receiver: a hung receiver only delays itself.
/// Sending runs on its own tasks; commits never wait for it.
public final class NotificationSender: Sendable {
  public struct Hooks: Sendable {
    /// The store's committed state.
    public var state: @Sendable () -> CordonState
    /// Journals outcomes, in order, as one command (the server submits a
    /// `.recordDeliveries`); returns once committed or refused.
    public var record: @Sendable ([DeliveryOutcome]) async -> Void
    /// One line per failure, already redacted.
    public var log: @Sendable (String) -> Void
    /// The clock a notification's due time is compared with (grouping, quiet
    /// hours): the real clock in a server, a test's own in tests.
    public var now: @Sendable () -> Instant
    /// True while commands are being committed (the server's consoles'):
    /// a send waits for a quiet moment, at most `maxHoldMilliseconds` past
    /// its due time, so delivering never competes with a burst's commits.
    public var busy: @Sendable () -> Bool
    public init(
      state: @escaping @Sendable () -> CordonState, record: @escaping @Sendable ([DeliveryOutcome]) async -> Void,
      log: @escaping @Sendable (String) -> Void = { _ in }, now: @escaping @Sendable () -> Instant = { Instant.now() },
      busy: @escaping @Sendable () -> Bool = { false }
    ) {
      self.state = state
      self.record = record
      self.log = log
      self.now = now
      self.busy = busy
    }
  }

  public let config: NotifyConfig
  let hooks: Hooks
  let client: HTTPClient
  /// Each TLS receiver's client configuration, read once when the sender is
  /// made; a file that has become unreadable since the config was loaded
  /// fails every attempt with the reason, visibly.
  let tls: [String: Result<TLSConfiguration, Failure>]
  /// The HTTP client's own threads, when the server gave it some (`init`); shut down by `stop`.
  private let httpGroup: (any EventLoopGroup)?
  let recorder: OutcomeRecorder
  private let tasks = Mutex<[Task<Void, Never>]>([])
  /// How often an idle worker looks at the outbox again.
  public static let idlePollMilliseconds = 100
  /// At most this many grouped notifications in one message.
  public static let maxGroup = 20
  /// How long past its due time a send gives way to commits in progress
  /// (`Hooks.busy`): a critical still leaves within a second under any load.
  public static let maxHoldMilliseconds: Int64 = 750
  /// How often a held send looks for a quiet moment.
  static let holdPollMilliseconds = 5

  /// `httpGroup`: threads the sender takes over for its HTTP client (the
  /// server's run at a lower CPU priority than its own, so that delivering
  /// never slows commits); nil shares NIO's singleton threads.
  public init(config: NotifyConfig, hooks: Hooks, httpGroup: (any EventLoopGroup)? = nil) {
    self.config = config
    self.hooks = hooks
    self.httpGroup = httpGroup
    recorder = OutcomeRecorder(record: hooks.record)
    var tls: [String: Result<TLSConfiguration, Failure>] = [:]
    for r in config.receivers {
      guard let t = r.tls else { continue }
      do throws(Receiver.TLS.Invalid) { tls[r.name] = .success(try t.configuration()) } catch {
        tls[r.name] = .failure(Failure(message: "\(error.key) \(error.reason)"))
      }
    }
    self.tls = tls
    var c = HTTPClient.Configuration()
    // A webhook that redirects elsewhere would carry its body (and headers) there: refuse.
    c.redirectConfiguration = .disallow
    c.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5))
    let provider: HTTPClient.EventLoopGroupProvider = httpGroup.map { .shared($0) } ?? .singleton
    client = HTTPClient(eventLoopGroupProvider: provider, configuration: c)
  }

  public func start() {
    // An exec receiver that exits without reading its stdin must not kill the server.
    signal(SIGPIPE, SIG_IGN)
    let started = config.receivers.map { r in Task { [self] in await self.run(r) } }
    tasks.withLock { $0 += started }
  }

  /// Stops the workers (a send in flight is abandoned: it is still pending in
  /// the journal and goes again next start), journals the outcomes not yet
  /// journalled, and stops the HTTP client.
  public func stop() async {
    let running = tasks.withLock { t -> [Task<Void, Never>] in
      defer { t = [] }
      return t
    }
    running.forEach { $0.cancel() }
    for t in running { await t.value }
    await recorder.flush()
    try? await client.shutdown()
    try? await httpGroup?.shutdownGracefully()
  }

  func run(_ r: Receiver) async {
    var failures = 0
    var head: String?
    // Delivered and handed to the recorder, until the state stops listing them for this receiver.
    var sent = Set<String>()
    while !Task.isCancelled {
      let state = hooks.state()
      sent = sent.filter { state.notify.pending[$0]?.remaining.contains(r.name) == true }
      let queue = state.notify.queue(for: r.name).filter { !sent.contains($0.id) }
      if queue.isEmpty {
        await Self.sleep(milliseconds: Self.idlePollMilliseconds)
        continue
      }
      // Down the queue read once, as long as its head is due and sends succeed:
      // what is queued meanwhile comes after (a later serial, a due time not earlier).
      var i = 0
      walk: while i < queue.count, !Task.isCancelled {
        let first = queue[i]
        let now = hooks.now()
        if first.due > now {
          await Self.sleep(
            milliseconds: min(Int(first.due.milliseconds - now.milliseconds), Self.idlePollMilliseconds))
          break walk
        }
        // Commits first: a burst is committed before its notifications go,
        // unless they are overdue by maxHold (then they go, load or not).
        if hooks.busy(), hooks.now().milliseconds - first.due.milliseconds < Self.maxHoldMilliseconds {
          await Self.sleep(milliseconds: Self.holdPollMilliseconds)
          continue walk
        }
        // What waited for a group goes together; a critical goes alone, at once.
        let group =
          first.due > first.queuedAt
          ? Array(queue[i...].prefix { $0.route == first.route && $0.due == first.due }.prefix(Self.maxGroup))
          : [first]
        if head != first.id {
          head = first.id
          failures = state.notify.pending[first.id]?.attempts[r.name] ?? 0
        }
        let attempt = failures + 1
        let message = Message(group, templates: config.templates, calendar: state.calendar)
        switch await deliver(message, to: r) {
        case .success:
          for n in group { sent.insert(n.id) }
          // Journalled behind this worker's back: the next send does not wait for a commit.
          recorder.add(group.map { .delivered(id: $0.id, receiver: r.name, attempt: attempt) })
          failures = 0
          head = nil
          i += group.count
        case .failure(let error):
          if Task.isCancelled { return }
          failures = attempt
          let text = Redactor.redact(error.message, secrets: r.secrets)
          hooks.log("receiver \(r.name): attempt \(attempt) for \(message.ids.joined(separator: ",")) failed: \(text)")
          if DeliveryOutcome.journals(failedAttempt: attempt) {
            recorder.add(group.map { .failed(id: $0.id, receiver: r.name, attempt: attempt, error: text) })
          }
          await Self.sleep(milliseconds: r.backoffMilliseconds(afterFailures: failures))
          break walk
        }
      }
    }
  }

  public struct Failure: Error, Sendable {
    public var message: String
  }

  /// One attempt, bounded by the receiver's timeout.
  public func deliver(_ message: Message, to r: Receiver) async -> Result<Void, Failure> {
    switch r.kind {
    case .webhook(let url, let format, let type, let headers):
      var tlsConfiguration: TLSConfiguration?
      switch tls[r.name] {
      case .success(let c)?: tlsConfiguration = c
      case .failure(let f)?: return .failure(f)
      case nil: break
      }
      return await post(
        message, url: url, format: format, type: type, headers: headers, tls: tlsConfiguration,
        timeout: r.timeoutMilliseconds)
    case .exec(let command):
      return await Self.exec(message, command: command, timeout: r.timeoutMilliseconds)
    }
  }

  func post(
    _ message: Message, url: String, format: Receiver.Format, type: Receiver.MessageType, headers: [String: String],
    tls: TLSConfiguration?, timeout: Int
  ) async -> Result<Void, Failure> {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    // The receiver's own trust and client certificate (AsyncHTTPClient pools connections per TLS configuration).
    request.tlsConfiguration = tls
    request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
    request.headers.add(name: "User-Agent", value: "cordon-notify")
    // Receivers de-duplicate by this: a resend after a crash carries the same ids.
    request.headers.add(name: "X-Cordon-Notice-Id", value: message.ids.joined(separator: ","))
    for (k, v) in headers.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: k, value: v) }
    request.body = .bytes(ByteBuffer(bytes: message.body(format, type)))
    do {
      let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout)))
      let body = try await response.body.collect(upTo: 64 << 10)
      guard (200..<300).contains(response.status.code) else {
        return .failure(Failure(message: "HTTP \(response.status.code)"))
      }
      // WeCom and DingTalk answer 200 with {"errcode":N,"errmsg":…}: anything but 0 failed.
      if format != .json,
        let o = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
        let code = o["errcode"] as? Int, code != 0
      {
        return .failure(Failure(message: "errcode \(code): \(o["errmsg"] as? String ?? "")"))
      }
      return .success(())
    } catch {
      return .failure(Failure(message: Self.describe(error)))
    }
  }

  static func describe(_ error: Error) -> String {
    if let e = error as? HTTPClientError {
      if e == .deadlineExceeded || e == .readTimeout { return "timed out" }
      if e == .connectTimeout { return "connect timed out" }
      return "\(e)"
    }
    if error is NIOSSLError || error is BoringSSLError { return Receiver.TLS.describe(error) }
    return "\(error)"
  }

  /// Runs the command with the message's JSON on stdin, never through a shell.
  /// Exit status 0 is delivered; anything else, or the timeout, failed.
  static func exec(_ message: Message, command: [String], timeout: Int) async -> Result<Void, Failure> {
    guard let path = command.first else { return .failure(Failure(message: "no command")) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = message.arguments(Array(command.dropFirst()))
    let input = Pipe()
    let errors = Pipe()
    p.standardInput = input
    p.standardOutput = FileHandle.nullDevice
    p.standardError = errors
    do { try p.run() } catch { return .failure(Failure(message: "cannot run \(path): \(error.localizedDescription)")) }
    try? input.fileHandleForWriting.write(contentsOf: message.json)
    try? input.fileHandleForWriting.close()
    let deadline = Instant.now().milliseconds + Int64(timeout)
    while p.isRunning && Instant.now().milliseconds < deadline && !Task.isCancelled { await sleep(milliseconds: 20) }
    if p.isRunning {
      p.terminate()
      await sleep(milliseconds: 200)
      if p.isRunning { kill(p.processIdentifier, SIGKILL) }
      p.waitUntilExit()
      return .failure(Failure(message: Task.isCancelled ? "stopped" : "timed out"))
    }
    let fd = errors.fileHandleForReading.fileDescriptor
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    var buffer = [UInt8](repeating: 0, count: 512)
    let n = read(fd, &buffer, buffer.count)
    let stderr = n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : ""
    guard p.terminationReason == .exit, p.terminationStatus == 0 else {
      let how = p.terminationReason == .exit ? "exit \(p.terminationStatus)" : "signal \(p.terminationStatus)"
      return .failure(Failure(message: stderr.isEmpty ? how : "\(how): \(stderr)"))
    }
    return .success(())
  }

  static func sleep(milliseconds: Int) async {
    try? await Task.sleep(for: .milliseconds(max(1, milliseconds)))
  }
}

/// Journals the workers' outcomes one command at a time, each carrying all
/// that came in while the one before was committing (as the journal's group
/// commit does for writes): a burst of deliveries costs a few commits, not
/// one per notification, and no worker waits for any of them.
final class OutcomeRecorder: Sendable {
  private struct Queue {
    var outcomes: [DeliveryOutcome] = []
    var draining: Task<Void, Never>?
  }
  private let queue = Mutex(Queue())
  private let record: @Sendable ([DeliveryOutcome]) async -> Void
  /// At most this many outcomes in one command.
  static let maxBatch = Limits.deliveryOutcomes

  init(record: @escaping @Sendable ([DeliveryOutcome]) async -> Void) { self.record = record }

  func add(_ outcomes: [DeliveryOutcome]) {
    guard !outcomes.isEmpty else { return }
    queue.withLock { q in
      q.outcomes += outcomes
      guard q.draining == nil else { return }
      q.draining = Task { [self] in await drain() }
    }
  }

  private func drain() async {
    while true {
      let batch = queue.withLock { q -> [DeliveryOutcome] in
        let batch = Array(q.outcomes.prefix(Self.maxBatch))
        q.outcomes.removeFirst(batch.count)
        if batch.isEmpty { q.draining = nil }
        return batch
      }
      if batch.isEmpty { return }
      await record(batch)
    }
  }

  /// Returns once everything added so far is journalled (or refused).
  func flush() async {
    while let running = queue.withLock({ $0.draining }) { await running.value }
  }
}
