import Dispatch
import Foundation
import Synchronization

public struct SubscriptionID: Sendable, Hashable {
  let raw: UInt64
}

/// The durable event store: state in memory, every event journalled with
/// group commit before anyone hears of it, snapshots in the background.
///
/// Thread-safe: the console calls it from a plain thread, tests from async code.
/// Completions and subscribers run on the journal's acknowledgement queue, in
/// seq order; they must be quick and must not call `close()`.
/// Only a record's time, for archive headers: decoding it skips the event.
private struct RecordTime: Decodable {
  var time: Instant
}

public final class EventStore<M: EventSourcedModel>: Sendable {
  public typealias Record = EventRecord<M.Event>
  public typealias Completion = @Sendable (Result<[Record], StoreFailure>) -> Void
  public typealias Subscriber = @Sendable ([Record], M.State) -> Void

  struct Ticket: Sendable {
    var records: [Record]
    var completion: Completion?
  }

  private struct PendingCommand {
    var waiters: [Completion] = []
  }

  private struct SnapshotJob: Sendable {
    var seq: UInt64
    var state: M.State
    var lastTime: Instant?
    var ids: CommandIDWindow
  }

  private struct Core {
    var committed: M.State
    /// Committed plus everything queued but not yet durable: commands are
    /// decided against it so two in flight cannot both spend the same stock.
    var tentative: M.State
    var lastSeq: UInt64
    var nextSeq: UInt64
    var lastTime: Instant?
    var mode: StoreStatus.Mode = .writable
    var warnings: [RecoveryWarning]
    var ids: CommandIDWindow
    var pending: [String: PendingCommand] = [:]
    var subscribers: [UInt64: Subscriber] = [:]
    var nextSubscriber: UInt64 = 1
    var encoder = JSONEncoder()
    var lastSnapshotSeq: UInt64
    var lastSnapshotTime: Instant
    /// When this process last wrote a snapshot (nil: not yet).
    var lastSnapshotWritten: Instant?
    var snapshotRunning = false
    var closed = false
  }

  private enum Action {
    case none
    case fail(StoreFailure)
    case succeed([Record])
    case duplicate(CommandIDWindow.Span)
  }

  private let core: Mutex<Core>
  private let journal: Journal<Ticket>
  private let layout: StoreLayout
  private let io: FileIO
  private let options: StoreOptions
  private let clock: @Sendable () -> Instant
  private let lockHandle: IOHandle
  private let kernelClock: KernelClock?
  private let snapshotQueue = DispatchQueue(label: "cordon-snapshot", qos: .utility)

  // MARK: Opening

  /// Opens (creating if missing) the store in `directory`, locks it against
  /// other processes and recovers the committed state.
  public static func open(
    directory: URL, options: StoreOptions = .init(), clock: @escaping @Sendable () -> Instant = Instant.now,
    io: FileIO = PosixFileIO(), progress: ((OpenProgress) -> Void)? = nil
  ) throws -> EventStore<M> {
    let layout = StoreLayout(root: directory.path)
    let lock: IOHandle
    do {
      try io.makeDirectory(layout.root)
      switch try io.lock(layout.lockFile) {
      case .heldBy(let pid): throw StoreError.locked(lockFile: layout.lockFile, pid: pid)
      case .acquired(let h): lock = h
      }
    } catch let e as FileIOError {
      throw StoreError.io(e.description)
    }
    do {
      try io.makeDirectory(layout.journal)
      try io.makeDirectory(layout.snapshots)
      let recovered = try Recovery<M>(layout: layout, io: io, options: options, progress: progress).run()
      var active: Journal<Ticket>.Active? = nil
      if let file = recovered.active {
        let h = try io.openForAppend(file.path, create: false)
        // The segment may have been created just before a crash: make its
        // contents and directory entry durable before appending after them.
        do {
          try io.sync(h)
          try io.syncDirectory(layout.journal)
        } catch {
          io.close(h)
          throw error
        }
        active = .init(file: file, handle: h, size: recovered.activeSize, hasFrames: recovered.activeHasFrames)
      }
      let journal = Journal<Ticket>(
        directory: layout.journal, io: io, segmentBytes: options.segmentBytes, sealed: recovered.sealed, active: active)
      return EventStore(
        recovered: recovered, journal: journal, layout: layout, io: io, options: options, clock: clock, lock: lock)
    } catch let e as FileIOError {
      io.unlock(lock)
      throw StoreError.io(e.description)
    } catch {
      io.unlock(lock)
      throw error
    }
  }

