import CordonModel
import EventSourcing

/// The handover's forms: writing one shows the checklist it will carry
/// before it is sent; confirming one lists every item with a query field
/// (left empty, the item is acknowledged). The validator decides the rest.
enum HandoverForms {
  /// The checklist the selected unit's handover would carry now, as read-only lines.
  static func preview(unit: String, state: CordonState, now: Instant, strings t: Strings) -> [String] {
    let list = HandoverChecklist.build(unit: unit, in: state, at: now)
    guard !list.items.isEmpty else { return [t("handover.noItems"), ""] }
    var out = [t("handover.items", String(list.items.count + list.omitted))]
    for (i, item) in list.items.enumerated() {
      out.append("\(i + 1). " + HandoverText.item(item, state: state, strings: t))
    }
    if list.omitted > 0 { out.append(t("handover.omitted", String(list.omitted))) }
    out.append("")
    return out
  }

  /// The write form's preview follows the unit chosen in it.
  static func refresh(_ f: inout Form, state: CordonState, now: Instant, strings t: Strings) {
    guard f.purpose == .handover else { return }
    f.intro = preview(unit: f.value(.unit), state: state, now: now, strings: t)
  }

  /// The handover the selected unit's incoming person would confirm: its newest unconfirmed one.
  static func toConfirm(unit: String, state: CordonState) -> HandoverNote? {
    state.handovers.first { $0.unit == unit && $0.hasChecklist && !$0.isConfirmed }
  }

  static func confirmForm(_ id: String, state: CordonState, strings t: Strings) -> Form {
    let cal = state.calendar
    guard let n = state.handover(id) else {
      return Form(
        purpose: .confirmHandover(id), title: t("form.confirmHandover.title"),
        fields: [Form.Field(id: .handover, label: t("form.field.handover"), kind: .choice([]))])
    }
    let from = "\(cal.format(n.at)) \(state.personName(n.author))"
    let handover = Form.Field(
      id: .handover, label: t("form.field.handover"),
      kind: .choice([Form.Choice(value: n.id, label: "\(n.id) \(from)")]))
    var fields = [handover]
    for (i, item) in (n.items ?? []).enumerated() {
      var f = Form.Field(id: .queries, label: "\(i + 1) " + t("handover.kind.\(item.kind.rawValue)"), kind: .text)
      f.item = i + 1
      f.detail = HandoverText.item(item, state: state, strings: t)
      fields.append(f)
    }
    var form = Form(purpose: .confirmHandover(id), title: t("form.confirmHandover.title"), fields: fields)
    let text = n.text.split(separator: "\n").map(String.init)
    form.intro = [t("handover.to", from, state.incoming(n).map(state.personName).joined(separator: "、"))]
    form.intro += text.prefix(3).map { "  " + $0 }
    if let due = n.confirmationDue(state.settings) { form.intro.append(t("handover.due", cal.format(due))) }
    form.intro.append(t("form.confirmHandover.hint"))
    // The first item, not the handover's own line, takes the cursor.
    form.focus = fields.count > 1 ? 1 : 0
    return form
  }

  /// Every query field typed in becomes a query on its item; empty ones acknowledge.
  static func confirmCommand(_ f: Form, id: String) -> CordonCommand {
    let queries = f.fields.compactMap { field -> HandoverQuery? in
      guard field.id == .queries, let item = field.item else { return nil }
      let text = field.editor.text.trimmingCharacters(in: .whitespacesAndNewlines)
      return text.isEmpty ? nil : HandoverQuery(item: item, text: text)
    }
    return .confirmHandover(handover: id, queries: queries)
  }

  /// The chain of a unit's handovers for its day view, oldest first: who
  /// handed over to whom, when, confirmed (late) or not, the queried items,
  /// then each note's text and checklist. The day's handovers, the last one
  /// before the day and any older one still unconfirmed.
  static func chain(unit: String, day: Int, state: CordonState, now: Instant, strings t: Strings) -> [String] {
    let cal = state.calendar
    let all = state.handoverChain(unit: unit)
    // The one in force when the day began links the chain into it.
    let before = all.last { cal.day(of: $0.at) < day }?.at
    let notes = all.filter {
      cal.day(of: $0.at) == day || $0.at == before || ($0.hasChecklist && !$0.isConfirmed && cal.day(of: $0.at) < day)
    }
    guard !notes.isEmpty else { return [] }
    var out = ["", t("handover.chain")]
    for n in notes {
      let from = state.personName(n.author)
      guard n.hasChecklist else {
        out.append("  \(cal.format(n.at)) \(from):")
        out += n.text.split(separator: "\n").map { "    " + $0 }
        continue
      }
      let to = state.incoming(n).map(state.personName).joined(separator: "、")
      var status: String
      if let c = n.confirmation {
        status = t("handover.confirmed", cal.formatTime(c.at), state.personName(c.by))
        if n.confirmedLate(state.settings) { status += " · " + t("handover.late") }
      } else if let due = n.confirmationDue(state.settings), due <= now {
        status = "!! " + t("handover.overdue")
      } else {
        status =
          t("handover.pending") + " · " + t("handover.due", cal.formatTime(n.confirmationDue(state.settings) ?? n.at))
      }
      let count = (n.items?.count ?? 0) + n.omitted
      out.append(
        "  \(cal.format(n.at)) \(n.id)  \(t("handover.to", from, to.isEmpty ? "?" : to))  \(status)  "
          + t("audit.handoverItems", String(count)))
      for q in n.confirmation?.queries ?? [] { out.append("    ? " + t("handover.query", String(q.item), q.text)) }
      out += n.text.split(separator: "\n").map { "    " + $0 }
      for (i, item) in (n.items ?? []).enumerated() {
        let queried = n.confirmation?.queries.contains { $0.item == i + 1 } ?? false
        out.append("    \(queried ? "?" : "·") \(i + 1). " + HandoverText.item(item, state: state, strings: t))
      }
      if n.omitted > 0 { out.append("      " + t("handover.omitted", String(n.omitted))) }
    }
    return out
  }
}
