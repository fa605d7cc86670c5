import EventSourcing
import Foundation

/// Commands as JSON lines, for thermometer gateways and scripts: one object
/// per line with a "type" and the command's fields. Decoding only parses;
/// the command is then validated by `CommandValidator` exactly as a form's is.
///
///     {"type":"round","site":"ht-1","checked":12,"fevers":0}
///     {"type":"fever","site":"ht-1","person":"张三","reading":38.2}
public enum CommandJSON {
  public static let types =
    [
      "round", "fever", "disinfection", "ventilation", "openSite", "closeSite", "receive", "issue", "transfer", "count",
      "minimum", "assignShift", "cancelShift", "noShow", "swapShifts", "signIn", "signOut", "handover",
      "confirmHandover",
      "health", "ack",
      "assignAlert",
      "silence", "resolve", "directive", "ackDirective", "request", "approveRequest", "rejectRequest", "forwardRequest",
      "receiveForRequest", "addUnit", "updateUnit", "retireUnit", "addSite", "updateSite", "retireSite", "addItem",
      "updateItem", "retireItem", "addPerson", "updatePerson", "retirePerson", "changeSettings", "notifyTest",
      "logEntry", "closeFollowUp", "voidLogEntry", "reportUp", "ackReport", "replyReport", "replyDirective",
    ] + fundTypes + drillTypes + oversightTypes

  /// The emergency fund's and the donation campaigns' commands (Fund.swift, Donations.swift).
  public static let fundTypes = [
    "fundLine", "fundIncome", "fundExpense", "approveExpense", "rejectExpense", "reverseFundEntry", "startCampaign",
    "donation", "voidDonation", "handOverDonations",
  ]

  /// A drill's markers (Drill/DrillMarker.swift).
  public static let drillTypes = ["drillStart", "drillEnd"]

