import EventSourcing

/// Replay's fast path (issue 19): the event cases a year of duty-room data
/// is made of, read from their binary bodies without `Codable`. Each struct
/// reads its fields in their synthesised `Codable` order; anything else (a
/// field added, another order, an unknown raw value) is nil and the generic
/// decoder reads the record. `BinaryCodecTests` checks every case's sample
/// against the generic decoder, and that the cases below do take this path.
extension CordonEvent {
  /// The cases `decodeFast` reads; every other case is left to `Codable`.
  public static let fastDecodedTags: Set<CordonEventTag> = [
    .roundRecorded, .ventilationRecorded, .disinfectionRecorded, .feverRecorded, .siteOpened, .siteClosed,
    .shiftAssigned, .signedIn, .signedOut, .noShowMarked, .healthRegistered, .stockMoved, .logEntered,
    .alertRaised, .alertAcknowledged, .alertAssigned, .alertResolved, .alertAutoResolved, .alertRepeated,
    // The outbox: a burst of criticals is as many notices and deliveries
    // again, and every console reads them off the live stream (issue 18).
    .notificationQueued, .notificationDelivered, .notificationFailed,
  ]

  public static func decodeFast(tag: UInt16, body: UnsafeRawBufferPointer) -> CordonEvent? {
    var r = BinaryFieldReader(body)
    guard r.keyed(), let event = fastCase(tag, &r), r.end(), r.isAtEnd else { return nil }
    return event
  }

  /// The case's fields, the reader inside its body's container.
  private static func fastCase(_ tag: UInt16, _ r: inout BinaryFieldReader) -> CordonEvent? {
    switch CordonEventTag(rawValue: tag) {
    case .roundRecorded:
      guard let site = r.string("site"), let round = r.field("round", as: TemperatureRound.self) else { return nil }
      return .roundRecorded(site: site, round: round)
    case .ventilationRecorded:
      return r.string("site").map { .ventilationRecorded(site: $0) }
    case .disinfectionRecorded:
      guard let site = r.string("site"), let d = r.field("disinfection", as: Disinfection.self) else { return nil }
      return .disinfectionRecorded(site: site, disinfection: d)
    case .feverRecorded:
      return r.field("_0", as: FeverCase.self).map { .feverRecorded($0) }
    case .siteOpened:
      guard let site = r.string("site"), let staff = r.int("staff") else { return nil }
      return .siteOpened(site: site, staff: staff)
    case .siteClosed:
      return r.string("site").map { .siteClosed(site: $0) }
    case .shiftAssigned:
      return r.field("_0", as: Shift.self).map { .shiftAssigned($0) }
    case .signedIn:
      return r.field("_0", as: SignIn.self).map { .signedIn($0) }
    case .signedOut:
      guard let shift = r.string("shift"), let at = r.field("at", as: Instant.self), let by = r.string("by") else {
        return nil
      }
      return .signedOut(shift: shift, at: at, by: by)
    case .noShowMarked:
      return r.string("shift").map { .noShowMarked(shift: $0) }
    case .healthRegistered:
      return r.field("_0", as: HealthEntry.self).map { .healthRegistered($0) }
    case .stockMoved:
      return r.field("_0", as: StockMovement.self).map { .stockMoved($0) }
    case .logEntered:
      return r.field("_0", as: LogEntry.self).map { .logEntered($0) }
    case .alertRaised:
      return r.field("_0", as: AlertRaise.self).map { .alertRaised($0) }
    case .alertAcknowledged:
      return r.field("key", as: AlertKey.self).map { .alertAcknowledged(key: $0) }
    case .alertAssigned:
      guard let key = r.field("key", as: AlertKey.self), let to = r.string("to") else { return nil }
      return .alertAssigned(key: key, to: to)
    case .alertResolved:
      guard let key = r.field("key", as: AlertKey.self), let note = r.string("note") else { return nil }
      return .alertResolved(key: key, note: note)
    case .alertAutoResolved:
      return r.field("key", as: AlertKey.self).map { .alertAutoResolved(key: $0) }
    case .alertRepeated:
      guard let key = r.field("key", as: AlertKey.self), let occurrence = r.field("occurrence", as: Instant.self),
        let args = r.field("args", as: [String].self)
      else { return nil }
      return .alertRepeated(key: key, occurrence: occurrence, args: args)
    case .notificationQueued:
      return r.field("_0", as: Notice.self).map { .notificationQueued($0) }
    case .notificationDelivered:
      guard let id = r.string("id"), let receiver = r.string("receiver"), let attempt = r.int("attempt") else {
        return nil
      }
      return .notificationDelivered(id: id, receiver: receiver, attempt: attempt)
    case .notificationFailed:
      guard let id = r.string("id"), let receiver = r.string("receiver"), let attempt = r.int("attempt"),
        let error = r.string("error")
      else { return nil }
      return .notificationFailed(id: id, receiver: receiver, attempt: attempt, error: error)
    default:
      return nil
    }
  }
}

