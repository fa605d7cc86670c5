import EventSourcing

// The writing half of `StateFastDecoding.swift`: the state's biggest tables'
// values written without `Codable` (BinaryFastEncoding.swift), byte for
// byte what the generic encoder writes, fields in the synthesised order.
// A snapshot and a console's welcome encode the whole state: at city size
// that was seconds through `Codable`'s tree of boxes (`cordon-bench
// welcome`). `StateFastEncodingTests` checks a state written this way
// against the one `Codable` writes.

extension SiteKind: BinaryFastEncodable {}
extension AlertState: BinaryFastEncodable {}
extension EscalationStep.Tier: BinaryFastEncodable {}

extension NewestFirst: BinaryFastEncodable where Element: BinaryFastEncodable {
  /// As the newest-first array, as its `Encodable` writes it.
  public func write(_ w: inout BinaryFieldWriter) { Array(self).write(&w) }
}

extension Person: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("id", id)
    w.field("name", name)
    w.field("unit", unit)
    w.field("phone", phone)
    w.field("categories", categories)
    w.optional("retiredAt", retiredAt)
    w.end()
  }
}

extension Site: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("id", id)
    w.field("unit", unit)
    w.field("name", name)
    w.field("kind", kind)
    w.field("roundsPerDay", roundsPerDay)
    w.field("disinfectionsPerDay", disinfectionsPerDay)
    w.field("reportIntervalMinutes", reportIntervalMinutes)
    w.field("isOpen", isOpen)
    w.field("staffOnPost", staffOnPost)
    w.field("registeredAt", registeredAt)
    w.optional("retiredAt", retiredAt)
    w.optional("requiredStaff", requiredStaff)
    w.field("rounds", rounds)
    w.field("disinfections", disinfections)
    w.optional("lastVentilation", lastVentilation)
    w.end()
  }
}

extension EscalationStep.Skip: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("tier", tier)
    w.field("unit", unit)
    w.end()
  }
}

extension EscalationStep: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("tier", tier)
    w.field("unit", unit)
    w.optional("person", person)
    w.optional("name", name)
    w.optional("phone", phone)
    w.optional("shift", shift)
    w.field("skipped", skipped)
    w.end()
  }
}

extension AlertAction: BinaryFastEncodable {
  /// One key, the case name, holding the case's values by label (`_0` unlabelled).
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    switch self {
    case .raised: w.keyed("raised")
    case .repeated: w.keyed("repeated")
    case .reopened: w.keyed("reopened")
    case .acknowledged: w.keyed("acknowledged")
    case .autoResolved: w.keyed("autoResolved")
    case .assigned(let to):
      w.keyed("assigned")
      w.field("to", to)
    case .escalated(let level, let step):
      w.keyed("escalated")
      w.field("level", level)
      w.optional("step", step)
    case .silenced(let until, let reason):
      w.keyed("silenced")
      w.field("until", until)
      w.field("reason", reason)
    case .resolved(let note):
      w.keyed("resolved")
      w.field("note", note)
    case .severityChanged(let severity):
      w.keyed("severityChanged")
      w.field("_0", severity)
    }
    // The case's container, then the enum's.
    w.end()
    w.end()
  }
}

extension AlertHistoryEntry: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("at", at)
    w.field("actor", actor)
    w.field("action", action)
    w.end()
  }
}

extension Alert: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("number", number)
    w.field("key", key)
    w.field("severity", severity)
    w.field("unit", unit)
    w.optional("site", site)
    w.field("args", args)
    w.field("firstSeen", firstSeen)
    w.field("lastSeen", lastSeen)
    w.field("occurrence", occurrence)
    w.field("count", count)
    w.field("state", state)
    w.optional("acknowledgedBy", acknowledgedBy)
    w.optional("assignee", assignee)
    w.field("escalationLevel", escalationLevel)
    w.optional("lastEscalation", lastEscalation)
    w.optional("escalation", escalation)
    w.optional("silencedUntil", silencedUntil)
    w.optional("silenceReason", silenceReason)
    w.optional("resolvedAt", resolvedAt)
    w.field("autoResolves", autoResolves)
    w.field("history", history)
    w.end()
  }
}

extension StockKey: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("unit", unit)
    w.field("item", item)
    w.end()
  }
}

extension LedgerEntry: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("at", at)
    w.field("kind", kind)
    w.field("delta", delta)
    w.field("balance", balance)
    w.optional("counterparty", counterparty)
    w.field("reason", reason)
    w.field("by", by)
    w.end()
  }
}
