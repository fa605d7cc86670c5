import CordonModel
import CordonSession
import CordonStore
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The event store with its journal and snapshots in PostgreSQL.
///
/// Like the embedded `EventStore`: the state is in memory, commands are
/// decided against it, and a submission completes only once its events are
/// durable, here committed by PostgreSQL. One transaction per batch (group
/// commit): everything queued while the previous transaction ran goes into
/// the next. Each transaction first locks the journal's head row and checks
/// that the journal still ends where this process thinks (fencing): a writer
/// that lost the race, or was paused while another wrote, turns read-only
/// instead of appending; `seq` is the events' primary key besides.
///
/// Several processes on one journal: exactly one holds the lease (a row in
/// `cordon_lease`, its expiry on the database's clock) and appends; the
/// append itself checks the lease's holder and term and the expected seq in
/// one statement, so a paused leader that lost the lease appends nothing.
/// The others follow the journal (LISTEN/NOTIFY and catch-up by seq) and
/// take the lease over when it expires or its holder's connection is gone
/// (`PostgresReplication.swift`).
public final class PostgresStore<M: EventSourcedModel>: Sendable {
  public typealias Record = EventRecord<M.Event>
  public typealias Completion = @Sendable (Result<[Record], StoreFailure>) -> Void
  public typealias Subscriber = @Sendable ([Record], M.State) -> Void

  /// The layout of the tables; a database with another version is refused.
  public static var schemaVersion: Int { 1 }

  struct Ticket: Sendable {
    var records: [Record]
    var rows: [String]
    var completion: Completion?
  }

  struct Core {
    var committed: M.State
    var tentative: M.State
    var lastSeq: UInt64
    var nextSeq: UInt64
    var lastTime: Instant?
    var mode: StoreStatus.Mode = .writable
    var ids: IDWindow
    var pending: [String: [Completion]] = [:]
    var queue: [Ticket] = []
    var subscribers: [UInt64: Subscriber] = [:]
    var readOnlyWatchers: [UInt64: @Sendable (String) -> Void] = [:]
    var nextSubscriber: UInt64 = 1
    var lastSnapshotSeq: UInt64
    var lastSnapshotTime: Instant
    var lastSnapshotWritten: Instant?
    var snapshotRunning = false
    var closed = false
    /// Leader (with its term) or follower; never `.sole` here.
    var role: StoreRole = .follower(leader: nil)
    var roleWatchers: [@Sendable (StoreRole) -> Void] = []
    var appliedWaiters: [UInt64: (seq: UInt64, body: @Sendable (Bool) -> Void)] = [:]
    var term: UInt64 { if case .leader(let t) = role { t } else { 0 } }
  }

  /// Recent command ids and the seqs of their events, oldest evicted first.
  struct IDWindow: Sendable {
    var capacity: Int
    var spans: [String: (first: UInt64, count: Int)] = [:]
    var order: [String] = []
    var head = 0
    mutating func record(_ id: String, seq: UInt64) {
      if let s = spans[id] {
        if s.first + UInt64(s.count) == seq { spans[id] = (s.first, s.count + 1) }
        return
      }
      spans[id] = (seq, 1)
      order.append(id)
      while order.count - head > capacity {
        spans[order[head]] = nil
        head += 1
      }
      if head > 4096 && head * 2 > order.count {
        order.removeFirst(head)
        head = 0
      }
    }
  }

  let core: Mutex<Core>
  let writer: PostgresLink
  let reader: PostgresLink
  /// The lease, the notifications and the follower's catch-up.
  let control: PostgresLink
  let url: PostgresURL
  let options: StoreOptions
  let replication: Replication
  /// Who this process is in the lease row: host, pid and a random part.
  let holder: String
  let clock: @Sendable () -> Instant
  let logger: Logger
  private let wake: AsyncStream<Void>.Continuation
  private let writerDone = DispatchSemaphore(value: 0)
  let observerQueue = DispatchQueue(label: "cordon-postgres-events")
  /// Wakes the replication loop (a notification, a waiter, a tick).
  let nudge: AsyncStream<Void>.Continuation
  let nudges: AsyncStream<Void>
  let loopDone = DispatchSemaphore(value: 0)
  /// Held while records are applied and handed to subscribers.
  let delivery = Mutex(())

  // MARK: Opening

