import CordonModel
import CordonNotify
import CordonSession
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// `cordon serve`: one process owns the store; consoles connect over a Unix
/// socket. Identity comes from the socket's peer credentials, the role from
/// the access config; every command is checked with `Authorization.check`
/// here, where it executes, before the store sees it.
///
/// Fan-out: one store subscription encodes each durable batch once and hands
/// the same bytes to every client's event loop. The store's acknowledgement
/// queue only counts bytes and enqueues: a slow client can never block it.
/// A client whose unsent bytes pass `maxQueuedBytes` is disconnected (it
/// resyncs by seq when it reconnects). A submit-only session (`cordon post`)
/// is not fanned out to, and with none but those connected the batch is
/// not even encoded.
public final class CordonServer: Sendable {
  public struct Options: Sendable {
    /// Unsent bytes a client may have queued before it is cut off.
    public var maxQueuedBytes = 8 << 20
    /// How long a new connection has to say hello.
    public var helloTimeout = TimeAmount.seconds(10)
    /// Connections open at once, below the process's file-descriptor limit
    /// (`start` lowers it to fit). The last `commandReserve` of them are kept
    /// for the command role, so the duty room can always get in.
    public var maxConnections = 1000
    public var commandReserve = 16
    /// Connections one OS user may hold open at once.
    public var maxConnectionsPerUser = 64
    /// How long the accept loop waits after accept(2) fails (EMFILE, ENFILE)
    /// before it tries again, instead of spinning.
    public var acceptBackoff = TimeAmount.milliseconds(250)
    /// A reconnecting client more than this many events behind gets the whole state instead.
    public var resyncLimit: UInt64 = 20_000
    public var isDemo = false
    public var threads = 2
    /// The server's log (swift-log): connections and refusals, slow clients
    /// cut off, access reloads, notification failures. Never a command's
    /// content or a secret. Silent unless the process sets one up.
    public var logger = Logger(label: "cordon", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Refusal and close lines per kind (error code) in one window; the rest
    /// are counted and the count logged (`LogLimiter`).
    public var refusalLogLines = Limits.refusalLogLines
    public var refusalLogWindowSeconds = Limits.refusalLogWindowSeconds
    /// Told in `status` to the server's own account and root only, so a backup
    /// run as that account knows what to copy.
    public var dataDirectory: String?
    /// The nice value of the notification sender's HTTP thread (0–19), so
    /// that deliveries could yield the cores to commits in a burst. 0: at
    /// nice 10, `cordon-bench notify --sender-nice 10` showed no gain in
    /// commit p99 within the shared machine's noise, and all were delivered
    /// later (median 1.05 s against 0.65 s).
    public var senderNice: Int32 = 0
    public init() {}
  }

  public let socketPath: String
  let store: any DomainStore
  private let accessBox: Mutex<AccessConfig>
  /// Who may connect as what; replaced whole by `replaceAccess` (SIGHUP).
  var access: AccessConfig { accessBox.withLock { $0 } }
  let options: Options
  let group: MultiThreadedEventLoopGroup
  let hub = Hub()
  let connections = ConnectionCounter()
  /// Keeps a connection flood from flooding the log.
  let refusalLog: LogLimiter
  let serverChannel = Mutex<Channel?>(nil)
  private let subscription = Mutex<SubscriptionID?>(nil)
  private let modeWatch = Mutex<SubscriptionID?>(nil)
  /// Delivers the outbox when the config names receivers; replaced whole when a reload changes them.
  let senderBox: Mutex<NotificationSender?>
  /// The consoles' commands in progress, which the sender gives way to.
  let load = CommandLoad()
  /// Reloads of the notification config, one at a time.
  let reloading = Mutex(())
  /// A follower's connection to the leader it forwards commands to.
  let leaderLink: LeaderLink

  public init(store: any DomainStore, access: AccessConfig, socketPath: String, options: Options = .init()) {
    self.store = store
    self.accessBox = Mutex(access)
    self.socketPath = socketPath
    self.options = options
    self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
    self.refusalLog = LogLimiter(lines: options.refusalLogLines, windowSeconds: options.refusalLogWindowSeconds)
    senderBox = Mutex(Self.makeSender(access.notify, store: store, options: options, load: load))
    leaderLink = LeaderLink(group: group)
  }

  /// What the server logs of the store's own life (`StoreOptions.observer`):
  /// a read-only store is an error, background work is info.
  public static func storeObserver(_ logger: Logger) -> @Sendable (StoreEvent) -> Void {
    { event in
      switch event {
      case .readOnly(let reason):
        logger.error("the store is read-only: \(reason)", metadata: ["store": "read-only"])
      case .snapshotWritten(let seq, let bytes):
        logger.info("snapshot written at seq \(seq) (\(bytes) bytes)", metadata: ["seq": "\(seq)"])
      case .snapshotFailed(let reason):
        logger.warning("snapshot failed: \(reason)")
      case .archived(let first, let last, let plain, let archive):
        logger.info(
          "archived journal segment \(first)...\(last): \(plain) bytes into \(archive)",
          metadata: ["firstSeq": "\(first)", "lastSeq": "\(last)"])
      case .retentionRemoved(let segments):
        logger.notice("retention deleted \(segments) archived segment(s)")
      }
    }
  }