extension Celsius: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Celsius? { Int.read(&r).map(Celsius.init(tenths:)) }
}

extension Quantity: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Quantity? { Int64.read(&r).map(Quantity.init(milli:)) }
}

extension DutyRole: BinaryFastDecodable {}
extension RuleID: BinaryFastDecodable {}
extension Severity: BinaryFastDecodable {}
extension MovementKind: BinaryFastDecodable {}
extension LogChannel: BinaryFastDecodable {}
extension PersonCategory: BinaryFastDecodable {}

extension TemperatureRound: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> TemperatureRound? {
    guard r.keyed(), let at = r.field("at", as: Instant.self), let checked = r.int("checked"),
      let fevers = r.int("fevers"), let casesToEnter = r.int("casesToEnter"), let by = r.string("by"), r.end()
    else { return nil }
    return TemperatureRound(at: at, checked: checked, fevers: fevers, casesToEnter: casesToEnter, by: by)
  }
}

extension Disinfection: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Disinfection? {
    guard r.keyed(), let at = r.field("at", as: Instant.self), let area = r.string("area"),
      let agent = r.string("agent"), let by = r.string("by"), r.end()
    else { return nil }
    return Disinfection(at: at, area: area, agent: agent, by: by)
  }
}

extension FeverCase: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> FeverCase? {
    guard r.keyed(), let id = r.string("id"), let site = r.string("site"), let name = r.string("personName"),
      let reading = r.field("reading", as: Celsius.self), let at = r.field("at", as: Instant.self), r.end()
    else { return nil }
    return FeverCase(id: id, site: site, personName: name, reading: reading, at: at)
  }
}

extension SignIn: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> SignIn? {
    guard r.keyed(), let shift = r.string("shift"), let person = r.string("person"),
      let at = r.field("at", as: Instant.self), let by = r.string("by"),
      let forOther = r.field("forOther", as: Bool.self),
      r.end()
    else { return nil }
    return SignIn(shift: shift, person: person, at: at, by: by, forOther: forOther)
  }
}

extension Shift: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Shift? {
    guard r.keyed(), let id = r.string("id"), let unit = r.string("unit"),
      let site = r.optional("site", as: String.self),
      let role = r.field("role", as: DutyRole.self), let person = r.string("person"),
      let start = r.field("start", as: Instant.self), let end = r.field("end", as: Instant.self),
      let noShow = r.field("noShow", as: Bool.self), let cancelled = r.field("cancelled", as: Bool.self),
      let signedIn = r.optional("signedIn", as: SignIn.self),
      let signedOutAt = r.optional("signedOutAt", as: Instant.self),
      r.end()
    else { return nil }
    var s = Shift(
      id: id, unit: unit, site: site, role: role, person: person, start: start, end: end, noShow: noShow,
      cancelled: cancelled)
    s.signedIn = signedIn
    s.signedOutAt = signedOutAt
    return s
  }
}

extension HealthEntry: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> HealthEntry? {
    guard r.keyed(), let person = r.string("person"), let day = r.int("day"),
      let category = r.field("category", as: PersonCategory.self),
      let check = r.optional("morningCheck", as: Celsius.self),
      let contact = r.field("travellerContact", as: Bool.self), let remarks = r.string("remarks"), r.end()
    else { return nil }
    return HealthEntry(
      person: person, day: day, category: category, morningCheck: check, travellerContact: contact, remarks: remarks)
  }
}