  /// Connects to the database at `url`, creates the tables when they are
  /// missing (and checks their version when not), and recovers the state
  /// from the newest snapshot and the events after it.
  ///
  /// `replication` says how this process takes part in the lease: a tool
  /// takes it once if it is free (and otherwise only reads), `cordon serve`
  /// keeps contending for it and follows the journal meanwhile.
  public static func open(
    url: PostgresURL, options: StoreOptions = .init(), clock: @escaping @Sendable () -> Instant = Instant.now,
    replication: Replication = .init()
  ) throws -> PostgresStore<M> {
    var logger = Logger(label: "cordon.postgres")
    logger.logLevel = .error
    let log = logger
    let holder = replication.holder ?? Replication.defaultHolder()
    let opened = try blocking { () async throws -> (PostgresConnection, PostgresConnection, Recovered) in
      let writer = try await connect(url, name: "cordon \(holder) writer", logger: log)
      let reader: PostgresConnection
      do { reader = try await connect(url, name: "cordon \(holder) reader", logger: log) } catch {
        _ = try? await writer.close()
        throw error
      }
      do {
        try await prepareSchema(writer, logger: log)
        let recovered = try await recover(reader, capacity: options.commandIDWindow, logger: log)
        return (writer, reader, recovered)
      } catch {
        _ = try? await writer.close()
        _ = try? await reader.close()
        throw error
      }
    }
    let store = PostgresStore(
      writer: PostgresLink(url: url, name: "cordon \(holder) writer", logger: log, connection: opened.0),
      reader: PostgresLink(url: url, name: "cordon \(holder) reader", logger: log, connection: opened.1),
      recovered: opened.2, url: url, options: options, replication: replication, holder: holder, clock: clock,
      logger: logger)
    try store.startReplication()
    return store
  }

  struct Recovered: Sendable {
    var state: M.State
    var lastSeq: UInt64
    var lastTime: Instant?
    var ids: IDWindow
    var snapshotSeq: UInt64
  }

  private init(
    writer: PostgresLink, reader: PostgresLink, recovered: Recovered, url: PostgresURL, options: StoreOptions,
    replication: Replication, holder: String, clock: @escaping @Sendable () -> Instant, logger: Logger
  ) {
    core = Mutex(
      Core(
        committed: recovered.state, tentative: recovered.state, lastSeq: recovered.lastSeq,
        nextSeq: recovered.lastSeq + 1, lastTime: recovered.lastTime, ids: recovered.ids,
        lastSnapshotSeq: recovered.snapshotSeq, lastSnapshotTime: clock()))
    self.writer = writer
    self.reader = reader
    self.control = PostgresLink(url: url, name: "cordon \(holder) control", logger: logger)
    self.url = url
    self.options = options
    self.replication = replication
    self.holder = holder
    self.clock = clock
    self.logger = logger
    let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    self.wake = continuation
    (self.nudges, self.nudge) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    let done = writerDone
    Task { [weak self] in
      for await _ in stream {
        guard let self else { break }
        await self.drain()
      }
      done.signal()
    }
  }

  deinit {
    wake.finish()
    nudge.finish()
  }

  /// `name` is the connection's application_name (pg_stat_activity shows it).
  static func connect(_ url: PostgresURL, name: String, logger: Logger) async throws -> PostgresConnection {
    try await PostgresLink.connect(url, name: name, logger: logger)
  }