  static func makeSender(
    _ config: NotifyConfig, store: any DomainStore, options: Options, load: CommandLoad
  )
    -> NotificationSender?
  {
    guard !config.receivers.isEmpty else { return nil }
    let logger = options.logger
    // One thread of its own for the HTTP client, below the server's priority
    // (on Linux a thread's nice value is its own: setpriority(2) with who = 0).
    let http = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let nice = max(0, min(19, options.senderNice))
    #if canImport(Glibc)
      http.next().execute { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
    #endif
    return NotificationSender(
      config: config,
      hooks: .init(
        state: { [store] in store.state },
        record: { [store] outcomes in
          // One command (one commit) for all the outcomes the sender has gathered.
          _ = try? await store.submit(.recordDeliveries(outcomes), actor: Self.notifyActor, unit: nil)
        }, log: { line in logger.warning("\(line)") }, busy: { load.busy }), httpGroup: http)
  }

  /// Stops a sender's workers and waits for them (a send in flight is
  /// abandoned: still pending in the journal, it goes again, same id).
  static func stopAndWait(_ sender: NotificationSender) {
    let done = DispatchSemaphore(value: 0)
    Task {
      await sender.stop()
      done.signal()
    }
    done.wait()
  }

  /// The actor of the server's own notification events in the audit trail.
  public static let notifyActor = "cordon-notify"

  /// Journals the config's routes when they differ from the journal's, so
  /// what notifies is decided (and replayed) from the journal alone.
  func configureNotifications(_ routing: NotifyRouting) throws {
    guard store.state.notify.routing != routing else { return }
    if case .readOnly(let reason) = store.status.mode {
      // A read-only store (opened on a full disk) still serves what it has;
      // the journal's routes stay in force until it can record new ones.
      options.logger.error("notifications: the journal's routes stay in force; the store is read-only: \(reason)")
      return
    }
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
    store.submit(.configureNotifications(routing), actor: Self.notifyActor, unit: nil) { r in
      result.withLock { $0 = r }
      done.signal()
    }
    done.wait()
    if case .failure(let f)? = result.withLock({ $0 }) {
      throw StartError(description: "cannot record the notification routes: \(f)")
    }
  }

  public struct StartError: Error, CustomStringConvertible {
    public var description: String
  }

  /// Binds the socket and starts serving. Refuses to take over a socket a
  /// live server is listening on; removes a stale one.
  public func start() throws {
    if FileManager.default.fileExists(atPath: socketPath) {
      if Self.isListening(socketPath) {
        throw StartError(description: "another server is already listening on \(socketPath)")
      }
      unlink(socketPath)
    }
    // A follower leaves the routes and the outbox to the leader (`watchRole`).
    if store.role.writesHere { try configureNotifications(access.notify.routing) }
    let sub = store.subscribe { [hub] records, _ in hub.broadcast(records) }
    subscription.withLock { $0 = sub }
    // A store that turns read-only (a full disk) tells every console at once,
    // so no header stays writable while saves are refused.
    let watch = store.onReadOnly { [hub] reason in hub.broadcastStoreMode(readOnly: reason) }
    modeWatch.withLock { $0 = watch }
    if store.role.writesHere { senderBox.withLock { $0 }?.start() }
    watchRole()
    let limit = fittedConnectionLimit()
    let backoff = options.acceptBackoff
    let logger = options.logger
    let lastLogged = Atomic<Int64>(0)
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      // Out of descriptors, accept(2) fails at once every time it is tried:
      // pause accepting for a while rather than spin (and say so, once a minute).
      .serverChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            AcceptPause(delay: backoff) { error in
              let now = Int64(Date().timeIntervalSince1970)
              if now - lastLogged.load(ordering: .relaxed) >= 60 {
                lastLogged.store(now, ordering: .relaxed)
                logger.warning(
                  "cannot accept a connection (\(error)); pausing accepts for \(backoff.nanoseconds / 1_000_000) ms each time"
                )
              }
            })
        }
      }
      .childChannelInitializer { [self] channel in
        channel.eventLoop.makeCompletedFuture {
          let handler = ServerConnection(server: self, channel: channel, limit: limit)
          try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(maxLength: WireProtocol.maxClientFrame)))
          try channel.pipeline.syncOperations.addHandler(handler)
        }
      }
    do {
      let channel = try bootstrap.bind(unixDomainSocketPath: socketPath).wait()
      serverChannel.withLock { $0 = channel }
    } catch {
      stop()
      throw StartError(description: "cannot listen on \(socketPath): \(error)")
    }
    // Who may connect is decided by peer credentials and the config, not by
    // file modes: every local user must be able to reach the server to be
    // told, clearly, whether they may use it. The directory's mode can
    // narrow that (deploy/ puts it in /run/cordon, group cordon).
    chmod(socketPath, 0o666)
  }

  /// Says goodbye to every client, closes the socket and stops the threads.
  public func stop() {
    if let sub = subscription.withLock({ s -> SubscriptionID? in
      defer { s = nil }
      return s
    }) {
      store.unsubscribe(sub)
    }
    if let watch = modeWatch.withLock({ w -> SubscriptionID? in
      defer { w = nil }
      return w
    }) {
      store.unsubscribe(watch)
    }
    if let ch = serverChannel.withLock({ c -> Channel? in
      defer { c = nil }
      return c
    }) {
      try? ch.close().wait()
      unlink(socketPath)
    }
    for link in hub.all() { link.fail(code: WireError.shuttingDown, message: "the server is shutting down") }
    leaderLink.close()
    for (kind, n) in refusalLog.drain() { refusalLog.sayHeldBack(options.logger, kind, n) }
    reloading.withLock { _ in
      if let sender = senderBox.withLock({ s -> NotificationSender? in
        defer { s = nil }
        return s
      }) {
        Self.stopAndWait(sender)
      }
    }
    try? group.syncShutdownGracefully()
  }

  public var connectedClients: Int { hub.count }

  /// `maxConnections`, lowered when the process may not open that many
  /// descriptors (its soft limit is raised to the hard one first). 64 stay
  /// for the journal, snapshots and notification workers.
  func fittedConnectionLimit() -> Int {
    var lim = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return options.maxConnections }
    let wanted = rlim_t(options.maxConnections + 64)
    if lim.rlim_cur < wanted && lim.rlim_cur < lim.rlim_max {
      var raised = lim
      raised.rlim_cur = min(wanted, lim.rlim_max)
      if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { lim = raised }
    }
    let room = Int(clamping: lim.rlim_cur) - 64
    guard room < options.maxConnections else { return options.maxConnections }
    let fitted = max(1, room)
    options.logger.warning(
      "at most \(fitted) connections (not \(options.maxConnections)): the file-descriptor limit is \(lim.rlim_cur); raise LimitNOFILE"
    )
    return fitted
  }

  /// Swaps in a new access config (already validated). New connections get it
  /// at once; a connected console whose role or units it changes is told and
  /// disconnected, so a revoked user does not keep a session.
  ///
  /// Changed receivers, routes or templates take over as a whole: the
  /// journal records the new routes first (what notifies is decided from
  /// the journal), then the old workers stop and new ones start, resuming
  /// each receiver's queue from the journal. Nothing pending is lost; a send
  /// in flight at the swap may arrive twice, with the same id.
  public func replaceAccess(_ new: AccessConfig) {
    let previous = accessBox.withLock { a -> AccessConfig in
      defer { a = new }
      return a
    }
    if new.notify != previous.notify { reloadNotifications(new.notify, previous: previous.notify) }
    for link in hub.all() { link.recheckAccess(new) }
  }

  private func reloadNotifications(_ config: NotifyConfig, previous: NotifyConfig) {
    reloading.withLock { _ in
      guard serverChannel.withLock({ $0 }) != nil else { return }
      // A follower only keeps the new configuration: the leader journals the
      // routes and sends, and a promotion (`watchRole`) starts from this one.
      guard store.role.writesHere else {
        options.logger.notice("notifications: configuration kept for when this server leads")
        return
      }
      do {
        try configureNotifications(config.routing)
      } catch {
        accessBox.withLock { $0.notify = previous }
        options.logger.error("notifications: kept the receivers and routes in force: \(error)")
        return
      }
      let old = senderBox.withLock { s -> NotificationSender? in
        defer { s = nil }
        return s
      }
      if let old { Self.stopAndWait(old) }
      let fresh = Self.makeSender(config, store: store, options: options, load: load)
      senderBox.withLock { $0 = fresh }
      fresh?.start()
      let names = config.receivers.map(\.name).joined(separator: ", ")
      let listed = names.isEmpty ? "" : " (\(names))"
      options.logger.notice(
        "notifications reloaded: \(config.receivers.count) receiver(s)\(listed), \(config.routing.routes.count) route(s)"
      )
    }
  }

  private let started = Date()

  /// The server's health now. `privileged`: the asker is this server's own
  /// account or root, and may learn the data directory.
  public func status(privileged: Bool) -> ServerStatus {
    let st = store.status
    let health = store.health
    let queues = hub.all().map { $0.queued.load(ordering: .relaxed) }
    var reason: String? = nil
    if case .readOnly(let r) = st.mode { reason = r }
    return ServerStatus(
      version: WireProtocol.version, seq: store.lastSeq, clients: queues.count,
      store: st.isWritable ? "writable" : "read-only", readOnlyReason: reason, lastSnapshotSeq: health.lastSnapshotSeq,
      lastSnapshotTime: health.lastSnapshotWritten?.milliseconds, journalQueue: health.journalQueue,
      clientQueuedBytes: queues.reduce(0, +), maxClientQueuedBytes: queues.max() ?? 0,
      uptimeSeconds: Int64(Date().timeIntervalSince(started)),
      dataDirectory: privileged ? options.dataDirectory : nil, warnings: st.warnings.map(\.description),
      role: store.role == .sole ? nil : store.role.description)
  }

  static func isListening(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in bytes.enumerated() { p[i] = b }
    }
    let r = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    return r == 0
  }
}

