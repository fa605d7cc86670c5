import CordonModel
import CordonTUI
import EventSourcing
import Foundation
import XCTest

/// `cordon init --org FILE`: the file's shape, every mistake with its line
/// and key, and the shipped example, which is the demo's organisation.
final class OrganisationFileTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static var examplePath: String { root.appendingPathComponent("deploy/org.example.toml").path }

  /// Applies the file's batch to an empty state the way the store does.
  func initialise(_ file: OrganisationFile) throws(Refusal) -> CordonState {
    var state = CordonState()
    let context = CommandContext(actor: "admin", unit: nil, now: ScreenFixture.moment)
    let events = try CordonDomain.decide(file.command, context: context, state: state)
    for e in events {
      state.apply(
        EventRecord(seq: state.lastSeq + 1, time: context.now, actor: "admin", unit: nil, commandID: nil, event: e))
    }
    return state
  }

  func testTheShippedExampleIsTheDemoOrganisation() throws {
    let file = try OrganisationFile.load(path: Self.examplePath, strings: Strings(.en))
    XCTAssertEqual(file.counts.units, 13)
    let state = try initialise(file)
    func plain(_ u: OrgUnit) -> OrgUnit {
      var v = u
      v.isDemo = false
      return v
    }
    XCTAssertEqual(state.orderedUnits, DemoOrganisation.units.map(plain))
    XCTAssertEqual(state.orderedItems, DemoOrganisation.items)
    XCTAssertEqual(state.orderedSites.count, DemoOrganisation.sites().count)
    for spec in DemoOrganisation.sites() {
      let s = try XCTUnwrap(state.sites[spec.id], spec.id)
      XCTAssertEqual(
        [s.unit, s.name.zh, s.name.en, s.kind.rawValue], [spec.unit, spec.name.zh, spec.name.en, spec.kind.rawValue])
      XCTAssertEqual(
        [s.roundsPerDay, s.disinfectionsPerDay, s.reportIntervalMinutes, s.staffOnPost],
        [spec.roundsPerDay, spec.disinfectionsPerDay, spec.reportIntervalMinutes, spec.staffOnPost], spec.id)
    }
    XCTAssertEqual(state.orderedUnits.filter(\.isKey).count, 4)
    XCTAssertEqual(state.orderedSites.filter { $0.kind == .heatStation }.count, 13)
    XCTAssertEqual(state.headquarters, "hq")
    XCTAssertEqual(state.settings, Settings())
  }

  func testInitFromTheExampleShowsItsUnitsAndSitesAt120x36() throws {
    let file = try OrganisationFile.load(path: Self.examplePath, strings: Strings(.zh))
    let f = try ScreenFixture(width: 120, height: 36, organisation: file.command)
    f.settle()
    let screen = f.lines.joined(separator: "\n")
    for text in ["集团机关", "金盾护卫", "热力总公司", "集团总值班室", "勤务车队", "执勤一大队"] {
      XCTAssertTrue(screen.contains(text), "\(text) on screen:\n\(screen)")
    }
    XCTAssertFalse(f.lines[0].contains("演示"), "not the demo: \(f.lines[0])")
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testEveryMistakeNamesTheLineAndKeyAndNothingIsApplied() throws {
    let good = """
      [settings]
      feverThreshold = 37.3

      [[units]]
      id = "hq"
      name = "机关"
      headquarters = true

      [[units]]
      id = "a"
      name = "甲"

      [[sites]]
      id = "s1"
      name = "点一"
      unit = "a"
      kind = "office"

      [[items]]
      id = "mask"
      name = "口罩"
      measure = "只"

      """
    XCTAssertNoThrow(try initialise(try OrganisationFile.parse(good, file: "org.toml", strings: Strings(.en))))
    let cases: [(String, String, Int, String, String)] = [
      ("site naming a unit that does not exist", #"unit = "a""#, 16, "sites[1].unit", "No such unit: nope"),
      ("duplicate id", #"id = "a""#, 10, "units[2].id", "There is already a unit with id hq"),
      ("two headquarters", #"name = "甲""#, 12, "units[2].headquarters", "already the headquarters"),
      ("no headquarters", "headquarters = true", 4, "units.headquarters", "no unit has headquarters"),
      ("threshold too high", "feverThreshold = 37.3", 2, "settings.feverThreshold", "between 35.0 and 42.0"),
      ("threshold too low", "feverThreshold = 37.3", 2, "settings.feverThreshold", "between 35.0 and 42.0"),
      ("unknown key", #"kind = "office""#, 18, "sites[1].colour", "unknown key colour"),
      ("unknown section", "[settings]", 1, "setings", "unknown section setings"),
      ("wrong type", #"name = "点一""#, 15, "sites[1].name", "must be a string"),
      ("unknown kind", #"kind = "office""#, 17, "sites[1].kind", "unknown site kind shop"),
      ("negative minimum", #"measure = "只""#, 23, "items[1].minimum", "cannot be negative"),
    ]
    let replacements = [
      #"unit = "nope""#, #"id = "hq""#, "name = \"甲\"\nheadquarters = true", "headquarters = false",
      "feverThreshold = 42.5", "feverThreshold = 34.9", "kind = \"office\"\ncolour = \"red\"", "[setings]",
      "name = 12", #"kind = "shop""#, "measure = \"只\"\nminimum = -5",
    ]
    for ((what, find, line, key, message), replacement) in zip(cases, replacements) {
      let text = good.replacingOccurrences(of: find, with: replacement)
      XCTAssertNotEqual(text, good, what)
      var issues: [OrganisationFile.Issue] = []
      do {
        let file = try OrganisationFile.parse(text, file: "org.toml", strings: Strings(.en))
        do {
          _ = try initialise(file)
          XCTFail("\(what): accepted")
        } catch { issues = [file.issue(for: error, strings: Strings(.en))] }
      } catch { issues = error.issues }
      XCTAssertEqual(issues.count, 1, "\(what): \(issues)")
      let issue = try XCTUnwrap(issues.first)
      XCTAssertEqual(issue.file, "org.toml", what)
      XCTAssertEqual(issue.line, line, "\(what): \(issue)")
      XCTAssertEqual(issue.key, key, "\(what): \(issue)")
      XCTAssertTrue(issue.message.contains(message), "\(what): \(issue)")
      XCTAssertTrue(issue.description.hasPrefix("org.toml:\(line): \(key): "), issue.description)
    }
    // A TOML syntax error names its line too.
    XCTAssertThrowsError(
      try OrganisationFile.parse("[[units]]\nid = \"x\nname = 1\n", file: "o.toml", strings: Strings(.en))
    ) {
      XCTAssertEqual(($0 as? OrganisationFile.IssueList)?.issues.first?.line, 2, "\($0)")
    }
  }

  func testExportInitExportIsByteIdentical() throws {
    let file = try OrganisationFile.load(path: Self.examplePath, strings: Strings(.en))
    var state = try initialise(file)
    // Changes made after set-up travel too: a closed site, a new parent, the reserve, people, settings.
    let context = CommandContext(actor: "admin", unit: nil, now: ScreenFixture.moment)
    for c: CordonCommand in [
      .closeSite(site: "ht-13"), .updateUnit(id: "consult", UnitChanges(parent: "party", holdsReserve: true)),
      .addPerson(Person(id: "p1", name: "王\"小\"明", unit: "heating", phone: "138", categories: [.onDuty, .volunteer])),
      .addPerson(Person(id: "p0", name: "李四", unit: "hq", phone: "", categories: [])),
      .changeSettings(SettingsChanges(feverThreshold: Celsius(tenths: 375), lowCoverDays: 5)),
      .retireSite(id: "ht-12"),
    ] {
      for e in try CordonDomain.decide(c, context: context, state: state) {
        state.apply(
          EventRecord(seq: state.lastSeq + 1, time: context.now, actor: "admin", unit: nil, commandID: nil, event: e))
      }
    }
    let first = OrganisationExport.toml(state)
    let again = try initialise(try OrganisationFile.parse(first, file: "export.toml", strings: Strings(.en)))
    let second = OrganisationExport.toml(again)
    XCTAssertEqual(first, second)
    XCTAssertFalse(first.contains("ht-12"), "retired sites are not exported")
    XCTAssertEqual(again.sites["ht-13"]?.isOpen, false)
    XCTAssertEqual(again.reserveUnit, "consult")
    XCTAssertEqual(again.people["p1"]?.name, "王\"小\"明")
    XCTAssertEqual(again.settings.feverThreshold, Celsius(tenths: 375))

    // CSV tables of the same organisation import back into a fresh store.
    for (table, plan) in [
      (CSVExport.OrgTable.units, CSVImport.units), (.items, CSVImport.items),
    ] as [(CSVExport.OrgTable, ([UInt8], CordonState) throws(CSVImportError) -> CSVImportPlan)] {
      let csv = CSVWriter.write(CSVExport.organisation(state, table, language: .zh), bom: true)
      let p = try plan([UInt8](csv.utf8), CordonState())
      var fresh = CordonState()
      for e in try CordonDomain.decide(try XCTUnwrap(p.command), context: context, state: fresh) {
        fresh.apply(
          EventRecord(seq: fresh.lastSeq + 1, time: context.now, actor: "admin", unit: nil, commandID: nil, event: e))
      }
      XCTAssertEqual(
        CSVWriter.write(CSVExport.organisation(fresh, table, language: .zh), bom: true), csv, "\(table) round trip")
    }
  }
}