extension StockMovement: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> StockMovement? {
    guard r.keyed(), let unit = r.string("unit"), let item = r.string("item"),
      let kind = r.field("kind", as: MovementKind.self), let delta = r.field("delta", as: Quantity.self),
      let reason = r.string("reason"), r.end()
    else { return nil }
    return StockMovement(unit: unit, item: item, kind: kind, delta: delta, reason: reason)
  }
}

extension AlertKey: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> AlertKey? {
    guard r.keyed(), let rule = r.field("rule", as: RuleID.self), let subject = r.string("subject"), r.end() else {
      return nil
    }
    return AlertKey(rule: rule, subject: subject)
  }
}

extension AlertRaise: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> AlertRaise? {
    guard r.keyed(), let key = r.field("key", as: AlertKey.self), let severity = r.field("severity", as: Severity.self),
      let unit = r.string("unit"), let site = r.optional("site", as: String.self),
      let args = r.field("args", as: [String].self), let occurrence = r.field("occurrence", as: Instant.self),
      let autoResolves = r.field("autoResolves", as: Bool.self), r.end()
    else { return nil }
    return AlertRaise(
      key: key, severity: severity, unit: unit, site: site, args: args, occurrence: occurrence,
      autoResolves: autoResolves)
  }
}

extension FollowUp: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> FollowUp? {
    guard r.keyed(), let due = r.field("due", as: Instant.self), let owner = r.string("owner"),
      let closedAt = r.optional("closedAt", as: Instant.self), let closedBy = r.optional("closedBy", as: String.self),
      let note = r.optional("note", as: String.self), r.end()
    else { return nil }
    var f = FollowUp(due: due, owner: owner)
    f.closedAt = closedAt
    f.closedBy = closedBy
    f.note = note
    return f
  }
}

extension Voiding: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Voiding? {
    guard r.keyed(), let at = r.field("at", as: Instant.self), let by = r.string("by"), let reason = r.string("reason"),
      r.end()
    else { return nil }
    return Voiding(at: at, by: by, reason: reason)
  }
}

extension LogEntry: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> LogEntry? {
    guard r.keyed(), let id = r.string("id"), let unit = r.string("unit"), let at = r.field("at", as: Instant.self),
      let by = r.string("by"), let channel = r.field("channel", as: LogChannel.self), let from = r.string("from"),
      let text = r.string("text"), let action = r.string("action"),
      let significant = r.field("significant", as: Bool.self), let followUp = r.optional("followUp", as: FollowUp.self),
      let voided = r.optional("voided", as: Voiding.self), r.end()
    else { return nil }
    var e = LogEntry(
      id: id, unit: unit, at: at, by: by, channel: channel, from: from, text: text, action: action,
      significant: significant, followUp: followUp)
    e.voided = voided
    return e
  }
}

extension NotificationKind: BinaryFastDecodable {}

extension Notice: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Notice? {
    guard r.keyed(), let id = r.string("id"), let kind = r.field("kind", as: NotificationKind.self),
      let severity = r.field("severity", as: Severity.self), let unit = r.string("unit"),
      let rule = r.optional("rule", as: RuleID.self), let subject = r.string("subject"),
      let text = r.field("text", as: LocalizedName.self), let person = r.optional("person", as: String.self),
      let phone = r.optional("phone", as: String.self), let route = r.string("route"),
      let receivers = r.field("receivers", as: [String].self), let due = r.field("due", as: Instant.self),
      let queuedAt = r.field("queuedAt", as: Instant.self), let isRepeat = r.field("isRepeat", as: Bool.self),
      r.end()
    else { return nil }
    return Notice(
      id: id, kind: kind, severity: severity, unit: unit, rule: rule, subject: subject, text: text, person: person,
      phone: phone, route: route, receivers: receivers, due: due, queuedAt: queuedAt, isRepeat: isRepeat)
  }
}