/// One durable batch, encoded once for everybody.
struct Batch: Sendable {
  var first: UInt64
  var last: UInt64
  var records: [CordonRecord]
  var frame: ByteBuffer
}

/// The connected clients, as the store's subscriber sees them.
final class Hub: Sendable {
  private let links = Mutex<[ObjectIdentifier: ClientLink]>([:])
  private let encodeFailures = Atomic<Int>(0)

  /// Links that take the live stream; submit-only sessions do not.
  private let streaming = Atomic<Int>(0)

  var count: Int { links.withLock { $0.count } }
  func all() -> [ClientLink] { links.withLock { Array($0.values) } }

  /// Registers `link` and returns the store state at that moment: anything
  /// committed after it reaches the link through `broadcast`, so nothing
  /// falls between the welcome and the first live batch. Runs under the same
  /// lock as `broadcast`.
  func register(_ link: ClientLink, read: () -> CordonState) -> CordonState {
    links.withLock { l in
      if l.updateValue(link, forKey: ObjectIdentifier(link)) == nil, link.streams {
        streaming.add(1, ordering: .relaxed)
      }
      return read()
    }
  }

  /// Registers a submit-only session: told of the store's mode, access
  /// reloads and shutdown like any, never sent records.
  func registerSubmitOnly(_ link: ClientLink) {
    links.withLock { l in l[ObjectIdentifier(link)] = link }
  }

