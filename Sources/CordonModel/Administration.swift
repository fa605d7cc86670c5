import EventSourcing

/// What an update changes: nil leaves a field as it is, so a JSON line names
/// only what it changes and a form sends every field.
public struct UnitChanges: Sendable, Equatable {
  public var name: String?
  public var nameEn: String?
  public var isKey: Bool?
  public var isHeadquarters: Bool?
  /// "" removes the parent.
  public var parent: String?
  public var holdsReserve: Bool?
  public init(
    name: String? = nil, nameEn: String? = nil, isKey: Bool? = nil, isHeadquarters: Bool? = nil, parent: String? = nil,
    holdsReserve: Bool? = nil
  ) {
    self.name = name
    self.nameEn = nameEn
    self.isKey = isKey
    self.isHeadquarters = isHeadquarters
    self.parent = parent
    self.holdsReserve = holdsReserve
  }
}

public struct SiteChanges: Sendable, Equatable {
  public var name: String?
  public var nameEn: String?
  public var unit: String?
  public var kind: SiteKind?
  public var roundsPerDay: Int?
  public var disinfectionsPerDay: Int?
  public var reportIntervalMinutes: Int?
  /// 0 takes the figure away.
  public var requiredStaff: Int?
  public init(
    name: String? = nil, nameEn: String? = nil, unit: String? = nil, kind: SiteKind? = nil, roundsPerDay: Int? = nil,
    disinfectionsPerDay: Int? = nil, reportIntervalMinutes: Int? = nil, requiredStaff: Int? = nil
  ) {
    self.name = name
    self.nameEn = nameEn
    self.unit = unit
    self.kind = kind
    self.roundsPerDay = roundsPerDay
    self.disinfectionsPerDay = disinfectionsPerDay
    self.reportIntervalMinutes = reportIntervalMinutes
    self.requiredStaff = requiredStaff
  }
}

public struct ItemChanges: Sendable, Equatable {
  public var name: String?
  public var nameEn: String?
  public var measure: String?
  public var measureEn: String?
  public var wholePieces: Bool?
  public var defaultMinimum: Quantity?
  public init(
    name: String? = nil, nameEn: String? = nil, measure: String? = nil, measureEn: String? = nil,
    wholePieces: Bool? = nil, defaultMinimum: Quantity? = nil
  ) {
    self.name = name
    self.nameEn = nameEn
    self.measure = measure
    self.measureEn = measureEn
    self.wholePieces = wholePieces
    self.defaultMinimum = defaultMinimum
  }
}

public struct PersonChanges: Sendable, Equatable {
  public var name: String?
  public var phone: String?
  public var unit: String?
  public var categories: [PersonCategory]?
  public init(name: String? = nil, phone: String? = nil, unit: String? = nil, categories: [PersonCategory]? = nil) {
    self.name = name
    self.phone = phone
    self.unit = unit
    self.categories = categories
  }
}

public struct SettingsChanges: Sendable, Equatable {
  public var feverThreshold: Celsius?
  public var plausibleMin: Celsius?
  public var plausibleMax: Celsius?
  public var ackTimeoutMinutes: Int?
  public var maxEscalations: Int?
  public var restHours: Int?
  public var coverageLeadMinutes: Int?
  public var lowCoverDays: Int?
  public var signInGraceMinutes: Int?
  public var reportAckUrgentMinutes: Int?
  public var reportAckImmediateMinutes: Int?
  public var handoverConfirmMinutes: Int?
  public var fundApprovalThreshold: Money?
  public init(
    feverThreshold: Celsius? = nil, plausibleMin: Celsius? = nil, plausibleMax: Celsius? = nil,
    ackTimeoutMinutes: Int? = nil, maxEscalations: Int? = nil, restHours: Int? = nil, coverageLeadMinutes: Int? = nil,
    lowCoverDays: Int? = nil, signInGraceMinutes: Int? = nil, reportAckUrgentMinutes: Int? = nil,
    reportAckImmediateMinutes: Int? = nil, handoverConfirmMinutes: Int? = nil, fundApprovalThreshold: Money? = nil
  ) {
    self.fundApprovalThreshold = fundApprovalThreshold
    self.handoverConfirmMinutes = handoverConfirmMinutes
    self.reportAckUrgentMinutes = reportAckUrgentMinutes
    self.reportAckImmediateMinutes = reportAckImmediateMinutes
    self.feverThreshold = feverThreshold
    self.plausibleMin = plausibleMin
    self.plausibleMax = plausibleMax
    self.ackTimeoutMinutes = ackTimeoutMinutes
    self.maxEscalations = maxEscalations
    self.restHours = restHours
    self.coverageLeadMinutes = coverageLeadMinutes
    self.lowCoverDays = lowCoverDays
    self.signInGraceMinutes = signInGraceMinutes
  }