  public static func decode(_ line: String, calendar: LocalCalendar) throws(Refusal) -> CordonCommand {
    let bytes = line.utf8.count
    guard bytes <= Limits.jsonLineBytes else {
      throw Refusal("json.tooLong", [String(bytes), String(Limits.jsonLineBytes)])
    }
    let object: [String: JSONValue]
    let data = Data(line.utf8)
    // An object, as every command is, read as one: not after failing as a string, a number and a list.
    if let o = try? JSONDecoder().decode([String: JSONValue].self, from: data) {
      object = o
    } else {
      let value: JSONValue
      do {
        value = try JSONDecoder().decode(JSONValue.self, from: data)
      } catch {
        throw Refusal("json.invalid", [Self.describe(error)])
      }
      guard case .object(let o) = value else { throw Refusal("json.notObject") }
      object = o
    }
    let f = Fields(object: object, calendar: calendar)
    let type = try f.string(.type)
    switch type {
    case "round":
      return .recordRound(
        site: try f.string(.site), checked: try f.int(.checked, in: Limits.checked),
        fevers: try f.int(.fevers, in: Limits.checked),
        acceptMissingCases: try f.bool(.acceptMissingCases, default: false))
    case "fever":
      return .recordFever(
        site: try f.string(.site), personName: try f.string(.person), reading: try f.celsius(.reading))
    case "disinfection":
      return .recordDisinfection(
        site: try f.string(.site), area: try f.string(.area), agent: try f.string(.agent),
        by: try f.string(.by, default: ""))
    case "ventilation": return .recordVentilation(site: try f.string(.site))
    case "openSite": return .openSite(site: try f.string(.site), staff: try f.int(.staff, in: Limits.staff))
    case "closeSite": return .closeSite(site: try f.string(.site))
    case "receive":
      guard let kind = MovementKind(rawValue: try f.string(.kind, default: "purchase")) else {
        throw Refusal("json.oneOf", ["kind", "purchase|donation|cityAllocation"], field: .kind)
      }
      return .receiveStock(
        unit: try f.string(.unit), item: try f.string(.item), quantity: try f.quantity(.quantity), kind: kind,
        reason: try f.string(.reason, default: ""))
    case "issue":
      return .issueStock(
        unit: try f.string(.unit), item: try f.string(.item), quantity: try f.quantity(.quantity),
        reason: try f.string(.reason, default: ""))
    case "transfer":
      return .transferStock(
        from: try f.string(.from), to: try f.string(.to), item: try f.string(.item),
        quantity: try f.quantity(.quantity), reason: try f.string(.reason, default: ""))
    case "count":
      guard let reason = AdjustmentReason(rawValue: try f.string(.reason)) else {
        throw Refusal(
          "json.oneOf", ["reason", AdjustmentReason.allCases.map(\.rawValue).joined(separator: "|")], field: .reason)
      }
      return .countStock(
        unit: try f.string(.unit), item: try f.string(.item), counted: try f.quantity(.counted), reason: reason)
    case "minimum":
      return .setMinimum(unit: try f.string(.unit), item: try f.string(.item), minimum: try f.quantity(.minimum))
    case "assignShift":
      guard let role = DutyRole(rawValue: try f.string(.role)) else {
        throw Refusal("json.oneOf", ["role", "officer|manager|leader"], field: .role)
      }
      return .assignShift(
        unit: try f.string(.unit), site: try f.optionalString(.site), role: role, person: try f.string(.person),
        start: try f.time(.start), end: try f.time(.end),
        confirmShortRest: try f.bool(.confirmShortRest, default: false))
    case "cancelShift": return .cancelShift(shift: try f.string(.shift), reason: try f.string(.reason))
    case "noShow": return .markNoShow(shift: try f.string(.shift))
    case "swapShifts": return .swapShifts(try f.string(.a), try f.string(.b))
    case "signIn": return .signIn(shift: try f.string(.shift))
    case "signOut": return .signOut(shift: try f.string(.shift))
    case "handover": return .writeHandover(unit: try f.string(.unit), text: try f.string(.text))
    case "confirmHandover":
      return .confirmHandover(handover: try f.string(.handover), queries: try f.queries(.queries))
    case "health":
      guard let category = PersonCategory(word: try f.string(.category)) else {
        throw Refusal(
          "json.oneOf", ["category", PersonCategory.allCases.map(\.rawValue).joined(separator: "|")], field: .category)
      }
      return .registerHealth(
        person: try f.string(.person), day: try f.day(.date), category: category,
        morningCheck: f.has(.morningCheck) ? try f.celsius(.morningCheck) : nil,
        travellerContact: try f.bool(.travellerContact, default: false), remarks: try f.string(.remarks, default: ""))
    case "ack": return .acknowledgeAlert(try f.alertKey(.alert))
    case "assignAlert": return .assignAlert(try f.alertKey(.alert), to: try f.string(.to))
    case "silence":
      return .silenceAlert(
        try f.alertKey(.alert), minutes: try f.int(.minutes, in: Limits.silenceMinutes), reason: try f.string(.reason))
    case "resolve": return .resolveAlert(try f.alertKey(.alert), note: try f.string(.note))
    case "directive":
      return .issueDirective(
        text: try f.string(.text), targets: try f.strings(.targets), deadline: try f.time(.deadline),
        priority: try f.priority(.priority, default: .routine))
    case "ackDirective": return .acknowledgeDirective(id: try f.string(.id), unit: try f.string(.unit))
    case "request":
      guard let urgency = ShortageRequest.Urgency(rawValue: try f.string(.urgency, default: "routine")) else {
        throw Refusal("json.oneOf", ["urgency", "routine|urgent|critical"], field: .urgency)
      }
      return .submitRequest(
        unit: try f.string(.unit), item: try f.string(.item), quantity: try f.quantity(.quantity), urgency: urgency,
        reason: try f.string(.reason))
    case "approveRequest":
      return .approveRequest(
        id: try f.string(.id), quantity: try f.quantity(.quantity), note: try f.string(.note, default: ""))
    case "rejectRequest": return .rejectRequest(id: try f.string(.id), note: try f.string(.note))
    case "forwardRequest":
      return .forwardRequest(
        id: try f.string(.id), quantity: try f.quantity(.quantity), note: try f.string(.note, default: ""))
    case "receiveForRequest": return .receiveForRequest(id: try f.string(.id), quantity: try f.quantity(.quantity))
    case "addUnit", "updateUnit", "retireUnit", "addSite", "updateSite", "retireSite", "addItem", "updateItem",
      "retireItem", "addPerson", "updatePerson", "retirePerson", "changeSettings":
      return try administration(type, f)
    case "notifyTest": return .testNotification(receiver: try f.string(.receiver))
    case "logEntry", "closeFollowUp", "voidLogEntry", "reportUp", "ackReport", "replyReport", "replyDirective":
      return try dutyLog(type, f)
    case _ where fundTypes.contains(type):
      return try fund(type, f)
    case "drillStart":
      return .startDrill(
        DrillMarker(
          id: try f.string(.id),
          name: LocalizedName(zh: try f.string(.name), en: try f.string(.nameEn, default: "")),
          scenario: try f.string(.scenario), speed: try f.int(.speed, in: Limits.drillSpeed),
          exercise: try f.bool(.exercise, default: false)))
    case "drillEnd": return .endDrill(id: try f.string(.id))
    case _ where oversightTypes.contains(type):
      return try oversight(type, f)
    default:
      throw Refusal("json.type", [type, types.joined(separator: " ")], field: .type)
    }
  }