  /// Creates the tables in one transaction under an advisory lock (two
  /// servers starting together), or checks the version of those there.
  static func prepareSchema(_ c: PostgresConnection, logger: Logger) async throws {
    do {
      try await c.query("BEGIN", logger: logger)
      try await c.query("SELECT pg_advisory_xact_lock(7406341226)", logger: logger)
      try await c.query(
        "CREATE TABLE IF NOT EXISTS cordon_meta (key text PRIMARY KEY, value text NOT NULL)", logger: logger)
      var found: String? = nil
      for try await v in try await c.query(
        "SELECT value FROM cordon_meta WHERE key = 'schema_version'", logger: logger
      ).decode(String.self) {
        found = v
      }
      if let found {
        guard found == String(schemaVersion) else {
          _ = try? await c.query("ROLLBACK", logger: logger)
          throw StoreError.unavailable(
            "the database's cordon tables are schema version \(found); this cordon reads version \(schemaVersion)")
        }
      } else {
        for sql in [
          "CREATE TABLE cordon_events (seq bigint PRIMARY KEY CHECK (seq > 0), time_ms bigint NOT NULL, "
            + "command_id text, record text NOT NULL)",
          "CREATE INDEX cordon_events_time ON cordon_events (time_ms)",
          "CREATE INDEX cordon_events_command ON cordon_events (command_id) WHERE command_id IS NOT NULL",
          "CREATE TABLE cordon_head (id int PRIMARY KEY CHECK (id = 1), last_seq bigint NOT NULL)",
          "INSERT INTO cordon_head VALUES (1, 0)",
          "CREATE TABLE cordon_snapshots (seq bigint PRIMARY KEY, last_time_ms bigint, "
            + "written_at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)",
          "INSERT INTO cordon_meta VALUES ('schema_version', '\(schemaVersion)')",
        ] {
          try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
      }
      // The lease (added within schema version 1: one table more, nothing else changed).
      try await c.query(
        """
        CREATE TABLE IF NOT EXISTS cordon_lease (id int PRIMARY KEY CHECK (id = 1), holder text NOT NULL,
        term bigint NOT NULL, endpoint text, backend_pid int, expires timestamptz NOT NULL)
        """, logger: logger)
      try await c.query("COMMIT", logger: logger)
    } catch let e as StoreError {
      throw e
    } catch {
      _ = try? await c.query("ROLLBACK", logger: logger)
      throw StoreError.unavailable("cannot prepare the cordon tables: \(PostgresStoreErrors.describe(error))")
    }
  }

  struct SnapshotBody: Codable {
    var state: M.State
    var lastTime: Instant?
  }

  /// The newest snapshot at or before `seq` (nil: any), or the empty state.
  static func snapshot(atOrBefore seq: UInt64?, _ c: PostgresConnection, logger: Logger) async throws
    -> (seq: UInt64, state: M.State, lastTime: Instant?)
  {
    let q: PostgresQuery =
      if let seq {
        "SELECT seq, body FROM cordon_snapshots WHERE seq <= \(Int64(clamping: seq)) ORDER BY seq DESC LIMIT 1"
      } else {
        "SELECT seq, body FROM cordon_snapshots ORDER BY seq DESC LIMIT 1"
      }
    for try await (s, body) in try await c.query(q, logger: logger).decode((Int64, String).self) {
      do {
        let b = try JSONDecoder().decode(SnapshotBody.self, from: Data(body.utf8))
        return (UInt64(max(0, s)), b.state, b.lastTime)
      } catch {
        throw StoreError.corrupt(file: "cordon_snapshots", offset: UInt64(max(0, s)), reason: "\(error)")
      }
    }
    return (0, M.initialState(), nil)
  }

  /// Folds the events `after < seq ≤ through` into `state`, checking that none is missing.
  static func replay(
    _ state: inout M.State, after: UInt64, through: UInt64?, _ c: PostgresConnection, logger: Logger,
    each: (Record) -> Void = { _ in }
  ) async throws -> (last: UInt64, lastTime: Instant?) {
    let q: PostgresQuery =
      if let through {
        "SELECT seq, record FROM cordon_events WHERE seq > \(Int64(clamping: after)) AND seq <= \(Int64(clamping: through)) ORDER BY seq"
      } else {
        "SELECT seq, record FROM cordon_events WHERE seq > \(Int64(clamping: after)) ORDER BY seq"
      }
    let decoder = JSONDecoder()
    var next = after + 1
    var lastTime: Instant? = nil
    for try await (s, text) in try await c.query(q, logger: logger).decode((Int64, String).self) {
      guard s == Int64(clamping: next) else {
        throw StoreError.corrupt(
          file: "cordon_events", offset: UInt64(max(0, s)), reason: "seq \(next) is missing (found \(s))")
      }
      let r = try decodeRecord(text, seq: s, decoder)
      M.apply(r, to: &state)
      each(r)
      lastTime = r.time
      next += 1
    }
    if let through, next != through + 1 {
      throw StoreError.unavailable("events \(next)...\(through) are not in the journal")
    }
    return (next - 1, lastTime)
  }

  static func decodeRecord(_ text: String, seq: Int64, _ decoder: JSONDecoder) throws -> Record {
    do { return try decoder.decode(Record.self, from: Data(text.utf8)) } catch {
      throw StoreError.corrupt(file: "cordon_events", offset: UInt64(max(0, seq)), reason: "\(error)")
    }
  }

  static func recover(_ c: PostgresConnection, capacity: Int, logger: Logger) async throws -> Recovered {
    var head: Int64 = 0
    for try await h in try await c.query("SELECT last_seq FROM cordon_head WHERE id = 1", logger: logger)
      .decode(Int64.self)
    {
      head = h
    }
    let base = try await snapshot(atOrBefore: nil, c, logger: logger)
    var state = base.state
    let replayed = try await replay(&state, after: base.seq, through: nil, c, logger: logger)
    guard replayed.last == UInt64(max(0, head)) else {
      throw StoreError.corrupt(
        file: "cordon_head", offset: 0, reason: "the head says seq \(head), the events end at \(replayed.last)")
    }
    var ids = IDWindow(capacity: max(1, capacity))
    let idQuery: PostgresQuery =
      "SELECT command_id, seq FROM (SELECT command_id, seq FROM cordon_events WHERE command_id IS NOT NULL ORDER BY seq DESC LIMIT \(Int64(max(1, capacity)))) t ORDER BY seq"
    for try await (id, s) in try await c.query(idQuery, logger: logger).decode((String, Int64).self) {
      ids.record(id, seq: UInt64(max(0, s)))
    }
    let lastTime = replayed.lastTime ?? base.lastTime
    return Recovered(state: state, lastSeq: replayed.last, lastTime: lastTime, ids: ids, snapshotSeq: base.seq)
  }

  // MARK: Reading

  public var state: M.State { core.withLock { $0.committed } }
  public var lastSeq: UInt64 { core.withLock { $0.lastSeq } }
  public var status: StoreStatus { core.withLock { StoreStatus(mode: $0.mode) } }
  public var health: (lastSnapshotSeq: UInt64, lastSnapshotWritten: Instant?, journalQueue: Int) {
    core.withLock { ($0.lastSnapshotSeq, $0.lastSnapshotWritten, $0.queue.count) }
  }
  /// Where the journal is, for messages (never the password).
  public var location: String { url.description }

  // MARK: Writing

  private enum Action {
    case none
    case fail(StoreFailure)
    case succeed([Record])
    case duplicate(first: UInt64, count: Int)
  }

  public func submit(
    _ command: M.Command, actor: String, unit: String?, commandID: String? = nil, completion: @escaping Completion
  ) {
    let action = core.withLock { c -> Action in
      if c.closed { return .fail(.storeReadOnly("the store is closed")) }
      if case .readOnly(let reason) = c.mode { return .fail(.storeReadOnly(reason)) }
      if case .follower(let leader) = c.role { return .fail(.storeReadOnly(Self.following(leader))) }
      if let id = commandID {
        if c.pending[id] != nil {
          c.pending[id]?.append(completion)
          return .none
        }
        if let span = c.ids.spans[id] { return .duplicate(first: span.first, count: span.count) }
      }
      let now = clock()
      let events: [M.Event]
      do throws(Refusal) {
        events = try M.decide(command, context: CommandContext(actor: actor, unit: unit, now: now), state: c.tentative)
      } catch {
        return .fail(.refused(error))
      }
      if events.isEmpty { return .succeed([]) }
      return enqueueLocked(&c, events, actor: actor, unit: unit, commandID: commandID, now: now, completion: completion)
    }
    switch action {
    case .none: break
    case .fail(let f): completion(.failure(f))
    case .succeed(let r): completion(.success(r))
    case .duplicate(let first, let count):
      do { completion(.success(try records(from: first, through: first + UInt64(count) - 1))) } catch {
        completion(.failure(.io("cannot read back the original events of a repeated command: \(error)")))
      }
    }
  }

  private func enqueueLocked(
    _ c: inout Core, _ events: [M.Event], actor: String, unit: String?, commandID: String?, now: Instant,
    completion: Completion?
  ) -> Action {
    let encoder = JSONEncoder()
    var records: [Record] = []
    var rows: [String] = []
    var seq = c.nextSeq
    for event in events {
      let r = Record(seq: seq, time: now, actor: actor, unit: unit, commandID: commandID, event: event)
      do { rows.append(String(decoding: try encoder.encode(r), as: UTF8.self)) } catch {
        return .fail(.io("cannot encode event \(event): \(error)"))
      }
      records.append(r)
      seq += 1
    }
    c.queue.append(Ticket(records: records, rows: rows, completion: completion))
    c.nextSeq = seq
    for r in records { M.apply(r, to: &c.tentative) }
    if let id = commandID { c.pending[id] = [] }
    wake.yield()
    return .none
  }

  /// Journals records as they are (a migration): their seqs must follow the
  /// last one. Returns once they are committed.
  public func append(verbatim records: [Record]) throws {
    guard !records.isEmpty else { return }
    let encoder = JSONEncoder()
    var rows: [String] = []
    for r in records { rows.append(String(decoding: try encoder.encode(r), as: UTF8.self)) }
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<[Record], StoreFailure>?>(nil)
    let refusal = core.withLock { c -> StoreFailure? in
      if case .readOnly(let reason) = c.mode { return .storeReadOnly(reason) }
      if case .follower(let leader) = c.role { return .storeReadOnly(Self.following(leader)) }
      guard records.first?.seq == c.nextSeq else {
        return .io("the records start at seq \(records.first?.seq ?? 0), the journal expects \(c.nextSeq)")
      }
      for (i, r) in records.enumerated() where r.seq != c.nextSeq + UInt64(i) {
        return .io("the records skip from seq \(c.nextSeq + UInt64(i) - 1) to \(r.seq)")
      }
      c.queue.append(
        Ticket(
          records: records, rows: rows,
          completion: { r in
            result.withLock { $0 = r }
            done.signal()
          }))
      c.nextSeq += UInt64(records.count)
      for r in records { M.apply(r, to: &c.tentative) }
      wake.yield()
      return nil
    }
    if let refusal { throw refusal }
    done.wait()
    if case .failure(let f) = result.withLock({ $0 }) { throw f }
  }

  /// The writer: one transaction for everything queued, until nothing is.
  private func drain() async {
    while true {
      let (batch, term) = core.withLock { c -> ([Ticket], UInt64) in
        guard !c.queue.isEmpty, c.mode == .writable, c.term > 0 else { return ([], 0) }
        defer { c.queue = [] }
        return (c.queue, c.term)
      }
      if batch.isEmpty { return }
      do {
        try await write(batch, term: term)
        durable(batch)
      } catch let e as Fenced {
        fenced(e.reason, batch)
      } catch {
        fenced("\(error)", batch)
      }
    }
  }

  /// Why an append was refused: the lease lost, the journal longer than
  /// expected, or PostgreSQL failing (the outcome then unknown).
  struct Fenced: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
  }

