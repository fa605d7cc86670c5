import CordonModel
import CordonNotify
import CordonSession
import CordonStore
import CordonWire
import Dispatch
import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Several servers on one PostgreSQL journal: the server that holds the
/// lease appends; the others follow the journal, serve their own consoles
/// from it, and forward each command to the leader (`forward` on the wire,
/// to the endpoint the leader advertises in the lease), answering only once
/// they have applied the events it produced (read-your-writes).
extension CordonServer {
  /// How long a command waits for a leader, across a failover, before its sender is told.
  static let forwardSeconds = 10.0

  /// Runs an authorised command where it can be appended and calls
  /// `completion` with its last seq and the id of what it created, or why not. On a follower, and on a
  /// leader that stepped down while the command waited, it goes to the
  /// leader, again and again until `forwardSeconds` pass, with the same
  /// command id, so it applies once.
  func route(
    _ command: CordonCommand, lines: [String], principal: Principal, commandID: String?,
    completion: @escaping @Sendable (UInt64?, WireFailure?, String?) -> Void
  ) {
    let deadline = DispatchTime.now() + Self.forwardSeconds
    if store.role.writesHere {
      submitHere(command, principal: principal, commandID: commandID) { [self] seq, failure, created in
        if case .readOnly? = failure, !store.role.writesHere {
          forward(lines, principal: principal, commandID: commandID ?? UUID().uuidString, until: deadline, completion)
        } else {
          completion(seq, failure, created)
        }
      }
    } else {
      // A retry must find the first attempt's events: a forwarded command always has an id.
      forward(lines, principal: principal, commandID: commandID ?? UUID().uuidString, until: deadline, completion)
    }
  }

  private func submitHere(
    _ command: CordonCommand, principal: Principal, commandID: String?,
    _ completion: @escaping @Sendable (UInt64?, WireFailure?, String?) -> Void
  ) {
    let unit = principal.role == .operator ? principal.units.first : nil
    // Command ids are namespaced by user, so one user's retry cannot collide with another's.
    let scopedID = commandID.map { "\(principal.user):\($0)" }
    let store = self.store
    store.submit(command, actor: principal.user, unit: unit, commandID: scopedID) { result in
      switch result {
      case .success(let records):
        completion(records.last?.seq ?? store.lastSeq, nil, CordonEvent.createdID(records.map(\.event)))
      case .failure(.refused(let r)): completion(nil, .refused(r), nil)
      case .failure(.storeReadOnly(let r)): completion(nil, .readOnly(r), nil)
      case .failure(.io(let t)): completion(nil, .io(t), nil)
      }
    }
  }

  private func forward(
    _ lines: [String], principal: Principal, commandID: String, until deadline: DispatchTime,
    _ completion: @escaping @Sendable (UInt64?, WireFailure?, String?) -> Void
  ) {
    let retry: @Sendable (WireFailure) -> Void = { [self] failure in
      guard DispatchTime.now() + 0.1 < deadline else {
        completion(nil, failure, nil)
        return
      }
      DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { [self] in
        guard serverChannel.withLock({ $0 }) != nil else { return completion(nil, failure, nil) }
        if store.role.writesHere, let command = Self.decode(lines, calendar: store.state.calendar) {
          // This server was promoted meanwhile: the command runs here, the id finds a first attempt.
          if let refusal = Authorization.check(command, by: principal, in: store.state) {
            return completion(nil, .refused(refusal), nil)
          }
          submitHere(command, principal: principal, commandID: commandID, completion)
        } else {
          forward(lines, principal: principal, commandID: commandID, until: deadline, completion)
        }
      }
    }
    guard case .follower(let leader?) = store.role else {
      return retry(.readOnly("no server holds the journal's lease at this moment; try again in a few seconds"))
    }
    let here = self.store
    leaderLink.send(
      .forward(id: 0, commandID: commandID, lines: lines, principal: WirePrincipal(principal)), to: leader
    ) {
      outcome in
      switch outcome {
      case .answered(let seq?, nil, let created):
        // Read-your-writes: the client hears of its command once this server shows it.
        here.whenApplied(through: seq, timeout: 5) { _ in completion(seq, nil, created) }
      case .answered(_, .readOnly(let reason)?, _):
        retry(.readOnly(reason))
      case .answered(let seq, let failure, _):
        completion(seq, failure ?? .io("the leader sent an empty result"), nil)
      case .unreachable(let reason):
        retry(.readOnly("the leader at \(leader) cannot be reached (\(reason)); waiting for a new leader"))
      }
    }
  }

  static func decode(_ lines: [String], calendar: LocalCalendar) -> CordonCommand? {
    var commands: [CordonCommand] = []
    for line in lines {
      guard let c = try? CommandJSON.decode(line, calendar: calendar) else { return nil }
      commands.append(c)
    }
    return commands.count == 1 ? commands[0] : .batch(commands)
  }

  /// A follower leaves notifications to the leader: it neither records
  /// routes nor sends the outbox. Promoted, it records the config's routes
  /// and starts sending; stepped down, it stops its workers (a send in
  /// flight may then go twice, same id, as after a reload).
  func watchRole() {
    let logger = options.logger
    store.onRoleChange { [weak self] role in
      logger.notice("role: \(role.description)", metadata: ["role": "\(role.description)"])
      guard let self else { return }
      self.reloading.withLock { _ in
        guard self.serverChannel.withLock({ $0 }) != nil else { return }
        if role.writesHere {
          do { try self.configureNotifications(self.access.notify.routing) } catch {
            logger.error("notifications: \(error)")
          }
          self.senderBox.withLock { $0 }?.start()
        } else {
          let old = self.senderBox.withLock { s -> NotificationSender? in
            defer { s = Self.makeSender(self.access.notify, store: self.store, options: self.options, load: self.load) }
            return s
          }
          if let old { Self.stopAndWait(old) }
        }
      }
    }
  }
}

