import CordonModel
import CordonSession
import CordonStore
import EventSourcing
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The console on a `cordon serve` connection. It keeps its own copy of the
/// state, built from the welcome and then from every live record through the
/// same `CordonState.apply` the store uses, so panes work unchanged.
///
/// When the connection drops it says so (`info.connection`), reconnects by
/// itself and resyncs by seq: the hello carries the last seq it has, records
/// at or below it are ignored, and a gap makes it reconnect rather than show
/// a state with a hole in it. Commands not yet answered are resent with the
/// same command id after a reconnect, so they apply once.
public final class RemoteSource: ConsoleSource {
  public typealias Record = CordonRecord

  /// A connection failure: unreachable, or refused by the server with its message.
  public struct ConnectError: Error, Sendable, CustomStringConvertible {
    public var code: String?
    public var message: String
    public var description: String { message }
  }

  private struct Pending {
    var message: ClientMessage
    var completion: @Sendable (Result<UInt64, StoreFailure>) -> Void
  }

  private struct Inner {
    var state = CordonState()
    var hasState = false
    var welcome: Welcome?
    var connection: SourceInfo.Connection = .reconnecting("connecting")
    var channel: Channel?
    var lastError: ServerErrorMessage?
    var pending: [UInt64: Pending] = [:]
    /// Queries waiting for their answer; failed, not resent, when the connection drops.
    var queries: [UInt64: @Sendable (Result<String, Refusal>) -> Void] = [:]
    /// Where a streamed query's parts go as they come.
    var parts: [UInt64: @Sendable (String) -> Void] = [:]
    var nextID: UInt64 = 1
    var handlers: [@Sendable () -> Void] = []
    var observers: [@Sendable ([Record]) -> Void] = []
    var firstWelcome: EventLoopPromise<Welcome>?
    var attempts = 0
    /// Which of `paths` the next attempt tries.
    var pathIndex = 0
    /// Paths tried for the first welcome.
    var firstTries = 0
    var closed = false
  }

  struct ServerErrorMessage {
    var code: String
    var message: String
  }

  /// One socket, or several separated by commas: the servers of one
  /// PostgreSQL journal. A dropped connection is retried on the next one, so
  /// a console follows a failover and resyncs by seq there.
  public let socketPath: String
  private let paths: [String]
  private let group: EventLoopGroup
  private let ownsGroup: Bool
  private let inner = Mutex(Inner())
  /// How long an unanswered command waits (across reconnects) before the form is told.
  public let commandTimeout: TimeAmount

  /// `group`: share one between many sources (the benchmark's headless
  /// clients); nil makes a one-thread group of its own.
  public init(socketPath: String, group: EventLoopGroup? = nil, commandTimeout: TimeAmount = .seconds(15)) {
    self.socketPath = socketPath
    let listed = socketPath.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
    self.paths = listed.isEmpty ? [socketPath] : listed
    self.group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
    self.ownsGroup = group == nil
    self.commandTimeout = commandTimeout
  }

  deinit {
    // Asynchronously: the last reference may be dropped on one of the group's own threads.
    if ownsGroup { group.shutdownGracefully(queue: .global()) { _ in } }
  }

  /// Connects and waits for the welcome. Throws the server's refusal (an
  /// unknown user, another protocol version) or why the socket is unreachable;
  /// after this succeeds, drops are repaired by reconnecting.
  @discardableResult
  public func connect(timeout: TimeAmount = .seconds(10)) throws -> Welcome {
    let loop = group.next()
    let promise = loop.makePromise(of: Welcome.self)
    inner.withLock { $0.firstWelcome = promise }
    let timer = loop.scheduleTask(in: timeout) {
      promise.fail(ConnectError(code: nil, message: "no answer from the server at \(self.socketPath)"))
    }
    attempt()
    defer { timer.cancel() }
    do {
      return try promise.futureResult.wait()
    } catch let e as ConnectError {
      close()
      throw e
    } catch {
      close()
      throw ConnectError(code: nil, message: "cannot connect to \(socketPath): \(error)")
    }
  }

  /// Closes the connection for good.
  public func close() {
    let channel = inner.withLock { i -> Channel? in
      i.closed = true
      defer { i.channel = nil }
      return i.channel
    }
    channel?.close(promise: nil)
  }

  // MARK: ConsoleSource

  public var state: CordonState { inner.withLock { $0.state } }

