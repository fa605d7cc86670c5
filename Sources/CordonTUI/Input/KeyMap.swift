import CordonModel

/// Every action the console's keys can trigger.
public enum Action: String, CaseIterable, Sendable, Codable {
  case nextPane, prevPane, focus1, focus2, focus3, focus4
  case up, down, pageUp, pageDown, home, end
  case open, back, filter, command, help, quit
  // Time travel: an hour back, an hour forward, back to live.
  case timeBack, timeForward, timeLive
  // Duty roster
  case assignShift, swapShift, writeHandover, markNoShow
  // Checkpoints
  case recordRound, recordFever, recordDisinfection, recordVentilation, toggleSite, groupByUnit
  // Supply stock
  case issueStock, receiveStock, transferStock, countStock, requestSupplies
  // Alerts
  case acknowledge, acknowledgeFiltered, resolve, silence, assignAlert

  /// Actions that change data: hidden in read-only mode (and refused by the store regardless).
  public var changesData: Bool {
    switch self {
    case .assignShift, .swapShift, .writeHandover, .markNoShow, .recordRound, .recordFever, .recordDisinfection,
      .recordVentilation, .toggleSite, .issueStock, .receiveStock, .transferStock, .countStock, .requestSupplies,
      .acknowledge,
      .acknowledgeFiltered, .resolve, .silence, .assignAlert:
      true
    default: false
    }
  }

  /// Where the action applies; nil means everywhere.
  public var pane: PaneKind? {
    switch self {
    case .assignShift, .swapShift, .writeHandover, .markNoShow: .roster
    case .recordRound, .recordFever, .recordDisinfection, .recordVentilation, .toggleSite, .groupByUnit: .checkpoints
    case .issueStock, .receiveStock, .transferStock, .countStock, .requestSupplies: .stock
    case .acknowledge, .acknowledgeFiltered, .resolve, .silence, .assignAlert: .alerts
    default: nil
    }
  }

  /// Shown in the hint bar (the rest are in the `?` help).
  public var inHintBar: Bool {
    switch self {
    case .nextPane, .open, .filter, .command, .help, .quit, .assignShift, .writeHandover, .recordRound, .recordFever,
      .issueStock, .receiveStock, .acknowledge, .resolve:
      true
    default: false
    }
  }
}

/// The one key-action table: it drives dispatch, the hint bar and the help.
public struct KeyMap: Sendable, Equatable {
  public private(set) var bindings: [(key: Key, action: Action)]

  public static func == (a: KeyMap, b: KeyMap) -> Bool {
    a.bindings.map { "\($0.key)=\($0.action)" } == b.bindings.map { "\($0.key)=\($0.action)" }
  }

  public static let defaults = KeyMap(bindings: [
    (.tab, .nextPane), (.backTab, .prevPane),
    (.char("1"), .focus1), (.char("2"), .focus2), (.char("3"), .focus3), (.char("4"), .focus4),
    (.up, .up), (.char("k"), .up), (.down, .down), (.char("j"), .down),
    (.pageUp, .pageUp), (.pageDown, .pageDown), (.home, .home), (.char("g"), .home), (.end, .end), (.char("G"), .end),
    (.enter, .open), (.esc, .back), (.char("/"), .filter), (.char(":"), .command),
    (.char("?"), .help), (.function(1), .help), (.char("q"), .quit),
    (.char("a"), .assignShift), (.char("s"), .swapShift), (.char("h"), .writeHandover), (.char("m"), .markNoShow),
    (.char("r"), .recordRound), (.char("f"), .recordFever), (.char("d"), .recordDisinfection),
    (.char("v"), .recordVentilation), (.char("o"), .toggleSite), (.char("u"), .groupByUnit),
    (.char("i"), .issueStock), (.char("e"), .receiveStock), (.char("t"), .transferStock), (.char("c"), .countStock),
    (.char("p"), .requestSupplies), (.char("<"), .timeBack), (.char(">"), .timeForward), (.char("L"), .timeLive),
    (.char("a"), .acknowledge), (.char("A"), .acknowledgeFiltered), (.char("x"), .resolve), (.char("s"), .silence),
    (.char("n"), .assignAlert),
  ])

  /// The action a key triggers on a pane: pane-specific bindings reuse letters across panes.
  public func action(for key: Key, on pane: PaneKind) -> Action? {
    bindings.first { $0.key == key && ($0.action.pane == nil || $0.action.pane == pane) }?.action
  }
  public func keys(for action: Action) -> [Key] { bindings.filter { $0.action == action }.map(\.key) }

  public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
  }

  /// Replaces the keys of the named actions. `overrides` maps an action name
  /// to key names; the file name is for messages.
  public func overriding(_ overrides: [String: [String]], file: String) throws(ConfigError) -> KeyMap {
    var result = self
    for name in overrides.keys.sorted() {
      guard let action = Action(rawValue: name) else {
        throw ConfigError(message: "\(file): unknown action 'keys.\(name)'")
      }
      var keys: [Key] = []
      for keyName in overrides[name] ?? [] {
        guard let k = Key(name: keyName) else {
          throw ConfigError(message: "\(file): keys.\(name): '\(keyName)' is not a key name")
        }
        keys.append(k)
      }
      // A key taken by this action is released from others that could meet it on the same pane.
      result.bindings.removeAll { b in
        b.action == action
          || (keys.contains(b.key) && (b.action.pane == nil || action.pane == nil || b.action.pane == action.pane))
      }
      result.bindings += keys.map { ($0, action) }
    }
    return result
  }

  /// Bindings visible in a context: pane-specific actions only on their pane,
  /// data-changing actions not at all when read-only.
  public func visible(pane: PaneKind, readOnly: Bool) -> [(key: Key, action: Action)] {
    bindings.filter { b in
      (b.action.pane == nil || b.action.pane == pane) && !(readOnly && b.action.changesData)
    }
  }
}
