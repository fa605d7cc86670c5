import EventSourcing

extension CommandJSON {
  /// The JSON line `decode` reads back as `command`: how a console sends its
  /// forms' commands to the server, which then validates them like any other.
  /// Nil for what has no JSON shape (`register`, `batch`: a batch is sent as
  /// its lines). Times are written to the minute, as the shapes define them.
  public static func encode(_ command: CordonCommand, calendar: LocalCalendar) -> String? {
    let o = JSONLine()
    func time(_ t: Instant) -> JSONLine.Value { .string(calendar.format(t)) }
    switch command {
    // The server's own commands never travel: a client sending one is refused.
    case .register, .batch, .configureNotifications, .recordDeliveries: return nil
    case .testNotification(let receiver): o.add("type", "notifyTest").add("receiver", receiver)
    case .recordRound(let site, let checked, let fevers, let accept):
      o.add("type", "round").add("site", site).add("checked", .number(String(checked)))
        .add("fevers", .number(String(fevers))).add("acceptMissingCases", .bool(accept))
    case .recordFever(let site, let person, let reading):
      o.add("type", "fever").add("site", site).add("person", person).add("reading", .number(reading.description))
    case .recordDisinfection(let site, let area, let agent, let by):
      o.add("type", "disinfection").add("site", site).add("area", area).add("agent", agent).add("by", by)
    case .recordVentilation(let site): o.add("type", "ventilation").add("site", site)
    case .openSite(let site, let staff):
      o.add("type", "openSite").add("site", site).add("staff", .number(String(staff)))
    case .closeSite(let site): o.add("type", "closeSite").add("site", site)
    case .receiveStock(let unit, let item, let quantity, let kind, let reason):
      o.add("type", "receive").add("unit", unit).add("item", item).add("quantity", .number(quantity.description))
        .add("kind", kind.rawValue).add("reason", reason)
    case .issueStock(let unit, let item, let quantity, let reason):
      o.add("type", "issue").add("unit", unit).add("item", item).add("quantity", .number(quantity.description))
        .add("reason", reason)
    case .transferStock(let from, let to, let item, let quantity, let reason):
      o.add("type", "transfer").add("from", from).add("to", to).add("item", item)
        .add("quantity", .number(quantity.description)).add("reason", reason)
    case .countStock(let unit, let item, let counted, let reason):
      o.add("type", "count").add("unit", unit).add("item", item).add("counted", .number(counted.description))
        .add("reason", reason.rawValue)
    case .setMinimum(let unit, let item, let minimum):
      o.add("type", "minimum").add("unit", unit).add("item", item).add("minimum", .number(minimum.description))
    case .assignShift(let unit, let site, let role, let person, let start, let end, let confirm):
      o.add("type", "assignShift").add("unit", unit)
      if let site { o.add("site", site) }
      o.add("role", role.rawValue).add("person", person).add("start", time(start)).add("end", time(end))
        .add("confirmShortRest", .bool(confirm))
    case .cancelShift(let shift, let reason): o.add("type", "cancelShift").add("shift", shift).add("reason", reason)
    case .markNoShow(let shift): o.add("type", "noShow").add("shift", shift)
    case .swapShifts(let a, let b): o.add("type", "swapShifts").add("a", a).add("b", b)
    case .signIn(let shift): o.add("type", "signIn").add("shift", shift)
    case .signOut(let shift): o.add("type", "signOut").add("shift", shift)
    case .writeHandover(let unit, let text): o.add("type", "handover").add("unit", unit).add("text", text)
    case .confirmHandover(let id, let queries):
      o.add("type", "confirmHandover").add("handover", id)
      if !queries.isEmpty {
        o.add(
          "queries",
          .raw(
            "[" + queries.map { #"{"item":\#($0.item),"text":\#(JSONLine.quote($0.text))}"# }.joined(separator: ",")
              + "]"))
      }
    case .registerHealth(let person, let day, let category, let check, let contact, let remarks):
      o.add("type", "health").add("person", person).add("date", calendar.formatDay(day))
        .add("category", category.rawValue)
      if let check { o.add("morningCheck", .number(check.description)) }
      o.add("travellerContact", .bool(contact)).add("remarks", remarks)
    case .acknowledgeAlert(let key): o.add("type", "ack").add("alert", key.description)
    case .assignAlert(let key, let to): o.add("type", "assignAlert").add("alert", key.description).add("to", to)
    case .silenceAlert(let key, let minutes, let reason):
      o.add("type", "silence").add("alert", key.description).add("minutes", .number(String(minutes)))
        .add("reason", reason)
    case .resolveAlert(let key, let note): o.add("type", "resolve").add("alert", key.description).add("note", note)
    case .issueDirective(let text, let targets, let deadline, let priority):
      o.add("type", "directive").add("text", text).add("targets", .strings(targets)).add("deadline", time(deadline))
        .add("priority", priority.rawValue)
    case .logEntry(let unit, let channel, let from, let text, let action, let significant, let due, let owner):
      o.add("type", "logEntry").add("unit", unit).add("channel", channel.rawValue).add("from", from).add("text", text)
        .add("action", action).add("significant", .bool(significant))
      if let due { o.add("followUpDue", time(due)) }
      o.add("owner", owner)
    case .closeFollowUp(let entry, let note): o.add("type", "closeFollowUp").add("entry", entry).add("note", note)
    case .voidLogEntry(let entry, let reason):
      o.add("type", "voidLogEntry").add("entry", entry).add("reason", reason)
    case .reportUp(let unit, let priority, let text, let ref):
      o.add("type", "reportUp").add("unit", unit).add("priority", priority.rawValue).add("text", text)
      if let ref { o.add("ref", ref) }
    case .acknowledgeReport(let id): o.add("type", "ackReport").add("id", id)
    case .replyReport(let id, let text): o.add("type", "replyReport").add("id", id).add("text", text)
    case .replyDirective(let id, let unit, let text):
      o.add("type", "replyDirective").add("id", id).add("unit", unit).add("text", text)
    case .acknowledgeDirective(let id, let unit): o.add("type", "ackDirective").add("id", id).add("unit", unit)
    case .submitRequest(let unit, let item, let quantity, let urgency, let reason):
      o.add("type", "request").add("unit", unit).add("item", item).add("quantity", .number(quantity.description))
        .add("urgency", urgency.rawValue).add("reason", reason)
    case .approveRequest(let id, let quantity, let note):
      o.add("type", "approveRequest").add("id", id).add("quantity", .number(quantity.description)).add("note", note)
    case .rejectRequest(let id, let note): o.add("type", "rejectRequest").add("id", id).add("note", note)
    case .forwardRequest(let id, let quantity, let note):
      o.add("type", "forwardRequest").add("id", id).add("quantity", .number(quantity.description)).add("note", note)
    case .receiveForRequest(let id, let quantity):
      o.add("type", "receiveForRequest").add("id", id).add("quantity", .number(quantity.description))
    case .startDrill(let m):
      o.add("type", "drillStart").add("id", m.id).add("name", m.name.zh).add("nameEn", m.name.en)
        .add("scenario", m.scenario).add("speed", .number(String(m.speed))).add("exercise", .bool(m.exercise))
    case .endDrill(let id): o.add("type", "drillEnd").add("id", id)
    case .setChecklist, .recordInspection, .raiseFinding, .rectifyFinding, .verifyFinding, .formTeam, .deploy,
      .recallDeployment:
      encodeOversight(command, calendar: calendar, o)
    default:
      encodeAdministration(command, o)
    }
    return o.text
  }
}

extension CommandJSON {
  /// The organisation's commands, with the field names `decode` reads; an
  /// update writes only the fields it changes.
  static func encodeAdministration(_ command: CordonCommand, _ o: JSONLine) {
    func opt(_ k: String, _ v: String?) { if let v { o.add(k, v) } }
    func opt(_ k: String, _ v: Bool?) { if let v { o.add(k, .bool(v)) } }
    func opt(_ k: String, _ v: Int?) { if let v { o.add(k, .number(String(v))) } }
    func opt(_ k: String, _ v: Celsius?) { if let v { o.add(k, .number(v.description)) } }
    switch command {
    case .addUnit(let u):
      o.add("type", "addUnit").add("id", u.id).add("name", u.name.zh).add("nameEn", u.name.en)
        .add("key", .bool(u.isKey)).add("headquarters", .bool(u.isHeadquarters)).add("reserve", .bool(u.holdsReserve))
      opt("parent", u.parent)
    case .updateUnit(let id, let c):
      o.add("type", "updateUnit").add("id", id)
      opt("name", c.name)
      opt("nameEn", c.nameEn)
      opt("key", c.isKey)
      opt("headquarters", c.isHeadquarters)
      opt("parent", c.parent)
      opt("reserve", c.holdsReserve)
    case .retireUnit(let id): o.add("type", "retireUnit").add("id", id)
    case .addSite(let s, let open):
      o.add("type", "addSite").add("id", s.id).add("unit", s.unit).add("name", s.name.zh).add("nameEn", s.name.en)
        .add("kind", s.kind.rawValue).add("roundsPerDay", .number(String(s.roundsPerDay)))
        .add("disinfectionsPerDay", .number(String(s.disinfectionsPerDay)))
        .add("reportIntervalMinutes", .number(String(s.reportIntervalMinutes)))
        .add("staff", .number(String(s.staffOnPost))).add("open", .bool(open))
      opt("requiredStaff", s.requiredStaff)
    case .updateSite(let id, let c):
      o.add("type", "updateSite").add("id", id)
      opt("name", c.name)
      opt("nameEn", c.nameEn)
      opt("unit", c.unit)
      opt("kind", c.kind?.rawValue)
      opt("roundsPerDay", c.roundsPerDay)
      opt("disinfectionsPerDay", c.disinfectionsPerDay)
      opt("reportIntervalMinutes", c.reportIntervalMinutes)
      opt("requiredStaff", c.requiredStaff)
    case .retireSite(let id): o.add("type", "retireSite").add("id", id)
    case .addItem(let i):
      o.add("type", "addItem").add("id", i.id).add("name", i.name.zh).add("nameEn", i.name.en)
        .add("measure", i.unitOfMeasure.zh).add("measureEn", i.unitOfMeasure.en).add("fractions", .bool(!i.wholePieces))
        .add("minimum", .number(i.defaultMinimum.description))
    case .updateItem(let id, let c):
      o.add("type", "updateItem").add("id", id)
      opt("name", c.name)
      opt("nameEn", c.nameEn)
      opt("measure", c.measure)
      opt("measureEn", c.measureEn)
      opt("fractions", c.wholePieces.map { !$0 })
      if let m = c.defaultMinimum { o.add("minimum", .number(m.description)) }
    case .retireItem(let id): o.add("type", "retireItem").add("id", id)
    case .addPerson(let p):
      o.add("type", "addPerson").add("id", p.id).add("name", p.name).add("unit", p.unit).add("phone", p.phone)
        .add("categories", .strings(p.categories.map(\.rawValue)))
    case .updatePerson(let id, let c, let confirm):
      o.add("type", "updatePerson").add("id", id)
      opt("name", c.name)
      opt("phone", c.phone)
      opt("unit", c.unit)
      if let cats = c.categories { o.add("categories", .strings(cats.map(\.rawValue))) }
      o.add("confirm", .bool(confirm))
    case .retirePerson(let id, let confirm):
      o.add("type", "retirePerson").add("id", id).add("confirm", .bool(confirm))
    case .changeSettings(let c):
      o.add("type", "changeSettings")
      opt("feverThreshold", c.feverThreshold)
      opt("plausibleMin", c.plausibleMin)
      opt("plausibleMax", c.plausibleMax)
      opt("ackTimeoutMinutes", c.ackTimeoutMinutes)
      opt("maxEscalations", c.maxEscalations)
      opt("restHours", c.restHours)
      opt("coverageLeadMinutes", c.coverageLeadMinutes)
      opt("lowCoverDays", c.lowCoverDays)
      opt("signInGraceMinutes", c.signInGraceMinutes)
      opt("reportAckUrgentMinutes", c.reportAckUrgentMinutes)
      opt("handoverConfirmMinutes", c.handoverConfirmMinutes)
      opt("reportAckImmediateMinutes", c.reportAckImmediateMinutes)
      if let m = c.fundApprovalThreshold { o.add("fundApprovalThreshold", m.description) }
    default: encodeFund(command, o)
    }
  }

