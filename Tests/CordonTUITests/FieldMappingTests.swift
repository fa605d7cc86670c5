import CordonModel
import EventSourcing
import XCTest

@testable import CordonTUI

/// Every refusal lands under a field of the form that caused it: forms, the
/// validator and the JSON decoder share `CommandField`. The test fills every
/// form many times with good, bad and borderline values (seeded, so it
/// replays), sends each through the real validator, and checks every refusal
/// names a field of that form, or none (then it is shown on the form itself).
final class FieldMappingTests: XCTestCase {
  static let now = CordonState().calendar.parse("2020-02-07 09:30") ?? Instant(milliseconds: 0)

  /// The demo organisation at 09:30 with open alerts, a resolved alert, a
  /// closed site, a submitted request and a directive.
  static func state() throws -> CordonState {
    var s = CordonState()
    func run(_ c: CordonCommand, at t: Instant = now) throws {
      let events = try CordonDomain.decide(c, context: CommandContext(actor: "t", unit: nil, now: t), state: s)
      append(events, at: t)
    }
    func append(_ events: [CordonEvent], at t: Instant) {
      for e in events {
        s.apply(EventRecord(seq: s.lastSeq + 1, time: t, actor: "t", unit: nil, commandID: nil, event: e))
      }
    }
    let day = s.calendar.day(of: now)
    try run(
      .register(
        DemoOrganisation.registration()
          + DemoOrganisation.shifts(fromDay: day - 1, toDay: day + 1, calendar: s.calendar, existing: [])))
    append(CordonDomain.housekeeping(state: s, now: now), at: now)
    try run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 386)))
    try run(.recordFever(site: "ht-1", personName: "李四", reading: Celsius(tenths: 389)))
    try run(.resolveAlert(AlertKey(rule: .fever, subject: "ht-1/李四"), note: "sent home"))
    try run(.closeSite(site: s.orderedSites.last?.id ?? ""))
    try run(
      .submitRequest(unit: "heating", item: "mask", quantity: Quantity(milli: 5000), urgency: .urgent, reason: "r"))
    // A fund line with money in it and a donation campaign (the fund view's forms).
    try run(.openFundLine(id: "epi", name: "防疫物资", budget: Money(yuan: 100)))
    try run(.recordFundIncome(line: "epi", amount: Money(yuan: 50), source: "拨款", voucher: "12"))
    try run(.startCampaign(id: "rc", name: "捐款", recipient: "红十字会"))
    // An expense awaiting approval (the approve and reject forms' subject).
    try run(.recordFundExpense(line: "epi", amount: Money(yuan: 40), purpose: "采购", voucher: "13"))
    try run(.changeSettings(SettingsChanges(fundApprovalThreshold: Money(yuan: 1))))
    try run(.recordFundExpense(line: "epi", amount: Money(yuan: 5), purpose: "慰问", voucher: "14"))
    // A visit with an open finding and a rectified one; a team with a member deployed (issue 17's forms).
    try run(.recordInspection(id: "in1", unit: "jinyuan", sites: ["jy-dongfeng"], checked: nil, notes: ""))
    for id in ["f1", "f2"] {
      try run(
        .raiseFinding(
          id: id, inspection: "in1", unit: "jinyuan", text: "t", severity: .minor, deadline: now.adding(minutes: 600),
          request: nil))
    }
    try run(.rectifyFinding(finding: "f2", note: "done"))
    try run(
      .formTeam(id: "vg", name: "先锋突击队", leader: "jinyuan-leader-1", members: ["jinyuan-officer-1"]))
    try run(
      .deploy(
        team: "vg", person: "jinyuan-officer-1", site: "jy-dongfeng", start: now, end: now.adding(minutes: 600)))
    return s
  }

  func testEveryRefusalOfEveryFormNamesAFieldOfThatForm() throws {
    let state = try Self.state()
    let strings = Strings(.en)
    let alerts = state.alerts.keys.sorted { $0.description < $1.description }
    let missing = AlertKey(rule: .fever, subject: "nowhere/nobody")
    let shifts = state.shifts.values.sorted { $0.id < $1.id }.map(\.id)
    let sites = state.orderedSites.map(\.id)
    var purposes: [FormPurpose] = [
      .temperatureRound, .feverCase, .disinfection, .assignShift, .handover, .issueStock, .receiveStock,
      .transferStock, .countStock, .requestSupplies, .healthRegister, .issueDirective,
    ]
    // What a form takes from the selection (a site, a shift, an alert) is a
    // row on screen; only an alert can vanish under it (resolved meanwhile),
    // and its refusals name no field: they are shown on the form.
    for site in [sites.first, sites.last].compactMap({ $0 }) { purposes.append(.openSite(site)) }
    for shift in [shifts.first, shifts.last].compactMap({ $0 }) { purposes.append(.swapShift(shift)) }
    for key in alerts + [missing] {
      purposes += [.resolveAlert(key), .silenceAlert(key), .assignAlert(key)]
    }
    // The organisation view's forms (the command role's).
    purposes += [.addUnit, .addSite(unit: nil), .addPerson(unit: "heating"), .addItem, .changeSettings]
    for unit in [state.orderedUnits.first, state.orderedUnits.last].compactMap({ $0?.id }) {
      purposes.append(.editUnit(unit))
    }
    for site in [sites.first, sites.last].compactMap({ $0 }) { purposes.append(.editSite(site)) }
    for person in state.people.keys.sorted().prefix(2) { purposes.append(.editPerson(person)) }
    for item in state.orderedItems.prefix(2) { purposes.append(.editItem(item.id)) }
    // The fund view's forms with fields of their own (approving, rejecting and
    // reversing name their subject, chosen on screen, as the duty forms do).
    purposes += [.fundIncome(line: nil), .fundExpense(line: "epi"), .donation(campaign: nil)]
    // Approving, rejecting and reversing name their entry in a field of their own.
    for e in state.fund.entries(line: nil) {
      purposes += e.isAwaitingApproval ? [.approveExpense(e.id), .rejectExpense(e.id)] : [.reverseFundEntry(e.id)]
    }
    purposes += [.approveExpense("fe999"), .reverseFundEntry("fi999")]
    // The inspections and teams views' forms.
    for unit in [nil, "jinyuan", "heating"] {
      purposes += [.inspection(unit: unit), .finding(unit: unit), .rectify(unit: unit), .verifyFinding(unit: unit)]
    }
    purposes += [
      .team(nil), .team("vg"), .deploy(team: "vg"), .deploy(team: nil), .recall(team: "vg"), .recall(team: nil),
    ]
    let pool = [
      "", " ", "0", "1", "2", "3", "-1", "12", "60", "100001", "10081", "0.5", "34", "36.5", "38.5", "46", "abc",
      String(repeating: "长", count: 501), "2020-02-07 08:00", "2020-02-07 10:00", "2020-02-07 18:00",
      "2020-02-08 12:00", "2020-02-09 10:00", "2020-02-06 09:00", "hq", "heating", "all", "nosuch",
      "jy-dongfeng", "jy-dongfeng, ht-1", "体温检测开展", "体温检测开展、月球", "jinyuan-leader-1, nobody",
      "2020-06-01 10:00", "a b",
    ]
    var random = SeededRandom(seed: 13)
    var reached: [String: Set<String>] = [:]
    var misfiled = Set<String>()
    for purpose in purposes {
      let blank = FormCatalog.make(purpose, state: state, selection: nil, now: Self.now, strings: strings)
      let ids = Set(blank.fields.map(\.id))
      XCTAssertEqual(ids.count, blank.fields.count, "\(purpose): two fields share an id")
      for round in 0..<400 {
        var form = blank
        for i in form.fields.indices where round > 0 && Int.random(in: 0..<3, using: &random) != 0 {
          if case .choice(let choices) = form.fields[i].kind {
            if Int.random(in: 0..<8, using: &random) == 0 {
              form.fields[i].editor = LineEditor("zzzz")
            } else if !choices.isEmpty {
              form.fields[i].choiceIndex = Int.random(in: 0..<choices.count, using: &random)
            }
          } else {
            form.fields[i].editor = LineEditor(pool[Int.random(in: 0..<pool.count, using: &random)])
          }
        }
        form.override = Bool.random(using: &random)
        let command: CordonCommand
        do {
          command = try FormCatalog.command(form, state: state, now: Self.now, strings: strings)
        } catch {
          XCTAssertTrue(ids.contains(error.field), "\(purpose): a parse error names \(error.field), not in the form")
          continue
        }
        do {
          _ = try CordonDomain.decide(
            command, context: CommandContext(actor: "t", unit: nil, now: Self.now), state: state)
        } catch {
          reached["\(purpose)", default: []].insert(error.code)
          guard let field = error.field else { continue }
          // Asking to confirm (a move with open shifts) is the form's own question, shown on the form.
          if field == CommandField.confirm.rawValue && FormCatalog.confirmable.contains(error.code) { continue }
          let named = try XCTUnwrap(CommandField(rawValue: field), "\(error.code) names \(field), not a CommandField")
          if !ids.contains(named) {
            misfiled.insert("\(purpose): \(error.code) names '\(field)', the form has \(ids.map(\.rawValue).sorted())")
          }
        }
      }
    }
    XCTAssertEqual(misfiled.sorted(), [], "refusals that would not appear under their field")
    // The walk reaches the refusals the issue found misfiled, and many more.
    let all = reached.values.reduce(into: Set<String>()) { $0.formUnion($1) }
    for code in [
      "silence.duration", "field.required", "reading.outOfRange", "fever.belowThreshold", "round.feversExceedChecked",
      "field.outOfRange", "quantity.notPositive", "quantity.negative", "stock.insufficient", "transfer.sameUnit",
      "shift.endNotAfterStart", "shift.tooLong", "directive.deadlinePast", "field.tooLong", "alert.resolved",
      "alert.unknown", "site.closed", "unit.unknown",
    ] {
      XCTAssertTrue(all.contains(code), "the walk never reached \(code): \(all.sorted())")
    }
    XCTAssertTrue(reached["\(FormPurpose.healthRegister)"]?.contains("reading.outOfRange") ?? false)
    // Issue 17's forms reach their own refusals too.
    for code in [
      "inspection.notOnChecklist", "inspection.siteOtherUnit", "site.unknown", "finding.deadlinePast",
      "finding.deadlineTooFar", "finding.unknown", "person.unknown", "deploy.overlap", "deploy.unknown",
      "fund.unknownEntry",
    ] {
      XCTAssertTrue(all.contains(code), "the walk never reached \(code): \(all.sorted())")
    }
  }

  /// The JSON decoder names its fields in the same vocabulary.
  func testJSONRefusalsNameCommandFields() {
    let cal = CordonState().calendar
    for line in [
      #"{"type":"silence","alert":"fever/ht-1/x","minutes":"x","reason":"r"}"#,
      #"{"type":"assignAlert","alert":"fever/ht-1/x"}"#,
      #"{"type":"health","person":"p","date":"2020-02-07","category":"staff","morningCheck":"hot"}"#,
      #"{"type":"nosuch"}"#,
    ] {
      do {
        _ = try CommandJSON.decode(line, calendar: cal)
        XCTFail("decoded \(line)")
      } catch {
        XCTAssertNotNil(error.commandField, "\(line): \(error)")
      }
    }
  }
}
