import CordonModel
import CordonStore

/// Where the console reads state and sends commands. Panes read only through
/// this, so the embedded store and (later) a server connection are
/// interchangeable without touching pane code.
public protocol ConsoleSource: AnyObject, Sendable {
  /// The committed state: nothing here is un-durable.
  var state: CordonState { get }
  var info: SourceInfo { get }
  /// Sends a command; `completion` runs on an arbitrary thread.
  func submit(_ command: CordonCommand, completion: @escaping @Sendable (Result<UInt64, StoreFailure>) -> Void)
  /// `handler` runs on an arbitrary thread after each durable change.
  func onChange(_ handler: @escaping @Sendable () -> Void)
  /// The state as it was at a moment, for stepping back through the day; nil
  /// where the source cannot rebuild the past.
  func state(at moment: Instant) -> CordonState?
  /// The journal's records whose time is in `since ..< until` (nil: to the
  /// end), for reports and the audit trail; nil where not available.
  func records(since: Instant, until: Instant?) -> [EventRecord<CordonEvent>]?
}

extension ConsoleSource {
  public func state(at moment: Instant) -> CordonState? { nil }
  public func records(since: Instant, until: Instant?) -> [EventRecord<CordonEvent>]? { nil }
}

/// What the header says about the source.
public struct SourceInfo: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case embedded(path: String)
    case server(path: String)
  }
  /// A server connection's health: the header says when the console is not live.
  public enum Connection: Sendable, Equatable {
    case connected
    /// Lost (or not yet made), with why; the source is retrying by itself.
    case reconnecting(String)
  }
  public var kind: Kind
  public var isDemo: Bool
  /// Set when showing the past: read-only at that moment.
  public var at: Instant?
  public var readOnlyReason: String?
  public var warnings: [String]
  public var actor: String
  public var unit: String?
  /// Nil for an embedded store.
  public var connection: Connection?
  /// What the server decided the user is; an embedded store's owner is the
  /// command role. Shown so the console can say what a role may not do; the
  /// server enforces it regardless.
  public var role: Role
  public init(
    kind: Kind, isDemo: Bool, at: Instant? = nil, readOnlyReason: String? = nil, warnings: [String] = [],
    actor: String, unit: String?, connection: Connection? = nil, role: Role = .command
  ) {
    self.kind = kind
    self.isDemo = isDemo
    self.at = at
    self.readOnlyReason = readOnlyReason
    self.warnings = warnings
    self.actor = actor
    self.unit = unit
    self.connection = connection
    self.role = role
  }
  public var isReadOnly: Bool { readOnlyReason != nil || at != nil }
}
