import CordonModel

/// Every action the console's keys can trigger.
public enum Action: String, CaseIterable, Sendable, Codable {
  case nextPane, prevPane, focus1, focus2, focus3, focus4
  case up, down, pageUp, pageDown, home, end
  case open, back, filter, command, help, quit
  case acknowledge, resolve, recordRound, recordFever

  /// Actions that change data: hidden in read-only mode (and refused by the store regardless).
  public var changesData: Bool {
    switch self {
    case .acknowledge, .resolve, .recordRound, .recordFever: true
    default: false
    }
  }

  /// Where the action applies; nil means everywhere.
  public var pane: PaneKind? {
    switch self {
    case .acknowledge, .resolve: .alerts
    case .recordRound, .recordFever: .checkpoints
    default: nil
    }
  }

  /// Shown in the hint bar (the rest are in the `?` help).
  public var inHintBar: Bool {
    switch self {
    case .nextPane, .open, .filter, .command, .help, .quit, .acknowledge, .recordRound: true
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
    (.char("a"), .acknowledge), (.char("x"), .resolve), (.char("r"), .recordRound), (.char("f"), .recordFever),
  ])

  public func action(for key: Key) -> Action? { bindings.first { $0.key == key }?.action }
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
      result.bindings.removeAll { $0.action == action || keys.contains($0.key) }
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