extension ServerConnection {
  /// The first `forward` on a connection: only the servers' own account
  /// (or root) may hand the leader a command with a principal of its choosing.
  func acceptPeer(_ cred: UCred, id: UInt64, commandID: String?, lines: [String], principal: Principal) {
    guard case .awaitingHello = phase else { return }
    guard cred.uid == getuid() || cred.uid == 0 else {
      fail(
        code: WireError.unknownUser,
        message: "only another cordon server of this journal (running as the same account) may forward commands")
      return
    }
    phase = .peer
    server.options.logger.info("a follower server (pid \(cred.pid)) forwards commands on this connection")
    execute(id: id, commandID: commandID, lines: lines, as: principal)
  }
}

/// A follower's connection to the leader's socket, for `forward`. One
/// connection at a time, to the endpoint the lease names; replaced when the
/// leader changes, and every command waiting on it is told when it drops.
final class LeaderLink: Sendable {
  enum Outcome: Sendable {
    /// The leader's result: last seq, why not, and the id of what the command created.
    case answered(UInt64?, WireFailure?, String?)
    case unreachable(String)
  }

  private struct Inner {
    var endpoint: String?
    var channel: EventLoopFuture<Channel>?
    /// Which connection `channel` is; each waiting command names the one it went on.
    var token: UInt64 = 0
    var pending: [UInt64: (token: UInt64, completion: @Sendable (Outcome) -> Void)] = [:]
    var nextID: UInt64 = 1
    var closed = false
  }

  private let group: EventLoopGroup
  private let inner = Mutex(Inner())

  init(group: EventLoopGroup) { self.group = group }

  /// Sends `message` (its id replaced by one of this link's) and calls `completion` once.
  func send(_ message: ClientMessage, to endpoint: String, _ completion: @escaping @Sendable (Outcome) -> Void) {
    guard case .forward(_, let commandID, let lines, let principal) = message else { return }
    let (id, future, stale) = inner.withLock { i -> (UInt64, EventLoopFuture<Channel>?, EventLoopFuture<Channel>?) in
      guard !i.closed else { return (0, nil, nil) }
      var stale: EventLoopFuture<Channel>? = nil
      if i.endpoint != endpoint || i.channel == nil {
        stale = i.channel
        i.endpoint = endpoint
        i.token += 1
        i.channel = connect(endpoint, token: i.token)
      }
      let id = i.nextID
      i.nextID += 1
      i.pending[id] = (i.token, completion)
      return (id, i.channel, stale)
    }
    stale?.whenSuccess { $0.close(promise: nil) }
    guard let future else { return completion(.unreachable("the server is stopping")) }
    future.whenComplete { [self] result in
      switch result {
      case .success(let channel):
        let forward = ClientMessage.forward(id: id, commandID: commandID, lines: lines, principal: principal)
        guard let frame = try? Frame.encode(forward, allocator: channel.allocator) else {
          return answer(id, .answered(nil, .io("cannot encode the command"), nil))
        }
        channel.writeAndFlush(frame).whenFailure { [self] e in answer(id, .unreachable("\(e)")) }
      case .failure(let e):
        inner.withLock { i in if i.channel === future { i.channel = nil } }
        self.answer(id, .unreachable("\(e)"))
      }
    }
  }

  private func connect(_ endpoint: String, token: UInt64) -> EventLoopFuture<Channel> {
    ClientBootstrap(group: group)
      .connectTimeout(.seconds(2))
      .channelInitializer { [weak self] channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(maxLength: WireProtocol.maxServerFrame)))
          try channel.pipeline.syncOperations.addHandler(LeaderReader(link: self, token: token))
        }
      }
      .connect(unixDomainSocketPath: endpoint)
  }

  fileprivate func answer(_ id: UInt64, _ outcome: Outcome) {
    inner.withLock { $0.pending.removeValue(forKey: id) }?.completion(outcome)
  }

  /// The connection dropped (the leader died or closed it): everything waiting hears so.
  fileprivate func dropped(token: UInt64, reason: String) {
    let waiting = inner.withLock { i -> [@Sendable (Outcome) -> Void] in
      if i.token == token { i.channel = nil }
      let mine = i.pending.filter { $0.value.token == token }
      for k in mine.keys { i.pending[k] = nil }
      return mine.values.map(\.completion)
    }
    for w in waiting { w(.unreachable(reason)) }
  }

  func close() {
    let future = inner.withLock { i -> EventLoopFuture<Channel>? in
      i.closed = true
      defer { i.channel = nil }
      return i.channel
    }
    future?.whenSuccess { $0.close(promise: nil) }
  }
}

/// Reads the leader's answers into `LeaderLink`.
private final class LeaderReader: ChannelInboundHandler, @unchecked Sendable {
  // @unchecked: confined to its channel's event loop, as NIO handlers are.
  typealias InboundIn = ByteBuffer
  private weak var link: LeaderLink?
  private let token: UInt64
  private var refusal: String?

  init(link: LeaderLink?, token: UInt64) {
    self.link = link
    self.token = token
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let payload = unwrapInboundIn(data)
    guard let message = try? ServerMessage.decode(payload: payload) else {
      context.close(promise: nil)
      return
    }
    switch message {
    case .result(let id, let seq, let failure, let created): link?.answer(id, .answered(seq, failure, created))
    case .error(let code, let message): refusal = "\(code): \(message)"
    default: break
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    link?.dropped(token: token, reason: refusal ?? "connection closed")
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    context.close(promise: nil)
  }
}