  func remove(_ link: ClientLink) {
    links.withLock { l in
      if l.removeValue(forKey: ObjectIdentifier(link)) != nil, link.streams {
        streaming.subtract(1, ordering: .relaxed)
      }
    }
  }

  /// The store's new mode, to every connected console.
  func broadcastStoreMode(readOnly reason: String?) {
    for link in all() { link.storeMode(readOnly: reason) }
  }

  /// On the store's acknowledgement queue: encode once, enqueue everywhere.
  /// With no console taking the stream nothing is encoded: the store's
  /// committed state already holds these records when this runs, so a
  /// console registering after the check is welcomed with them.
  func broadcast(_ records: [CordonRecord]) {
    guard let first = records.first?.seq, let last = records.last?.seq else { return }
    guard streaming.load(ordering: .relaxed) > 0 else { return }
    let frame: ByteBuffer
    do { frame = try ServerMessage.records(records).frame() } catch {
      encodeFailures.add(1, ordering: .relaxed)
      return
    }
    let batch = Batch(first: first, last: last, records: records, frame: frame)
    links.withLock { l in
      for link in l.values where link.streams { link.enqueue(batch) }
    }
  }
}

/// Pauses the listening socket after accept(2) fails (EMFILE, ENFILE): NIO
/// would otherwise be told at once that the socket is readable again, and
/// try again, for as long as descriptors are short. Reading is switched off
/// for `delay` (the socket leaves the poll set), then on again.
final class AcceptPause: ChannelInboundHandler {
  typealias InboundIn = Channel
  typealias InboundOut = Channel
  let delay: TimeAmount
  let onError: (IOError) -> Void
  init(delay: TimeAmount, onError: @escaping (IOError) -> Void) {
    self.delay = delay
    self.onError = onError
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    guard let io = error as? IOError else { return context.fireErrorCaught(error) }
    onError(io)
    let channel = context.channel
    let delay = self.delay
    channel.setOption(ChannelOptions.autoRead, value: false).whenSuccess {
      channel.eventLoop.scheduleTask(in: delay) { _ = channel.setOption(ChannelOptions.autoRead, value: true) }
    }
  }
}

/// Open connections, in all and per OS user, for the caps.
final class ConnectionCounter: Sendable {
  private let all = Atomic<Int>(0)
  private let byUID = Mutex<[UInt32: Int]>([:])

  var total: Int { all.load(ordering: .relaxed) }
  /// Counts one more; returns the new total.
  func open() -> Int { all.add(1, ordering: .relaxed).newValue }
  func close() { all.subtract(1, ordering: .relaxed) }
  /// Counts one more for `uid`; returns how many it now has.
  func open(uid: UInt32) -> Int {
    byUID.withLock { m in
      m[uid, default: 0] += 1
      return m[uid] ?? 0
    }
  }
  func close(uid: UInt32) {
    byUID.withLock { m in
      let n = (m[uid] ?? 1) - 1
      m[uid] = n > 0 ? n : nil
    }
  }
}

/// The thread-safe face of one connection: what the fan-out may touch.
final class ClientLink: Sendable {
  let channel: Channel
  private let handler: NIOLoopBound<ServerConnection>
  let queued = Atomic<Int>(0)
  private let cutOff = Atomic<Bool>(false)
  let limit: Int
  /// False for a submit-only session: the fan-out passes it by.
  let streams: Bool

  init(channel: Channel, handler: ServerConnection, limit: Int, streams: Bool = true) {
    self.channel = channel
    self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    self.limit = limit
    self.streams = streams
  }

