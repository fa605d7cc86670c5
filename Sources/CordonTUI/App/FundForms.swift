import CordonModel
import EventSourcing

/// The fund view's forms: income, expense, approval, rejection, reversal and
/// a donation. An amount that is not yuan to the fen is refused on its field
/// with the model's own words; everything else is the validator's to refuse.
enum FundForms {
  static func make(_ purpose: FormPurpose, state: CordonState, strings t: Strings) -> Form {
    func text(_ id: CommandField, _ label: String, _ initial: String = "") -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .text, initial: initial)
    }
    func choice(_ id: CommandField, _ label: String, _ choices: [Form.Choice], selected: String?) -> Form.Field {
      var f = Form.Field(id: id, label: t(label), kind: .choice(choices))
      if let s = selected, let i = choices.firstIndex(where: { $0.value == s }) { f.choiceIndex = i }
      return f
    }
    func entryChoice(_ e: FundEntry) -> Form.Choice {
      Form.Choice(value: e.id, label: "\(e.id) \(e.amount) \(DutyLogText.excerpt(UserText.clean(e.text), max: 24))")
    }
    // The entry chosen on screen stays chosen even when it left the list meanwhile: the store then says why.
    func including(_ id: String, _ choices: [Form.Choice]) -> [Form.Choice] {
      if choices.contains(where: { $0.value == id }) { return choices }
      return [state.fund.entries[id].map(entryChoice) ?? Form.Choice(value: id, label: id)] + choices
    }
    let lines = state.fund.orderedLines.map { l in
      Form.Choice(value: l.id, label: "\(l.name) \(l.id) (\(state.fund.totals(l.id).available))")
    }
    switch purpose {
    case .fundIncome(let line):
      return Form(
        purpose: purpose, title: t("form.fundIncome.title"),
        fields: [
          choice(.line, "form.field.fundLine", lines, selected: line), text(.amount, "form.field.amount"),
          text(.source, "form.field.source"), text(.voucher, "form.field.voucher"),
        ])
    case .fundExpense(let line):
      return Form(
        purpose: purpose, title: t("form.fundExpense.title", state.settings.fundApprovalThreshold.description),
        fields: [
          choice(.line, "form.field.fundLine", lines, selected: line), text(.amount, "form.field.amount"),
          text(.purpose, "form.field.purpose"), text(.voucher, "form.field.voucher"),
        ])
    case .approveExpense(let id), .rejectExpense(let id):
      let e = state.fund.entries[id]
      let what = e.map { "\($0.id) \($0.amount) \(DutyLogText.excerpt(UserText.clean($0.text)))" } ?? id
      let approve = purpose == .approveExpense(id)
      // The expense is chosen on screen; the field is where a refusal about it (decided meanwhile) lands.
      let waiting = including(id, state.fund.awaitingApproval.map(entryChoice))
      var form = Form(
        purpose: purpose, title: t(approve ? "form.approveExpense.title" : "form.rejectExpense.title", what),
        fields: [
          choice(.id, "form.field.fundEntry", waiting, selected: id),
          text(.note, approve ? "form.field.noteOptional" : "form.field.note"),
        ])
      form.focus = 1
      return form
    case .reverseFundEntry(let id):
      let what = state.fund.entries[id].map { "\($0.id) \($0.amount)" } ?? id
      let open = state.fund.entries(line: nil).filter { $0.reverses == nil && $0.reversedBy == nil }
      var form = Form(
        purpose: purpose, title: t("form.reverseFundEntry.title", what),
        fields: [
          choice(.id, "form.field.fundEntry", including(id, open.map(entryChoice)), selected: id),
          text(.voucher, "form.field.voucher"), text(.reason, "form.field.reason"),
        ])
      form.focus = 1
      return form
    case .donation(let campaign):
      let campaigns = state.donations.orderedCampaigns.map { Form.Choice(value: $0.id, label: "\($0.name) \($0.id)") }
      let units = state.orderedUnits.map {
        Form.Choice(value: $0.id, label: "\($0.name.text(t.language)) \($0.id)")
      }
      return Form(
        purpose: purpose, title: t("form.donation.title"),
        fields: [
          choice(.campaign, "form.field.campaign", campaigns, selected: campaign),
          choice(.unit, "form.field.unit", units, selected: nil), text(.amount, "form.field.amount"),
          text(.donor, "form.field.donor"),
        ])
    default:
      return Form(purpose: purpose, title: "", fields: [])
    }
  }

  static func command(_ f: Form, strings t: Strings) throws(FormCatalog.FieldError) -> CordonCommand {
    func money(_ id: CommandField) throws(FormCatalog.FieldError) -> Money {
      do throws(Refusal) {
        return try Money.parse(f.value(id), field: id)
      } catch {
        throw FormCatalog.FieldError(field: id, message: t.refusal(error))
      }
    }
    switch f.purpose {
    case .fundIncome:
      return .recordFundIncome(
        line: f.value(.line), amount: try money(.amount), source: f.value(.source), voucher: f.value(.voucher))
    case .fundExpense:
      return .recordFundExpense(
        line: f.value(.line), amount: try money(.amount), purpose: f.value(.purpose), voucher: f.value(.voucher))
    case .approveExpense: return .approveExpense(id: f.value(.id), note: f.value(.note))
    case .rejectExpense: return .rejectExpense(id: f.value(.id), note: f.value(.note))
    case .reverseFundEntry:
      return .reverseFundEntry(id: f.value(.id), voucher: f.value(.voucher), reason: f.value(.reason))
    case .donation:
      return .recordDonation(
        campaign: f.value(.campaign), unit: f.value(.unit), amount: try money(.amount), donor: f.value(.donor))
    default:
      throw FormCatalog.FieldError(field: .id, message: t("refusal.field.required"))
    }
  }
}
