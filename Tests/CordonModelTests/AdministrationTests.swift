import CordonModel
import EventSourcing
import XCTest

/// The organisation as data: every change a validated command, refused with the field at fault.
final class AdministrationTests: XCTestCase {
  func testAddingUnitsSitesItemsAndPeopleIsValidatedFieldByField() throws {
    var h = Harness()
    let before = h.state
    let cases: [(CordonCommand, String, String)] = [
      (.addUnit(OrgUnit(id: "jindun", name: .init(zh: "重复", en: ""), isKey: false)), "unit.exists", "id"),
      (.addUnit(OrgUnit(id: "has space", name: .init(zh: "x", en: ""), isKey: false)), "org.badID", "id"),
      (.addUnit(OrgUnit(id: "u2", name: .init(zh: " ", en: ""), isKey: false)), "field.required", "name"),
      (
        .addUnit(OrgUnit(id: "u2", name: .init(zh: "第二机关", en: ""), isKey: false, isHeadquarters: true)),
        "org.headquartersTaken", "headquarters"
      ),
      (
        .addUnit(OrgUnit(id: "u2", name: .init(zh: "x", en: ""), isKey: false, parent: "nope")), "unit.unknown",
        "parent"
      ),
      (
        .addSite(SiteSpec(id: "ht-1", unit: "heating", name: .init(zh: "x", en: ""), kind: .heatStation), open: true),
        "site.exists", "id"
      ),
      (
        .addSite(SiteSpec(id: "s9", unit: "nope", name: .init(zh: "x", en: ""), kind: .office), open: true),
        "unit.unknown", "unit"
      ),
      (
        .addSite(
          SiteSpec(id: "s9", unit: "heating", name: .init(zh: "x", en: ""), kind: .office, roundsPerDay: 49),
          open: true), "field.outOfRange", "roundsPerDay"
      ),
      (
        .addSite(
          SiteSpec(
            id: "s9", unit: "heating", name: .init(zh: "x", en: ""), kind: .office,
            reportIntervalMinutes: -1), open: true), "field.outOfRange", "reportIntervalMinutes"
      ),
      (
        .addItem(
          SupplyItem(
            id: "mask", name: .init(zh: "x", en: ""), unitOfMeasure: .init(zh: "只", en: ""),
            wholePieces: true)), "item.exists", "id"
      ),
      (
        .addItem(
          SupplyItem(
            id: "soap", name: .init(zh: "肥皂", en: ""), unitOfMeasure: .init(zh: "块", en: ""),
            wholePieces: true, defaultMinimum: Quantity(-5))), "quantity.negative", "minimum"
      ),
      (
        .addItem(
          SupplyItem(
            id: "soap", name: .init(zh: "肥皂", en: ""), unitOfMeasure: .init(zh: "", en: ""),
            wholePieces: true)), "field.required", "measure"
      ),
      (.addPerson(Person(id: "", name: "王五", unit: "nope", phone: "", categories: [])), "unit.unknown", "unit"),
      (
        .addPerson(Person(id: "", name: "王五", unit: "heating", phone: "call me", categories: [])), "org.badPhone",
        "phone"
      ),
      (.changeSettings(SettingsChanges(feverThreshold: Celsius(tenths: 425))), "field.outOfRange", "feverThreshold"),
      (.changeSettings(SettingsChanges(feverThreshold: Celsius(tenths: 345))), "field.outOfRange", "feverThreshold"),
      (
        .changeSettings(SettingsChanges(plausibleMin: Celsius(tenths: 380))), "settings.thresholdOutsideRange",
        "feverThreshold"
      ),
      (.changeSettings(SettingsChanges(ackTimeoutMinutes: 0)), "field.outOfRange", "ackTimeoutMinutes"),
    ]
    for (command, code, field) in cases {
      let r = h.refusal(command)
      XCTAssertEqual(r?.code, code, "\(command)")
      XCTAssertEqual(r?.field, field, "\(command)")
      XCTAssertFalse(Strings(.zh).refusal(try XCTUnwrap(r)).contains("refusal."), "worded: \(code)")
      XCTAssertFalse(Strings(.en).refusal(try XCTUnwrap(r)).contains("refusal."), "worded: \(code)")
    }
    XCTAssertEqual(h.state, before, "nothing changed")

    try h.run(.addUnit(OrgUnit(id: "lab", name: .init(zh: "检测中心", en: "Lab"), isKey: true, parent: "hq")))
    try h.run(.addSite(SiteSpec(id: "lab-1", unit: "lab", name: .init(zh: "检测点", en: ""), kind: .other), open: false))
    try h.run(
      .addItem(
        SupplyItem(
          id: "soap", name: .init(zh: "肥皂", en: "Soap"), unitOfMeasure: .init(zh: "块", en: ""),
          wholePieces: true, defaultMinimum: Quantity(20))))
    try h.run(
      .addPerson(Person(id: "", name: "王五", unit: "lab", phone: "138 0000 0000", categories: [.onDuty, .onDuty])))
    XCTAssertEqual(h.state.units["lab"]?.parent, "hq")
    XCTAssertEqual(h.state.sites["lab-1"]?.isOpen, false, "open = false registers the site closed")
    let person = try XCTUnwrap(h.state.people.values.first { $0.name == "王五" })
    XCTAssertEqual(person.categories, [.onDuty])
    try h.run(.receiveStock(unit: "lab", item: "soap", quantity: Quantity(5), kind: .purchase, reason: ""))
    XCTAssertEqual(h.state.stock[StockKey(unit: "lab", item: "soap")]?.minimum, Quantity(20), "the default minimum")
  }

