import CordonModel
import EventSourcing

/// The live counts the header, tab strip and pane titles show. Computed once
/// per data change and minute, not per frame: they walk every alert, site
/// and stock line.
struct PaneCounts {
  /// Active, unsilenced alerts by severity, for the header.
  var bySeverity: [Severity: Int]
  /// Each pane's own numbers (`ConsolePane.counts`).
  var byPane: [PaneKind: [Int]]

  init(state: CordonState, now: Instant) {
    self.init(state: state, now: now, queue: AlertQueue(state, now: now))
  }

  /// The counts from the alert queue and each pane; a pane whose areas
  /// `changes` (since `previous`, at the same minute) did not touch keeps its numbers.
  init(
    state: CordonState, now: Instant, queue: AlertQueue, previous: PaneCounts? = nil,
    changes: ChangeTrail.Changes? = nil
  ) {
    bySeverity = queue.active
    var byPane: [PaneKind: [Int]] = [:]
    for pane in Panes.all {
      if pane.kind == .alerts {
        byPane[pane.kind] = [queue.active[.critical] ?? 0, queue.active[.warning] ?? 0]
      } else if let rule = pane.countsActiveAlerts {
        byPane[pane.kind] = [queue.activeByRule[rule] ?? 0]
      } else if let previous, let changes, !changes.touch(pane.countsRead), let kept = previous.byPane[pane.kind] {
        byPane[pane.kind] = kept
      } else {
        byPane[pane.kind] = pane.counts(state: state, now: now)
      }
    }
    self.byPane = byPane
  }

  subscript(_ pane: PaneKind) -> [Int] { byPane[pane] ?? [] }
}