  private init(
    recovered: Recovery<M>.Result, journal: Journal<Ticket>, layout: StoreLayout, io: FileIO, options: StoreOptions,
    clock: @escaping @Sendable () -> Instant, lock: IOHandle
  ) {
    let b = recovered.base
    core = Mutex(
      Core(
        committed: b.state, tentative: b.state, lastSeq: b.seq, nextSeq: b.seq + 1, lastTime: b.lastTime,
        warnings: recovered.warnings, ids: b.ids, lastSnapshotSeq: recovered.snapshotSeq, lastSnapshotTime: clock()))
    self.journal = journal
    self.layout = layout
    self.io = io
    self.options = options
    self.clock = clock
    self.lockHandle = lock
    self.kernelClock = options.clockToleranceSeconds == nil ? nil : KernelClock()
    journal.start(
      onDurable: { [weak self] in self?.durable($0) },
      onFailure: { [weak self] reason, tickets in self?.failed(reason, tickets) })
  }

  deinit {
    // Without close() there is no final snapshot, but the journal has every
    // acknowledged event, and the writer must not outlive us.
    journal.stop()
    if !core.withLock({ $0.closed }) { io.unlock(lockHandle) }
  }

  // MARK: Reading

  /// The committed state: every event in it is durable.
  public var state: M.State { core.withLock { $0.committed } }
  public var lastSeq: UInt64 { core.withLock { $0.lastSeq } }
  public var status: StoreStatus { core.withLock { StoreStatus(mode: $0.mode, warnings: $0.warnings) } }

  /// For a server's status: the newest snapshot (and when this process wrote
  /// it, if it did) and how many batches wait for the journal writer.
  public var health: (lastSnapshotSeq: UInt64, lastSnapshotWritten: Instant?, journalQueue: Int) {
    let (seq, at) = core.withLock { ($0.lastSnapshotSeq, $0.lastSnapshotWritten) }
    return (seq, at, journal.queued)
  }

  // MARK: Writing

  /// Decides `command` and, if allowed, journals its events; `completion` runs
  /// once they are durable (or with the reason they are not). A `commandID` seen
  /// before completes with the records it produced then and appends nothing.
  public func submit(
    _ command: M.Command, actor: String, unit: String?, commandID: String? = nil,
    completion: @escaping Completion
  ) {
    if let skew = clockSkew() {
      completion(.failure(.refused(skew)))
      return
    }
    let action = core.withLock { c -> Action in
      if let refusal = refusalLocked(&c) { return .fail(refusal) }
      if let id = commandID {
        if c.pending[id] != nil {
          c.pending[id]?.waiters.append(completion)
          return .none
        }
        if let span = c.ids[id] { return .duplicate(span) }
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
    perform(action, completion)
  }

  public func submit(_ command: M.Command, actor: String, unit: String?, commandID: String? = nil) async throws
    -> [Record]
  {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<[Record], Error>) in
      submit(command, actor: actor, unit: unit, commandID: commandID) { result in
        cont.resume(with: result.mapError { $0 })
      }
    }
  }

  /// Runs the model's clock-driven housekeeping and journals what it returns as
  /// actor "system"; also takes a snapshot when one is due by time.
  public func tick() {
    // Housekeeping by a wrong clock would raise alerts for the wrong day.
    if clockSkew() != nil { return }
    let job = core.withLock { c -> SnapshotJob? in
      guard refusalLocked(&c) == nil else { return nil }
      let now = clock()
      let events = M.housekeeping(state: c.tentative, now: now)
      if !events.isEmpty {
        _ = enqueueLocked(&c, events, actor: "system", unit: nil, commandID: nil, now: now, completion: nil)
      }
      return snapshotDueLocked(&c, now: now)
    }
    if let job { snapshotQueue.async { self.runSnapshot(job) } }
  }