  /// The organisation's commands; an update names only the fields it changes.
  static func administration(_ type: String, _ f: Fields) throws(Refusal) -> CordonCommand {
    switch type {
    case "addUnit":
      return .addUnit(
        OrgUnit(
          id: try f.string(.id),
          name: LocalizedName(zh: try f.string(.name), en: try f.string(.nameEn, default: "")),
          isKey: try f.bool(.key, default: false), isHeadquarters: try f.bool(.headquarters, default: false),
          parent: try f.optionalString(.parent), holdsReserve: try f.bool(.reserve, default: false)))
    case "updateUnit":
      return .updateUnit(
        id: try f.string(.id),
        UnitChanges(
          name: try f.optionalString(.name), nameEn: try f.optionalString(.nameEn), isKey: try f.optionalBool(.key),
          isHeadquarters: try f.optionalBool(.headquarters), parent: try f.optionalString(.parent),
          holdsReserve: try f.optionalBool(.reserve)))
    case "retireUnit": return .retireUnit(id: try f.string(.id))
    case "addSite":
      let kind = try f.siteKind(.kind)
      return .addSite(
        SiteSpec(
          id: try f.string(.id), unit: try f.string(.unit),
          name: LocalizedName(zh: try f.string(.name), en: try f.string(.nameEn, default: "")), kind: kind,
          roundsPerDay: try f.optionalInt(.roundsPerDay) ?? 2,
          disinfectionsPerDay: try f.optionalInt(.disinfectionsPerDay),
          reportIntervalMinutes: try f.optionalInt(.reportIntervalMinutes) ?? 240,
          staffOnPost: try f.optionalInt(.staff) ?? 2, requiredStaff: try f.optionalInt(.requiredStaff)),
        open: try f.bool(.open, default: true))
    case "updateSite":
      return .updateSite(
        id: try f.string(.id),
        SiteChanges(
          name: try f.optionalString(.name), nameEn: try f.optionalString(.nameEn),
          unit: try f.optionalString(.unit),
          kind: f.has(.kind) ? try f.siteKind(.kind) : nil, roundsPerDay: try f.optionalInt(.roundsPerDay),
          disinfectionsPerDay: try f.optionalInt(.disinfectionsPerDay),
          reportIntervalMinutes: try f.optionalInt(.reportIntervalMinutes),
          requiredStaff: try f.optionalInt(.requiredStaff)))
    case "retireSite": return .retireSite(id: try f.string(.id))
    case "addItem":
      return .addItem(
        SupplyItem(
          id: try f.string(.id),
          name: LocalizedName(zh: try f.string(.name), en: try f.string(.nameEn, default: "")),
          unitOfMeasure: LocalizedName(zh: try f.string(.measure), en: try f.string(.measureEn, default: "")),
          wholePieces: !(try f.bool(.fractions, default: false)),
          defaultMinimum: f.has(.minimum) ? try f.quantity(.minimum) : .zero))
    case "updateItem":
      return .updateItem(
        id: try f.string(.id),
        ItemChanges(
          name: try f.optionalString(.name), nameEn: try f.optionalString(.nameEn),
          measure: try f.optionalString(.measure), measureEn: try f.optionalString(.measureEn),
          wholePieces: try f.optionalBool(.fractions).map { !$0 },
          defaultMinimum: f.has(.minimum) ? try f.quantity(.minimum) : nil))
    case "retireItem": return .retireItem(id: try f.string(.id))
    case "addPerson":
      return .addPerson(
        Person(
          id: try f.string(.id, default: ""), name: try f.string(.name), unit: try f.string(.unit),
          phone: try f.string(.phone, default: ""), categories: try f.categories(.categories) ?? []))
    case "updatePerson":
      return .updatePerson(
        id: try f.string(.id),
        PersonChanges(
          name: try f.optionalString(.name), phone: try f.optionalString(.phone), unit: try f.optionalString(.unit),
          categories: try f.categories(.categories)), confirm: try f.bool(.confirm, default: false))
    case "retirePerson": return .retirePerson(id: try f.string(.id), confirm: try f.bool(.confirm, default: false))
    default:
      return .changeSettings(
        SettingsChanges(
          feverThreshold: f.has(.feverThreshold) ? try f.celsius(.feverThreshold) : nil,
          plausibleMin: f.has(.plausibleMin) ? try f.celsius(.plausibleMin) : nil,
          plausibleMax: f.has(.plausibleMax) ? try f.celsius(.plausibleMax) : nil,
          ackTimeoutMinutes: try f.optionalInt(.ackTimeoutMinutes),
          maxEscalations: try f.optionalInt(.maxEscalations),
          restHours: try f.optionalInt(.restHours), coverageLeadMinutes: try f.optionalInt(.coverageLeadMinutes),
          lowCoverDays: try f.optionalInt(.lowCoverDays),
          signInGraceMinutes: try f.optionalInt(.signInGraceMinutes),
          reportAckUrgentMinutes: try f.optionalInt(.reportAckUrgentMinutes),
          reportAckImmediateMinutes: try f.optionalInt(.reportAckImmediateMinutes),
          handoverConfirmMinutes: try f.optionalInt(.handoverConfirmMinutes),
          fundApprovalThreshold: f.has(.fundApprovalThreshold) ? try f.money(.fundApprovalThreshold) : nil))
    }
  }

