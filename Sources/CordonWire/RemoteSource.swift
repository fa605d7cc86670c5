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
/// same command id after a reconnect, so they apply once; queries not yet
/// answered are sent again too (they only read).
///
/// `submitOnly` (`cordon post`, gateways): the session only sends commands.
/// It keeps no state and is sent no records, only its own results, each
/// with the id of what it created; reconnects and resends work the same.
public final class RemoteSource: ConsoleSource {
  public typealias Record = CordonRecord

  /// A saved command: its last seq, and the id of what it created (a log
  /// entry, a report, a shift …) when it created something.
  public struct Committed: Sendable, Equatable {
    public var seq: UInt64
    public var created: String?
  }

  /// A connection failure: unreachable, or refused by the server with its message.
  public struct ConnectError: Error, Sendable, CustomStringConvertible {
    public var code: String?
    public var message: String
    public var description: String { message }
  }

  private struct Pending {
    /// The command's frame, encoded once: sent again as it is after a reconnect.
    var frame: ByteBuffer
    var completion: @Sendable (Result<Committed, StoreFailure>) -> Void
  }

  private struct PendingQuery {
    var query: JournalQuery
    var finish: @Sendable (Result<String, Refusal>) -> Void
    /// Where a streamed query's parts go as they come.
    var onPart: (@Sendable (String) -> Void)?
    /// A stream that has handed on parts cannot be sent again after a
    /// reconnect (its lines would come twice): it fails instead.
    var partsSeen = false
  }

  private struct Inner {
    var state = CordonState()
    var hasState = false
    var welcome: Welcome?
    var connection: SourceInfo.Connection = .reconnecting("connecting")
    var channel: Channel?
    var lastError: ServerErrorMessage?
    var pending: [UInt64: Pending] = [:]
    /// Queries waiting for their answer: sent again after a reconnect, until answered or timed out.
    var queries: [UInt64: PendingQuery] = [:]
    /// The query the server is answering on this connection: it answers one
    /// at a time (`query.busy`), so the next waits for this one's answer.
    var queryOnWire: UInt64?
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
  /// Asks the server for a submit-only session: no state, no records.
  public let submitOnly: Bool

  /// `group`: share one between many sources (the benchmark's headless
  /// clients); nil makes a one-thread group of its own.
  public init(
    socketPath: String, group: EventLoopGroup? = nil, commandTimeout: TimeAmount = .seconds(15),
    submitOnly: Bool = false
  ) {
    self.submitOnly = submitOnly
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

  /// Closes the connection for good. Queries still waiting end with `server.unreachable`.
  public func close() {
    let (channel, queries) = inner.withLock { i -> (Channel?, [PendingQuery]) in
      i.closed = true
      defer {
        i.channel = nil
        i.queries = [:]
        i.queryOnWire = nil
      }
      return (i.channel, Array(i.queries.values))
    }
    channel?.close(promise: nil)
    for q in queries { q.finish(.failure(Refusal("server.unreachable"))) }
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
    submit(lines: lines) { completion($0.map(\.seq)) }
  }

  /// Sends CommandJSON lines as they are (`cordon post`): one is a command,
  /// several a batch. The server decodes, authorises and validates them.
  public func submit(lines: [String], completion: @escaping @Sendable (Result<Committed, StoreFailure>) -> Void) {
    let id = inner.withLock { i -> UInt64 in
      defer { i.nextID += 1 }
      return i.nextID
    }
    // Encoded once, here: the same bytes go again after a reconnect.
    let frame: ByteBuffer
    do {
      frame = try Frame.encode(ClientMessage.command(id: id, commandID: UUID().uuidString, lines: lines))
    } catch {
      completion(.failure(.refused(Refusal("server.cannotSend"))))
      return
    }
    // A frame the server would refuse (and close on) is told at once, not
    // resent on every reconnect until the command times out.
    let size = frame.readableBytes - 4
    guard size <= WireProtocol.maxClientFrame else {
      completion(
        .failure(.refused(Refusal("server.frameTooLarge", [String(size), String(WireProtocol.maxClientFrame)]))))
      return
    }
    let channel = inner.withLock { i -> Channel? in
      i.pending[id] = Pending(frame: frame, completion: completion)
      return i.connection == .connected ? i.channel : nil
    }
    channel?.writeAndFlush(frame, promise: nil)
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
  /// user may see. A query only reads, so one the connection dropped under
  /// (or that was asked while reconnecting) is sent again after the next
  /// welcome, like a command; `timeout` bounds the whole wait, across
  /// reconnects, and ends it with `server.unconfirmed` (connected) or
  /// `server.unreachable` (not).
  /// With `onPart`, an audit streams: its lines go to `onPart` as the server
  /// reads them (on the connection's thread, in order) and the result is
  /// the text left after them; `timeout` then counts from the last part. A
  /// stream the connection dropped under after its first part ends with
  /// `server.unreachable` rather than start again.
  public func query(
    _ q: JournalQuery, timeout: TimeAmount = .seconds(300), onPart: (@Sendable (String) -> Void)? = nil
  ) -> Result<String, Refusal> {
    let parts = PartCount()
    let counted: (@Sendable (String) -> Void)?
    if let onPart {
      counted = { @Sendable part in
        parts.value.add(1, ordering: .relaxed)
        onPart(part)
      }
    } else {
      counted = nil
    }
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<String, Refusal>?>(nil)
    let finish: @Sendable (Result<String, Refusal>) -> Void = { r in
      box.withLock { b in if b == nil { b = r } }
      done.signal()
    }
    let (id, next, closed) = inner.withLock { i -> (UInt64, (Channel, ClientMessage)?, Bool) in
      let id = i.nextID
      i.nextID += 1
      guard !i.closed else { return (id, nil, true) }
      i.queries[id] = PendingQuery(query: q, finish: finish, onPart: counted)
      return (id, nextQueryLocked(&i), false)
    }
    if closed { return .failure(Refusal("server.unreachable")) }
    if let (channel, message) = next { write(message, to: channel) }
    var seen = 0
    while done.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds))) == .timedOut {
      let now = parts.value.load(ordering: .relaxed)
      if now > seen {
        seen = now
        continue
      }
      inner.withLock { _ = $0.queries.removeValue(forKey: id) }
      return .failure(Refusal(connection == .connected ? "server.unconfirmed" : "server.unreachable"))
    }
    return box.withLock { $0 } ?? .failure(Refusal("server.unreachable"))
  }