  /// One statement, so one implicit transaction: renew the lease if this
  /// process still holds it in `term` and it has not expired (on the
  /// database's clock), move the head if the journal still ends at
  /// `first - 1`, insert the rows, and NOTIFY followers of the new head.
  /// Each step runs only if the one before matched a row, so a paused leader
  /// that lost its lease, or a stale one, changes nothing. The row locks the
  /// updates take serialise it with a takeover and with any other append.
  private func write(_ batch: [Ticket], term: UInt64) async throws {
    guard let first = batch.first?.records.first?.seq, let last = batch.last?.records.last?.seq else { return }
    var seqs: [Int64] = []
    var times: [Int64] = []
    var ids: [String] = []
    var rows: [String] = []
    for t in batch {
      for (r, row) in zip(t.records, t.rows) {
        seqs.append(Int64(clamping: r.seq))
        times.append(r.time.milliseconds)
        ids.append(r.commandID ?? "")
        rows.append(row)
      }
    }
    let ttl = replication.leaseSeconds
    var counts: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
    do {
      let c = try await writer.connection()
      for try await row in try await c.query(
        """
        WITH lease AS (
          UPDATE cordon_lease SET expires = now() + make_interval(secs => \(ttl))
          WHERE id = 1 AND holder = \(holder) AND term = \(Int64(clamping: term)) AND expires > clock_timestamp()
          RETURNING 1),
        head AS (
          UPDATE cordon_head SET last_seq = \(Int64(clamping: last))
          WHERE id = 1 AND last_seq = \(Int64(clamping: first - 1)) AND EXISTS (SELECT 1 FROM lease) RETURNING 1),
        ins AS (
          INSERT INTO cordon_events (seq, time_ms, command_id, record)
          SELECT s, t, NULLIF(i, ''), r FROM unnest(\(seqs)::bigint[], \(times)::bigint[], \(ids)::text[], \(rows)::text[]) AS x(s, t, i, r)
          WHERE EXISTS (SELECT 1 FROM head) RETURNING 1),
        note AS (SELECT pg_notify('cordon_journal', \(String(last))) FROM (SELECT 1 FROM ins LIMIT 1) k)
        SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM head), (SELECT count(*) FROM ins),
          (SELECT count(*) FROM note)
        """, logger: logger
      ).decode((Int64, Int64, Int64, Int64).self) {
        counts = row
      }
    } catch {
      throw Fenced(
        reason:
          "PostgreSQL did not commit (\(PostgresStoreErrors.describe(error))); whether the last batch was saved is read back from the journal"
      )
    }
    if counts.0 == 0 {
      throw Fenced(
        reason: "fenced: this server no longer holds the journal's lease (term \(term)); another server took it over")
    }
    if counts.1 == 0 {
      throw Fenced(
        reason:
          "fenced: another server appended to the journal (it no longer ends at seq \(first - 1)); this server no longer writes"
      )
    }
    guard counts.2 == Int64(rows.count) else {
      throw Fenced(reason: "PostgreSQL inserted \(counts.2) of \(rows.count) events")
    }
  }