  /// The duty log, reports up and replies to directives.
  static func dutyLog(_ type: String, _ f: Fields) throws(Refusal) -> CordonCommand {
    switch type {
    case "logEntry":
      guard let channel = LogChannel(rawValue: try f.string(.channel)) else {
        throw Refusal(
          "json.oneOf", ["channel", LogChannel.allCases.map(\.rawValue).joined(separator: "|")], field: .channel)
      }
      return .logEntry(
        unit: try f.string(.unit), channel: channel, from: try f.string(.from, default: ""),
        text: try f.string(.text), action: try f.string(.action, default: ""),
        significant: try f.bool(.significant, default: false),
        followUpDue: f.has(.followUpDue) ? try f.time(.followUpDue) : nil, owner: try f.string(.owner, default: ""))
    case "closeFollowUp": return .closeFollowUp(entry: try f.string(.entry), note: try f.string(.note))
    case "voidLogEntry": return .voidLogEntry(entry: try f.string(.entry), reason: try f.string(.reason))
    case "reportUp":
      return .reportUp(
        unit: try f.string(.unit), priority: try f.priority(.priority, default: nil), text: try f.string(.text),
        ref: try f.optionalString(.ref))
    case "ackReport": return .acknowledgeReport(id: try f.string(.id))
    case "replyReport": return .replyReport(id: try f.string(.id), text: try f.string(.text))
    default: return .replyDirective(id: try f.string(.id), unit: try f.string(.unit), text: try f.string(.text))
    }
  }

  /// The fund's and the campaigns' commands; amounts are yuan to the fen, as a string or a number.
  static func fund(_ type: String, _ f: Fields) throws(Refusal) -> CordonCommand {
    switch type {
    case "fundLine":
      return .openFundLine(id: try f.string(.id), name: try f.string(.name), budget: try f.money(.budget))
    case "fundIncome":
      return .recordFundIncome(
        line: try f.string(.line), amount: try f.money(.amount), source: try f.string(.source),
        voucher: try f.string(.voucher))
    case "fundExpense":
      return .recordFundExpense(
        line: try f.string(.line), amount: try f.money(.amount), purpose: try f.string(.purpose),
        voucher: try f.string(.voucher))
    case "approveExpense": return .approveExpense(id: try f.string(.id), note: try f.string(.note, default: ""))
    case "rejectExpense": return .rejectExpense(id: try f.string(.id), note: try f.string(.note))
    case "reverseFundEntry":
      return .reverseFundEntry(id: try f.string(.id), voucher: try f.string(.voucher), reason: try f.string(.reason))
    case "startCampaign":
      return .startCampaign(id: try f.string(.id), name: try f.string(.name), recipient: try f.string(.recipient))
    case "donation":
      return .recordDonation(
        campaign: try f.string(.campaign), unit: try f.string(.unit), amount: try f.money(.amount),
        donor: try f.string(.donor, default: ""))
    case "voidDonation": return .voidDonation(id: try f.string(.id), reason: try f.string(.reason))
    default:
      return .handOverDonations(
        campaign: try f.string(.campaign), amount: try f.money(.amount), voucher: try f.string(.voucher))
    }
  }

