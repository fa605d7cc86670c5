import CordonModel
import CordonSession
import CordonStore
import Dispatch
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// How a process takes part in the journal's lease.
///
/// One row, `cordon_lease`, names the holder, its term and the endpoint it
/// serves on; its expiry is computed by the database (`now()`), so the
/// hosts' clocks do not matter. The holder renews it every `renewSeconds`
/// (and every append renews it too); another process takes it over once it
/// has expired, or at once when the holder's PostgreSQL connection is gone
/// (the process died: the kernel closed its socket). Each takeover adds one
/// to the term, and every append checks the holder and the term in the same
/// statement, so a leader that was paused past its lease appends nothing.
public struct PostgresReplication: Sendable {
  /// Keep contending for the lease and follow the journal while another
  /// process holds it (`cordon serve`). A tool (false) tries once at open,
  /// and only reads when the lease is held.
  public var contend: Bool
  /// What followers forward commands to: this server's socket.
  public var endpoint: String?
  public var leaseSeconds: Double
  public var renewSeconds: Double
  /// How often a follower tries for the lease and looks for new events
  /// besides the notifications.
  public var tickSeconds: Double
  /// Who this process is in the lease row; nil: host/pid/random.
  public var holder: String?

  public init(
    contend: Bool = false, endpoint: String? = nil, leaseSeconds: Double = 2, renewSeconds: Double = 0.5,
    tickSeconds: Double = 0.25, holder: String? = nil
  ) {
    self.contend = contend
    self.endpoint = endpoint
    self.leaseSeconds = leaseSeconds
    self.renewSeconds = renewSeconds
    self.tickSeconds = tickSeconds
    self.holder = holder
  }

  /// `host/pid/xxxx`: a log line and `pg_stat_activity` say which process it is.
  public static func defaultHolder() -> String {
    let host = ProcessInfo.processInfo.hostName.prefix(32)
    return "\(host)/\(getpid())/\(UUID().uuidString.prefix(4).lowercased())"
  }
}

/// The lease row as a follower reads it.
struct LeaseView: Sendable {
  var holder: String
  var term: UInt64
  var endpoint: String?
  var live: Bool
}

extension PostgresStore {
  public typealias Replication = PostgresReplication

  static func following(_ leader: String?) -> String {
    if let leader { return "this server follows the journal; the leader serves at \(leader)" }
    return "this server follows the journal and no server holds the lease at this moment; try again in a few seconds"
  }

  /// Monotonic seconds, for the renewal schedule (never the wall clock).
  static var monotonic: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

  // MARK: Role

  public var role: StoreRole { core.withLock { $0.role } }

  public func onRoleChange(_ handler: @escaping @Sendable (StoreRole) -> Void) {
    core.withLock { $0.roleWatchers.append(handler) }
  }

