import CordonModel
import EventSourcing

/// Builds each form and turns a filled form into its command. Parsing
/// problems (not a number, not a time) are reported on the field; everything
/// else is left to the domain's validator, so a form and `cordon post` refuse
/// the same things with the same words.
enum FormCatalog {
  struct FieldError: Error {
    var field: CommandField
    var message: String
  }

  /// Codes the store refuses with that a user may override by confirming.
  static let confirmable: Set<String> = ["round.feverMismatch", "shift.shortRest", "org.moveShifts"]

  static func make(
    _ purpose: FormPurpose, state: CordonState, selection: String?, now: Instant, strings t: Strings
  ) -> Form {
    let lang = t.language
    let units = state.orderedUnits.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
    let sites = state.orderedSites.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
    let items = state.orderedItems.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
    func choice(_ id: CommandField, _ label: String, _ choices: [Form.Choice], selected: String?) -> Form.Field {
      var f = Form.Field(id: id, label: t(label), kind: .choice(choices))
      if let s = selected, let i = choices.firstIndex(where: { $0.value == s }) { f.choiceIndex = i }
      return f
    }
    func text(_ id: CommandField, _ label: String, _ initial: String = "") -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .text, initial: initial)
    }
    func number(_ id: CommandField, _ label: String, _ initial: String = "") -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .number, initial: initial)
    }
    let parts = selection?.split(separator: "/").map(String.init) ?? []
    let selectedUnit = parts.first
    let cal = state.calendar
    switch purpose {
    case .temperatureRound:
      return Form(
        purpose: purpose, title: t("form.round.title"),
        fields: [
          choice(.site, "form.field.site", sites, selected: selection), number(.checked, "form.field.checked"),
          number(.fevers, "form.field.fevers", "0"),
        ])
    case .feverCase:
      return Form(
        purpose: purpose, title: t("form.fever.title"),
        fields: [
          choice(.site, "form.field.site", sites, selected: selection), text(.person, "form.field.person"),
          number(.reading, "form.field.reading"),
        ])
    case .disinfection:
      return Form(
        purpose: purpose, title: t("form.disinfection.title"),
        fields: [
          choice(.site, "form.field.site", sites, selected: selection), text(.area, "form.field.area"),
          text(.agent, "form.field.agent", "84消毒液"), text(.by, "form.field.by"),
        ])
    case .openSite:
      return Form(purpose: purpose, title: t("form.openSite.title"), fields: [number(.staff, "form.field.staff", "2")])
    case .assignShift:
      let people = state.people.values.sorted { ($0.unit, $0.id) < ($1.unit, $1.id) }.map {
        Form.Choice(value: $0.id, label: "\($0.name) \(state.unitName($0.unit, lang))")
      }
      let roles = DutyRole.allCases.map { Form.Choice(value: $0.rawValue, label: t("role.\($0.rawValue)")) }
      let start = Instant(milliseconds: (now.milliseconds / 3_600_000 + 1) * 3_600_000)
      return Form(
        purpose: purpose, title: t("form.assignShift.title"),
        fields: [
          choice(.unit, "form.field.unit", units, selected: selectedUnit),
          choice(.role, "form.field.role", roles, selected: parts.count > 1 ? parts[1] : nil),
          choice(.person, "form.field.person", people, selected: nil),
          text(.start, "form.field.start", cal.format(start)),
          text(.end, "form.field.end", cal.format(start.adding(minutes: 8 * 60))),
        ])
    case .swapShift(let shiftID):
      let mine = state.shifts[shiftID]
      let others = state.shifts.values.filter {
        $0.counts && $0.id != shiftID && $0.unit == mine?.unit && $0.person != mine?.person && $0.end > now
      }.sorted { ($0.start, $0.id) < ($1.start, $1.id) }.map {
        Form.Choice(
          value: $0.id,
          label:
            "\(cal.format($0.start))-\(cal.formatTime($0.end)) \(t("role.\($0.role.rawValue)")) \(state.personName($0.person))"
        )
      }
      return Form(
        purpose: purpose, title: t("form.swapShift.title"),
        fields: [choice(.b, "form.field.other", others, selected: nil)])
    case .handover:
      var form = Form(
        purpose: purpose, title: t("form.handover.title"),
        fields: [
          choice(.unit, "form.field.unit", units, selected: selectedUnit),
          Form.Field(id: .text, label: t("form.field.text"), kind: .multiline),
        ])
      HandoverForms.refresh(&form, state: state, now: now, strings: t)
      return form
    case .confirmHandover(let id):
      return HandoverForms.confirmForm(id, state: state, strings: t)
    case .issueStock, .receiveStock, .countStock:
      var fields = [
        choice(.unit, "form.field.unit", units, selected: selectedUnit),
        choice(.item, "form.field.item", items, selected: parts.count > 1 ? parts[1] : nil),
        purpose == .countStock
          ? number(.counted, "form.field.counted") : number(.quantity, "form.field.quantity"),
      ]
      if purpose == .receiveStock {
        let kinds = [MovementKind.purchase, .donation, .cityAllocation].map {
          Form.Choice(value: $0.rawValue, label: t("movement.\($0.rawValue)"))
        }
        fields.append(choice(.kind, "form.field.kind", kinds, selected: nil))
      }
      if purpose == .countStock {
        let reasons = AdjustmentReason.allCases.map {
          Form.Choice(value: $0.rawValue, label: t("adjust.\($0.rawValue)"))
        }
        fields.append(choice(.reason, "form.field.reason", reasons, selected: nil))
      } else {
        fields.append(text(.reason, "form.field.reason"))
      }
      let title =
        purpose == .issueStock
        ? "form.issue.title" : purpose == .receiveStock ? "form.receive.title" : "form.count.title"
      return Form(purpose: purpose, title: t(title), fields: fields)
    case .transferStock:
      return Form(
        purpose: purpose, title: t("form.transfer.title"),
        fields: [
          choice(.from, "form.field.from", units, selected: selectedUnit),
          choice(.to, "form.field.to", units, selected: nil),
          choice(.item, "form.field.item", items, selected: parts.count > 1 ? parts[1] : nil),
          number(.quantity, "form.field.quantity"), text(.reason, "form.field.reason"),
        ])
    case .requestSupplies:
      let urgencies = ShortageRequest.Urgency.allCases.map {
        Form.Choice(value: $0.rawValue, label: t("urgency.\($0.rawValue)"))
      }
      return Form(
        purpose: purpose, title: t("action.requestSupplies"),
        fields: [
          choice(.unit, "form.field.unit", units, selected: selectedUnit),
          choice(.item, "form.field.item", items, selected: parts.count > 1 ? parts[1] : nil),
          number(.quantity, "form.field.quantity"), choice(.urgency, "form.field.urgency", urgencies, selected: nil),
          text(.reason, "form.field.reason"),
        ])
    case .healthRegister:
      let people = state.people.values.sorted { ($0.unit, $0.id) < ($1.unit, $1.id) }.map {
        Form.Choice(value: $0.id, label: "\($0.name) \(state.unitName($0.unit, lang))")
      }
      let categories = PersonCategory.allCases.map {
        Form.Choice(value: $0.rawValue, label: t("category.\($0.rawValue)"))
      }
      let yesNo = [Form.Choice(value: "no", label: t("answer.no")), Form.Choice(value: "yes", label: t("answer.yes"))]
      return Form(
        purpose: purpose, title: t("form.health.title"),
        fields: [
          choice(.person, "form.field.person", people, selected: nil),
          choice(.category, "form.field.category", categories, selected: nil),
          number(.morningCheck, "form.field.morningCheck"),
          choice(.travellerContact, "form.field.contact", yesNo, selected: nil),
          text(.remarks, "form.field.remarks"),
        ])
    case .resolveAlert:
      return Form(
        purpose: purpose, title: t("action.resolve"),
        fields: [Form.Field(id: .note, label: t("form.field.note"), kind: .multiline)])
    case .silenceAlert:
      return Form(
        purpose: purpose, title: t("action.silence"),
        fields: [number(.minutes, "form.field.minutes", "60"), text(.reason, "form.field.reason")])
    case .assignAlert:
      return Form(purpose: purpose, title: t("action.assignAlert"), fields: [text(.to, "form.field.assignee")])
    case .issueDirective:
      return Form(
        purpose: purpose, title: t("form.directive.title"),
        fields: [
          Form.Field(id: .text, label: t("form.field.text"), kind: .multiline),
          text(.targets, "form.field.targets", "all"),
          text(.deadline, "form.field.deadline", cal.format(now.adding(minutes: 120))),
          choice(.priority, "form.field.priority", DutyForms.priorityChoices(t), selected: nil),
        ])
    case .logEntry, .reportUp, .replyReport, .replyDirective, .closeFollowUp, .voidLogEntry:
      return DutyForms.make(purpose, state: state, now: now, strings: t)
    case .addUnit, .editUnit, .addSite, .editSite, .addPerson, .editPerson, .addItem, .editItem, .changeSettings:
      return OrgForms.make(purpose, state: state, strings: t)
    case .fundIncome, .fundExpense, .approveExpense, .rejectExpense, .reverseFundEntry, .donation:
      return FundForms.make(purpose, state: state, strings: t)
    case .inspection, .finding, .rectify, .verifyFinding, .team, .deploy, .recall:
      return OversightForms.make(purpose, state: state, now: now, strings: t)
    }
  }

  static func command(_ f: Form, state: CordonState, now: Instant, strings t: Strings) throws(FieldError)
    -> CordonCommand
  {
    let cal = state.calendar
    func int(_ id: CommandField) throws(FieldError) -> Int {
      guard let n = Int(f.value(id).trimmingCharacters(in: .whitespaces)) else {
        throw FieldError(field: id, message: t("form.invalidNumber"))
      }
      return n
    }
    func quantity(_ id: CommandField) throws(FieldError) -> Quantity {
      guard let q = Quantity(parsing: f.value(id)) else {
        throw FieldError(field: id, message: t("form.invalidNumber"))
      }
      return q
    }
    func time(_ id: CommandField) throws(FieldError) -> Instant {
      guard let v = cal.parse(f.value(id)) else { throw FieldError(field: id, message: t("form.invalidTime")) }
      return v
    }
    switch f.purpose {
    case .temperatureRound:
      return .recordRound(
        site: f.value(.site), checked: try int(.checked), fevers: try int(.fevers), acceptMissingCases: f.override)
    case .feverCase:
      guard let reading = Celsius(parsing: f.value(.reading)) else {
        throw FieldError(field: .reading, message: t("form.invalidReading"))
      }
      return .recordFever(site: f.value(.site), personName: f.value(.person), reading: reading)
    case .disinfection:
      return .recordDisinfection(
        site: f.value(.site), area: f.value(.area), agent: f.value(.agent), by: f.value(.by))
    case .openSite(let site):
      return .openSite(site: site, staff: try int(.staff))
    case .assignShift:
      guard let role = DutyRole(rawValue: f.value(.role)) else {
        throw FieldError(field: .role, message: t("refusal.field.required"))
      }
      return .assignShift(
        unit: f.value(.unit), site: nil, role: role, person: f.value(.person), start: try time(.start),
        end: try time(.end), confirmShortRest: f.override)
    case .swapShift(let shift):
      return .swapShifts(shift, f.value(.b))
    case .handover:
      return .writeHandover(unit: f.value(.unit), text: f.value(.text))
    case .confirmHandover(let id):
      return HandoverForms.confirmCommand(f, id: id)
    case .issueStock:
      return .issueStock(
        unit: f.value(.unit), item: f.value(.item), quantity: try quantity(.quantity), reason: f.value(.reason))
    case .receiveStock:
      return .receiveStock(
        unit: f.value(.unit), item: f.value(.item), quantity: try quantity(.quantity),
        kind: MovementKind(rawValue: f.value(.kind)) ?? .purchase, reason: f.value(.reason))
    case .countStock:
      return .countStock(
        unit: f.value(.unit), item: f.value(.item), counted: try quantity(.counted),
        reason: AdjustmentReason(rawValue: f.value(.reason)) ?? .countingError)
    case .transferStock:
      return .transferStock(
        from: f.value(.from), to: f.value(.to), item: f.value(.item), quantity: try quantity(.quantity),
        reason: f.value(.reason))
    case .requestSupplies:
      return .submitRequest(
        unit: f.value(.unit), item: f.value(.item), quantity: try quantity(.quantity),
        urgency: ShortageRequest.Urgency(rawValue: f.value(.urgency)) ?? .routine, reason: f.value(.reason))
    case .healthRegister:
      let raw = f.value(.morningCheck).trimmingCharacters(in: .whitespaces)
      var reading: Celsius? = nil
      if !raw.isEmpty {
        guard let c = Celsius(parsing: raw) else {
          throw FieldError(field: .morningCheck, message: t("form.invalidReading"))
        }
        reading = c
      }
      return .registerHealth(
        person: f.value(.person), day: state.calendar.day(of: now),
        category: PersonCategory(rawValue: f.value(.category)) ?? .other,
        morningCheck: reading, travellerContact: f.value(.travellerContact) == "yes", remarks: f.value(.remarks))
    case .resolveAlert(let key):
      return .resolveAlert(key, note: f.value(.note))
    case .silenceAlert(let key):
      return .silenceAlert(key, minutes: try int(.minutes), reason: f.value(.reason))
    case .assignAlert(let key):
      return .assignAlert(key, to: f.value(.to))
    case .issueDirective:
      let raw = f.value(.targets).split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " || $0 == "、" }).map(
        String.init)
      var targets: [String] = []
      for r in raw {
        if r == "all" || r == "全部" {
          targets += state.orderedUnits.filter { !$0.isHeadquarters }.map(\.id)
        } else if let u = state.orderedUnits.first(where: { $0.id == r || $0.name.zh == r || $0.name.en == r }) {
          targets.append(u.id)
        } else {
          throw FieldError(field: .targets, message: t("refusal.unit.unknown", r))
        }
      }
      return .issueDirective(
        text: f.value(.text), targets: targets, deadline: try time(.deadline),
        priority: DutyPriority(rawValue: f.value(.priority)) ?? .routine)
    case .logEntry, .reportUp, .replyReport, .replyDirective, .closeFollowUp, .voidLogEntry:
      guard let c = try DutyForms.command(f, state: state, strings: t) else {
        throw FieldError(field: .text, message: t("refusal.field.required"))
      }
      return c
    case .addUnit, .editUnit, .addSite, .editSite, .addPerson, .editPerson, .addItem, .editItem, .changeSettings:
      return try OrgForms.command(f, state: state, strings: t)
    case .fundIncome, .fundExpense, .approveExpense, .rejectExpense, .reverseFundEntry, .donation:
      return try FundForms.command(f, strings: t)
    case .inspection, .finding, .rectify, .verifyFinding, .team, .deploy, .recall:
      return try OversightForms.command(f, state: state, strings: t)
    }
  }

  /// What a form shows that follows its own fields (a handover's checklist,
  /// a visit's sites, a deployment's members), after every key.
  static func refresh(_ f: inout Form, state: CordonState, now: Instant, strings t: Strings) {
    HandoverForms.refresh(&f, state: state, now: now, strings: t)
    OversightForms.refresh(&f, state: state, now: now, strings: t)
  }
}
