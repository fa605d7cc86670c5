/// The four live panes, in tab order.
public enum PaneKind: Int, CaseIterable, Sendable, Codable {
  case roster = 0, checkpoints, stock, alerts

  public var titleKey: String {
    switch self {
    case .roster: "pane.roster"
    case .checkpoints: "pane.checkpoints"
    case .stock: "pane.stock"
    case .alerts: "pane.alerts"
    }
  }
}
