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
  func period(since: Instant, until: Instant) throws -> (records: [Record], end: CordonState)
  func state(atSeq seq: UInt64) throws -> CordonState
  func state(at instant: Instant) throws -> CordonState
  func snapshot() throws
  /// Journals another store's records as they are (`cordon migrate`).
  func append(verbatim records: [Record]) throws
  func close()
}

extension EventStore: DomainStore where M == CordonDomain {}

extension DomainStore {
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