  func testRetiringIsRefusedWhileSomethingIsLeftAndKeepsTheName() throws {
    var h = Harness()
    let r = try XCTUnwrap(h.refusal(.retireUnit(id: "heating")))
    XCTAssertEqual(r.code, "org.retireLeft")
    let zh = Strings(.zh).refusal(r)
    XCTAssertTrue(zh.contains("热力总公司") && zh.contains("未结束班次") && zh.contains("有库存的物资"), zh)
    XCTAssertTrue(Strings(.en).refusal(r).contains("open shifts"), Strings(.en).refusal(r))
    XCTAssertEqual(h.refusal(.retireUnit(id: "hq"))?.code, "org.retireHeadquarters")

    // A site with an open alert is refused, then retired once it is resolved.
    try h.run(.recordFever(site: "ht-2", personName: "张三", reading: Celsius(tenths: 390)))
    let site = try XCTUnwrap(h.refusal(.retireSite(id: "ht-2")))
    XCTAssertTrue(Strings(.zh).refusal(site).contains("未解决告警 1 条"), Strings(.zh).refusal(site))
    try h.run(.resolveAlert(AlertKey(rule: .fever, subject: "ht-2/张三"), note: "送医"))
    try h.run(.retireSite(id: "ht-2"))
    XCTAssertFalse(h.state.orderedSites.contains { $0.id == "ht-2" }, "out of the panes")
    XCTAssertEqual(h.state.siteName("ht-2", .zh), "第二热力站", "the name stays for the history")
    XCTAssertEqual(
      h.refusal(.recordRound(site: "ht-2", checked: 1, fevers: 0, acceptMissingCases: false))?.code,
      "site.closed")
    XCTAssertEqual(h.refusal(.updateSite(id: "ht-2", SiteChanges(name: "x")))?.code, "site.unknown")

    // An item with stock anywhere cannot be retired; one never held can.
    XCTAssertEqual(h.refusal(.retireItem(id: "mask"))?.code, "org.retireLeft")
    try h.run(
      .addItem(
        SupplyItem(
          id: "soap", name: .init(zh: "肥皂", en: ""), unitOfMeasure: .init(zh: "块", en: ""),
          wholePieces: true)))
    try h.run(.retireItem(id: "soap"))
    XCTAssertFalse(h.state.orderedItems.contains { $0.id == "soap" })
    XCTAssertEqual(
      h.refusal(
        .addItem(
          SupplyItem(
            id: "soap", name: .init(zh: "肥皂", en: ""),
            unitOfMeasure: .init(zh: "块", en: ""), wholePieces: true)))?.code, "item.exists", "ids are not reused")
  }