  /// The fund's and the campaigns' commands; amounts as yuan strings ("10000.00"), exact.
  static func encodeFund(_ command: CordonCommand, _ o: JSONLine) {
    switch command {
    case .openFundLine(let id, let name, let budget):
      o.add("type", "fundLine").add("id", id).add("name", name).add("budget", budget.description)
    case .recordFundIncome(let line, let amount, let source, let voucher):
      o.add("type", "fundIncome").add("line", line).add("amount", amount.description).add("source", source)
        .add("voucher", voucher)
    case .recordFundExpense(let line, let amount, let purpose, let voucher):
      o.add("type", "fundExpense").add("line", line).add("amount", amount.description).add("purpose", purpose)
        .add("voucher", voucher)
    case .approveExpense(let id, let note): o.add("type", "approveExpense").add("id", id).add("note", note)
    case .rejectExpense(let id, let note): o.add("type", "rejectExpense").add("id", id).add("note", note)
    case .reverseFundEntry(let id, let voucher, let reason):
      o.add("type", "reverseFundEntry").add("id", id).add("voucher", voucher).add("reason", reason)
    case .startCampaign(let id, let name, let recipient):
      o.add("type", "startCampaign").add("id", id).add("name", name).add("recipient", recipient)
    case .recordDonation(let campaign, let unit, let amount, let donor):
      o.add("type", "donation").add("campaign", campaign).add("unit", unit).add("amount", amount.description)
        .add("donor", donor)
    case .voidDonation(let id, let reason): o.add("type", "voidDonation").add("id", id).add("reason", reason)
    case .handOverDonations(let campaign, let amount, let voucher):
      o.add("type", "handOverDonations").add("campaign", campaign).add("amount", amount.description)
        .add("voucher", voucher)
    default: break
    }
  }
}

/// A one-line JSON object written by hand: numbers must go out exactly as their
/// decimal text (38.5, not 38.499999), which JSONSerialization does not promise.
extension CommandJSON {
  /// A JSON string literal (controls escaped): for callers that build command lines themselves.
  public static func quoted(_ s: String) -> String { JSONLine.quote(s) }
}

/// A class so the `add` calls chain.
final class JSONLine {
  enum Value {
    case string(String), number(String), bool(Bool), strings([String])
    /// Already JSON (a list of objects built by the caller with `quote`).
    case raw(String)
  }
  private var parts: [String] = []

  @discardableResult
  func add(_ key: String, _ value: Value) -> JSONLine {
    let v: String
    switch value {
    case .string(let s): v = Self.quote(s)
    case .number(let n): v = n
    case .bool(let b): v = b ? "true" : "false"
    case .strings(let a): v = "[" + a.map(Self.quote).joined(separator: ",") + "]"
    case .raw(let json): v = json
    }
    parts.append(Self.quote(key) + ":" + v)
    return self
  }

  @discardableResult
  func add(_ key: String, _ value: String) -> JSONLine { add(key, .string(value)) }

  var text: String { "{" + parts.joined(separator: ",") + "}" }

  /// A JSON string, also a valid TOML basic string (the organisation export
  /// writes its strings with it): controls and DEL escaped, never raw.
  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20 || u.value == 0x7F:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }
}