  private func durable(_ tickets: [Ticket]) {
    // One delivery at a time, so subscribers hear batches in seq order
    // whether they come from this writer or from the follower's catch-up.
    delivery.withLock { _ in
      let (subscribers, state, fresh, waiters, snap) = core.withLock {
        c -> ([Subscriber], M.State, [Record], [(Completion, [Record])], (UInt64, M.State, Instant?)?) in
        var waiters: [(Completion, [Record])] = []
        var fresh: [Record] = []
        for t in tickets {
          // The catch-up may have applied these already (a step down raced the commit).
          for r in t.records where r.seq == c.lastSeq + 1 {
            M.apply(r, to: &c.committed)
            if let id = r.commandID { c.ids.record(id, seq: r.seq) }
            c.lastSeq = r.seq
            c.lastTime = r.time
            fresh.append(r)
          }
          if let id = t.records.last?.commandID, let p = c.pending.removeValue(forKey: id) {
            for w in p { waiters.append((w, t.records)) }
          }
        }
        return (Array(c.subscribers.values), c.committed, fresh, waiters, snapshotDueLocked(&c, now: clock()))
      }
      if !subscribers.isEmpty && !fresh.isEmpty {
        for s in subscribers { s(fresh, state) }
      }
      fireAppliedWaiters()
      for t in tickets { t.completion?(.success(t.records)) }
      for (w, records) in waiters { w(.success(records)) }
      if let snap { Task { await self.writeSnapshot(seq: snap.0, state: snap.1, lastTime: snap.2) } }
    }
  }

