import EventSourcing

/// The writing half of `CordonEventFastDecoding.swift`: the same cases,
/// written without `Codable` (BinaryFastEncoding.swift), byte for byte what
/// the generic encoder writes. Each struct writes its fields in its
/// synthesised `Codable` order, the order its fast reader reads them in.
/// `BinaryCodecTests` checks every case's sample against the generic
/// encoder, with optional fields set and unset, and that the cases below do
/// take this path.
extension CordonEvent {
  public func encodeFast(into out: inout [UInt8]) -> Bool {
    BinaryFieldWriter.append(to: &out) { w in
      w.keyed()
      guard writeFast(&w) else { return false }
      w.end()
      return true
    }
  }

  /// The case's fields, the writer inside its body's container; false for a case left to `Codable`.
  private func writeFast(_ w: inout BinaryFieldWriter) -> Bool {
    switch self {
    case .roundRecorded(let site, let round):
      w.field("site", site)
      w.field("round", round)
    case .ventilationRecorded(let site):
      w.field("site", site)
    case .disinfectionRecorded(let site, let disinfection):
      w.field("site", site)
      w.field("disinfection", disinfection)
    case .feverRecorded(let fever):
      w.field("_0", fever)
    case .siteOpened(let site, let staff):
      w.field("site", site)
      w.field("staff", staff)
    case .siteClosed(let site):
      w.field("site", site)
    case .shiftAssigned(let shift):
      w.field("_0", shift)
    case .signedIn(let signIn):
      w.field("_0", signIn)
    case .signedOut(let shift, let at, let by):
      w.field("shift", shift)
      w.field("at", at)
      w.field("by", by)
    case .noShowMarked(let shift):
      w.field("shift", shift)
    case .healthRegistered(let entry):
      w.field("_0", entry)
    case .stockMoved(let movement):
      w.field("_0", movement)
    case .logEntered(let entry):
      w.field("_0", entry)
    case .alertRaised(let raise):
      w.field("_0", raise)
    case .alertAcknowledged(let key):
      w.field("key", key)
    case .alertAssigned(let key, let to):
      w.field("key", key)
      w.field("to", to)
    case .alertResolved(let key, let note):
      w.field("key", key)
      w.field("note", note)
    case .alertAutoResolved(let key):
      w.field("key", key)
    case .alertRepeated(let key, let occurrence, let args):
      w.field("key", key)
      w.field("occurrence", occurrence)
      w.field("args", args)
    case .notificationQueued(let notice):
      w.field("_0", notice)
    case .notificationDelivered(let id, let receiver, let attempt):
      w.field("id", id)
      w.field("receiver", receiver)
      w.field("attempt", attempt)
    case .notificationFailed(let id, let receiver, let attempt, let error):
      w.field("id", id)
      w.field("receiver", receiver)
      w.field("attempt", attempt)
      w.field("error", error)
    default:
      return false
    }
    return true
  }
}

extension Celsius: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeInt64(Int64(tenths)) }
}

extension Quantity: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeInt64(milli) }
}

extension DutyRole: BinaryFastEncodable {}
extension RuleID: BinaryFastEncodable {}
extension Severity: BinaryFastEncodable {}
extension MovementKind: BinaryFastEncodable {}
extension LogChannel: BinaryFastEncodable {}
extension PersonCategory: BinaryFastEncodable {}
extension NotificationKind: BinaryFastEncodable {}

extension LocalizedName: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("zh", zh)
    w.field("en", en)
    w.end()
  }
}

extension TemperatureRound: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("at", at)
    w.field("checked", checked)
    w.field("fevers", fevers)
    w.field("casesToEnter", casesToEnter)
    w.field("by", by)
    w.end()
  }
}

extension Disinfection: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("at", at)
    w.field("area", area)
    w.field("agent", agent)
    w.field("by", by)
    w.end()
  }
}

extension FeverCase: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("id", id)
    w.field("site", site)
    w.field("personName", personName)
    w.field("reading", reading)
    w.field("at", at)
    w.end()
  }
}

extension SignIn: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("shift", shift)
    w.field("person", person)
    w.field("at", at)
    w.field("by", by)
    w.field("forOther", forOther)
    w.end()
  }
}

extension Shift: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("id", id)
    w.field("unit", unit)
    w.optional("site", site)
    w.field("role", role)
    w.field("person", person)
    w.field("start", start)
    w.field("end", end)
    w.field("noShow", noShow)
    w.field("cancelled", cancelled)
    w.optional("signedIn", signedIn)
    w.optional("signedOutAt", signedOutAt)
    w.end()
  }
}

extension HealthEntry: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("person", person)
    w.field("day", day)
    w.field("category", category)
    w.optional("morningCheck", morningCheck)
    w.field("travellerContact", travellerContact)
    w.field("remarks", remarks)
    w.end()
  }
}

extension StockMovement: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("unit", unit)
    w.field("item", item)
    w.field("kind", kind)
    w.field("delta", delta)
    w.field("reason", reason)
    w.end()
  }
}

extension AlertKey: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("rule", rule)
    w.field("subject", subject)
    w.end()
  }
}

extension AlertRaise: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("key", key)
    w.field("severity", severity)
    w.field("unit", unit)
    w.optional("site", site)
    w.field("args", args)
    w.field("occurrence", occurrence)
    w.field("autoResolves", autoResolves)
    w.end()
  }
}

extension FollowUp: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("due", due)
    w.field("owner", owner)
    w.optional("closedAt", closedAt)
    w.optional("closedBy", closedBy)
    w.optional("note", note)
    w.end()
  }
}

extension Voiding: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("at", at)
    w.field("by", by)
    w.field("reason", reason)
    w.end()
  }
}

extension LogEntry: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("id", id)
    w.field("unit", unit)
    w.field("at", at)
    w.field("by", by)
    w.field("channel", channel)
    w.field("from", from)
    w.field("text", text)
    w.field("action", action)
    w.field("significant", significant)
    w.optional("followUp", followUp)
    w.optional("voided", voided)
    w.end()
  }
}

extension Notice: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.keyed()
    w.field("id", id)
    w.field("kind", kind)
    w.field("severity", severity)
    w.field("unit", unit)
    w.optional("rule", rule)
    w.field("subject", subject)
    w.field("text", text)
    w.optional("person", person)
    w.optional("phone", phone)
    w.field("route", route)
    w.field("receivers", receivers)
    w.field("due", due)
    w.field("queuedAt", queuedAt)
    w.field("isRepeat", isRepeat)
    w.end()
  }
}
