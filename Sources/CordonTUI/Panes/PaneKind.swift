/// A pane's identity. Each pane declares its own in its file; the order of
/// panes (tab order, number keys, the grid) is the order of `Panes.all`.
public struct PaneKind: Hashable, Sendable, CustomStringConvertible {
  /// Also the pane's `:` command and the key of its title (`pane.<id>`).
  public let id: String
  public init(_ id: String) { self.id = id }
  public var description: String { id }

  public var titleKey: String { "pane.\(id)" }
  /// Every pane, in tab order.
  public static var allCases: [PaneKind] { Panes.kinds }
  /// 0-based place in the tab order.
  public var index: Int { Panes.index(of: self) }
}
