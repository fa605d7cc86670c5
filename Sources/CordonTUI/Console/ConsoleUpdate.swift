import CordonModel
import CordonStore
import EventSourcing

/// The console's one reducer: `update(&model, message)` changes the model and
/// returns the effects to run. Pure: no store, no terminal, no clock. Keys go
/// to the reducer of the current mode (`NormalMode`, `PromptMode`, `FormMode`).
public enum ConsoleUpdate {
  public static func update(_ m: inout ConsoleModel, _ message: ConsoleMessage) -> [ConsoleEffect] {
    let effects = handle(&m, message)
    m.refresh()
    return effects
  }

  private static func handle(_ m: inout ConsoleModel, _ message: ConsoleMessage) -> [ConsoleEffect] {
    switch message {
    case .key(.mouse(let e)), .mouse(let e):
      m.status = nil
      return MouseMode.event(&m, e)
    case .key(let key): return self.key(&m, key)
    case .sourceChanged(let state, let info):
      return m.sourceChanged(state: state, info: info) && m.bellOnCritical ? [.bell] : []
    case .saved(let seq, let token):
      if let token, case .form(let f) = m.mode, f.submitting, token == m.formToken { m.mode = .normal }
      m.status = .init(text: m.strings("status.saved", String(seq)), style: .ok)
      return []
    case .refused(let failure, let token):
      FormMode.refused(&m, failure, token: token)
      return []
    case .resized(let width, let height):
      m.size = (width, height)
      return []
    case .pastLoaded(let moment, let state):
      m.arrived(past: state, at: moment)
      return []
    case .recordsLoaded(let purpose, let records):
      return LineCommands.recordsLoaded(&m, purpose, records)
    case .fileWritten(let path, let error):
      m.status =
        error.map { .init(text: m.strings("status.exportFailed", $0), style: .inputError) }
        ?? .init(text: m.strings("status.exported", path), style: .ok)
      return []
    case .clock(let t):
      m.setClock(t)
      return []
    }
  }

  private static func key(_ m: inout ConsoleModel, _ incoming: Key) -> [ConsoleEffect] {
    if incoming == .resize { return [] }
    // Ctrl-J is a newline only in a multi-line field; everywhere else it is Enter.
    var key = incoming
    if key == .ctrl("j") {
      if case .form(let f) = m.mode, f.fields.indices.contains(f.focus), f.fields[f.focus].kind == .multiline {
      } else {
        key = .enter
      }
    }
    if key != .esc { m.status = nil }
    switch m.mode {
    case .normal: return NormalMode.key(&m, key)
    case .filter, .command: return PromptMode.key(&m, key)
    case .help(let scroll):
      m.mode = scrolled(scroll, by: key).map { .help(scroll: $0) } ?? .normal
    case .detail(let pane, let id, let scroll):
      // The copy key copies what the view shows, and the view stays open.
      if m.keymap.action(for: key, on: pane) == .copy {
        let (title, lines) = Panes.pane(pane).detail(rowID: id, m.context())
        return m.copy(detail: (title, lines))
      }
      m.mode = scrolled(scroll, by: key).map { .detail(pane: pane, rowID: id, scroll: $0) } ?? .normal
    case .overlay(let title, let lines, let scroll):
      m.mode = scrolled(scroll, by: key).map { .overlay(title: title, lines: lines, scroll: $0) } ?? .normal
    case .form, .confirmQuit, .confirmDiscard, .confirm: return FormMode.key(&m, key)
    }
    return []
  }

  /// Keys in a scrollable view (help, details, reports): the new offset, or
  /// nil when the key closes the view.
  static func scrolled(_ scroll: Int, by key: Key) -> Int? {
    switch key {
    case .esc, .char("q"), .char("?"), .enter: nil
    case .down, .char("j"): scroll + 1
    case .up, .char("k"): max(0, scroll - 1)
    case .pageDown: scroll + 10
    case .pageUp: max(0, scroll - 10)
    default: scroll
    }
  }
}