  /// The refusal when this process's clock and the kernel's differ by more
  /// than the tolerance; nil when they agree or the check is off.
  private func clockSkew() -> Refusal? {
    guard let tolerance = options.clockToleranceSeconds, let kernel = kernelClock else { return nil }
    let limit = UInt64(tolerance) * 1000
    var drift: Int64 = 0
    var reference = Instant(milliseconds: 0)
    // A second look with the boot time re-read: a stepped system clock moves it.
    for fresh in [false, true] {
      guard let k = kernel.now(fresh: fresh) else { return nil }
      reference = k
      // The process's own wall clock, not the store's `clock`: a store clock
      // driven on purpose (the demo replaying its history at past times) is
      // not a wrong clock, while faketime or a mis-set process clock is.
      drift = Instant.now().milliseconds(since: k)
      if drift.magnitude <= limit { return nil }
    }
    return Refusal(
      "clock.skew",
      [
        KernelClock.format(Instant.now()), KernelClock.format(reference), String(drift / 1000), String(tolerance),
      ])
  }

  private func refusalLocked(_ c: inout Core) -> StoreFailure? {
    if c.closed { return .storeReadOnly("the store is closed") }
    if case .readOnly(let reason) = c.mode { return .storeReadOnly(reason) }
    return nil
  }

  private func enqueueLocked(
    _ c: inout Core, _ events: [M.Event], actor: String, unit: String?, commandID: String?, now: Instant,
    completion: Completion?
  ) -> Action {
    var records: [Record] = []
    records.reserveCapacity(events.count)
    var frames: [UInt8] = []
    var seq = c.nextSeq
    for event in events {
      let r = Record(seq: seq, time: now, actor: actor, unit: unit, commandID: commandID, event: event)
      do {
        let payload = try c.encoder.encode(r)
        payload.withUnsafeBytes { FrameCodec.append(seq: seq, payload: $0, to: &frames) }
      } catch {
        return .fail(.io("cannot encode event \(event): \(error)"))
      }
      records.append(r)
      seq += 1
    }
    let entry = Journal<Ticket>.Entry(
      frames: frames, firstSeq: c.nextSeq, ticket: Ticket(records: records, completion: completion))
    if let reason = journal.append(entry) {
      if !c.closed { c.mode = .readOnly(reason) }
      return .fail(.storeReadOnly(reason))
    }
    c.nextSeq = seq
    for r in records { M.apply(r, to: &c.tentative) }
    if let id = commandID { c.pending[id] = PendingCommand() }
    return .none
  }

  private func perform(_ action: Action, _ completion: Completion) {
    switch action {
    case .none: break
    case .fail(let f): completion(.failure(f))
    case .succeed(let r): completion(.success(r))
    case .duplicate(let span):
      do {
        completion(.success(try records(from: span.first, through: span.first + UInt64(span.count) - 1)))
      } catch {
        completion(.failure(.io("cannot read back the original events of a repeated command: \(error)")))
      }
    }
  }

  /// Runs on the acknowledgement queue once a batch is durable.
  private func durable(_ tickets: [Ticket]) {
    var count = 0
    let (subscribers, state, waiters, job) = core.withLock {
      c -> ([Subscriber], M.State, [(Completion, [Record])], SnapshotJob?) in
      var waiters: [(Completion, [Record])] = []
      for t in tickets {
        for r in t.records {
          M.apply(r, to: &c.committed)
          if let id = r.commandID { c.ids.record(id, seq: r.seq) }
        }
        count += t.records.count
        if let last = t.records.last {
          c.lastSeq = last.seq
          c.lastTime = last.time
          if let id = last.commandID, let p = c.pending.removeValue(forKey: id) {
            for w in p.waiters { waiters.append((w, t.records)) }
          }
        }
      }
      let job = c.closed ? nil : snapshotDueLocked(&c, now: clock())
      return (Array(c.subscribers.values), c.committed, waiters, job)
    }
    if !subscribers.isEmpty {
      let all = tickets.count == 1 ? tickets[0].records : tickets.flatMap(\.records)
      for s in subscribers { s(all, state) }
    }
    for t in tickets { t.completion?(.success(t.records)) }
    for (w, records) in waiters { w(.success(records)) }
    if let job { snapshotQueue.async { self.runSnapshot(job) } }
  }