  static func describe(_ error: Error) -> String {
    if case DecodingError.dataCorrupted(let c) = error {
      return (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? c.debugDescription
    }
    return "\(error)"
  }

  /// A JSON value that keeps booleans, numbers and strings apart (Foundation's
  /// NSNumber on Linux lets 0 pass for false) and numbers as written.
  enum JSONValue: Decodable {
    case null, bool(Bool), number(String), string(String), array([JSONValue]), object([String: JSONValue])
    /// A number no Swift type holds (1e400): still a number, so the field's own range is named.
    static let unrepresentable = JSONValue.number("out of range")

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      // Strings first: most of a command's values are, and each failed try
      // below builds a decoding error (a command's decode was most of what a
      // `post` client cost the server). Each try succeeds for its own JSON type only.
      if c.decodeNil() {
        self = .null
      } else if let s = try? c.decode(String.self) {
        self = .string(s)
      } else if let b = try? c.decode(Bool.self) {
        self = .bool(b)
      } else if let d = try? c.decode(Decimal.self) {
        self = .number(d.description)
      } else if let d = try? c.decode(Double.self) {
        // Beyond Decimal's range (1e308): kept as a number, refused by the field's range.
        self = .number(d.description)
      } else if let o = try? c.decode([String: JSONValue].self) {
        self = .object(o)
      } else if let a = try? c.decode([JSONValue].self) {
        self = .array(a)
      } else {
        // The document parsed, and this is neither null, a boolean, a string, an array nor an object.
        self = .unrepresentable
      }
    }
  }

  /// Typed access to a decoded object; every failure names the field.
  struct Fields {
    let object: [String: JSONValue]
    let calendar: LocalCalendar

    func has(_ k: CommandField) -> Bool {
      if let v = object[k.rawValue], case .null = v { return false }
      return object[k.rawValue] != nil
    }

