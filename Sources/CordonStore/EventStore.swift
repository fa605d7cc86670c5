import Dispatch
import Foundation
import Synchronization

#if os(Linux)
  /// glibc's `malloc_trim(3)`; `<malloc.h>` is not in the Glibc module.
  @_silgen_name("malloc_trim")
  private func mallocTrim(_ pad: Int) -> Int32
#endif

public struct SubscriptionID: Sendable, Hashable {
  let raw: UInt64
}

/// The durable event store: state in memory, every event journalled with
/// group commit before anyone hears of it, snapshots in the background.
///
/// Thread-safe: the console calls it from a plain thread, tests from async code.
/// Completions and subscribers run on the journal's acknowledgement queue, in
/// seq order; they must be quick and must not call `close()`.
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
    /// Told when the store turns read-only (`onReadOnly`).
    var readOnlyWatchers: [UInt64: @Sendable (String) -> Void] = [:]
    var nextSubscriber: UInt64 = 1
    /// Scratch space for one record's payload, reused across events.
    var payload: [UInt8] = []
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
  /// The journal's record payload: binary, and JSON for records written before it.
  private let codec = RecordCodec<M.Event>()
  private let journal: Journal<Ticket>
  private let layout: StoreLayout
  private let io: FileIO
  private let options: StoreOptions
  private let clock: @Sendable () -> Instant
  private let lockHandle: IOHandle
  private let kernelClock: KernelClock?
  private let snapshotQueue = DispatchQueue(label: "cordon-snapshot", qos: .utility)
  private let observerQueue = DispatchQueue(label: "cordon-store-events")

  /// Tells the observer, if any, off every lock and in order.
  private func tell(_ event: StoreEvent) {
    guard let observer = options.observer else { return }
    observerQueue.async { observer(event) }
  }

  /// Turns the store read-only (once: the first reason stays), telling the
  /// observer and every `onReadOnly` watcher, off the lock and in order.
  private func turnReadOnlyLocked(_ c: inout Core, _ reason: String) {
    guard c.mode == .writable else { return }
    c.mode = .readOnly(reason)
    guard !c.closed else { return }
    tell(.readOnly(reason: reason))
    let watchers = Array(c.readOnlyWatchers.values)
    if !watchers.isEmpty { observerQueue.async { for w in watchers { w(reason) } } }
  }

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
      releaseFreedMemory()
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

  /// Hands the heap's free pages back to the kernel. Decoding a snapshot and
  /// replaying leave behind what they built and dropped (the file's bytes,
  /// tables outgrown while filling, records): glibc keeps that memory in its
  /// arenas, where it stays resident until the process asks for it again.
  private static func releaseFreedMemory() {
    #if os(Linux)
      _ = mallocTrim(0)
    #endif
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
    if let reason = recovered.readOnlyReason {
      core.withLock { turnReadOnlyLocked(&$0, reason) }
    }
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
      let first = c.nextSeq
      do throws(Refusal) {
        // Decided and applied to the tentative state in one step (no copy of the state).
        events = try M.decide(
          command, context: CommandContext(actor: actor, unit: unit, now: now), applyingTo: &c.tentative
        ) { i, e in
          Record(seq: first + UInt64(i), time: now, actor: actor, unit: unit, commandID: commandID, event: e)
        }
      } catch {
        return .fail(.refused(error))
      }
      if events.isEmpty { return .succeed([]) }
      return enqueueLocked(
        &c, events, actor: actor, unit: unit, commandID: commandID, now: now, applied: true, completion: completion)
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

  // MARK: Migration

  /// Journals records exactly as another store kept them (`cordon migrate`):
  /// their seqs must follow this store's last one, without a gap. Returns
  /// once they are durable; commands are not decided again.
  public func append(verbatim records: [Record]) throws {
    guard let first = records.first else { return }
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<[Record], StoreFailure>?>(nil)
    let failure = core.withLock { c -> StoreFailure? in
      if let refusal = refusalLocked(&c) { return refusal }
      guard first.seq == c.nextSeq, zip(records, records.dropFirst()).allSatisfy({ $1.seq == $0.seq + 1 }) else {
        return .io("the records must run on from seq \(c.nextSeq) without a gap; they start at \(first.seq)")
      }
      var frames: [UInt8] = []
      for r in records {
        do {
          c.payload.removeAll(keepingCapacity: true)
          try codec.encode(r, into: &c.payload)
          c.payload.withUnsafeBytes { FrameCodec.append(seq: r.seq, payload: $0, to: &frames) }
        } catch {
          return .io("cannot encode event \(r.seq): \(error)")
        }
      }
      let ticket = Ticket(
        records: records,
        completion: { r in
          outcome.withLock { $0 = r }
          done.signal()
        })
      if let reason = journal.append(.init(frames: frames, firstSeq: first.seq, ticket: ticket)) {
        turnReadOnlyLocked(&c, reason)
        return .storeReadOnly(reason)
      }
      c.nextSeq = first.seq + UInt64(records.count)
      for r in records { M.apply(r, to: &c.tentative) }
      return nil
    }
    if let failure { throw failure }
    done.wait()
    if case .failure(let f) = outcome.withLock({ $0 }) { throw f }
  }

  /// Runs the model's clock-driven housekeeping and journals what it returns as
  /// actor "system"; also takes a snapshot when one is due by time.
  public func tick() {
    // Housekeeping by a wrong clock would raise alerts for the wrong day.
    if clockSkew() != nil { return }
    let job = core.withLock { c -> SnapshotJob? in
      guard refusalLocked(&c) == nil else { return nil }
      let now = clock()
      let events = M.housekeeping(updating: &c.tentative, now: now)
      if !events.isEmpty {
        _ = enqueueLocked(
          &c, events, actor: "system", unit: nil, commandID: nil, now: now, applied: false, completion: nil)
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

  /// Events applied to the tentative state could not be journalled: the
  /// store turns read-only and the tentative state falls back to the committed one.
  private func abandonTentativeLocked(_ c: inout Core, _ reason: String) {
    turnReadOnlyLocked(&c, reason)
    c.tentative = c.committed
  }

  private func refusalLocked(_ c: inout Core) -> StoreFailure? {
    if c.closed { return .storeReadOnly("the store is closed") }
    if case .readOnly(let reason) = c.mode { return .storeReadOnly(reason) }
    return nil
  }

  private func enqueueLocked(
    _ c: inout Core, _ events: [M.Event], actor: String, unit: String?, commandID: String?, now: Instant,
    applied: Bool, completion: Completion?
  ) -> Action {
    var records: [Record] = []
    records.reserveCapacity(events.count)
    var frames: [UInt8] = []
    var seq = c.nextSeq
    for event in events {
      let r = Record(seq: seq, time: now, actor: actor, unit: unit, commandID: commandID, event: event)
      do {
        c.payload.removeAll(keepingCapacity: true)
        try codec.encode(r, into: &c.payload)
        c.payload.withUnsafeBytes { FrameCodec.append(seq: seq, payload: $0, to: &frames) }
      } catch {
        let reason = "cannot encode event \(event): \(error)"
        // Already in the tentative state, and not journalled: nothing more may be decided on it.
        if applied { abandonTentativeLocked(&c, reason) }
        return .fail(.io(reason))
      }
      records.append(r)
      seq += 1
    }
    let entry = Journal<Ticket>.Entry(
      frames: frames, firstSeq: c.nextSeq, ticket: Ticket(records: records, completion: completion))
    if let reason = journal.append(entry) {
      if applied { abandonTentativeLocked(&c, reason) } else { turnReadOnlyLocked(&c, reason) }
      return .fail(.storeReadOnly(reason))
    }
    c.nextSeq = seq
    if !applied { for r in records { M.apply(r, to: &c.tentative) } }
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
      turnReadOnlyLocked(&c, reason)
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

  /// `handler` is told the reason when the store turns read-only (a failed
  /// write or fdatasync, a full disk), on the observer's queue: a server
  /// pushes it to every connected console. Not told at close. Ended by
  /// `unsubscribe` like a subscription.
  @discardableResult
  public func onReadOnly(_ handler: @escaping @Sendable (String) -> Void) -> SubscriptionID {
    core.withLock { c in
      let id = c.nextSubscriber
      c.nextSubscriber += 1
      c.readOnlyWatchers[id] = handler
      return SubscriptionID(raw: id)
    }
  }

  public func unsubscribe(_ id: SubscriptionID) {
    core.withLock { c in
      c.subscribers.removeValue(forKey: id.raw)
      c.readOnlyWatchers.removeValue(forKey: id.raw)
    }
  }

  // MARK: History

  /// One frame met while reading history: its seq and time, read without
  /// decoding the event, which `record` decodes when the query wants it.
  private struct Frame {
    var seq: UInt64
    var time: Int64
    var payload: UnsafeRawBufferPointer
    var offset: Int
    var segment: SegmentFile
    var codec: RecordCodec<M.Event>

    func record(_ decoder: JSONDecoder) throws -> Record {
      do {
        return try codec.decode(seq: seq, payload: payload, json: decoder)
      } catch {
        throw StoreError.corrupt(file: "journal/" + segment.name, offset: UInt64(offset), reason: "\(error)")
      }
    }
  }

  /// What one query keeps while it runs: the chunks it has inflated, so a
  /// report's day is not inflated again by the replay to its end.
  private typealias SegmentReads = ChunkCache

  private struct StopScan: Error {}

  /// Durable records with `from ≤ seq ≤ through`, read back from the journal
  /// files, archived or plain.
  public func records(from: UInt64, through: UInt64? = nil) throws -> [Record] {
    let upper = min(through ?? lastSeq, lastSeq)
    guard from <= upper else { return [] }
    var out: [Record] = []
    out.reserveCapacity(Int(min(upper - from + 1, 1 << 20)))
    let decoder = JSONDecoder()
    try forEachFrame(from: from, through: upper) {
      out.append(try $0.record(decoder))
      return true
    }
    guard out.first?.seq == from, out.count == Int(upper - from + 1) else {
      throw StoreError.unavailable(
        "events \(from)...\(upper) are no longer in the journal (deleted by retention); found \(out.count)")
    }
    return out
  }

  /// Durable records whose time is in `since ..< until` (until nil: to the
  /// end), in seq order. Segments entirely outside the period are not read
  /// (by an archive's header, or the times a sealed segment was seen to
  /// hold), and only the records inside it are decoded.
  public func records(since: Instant, until: Instant? = nil) throws -> [Record] {
    var out: [Record] = []
    try forEachRecord(since: since, until: until) {
      out.append($0)
      return true
    }
    return out
  }

  /// The records `records(since:until:)` gives, handed to `body` one at a
  /// time as they are read, until it returns false: a long audit streams
  /// instead of waiting for the whole period. Only those that `keep` accepts
  /// by their header (who, which unit, the event's tag) are decoded: a stock
  /// card's week decodes its stock events, not every round.
  public func forEachRecord(
    since: Instant, until: Instant? = nil, where keep: ((RecordHeader) -> Bool)? = nil,
    _ body: (Record) throws -> Bool
  ) throws {
    let decoder = JSONDecoder()
    let lo = since.milliseconds
    let hi = until?.milliseconds ?? .max
    try forEachFrame(from: 1, through: lastSeq, skip: { first, last in last < lo || first >= hi }) { f in
      guard f.time >= lo && f.time < hi else { return true }
      guard let keep else { return try body(try f.record(decoder)) }
      if let h = RecordCodec<M.Event>.header(seq: f.seq, payload: f.payload) {
        guard keep(h) else { return true }
        return try body(try f.record(decoder))
      }
      // A JSON record (or one the decoder will refuse): decoded to be asked.
      let r = try f.record(decoder)
      return keep(r.header) ? try body(r) : true
    }
  }

  /// The records `forEachRecord(since:until:where:)` gives, decoded and
  /// turned into a `T` by `transform` on other threads, a chunk of up to
  /// `chunkFrames` records at a time, and handed to `body` in seq order on
  /// the calling thread as each chunk is ready, until it returns false.
  /// Reading (and inflating archives) stays on the calling thread and runs
  /// a few chunks ahead: a year's audit is decoded and formatted on every
  /// core and still streams, its first lines after one chunk.
  public func forEachRecordChunk<T: Sendable>(
    since: Instant, until: Instant? = nil, where keep: (@Sendable (RecordHeader) -> Bool)? = nil,
    chunkFrames: Int = 1024, transform: @escaping @Sendable ([Record]) -> T, _ body: (T) throws -> Bool
  ) throws {
    let lo = since.milliseconds
    let hi = until?.milliseconds ?? .max
    try forEachRecordChunk(
      from: 1, through: lastSeq, skip: { first, last in last < lo || first >= hi }, frame: { $0 >= lo && $0 < hi },
      where: keep, chunkFrames: chunkFrames, transform: transform, body)
  }

  /// The chunked decoding of `forEachRecordChunk(since:until:where:)` over
  /// the seqs `from ... upper`: blocks `skip` rules out are not read, frames
  /// whose time `frame` refuses are left out.
  private func forEachRecordChunk<T: Sendable>(
    from: UInt64, through upper: UInt64, reads: SegmentReads? = nil, skip: (_ earliest: Int64, _ latest: Int64) -> Bool,
    frame: (_ time: Int64) -> Bool, where keep: (@Sendable (RecordHeader) -> Bool)?, chunkFrames: Int,
    transform: @escaping @Sendable ([Record]) -> T, _ body: (T) throws -> Bool
  ) throws {
    let work = OrderedWork<T>(window: 2 * ParallelReplay.defaultWorkers + 2)
    defer { work.cancel() }
    let codec = self.codec
    var bytes: [UInt8] = []
    var frames: [ParallelReplay.Frame] = []
    var file = ""
    var segment: UInt64? = nil
    func hand() throws -> Bool {
      guard !frames.isEmpty else { return true }
      let (b, table, name) = (bytes, frames, file)
      bytes = []
      bytes.reserveCapacity(b.count + 4096)
      frames = []
      frames.reserveCapacity(chunkFrames)
      return try work.submit(
        {
          let json = JSONDecoder()
          var records: [Record] = []
          records.reserveCapacity(table.count)
          return b.withUnsafeBytes { buffer -> Result<T, StoreError> in
            for f in table {
              let payload = UnsafeRawBufferPointer(rebasing: buffer[f.start..<(f.start + f.count)])
              let h = keep == nil ? nil : RecordCodec<M.Event>.header(seq: f.seq, payload: payload)
              if let keep, let h, !keep(h) { continue }
              do {
                let r = try codec.decode(seq: f.seq, payload: payload, json: json)
                // A JSON record has no header to read before decoding it.
                if let keep, h == nil, !keep(r.header) { continue }
                records.append(r)
              } catch {
                return .failure(.corrupt(file: name, offset: UInt64(f.offset), reason: "\(error)"))
              }
            }
            return .success(transform(records))
          }
        }, take: body)
    }
    var more = true
    try forEachFrame(from: from, through: upper, reads: reads, skip: skip) { f in
      guard frame(f.time) else { return true }
      if f.segment.firstSeq != segment {
        // A chunk holds one segment's frames, so a failure names its file.
        guard try hand() else {
          more = false
          return false
        }
        segment = f.segment.firstSeq
        file = "journal/" + f.segment.name
      }
      frames.append(ParallelReplay.Frame(seq: f.seq, start: bytes.count, count: f.payload.count, offset: f.offset))
      bytes.append(contentsOf: f.payload)
      if frames.count >= chunkFrames {
        more = try hand()
        return more
      }
      return true
    }
    guard more, try hand() else { return }
    _ = try work.finish(body)
  }

  /// A past period in one pass: the records whose time is in `since ..< until`
  /// and the state at `until` (as `state(at:)` gives it). Each segment is read
  /// (and an archive inflated) once for both: what a daily report needs.
  public func period(since: Instant, until: Instant) throws -> (records: [Record], end: M.State) {
    let (committed, last) = core.withLock { ($0.committed, $0.lastSeq) }
    let reads = SegmentReads()
    let decoder = JSONDecoder()
    let lo = since.milliseconds
    let hi = until.milliseconds
    var out: [Record] = []
    var cut: UInt64? = nil
    try forEachFrame(
      from: 1, through: last, reads: reads,
      skip: { first, latest in latest < lo || (cut != nil && first >= hi) }
    ) { f in
      if cut == nil, f.time > hi { cut = f.seq }
      if f.time >= lo && f.time < hi { out.append(try f.record(decoder)) }
      return true
    }
    guard let cut else { return (out, committed) }
    return (out, try replay(through: cut - 1, reads: reads))
  }

  /// The data directory this store lives in.
  public var directory: String { layout.root }

  /// How many days of history the store keeps (nil: all).
  public var retainDays: Int? { options.retainDays }

  /// The first seq still on disk (1 unless retention deleted older history).
  public var firstSeqOnDisk: UInt64 { journal.files.first?.firstSeq ?? lastSeq + 1 }

  /// The segments' indexes, learnt as they are read (`SegmentReader`).
  private let indexes = SegmentIndexes()

  /// Visits durable frames `from ≤ seq ≤ through` in order until `body`
  /// returns false. `skip` rules out blocks of frames (and whole segments)
  /// by the earliest and latest time they hold, known from the segment's
  /// index without reading them; only the blocks left are read.
  private func forEachFrame(
    from: UInt64, through upper: UInt64, reads: SegmentReads? = nil,
    skip: (_ earliest: Int64, _ latest: Int64) -> Bool = { _, _ in false }, _ body: (Frame) throws -> Bool
  ) throws {
    guard from <= upper else { return }
    let files = journal.files
    indexes.keep(only: Set(files.map(\.path)))
    let decoder = JSONDecoder()
    let reader = SegmentReader(io: io, indexes: indexes) { try RecordCodec<M.Event>.time($0, json: decoder) }
    let durable = lastSeq
    for (i, seg) in files.enumerated() {
      let sealed = i + 1 < files.count
      let segEnd = sealed ? files[i + 1].firstSeq - 1 : UInt64.max
      guard segEnd >= from, seg.firstSeq <= upper else { continue }
      let more = try reader.read(
        seg, sealed: sealed, from: from, through: upper, durable: durable, cache: reads, skip: skip
      ) { seq, time, payload, offset in
        try body(Frame(seq: seq, time: time, payload: payload, offset: offset, segment: seg, codec: codec))
      }
      if !more { return }
    }
  }

  /// The state just after event `seq`, rebuilt from the nearest older snapshot and the journal.
  public func state(atSeq seq: UInt64) throws -> M.State {
    let (committed, last) = core.withLock { ($0.committed, $0.lastSeq) }
    guard seq <= last else { throw StoreError.unavailable("seq \(seq) is beyond the last event \(last)") }
    if seq == last { return committed }
    return try replay(through: seq, reads: nil)
  }

  /// The state just after `seq` (below the last one): the nearest older
  /// snapshot, then the journal.
  private func replay(through seq: UInt64, reads: SegmentReads?) throws -> M.State {
    var base = try nearestSnapshot(atOrBefore: seq)
    guard base.seq < seq else { return base.state }
    var next = base.seq + 1
    // Decoded on the other cores, a chunk at a time, and applied here in seq
    // order: a city's report replays hundreds of thousands of events after
    // its history snapshot.
    try forEachRecordChunk(
      from: base.seq + 1, through: seq, reads: reads, skip: { _, _ in false }, frame: { _ in true }, where: nil,
      chunkFrames: 1024, transform: { $0 }
    ) { chunk in
      for r in chunk {
        guard r.seq == next else { return false }
        M.apply(r, to: &base.state)
        next = r.seq + 1
      }
      return true
    }
    guard next == seq + 1 else {
      throw StoreError.unavailable(
        "events \(next)...\(seq) are no longer in the journal (deleted by retention)")
    }
    return base.state
  }

  /// The state as it was at `instant`: every event up to the first one whose
  /// time is after `instant`. Segments wholly before it are not read.
  public func state(at instant: Instant) throws -> M.State {
    let (committed, last) = core.withLock { ($0.committed, $0.lastSeq) }
    let reads = SegmentReads()
    var cut: UInt64? = nil
    try forEachFrame(from: 1, through: last, reads: reads, skip: { _, latest in latest <= instant.milliseconds }) {
      f in
      guard f.time > instant.milliseconds else { return true }
      cut = f.seq
      return false
    }
    guard let cut else { return committed }
    return try replay(through: cut - 1, reads: reads)
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
      let bytes = SnapshotFile.encode(seq: job.seq, body: try BinaryCoding.encode(body))
      try io.writeAtomically(layout.snapshots + "/" + SnapshotFile.fileName(seq: job.seq), bytes)
      tell(.snapshotWritten(seq: job.seq, bytes: bytes.count))
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
      tell(.snapshotFailed(reason: "\(error)"))
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
    let bytesPerEvent = journalBytesPerEvent()
    for ref in refs.dropLast(2) {
      // A history snapshot is also kept no closer to the last one than its own
      // size in journal bytes: with a large state (a city's 100,000 people make
      // a 76 MB snapshot) one every 25,000 events would take thirty times the
      // disk of the year's journal; this way the kept snapshots together take
      // about as much as the plain journal they let a reader skip.
      let bySize = ((try? io.fileSize(ref.path)) ?? 0) / bytesPerEvent
      let spaced =
        options.historySnapshotEvents > 0
        && ref.seq - lastKept >= max(UInt64(options.historySnapshotEvents), bySize)
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
    // The sealed segments left plain get their index written beside them.
    let decoder = JSONDecoder()
    SegmentReader(io: io, indexes: indexes) { try RecordCodec<M.Event>.time($0, json: decoder) }
      .writeIndexFiles(for: journal.plainSegments(coveredThrough: .max).map(\.file), durable: lastSeq)
    if let retainFrom {
      let deleted = try journal.removeArchived { seg, nextFirst in
        guard nextFirst - 1 <= cutoff, let h = try seg.archiveHeader(io: io) else { return false }
        return h.maxTime < retainFrom.milliseconds
      }
      if !deleted.isEmpty { tell(.retentionRemoved(segments: deleted.count)) }
    }
  }

  /// Plain journal bytes per event: from the sealed segments, each rolled at
  /// about `segmentBytes`, or else from the active one.
  private func journalBytesPerEvent() -> UInt64 {
    let files = journal.files
    if files.count >= 2, let first = files.first, let last = files.last, last.firstSeq > first.firstSeq {
      return max(1, UInt64(options.segmentBytes) * UInt64(files.count - 1) / (last.firstSeq - first.firstSeq))
    }
    guard let active = files.last, !active.archived, let size = try? io.fileSize(active.path) else { return 1 }
    let events = lastSeq >= active.firstSeq ? lastSeq - active.firstSeq + 1 : 1
    return max(1, size / events)
  }

  /// Compresses one sealed segment into its archive: temp file, fsync, rename,
  /// fsync of the directory, and only then the plain file is removed. A crash
  /// at any step leaves the plain file or a complete archive (or both, and
  /// recovery then drops the archive to be made again).
  private func archive(_ seg: SegmentFile, through lastSeq: UInt64) throws {
    let plain = try io.readFile(seg.path)
    let decoder = JSONDecoder()
    let (index, scan) = try plain.withUnsafeBytes { buffer in
      try SegmentIndex.build(buffer, firstSeq: seg.firstSeq) { try RecordCodec<M.Event>.time($0, json: decoder) }
    }
    let minTime = index.blocks.map(\.minTime).min() ?? .max
    let maxTime = index.blocks.map(\.maxTime).max() ?? .min
    guard scan.problem == nil, scan.lastSeq == lastSeq else {
      // Never archive what fsck would not pass: the plain file stays for repair.
      throw StoreError.corrupt(
        file: "journal/" + seg.name, offset: UInt64(scan.problem?.offset ?? scan.validEnd),
        reason: scan.problem?.reason ?? "ends at seq \(scan.lastSeq ?? 0), the next segment starts at \(lastSeq + 1)")
    }
    let header = ArchiveFile.Header(
      firstSeq: seg.firstSeq, lastSeq: lastSeq, minTime: minTime == .max ? 0 : minTime,
      maxTime: maxTime == .min ? 0 : maxTime, plainLength: UInt64(plain.count), plainCRC: 0)
    let bytes = try ArchiveFile.encode(plain: plain, header: header, index: index)
    try io.writeAtomically(seg.archivePath, bytes)
    try journal.archived(firstSeq: seg.firstSeq)
    tell(.archived(firstSeq: seg.firstSeq, lastSeq: lastSeq, plainBytes: plain.count, archiveBytes: bytes.count))
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
    // The observer hears of the final snapshot before close returns (a
    // server logs it, and its process may exit right after).
    observerQueue.sync {}
    io.unlock(lockHandle)
  }
}