  /// Runs on the acknowledgement queue when a write or sync failed: nothing queued is
  /// durable, so nothing of it may be acknowledged or applied.
  private func failed(_ reason: String, _ tickets: [Ticket]) {
    let waiters = core.withLock { c -> [Completion] in
      c.mode = .readOnly(reason)
      c.tentative = c.committed
      c.nextSeq = c.lastSeq + 1
      defer { c.pending = [:] }
      return c.pending.values.flatMap(\.waiters)
    }
    for t in tickets { t.completion?(.failure(.storeReadOnly(reason))) }
    for w in waiters { w(.failure(.storeReadOnly(reason))) }
  }

  // MARK: Subscriptions

  /// `handler` gets every batch of durable events, in seq order, with the
  /// committed state after them. It runs on the acknowledgement queue.
  public func subscribe(_ handler: @escaping Subscriber) -> SubscriptionID {
    core.withLock { c in
      let id = c.nextSubscriber
      c.nextSubscriber += 1
      c.subscribers[id] = handler
      return SubscriptionID(raw: id)
    }
  }

  public func unsubscribe(_ id: SubscriptionID) {
    _ = core.withLock { $0.subscribers.removeValue(forKey: id.raw) }
  }

  // MARK: History

  /// Durable records with `from ≤ seq ≤ through`, read back from the journal
  /// files, archived or plain.
  public func records(from: UInt64, through: UInt64? = nil) throws -> [Record] {
    let upper = min(through ?? lastSeq, lastSeq)
    guard from <= upper else { return [] }
    var out: [Record] = []
    out.reserveCapacity(Int(min(upper - from + 1, 1 << 20)))
    try forEachRecord(from: from, through: upper) {
      out.append($0)
      return true
    }
    guard out.first?.seq == from, out.count == Int(upper - from + 1) else {
      throw StoreError.unavailable(
        "events \(from)...\(upper) are no longer in the journal (deleted by retention); found \(out.count)")
    }
    return out
  }

  /// Durable records whose time is in `since ..< until` (until nil: to the
  /// end), in seq order. Archives entirely outside the period are not read.
  public func records(since: Instant, until: Instant? = nil) throws -> [Record] {
    var out: [Record] = []
    try forEachRecord(
      from: 1, through: lastSeq,
      skip: { h in h.maxTime < since.milliseconds || until.map { h.minTime >= $0.milliseconds } == true }
    ) { r in
      if r.time >= since && until.map({ r.time < $0 }) != false { out.append(r) }
      return true
    }
    return out
  }

  /// The first seq still on disk (1 unless retention deleted older history).
  public var firstSeqOnDisk: UInt64 { journal.files.first?.firstSeq ?? lastSeq + 1 }

  /// Visits durable records `from ≤ seq ≤ through` in order until `body`
  /// returns false. `skip` may rule out an archive by its header alone.
  private func forEachRecord(
    from: UInt64, through upper: UInt64, skip: (ArchiveFile.Header) -> Bool = { _ in false },
    _ body: (Record) throws -> Bool
  ) throws {
    guard from <= upper else { return }
    let files = journal.files
    let decoder = JSONDecoder()
    for (i, seg) in files.enumerated() {
      let segEnd = i + 1 < files.count ? files[i + 1].firstSeq - 1 : UInt64.max
      guard segEnd >= from, seg.firstSeq <= upper else { continue }
      if let h = try seg.archiveHeader(io: io), skip(h) { continue }
      let bytes: [UInt8]
      do { bytes = try seg.read(io: io) } catch let e as StoreError { throw e } catch {
        throw StoreError.io("\(error)")
      }
      var stop = false
      _ = try bytes.withUnsafeBytes { buffer in
        try SegmentScanner.scan(buffer, expectedFirst: seg.firstSeq) { seq, payload, offset in
          guard !stop, seq >= from && seq <= upper else { return }
          let record: Record
          do {
            record = try decoder.decode(Record.self, from: Data(payload))
          } catch {
            throw StoreError.corrupt(file: "journal/" + seg.name, offset: UInt64(offset), reason: "\(error)")
          }
          if try !body(record) { stop = true }
        }
      }
      if stop { return }
    }
  }

  /// The state just after event `seq`, rebuilt from the nearest older snapshot and the journal.
  public func state(atSeq seq: UInt64) throws -> M.State {
    let (committed, last) = core.withLock { ($0.committed, $0.lastSeq) }
    guard seq <= last else { throw StoreError.unavailable("seq \(seq) is beyond the last event \(last)") }
    if seq == last { return committed }
    var base = try nearestSnapshot(atOrBefore: seq)
    for r in try records(from: base.seq + 1, through: seq) { M.apply(r, to: &base.state) }
    return base.state
  }

