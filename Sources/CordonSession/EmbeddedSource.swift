import CordonModel
import CordonStore
import Synchronization

/// The console on a store opened in this process.
public final class EmbeddedSource: ConsoleSource {
  public let store: any DomainStore
  private let base: SourceInfo
  private let handlers = Mutex<[@Sendable () -> Void]>([])

  public init(store: any DomainStore, path: String, isDemo: Bool, actor: String, unit: String?) {
    self.store = store
    self.base = SourceInfo(kind: .embedded(path: path), isDemo: isDemo, actor: actor, unit: unit)
    _ = store.subscribe { [weak self] _, _ in self?.notify() }
  }

  private func notify() {
    for h in handlers.withLock({ $0 }) { h() }
  }

  public var state: CordonState { store.state }

  public var info: SourceInfo {
    var i = base
    let status = store.status
    if case .readOnly(let reason) = status.mode { i.readOnlyReason = reason }
    i.warnings = status.warnings.map(\.description)
    return i
  }

  public func submit(_ command: CordonCommand, completion: @escaping @Sendable (Result<UInt64, StoreFailure>) -> Void) {
    store.submit(command, actor: base.actor, unit: base.unit) { result in
      completion(result.map { $0.last?.seq ?? 0 })
    }
  }

  public func onChange(_ handler: @escaping @Sendable () -> Void) {
    handlers.withLock { $0.append(handler) }
  }

  public func state(at moment: Instant) -> CordonState? { try? store.state(at: moment) }

  public func records(since: Instant, until: Instant?) -> [EventRecord<CordonEvent>]? {
    try? store.records(since: since, until: until)
  }
}

/// A fixed state: the past (`--at`), or tests. Refuses every command.
public final class FrozenSource: ConsoleSource {
  public let state: CordonState
  public let info: SourceInfo
  public init(state: CordonState, info: SourceInfo) {
    self.state = state
    self.info = info
  }
  public func submit(_ command: CordonCommand, completion: @escaping @Sendable (Result<UInt64, StoreFailure>) -> Void) {
    completion(.failure(.storeReadOnly(info.readOnlyReason ?? "read-only")))
  }
  public func onChange(_ handler: @escaping @Sendable () -> Void) {}
}
