import EventSourcing

// Opening a city's store reads a snapshot of ~125 MB, most of it sites,
// the duty log, shifts, people, alerts and stock lines (issue 19). Through
// `Codable` every struct there costs a container object, a coding path entry
// and a walk over its bytes to find where it ends; these readers take the
// same bytes field by field, in the synthesised `Codable` order, and return
// nil for anything else (a field added or missing, another order, an unknown
// raw value), which `Codable` then reads. `StateFastDecodingTests` checks a
// state read this way against the one `Codable` reads, table by table.

extension SiteKind: BinaryFastDecodable {}
extension AlertState: BinaryFastDecodable {}
extension EscalationStep.Tier: BinaryFastDecodable {}

extension LocalizedName: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> LocalizedName? {
    guard r.keyed(), let zh = r.string("zh"), let en = r.string("en"), r.end() else { return nil }
    return LocalizedName(zh: zh, en: en)
  }
}

extension Person: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Person? {
    guard r.keyed(), let id = r.string("id"), let name = r.string("name"), let unit = r.string("unit"),
      let phone = r.string("phone"), let categories = r.field("categories", as: [PersonCategory].self),
      let retiredAt = r.optional("retiredAt", as: Instant.self), r.end()
    else { return nil }
    var p = Person(id: id, name: name, unit: unit, phone: phone, categories: categories)
    p.retiredAt = retiredAt
    return p
  }
}

extension Site: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Site? {
    guard r.keyed(), let id = r.string("id"), let unit = r.string("unit"),
      let name = r.field("name", as: LocalizedName.self), let kind = r.field("kind", as: SiteKind.self),
      let roundsPerDay = r.int("roundsPerDay"), let disinfectionsPerDay = r.int("disinfectionsPerDay"),
      let reportIntervalMinutes = r.int("reportIntervalMinutes"), let isOpen = r.field("isOpen", as: Bool.self),
      let staffOnPost = r.int("staffOnPost"), let registeredAt = r.field("registeredAt", as: Instant.self),
      let retiredAt = r.optional("retiredAt", as: Instant.self),
      let requiredStaff = r.optional("requiredStaff", as: Int.self),
      let rounds = r.field("rounds", as: NewestFirst<TemperatureRound>.self),
      let disinfections = r.field("disinfections", as: NewestFirst<Disinfection>.self),
      let lastVentilation = r.optional("lastVentilation", as: Instant.self), r.end()
    else { return nil }
    return Site(
      id: id, unit: unit, name: name, kind: kind, roundsPerDay: roundsPerDay, disinfectionsPerDay: disinfectionsPerDay,
      reportIntervalMinutes: reportIntervalMinutes, isOpen: isOpen, staffOnPost: staffOnPost,
      registeredAt: registeredAt, retiredAt: retiredAt, requiredStaff: requiredStaff, rounds: rounds,
      disinfections: disinfections, lastVentilation: lastVentilation)
  }
}

extension EscalationStep.Skip: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> EscalationStep.Skip? {
    guard r.keyed(), let tier = r.field("tier", as: EscalationStep.Tier.self), let unit = r.string("unit"), r.end()
    else { return nil }
    return EscalationStep.Skip(tier: tier, unit: unit)
  }
}

extension EscalationStep: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> EscalationStep? {
    guard r.keyed(), let tier = r.field("tier", as: Tier.self), let unit = r.string("unit"),
      let person = r.optional("person", as: String.self), let name = r.optional("name", as: String.self),
      let phone = r.optional("phone", as: String.self), let shift = r.optional("shift", as: String.self),
      let skipped = r.field("skipped", as: [Skip].self), r.end()
    else { return nil }
    return EscalationStep(
      tier: tier, unit: unit, person: person, name: name, phone: phone, shift: shift, skipped: skipped)
  }
}

extension AlertAction: BinaryFastDecodable {
  /// One key, the case name, holding the case's values by label (`_0` unlabelled).
  public static func read(_ r: inout BinaryFieldReader) -> AlertAction? {
    guard r.keyed(), let name = r.caseName(), r.keyed() else { return nil }
    let action: AlertAction
    switch name {
    case "raised": action = .raised
    case "repeated": action = .repeated
    case "reopened": action = .reopened
    case "acknowledged": action = .acknowledged
    case "autoResolved": action = .autoResolved
    case "assigned":
      guard let to = r.string("to") else { return nil }
      action = .assigned(to: to)
    case "escalated":
      guard let level = r.int("level"), let step = r.optional("step", as: EscalationStep.self) else { return nil }
      action = .escalated(level: level, step: step)
    case "silenced":
      guard let until = r.field("until", as: Instant.self), let reason = r.string("reason") else { return nil }
      action = .silenced(until: until, reason: reason)
    case "resolved":
      guard let note = r.string("note") else { return nil }
      action = .resolved(note: note)
    case "severityChanged":
      guard let severity = r.field("_0", as: Severity.self) else { return nil }
      action = .severityChanged(severity)
    default: return nil
    }
    // The case's container, then the enum's: one key only, as `Codable` requires.
    return r.end() && r.end() ? action : nil
  }
}