  /// The state as it was at `instant`: every event up to the first one whose
  /// time is after `instant`. Only the archive holding that moment is inflated.
  public func state(at instant: Instant) throws -> M.State {
    var cut: UInt64? = nil
    try forEachRecord(from: 1, through: lastSeq, skip: { $0.maxTime <= instant.milliseconds }) { r in
      if r.time > instant {
        cut = r.seq
        return false
      }
      return true
    }
    guard let cut else { return state }
    return try state(atSeq: cut - 1)
  }

  /// The newest readable snapshot at or before `seq`, chosen by file name so
  /// that only the one used is decoded.
  private func nearestSnapshot(atOrBefore seq: UInt64) throws -> Recovery<M>.Base {
    let refs: [SnapshotRef]
    do { refs = try SnapshotRef.all(in: layout.snapshots, io: io) } catch { throw StoreError.io("\(error)") }
    for ref in refs.reversed() where ref.seq <= seq {
      if let base = try? Recovery<M>.loadSnapshot(ref, io: io, capacity: 1) { return base }
    }
    return Recovery<M>.Base(ids: CommandIDWindow(capacity: 1))
  }

  // MARK: Snapshots

  private func snapshotDueLocked(_ c: inout Core, now: Instant) -> SnapshotJob? {
    guard !c.snapshotRunning, c.mode == .writable, c.lastSeq > c.lastSnapshotSeq else { return nil }
    let byCount =
      options.snapshotEveryEvents > 0 && c.lastSeq - c.lastSnapshotSeq >= UInt64(options.snapshotEveryEvents)
    let byTime =
      options.snapshotEveryMinutes > 0
      && now >= c.lastSnapshotTime.adding(minutes: Int64(options.snapshotEveryMinutes))
    guard byCount || byTime else { return nil }
    c.snapshotRunning = true
    return SnapshotJob(seq: c.lastSeq, state: c.committed, lastTime: c.lastTime, ids: c.ids)
  }

  /// Forces a snapshot now, on the calling thread (tests, and `close()`).
  public func snapshot() throws {
    snapshotQueue.sync {}
    let job = core.withLock { c -> SnapshotJob? in
      guard !c.snapshotRunning, c.lastSeq > c.lastSnapshotSeq else { return nil }
      c.snapshotRunning = true
      return SnapshotJob(seq: c.lastSeq, state: c.committed, lastTime: c.lastTime, ids: c.ids)
    }
    guard let job else { return }
    if let error = runSnapshot(job) { throw error }
  }

  @discardableResult
  private func runSnapshot(_ job: SnapshotJob) -> StoreError? {
    do {
      let entries = job.ids.entries
      let body = SnapshotBody(
        state: job.state, lastTime: job.lastTime, commandIDs: entries.ids, commandFirstSeq: entries.first,
        commandCount: entries.count)
      let bytes = SnapshotFile.encode(seq: job.seq, body: Array(try JSONEncoder().encode(body)))
      try io.writeAtomically(layout.snapshots + "/" + SnapshotFile.fileName(seq: job.seq), bytes)
      let now = clock()
      let oldestID = core.withLock { c -> UInt64? in
        c.lastSnapshotSeq = job.seq
        c.lastSnapshotTime = now
        c.lastSnapshotWritten = now
        c.snapshotRunning = false
        c.warnings.removeAll { $0.message.hasPrefix("snapshot failed") }
        return c.ids.oldestSeq
      }
      try compact(keepingIDsFrom: oldestID)
      return nil
    } catch {
      core.withLock { c in
        c.snapshotRunning = false
        c.warnings.removeAll { $0.message.hasPrefix("snapshot failed") }
        c.warnings.append(RecoveryWarning(file: "snapshots", offset: 0, message: "snapshot failed: \(error)"))
      }
      return error as? StoreError ?? .io("\(error)")
    }
  }

