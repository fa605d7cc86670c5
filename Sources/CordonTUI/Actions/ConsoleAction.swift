import CordonModel

/// An action's name: what the config file's `keys.<name>` and the string
/// tables (`action.<name>`, `hint.<name>`) call it. Declared beside its
/// literal in `ConsoleActions` or in its pane's file.
public struct Action: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String
  public init(_ name: String) { rawValue = name }
  public var description: String { rawValue }

  /// Every action there is, in the order the help lists them.
  public static var allCases: [Action] { ConsoleActions.all.map(\.id) }
  /// The action of that name, if there is one.
  public static func named(_ name: String) -> Action? { ConsoleActions.byID[Action(name)]?.id }

  var spec: ConsoleAction? { ConsoleActions.byID[self] }
  /// Where the action applies; nil means everywhere.
  public var pane: PaneKind? { spec?.pane }
  /// Refused (and hidden) when nothing may be changed: the past, a read-only store, a viewer.
  public var changesData: Bool { spec?.changesData ?? false }
  /// Shown in the hint bar (the rest are in the `?` help).
  public var inHintBar: Bool { spec?.hint ?? false }
}

/// One literal per action: its pane, its default keys, whether it changes
/// data, whether the hint bar shows it, and what it does. Dispatch, the hint
/// bar, the help and the default key table all come from these.
public struct ConsoleAction: Sendable {
  public let id: Action
  public let pane: PaneKind?
  public let keys: [Key]
  public let changesData: Bool
  public let hint: Bool
  /// Runs in the update function: a change of the model and effects to run.
  let handler: @Sendable (inout ConsoleModel) -> [ConsoleEffect]

  init(
    _ id: Action, pane: PaneKind? = nil, keys: [Key], changesData: Bool, hint: Bool = false,
    _ handler: @escaping @Sendable (inout ConsoleModel) -> [ConsoleEffect]
  ) {
    self.id = id
    self.pane = pane
    self.keys = keys
    self.changesData = changesData
    self.hint = hint
    self.handler = handler
  }
}

/// The registry: the views' own actions (first, so a view may give Tab or
/// Esc its own meaning), the actions every pane has, then each pane's own.
enum ConsoleActions {
  static let all: [ConsoleAction] = Panes.views.flatMap(\.actions) + GlobalActions.all + Panes.all.flatMap(\.actions)
  static let byID: [Action: ConsoleAction] = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
}