  public var info: SourceInfo {
    inner.withLock { i in
      let p = i.welcome?.principal
      var readOnly = i.welcome?.readOnlyReason
      if p?.role == .viewer { readOnly = readOnly ?? "viewer" }
      return SourceInfo(
        kind: .server(path: socketPath), isDemo: i.welcome?.demo ?? false, readOnlyReason: readOnly,
        warnings: i.welcome?.warnings ?? [], actor: p?.user ?? "", unit: p?.role == .operator ? p?.units.first : nil,
        connection: i.connection, role: p?.role ?? .viewer)
    }
  }

  public var principal: Principal? { inner.withLock { $0.welcome?.principal.principal } }
  public var connection: SourceInfo.Connection { inner.withLock { $0.connection } }
  public var lastSeq: UInt64 { inner.withLock { $0.state.lastSeq } }

  public func submit(_ command: CordonCommand, completion: @escaping @Sendable (Result<UInt64, StoreFailure>) -> Void) {
    let calendar = state.calendar
    var lines: [String] = []
    if case .batch(let commands) = command {
      for c in commands {
        guard let l = CommandJSON.encode(c, calendar: calendar) else {
          completion(.failure(.refused(Refusal("server.cannotSend"))))
          return
        }
        lines.append(l)
      }
    } else if let l = CommandJSON.encode(command, calendar: calendar) {
      lines = [l]
    } else {
      completion(.failure(.refused(Refusal("server.cannotSend"))))
      return
    }
    submit(lines: lines, completion: completion)
  }

  /// Sends CommandJSON lines as they are (`cordon post`): one is a command,
  /// several a batch. The server decodes, authorises and validates them.
  public func submit(lines: [String], completion: @escaping @Sendable (Result<UInt64, StoreFailure>) -> Void) {
    // A frame the server would refuse (and close on) is told at once, not
    // resent on every reconnect until the command times out.
    // Measured as the largest this message can be on the wire (longest id, a UUID command id).
    let widest = ClientMessage.command(id: .max, commandID: UUID().uuidString, lines: lines)
    let size = (try? JSONEncoder().encode(widest).count) ?? Int.max
    guard size <= WireProtocol.maxClientFrame else {
      completion(
        .failure(.refused(Refusal("server.frameTooLarge", [String(size), String(WireProtocol.maxClientFrame)]))))
      return
    }
    let (id, channel) = inner.withLock { i -> (UInt64, Channel?) in
      let id = i.nextID
      i.nextID += 1
      let message = ClientMessage.command(id: id, commandID: UUID().uuidString, lines: lines)
      i.pending[id] = Pending(message: message, completion: completion)
      return (id, i.connection == .connected ? i.channel : nil)
    }
    if let channel, let pending = inner.withLock({ $0.pending[id] }) { write(pending.message, to: channel) }
    // Sent or not, the form hears back in bounded time.
    group.next().scheduleTask(in: commandTimeout) { [weak self] in
      guard let self, let p = self.inner.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
      let connected = self.connection == .connected
      p.completion(.failure(.refused(Refusal(connected ? "server.unconfirmed" : "server.unreachable"))))
    }
  }

  public func onChange(_ handler: @escaping @Sendable () -> Void) {
    inner.withLock { $0.handlers.append(handler) }
  }