    func string(_ k: CommandField, default d: String? = nil) throws(Refusal) -> String {
      guard has(k), let v = object[k.rawValue] else {
        if let d { return d }
        throw Refusal("json.missing", [k.rawValue], field: k.rawValue)
      }
      guard case .string(let s) = v else {
        throw Refusal("json.field", [k.rawValue, "json.type.string"], field: k.rawValue)
      }
      return s
    }
    func optionalString(_ k: CommandField) throws(Refusal) -> String? { has(k) ? try string(k) : nil }
    func strings(_ k: CommandField) throws(Refusal) -> [String] {
      guard let v = object[k.rawValue] else { throw Refusal("json.missing", [k.rawValue], field: k.rawValue) }
      guard case .array(let a) = v else {
        throw Refusal("json.field", [k.rawValue, "json.type.strings"], field: k.rawValue)
      }
      var out: [String] = []
      for e in a {
        guard case .string(let s) = e else {
          throw Refusal("json.field", [k.rawValue, "json.type.strings"], field: k.rawValue)
        }
        out.append(s)
      }
      return out
    }
    func int(_ k: CommandField) throws(Refusal) -> Int {
      guard let v = object[k.rawValue] else { throw Refusal("json.missing", [k.rawValue], field: k.rawValue) }
      guard case .number(let text) = v, let i = Int(text) else {
        throw Refusal("json.field", [k.rawValue, "json.type.wholeNumber"], field: k.rawValue)
      }
      return i
    }
    /// A whole number in `range`; anything else names the field and the range.
    func int(_ k: CommandField, in range: ClosedRange<Int>) throws(Refusal) -> Int {
      guard let v = object[k.rawValue] else { throw Refusal("json.missing", [k.rawValue], field: k.rawValue) }
      guard case .number(let text) = v else {
        throw Refusal("json.field", [k.rawValue, "json.type.wholeNumber"], field: k.rawValue)
      }
      guard let i = Int(text), range.contains(i) else {
        throw Refusal(
          "json.range",
          [k.rawValue, text, String(range.lowerBound), String(range.upperBound), "json.type.wholeNumber"],
          field: k.rawValue)
      }
      return i
    }
    func optionalInt(_ k: CommandField) throws(Refusal) -> Int? { has(k) ? try int(k) : nil }
    func optionalBool(_ k: CommandField) throws(Refusal) -> Bool? { has(k) ? try bool(k, default: false) : nil }
    func siteKind(_ k: CommandField) throws(Refusal) -> SiteKind {
      guard let kind = SiteKind(word: try string(k)) else {
        throw Refusal(
          "json.oneOf", [k.rawValue, SiteKind.allCases.map(\.rawValue).joined(separator: "|")], field: k.rawValue)
      }
      return kind
    }
    /// A list of category words (值班值守人员, onDuty, …); nil when absent.
    func categories(_ k: CommandField) throws(Refusal) -> [PersonCategory]? {
      guard has(k) else { return nil }
      var out: [PersonCategory] = []
      for w in try strings(k) {
        guard let c = PersonCategory(word: w) else {
          throw Refusal(
            "json.oneOf", [k.rawValue, PersonCategory.allCases.map(\.rawValue).joined(separator: "|")],
            field: k.rawValue)
        }
        out.append(c)
      }
      return out
    }
    func bool(_ k: CommandField, default d: Bool) throws(Refusal) -> Bool {
      guard has(k), let v = object[k.rawValue] else { return d }
      guard case .bool(let b) = v else {
        throw Refusal("json.field", [k.rawValue, "json.type.bool"], field: k.rawValue)
      }
      return b
    }
    /// Numbers are read through their decimal text, so 38.2 stays 38.2.
    private func decimalText(_ k: CommandField) throws(Refusal) -> String {
      guard let v = object[k.rawValue] else { throw Refusal("json.missing", [k.rawValue], field: k.rawValue) }
      switch v {
      case .number(let t), .string(let t): return t
      default: throw Refusal("json.field", [k.rawValue, "json.type.number"], field: k.rawValue)
      }
    }
    func quantity(_ k: CommandField) throws(Refusal) -> Quantity {
      let text = try decimalText(k)
      guard let q = Quantity(parsing: text) else {
        throw Refusal(
          "json.range", [k.rawValue, text, "0", Limits.balance.description, "json.type.decimal"],
          field: k.rawValue)
      }
      return q
    }
    /// Yuan to the fen, as a string ("10000.00") or a number; never negative, at most two decimals.
    func money(_ k: CommandField) throws(Refusal) -> Money {
      try Money.parse(try decimalText(k), field: k)
    }
    func celsius(_ k: CommandField) throws(Refusal) -> Celsius {
      guard let c = Celsius(parsing: try decimalText(k)) else {
        throw Refusal("json.field", [k.rawValue, "json.type.temperature"], field: k.rawValue)
      }
      return c
    }
    func time(_ k: CommandField) throws(Refusal) -> Instant {
      guard let t = calendar.parse(try string(k)) else {
        throw Refusal("json.field", [k.rawValue, "json.type.time"], field: k.rawValue)
      }
      return t
    }
    func day(_ k: CommandField) throws(Refusal) -> Int {
      guard let d = calendar.parseDay(try string(k)) else {
        throw Refusal("json.field", [k.rawValue, "json.type.date"], field: k.rawValue)
      }
      return d
    }
    /// routine|urgent|immediate; `default` nil makes the field required.
    func priority(_ k: CommandField, default d: DutyPriority?) throws(Refusal) -> DutyPriority {
      if !has(k), let d { return d }
      guard let p = DutyPriority(rawValue: try string(k)) else {
        throw Refusal(
          "json.oneOf", [k.rawValue, DutyPriority.allCases.map(\.rawValue).joined(separator: "|")], field: k.rawValue)
      }
      return p
    }
    /// A handover's queries: [{"item": N, "text": "…"}]; absent, none.
    func queries(_ k: CommandField) throws(Refusal) -> [HandoverQuery] {
      guard has(k), let v = object[k.rawValue] else { return [] }
      guard case .array(let a) = v else {
        throw Refusal("json.field", [k.rawValue, "json.type.queries"], field: k.rawValue)
      }
      var out: [HandoverQuery] = []
      for e in a {
        guard case .object(let o) = e, o.keys.allSatisfy({ $0 == "item" || $0 == "text" }),
          case .number(let n)? = o["item"], let item = Int(n), case .string(let text)? = o["text"]
        else { throw Refusal("json.field", [k.rawValue, "json.type.queries"], field: k.rawValue) }
        out.append(HandoverQuery(item: item, text: text))
      }
      return out
    }
    func alertKey(_ k: CommandField) throws(Refusal) -> AlertKey {
      guard let key = AlertKey(parsing: try string(k)) else {
        throw Refusal("json.field", [k.rawValue, "json.type.alert"], field: k.rawValue)
      }
      return key
    }
  }
}
