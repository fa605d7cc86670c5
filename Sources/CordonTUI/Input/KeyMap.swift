import CordonModel

/// The one key-action table: it drives dispatch, the hint bar and the help.
public struct KeyMap: Sendable, Equatable {
  public private(set) var bindings: [(key: Key, action: Action)]

  public static func == (a: KeyMap, b: KeyMap) -> Bool {
    a.bindings.map { "\($0.key)=\($0.action)" } == b.bindings.map { "\($0.key)=\($0.action)" }
  }

  /// Each action's keys from its literal, in the order of the actions.
  public static let defaults = KeyMap(bindings: ConsoleActions.all.flatMap { a in a.keys.map { ($0, a.id) } })

  public init(bindings: [(key: Key, action: Action)]) { self.bindings = bindings }

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
      guard let action = Action.named(name) else {
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
  /// A key bound twice there shows only the binding dispatch takes (the first).
  public func visible(pane: PaneKind, readOnly: Bool) -> [(key: Key, action: Action)] {
    var taken = Set<Key>()
    return bindings.filter { b in
      // One look-up of the action's literal per binding: the hint bar asks on every frame.
      let spec = b.action.spec
      guard spec?.pane == nil || spec?.pane == pane, taken.insert(b.key).inserted else { return false }
      return !(readOnly && spec?.changesData == true)
    }
  }
}
