import CordonModel
import CordonStore
import Foundation

/// What the server, the console and the read commands need of a store: the
/// embedded one (`EventStore`, a directory) or the PostgreSQL journal
/// (`CordonPostgres`, a `postgres://` URL). The embedded store's own tools
/// (fsck of segment files, backup, compaction) stay on `EventStore`.
public protocol DomainStore: AnyObject, Sendable {
  typealias Record = EventRecord<CordonEvent>
  var state: CordonState { get }
  var lastSeq: UInt64 { get }
  var status: StoreStatus { get }
  var health: (lastSnapshotSeq: UInt64, lastSnapshotWritten: Instant?, journalQueue: Int) { get }
  func submit(
    _ command: CordonCommand, actor: String, unit: String?, commandID: String?,
    completion: @escaping @Sendable (Result<[Record], StoreFailure>) -> Void)
  func tick()
  func subscribe(_ handler: @escaping @Sendable ([Record], CordonState) -> Void) -> SubscriptionID
  @discardableResult func onReadOnly(_ handler: @escaping @Sendable (String) -> Void) -> SubscriptionID
  func unsubscribe(_ id: SubscriptionID)
  func records(from: UInt64, through: UInt64?) throws -> [Record]
  func records(since: Instant, until: Instant?) throws -> [Record]
  /// The records of `records(since:until:)` that `keep` accepts by their
  /// header (nil: all), one at a time as read, until `body` returns false.
  func forEachRecord(
    since: Instant, until: Instant?, where keep: ((RecordHeader) -> Bool)?, _ body: (Record) throws -> Bool)
    throws
  /// The same records a chunk at a time, each chunk turned into a `T` by
  /// `transform` (on other threads, where the store can), handed to `body`
  /// in seq order until it returns false.
  func forEachRecordChunk<T: Sendable>(
    since: Instant, until: Instant?, where keep: (@Sendable (RecordHeader) -> Bool)?, chunkFrames: Int,
    transform: @escaping @Sendable ([Record]) -> T, _ body: (T) throws -> Bool) throws
  func period(since: Instant, until: Instant) throws -> (records: [Record], end: CordonState)
  func state(atSeq seq: UInt64) throws -> CordonState
  func state(at instant: Instant) throws -> CordonState
  func snapshot() throws
  /// Journals another store's records as they are (`cordon migrate`).
  func append(verbatim records: [Record]) throws
  func close()
  /// Where this process stands among several servers on one journal.
  var role: StoreRole { get }
  /// `handler` hears every change of `role` (a follower promoted, a leader fenced).
  func onRoleChange(_ handler: @escaping @Sendable (StoreRole) -> Void)
  /// Runs `body` once this store has applied every event through `seq`
  /// (at once when it has), or after `timeout` seconds with `false`.
  func whenApplied(through seq: UInt64, timeout: Double, _ body: @escaping @Sendable (Bool) -> Void)
  /// Where past days' reports are kept once rendered (nil: computed each time).
  var reportArchive: ReportArchive? { get }
}

/// Where a store's process stands among several servers on one journal
/// (the PostgreSQL journal; the embedded store is always `sole`).
public enum StoreRole: Sendable, Equatable {
  /// The only writer there is.
  case sole
  /// Holds the journal's lease in this term and appends.
  case leader(term: UInt64)
  /// Follows the journal another process writes; `leader` is the endpoint
  /// the lease holder advertises (nil while none holds it).
  case follower(leader: String?)

  /// Whether commands are decided and appended in this process.
  public var writesHere: Bool {
    if case .follower = self { return false }
    return true
  }

  /// For `cordon status` and the log.
  public var description: String {
    switch self {
    case .sole: "sole"
    case .leader(let term): "leader (term \(term))"
    case .follower(let leader?): "follower of \(leader)"
    case .follower(nil): "follower (no leader now)"
    }
  }
}

extension EventStore: DomainStore where M == CordonDomain {
  public var reportArchive: ReportArchive? {
    ReportArchive(directory: directory + "/reports", retainDays: retainDays)
  }
}

extension EventStore where M == CordonDomain {
  public var role: StoreRole { .sole }
  public func onRoleChange(_ handler: @escaping @Sendable (StoreRole) -> Void) {}
  public func whenApplied(through seq: UInt64, timeout: Double, _ body: @escaping @Sendable (Bool) -> Void) {
    body(seq <= lastSeq)
  }
}

extension DomainStore {
  /// For a store that reads a period at once: the records, then handed out.
  public func forEachRecord(
    since: Instant, until: Instant?, where keep: ((RecordHeader) -> Bool)?, _ body: (Record) throws -> Bool
  ) throws {
    for r in try records(since: since, until: until) where keep?(r.header) ?? true {
      if try !body(r) { return }
    }
  }

  /// For a store that reads on one thread: chunks of the records, transformed as they fill.
  public func forEachRecordChunk<T: Sendable>(
    since: Instant, until: Instant?, where keep: (@Sendable (RecordHeader) -> Bool)?, chunkFrames: Int,
    transform: @escaping @Sendable ([Record]) -> T, _ body: (T) throws -> Bool
  ) throws {
    var chunk: [Record] = []
    var more = true
    try forEachRecord(since: since, until: until, where: keep) { r in
      chunk.append(r)
      guard chunk.count >= chunkFrames else { return true }
      let full = chunk
      chunk = []
      more = try body(transform(full))
      return more
    }
    if more, !chunk.isEmpty { _ = try body(transform(chunk)) }
  }

  /// Every record of the period, one at a time as read, until `body` returns false.
  public func forEachRecord(since: Instant, until: Instant?, _ body: (Record) throws -> Bool) throws {
    try forEachRecord(since: since, until: until, where: nil, body)
  }

  public func submit(
    _ command: CordonCommand, actor: String, unit: String?,
    completion: @escaping @Sendable (Result<[Record], StoreFailure>) -> Void
  ) {
    submit(command, actor: actor, unit: unit, commandID: nil, completion: completion)
  }

  public func submit(_ command: CordonCommand, actor: String, unit: String?, commandID: String? = nil) async throws
    -> [Record]
  {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<[Record], Error>) in
      submit(command, actor: actor, unit: unit, commandID: commandID) { result in
        cont.resume(with: result.mapError { $0 })
      }
    }
  }
}