  func testMovingAPersonWithOpenShiftsAsksThenCancelsThem() throws {
    var h = Harness()
    let person = "heating-officer-1"
    let open = h.state.shifts.values.filter { $0.person == person && $0.counts && $0.end > h.now }
    XCTAssertFalse(open.isEmpty)
    let r = try XCTUnwrap(h.refusal(.updatePerson(id: person, PersonChanges(unit: "jinyuan"), confirm: false)))
    XCTAssertEqual(r.code, "org.moveShifts")
    XCTAssertEqual(r.field, "confirm")
    XCTAssertTrue(Strings(.zh).refusal(r).contains("热力总公司"), Strings(.zh).refusal(r))
    let events = try h.run(.updatePerson(id: person, PersonChanges(unit: "jinyuan"), confirm: true))
    let cancelled = events.compactMap { e -> String? in
      if case .shiftCancelled(let id, let reason) = e, reason.contains("jinyuan") { return id }
      return nil
    }
    XCTAssertEqual(Set(cancelled), Set(open.map(\.id)))
    XCTAssertEqual(h.state.people[person]?.unit, "jinyuan")
    XCTAssertTrue(open.allSatisfy { h.state.shifts[$0.id]?.cancelled == true })

    let leaver = "jindun-officer-2"
    XCTAssertEqual(h.refusal(.retirePerson(id: leaver, confirm: false))?.code, "org.retireShifts")
    try h.run(.retirePerson(id: leaver, confirm: true))
    XCTAssertNotNil(h.state.people[leaver]?.retiredAt)
    XCTAssertEqual(
      h.refusal(.updatePerson(id: leaver, PersonChanges(phone: "1"), confirm: false))?.code,
      "person.unknown")
  }

  func testHeadquartersAndReserveComeFromTheOrganisation() throws {
    var h = Harness(seedDemo: false)
    try h.run(
      .register([
        .unitRegistered(OrgUnit(id: "zb", name: .init(zh: "总部", en: ""), isKey: false, isHeadquarters: true)),
        .unitRegistered(OrgUnit(id: "a", name: .init(zh: "甲公司", en: ""), isKey: false)),
        .unitRegistered(OrgUnit(id: "store", name: .init(zh: "物资库", en: ""), isKey: false)),
        .itemRegistered(
          SupplyItem(
            id: "m", name: .init(zh: "口罩", en: ""), unitOfMeasure: .init(zh: "只", en: ""),
            wholePieces: true)),
      ]))
    XCTAssertEqual(h.state.headquarters, "zb")
    XCTAssertEqual(h.state.reserveUnit, "zb")
    try h.run(.receiveStock(unit: "zb", item: "m", quantity: Quantity(100), kind: .purchase, reason: ""))
    try h.run(.submitRequest(unit: "a", item: "m", quantity: Quantity(10), urgency: .routine, reason: "缺"))
    let id = try XCTUnwrap(h.state.requests.keys.first)
    try h.run(.approveRequest(id: id, quantity: Quantity(10), note: ""))
    XCTAssertEqual(h.state.stock[StockKey(unit: "zb", item: "m")]?.balance, Quantity(90), "drawn from the HQ")

    // The reserve moves to the store; approvals draw from there.
    try h.run(.updateUnit(id: "store", UnitChanges(holdsReserve: true)))
    XCTAssertEqual(h.state.reserveUnit, "store")
    try h.run(.submitRequest(unit: "a", item: "m", quantity: Quantity(5), urgency: .routine, reason: "缺"))
    let second = try XCTUnwrap(h.state.requests.keys.first { $0 != id })
    XCTAssertEqual(
      h.refusal(.approveRequest(id: second, quantity: Quantity(5), note: ""))?.code, "request.reserveShort")

    // Headquarters moves, never vanishes.
    XCTAssertEqual(
      h.refusal(.updateUnit(id: "zb", UnitChanges(isHeadquarters: false)))?.code,
      "org.needsHeadquarters")
    try h.run(.updateUnit(id: "a", UnitChanges(isHeadquarters: true)))
    XCTAssertEqual(h.state.headquarters, "a")
    XCTAssertEqual(h.state.units["zb"]?.isHeadquarters, false)
  }

  func testReportForADayBeforeARenameShowsThatDaysName() throws {
    var h = Harness()
    try h.run(.recordRound(site: "ht-1", checked: 10, fevers: 0, acceptMissingCases: false))
    let day = h.state.calendar.day(of: h.now)
    h.advance(minutes: 24 * 60)
    try h.run(.updateUnit(id: "heating", UnitChanges(name: "城市热力公司")))
    try h.run(.updateSite(id: "ht-1", SiteChanges(name: "一号站")))
    XCTAssertEqual(h.state.unitName("heating", .zh), "城市热力公司")
    var end = CordonState()
    let cut = h.state.calendar.startOfDay(day + 1)
    for r in h.journal where r.time < cut { end.apply(r) }
    let report = DailyReport(day: day, records: h.journal, end: end)
    let text = ReportRenderer.render(report, state: end, format: .txt, strings: Strings(.zh))
    XCTAssertTrue(text.contains("热力总公司"), text)
    XCTAssertFalse(text.contains("城市热力公司"), text)
    let audit = h.journal.map { AuditTrail.line($0, state: h.state, strings: Strings(.zh)) }
    XCTAssertTrue(audit.contains { $0.contains("修改单位") && $0.contains("城市热力公司") }, "in the audit trail")
  }

