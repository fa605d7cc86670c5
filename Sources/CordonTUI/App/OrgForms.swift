import CordonModel
import EventSourcing

/// The organisation view's forms: add and edit a unit, a site, a person, an
/// item, and the settings. Each sends one administration command; like every
/// form, only parsing (a number, a reading, a category word) is checked here
/// and everything else is the validator's, so `:org` and `cordon post`
/// refuse the same things with the same words, under the field at fault.
enum OrgForms {
  static func make(_ purpose: FormPurpose, state: CordonState, strings t: Strings) -> Form {
    let lang = t.language
    func text(_ id: CommandField, _ label: String, _ initial: String = "") -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .text, initial: initial)
    }
    func number(_ id: CommandField, _ label: String, _ initial: String) -> Form.Field {
      Form.Field(id: id, label: t(label), kind: .number, initial: initial)
    }
    func choice(_ id: CommandField, _ label: String, _ choices: [Form.Choice], selected: String?) -> Form.Field {
      var f = Form.Field(id: id, label: t(label), kind: .choice(choices))
      if let s = selected, let i = choices.firstIndex(where: { $0.value == s }) { f.choiceIndex = i }
      return f
    }
    func yesNo(_ id: CommandField, _ label: String, _ value: Bool) -> Form.Field {
      let choices = [
        Form.Choice(value: "no", label: t("answer.no")), Form.Choice(value: "yes", label: t("answer.yes")),
      ]
      return choice(id, label, choices, selected: value ? "yes" : "no")
    }
    let units = state.orderedUnits.map { Form.Choice(value: $0.id, label: "\($0.name.text(lang)) \($0.id)") }
    let kinds = SiteKind.allCases.map { Form.Choice(value: $0.rawValue, label: t("kind.\($0.rawValue)")) }
    switch purpose {
    case .addUnit, .editUnit:
      var u = OrgUnit(id: "", name: LocalizedName(zh: "", en: ""), isKey: false)
      if case .editUnit(let id) = purpose, let old = state.units[id] { u = old }
      // The first unit of an empty organisation is its headquarters.
      let first = !state.hasOrganisation
      let parents = [Form.Choice(value: "", label: t("org.noParent"))] + units.filter { $0.value != u.id }
      var fields = [
        text(.name, "form.field.name", u.name.zh), text(.nameEn, "form.field.nameEn", u.name.en),
        yesNo(.key, "form.field.isKey", u.isKey),
        yesNo(.headquarters, "form.field.headquarters", u.isHeadquarters || first),
        choice(.parent, "form.field.parent", parents, selected: u.parent ?? ""),
        yesNo(.reserve, "form.field.reserve", u.holdsReserve),
      ]
      if purpose == .addUnit { fields.insert(text(.id, "form.field.id"), at: 0) }
      let title = purpose == .addUnit ? t("form.addUnit.title") : t("form.editUnit.title", u.id)
      return Form(purpose: purpose, title: title, fields: fields)
    case .addSite(let unit):
      return Form(
        purpose: purpose, title: t("form.addSite.title"),
        fields: [
          text(.id, "form.field.id"), text(.name, "form.field.name"), text(.nameEn, "form.field.nameEn"),
          choice(.unit, "form.field.unit", units, selected: unit),
          choice(.kind, "form.field.siteKind", kinds, selected: SiteKind.compoundCheckpoint.rawValue),
          number(.roundsPerDay, "form.field.roundsPerDay", "2"),
          number(.disinfectionsPerDay, "form.field.disinfectionsPerDay", "2"),
          number(.reportIntervalMinutes, "form.field.reportInterval", "240"),
          number(.staff, "form.field.staff", "2"), number(.requiredStaff, "form.field.requiredStaff", ""),
          yesNo(.open, "form.field.openNow", true),
        ])
    case .editSite(let id):
      let s = state.sites[id]
      return Form(
        purpose: purpose, title: t("form.editSite.title", id),
        fields: [
          text(.name, "form.field.name", s?.name.zh ?? ""), text(.nameEn, "form.field.nameEn", s?.name.en ?? ""),
          choice(.unit, "form.field.unit", units, selected: s?.unit),
          choice(.kind, "form.field.siteKind", kinds, selected: s?.kind.rawValue),
          number(.roundsPerDay, "form.field.roundsPerDay", s.map { String($0.roundsPerDay) } ?? ""),
          number(
            .disinfectionsPerDay, "form.field.disinfectionsPerDay", s.map { String($0.disinfectionsPerDay) } ?? ""),
          number(.reportIntervalMinutes, "form.field.reportInterval", s.map { String($0.reportIntervalMinutes) } ?? ""),
          number(.requiredStaff, "form.field.requiredStaff", s?.requiredStaff.map(String.init) ?? ""),
        ])
    case .addPerson(let unit):
      return Form(
        purpose: purpose, title: t("form.addPerson.title"),
        fields: [
          text(.id, "form.field.personID"), text(.name, "form.field.person"), text(.phone, "form.field.phone"),
          choice(.unit, "form.field.unit", units, selected: unit), text(.categories, "form.field.categories"),
        ])
    case .editPerson(let id):
      let p = state.people[id]
      return Form(
        purpose: purpose, title: t("form.editPerson.title", p?.name ?? id, id),
        fields: [
          text(.name, "form.field.person", p?.name ?? ""), text(.phone, "form.field.phone", p?.phone ?? ""),
          choice(.unit, "form.field.unit", units, selected: p?.unit),
          text(.categories, "form.field.categories", OrgPane.categories(p?.categories ?? [], t)),
        ])
    case .addItem, .editItem:
      var i = SupplyItem(
        id: "", name: LocalizedName(zh: "", en: ""), unitOfMeasure: LocalizedName(zh: "", en: ""), wholePieces: true)
      if case .editItem(let id) = purpose, let old = state.items[id] { i = old }
      var fields = [
        text(.name, "form.field.name", i.name.zh), text(.nameEn, "form.field.nameEn", i.name.en),
        text(.measure, "form.field.measure", i.unitOfMeasure.zh),
        text(.measureEn, "form.field.measureEn", i.unitOfMeasure.en),
        yesNo(.fractions, "form.field.fractions", !i.wholePieces),
        number(.minimum, "form.field.defaultMinimum", i.defaultMinimum.description),
      ]
      if purpose == .addItem { fields.insert(text(.id, "form.field.id"), at: 0) }
      let title = purpose == .addItem ? t("form.addItem.title") : t("form.editItem.title", i.id)
      return Form(purpose: purpose, title: title, fields: fields)
    case .changeSettings:
      return Form(
        purpose: purpose, title: t("form.settings.title"),
        fields: OrgPane.settingValues(state.settings).map { field, value in
          number(field, "org.setting.\(field.rawValue)", value)
        })
    default:
      return Form(purpose: purpose, title: "", fields: [])
    }
  }

  static func command(_ f: Form, state: CordonState, strings t: Strings) throws(FormCatalog.FieldError)
    -> CordonCommand
  {
    func hadRequiredStaff(_ site: String) -> Bool { (state.sites[site]?.requiredStaff ?? 0) > 0 }
    func int(_ id: CommandField) throws(FormCatalog.FieldError) -> Int {
      guard let n = Int(f.value(id).trimmingCharacters(in: .whitespaces)) else {
        throw FormCatalog.FieldError(field: id, message: t("form.invalidNumber"))
      }
      return n
    }
    func reading(_ id: CommandField) throws(FormCatalog.FieldError) -> Celsius {
      guard let c = Celsius(parsing: f.value(id)) else {
        throw FormCatalog.FieldError(field: id, message: t("form.invalidReading"))
      }
      return c
    }
    func money(_ id: CommandField) throws(FormCatalog.FieldError) -> Money {
      do throws(Refusal) {
        return try Money.parse(f.value(id), field: id)
      } catch {
        throw FormCatalog.FieldError(field: id, message: t.refusal(error))
      }
    }
    // Empty: no required staff figure.
    func optionalInt(_ id: CommandField) throws(FormCatalog.FieldError) -> Int? {
      f.value(id).trimmingCharacters(in: .whitespaces).isEmpty ? nil : try int(id)
    }
    func name() -> LocalizedName { LocalizedName(zh: f.value(.name), en: f.value(.nameEn)) }
    func yes(_ id: CommandField) -> Bool { f.value(id) == "yes" }
    func id() -> String { f.value(.id).trimmingCharacters(in: .whitespaces) }
    func kind() -> SiteKind { SiteKind(rawValue: f.value(.kind)) ?? .other }
    switch f.purpose {
    case .addUnit:
      let parent = f.value(.parent)
      return .addUnit(
        OrgUnit(
          id: id(), name: name(), isKey: yes(.key), isHeadquarters: yes(.headquarters),
          parent: parent.isEmpty ? nil : parent, holdsReserve: yes(.reserve)))
    case .editUnit(let unit):
      return .updateUnit(
        id: unit,
        UnitChanges(
          name: f.value(.name), nameEn: f.value(.nameEn), isKey: yes(.key), isHeadquarters: yes(.headquarters),
          parent: f.value(.parent), holdsReserve: yes(.reserve)))
    case .addSite:
      return .addSite(
        SiteSpec(
          id: id(), unit: f.value(.unit), name: name(), kind: kind(), roundsPerDay: try int(.roundsPerDay),
          disinfectionsPerDay: try int(.disinfectionsPerDay), reportIntervalMinutes: try int(.reportIntervalMinutes),
          staffOnPost: try int(.staff), requiredStaff: try optionalInt(.requiredStaff)), open: yes(.open))
    case .editSite(let site):
      return .updateSite(
        id: site,
        SiteChanges(
          name: f.value(.name), nameEn: f.value(.nameEn), unit: f.value(.unit), kind: kind(),
          roundsPerDay: try int(.roundsPerDay), disinfectionsPerDay: try int(.disinfectionsPerDay),
          reportIntervalMinutes: try int(.reportIntervalMinutes),
          // Emptied, a figure the site had is taken away (0); else left as it is.
          requiredStaff: try optionalInt(.requiredStaff) ?? (hadRequiredStaff(site) ? 0 : nil)))
    case .addPerson:
      return .addPerson(
        Person(
          id: id(), name: f.value(.name), unit: f.value(.unit), phone: f.value(.phone),
          categories: try categories(f.value(.categories), t)))
    case .editPerson(let person):
      // Moving with open shifts asks first: the store refuses, the form asks, the next save confirms.
      return .updatePerson(
        id: person,
        PersonChanges(
          name: f.value(.name), phone: f.value(.phone), unit: f.value(.unit),
          categories: try categories(f.value(.categories), t)), confirm: f.override)
    case .addItem, .editItem:
      guard let minimum = Quantity(parsing: f.value(.minimum).trimmingCharacters(in: .whitespaces)) else {
        throw FormCatalog.FieldError(field: .minimum, message: t("form.invalidNumber"))
      }
      if case .editItem(let item) = f.purpose {
        return .updateItem(
          id: item,
          ItemChanges(
            name: f.value(.name), nameEn: f.value(.nameEn), measure: f.value(.measure),
            measureEn: f.value(.measureEn), wholePieces: !yes(.fractions), defaultMinimum: minimum))
      }
      return .addItem(
        SupplyItem(
          id: id(), name: name(), unitOfMeasure: LocalizedName(zh: f.value(.measure), en: f.value(.measureEn)),
          wholePieces: !yes(.fractions), defaultMinimum: minimum))
    case .changeSettings:
      return .changeSettings(
        SettingsChanges(
          feverThreshold: try reading(.feverThreshold), plausibleMin: try reading(.plausibleMin),
          plausibleMax: try reading(.plausibleMax), ackTimeoutMinutes: try int(.ackTimeoutMinutes),
          maxEscalations: try int(.maxEscalations), restHours: try int(.restHours),
          coverageLeadMinutes: try int(.coverageLeadMinutes), lowCoverDays: try int(.lowCoverDays),
          signInGraceMinutes: try int(.signInGraceMinutes), reportAckUrgentMinutes: try int(.reportAckUrgentMinutes),
          reportAckImmediateMinutes: try int(.reportAckImmediateMinutes),
          handoverConfirmMinutes: try int(.handoverConfirmMinutes),
          fundApprovalThreshold: try money(.fundApprovalThreshold)))
    default:
      throw FormCatalog.FieldError(field: .id, message: t("refusal.field.required"))
    }
  }

  /// Category words as duty rooms write them (the register's words, short
  /// forms, English names, or the labels this view shows), separated by
  /// commas, 、 or semicolons.
  static func categories(_ text: String, _ t: Strings) throws(FormCatalog.FieldError) -> [PersonCategory] {
    let words = text.split(whereSeparator: { ",，、;；".contains($0) }).map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    var out: [PersonCategory] = []
    for w in words {
      let label = PersonCategory.allCases.first { c in
        [Language.zh, .en].contains { Strings($0)("category.\(c.rawValue)").lowercased() == w.lowercased() }
      }
      guard let c = PersonCategory(word: w) ?? label else {
        throw FormCatalog.FieldError(
          field: .categories, message: t("orgfile.unknownCategory", w, PersonCategory.knownWords))
      }
      out.append(c)
    }
    return out
  }
}