  func enqueue(_ batch: Batch) {
    guard !cutOff.load(ordering: .relaxed) else { return }
    let size = batch.frame.readableBytes
    let now = queued.add(size, ordering: .relaxed).newValue
    if now > limit {
      if !cutOff.exchange(true, ordering: .relaxed) {
        fail(
          code: WireError.tooSlow,
          message: "this console fell too far behind (\(now) bytes unsent); it will reconnect and catch up")
      }
      return
    }
    let handler = self.handler
    channel.eventLoop.execute { handler.value.deliver(batch) }
  }

  func fail(code: String, message: String) {
    let handler = self.handler
    channel.eventLoop.execute { handler.value.fail(code: code, message: message) }
  }

  func recheckAccess(_ access: AccessConfig) {
    let handler = self.handler
    channel.eventLoop.execute { handler.value.recheckAccess(access) }
  }

  func storeMode(readOnly reason: String?) {
    let handler = self.handler
    channel.eventLoop.execute { handler.value.storeMode(readOnly: reason) }
  }
}

/// Peer credentials as Linux lays out `struct ucred` (Glibc hides it behind _GNU_SOURCE).
struct UCred: Sendable {
  var pid: Int32 = 0
  var uid: UInt32 = 0
  var gid: UInt32 = 0
}

/// One client connection, confined to its channel's event loop.
final class ServerConnection: ChannelInboundHandler, @unchecked Sendable {
  // @unchecked: used only on its event loop (NIO's handler rule); the
  // fan-out reaches it through `ClientLink`'s NIOLoopBound.
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  enum Phase {
    case awaitingHello
    case active(Principal)
    /// Another server of the same journal, forwarding commands (`forward`).
    case peer
    case closing
  }

  let server: CordonServer
  let channel: Channel
  var phase = Phase.awaitingHello
  private var peer: EventLoopFuture<UCred>?
  private var identity: PeerIdentity?
  private var link: ClientLink?
  private var sentThrough: UInt64 = 0
  var helloTimer: Scheduled<Void>?
  /// The welcome already waited for this server to catch up to the client's seq.
  private var waitedForSince = false
  private var context: ChannelHandlerContext?
  /// The connection cap in force (`CordonServer.fittedConnectionLimit`).
  private let limit: Int
  private var counted = false
  private var countedUID: UInt32?
  /// A query is running for this connection.
  private var querying = false

  init(server: CordonServer, channel: Channel, limit: Int) {
    self.server = server
    self.channel = channel
    self.limit = limit
  }

  func handlerAdded(context: ChannelHandlerContext) { self.context = context }
  func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

  func channelActive(context: ChannelHandlerContext) {
    // SO_PEERCRED (17): the kernel's word for who connected, taken before
    // anything the client says is read.
    if let provider = context.channel as? SocketOptionProvider {
      peer = provider.unsafeGetSocketOption(level: .socket, name: .init(rawValue: 17))
    }
    counted = true
    let open = server.connections.open()
    if open > limit {
      context.fireChannelActive()
      fail(
        code: WireError.tooManyConnections,
        message:
          "the server has \(open - 1) connections open (limit \(limit), --max-connections): try again in a minute; tell the duty room if it lasts"
      )
      return
    }
    let timeout = server.options.helloTimeout
    helloTimer = context.eventLoop.scheduleTask(in: timeout) { [weak self] in
      guard let self, case .awaitingHello = self.phase else { return }
      self.fail(code: WireError.helloTimeout, message: "no hello within \(timeout.nanoseconds / 1_000_000_000) s")
    }
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    helloTimer?.cancel()
    if counted { server.connections.close() }
    counted = false
    if let uid = countedUID { server.connections.close(uid: uid) }
    countedUID = nil
    if let link {
      server.hub.remove(link)
      if case .active(let p) = phase {
        server.options.logger.info(
          "disconnected \(p.user) (pid \(identity?.pid ?? 0))",
          metadata: ["user": "\(p.user)", "pid": "\(identity?.pid ?? 0)"])
      }
    }
    phase = .closing
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    if let big = error as? FrameDecoder.TooLarge {
      fail(code: WireError.frameTooLarge, message: big.description)
    } else if error is ByteToMessageDecoderError {
      fail(code: WireError.malformed, message: "\(error)")
    } else {
      context.close(promise: nil)
    }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if case .closing = phase { return }
    let payload = unwrapInboundIn(data)
    let message: ClientMessage
    do {
      message = try JSONDecoder().decode(ClientMessage.self, from: Data(payload.readableBytesView))
    } catch {
      fail(code: WireError.malformed, message: "not a message: \(Self.short(error))")
      return
    }
    switch (phase, message) {
    case (.awaitingHello, .hello(let version, let since, let submitOnly)):
      helloTimer?.cancel()
      guard version == WireProtocol.version else {
        fail(
          code: WireError.version,
          message:
            "protocol version \(version) is not supported: this server speaks version \(WireProtocol.version); install the same cordon on both sides"
        )
        return
      }
      withPeer { $0.welcome($1, since: since, submitOnly: submitOnly) }
    case (.awaitingHello, .status):
      helloTimer?.cancel()
      withPeer { $0.answerStatus($1) }
    case (.awaitingHello, .forward(let id, let commandID, let lines, let principal)):
      helloTimer?.cancel()
      withPeer { $0.acceptPeer($1, id: id, commandID: commandID, lines: lines, principal: principal.principal) }
    case (.awaitingHello, _):
      fail(code: WireError.unexpected, message: "the first message must be hello")
    case (.active(let principal), .command(let id, let commandID, let lines)):
      execute(id: id, commandID: commandID, lines: lines, as: principal)
    case (.active(let principal), .query(let id, let query, let stream)):
      answer(id: id, query, as: principal, inParts: stream)
    case (.active, .status):
      fail(code: WireError.unexpected, message: "status is asked instead of hello, on a connection of its own")
    case (.active, .hello):
      fail(code: WireError.unexpected, message: "hello was already said")
    case (.peer, .forward(let id, let commandID, let lines, let principal)):
      execute(id: id, commandID: commandID, lines: lines, as: principal.principal)
    case (.active, .forward), (.peer, _):
      fail(code: WireError.unexpected, message: "forward is only for servers, on a connection of their own")
    case (.closing, _):
      break
    }
  }

