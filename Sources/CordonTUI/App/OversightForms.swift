import CordonModel
import EventSourcing

/// The inspections and teams views' forms: a visit, a finding (with the
/// shortage request it may raise), a rectification, a verification, a team,
/// a deployment and a recall. Like every form only parsing is checked here
/// (a time, a quantity, a list); the validator decides the rest, so a form
/// and `cordon post` refuse the same things with the same words, under the
/// field at fault.
enum OversightForms {
  static func make(_ purpose: FormPurpose, state: CordonState, now: Instant, strings t: Strings) -> Form {
    let lang = t.language
    let cal = state.calendar
    func text(_ id: CommandField, _ label: String, _ initial: String = "") -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .text, initial: initial)
    }
    func choice(_ id: CommandField, _ label: String, _ choices: [Form.Choice], selected: String?) -> Form.Field {
      var f = Form.Field(id: id, label: t(label), kind: .choice(choices))
      if let s = selected, let i = choices.firstIndex(where: { $0.value == s }) { f.choiceIndex = i }
      return f
    }
    let units = state.orderedUnits.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
    func findings(_ unit: String?, _ keep: (Finding) -> Bool) -> [Form.Choice] {
      // The selected unit's first, then the others'.
      state.findings().filter(keep).sorted {
        ($0.unit != unit ? 1 : 0, $0.deadline, $0.id) < ($1.unit != unit ? 1 : 0, $1.deadline, $1.id)
      }
      .map {
        Form.Choice(
          value: $0.id,
          label: "\($0.id) \(state.unitName($0.unit, lang)) \(DutyLogText.excerpt(UserText.clean($0.text), max: 24))")
      }
    }
    let people = state.people.values.filter { $0.retiredAt == nil }.sorted { ($0.unit, $0.id) < ($1.unit, $1.id) }
    func person(_ p: Person) -> Form.Choice {
      Form.Choice(value: p.id, label: "\(p.name) \(state.unitName(p.unit, lang)) \(p.id)")
    }
    let teams = state.teams.map { Form.Choice(value: $0.id, label: "\($0.name) \($0.id)") }
    switch purpose {
    case .inspection(let unit):
      var form = Form(
        purpose: purpose, title: t("form.inspection.title"),
        fields: [
          text(.id, "form.field.id", freeID("in", taken: { state.oversight.inspections[$0] != nil })),
          choice(.unit, "form.field.unit", units, selected: unit),
          text(.sites, "form.field.sites", defaultSites(unit ?? units.first?.value ?? "", state)),
          text(.checked, "form.field.checkedItems"), text(.notes, "form.field.notes"),
        ])
      refresh(&form, state: state, now: now, strings: t)
      return form
    case .finding(let unit):
      let visits = state.inspections().sorted {
        ($0.unit != unit ? 1 : 0, -$0.at.milliseconds, $0.id) < ($1.unit != unit ? 1 : 0, -$1.at.milliseconds, $1.id)
      }.map {
        Form.Choice(value: $0.id, label: "\($0.id) \(state.unitName($0.unit, lang)) \(cal.formatMonthDayTime($0.at))")
      }
      let severities = FindingSeverity.allCases.map {
        Form.Choice(value: $0.rawValue, label: t("severity.finding.\($0.rawValue)"))
      }
      let items =
        [Form.Choice(value: "", label: t("form.noRequest"))]
        + state.orderedItems.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
      return Form(
        purpose: purpose, title: t("form.finding.title"),
        fields: [
          text(.id, "form.field.id", freeID("f", taken: { state.oversight.findings[$0] != nil })),
          choice(.unit, "form.field.unit", units, selected: unit),
          choice(.inspection, "form.field.inspection", visits, selected: nil),
          text(.text, "form.field.findingText"),
          choice(.severity, "form.field.severity", severities, selected: FindingSeverity.major.rawValue),
          text(.deadline, "form.field.rectifyBy", cal.format(now.adding(minutes: 24 * 60))),
          choice(.requestItem, "form.field.requestItem", items, selected: ""),
          text(.requestQuantity, "form.field.requestQuantity"),
        ])
    case .rectify(let unit):
      return Form(
        purpose: purpose, title: t("form.rectify.title"),
        fields: [
          choice(.finding, "form.field.finding", findings(unit) { $0.isOpen }, selected: nil),
          text(.note, "form.field.rectifyNote"),
        ])
    case .verifyFinding(let unit):
      let verdicts = [
        Form.Choice(value: "yes", label: t("form.verify.accept")),
        Form.Choice(value: "no", label: t("form.verify.reopen")),
      ]
      return Form(
        purpose: purpose, title: t("form.verifyFinding.title"),
        fields: [
          choice(.finding, "form.field.finding", findings(unit) { $0.status == .rectified }, selected: nil),
          choice(.accepted, "form.field.verdict", verdicts, selected: "yes"),
          text(.note, "form.field.verifyNote"),
        ])
    case .team(let id):
      let old = id.flatMap { state.oversight.teams[$0] }
      return Form(
        purpose: purpose, title: old.map { t("form.editTeam.title", $0.name, $0.id) } ?? t("form.team.title"),
        fields: [
          text(.id, "form.field.id", old?.id ?? freeID("team", taken: { state.oversight.teams[$0] != nil })),
          text(.name, "form.field.teamName", old?.name ?? ""),
          choice(.leader, "form.field.leader", people.map(person), selected: old?.leader),
          text(
            .members, "form.field.members",
            old.map { $0.members.filter { $0 != old?.leader }.joined(separator: ", ") } ?? ""),
        ])
    case .deploy(let team):
      let start = Instant(milliseconds: (now.milliseconds / 3_600_000 + 1) * 3_600_000)
      var form = Form(
        purpose: purpose, title: t("form.deploy.title"),
        fields: [
          choice(.team, "form.field.team", teams, selected: team),
          choice(.person, "form.field.member", [], selected: nil),
          choice(
            .site, "form.field.site",
            state.orderedSites.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") },
            selected: nil),
          text(.start, "form.field.start", cal.format(start)),
          text(.end, "form.field.end", cal.format(start.adding(minutes: 24 * 60))),
        ])
      refresh(&form, state: state, now: now, strings: t)
      return form
    case .recall(let team):
      let active = state.oversight.deployments.values.filter { $0.recalledAt == nil && $0.effectiveEnd > now }
        .sorted { ($0.team != team ? 1 : 0, $0.start, $0.id) < ($1.team != team ? 1 : 0, $1.start, $1.id) }
        .map {
          Form.Choice(
            value: $0.id,
            label:
              "\($0.id) \(state.personName($0.person)) → \(state.siteName($0.site, lang)) \(OversightText.period($0.start, $0.effectiveEnd, cal))"
          )
        }
      return Form(
        purpose: purpose, title: t("form.recall.title"),
        fields: [choice(.id, "form.field.deployment", active, selected: nil), text(.reason, "form.field.reason")])
    default:
      return Form(purpose: purpose, title: "", fields: [])
    }
  }

  /// A visit's checklist and its unit's sites follow the unit chosen; a
  /// deployment's member list follows the team chosen.
  static func refresh(_ f: inout Form, state: CordonState, now: Instant, strings t: Strings) {
    let lang = t.language
    switch f.purpose {
    case .inspection:
      let unit = f.value(.unit)
      guard let i = f.fields.firstIndex(where: { $0.id == .sites }) else { return }
      // Sites still as a unit's default follow the unit.
      let typed = f.fields[i].editor.text
      if typed != defaultSites(unit, state),
        typed.isEmpty || state.orderedUnits.contains(where: { defaultSites($0.id, state) == typed })
      {
        f.fields[i].editor = LineEditor(defaultSites(unit, state))
      }
      let sites = list(f.fields[i].editor.text).map { resolveSite($0, state) }.filter { state.sites[$0] != nil }
      f.intro = [
        t(
          "form.inspection.sites",
          OversightText.list(unitSites(unit, state).map { "\($0.id) \($0.name.text(lang))" }, lang)),
        t("form.inspection.checklist", OversightText.list(state.checklist(sites: sites), lang)), "",
      ]
    case .deploy:
      let team = state.oversight.teams[f.value(.team)]
      guard let i = f.fields.firstIndex(where: { $0.id == .person }) else { return }
      let members = (team?.members ?? []).compactMap { state.people[$0] }.map {
        Form.Choice(value: $0.id, label: "\($0.name) \(state.unitName($0.unit, lang)) \($0.id)")
      }
      if case .choice(let old) = f.fields[i].kind, old == members { return }
      f.fields[i].kind = .choice(members)
      f.fields[i].choiceIndex = 0
    default: break
    }
  }

  static func command(_ f: Form, state: CordonState, strings t: Strings) throws(FormCatalog.FieldError)
    -> CordonCommand
  {
    let cal = state.calendar
    func time(_ id: CommandField) throws(FormCatalog.FieldError) -> Instant {
      guard let v = cal.parse(f.value(id)) else {
        throw FormCatalog.FieldError(field: id, message: t("form.invalidTime"))
      }
      return v
    }
    func id() -> String { f.value(.id).trimmingCharacters(in: .whitespaces) }
    switch f.purpose {
    case .inspection:
      let checked = list(f.value(.checked))
      return .recordInspection(
        id: id(), unit: f.value(.unit), sites: list(f.value(.sites)).map { resolveSite($0, state) },
        checked: checked.isEmpty ? nil : checked, notes: f.value(.notes))
    case .finding:
      let item = f.value(.requestItem)
      let raw = f.value(.requestQuantity).trimmingCharacters(in: .whitespaces)
      var request: FindingRequest?
      switch (item.isEmpty, raw.isEmpty) {
      case (true, true): request = nil
      case (false, true):
        throw FormCatalog.FieldError(field: .requestQuantity, message: t("refusal.field.required"))
      case (true, false):
        throw FormCatalog.FieldError(field: .requestItem, message: t("refusal.field.required"))
      case (false, false):
        guard let q = Quantity(parsing: raw) else {
          throw FormCatalog.FieldError(field: .requestQuantity, message: t("form.invalidNumber"))
        }
        request = FindingRequest(item: item, quantity: q)
      }
      return .raiseFinding(
        id: id(), inspection: f.value(.inspection), unit: f.value(.unit), text: f.value(.text),
        severity: FindingSeverity(rawValue: f.value(.severity)) ?? .major, deadline: try time(.deadline),
        request: request)
    case .rectify:
      return .rectifyFinding(finding: f.value(.finding), note: f.value(.note))
    case .verifyFinding:
      return .verifyFinding(finding: f.value(.finding), accepted: f.value(.accepted) == "yes", note: f.value(.note))
    case .team:
      return .formTeam(
        id: id(), name: f.value(.name), leader: f.value(.leader),
        members: list(f.value(.members)).map { resolvePerson($0, state) })
    case .deploy:
      return .deploy(
        team: f.value(.team), person: f.value(.person), site: f.value(.site), start: try time(.start),
        end: try time(.end))
    case .recall:
      return .recallDeployment(id: f.value(.id), reason: f.value(.reason))
    default:
      throw FormCatalog.FieldError(field: .id, message: t("refusal.field.required"))
    }
  }

  /// Words separated by commas (either width), 、 or semicolons.
  static func list(_ text: String) -> [String] {
    text.split(whereSeparator: { ",，、;；".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
  }

  /// A unit's open sites, as the visit form starts with them.
  static func defaultSites(_ unit: String, _ state: CordonState) -> String {
    unitSites(unit, state).map(\.id).joined(separator: ", ")
  }

  static func unitSites(_ unit: String, _ state: CordonState) -> [Site] {
    state.orderedSites.filter { $0.unit == unit }
  }

  /// A site by its id or either of its names; anything else as typed, for the validator to name.
  static func resolveSite(_ word: String, _ state: CordonState) -> String {
    if state.sites[word] != nil { return word }
    return state.orderedSites.first { $0.name.zh == word || $0.name.en == word }?.id ?? word
  }

  /// A person by id, or by a name only one person has; anything else as typed.
  static func resolvePerson(_ word: String, _ state: CordonState) -> String {
    if state.people[word] != nil { return word }
    let named = state.people.values.filter { $0.name == word && $0.retiredAt == nil }
    return named.count == 1 ? named[0].id : word
  }

  /// The first of `prefix`1, `prefix`2, … not yet taken.
  static func freeID(_ prefix: String, taken: (String) -> Bool) -> String {
    var n = 1
    while taken("\(prefix)\(n)") && n < 1_000_000 { n += 1 }
    return "\(prefix)\(n)"
  }
}
