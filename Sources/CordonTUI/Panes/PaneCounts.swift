import CordonModel
import EventSourcing

/// The live counts the header, tab strip and pane titles show. Computed once
/// per data change and minute, not per frame: they walk every alert, site
/// and stock line.
struct PaneCounts: Equatable {
  /// Active, unsilenced alerts by severity.
  var bySeverity: [Severity: Int]
  /// Key-unit roles uncovered (active coverage alerts).
  var gaps: Int
  /// Open sites past their report time.
  var overdue: Int
  /// Stock lines below their minimum.
  var lowStock: Int

  init(state: CordonState, now: Instant) {
    bySeverity = AlertPane.counts(state, now: now)
    gaps = state.alerts.values.reduce(0) { $0 + ($1.key.rule == .roleUncovered && $1.isActive ? 1 : 0) }
    overdue = state.sites.values.reduce(0) { $0 + ($1.isOverdue(at: now) ? 1 : 0) }
    lowStock = state.stock.values.reduce(0) { $0 + ($1.level != .ok ? 1 : 0) }
  }
}