  public func whenApplied(through seq: UInt64, timeout: Double, _ body: @escaping @Sendable (Bool) -> Void) {
    let id = core.withLock { c -> UInt64? in
      guard seq > c.lastSeq, !c.closed else { return nil }
      defer { c.nextSubscriber += 1 }
      c.appliedWaiters[c.nextSubscriber] = (seq, body)
      return c.nextSubscriber
    }
    guard let id else {
      body(seq <= lastSeq)
      return
    }
    nudge.yield()
    DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout)) { [weak self] in
      guard let self, let w = self.core.withLock({ $0.appliedWaiters.removeValue(forKey: id) }) else { return }
      w.body(false)
    }
  }

  func fireAppliedWaiters() {
    let due = core.withLock { c -> [@Sendable (Bool) -> Void] in
      guard !c.appliedWaiters.isEmpty else { return [] }
      let ready = c.appliedWaiters.filter { $0.value.seq <= c.lastSeq }
      for k in ready.keys { c.appliedWaiters[k] = nil }
      return ready.values.map(\.body)
    }
    for b in due { b(true) }
  }

  private func changeRole(_ c: inout Core, to role: StoreRole) -> [@Sendable (StoreRole) -> Void] {
    guard c.role != role else { return [] }
    c.role = role
    return c.closed ? [] : c.roleWatchers
  }

  private func tell(_ watchers: [@Sendable (StoreRole) -> Void], _ role: StoreRole) {
    guard !watchers.isEmpty else { return }
    observerQueue.async { for w in watchers { w(role) } }
  }

  /// An append was refused or failed: a server steps down to follower (the
  /// catch-up reads back whatever was committed); a tool turns read-only.
  func fenced(_ reason: String, _ tickets: [Ticket]) {
    guard replication.contend else {
      let watchers = core.withLock { changeRole(&$0, to: .follower(leader: nil)) }
      failed(reason, tickets)
      tell(watchers, .follower(leader: nil))
      return
    }
    let (waiters, queued, watchers) = core.withLock {
      c -> ([Completion], [Ticket], [@Sendable (StoreRole) -> Void]) in
      let watchers = changeRole(&c, to: .follower(leader: nil))
      c.tentative = c.committed
      c.nextSeq = c.lastSeq + 1
      defer {
        c.pending = [:]
        c.queue = []
      }
      return (c.pending.values.flatMap { $0 }, c.queue, watchers)
    }
    logger.warning("stepping down to follower: \(reason)")
    if let o = options.observer { observerQueue.async { o(.readOnly(reason: "stepped down to follower: \(reason)")) } }
    for t in tickets + queued { t.completion?(.failure(.storeReadOnly(reason))) }
    for w in waiters { w(.failure(.storeReadOnly(reason))) }
    tell(watchers, .follower(leader: nil))
    nudge.yield()
  }

  // MARK: The loop

  /// Tries for the lease once before `open` returns, then runs the loop:
  /// a leader renews, a follower catches up and tries for the lease.
  func startReplication() throws {
    let control = self.control
    let outcome = try blocking { () async throws -> (UInt64?, LeaseView?) in
      let c = try await control.connection()
      if let term = try await self.tryAcquire(c) {
        try await self.promote(c, term: term)
        return (term, nil)
      }
      return (nil, try await self.readLease(c))
    }
    if outcome.0 == nil {
      let lease = outcome.1
      let watchers = core.withLock { c -> [@Sendable (StoreRole) -> Void] in
        if !replication.contend {
          let who =
            lease.map { "\($0.holder)" + ($0.endpoint.map { " (serving at \($0))" } ?? "") } ?? "another process"
          c.mode = .readOnly(
            "fenced: the journal's lease is held by \(who); this process only reads (write through that server)")
        }
        return changeRole(&c, to: .follower(leader: lease?.endpoint))
      }
      tell(watchers, .follower(leader: lease?.endpoint))
    }
    let tick = replication.tickSeconds
    let nudge = self.nudge
    Task { [weak self] in
      while let self, !self.core.withLock({ $0.closed }) {
        nudge.yield()
        try? await Task.sleep(nanoseconds: UInt64(max(0.01, tick) * 1e9))
      }
    }
    let done = loopDone
    Task { [weak self] in
      await self?.replicationLoop()
      done.signal()
    }
  }

  private func replicationLoop() async {
    var lastRenewed = Self.monotonic
    var listening: Task<Void, Never>? = nil
    var listened: PostgresConnection? = nil
    defer { listening?.cancel() }
    for await _ in nudges {
      let (role, closed) = core.withLock { ($0.role, $0.closed) }
      if closed { break }
      do {
        let c = try await control.connection()
        switch role {
        case .leader(let term):
          guard Self.monotonic - lastRenewed >= replication.renewSeconds else { continue }
          if try await renew(c, term: term) {
            lastRenewed = Self.monotonic
          } else {
            fenced("fenced: this server's lease (term \(term)) expired or was taken over before it could renew it", [])
          }
        case .follower, .sole:
          guard replication.contend else { continue }
          if listened !== c {
            // A new connection (the first, or after the old one was cut): listen again, then read what was missed.
            listening?.cancel()
            listening = listen(on: c)
            listened = c
          }
          try await catchUp(c)
          if let term = try await tryAcquire(c) {
            try await promote(c, term: term)
            lastRenewed = Self.monotonic
          } else if let lease = try await readLease(c) {
            let target = StoreRole.follower(leader: lease.live ? lease.endpoint : nil)
            let watchers = core.withLock { c in c.term == 0 ? changeRole(&c, to: target) : [] }
            tell(watchers, target)
          }
        }
      } catch {
        logger.warning("replication: \(PostgresStoreErrors.describe(error))")
        if case .leader(let term) = role, Self.monotonic - lastRenewed > replication.leaseSeconds {
          fenced(
            "fenced: this server could not renew its lease (term \(term)): \(PostgresStoreErrors.describe(error))", [])
        }
      }
    }
  }

  private func listen(on c: PostgresConnection) -> Task<Void, Never> {
    let nudge = self.nudge
    return Task {
      do {
        try await c.listen(on: "cordon_journal") { notes in
          for try await _ in notes { nudge.yield() }
        }
      } catch {}
      nudge.yield()
    }
  }

  // MARK: The lease

  /// Takes the lease when it is free: no row yet, expired on the database's
  /// clock, its holder's connection gone, or held by this process (a new
  /// term then, so nothing of the old one can still append). The term, or nil.
  func tryAcquire(_ c: PostgresConnection) async throws -> UInt64? {
    let ttl = replication.leaseSeconds
    for try await t in try await c.query(
      """
      INSERT INTO cordon_lease AS l (id, holder, term, endpoint, backend_pid, expires)
      VALUES (1, \(holder), 1, \(replication.endpoint), pg_backend_pid(), now() + make_interval(secs => \(ttl)))
      ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, term = l.term + 1, endpoint = EXCLUDED.endpoint,
        backend_pid = EXCLUDED.backend_pid, expires = EXCLUDED.expires
      WHERE l.expires < clock_timestamp() OR l.holder = EXCLUDED.holder
        OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.backend_pid)
      RETURNING term
      """, logger: logger
    ).decode(Int64.self) {
      return UInt64(max(1, t))
    }
    return nil
  }

  func renew(_ c: PostgresConnection, term: UInt64) async throws -> Bool {
    let ttl = replication.leaseSeconds
    for try await _ in try await c.query(
      """
      UPDATE cordon_lease SET expires = now() + make_interval(secs => \(ttl)), backend_pid = pg_backend_pid()
      WHERE id = 1 AND holder = \(holder) AND term = \(Int64(clamping: term)) AND expires > clock_timestamp()
      RETURNING term
      """, logger: logger
    ).decode(Int64.self) {
      return true
    }
    return false
  }

  func readLease(_ c: PostgresConnection) async throws -> LeaseView? {
    for try await (h, t, e, live) in try await c.query(
      "SELECT holder, term, endpoint, expires > clock_timestamp() FROM cordon_lease WHERE id = 1", logger: logger
    ).decode((String, Int64, String?, Bool).self) {
      return LeaseView(holder: h, term: UInt64(max(0, t)), endpoint: e, live: live)
    }
    return nil
  }

  /// On close: the lease is let go at once, so a follower takes over without waiting for it to expire.
  func releaseLease() async {
    let term = core.withLock { $0.term }
    guard term > 0, let c = try? await control.connection() else {
      await control.close()
      return
    }
    _ = try? await c.query(
      """
      UPDATE cordon_lease SET expires = clock_timestamp() - interval '1 second'
      WHERE id = 1 AND holder = \(holder) AND term = \(Int64(clamping: term))
      """, logger: logger)
    await control.close()
  }

  /// With the lease taken: read the journal to its head (whatever the
  /// previous leader committed), then decide and append from here.
  private func promote(_ c: PostgresConnection, term: UInt64) async throws {
    var head: Int64 = 0
    for try await h in try await c.query("SELECT last_seq FROM cordon_head WHERE id = 1", logger: logger)
      .decode(Int64.self)
    {
      head = h
    }
    try await catchUp(c)
    let (reached, watchers) = core.withLock { c -> (UInt64, [@Sendable (StoreRole) -> Void]) in
      guard c.lastSeq == UInt64(max(0, head)), !c.closed else { return (c.lastSeq, []) }
      c.tentative = c.committed
      c.nextSeq = c.lastSeq + 1
      if case .readOnly(let r) = c.mode, r.hasPrefix("fenced") { c.mode = .writable }
      return (c.lastSeq, changeRole(&c, to: .leader(term: term)))
    }
    guard reached == UInt64(max(0, head)) else {
      throw StoreError.unavailable("took the lease at head \(head) but the journal read ends at \(reached)")
    }
    logger.notice("leader of the journal (term \(term)) at seq \(reached)")
    tell(watchers, .leader(term: term))
    fireAppliedWaiters()
  }

  // MARK: Following

  /// Reads and applies every event after the last one applied, in order.
  func catchUp(_ c: PostgresConnection) async throws {
    let page = 2000
    while true {
      let from = lastSeq
      var batch: [Record] = []
      let decoder = JSONDecoder()
      for try await (s, text) in try await c.query(
        "SELECT seq, record FROM cordon_events WHERE seq > \(Int64(clamping: from)) ORDER BY seq LIMIT \(page)",
        logger: logger
      ).decode((Int64, String).self) {
        let r = try Self.decodeRecord(text, seq: s, decoder)
        guard r.seq == UInt64(max(0, s)) else {
          throw StoreError.corrupt(
            file: "cordon_events", offset: UInt64(max(0, s)), reason: "the row says seq \(r.seq)")
        }
        batch.append(r)
      }
      if batch.isEmpty { return }
      if !applyFollowed(batch) { return }
      if batch.count < page { return }
    }
  }

  /// Applies records that follow the last one applied; a gap stops it
  /// (nothing after the gap is applied; the next catch-up reads again).
  private func applyFollowed(_ records: [Record]) -> Bool {
    var complete = true
    delivery.withLock { _ in
      let (subscribers, state, fresh) = core.withLock { c -> ([Subscriber], M.State, [Record]) in
        var fresh: [Record] = []
        for r in records where r.seq > c.lastSeq {
          guard r.seq == c.lastSeq + 1, c.term == 0 else {
            complete = false
            break
          }
          M.apply(r, to: &c.committed)
          if let id = r.commandID { c.ids.record(id, seq: r.seq) }
          c.lastSeq = r.seq
          c.lastTime = r.time
          fresh.append(r)
        }
        if !fresh.isEmpty {
          c.tentative = c.committed
          c.nextSeq = c.lastSeq + 1
        }
        return (Array(c.subscribers.values), c.committed, fresh)
      }
      if !complete {
        logger.warning("replication: the journal read shows a gap after seq \(lastSeq); reading it again")
      }
      if !fresh.isEmpty { for s in subscribers { s(fresh, state) } }
    }
    fireAppliedWaiters()
    return complete
  }
}