  func failed(_ reason: String, _ tickets: [Ticket]) {
    let (waiters, queued, watchers) = core.withLock { c -> ([Completion], [Ticket], [@Sendable (String) -> Void]) in
      var watchers: [@Sendable (String) -> Void] = []
      if c.mode == .writable {
        c.mode = .readOnly(reason)
        if !c.closed { watchers = Array(c.readOnlyWatchers.values) }
      }
      c.tentative = c.committed
      c.nextSeq = c.lastSeq + 1
      defer {
        c.pending = [:]
        c.queue = []
      }
      return (c.pending.values.flatMap { $0 }, c.queue, watchers)
    }
    if !watchers.isEmpty { observerQueue.async { for w in watchers { w(reason) } } }
    if let o = options.observer { observerQueue.async { o(.readOnly(reason: reason)) } }
    for t in tickets + queued { t.completion?(.failure(.storeReadOnly(reason))) }
    for w in waiters { w(.failure(.storeReadOnly(reason))) }
  }

  public func tick() {
    let snap = core.withLock { c -> (UInt64, M.State, Instant?)? in
      guard c.mode == .writable, !c.closed, c.term > 0 else { return nil }
      let now = clock()
      let events = M.housekeeping(updating: &c.tentative, now: now)
      if !events.isEmpty {
        _ = enqueueLocked(&c, events, actor: "system", unit: nil, commandID: nil, now: now, completion: nil)
      }
      return snapshotDueLocked(&c, now: now)
    }
    if let snap { Task { await self.writeSnapshot(seq: snap.0, state: snap.1, lastTime: snap.2) } }
  }

  // MARK: Snapshots

  private func snapshotDueLocked(_ c: inout Core, now: Instant) -> (UInt64, M.State, Instant?)? {
    guard !c.snapshotRunning, !c.closed, c.mode == .writable, c.term > 0, c.lastSeq > c.lastSnapshotSeq else {
      return nil
    }
    let byCount =
      options.snapshotEveryEvents > 0 && c.lastSeq - c.lastSnapshotSeq >= UInt64(options.snapshotEveryEvents)
    let byTime =
      options.snapshotEveryMinutes > 0
      && now >= c.lastSnapshotTime.adding(minutes: Int64(options.snapshotEveryMinutes))
    guard byCount || byTime else { return nil }
    c.snapshotRunning = true
    return (c.lastSeq, c.committed, c.lastTime)
  }

  @discardableResult
  private func writeSnapshot(seq: UInt64, state: M.State, lastTime: Instant?) async -> Error? {
    do {
      let body = String(
        decoding: try JSONEncoder().encode(SnapshotBody(state: state, lastTime: lastTime)), as: UTF8.self)
      let reader = try await self.reader.connection()
      try await reader.query(
        """
        INSERT INTO cordon_snapshots (seq, last_time_ms, body) VALUES (\(Int64(clamping: seq)), \(lastTime?.milliseconds), \(body))
        ON CONFLICT (seq) DO NOTHING
        """, logger: logger)
      // The newest two are kept, and older ones thinned like the embedded store's history snapshots.
      try await reader.query(
        """
        DELETE FROM cordon_snapshots WHERE seq < (SELECT min(seq) FROM (SELECT seq FROM cordon_snapshots ORDER BY seq DESC LIMIT 2) k)
        AND seq % \(Int64(max(1, options.historySnapshotEvents))) <> 0
        """, logger: logger)
      let now = clock()
      core.withLock { c in
        c.lastSnapshotSeq = max(c.lastSnapshotSeq, seq)
        c.lastSnapshotTime = now
        c.lastSnapshotWritten = now
        c.snapshotRunning = false
      }
      return nil
    } catch {
      core.withLock { $0.snapshotRunning = false }
      return error
    }
  }

