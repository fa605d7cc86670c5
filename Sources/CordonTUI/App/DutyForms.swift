import CordonModel
import EventSourcing

/// The duty pane's forms: a log entry, a report up, replies, closing a
/// follow-up, voiding an entry. Like every form, parsing problems are shown on
/// the field and everything else is the validator's to refuse.
enum DutyForms {
  /// 一般 / 紧急 / 特急, for a report up and a directive.
  static func priorityChoices(_ t: Strings) -> [Form.Choice] {
    DutyPriority.allCases.map { Form.Choice(value: $0.rawValue, label: t("priority.\($0.rawValue)")) }
  }

  static func make(_ purpose: FormPurpose, state: CordonState, now: Instant, strings t: Strings) -> Form {
    let lang = t.language
    func choice(_ id: CommandField, _ label: String, _ choices: [Form.Choice], selected: String?) -> Form.Field {
      var f = Form.Field(id: id, label: t(label), kind: .choice(choices))
      if let s = selected, let i = choices.firstIndex(where: { $0.value == s }) { f.choiceIndex = i }
      return f
    }
    func text(_ id: CommandField, _ label: String, _ initial: String = "") -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .text, initial: initial)
    }
    func note(_ id: CommandField, _ label: String) -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .multiline)
    }
    let units = state.orderedUnits.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
    switch purpose {
    case .logEntry(let unit):
      let channels = LogChannel.allCases.map { Form.Choice(value: $0.rawValue, label: t("channel.\($0.rawValue)")) }
      let yesNo = [Form.Choice(value: "no", label: t("answer.no")), Form.Choice(value: "yes", label: t("answer.yes"))]
      return Form(
        purpose: purpose, title: t("form.logEntry.title"),
        fields: [
          choice(.unit, "form.field.unit", units, selected: unit),
          choice(.channel, "form.field.channel", channels, selected: nil), text(.from, "form.field.logFrom"),
          text(.text, "form.field.text"), text(.action, "form.field.action"),
          choice(.significant, "form.field.significant", yesNo, selected: nil),
          text(.followUpDue, "form.field.followUpDue"), text(.owner, "form.field.owner"),
        ])
    case .reportUp(let unit, let ref):
      let priorities = priorityChoices(t)
      return Form(
        purpose: purpose, title: t("form.reportUp.title"),
        fields: [
          choice(.unit, "form.field.unit", units, selected: unit),
          choice(.priority, "form.field.priority", priorities, selected: nil), text(.text, "form.field.text"),
          text(.ref, "form.field.ref", ref ?? ""),
        ])
    case .replyReport(let id):
      return Form(purpose: purpose, title: t("form.replyReport.title", id), fields: [note(.text, "form.field.text")])
    case .replyDirective(let id, _):
      return Form(
        purpose: purpose, title: t("form.replyDirective.title", id), fields: [note(.text, "form.field.text")])
    case .closeFollowUp(let id):
      return Form(purpose: purpose, title: t("form.closeFollowUp.title", id), fields: [note(.note, "form.field.note")])
    case .voidLogEntry(let id):
      return Form(
        purpose: purpose, title: t("form.voidLogEntry.title", id), fields: [text(.reason, "form.field.reason")])
    default:
      return Form(purpose: purpose, title: "", fields: [])
    }
  }

  static func command(_ f: Form, state: CordonState, strings t: Strings) throws(FormCatalog.FieldError)
    -> CordonCommand?
  {
    switch f.purpose {
    case .logEntry:
      let raw = f.value(.followUpDue).trimmingCharacters(in: .whitespaces)
      var due: Instant? = nil
      if !raw.isEmpty {
        guard let d = state.calendar.parse(raw) else {
          throw FormCatalog.FieldError(field: .followUpDue, message: t("form.invalidTime"))
        }
        due = d
      }
      return .logEntry(
        unit: f.value(.unit), channel: LogChannel(rawValue: f.value(.channel)) ?? .phone, from: f.value(.from),
        text: f.value(.text), action: f.value(.action), significant: f.value(.significant) == "yes",
        followUpDue: due, owner: f.value(.owner))
    case .reportUp:
      let ref = f.value(.ref).trimmingCharacters(in: .whitespaces)
      return .reportUp(
        unit: f.value(.unit), priority: DutyPriority(rawValue: f.value(.priority)) ?? .routine, text: f.value(.text),
        ref: ref.isEmpty ? nil : ref)
    case .replyReport(let id): return .replyReport(id: id, text: f.value(.text))
    case .replyDirective(let id, let unit): return .replyDirective(id: id, unit: unit, text: f.value(.text))
    case .closeFollowUp(let id): return .closeFollowUp(entry: id, note: f.value(.note))
    case .voidLogEntry(let id): return .voidLogEntry(entry: id, reason: f.value(.reason))
    default: return nil
    }
  }
}
