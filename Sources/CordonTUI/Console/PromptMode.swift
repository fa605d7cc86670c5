import CordonModel

/// The filter and command prompts on the bottom line.
enum PromptMode {
  static func key(_ m: inout ConsoleModel, _ key: Key) -> [ConsoleEffect] {
    switch m.mode {
    case .filter(var editor):
      switch key {
      case .enter: m.mode = .normal
      case .esc:
        m.tables[m.focus, default: TableState()].filter = ""
        m.mode = .normal
      default:
        _ = editor.handle(key)
        m.tables[m.focus, default: TableState()].filter = editor.text
        m.mode = .filter(editor)
      }
    case .command(var editor):
      switch key {
      case .enter:
        m.mode = .normal
        return LineCommands.run(&m, editor.text)
      case .esc: m.mode = .normal
      case .tab:
        let (completed, options) = LineCommands.complete(editor.text)
        editor.set(completed)
        m.mode = .command(editor)
        if options.count > 1 {
          m.status = .init(text: m.strings("command.completions", options.joined(separator: " ")), style: .muted)
        }
      default:
        _ = editor.handle(key)
        m.mode = .command(editor)
      }
    default: break
    }
    return []
  }
}