  /// Writes a snapshot of the committed state now.
  public func snapshot() throws {
    let job = core.withLock { c -> (UInt64, M.State, Instant?)? in
      guard !c.snapshotRunning, c.lastSeq > c.lastSnapshotSeq else { return nil }
      c.snapshotRunning = true
      return (c.lastSeq, c.committed, c.lastTime)
    }
    guard let job else { return }
    let error = try blocking { await self.writeSnapshot(seq: job.0, state: job.1, lastTime: job.2).map { "\($0)" } }
    if let error { throw StoreError.io("snapshot failed: \(error)") }
  }

  // MARK: Subscriptions

  public func subscribe(_ handler: @escaping Subscriber) -> SubscriptionID {
    core.withLock { c in
      defer { c.nextSubscriber += 1 }
      c.subscribers[c.nextSubscriber] = handler
      return SubscriptionID(number: c.nextSubscriber)
    }
  }

  @discardableResult
  public func onReadOnly(_ handler: @escaping @Sendable (String) -> Void) -> SubscriptionID {
    core.withLock { c in
      defer { c.nextSubscriber += 1 }
      c.readOnlyWatchers[c.nextSubscriber] = handler
      return SubscriptionID(number: c.nextSubscriber)
    }
  }

  public func unsubscribe(_ id: SubscriptionID) {
    core.withLock { c in
      c.subscribers.removeValue(forKey: id.number)
      c.readOnlyWatchers.removeValue(forKey: id.number)
    }
  }

  // MARK: History

  public func records(from: UInt64, through: UInt64? = nil) throws -> [Record] {
    let upper = min(through ?? lastSeq, lastSeq)
    guard from <= upper else { return [] }
    let out = try query(
      "SELECT seq, record FROM cordon_events WHERE seq >= \(Int64(clamping: from)) AND seq <= \(Int64(clamping: upper)) ORDER BY seq"
    )
    guard out.first?.seq == from, out.count == Int(upper - from + 1) else {
      throw StoreError.unavailable("events \(from)...\(upper) are not all in the journal; found \(out.count)")
    }
    return out
  }

  public func records(since: Instant, until: Instant? = nil) throws -> [Record] {
    let upper = lastSeq
    return try query(
      "SELECT seq, record FROM cordon_events WHERE time_ms >= \(since.milliseconds) AND time_ms < \(until?.milliseconds ?? .max) AND seq <= \(Int64(clamping: upper)) ORDER BY seq"
    )
  }

  public func period(since: Instant, until: Instant) throws -> (records: [Record], end: M.State) {
    (try records(since: since, until: until), try state(at: until))
  }

  public func state(atSeq seq: UInt64) throws -> M.State {
    let (committed, last) = core.withLock { ($0.committed, $0.lastSeq) }
    guard seq <= last else { throw StoreError.unavailable("seq \(seq) is beyond the last event \(last)") }
    if seq == last { return committed }
    return try replayed(through: seq)
  }

  /// Every event up to the first one whose time is after `instant`.
  public func state(at instant: Instant) throws -> M.State {
    let (committed, last) = core.withLock { ($0.committed, $0.lastSeq) }
    let log = logger
    let link = reader
    let cut = try blocking { () async throws -> Int64? in
      var cut: Int64? = nil
      for try await s in try await link.connection().query(
        "SELECT min(seq) FROM cordon_events WHERE time_ms > \(instant.milliseconds) AND seq <= \(Int64(clamping: last))",
        logger: log
      ).decode(Int64?.self) {
        cut = s
      }
      return cut
    }
    guard let cut else { return committed }
    return try replayed(through: UInt64(max(1, cut)) - 1)
  }

  private func replayed(through seq: UInt64) throws -> M.State {
    let log = logger
    let link = reader
    return try blocking { () async throws -> M.State in
      let c = try await link.connection()
      let base = try await Self.snapshot(atOrBefore: seq, c, logger: log)
      var state = base.state
      guard base.seq < seq else { return state }
      _ = try await Self.replay(&state, after: base.seq, through: seq, c, logger: log)
      return state
    }
  }

  private func query(_ q: PostgresQuery) throws -> [Record] {
    let log = logger
    let link = reader
    return try blocking { () async throws -> [Record] in
      var out: [Record] = []
      let decoder = JSONDecoder()
      do {
        for try await (s, text) in try await link.connection().query(q, logger: log).decode((Int64, String).self) {
          out.append(try Self.decodeRecord(text, seq: s, decoder))
        }
      } catch let e as StoreError {
        throw e
      } catch {
        throw StoreError.unavailable("cannot read the journal: \(PostgresStoreErrors.describe(error))")
      }
      return out
    }
  }

  // MARK: Closing