  private func welcome(_ cred: UCred, since: UInt64?, submitOnly: Bool = false) {
    guard case .awaitingHello = phase else { return }
    // A console that was on another server (failover) may be ahead of this
    // follower: wait (a bounded while) until this server has its seq, so it
    // resyncs by seq instead of being handed an older state.
    if let since, since > server.store.lastSeq, server.store.role != .sole, !waitedForSince {
      waitedForSince = true
      let me = NIOLoopBound(self, eventLoop: channel.eventLoop)
      let loop = channel.eventLoop
      server.store.whenApplied(through: since, timeout: 5) { _ in
        loop.execute { me.value.welcome(cred, since: since, submitOnly: submitOnly) }
      }
      return
    }
    let identity = PeerIdentity.lookup(uid: cred.uid, pid: cred.pid)
    self.identity = identity
    let principal: Principal
    switch server.access.resolve(identity) {
    case .failure(let denied):
      server.refusalLog.log(
        server.options.logger, "refused", level: .notice,
        "refused \(identity.displayName) (pid \(cred.pid)): \(denied.message)",
        metadata: ["user": "\(identity.displayName)", "pid": "\(cred.pid)"])
      fail(code: WireError.unknownUser, message: denied.message)
      return
    case .success(let p): principal = p
    }
    let reserve = min(server.options.commandReserve, limit - 1)
    if principal.role != .command, server.connections.total > limit - reserve {
      fail(
        code: WireError.tooManyConnections,
        message:
          "the server has \(server.connections.total - 1) connections open; the last \(reserve) of \(limit) are kept for the duty room (command role): try again in a minute"
      )
      return
    }
    let link = ClientLink(
      channel: channel, handler: self, limit: server.options.maxQueuedBytes, streams: !submitOnly)
    self.link = link
    let store = server.store
    // A submit-only session is welcomed with the seq alone: no state, no resync.
    var state: CordonState? = nil
    let seq: UInt64
    var records: [CordonRecord]? = nil
    if submitOnly {
      server.hub.registerSubmitOnly(link)
      seq = store.lastSeq
    } else {
      let now = server.hub.register(link) { store.state }
      state = now
      seq = now.lastSeq
      if let since, since <= seq, seq - since <= server.options.resyncLimit {
        records = since == seq ? [] : try? store.records(from: since + 1, through: seq)
      }
    }
    let status = store.status
    var readOnly: String? = nil
    if case .readOnly(let r) = status.mode { readOnly = r }
    let w = Welcome(
      version: WireProtocol.version, principal: WirePrincipal(principal), seq: seq,
      state: records == nil ? state : nil, records: records, demo: server.options.isDemo, readOnlyReason: readOnly,
      warnings: status.warnings.map(\.description), submitOnly: submitOnly ? true : nil)
    sentThrough = seq
    phase = .active(principal)
    // The welcome carries the whole state: it counts against the client's
    // budget like any batch, so clients that never read cannot pile them up.
    let welcomeFrame: ByteBuffer
    do { welcomeFrame = try ServerMessage.welcome(w).frame() } catch {
      fail(code: WireError.malformed, message: "cannot encode the welcome: \(error)")
      return
    }
    let units = principal.units.isEmpty ? "" : " of " + principal.units.joined(separator: ",")
    let catchUp = submitOnly ? "submit-only" : records.map { "resync of \($0.count) events" } ?? "full state"
    server.options.logger.info(
      "connected \(principal.user) as \(principal.role.rawValue)\(units) (pid \(cred.pid)); \(catchUp) at seq \(seq)",
      metadata: [
        "user": "\(principal.user)", "role": "\(principal.role.rawValue)", "pid": "\(cred.pid)", "seq": "\(seq)",
      ])
    send(counted: welcomeFrame)
  }