  /// The oldest waiting query, marked as the one on the wire, and the
  /// channel to send it on; nil while another is on the wire or the
  /// connection is down.
  private func nextQueryLocked(_ i: inout Inner) -> (Channel, ClientMessage)? {
    guard i.queryOnWire == nil, i.connection == .connected, let channel = i.channel,
      let id = i.queries.keys.min(), let q = i.queries[id]
    else { return nil }
    i.queryOnWire = id
    return (channel, .query(id: id, query: q.query, stream: q.onPart != nil))
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
        self.write(.hello(version: WireProtocol.version, since: since, submitOnly: self.submitOnly), to: channel)
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
    // Queries stay pending: the next welcome sends them again, but for a
    // stream already under way, which fails.
    let (next, broken) = inner.withLock { i -> (Next, [PendingQuery]) in
      if let channel, let current = i.channel, current !== channel { return (.nothing, []) }
      i.channel = nil
      i.queryOnWire = nil
      let broken = i.queries.filter { $0.value.partsSeen }
      for id in broken.keys { i.queries[id] = nil }
      return (lostLocked(&i, reason: reason), Array(broken.values))
    }
    for q in broken { q.finish(.failure(Refusal("server.unreachable"))) }
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
    case .result(let id, let seq, let failure, let created):
      guard let p = inner.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
      switch (seq, failure) {
      case (_, .refused(let r)?): p.completion(.failure(.refused(r)))
      case (_, .readOnly(let r)?):
        inner.withLock { i in if i.welcome?.readOnlyReason == nil { i.welcome?.readOnlyReason = r } }
        p.completion(.failure(.storeReadOnly(r)))
      case (_, .io(let t)?): p.completion(.failure(.io(t)))
      case (let s?, nil): p.completion(.success(Committed(seq: s, created: created)))
      case (nil, nil): p.completion(.failure(.io("the server sent an empty result")))
      }
    case .error(let code, let message):
      inner.withLock { $0.lastError = ServerErrorMessage(code: code, message: message) }
    case .store(let reason):
      // The header turns 只读 / read-only on every console, not only on new ones.
      inner.withLock { $0.welcome?.readOnlyReason = reason }
      notify()
    case .answerPart(let id, let text):
      let onPart = inner.withLock { i -> (@Sendable (String) -> Void)? in
        i.queries[id]?.partsSeen = true
        return i.queries[id]?.onPart
      }
      onPart?(text)
    case .answer(let id, let text, let refusal):
      let (done, next) = inner.withLock { i -> (PendingQuery?, (Channel, ClientMessage)?) in
        let done = i.queries.removeValue(forKey: id)
        if i.queryOnWire == id { i.queryOnWire = nil }
        return (done, nextQueryLocked(&i))
      }
      if let (channel, message) = next { write(message, to: channel) }
      guard let q = done?.finish else { return }
      if let text { q(.success(text)) } else { q(.failure(refusal ?? Refusal("query.journal", ["empty answer"]))) }
    case .status:
      break  // only ever sent in answer to a status request, which a console does not make
    }
  }

  private func welcomed(_ w: Welcome, on channel: Channel) {
    enum Outcome {
      case ok([Pending], (Channel, ClientMessage)?, EventLoopPromise<Welcome>?, [Record])
      case gap
    }
    let outcome = inner.withLock { i -> Outcome in
      var applied: [Record] = []
      let bare = w.submitOnly == true && w.state == nil && w.records == nil
      if let s = w.state {
        i.state = s
      } else if bare {
        // A submit-only welcome: nothing to apply, nothing to resync by.
      } else if let records = w.records {
        for r in records where r.seq > i.state.lastSeq {
          guard r.seq == i.state.lastSeq + 1 else { return .gap }
          i.state.apply(r)
          applied.append(r)
        }
      }
      guard i.state.lastSeq == w.seq || w.state != nil || bare else { return .gap }
      i.hasState = !bare
      i.welcome = w
      i.connection = .connected
      i.attempts = 0
      i.lastError = nil
      let first = i.firstWelcome
      i.firstWelcome = nil
      i.queryOnWire = nil
      return .ok(Array(i.pending.sorted { $0.key < $1.key }.map(\.value)), nextQueryLocked(&i), first, applied)
    }
    switch outcome {
    case .gap:
      channel.close(promise: nil)
    case .ok(let resend, let query, let first, let applied):
      for p in resend { channel.writeAndFlush(p.frame, promise: nil) }
      if let (queryChannel, message) = query { write(message, to: queryChannel) }
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
    guard let message = try? ServerMessage.decode(payload: payload) else {
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
