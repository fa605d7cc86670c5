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
    bySeverity = AlertPane.counts(state, now: now)
    byPane = Dictionary(uniqueKeysWithValues: Panes.all.map { ($0.kind, $0.counts(state: state, now: now)) })
  }

  subscript(_ pane: PaneKind) -> [Int] { byPane[pane] ?? [] }
}
