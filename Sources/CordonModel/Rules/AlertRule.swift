import EventSourcing

/// A condition some rule sees in the state at a moment. Rules only look; the
/// reconciler turns the difference between conditions and the alert queue
/// into events, so the queue rebuilt from the journal is the queue seen live.
public struct AlertCondition: Sendable, Equatable {
  public var key: AlertKey
  public var severity: Severity
  public var unit: String
  public var site: String?
  public var args: [String]
  /// When this occurrence began. A newer occurrence repeats or reopens the alert.
  public var occurrence: Instant
  /// Clears itself when the condition goes (stock restored, round arrived).
  public var autoResolves: Bool
}

/// The one interface every pane's rules implement.
public protocol AlertRule: Sendable {
  var id: RuleID { get }
  func conditions(in state: CordonState, now: Instant) -> [AlertCondition]
}

/// All rules, in a fixed order.
public enum Rules {
  public static let all: [any AlertRule] = [
    FeverRule(), RoundOverdueRule(), DisinfectionShortRule(), RoleCoverageRule(), NoShowRule(), StockLevelRule(),
    CoverDaysRule(), DirectiveOverdueRule(), ReceiverFailingRule(), SignInMissingRule(), FollowUpOverdueRule(),
    ReportUnacknowledgedRule(), HandoverUnconfirmedRule(),
  ]

  public static func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    all.flatMap { $0.conditions(in: state, now: now) }
  }
}
