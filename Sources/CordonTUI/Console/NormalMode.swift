import CordonModel

/// Keys on the panes: the key table names the action, the action's literal runs it.
enum NormalMode {
  static func key(_ m: inout ConsoleModel, _ key: Key) -> [ConsoleEffect] {
    if key == .ctrl("c") {
      m.wantsQuit = true
      return [.quit]
    }
    guard let id = m.keymap.action(for: key, on: m.focus), let action = id.spec else { return [] }
    if let pane = action.pane, pane != m.focus { return [] }
    if action.changesData && !WriteGate.allows(&m) { return [] }
    let effects = action.handler(&m)
    if m.focus == .alerts { m.newCritical = false }
    return effects
  }
}