  /// Runs a report, audit or export on the server and waits for its text
  /// (`cordon report|audit|export --socket`). The server decides what this
  /// user may see. A dropped connection or `timeout` ends the wait with
  /// `server.unreachable` / `server.unconfirmed`; a query is never resent.
  /// With `onPart`, an audit streams: its lines go to `onPart` as the server
  /// reads them (on the connection's thread, in order) and the result is
  /// the text left after them; `timeout` then counts from the last part.
  public func query(
    _ q: JournalQuery, timeout: TimeAmount = .seconds(300), onPart: (@Sendable (String) -> Void)? = nil
  ) -> Result<String, Refusal> {
    let parts = PartCount()
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<String, Refusal>?>(nil)
    let finish: @Sendable (Result<String, Refusal>) -> Void = { r in
      box.withLock { b in if b == nil { b = r } }
      done.signal()
    }
    let (id, channel) = inner.withLock { i -> (UInt64, Channel?) in
      let id = i.nextID
      i.nextID += 1
      guard i.connection == .connected, let ch = i.channel else { return (id, nil) }
      i.queries[id] = finish
      if let onPart {
        i.parts[id] = { part in
          parts.value.add(1, ordering: .relaxed)
          onPart(part)
        }
      }
      return (id, ch)
    }
    guard let channel else { return .failure(Refusal("server.unreachable")) }
    write(.query(id: id, query: q, stream: onPart != nil), to: channel)
    var seen = 0
    while done.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds))) == .timedOut {
      let now = parts.value.load(ordering: .relaxed)
      if now > seen {
        seen = now
        continue
      }
      inner.withLock {
        _ = $0.queries.removeValue(forKey: id)
        _ = $0.parts.removeValue(forKey: id)
      }
      return .failure(Refusal("server.unconfirmed"))
    }
    return box.withLock { $0 } ?? .failure(Refusal("server.unreachable"))
  }

  /// `handler` gets every batch of records right after it is applied (the benchmark's "render-ready").
  public func observeRecords(_ handler: @escaping @Sendable ([Record]) -> Void) {
    inner.withLock { $0.observers.append(handler) }
  }

  // MARK: Connection

  private func attempt() {
    guard !inner.withLock({ $0.closed }) else { return }
    let bootstrap = ClientBootstrap(group: group)
      .channelInitializer { [weak self] channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(maxLength: WireProtocol.maxServerFrame)))
          try channel.pipeline.syncOperations.addHandler(ClientConnection(source: self))
        }
      }
    let path = inner.withLock { paths[$0.pathIndex % paths.count] }
    bootstrap.connect(unixDomainSocketPath: path).whenComplete { [weak self] result in
      guard let self else { return }
      switch result {
      case .success(let channel):
        let since = self.inner.withLock { i -> UInt64? in
          i.channel = channel
          return i.hasState ? i.state.lastSeq : nil
        }
        self.write(.hello(version: WireProtocol.version, since: since), to: channel)
      case .failure(let error):
        self.lost(reason: "\(error)", channel: nil)
      }
    }
  }

  private func write(_ message: ClientMessage, to channel: Channel) {
    guard let frame = try? Frame.encode(message, allocator: channel.allocator) else { return }
    channel.writeAndFlush(frame, promise: nil)
  }

  /// The connection is gone (or never came): retry with backoff, unless this
  /// was the first attempt, which reports to `connect` instead.
  fileprivate func lost(reason: String, channel: Channel?) {
    let (next, dropped) = inner.withLock { i -> (Next, [@Sendable (Result<String, Refusal>) -> Void]) in
      if let channel, let current = i.channel, current !== channel { return (.nothing, []) }
      i.channel = nil
      let dropped = Array(i.queries.values)
      i.queries = [:]
      i.parts = [:]
      return (lostLocked(&i, reason: reason), dropped)
    }
    for q in dropped { q(.failure(Refusal("server.unreachable"))) }
    switch next {
    case .nothing: return
    case .failFirst(let promise, let error): promise.fail(error)
    case .retry(let delay):
      notify()
      group.next().scheduleTask(in: delay) { [weak self] in self?.attempt() }
    }
  }

  private enum Next {
    case nothing
    case failFirst(EventLoopPromise<Welcome>, ConnectError)
    case retry(TimeAmount)
  }

  private func lostLocked(_ i: inout Inner, reason: String) -> Next {
    let err = i.lastError
    i.lastError = nil
    // The next attempt goes to the next server in the list.
    if paths.count > 1 { i.pathIndex = (i.pathIndex + 1) % paths.count }
    if i.firstWelcome != nil, err == nil, i.firstTries + 1 < paths.count {
      i.firstTries += 1
      return .retry(.milliseconds(0))
    }
    if let first = i.firstWelcome {
      i.firstWelcome = nil
      i.closed = true
      return .failFirst(
        first,
        ConnectError(
          code: err?.code, message: err?.message ?? "cannot connect to the server at \(socketPath): \(reason)"))
    }
    guard !i.closed else { return .nothing }
    i.connection = .reconnecting(err?.message ?? reason)
    i.attempts += 1
    // 50 ms, doubling to 2 s: quick after a blip, gentle on a server that is restarting.
    let ms = min(2000, 50 << min(i.attempts - 1, 6))
    return .retry(.milliseconds(Int64(ms)))
  }

  fileprivate func received(_ message: ServerMessage, on channel: Channel) {
    switch message {
    case .welcome(let w): welcomed(w, on: channel)
    case .records(let records): apply(records, on: channel)
    case .result(let id, let seq, let failure):
      guard let p = inner.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
      switch (seq, failure) {
      case (_, .refused(let r)?): p.completion(.failure(.refused(r)))
      case (_, .readOnly(let r)?):
        inner.withLock { i in if i.welcome?.readOnlyReason == nil { i.welcome?.readOnlyReason = r } }
        p.completion(.failure(.storeReadOnly(r)))
      case (_, .io(let t)?): p.completion(.failure(.io(t)))
      case (let s?, nil): p.completion(.success(s))
      case (nil, nil): p.completion(.failure(.io("the server sent an empty result")))
      }
    case .error(let code, let message):
      inner.withLock { $0.lastError = ServerErrorMessage(code: code, message: message) }
    case .store(let reason):
      // The header turns 只读 / read-only on every console, not only on new ones.
      inner.withLock { $0.welcome?.readOnlyReason = reason }
      notify()
    case .answerPart(let id, let text):
      inner.withLock { $0.parts[id] }?(text)
    case .answer(let id, let text, let refusal):
      guard
        let q = inner.withLock({ i -> (@Sendable (Result<String, Refusal>) -> Void)? in
          i.parts.removeValue(forKey: id)
          return i.queries.removeValue(forKey: id)
        })
      else { return }
      if let text { q(.success(text)) } else { q(.failure(refusal ?? Refusal("query.journal", ["empty answer"]))) }
    case .status:
      break  // only ever sent in answer to a status request, which a console does not make
    }
  }

  private func welcomed(_ w: Welcome, on channel: Channel) {
    enum Outcome {
      case ok([Pending], EventLoopPromise<Welcome>?, [Record])
      case gap
    }
    let outcome = inner.withLock { i -> Outcome in
      var applied: [Record] = []
      if let s = w.state {
        i.state = s
      } else if let records = w.records {
        for r in records where r.seq > i.state.lastSeq {
          guard r.seq == i.state.lastSeq + 1 else { return .gap }
          i.state.apply(r)
          applied.append(r)
        }
      }
      guard i.state.lastSeq == w.seq || w.state != nil else { return .gap }
      i.hasState = true
      i.welcome = w
      i.connection = .connected
      i.attempts = 0
      i.lastError = nil
      let first = i.firstWelcome
      i.firstWelcome = nil
      return .ok(Array(i.pending.sorted { $0.key < $1.key }.map(\.value)), first, applied)
    }
    switch outcome {
    case .gap:
      channel.close(promise: nil)
    case .ok(let resend, let first, let applied):
      for p in resend { write(p.message, to: channel) }
      if !applied.isEmpty { observe(applied) }
      first?.succeed(w)
      notify()
    }
  }

  private func apply(_ records: [Record], on channel: Channel) {
    let result = inner.withLock { i -> [Record]? in
      var applied: [Record] = []
      applied.reserveCapacity(records.count)
      for r in records where r.seq > i.state.lastSeq {
        // A hole means something was lost: reconnect and resync rather than show it.
        guard r.seq == i.state.lastSeq + 1 else { return nil }
        i.state.apply(r)
        applied.append(r)
      }
      return applied
    }
    guard let applied = result else {
      channel.close(promise: nil)
      return
    }
    guard !applied.isEmpty else { return }
    observe(applied)
    notify()
  }

  private func observe(_ records: [Record]) {
    for o in inner.withLock({ $0.observers }) { o(records) }
  }

  private func notify() {
    for h in inner.withLock({ $0.handlers }) { h() }
  }
}

/// Reads frames from the server into `RemoteSource`.
private final class ClientConnection: ChannelInboundHandler, @unchecked Sendable {
  // @unchecked: confined to its channel's event loop, as NIO handlers are.
  typealias InboundIn = ByteBuffer
  private weak var source: RemoteSource?

  init(source: RemoteSource?) { self.source = source }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let payload = unwrapInboundIn(data)
    guard let message = try? JSONDecoder().decode(ServerMessage.self, from: Data(payload.readableBytesView)) else {
      // A server we cannot understand: drop the connection and try again.
      context.close(promise: nil)
      return
    }
    source?.received(message, on: context.channel)
  }

  func channelInactive(context: ChannelHandlerContext) {
    source?.lost(reason: "connection closed", channel: context.channel)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    context.close(promise: nil)
  }
}

/// How many parts of a streamed answer have come (a query's wait goes on while they do).
private final class PartCount: Sendable {
  let value = Atomic<Int>(0)
}