  /// Runs `body` with the kernel's word on who connected, or refuses the connection.
  func withPeer(_ body: @escaping @Sendable (ServerConnection, UCred) -> Void) {
    guard let peer else {
      fail(code: WireError.unknownUser, message: "cannot read the peer's credentials")
      return
    }
    peer.whenComplete { [weak self] result in
      guard let self else { return }
      switch result {
      case .success(let cred):
        guard case .awaitingHello = self.phase else { return }
        if self.countedUID == nil {
          self.countedUID = cred.uid
          let mine = self.server.connections.open(uid: cred.uid)
          let cap = self.server.options.maxConnectionsPerUser
          if mine > cap {
            let name = PeerIdentity.lookup(uid: cred.uid, pid: cred.pid).displayName
            self.fail(
              code: WireError.tooManyConnections,
              message:
                "user \(name) already has \(mine - 1) connections open (limit \(cap) per user, --max-connections-per-user): close some and try again"
            )
            return
          }
        }
        body(self, cred)
      case .failure(let e):
        self.fail(code: WireError.unknownUser, message: "cannot read the peer's credentials: \(e)")
      }
    }
  }

  /// After a reload: a principal the new config no longer grants, or grants
  /// differently, is disconnected with the reason (it may reconnect).
  func recheckAccess(_ access: AccessConfig) {
    guard case .active(let principal) = phase, let identity else { return }
    switch access.resolve(identity) {
    case .success(let p) where p == principal: return
    case .success(let p):
      fail(
        code: WireError.accessChanged,
        message: "your access changed to \(p.role.rawValue) (access reloaded); reconnect to continue")
    case .failure(let denied):
      fail(code: WireError.accessChanged, message: "access reloaded: \(denied.message)")
    }
  }

  /// The store's mode changed: tell this console (after its welcome, which
  /// carried the mode at that moment; the order on the loop keeps them right).
  func storeMode(readOnly reason: String?) {
    guard case .active = phase else { return }
    send(.store(readOnlyReason: reason))
  }

  /// A status request: anyone the access config admits may ask; the data
  /// directory only goes to the server's own account and root. Then closes.
  private func answerStatus(_ cred: UCred) {
    guard case .awaitingHello = phase, let context else { return }
    let identity = PeerIdentity.lookup(uid: cred.uid, pid: cred.pid)
    if case .failure(let denied) = server.access.resolve(identity) {
      server.refusalLog.log(
        server.options.logger, "refused", level: .notice,
        "refused status to \(identity.displayName) (pid \(cred.pid)): \(denied.message)",
        metadata: ["user": "\(identity.displayName)", "pid": "\(cred.pid)"])
      fail(code: WireError.unknownUser, message: denied.message)
      return
    }
    phase = .closing
    let privileged = cred.uid == 0 || cred.uid == getuid()
    let channel = self.channel
    guard let frame = try? ServerMessage.status(server.status(privileged: privileged)).frame() else {
      channel.close(promise: nil)
      return
    }
    context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
  }

  /// A batch from the fan-out. Skips what the welcome already covered, so a
  /// client sees every event exactly once.
  func deliver(_ batch: Batch) {
    let size = batch.frame.readableBytes
    guard case .active = phase, let context, batch.last > sentThrough else {
      link?.queued.subtract(size, ordering: .relaxed)
      return
    }
    // The welcome was counted on this loop after the batch was enqueued: check the budget again here.
    if let link, link.queued.load(ordering: .relaxed) > link.limit {
      link.queued.subtract(size, ordering: .relaxed)
      fail(
        code: WireError.tooSlow,
        message:
          "this console fell too far behind (\(link.queued.load(ordering: .relaxed)) bytes unsent); it will reconnect and catch up"
      )
      return
    }
    var frame = batch.frame
    if batch.first <= sentThrough {
      let rest = batch.records.filter { $0.seq > sentThrough }
      guard let f = try? ServerMessage.records(rest).frame() else {
        link?.queued.subtract(size, ordering: .relaxed)
        return
      }
      frame = f
    }
    sentThrough = batch.last
    let promise = context.eventLoop.makePromise(of: Void.self)
    let link = self.link
    promise.futureResult.whenComplete { _ in link?.queued.subtract(size, ordering: .relaxed) }
    context.writeAndFlush(wrapOutboundOut(frame), promise: promise)
  }