  /// Every setting as it stands: what an export writes and a form starts from.
  public init(_ s: Settings) {
    self.init(
      feverThreshold: s.feverThreshold, plausibleMin: s.plausibleReadings.lowerBound,
      plausibleMax: s.plausibleReadings.upperBound, ackTimeoutMinutes: s.ackTimeoutMinutes,
      maxEscalations: s.maxEscalations, restHours: s.minimumRestHours,
      coverageLeadMinutes: s.coverageLookaheadMinutes, lowCoverDays: Int(s.coverWarningDays),
      signInGraceMinutes: s.signInGraceMinutes, reportAckUrgentMinutes: s.reportAckUrgentMinutes,
      reportAckImmediateMinutes: s.reportAckImmediateMinutes, handoverConfirmMinutes: s.handoverConfirmMinutes,
      fundApprovalThreshold: s.fundApprovalThreshold)
  }
}

extension CordonState {
  /// Shifts still to run or running at `now`, in id order: what a move or a
  /// retirement would cancel (the validator and the console's questions share it).
  public func openShifts(at now: Instant, _ match: (Shift) -> Bool) -> [Shift] {
    shifts.values.filter { $0.counts && $0.end > now && match($0) }.sorted { $0.id < $1.id }
  }
}

extension CommandValidator {
  /// Administration commands: each change of the organisation, checked field by field.
  func administration(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .addUnit(var u):
      try newID(u.id, taken: state.units[u.id] != nil, code: "unit.exists")
      u.name = try names(zh: u.name.zh, en: u.name.en)
      u.retiredAt = nil
      u.isDemo = false
      if let p = u.parent, !p.isEmpty {
        try liveUnit(p, field: .parent)
      } else {
        u.parent = nil
      }
      if u.isHeadquarters, let hq = state.headquarters {
        throw Refusal("org.headquartersTaken", [state.unitName(hq, .zh)], field: .headquarters)
      }
      var out: [CordonEvent] = []
      if u.holdsReserve { out += reserveMoves(to: u.id) }
      return [.unitRegistered(u)] + out

    case .updateUnit(let id, let c):
      var u = try liveUnit(id, field: .id)
      u.name = try names(zh: c.name ?? u.name.zh, en: c.nameEn ?? u.name.en)
      if let k = c.isKey { u.isKey = k }
      if let p = c.parent {
        if p.isEmpty {
          u.parent = nil
        } else {
          guard p != id else { throw Refusal("org.parentSelf", field: .parent) }
          try liveUnit(p, field: .parent)
          u.parent = p
        }
      }
      var out: [CordonEvent] = []
      if let hq = c.isHeadquarters, hq != u.isHeadquarters {
        // Headquarters moves, never vanishes: the old one is demoted in the same batch.
        guard hq else { throw Refusal("org.needsHeadquarters", field: .headquarters) }
        if let old = state.headquarters, var o = state.units[old] {
          o.isHeadquarters = false
          out.append(.unitUpdated(o))
        }
        u.isHeadquarters = true
      }
      if let r = c.holdsReserve, r != u.holdsReserve {
        if r { out += reserveMoves(to: id) }
        u.holdsReserve = r
      }
      return out + [.unitUpdated(u)]

    case .retireUnit(let id):
      let u = try liveUnit(id, field: .id)
      guard !u.isHeadquarters else { throw Refusal("org.retireHeadquarters", [u.name.zh], field: .id) }
      var left: [String] = []
      let open = openShifts { $0.unit == id }
      if !open.isEmpty { left.append(leftText("shifts", open.count)) }
      let sites = state.orderedSites.filter { $0.unit == id }
      if !sites.isEmpty { left.append(leftText("sites", sites.count)) }
      let people = state.people.values.filter { $0.unit == id && $0.retiredAt == nil }
      if !people.isEmpty { left.append(leftText("people", people.count)) }
      let stock = state.stock.values.filter { $0.unit == id && $0.balance.milli != 0 }
      if !stock.isEmpty { left.append(leftText("stock", stock.count)) }
      let alerts = state.alerts.values.filter { $0.unit == id && $0.isActive }
      if !alerts.isEmpty { left.append(leftText("alerts", alerts.count)) }
      let requests = state.requests.values.filter { $0.unit == id && $0.isOpen }
      if !requests.isEmpty { left.append(leftText("requests", requests.count)) }
      let children = state.orderedUnits.filter { $0.parent == id }
      if !children.isEmpty { left.append(leftText("units", children.count)) }
      guard left.isEmpty else {
        throw Refusal("org.retireLeft", [u.name.zh, left.joined(separator: ";")], field: .id)
      }
      return [.unitRetired(id: id)]

    case .addSite(var s, let open):
      try newID(s.id, taken: state.sites[s.id] != nil, code: "site.exists")
      s.name = try names(zh: s.name.zh, en: s.name.en)
      try liveUnit(s.unit, field: .unit)
      try checkSiteNumbers(
        rounds: s.roundsPerDay, disinfections: s.disinfectionsPerDay, interval: s.reportIntervalMinutes)
      guard Limits.staff.contains(s.staffOnPost) else { throw bound(.staff, s.staffOnPost, Limits.staff) }
      if let r = s.requiredStaff, !Limits.staff.contains(r) { throw bound(.requiredStaff, r, Limits.staff) }
      return open ? [.siteRegistered(s)] : [.siteRegistered(s), .siteClosed(site: s.id)]

    case .updateSite(let id, let c):
      let site = try liveSite(id)
      var s = SiteSpec(
        id: id, unit: c.unit ?? site.unit, name: site.name, kind: c.kind ?? site.kind,
        roundsPerDay: c.roundsPerDay ?? site.roundsPerDay,
        disinfectionsPerDay: c.disinfectionsPerDay ?? site.disinfectionsPerDay,
        reportIntervalMinutes: c.reportIntervalMinutes ?? site.reportIntervalMinutes, staffOnPost: site.staffOnPost,
        requiredStaff: c.requiredStaff ?? site.requiredStaff)
      if let r = c.requiredStaff, !Limits.staff.contains(r) { throw bound(.requiredStaff, r, Limits.staff) }
      s.name = try names(zh: c.name ?? site.name.zh, en: c.nameEn ?? site.name.en)
      if s.unit != site.unit {
        try liveUnit(s.unit, field: .unit)
        let open = openShifts { $0.site == id }
        guard open.isEmpty else {
          throw Refusal("org.siteMoveShifts", [site.name.zh, String(open.count)], field: .unit)
        }
      }
      try checkSiteNumbers(
        rounds: s.roundsPerDay, disinfections: s.disinfectionsPerDay, interval: s.reportIntervalMinutes)
      return [.siteUpdated(s)]

    case .retireSite(let id):
      let site = try liveSite(id)
      var left: [String] = []
      let open = openShifts { $0.site == id }
      if !open.isEmpty { left.append(leftText("shifts", open.count)) }
      let alerts = state.alerts.values.filter { $0.site == id && $0.isActive }
      if !alerts.isEmpty { left.append(leftText("alerts", alerts.count)) }
      guard left.isEmpty else {
        throw Refusal("org.retireLeft", [site.name.zh, left.joined(separator: ";")], field: .id)
      }
      return [.siteRetired(id: id)]

    case .addItem(var i):
      try newID(i.id, taken: state.items[i.id] != nil, code: "item.exists")
      i.name = try names(zh: i.name.zh, en: i.name.en)
      i.unitOfMeasure = try measure(zh: i.unitOfMeasure.zh, en: i.unitOfMeasure.en)
      i.retiredAt = nil
      try checkMinimum(i.defaultMinimum, whole: i.wholePieces, id: i.id)
      return [.itemRegistered(i)]

    case .updateItem(let id, let c):
      guard var i = state.items[id], !i.isRetired else { throw Refusal("item.unknown", [id], field: .id) }
      i.name = try names(zh: c.name ?? i.name.zh, en: c.nameEn ?? i.name.en)
      i.unitOfMeasure = try measure(zh: c.measure ?? i.unitOfMeasure.zh, en: c.measureEn ?? i.unitOfMeasure.en)
      if let w = c.wholePieces, w != i.wholePieces {
        // Pieces again only when no unit holds a fraction of one.
        if w, let line = state.stock.values.first(where: { $0.item == id && !$0.balance.isWhole }) {
          throw Refusal(
            "org.itemFractionHeld", [state.unitName(line.unit, .zh), line.balance.description], field: .fractions)
        }
        i.wholePieces = w
      }
      if let m = c.defaultMinimum { i.defaultMinimum = m }
      try checkMinimum(i.defaultMinimum, whole: i.wholePieces, id: id)
      return [.itemUpdated(i)]

    case .retireItem(let id):
      guard let i = state.items[id], !i.isRetired else { throw Refusal("item.unknown", [id], field: .id) }
      var left: [String] = []
      let held = state.stock.values.filter { $0.item == id && $0.balance.milli != 0 }
      if !held.isEmpty { left.append(leftText("stock", held.count)) }
      let requests = state.requests.values.filter { $0.item == id && $0.isOpen }
      if !requests.isEmpty { left.append(leftText("requests", requests.count)) }
      guard left.isEmpty else {
        throw Refusal("org.retireLeft", [i.name.zh, left.joined(separator: ";")], field: .id)
      }
      return [.itemRetired(id: id)]

    case .addPerson(var p):
      p.name = try personName(p.name)
      try liveUnit(p.unit, field: .unit)
      p.phone = try phone(p.phone)
      p.retiredAt = nil
      if p.id.isEmpty {
        var n = state.people.count + 1
        while state.people["p-\(p.unit)-\(n)"] != nil { n += 1 }
        p.id = "p-\(p.unit)-\(n)"
      } else {
        try newID(p.id, taken: state.people[p.id] != nil, code: "person.exists")
      }
      var seen = Set<PersonCategory>()
      p.categories = p.categories.filter { seen.insert($0).inserted }
      return [.personRegistered(p)]

    case .updatePerson(let id, let c, let confirm):
      guard var p = state.people[id], p.retiredAt == nil else {
        throw Refusal("person.unknown", [id], field: .id)
      }
      if let n = c.name { p.name = try personName(n) }
      if let ph = c.phone { p.phone = try phone(ph) }
      if let cats = c.categories {
        var seen = Set<PersonCategory>()
        p.categories = cats.filter { seen.insert($0).inserted }
      }
      var out: [CordonEvent] = []
      if let unit = c.unit, unit != p.unit {
        try liveUnit(unit, field: .unit)
        let open = openShifts { $0.person == id && $0.unit == p.unit }
        if !open.isEmpty {
          guard confirm else {
            throw Refusal(
              "org.moveShifts", [p.name, String(open.count), state.unitName(p.unit, .zh)], field: .confirm)
          }
          let reason = "moved to \(unit)"
          out += open.map { .shiftCancelled(shift: $0.id, reason: reason) }
        }
        p.unit = unit
      }
      return out + [.personUpdated(p)]

    case .retirePerson(let id, let confirm):
      guard let p = state.people[id], p.retiredAt == nil else { throw Refusal("person.unknown", [id], field: .id) }
      let open = openShifts { $0.person == id }
      guard open.isEmpty || confirm else {
        throw Refusal("org.retireShifts", [p.name, String(open.count)], field: .confirm)
      }
      return open.map { .shiftCancelled(shift: $0.id, reason: "left the group") } + [.personRetired(id: id)]

    case .changeSettings(let c):
      var s = state.settings
      let low = c.plausibleMin ?? s.plausibleReadings.lowerBound
      let high = c.plausibleMax ?? s.plausibleReadings.upperBound
      guard Limits.plausibleReadings.contains(low) else { throw bound(.plausibleMin, low, Limits.plausibleReadings) }
      guard Limits.plausibleReadings.contains(high) else { throw bound(.plausibleMax, high, Limits.plausibleReadings) }
      guard low < high else {
        throw Refusal("settings.rangeOrder", [low.description, high.description], field: .plausibleMax)
      }
      s.plausibleReadings = low...high
      let threshold = c.feverThreshold ?? s.feverThreshold
      guard Limits.feverThreshold.contains(threshold) else {
        throw bound(.feverThreshold, threshold, Limits.feverThreshold)
      }
      guard s.plausibleReadings.contains(threshold) else {
        throw Refusal(
          "settings.thresholdOutsideRange", [threshold.description, low.description, high.description],
          field: .feverThreshold)
      }
      s.feverThreshold = threshold
      s.ackTimeoutMinutes = try within(
        c.ackTimeoutMinutes, s.ackTimeoutMinutes, Limits.ackTimeoutMinutes, .ackTimeoutMinutes)
      s.maxEscalations = try within(c.maxEscalations, s.maxEscalations, Limits.maxEscalations, .maxEscalations)
      s.minimumRestHours = try within(c.restHours, s.minimumRestHours, Limits.restHours, .restHours)
      s.coverageLookaheadMinutes = try within(
        c.coverageLeadMinutes, s.coverageLookaheadMinutes, Limits.coverageLeadMinutes, .coverageLeadMinutes)
      s.coverWarningDays = Double(
        try within(c.lowCoverDays, Int(s.coverWarningDays), Limits.lowCoverDays, .lowCoverDays))
      s.signInGraceMinutes = try within(
        c.signInGraceMinutes, s.signInGraceMinutes, Limits.signInGraceMinutes, .signInGraceMinutes)
      s.reportAckUrgentMinutes = try within(
        c.reportAckUrgentMinutes, s.reportAckUrgentMinutes, Limits.reportAckMinutes, .reportAckUrgentMinutes)
      s.reportAckImmediateMinutes = try within(
        c.reportAckImmediateMinutes, s.reportAckImmediateMinutes, Limits.reportAckMinutes,
        .reportAckImmediateMinutes)
      s.handoverConfirmMinutes = try within(
        c.handoverConfirmMinutes, s.handoverConfirmMinutes, Limits.handoverConfirmMinutes, .handoverConfirmMinutes)
      if let m = c.fundApprovalThreshold {
        try checkAmount(m, .fundApprovalThreshold, allowZero: true)
        s.fundApprovalThreshold = m
      }
      return s == state.settings ? [] : [.settingsChanged(s)]

    default:
      return []
    }
  }

  // MARK: Checks of the organisation's fields

  private func newID(_ id: String, taken: Bool, code: String) throws(Refusal) {
    guard Self.isIdentifier(id) else { throw Refusal("org.badID", [id], field: .id) }
    // Ids are never reused, retired or not: the history names them.
    guard !taken else { throw Refusal(code, [id], field: .id) }
  }

  @discardableResult
  private func liveUnit(_ id: String, field: CommandField) throws(Refusal) -> OrgUnit {
    guard let u = state.units[id] else { throw Refusal("unit.unknown", [id], field: field) }
    guard !u.isRetired else { throw Refusal("org.unitRetired", [u.name.zh], field: field) }
    return u
  }

  private func liveSite(_ id: String) throws(Refusal) -> Site {
    guard let s = state.sites[id], s.retiredAt == nil else { throw Refusal("site.unknown", [id], field: .id) }
    return s
  }

  private func names(zh: String, en: String) throws(Refusal) -> LocalizedName {
    let z = UserText.clean(zh)
    let e = UserText.clean(en)
    guard !z.isEmpty else { throw Refusal("field.required", field: .name) }
    try Limits.check(z, max: Limits.name, field: .name)
    try Limits.check(e, max: Limits.name, field: .nameEn)
    return LocalizedName(zh: z, en: e)
  }

  private func measure(zh: String, en: String) throws(Refusal) -> LocalizedName {
    let z = UserText.clean(zh)
    let e = UserText.clean(en)
    guard !z.isEmpty else { throw Refusal("field.required", field: .measure) }
    try Limits.check(z, max: Limits.measure, field: .measure)
    try Limits.check(e, max: Limits.measure, field: .measureEn)
    return LocalizedName(zh: z, en: e)
  }

  private func personName(_ name: String) throws(Refusal) -> String {
    let n = UserText.clean(name)
    guard !n.isEmpty else { throw Refusal("field.required", field: .name) }
    try Limits.check(n, max: Limits.name, field: .name)
    return n
  }

  private func phone(_ text: String) throws(Refusal) -> String {
    let p = UserText.clean(text)
    guard p.count <= 32,
      p.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || "+-() ".unicodeScalars.contains($0) })
    else { throw Refusal("org.badPhone", [p], field: .phone) }
    return p
  }

  private func checkSiteNumbers(rounds: Int, disinfections: Int, interval: Int) throws(Refusal) {
    guard Limits.perDay.contains(rounds) else { throw bound(.roundsPerDay, rounds, Limits.perDay) }
    guard Limits.perDay.contains(disinfections) else {
      throw bound(.disinfectionsPerDay, disinfections, Limits.perDay)
    }
    guard Limits.reportIntervalMinutes.contains(interval) else {
      throw bound(.reportIntervalMinutes, interval, Limits.reportIntervalMinutes)
    }
  }

  private func checkMinimum(_ m: Quantity, whole: Bool, id: String) throws(Refusal) {
    guard m.milli >= 0 else { throw Refusal("quantity.negative", field: .minimum) }
    guard m <= Limits.quantity else {
      throw Refusal(
        "field.outOfRange", ["minimum", m.description, "0", Limits.quantity.description], field: .minimum)
    }
    guard !whole || m.isWhole else { throw Refusal("quantity.fraction", [id], field: .minimum) }
  }

  private func within(_ value: Int?, _ current: Int, _ range: ClosedRange<Int>, _ field: CommandField) throws(Refusal)
    -> Int
  {
    let v = value ?? current
    guard range.contains(v) else { throw bound(field, v, range) }
    return v
  }

  private func bound<T: CustomStringConvertible>(_ field: CommandField, _ value: T, _ range: ClosedRange<T>) -> Refusal
  {
    Refusal(
      "field.outOfRange",
      [field.rawValue, value.description, range.lowerBound.description, range.upperBound.description],
      field: field)
  }

  /// Shifts that are still to run or running now, in id order.
  private func openShifts(_ match: (Shift) -> Bool) -> [Shift] { state.openShifts(at: context.now, match) }

  /// "3 open shifts" kept as a string-table key and a count, `left.shifts=3`,
  /// so the refusal reads in either language (`Strings.refusal` words it).
  private func leftText(_ what: String, _ n: Int) -> String { "left.\(what)=\(n)" }

  /// Marking a unit as the reserve holder takes the mark from whoever held it.
  private func reserveMoves(to id: String) -> [CordonEvent] {
    state.orderedUnits.filter { $0.holdsReserve && $0.id != id }.map {
      var o = $0
      o.holdsReserve = false
      return .unitUpdated(o)
    }
  }
}
