import CordonModel
import EventSourcing
import XCTest

/// Sites and people as CSV tables: export → import into a fresh store → export
/// again gives the same bytes, with the values a real register holds (quotes,
/// commas, line breaks in a cell, CJK, a phone with its country code).
final class CSVRoundTripTests: XCTestCase {
  /// Three units, one with a name that needs quoting; no demo.
  private func organisation() throws -> Harness {
    var h = Harness(seedDemo: false)
    try h.run(
      .addUnit(OrgUnit(id: "hq", name: LocalizedName(zh: "集团机关", en: "HQ"), isKey: false, isHeadquarters: true)))
    try h.run(
      .addUnit(OrgUnit(id: "heat", name: LocalizedName(zh: "热力\"总\"公司, 西区", en: "Heating, \"West\""), isKey: true)))
    try h.run(.addUnit(OrgUnit(id: "guard", name: LocalizedName(zh: "金盾护卫", en: ""), isKey: false, parent: "hq")))
    return h
  }

  private func csv(_ state: CordonState, _ table: CSVExport.OrgTable, _ language: Language) -> String {
    CSVWriter.write(CSVExport.organisation(state, table, language: language), bom: true)
  }

  /// Exports `table`, imports it into `fresh` with `importer`, and checks the
  /// second export is the first, byte for byte, in both languages.
  private func roundTrip(
    _ state: CordonState, _ table: CSVExport.OrgTable, into fresh: Harness,
    _ importer: ([UInt8], CordonState) throws(CSVImportError) -> CSVImportPlan,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> CordonState {
    var last = CordonState()
    for language in [Language.zh, .en] {
      var h = fresh
      let first = csv(state, table, language)
      let plan = try importer(Array(first.utf8), h.state)
      try h.run(try XCTUnwrap(plan.command, file: file, line: line))
      XCTAssertEqual(csv(h.state, table, language), first, "\(table) \(language)", file: file, line: line)
      last = h.state
    }
    return last
  }

  func testSitesExportImportExportIsByteIdentical() throws {
    let empty = try organisation()
    var h = empty
    let odd: [(String, LocalizedName, SiteKind, Int, Int, Int, Int)] = [
      ("ht-1", LocalizedName(zh: "一号换热站", en: "Heat station 1"), .heatStation, 2, 1, 240, 3),
      ("c-2", LocalizedName(zh: "金堆城\"职工\"小区, 东门", en: "Compound \"East\", gate"), .compoundCheckpoint, 3, 2, 120, 0),
      ("off-3", LocalizedName(zh: "办公楼 ２ 层", en: ""), .office, 0, 0, 0, 10_000),
      ("fleet", LocalizedName(zh: "勤务车队", en: "Fleet"), .vehicleFleet, 48, 48, 10_080, 1),
    ]
    for (id, name, kind, rounds, disinfections, interval, staff) in odd {
      try h.run(
        .addSite(
          SiteSpec(
            id: id, unit: id == "fleet" ? "guard" : "heat", name: name, kind: kind, roundsPerDay: rounds,
            disinfectionsPerDay: disinfections, reportIntervalMinutes: interval, staffOnPost: staff),
          open: id != "off-3"))
    }
    let again = try roundTrip(h.state, .sites, into: empty, CSVImport.sites)
    XCTAssertEqual(again.orderedSites.map(\.id), h.state.orderedSites.map(\.id))
    for s in h.state.orderedSites {
      let t = try XCTUnwrap(again.sites[s.id], s.id)
      XCTAssertEqual(
        [t.name.zh, t.name.en, t.unit, t.kind.rawValue], [s.name.zh, s.name.en, s.unit, s.kind.rawValue], s.id)
      XCTAssertEqual(
        [t.roundsPerDay, t.disinfectionsPerDay, t.reportIntervalMinutes, t.staffOnPost],
        [s.roundsPerDay, s.disinfectionsPerDay, s.reportIntervalMinutes, s.staffOnPost], s.id)
      XCTAssertEqual(t.isOpen, s.isOpen, s.id)
    }
  }

  func testPeopleExportImportExportIsByteIdentical() throws {
    let empty = try organisation()
    var h = empty
    // More than nine in one unit: the export's order must survive ids that number past 9.
    for n in 1...12 {
      try h.run(.addPerson(Person(id: "g\(n)", name: "护卫\(n)号", unit: "guard", phone: "1380000\(n)", categories: [])))
    }
    try h.run(
      .addPerson(
        Person(
          id: "x1", name: "王\"小\"明, 二组", unit: "heat", phone: "+86 (29) 8888-0000",
          categories: [.onDuty, .partyMemberOnPost, .volunteer])))
    try h.run(.addPerson(Person(id: "x2", name: "Zhang San", unit: "hq", phone: "", categories: [.underObservation])))
    let again = try roundTrip(h.state, .people, into: empty, CSVImport.people)
    func summary(_ s: CordonState) -> [String] {
      OrganisationExport.people(s).map { "\($0.unit)|\($0.name)|\($0.phone)|\($0.categories.map(\.rawValue))" }
    }
    XCTAssertEqual(summary(again), summary(h.state))
  }

  /// A cell with a line break, quotes and commas inside quotes: the name is
  /// cleaned once on the way in, and from then on travels unchanged.
  func testALineBreakInACellIsCleanedOnceAndThenStable() throws {
    var h = try organisation()
    let file = "\u{FEFF}姓名,单位,电话,类别\r\n\"李\n四, \"\"老李\"\"\",金盾护卫,,值班值守人员；党员在岗\r\n"
    let plan = try CSVImport.people(Array(file.utf8), state: h.state)
    try h.run(try XCTUnwrap(plan.command))
    let person = try XCTUnwrap(h.state.people.values.first)
    XCTAssertFalse(person.name.contains("\n"), person.name)
    XCTAssertTrue(person.name.contains("\"老李\""), person.name)
    XCTAssertEqual(person.categories, [.onDuty, .partyMemberOnPost])
    _ = try roundTrip(h.state, .people, into: try organisation(), CSVImport.people)
  }
}

extension CSVRoundTripTests {
  func testPeopleAreOrderedByTheNumbersInTheirIds() throws {
    var h = try organisation()
    for id in ["p-10", "p-2", "p-1", "p-02", "q", "p-1a", "p-"] {
      try h.run(.addPerson(Person(id: id, name: id, unit: "guard", phone: "", categories: [])))
    }
    XCTAssertEqual(OrganisationExport.people(h.state).map(\.id), ["p-", "p-1", "p-1a", "p-2", "p-02", "p-10", "q"])
  }
}