  /// A report, audit or export, read off the event loop (it may read
  /// archives) with the caller's role deciding what it may see
  /// (`Authorization.readScope`, in the runner). One at a time per
  /// connection; the answer counts against the client's budget. An audit
  /// asked `inParts` streams: its lines go out in `answerPart` frames as the
  /// journal is read, each part waiting while the client has more than a
  /// quarter of its budget unsent (so a slow reader slows the read instead
  /// of being cut off), and the read stops when the client goes.
  private func answer(id: UInt64, _ query: JournalQuery, as principal: Principal, inParts: Bool) {
    guard !querying else {
      send(.answer(id: id, text: nil, refusal: Refusal("query.busy")))
      return
    }
    querying = true
    let store = server.store
    let loop = channel.eventLoop
    let me = NIOLoopBound(self, eventLoop: loop)
    let link = self.link
    DispatchQueue.global(qos: .utility).async {
      let result: Result<String, Refusal>
      if inParts, query.kind == .audit, let link {
        result = JournalQueryRunner.streamAudit(query, store: store, principal: principal) { chunk in
          while link.queued.load(ordering: .relaxed) > link.limit / 4, link.channel.isActive { usleep(1_000) }
          guard link.channel.isActive,
            let frame = try? ServerMessage.answerPart(id: id, text: String(decoding: chunk, as: UTF8.self)).frame()
          else { return false }
          // Counted here, before the loop writes it, so the next part sees it.
          link.queued.add(frame.readableBytes, ordering: .relaxed)
          loop.execute { me.value.send(precounted: frame) }
          return true
        }.map { _ in "" }
      } else {
        result = JournalQueryRunner.run(query, store: store, principal: principal)
      }
      loop.execute {
        let me = me.value
        me.querying = false
        let message: ServerMessage
        switch result {
        case .success(let text): message = .answer(id: id, text: text, refusal: nil)
        case .failure(let r): message = .answer(id: id, text: nil, refusal: r)
        }
        guard case .active = me.phase else { return }
        do { me.send(counted: try message.frame()) } catch {
          me.send(.answer(id: id, text: nil, refusal: Refusal("query.journal", ["\(error)"])))
        }
      }
    }
  }

  func execute(id: UInt64, commandID: String?, lines: [String], as principal: Principal) {
    let store = server.store
    let state = store.state
    var commands: [CordonCommand] = []
    do throws(Refusal) {
      guard !lines.isEmpty else { throw Refusal("json.missing", ["lines"], field: "lines") }
      if let commandID { try Limits.check(commandID, max: Limits.commandID, field: "commandID") }
      for line in lines { commands.append(try CommandJSON.decode(line, calendar: state.calendar)) }
    } catch {
      send(.result(id: id, seq: nil, failure: .refused(error)))
      return
    }
    let command = commands.count == 1 ? commands[0] : CordonCommand.batch(commands)
    // The one place a remote command is authorised: before the store decides it.
    if let refusal = Authorization.check(command, by: principal, in: state) {
      send(.result(id: id, seq: nil, failure: .refused(refusal)))
      return
    }
    let loop = channel.eventLoop
    let me = NIOLoopBound(self, eventLoop: loop)
    // Here when this server appends, else forwarded to the leader (`route`).
    let load = server.load
    load.begin()
    server.route(command, lines: lines, principal: principal, commandID: commandID) { seq, failure, created in
      load.end()
      let message = ServerMessage.result(id: id, seq: seq, failure: failure, created: created)
      loop.execute { me.value.send(message) }
    }
  }

  /// Writes `frame` with its size counted in the client's queued bytes until it is written.
  private func send(counted frame: ByteBuffer) {
    link?.queued.add(frame.readableBytes, ordering: .relaxed)
    send(precounted: frame)
  }

  /// Writes `frame`, whose size is already counted in the client's queued bytes, and uncounts it once written.
  private func send(precounted frame: ByteBuffer) {
    let size = frame.readableBytes
    guard case .active = phase, let context else {
      link?.queued.subtract(size, ordering: .relaxed)
      return
    }
    let promise = context.eventLoop.makePromise(of: Void.self)
    let link = self.link
    promise.futureResult.whenComplete { _ in link?.queued.subtract(size, ordering: .relaxed) }
    context.writeAndFlush(wrapOutboundOut(frame), promise: promise)
  }

  func send(_ message: ServerMessage) {
    guard let context else { return }
    do {
      context.writeAndFlush(
        wrapOutboundOut(try message.frame(allocator: context.channel.allocator)), promise: nil)
    } catch {
      server.options.logger.error("cannot encode a message: \(error)")
      context.close(promise: nil)
    }
  }

  /// Tells the client why, then closes: after the message is written, or
  /// after a second if the client is not reading (a stuck client).
  func fail(code: String, message: String) {
    if case .closing = phase { return }
    phase = .closing
    if let link { server.hub.remove(link) }
    guard let context else {
      channel.close(promise: nil)
      return
    }
    if code != WireError.shuttingDown {
      // A slow client is a warning (the room may be missing events); the
      // rest is a client's own mistake. The message is ours, not the client's text.
      server.refusalLog.log(
        server.options.logger, code, level: code == WireError.tooSlow ? .warning : .notice,
        "closing \(identity?.displayName ?? "a client") (pid \(identity?.pid ?? 0)): \(code): \(UserText.clean(message))",
        metadata: ["user": "\(identity?.displayName ?? "")", "pid": "\(identity?.pid ?? 0)", "code": "\(code)"])
    }
    let channel = self.channel
    let closer = context.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    guard let frame = try? ServerMessage.error(code: code, message: message).frame() else {
      channel.close(promise: nil)
      return
    }
    context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in
      closer.cancel()
      channel.close(promise: nil)
    }
  }

  static func short(_ error: Error) -> String {
    if case DecodingError.dataCorrupted(let c) = error { return c.debugDescription }
    if case DecodingError.keyNotFound(let k, _) = error { return "missing \(k.stringValue)" }
    if case DecodingError.typeMismatch(_, let c) = error { return c.debugDescription }
    return "\(error)"
  }
}
