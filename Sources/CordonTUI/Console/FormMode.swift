import CordonModel
import CordonSession
import CordonStore

/// Keys in a form and in the yes/no questions, and what the store answers a form.
enum FormMode {
  static func key(_ m: inout ConsoleModel, _ key: Key) -> [ConsoleEffect] {
    switch m.mode {
    case .form(var form):
      if key == .ctrl("c") {
        m.mode = .confirmQuit(returnTo: form)
        return []
      }
      guard !form.submitting else { return [] }
      switch form.handle(key) {
      case .none:
        if key != .enter { form.override = false }
        FormCatalog.refresh(&form, state: m.state, now: m.now, strings: m.strings)
        m.mode = .form(form)
      case .cancel:
        m.mode = form.isDirty ? .confirmDiscard(form) : .normal
      case .submit:
        return submit(&m, form)
      }
    case .confirmQuit(let form):
      if key == .char("y") || key == .char("Y") {
        m.wantsQuit = true
        return [.quit]
      }
      m.mode = form.map { .form($0) } ?? .normal
    case .confirmDiscard(let form):
      m.mode = (key == .char("y") || key == .char("Y")) ? .normal : .form(form)
    case .confirm(_, let command):
      m.mode = .normal
      if key == .char("y") || key == .char("Y") { return m.send(command) }
    default: break
    }
    return []
  }

  /// Parses the form into its command and sends it through the write gate;
  /// a parse error or the gate's refusal stays on the form with what was typed.
  static func submit(_ m: inout ConsoleModel, _ form: Form) -> [ConsoleEffect] {
    var f = form
    let override = f.override
    f.clearErrors()
    f.override = override
    let command: CordonCommand
    do {
      command = try FormCatalog.command(f, state: m.state, now: m.now, strings: m.strings)
    } catch {
      f.show(refusal: error.message, field: error.field)
      m.mode = .form(f)
      return []
    }
    guard WriteGate.refusal(m) == nil else {
      f.error = WriteGate.message(m)
      m.mode = .form(f)
      _ = WriteGate.allows(&m)
      return []
    }
    m.formToken += 1
    f.submitting = true
    m.mode = .form(f)
    return m.send(command, formToken: m.formToken)
  }

  /// The store said no: under the field at fault when the form is still open, else on the status line.
  static func refused(_ m: inout ConsoleModel, _ failure: StoreFailure, token: Int?) {
    let text = m.strings.failure(failure)
    guard let token, case .form(var f) = m.mode, token == m.formToken else {
      // A refusal the tables word says "not saved: why"; one they do not already says "not saved".
      let code = failure.refusal.code
      let known = code != "other" && m.strings.has("refusal.\(code)")
      m.status = .init(text: known ? m.strings("status.refused", text) : text, style: .inputError)
      return
    }
    f.submitting = false
    if case .refused(let r) = failure {
      // A refusal about one entry of a list (a handover's item N) lands under that entry.
      f.show(refusal: text, field: r.commandField, item: r.args.first.flatMap { Int($0) })
      if FormCatalog.confirmable.contains(r.code) {
        // The store asks for a confirmation: the next Enter saves with the override.
        f.error = text + " · " + m.strings("form.confirmOverride")
        f.override = true
      }
    } else {
      f.error = text
    }
    m.mode = .form(f)
  }
}