  /// Commits what is queued, writes a final snapshot and disconnects.
  public func close() {
    let first = core.withLock { c -> Bool in
      defer { c.closed = true }
      return !c.closed
    }
    guard first else { return }
    wake.finish()
    writerDone.wait()
    nudge.finish()
    loopDone.wait()
    let job = core.withLock { c -> (UInt64, M.State, Instant?)? in
      defer { if c.mode == .writable { c.mode = .readOnly("the store is closed") } }
      guard c.mode == .writable, c.term > 0, c.lastSeq > c.lastSnapshotSeq, !c.snapshotRunning else { return nil }
      c.snapshotRunning = true
      return (c.lastSeq, c.committed, c.lastTime)
    }
    let w = writer
    let r = reader
    _ = try? blocking {
      if let job { await self.writeSnapshot(seq: job.0, state: job.1, lastTime: job.2) }
      await self.releaseLease()
      await w.close()
      await r.close()
    }
  }
}

enum PostgresStoreErrors {
  /// PostgresNIO hides the server's message from `description`: the
  /// server's message (or the connection's failure) is what an operator needs.
  static func describe(_ error: Error) -> String {
    if let e = error as? PSQLError {
      if let m = e.serverInfo?[.message] {
        let code = e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
        return m + code
      }
      if let u = e.underlying { return "\(u)" }
      return "\(e.code)"
    }
    return "\(error)"
  }
}

/// Runs async work to its end from synchronous code (a command-line read, a
/// server's query thread). Never called on the connection's event loop.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
  let done = DispatchSemaphore(value: 0)
  let box = Mutex<Result<T, Error>?>(nil)
  Task {
    do {
      let value = try await body()
      box.withLock { $0 = .success(value) }
    } catch {
      box.withLock { $0 = .failure(error) }
    }
    done.signal()
  }
  done.wait()
  guard let result = box.withLock({ $0 }) else { throw StoreError.io("no result") }
  return try result.get()
}

extension PostgresStore: DomainStore where M == CordonDomain {
  /// No data directory: a past day's report is computed each time.
  public var reportArchive: ReportArchive? { nil }
}

extension PostgresStore {
  /// `cordon fsck` of the PostgreSQL journal: every event decodes, the seqs
  /// run 1...head without a gap, and every snapshot equals the state the
  /// events give at its seq. The lines to print and whether all is clean.
  public static func verify(url: PostgresURL) throws -> (lines: [String], clean: Bool) {
    var logger = Logger(label: "cordon.postgres")
    logger.logLevel = .error
    let log = logger
    return try blocking { () async throws -> ([String], Bool) in
      let c = try await connect(url, name: "cordon fsck", logger: log)
      do {
        try await prepareSchema(c, logger: log)
        var lines: [String] = []
        var clean = true
        var head: Int64 = 0
        for try await h in try await c.query("SELECT last_seq FROM cordon_head WHERE id = 1", logger: log)
          .decode(Int64.self)
        {
          head = h
        }
        var snapshots: [UInt64] = []
        for try await s in try await c.query("SELECT seq FROM cordon_snapshots ORDER BY seq", logger: log)
          .decode(Int64.self)
        {
          snapshots.append(UInt64(max(0, s)))
        }
        var state = M.initialState()
        var pending = snapshots[...]
        var checked = 0
        var mismatched: [UInt64] = []
        let checkpoints = Set(snapshots)
        var states: [UInt64: M.State] = [:]
        let replayed: (last: UInt64, lastTime: Instant?)
        do {
          replayed = try await replay(&state, after: 0, through: nil, c, logger: log) { _ in }
        } catch {
          _ = try? await c.close()
          return (["journal: \(error)"], false)
        }
        // Snapshots are compared by replaying to each one's seq.
        for seq in checkpoints.sorted() where seq <= replayed.last {
          var s = M.initialState()
          _ = try await replay(&s, after: 0, through: seq, c, logger: log)
          states[seq] = s
        }
        while let seq = pending.popFirst() {
          let snap = try await snapshot(atOrBefore: seq, c, logger: log)
          if let expected = states[seq], snap.seq == seq, snap.state == expected {
            checked += 1
          } else {
            mismatched.append(seq)
          }
        }
        lines.append("journal: events 1...\(replayed.last), head \(head)")
        if replayed.last != UInt64(max(0, head)) {
          clean = false
          lines.append("journal: the head says \(head) but the events end at \(replayed.last)")
        }
        lines.append("snapshots: \(checked) of \(snapshots.count) agree with the journal")
        if !mismatched.isEmpty {
          clean = false
          lines.append(
            "snapshots: differ from the journal at seq \(mismatched.map(String.init).joined(separator: ", "))")
        }
        _ = try? await c.close()
        return (lines, clean)
      } catch {
        _ = try? await c.close()
        throw error
      }
    }
  }
}