  /// Keeps the newest two snapshots and, thinned to `historySnapshotEvents`
  /// apart, older ones; archives the sealed segments that the older of the
  /// newest two covers (unless a remembered command id still needs them
  /// plain for a quick reply); applies retention when one is set.
  private func compact(keepingIDsFrom oldestID: UInt64?) throws {
    let refs = try SnapshotRef.all(in: layout.snapshots, io: io)
    guard refs.count >= 2 else { return }
    let cutoff = refs[refs.count - 2].seq
    let retainFrom = options.retainDays.map { clock().adding(minutes: -Int64($0) * 24 * 60) }
    var removed = false
    var lastKept: UInt64 = 0
    for ref in refs.dropLast(2) {
      let spaced = options.historySnapshotEvents > 0 && ref.seq - lastKept >= UInt64(options.historySnapshotEvents)
      var keep = spaced
      if keep, let retainFrom, let base = try? Recovery<M>.loadSnapshot(ref, io: io, capacity: 1),
        let t = base.lastTime, t < retainFrom
      {
        keep = false
      }
      if keep {
        lastKept = ref.seq
      } else {
        try io.remove(ref.path)
        removed = true
      }
    }
    if removed { try io.syncDirectory(layout.snapshots) }
    if options.compressArchives {
      let archiveCutoff = oldestID.map { min(cutoff, $0 - 1) } ?? cutoff
      for (seg, nextFirst) in journal.plainSegments(coveredThrough: archiveCutoff) {
        try archive(seg, through: nextFirst - 1)
      }
    }
    if let retainFrom {
      _ = try journal.removeArchived { seg, nextFirst in
        guard nextFirst - 1 <= cutoff, let h = try seg.archiveHeader(io: io) else { return false }
        return h.maxTime < retainFrom.milliseconds
      }
    }
  }

  /// Compresses one sealed segment into its archive: temp file, fsync, rename,
  /// fsync of the directory, and only then the plain file is removed. A crash
  /// at any step leaves the plain file or a complete archive (or both, and
  /// recovery then drops the archive to be made again).
  private func archive(_ seg: SegmentFile, through lastSeq: UInt64) throws {
    let plain = try io.readFile(seg.path)
    let decoder = JSONDecoder()
    var minTime = Int64.max
    var maxTime = Int64.min
    let scan = try plain.withUnsafeBytes { buffer in
      try SegmentScanner.scan(buffer, expectedFirst: seg.firstSeq) { _, payload, _ in
        let t = try decoder.decode(RecordTime.self, from: Data(payload)).time.milliseconds
        minTime = min(minTime, t)
        maxTime = max(maxTime, t)
      }
    }
    guard scan.problem == nil, scan.lastSeq == lastSeq else {
      // Never archive what fsck would not pass: the plain file stays for repair.
      throw StoreError.corrupt(
        file: "journal/" + seg.name, offset: UInt64(scan.problem?.offset ?? scan.validEnd),
        reason: scan.problem?.reason ?? "ends at seq \(scan.lastSeq ?? 0), the next segment starts at \(lastSeq + 1)")
    }
    let header = ArchiveFile.Header(
      firstSeq: seg.firstSeq, lastSeq: lastSeq, minTime: minTime == .max ? 0 : minTime,
      maxTime: maxTime == .min ? 0 : maxTime, plainLength: UInt64(plain.count), plainCRC: 0)
    let bytes = try ArchiveFile.encode(plain: plain, header: header)
    try io.writeAtomically(seg.archivePath, bytes)
    try journal.archived(firstSeq: seg.firstSeq)
  }

  // MARK: Closing

  /// Writes out what is queued, takes a final snapshot and releases the lock.
  /// Further submissions fail with `.storeReadOnly`. Safe to call twice.
  public func close() {
    let first = core.withLock { c -> Bool in
      defer { c.closed = true }
      return !c.closed
    }
    guard first else { return }
    journal.close()
    snapshotQueue.sync {}
    let job = core.withLock { c -> SnapshotJob? in
      defer { if c.mode == .writable { c.mode = .readOnly("the store is closed") } }
      guard c.mode == .writable, c.lastSeq > c.lastSnapshotSeq, !c.snapshotRunning else { return nil }
      c.snapshotRunning = true
      return SnapshotJob(seq: c.lastSeq, state: c.committed, lastTime: c.lastTime, ids: c.ids)
    }
    if let job { runSnapshot(job) }
    io.unlock(lockHandle)
  }
}