extension AlertHistoryEntry: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> AlertHistoryEntry? {
    guard r.keyed(), let at = r.field("at", as: Instant.self), let actor = r.string("actor"),
      let action = r.field("action", as: AlertAction.self), r.end()
    else { return nil }
    return AlertHistoryEntry(at: at, actor: actor, action: action)
  }
}

extension Alert: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Alert? {
    guard r.keyed(), let number = r.int("number"), let key = r.field("key", as: AlertKey.self),
      let severity = r.field("severity", as: Severity.self), let unit = r.string("unit"),
      let site = r.optional("site", as: String.self), let args = r.field("args", as: [String].self),
      let firstSeen = r.field("firstSeen", as: Instant.self), let lastSeen = r.field("lastSeen", as: Instant.self),
      let occurrence = r.field("occurrence", as: Instant.self), let count = r.int("count"),
      let state = r.field("state", as: AlertState.self),
      let acknowledgedBy = r.optional("acknowledgedBy", as: String.self),
      let assignee = r.optional("assignee", as: String.self), let escalationLevel = r.int("escalationLevel"),
      let lastEscalation = r.optional("lastEscalation", as: Instant.self),
      let escalation = r.optional("escalation", as: EscalationStep.self),
      let silencedUntil = r.optional("silencedUntil", as: Instant.self),
      let silenceReason = r.optional("silenceReason", as: String.self),
      let resolvedAt = r.optional("resolvedAt", as: Instant.self),
      let autoResolves = r.field("autoResolves", as: Bool.self),
      let history = r.field("history", as: [AlertHistoryEntry].self), r.end()
    else { return nil }
    return Alert(
      number: number, key: key, severity: severity, unit: unit, site: site, args: args, firstSeen: firstSeen,
      lastSeen: lastSeen, occurrence: occurrence, count: count, state: state, acknowledgedBy: acknowledgedBy,
      assignee: assignee, escalationLevel: escalationLevel, lastEscalation: lastEscalation, escalation: escalation,
      silencedUntil: silencedUntil, silenceReason: silenceReason, resolvedAt: resolvedAt,
      autoResolves: autoResolves, history: history)
  }
}

extension AlertKey: BinaryFastDictionaryKey {}

extension StockKey: BinaryFastDecodable, BinaryFastDictionaryKey {
  public static func read(_ r: inout BinaryFieldReader) -> StockKey? {
    guard r.keyed(), let unit = r.string("unit"), let item = r.string("item"), r.end() else { return nil }
    return StockKey(unit: unit, item: item)
  }
}

extension LedgerEntry: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> LedgerEntry? {
    guard r.keyed(), let at = r.field("at", as: Instant.self), let kind = r.field("kind", as: MovementKind.self),
      let delta = r.field("delta", as: Quantity.self), let balance = r.field("balance", as: Quantity.self),
      let counterparty = r.optional("counterparty", as: String.self), let reason = r.string("reason"),
      let by = r.string("by"), r.end()
    else { return nil }
    return LedgerEntry(
      at: at, kind: kind, delta: delta, balance: balance, counterparty: counterparty, reason: reason, by: by)
  }
}

extension StockLine: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> StockLine? {
    guard r.keyed(), let unit = r.string("unit"), let item = r.string("item"),
      let balance = r.field("balance", as: Quantity.self), let minimum = r.field("minimum", as: Quantity.self),
      let issuedByDay = r.field("issuedByDay", as: [Int: Quantity].self),
      let closingByDay = r.field("closingByDay", as: [Int: Quantity].self),
      let ledger = r.field("ledger", as: NewestFirst<LedgerEntry>.self),
      let belowMinimumSince = r.optional("belowMinimumSince", as: Instant.self), r.end()
    else { return nil }
    var line = StockLine(unit: unit, item: item)
    line.balance = balance
    line.minimum = minimum
    line.issuedByDay = issuedByDay
    line.closingByDay = closingByDay
    line.ledger = ledger
    line.belowMinimumSince = belowMinimumSince
    return line
  }
}