  func testAdministrationIsTheCommandRolesOnly() {
    let h = Harness()
    let commands: [CordonCommand] = [
      .addUnit(OrgUnit(id: "x", name: .init(zh: "x", en: ""), isKey: false)),
      .updateUnit(id: "heating", UnitChanges(name: "y")), .retireUnit(id: "heating"),
      .addSite(SiteSpec(id: "s", unit: "heating", name: .init(zh: "s", en: ""), kind: .office), open: true),
      .updateSite(id: "ht-1", SiteChanges(roundsPerDay: 3)), .retireSite(id: "ht-1"),
      .addItem(
        SupplyItem(
          id: "i", name: .init(zh: "i", en: ""), unitOfMeasure: .init(zh: "个", en: ""),
          wholePieces: true)),
      .updateItem(id: "mask", ItemChanges(name: "m")), .retireItem(id: "mask"),
      .addPerson(Person(id: "", name: "n", unit: "heating", phone: "", categories: [])),
      .updatePerson(id: "heating-officer-1", PersonChanges(phone: "1"), confirm: false),
      .retirePerson(id: "heating-officer-1", confirm: true),
      .changeSettings(SettingsChanges(restHours: 10)),
    ]
    let others = [
      Principal(user: "op", role: .operator, units: ["heating"]),
      Principal(user: "in", role: .inspector, units: ["heating"]),
      Principal(user: "vw", role: .viewer, units: []),
    ]
    for c in commands {
      XCTAssertNil(Authorization.check(c, by: Principal(user: "hq", role: .command, units: []), in: h.state))
      for p in others {
        XCTAssertEqual(Authorization.check(c, by: p, in: h.state)?.code, "auth.notPermitted", "\(p.role) \(c)")
      }
      XCTAssertEqual(
        Authorization.check(.batch([.recordVentilation(site: "ht-1"), c]), by: others[0], in: h.state)?.code,
        "auth.notPermitted", "inside a batch too")
    }
  }

  func testAdminCommandsAsJSONLinesRoundTrip() throws {
    let cal = CordonState().calendar
    let commands: [CordonCommand] = [
      .addUnit(OrgUnit(id: "x", name: .init(zh: "新单位", en: "New"), isKey: true, parent: "hq", holdsReserve: true)),
      .updateUnit(id: "heating", UnitChanges(name: "y", isKey: false, parent: "")), .retireUnit(id: "heating"),
      .addSite(
        SiteSpec(
          id: "s", unit: "heating", name: .init(zh: "s", en: "S"), kind: .other, roundsPerDay: 3,
          disinfectionsPerDay: 2, reportIntervalMinutes: 90, staffOnPost: 4), open: false),
      .updateSite(id: "ht-1", SiteChanges(unit: "jinyuan", kind: .office, roundsPerDay: 3)),
      .retireSite(id: "ht-1"),
      .addItem(
        SupplyItem(
          id: "i", name: .init(zh: "i", en: ""), unitOfMeasure: .init(zh: "升", en: "L"),
          wholePieces: false, defaultMinimum: Quantity(milli: 2500))),
      .updateItem(id: "mask", ItemChanges(measure: "盒", wholePieces: true, defaultMinimum: Quantity(3))),
      .retireItem(id: "mask"),
      .addPerson(Person(id: "p1", name: "n", unit: "heating", phone: "1", categories: [.volunteer, .onPost])),
      .updatePerson(id: "p1", PersonChanges(unit: "jinyuan", categories: []), confirm: true),
      .retirePerson(id: "p1", confirm: false),
      .changeSettings(SettingsChanges(feverThreshold: Celsius(tenths: 375), restHours: 10, lowCoverDays: 5)),
    ]
    for c in commands {
      let line = try XCTUnwrap(CommandJSON.encode(c, calendar: cal), "\(c)")
      XCTAssertEqual(try CommandJSON.decode(line, calendar: cal), c, line)
    }
    // The register's own words for categories.
    let words =
      #"{"type":"addPerson","name":"李四","unit":"heating","categories":["值班值守人员","在岗上班人员","党员在岗","志愿者在岗","留观特护人员","其余在职人员"]}"#
    guard case .addPerson(let p) = try CommandJSON.decode(words, calendar: cal) else { return XCTFail() }
    XCTAssertEqual(p.categories, PersonCategory.allCases)
    XCTAssertEqual(CommandJSON.types.count, Set(CommandJSON.types).count)
  }
}
