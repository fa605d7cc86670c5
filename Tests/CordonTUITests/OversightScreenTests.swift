import CordonModel
import CordonTUI
import EventSourcing
import Foundation
import XCTest

/// Issue 17 on screen, on a real store: the inspections view (`:inspections`)
/// at 80x24 and 120x36 in both languages, a unit's findings in its detail;
/// the checkpoint pane's staff figure and the roster's day view with
/// deployed team members; the organisation file's checklists.
final class OversightScreenTests: XCTestCase {
  static func seed(_ f: ScreenFixture) throws {
    let now = ScreenFixture.moment
    try f.submit(
      .recordInspection(
        id: "in1", unit: "jinyuan", sites: ["jy-dongfeng", "jy-chaoyang"], checked: nil, notes: "夜查两个小区"))
    try f.submit(
      .raiseFinding(
        id: "f1", inspection: "in1", unit: "jinyuan", text: "东风小区门岗测温枪不足", severity: .major,
        deadline: now.adding(minutes: 120), request: FindingRequest(item: "thermo", quantity: Quantity(4))))
    try f.submit(
      .raiseFinding(
        id: "f2", inspection: "in1", unit: "jinyuan", text: "朝阳小区消毒记录不全", severity: .minor,
        deadline: now.adding(minutes: 600), request: nil))
    try f.submit(.rectifyFinding(finding: "f2", note: "已补记录"))
  }

  func testTheInspectionsViewListsVisitsAndOpenFindingsPerUnitAndTheDetailShowsThem() throws {
    for (w, h) in [(80, 24), (120, 36)] {
      for lang in Language.allCases {
        let name = "\(lang) \(w)x\(h)"
        let f = try ScreenFixture(width: w, height: h, language: lang)
        try Self.seed(f)
        f.press(.char(":"))
        f.type("inspections")
        f.press(.enter)
        let screen = f.lines.joined(separator: "\n")
        let title = lang == .zh ? "[督查]" : "[Inspections]"
        XCTAssertNotNil(f.row(containing: title), "\(name)\n\(screen)")
        let row = try XCTUnwrap(f.row(containing: lang == .zh ? "金源物业" : "Jinyuan"), "\(name)\n\(screen)")
        // Visits 1, open 1, overdue 0, to verify 1.
        let numbers = row.split(separator: " ").filter { Int($0) != nil }
        XCTAssertEqual(Array(numbers.prefix(4)), ["1", "1", "0", "1"], "\(name): \(row)")
        f.assertEveryLineIsExactlyTheWidth()

        f.press(.enter)
        let detail = f.lines.joined(separator: "\n")
        for text in [lang == .zh ? "督查问题（2）" : "Findings (2)", "f1", "东风小区门岗测温枪不足", "f2"] {
          XCTAssertTrue(detail.contains(text), "\(name): \(text)\n\(detail)")
        }
        XCTAssertTrue(detail.contains(lang == .zh ? "物资申请 rq" : "request rq"), "\(name): the request\n\(detail)")
        f.press(.esc)
        f.press(.esc)
        XCTAssertNil(f.row(containing: title), "\(name): Esc leaves the view")
      }
    }
  }

  func testTheRequestsViewNamesTheFinding() throws {
    let f = try ScreenFixture(width: 120, height: 36)
    try Self.seed(f)
    f.press(.char(":"))
    f.type("requests")
    f.press(.enter)
    XCTAssertNotNil(f.row(containing: "[督查问题 f1 待整改]"), f.lines.joined(separator: "\n"))
  }

  func testDeployedMembersShowInTheStaffFigureAndTheRostersDayView() throws {
    let f = try ScreenFixture(width: 200, height: 50)
    let now = ScreenFixture.moment
    try f.submit(.updateSite(id: "jy-dongfeng", SiteChanges(requiredStaff: 5)))
    try f.submit(
      .formTeam(id: "vg", name: "先锋突击队", leader: "jinyuan-leader-1", members: ["jinyuan-officer-1"]))
    for p in ["jinyuan-leader-1", "jinyuan-officer-1"] {
      try f.submit(
        .deploy(
          team: "vg", person: p, site: "jy-dongfeng", start: now.adding(minutes: -30), end: now.adding(minutes: 600)))
    }
    let line = try XCTUnwrap(f.row(containing: "东风小区检查点"), f.lines.joined(separator: "\n"))
    let site = try XCTUnwrap(line.range(of: "东风小区检查点")).upperBound
    let after = try XCTUnwrap(line[site...].range(of: "金源物业")).upperBound
    XCTAssertEqual(line[after...].split(separator: " ").first, "4", "2 on post + 2 deployed: \(line)")
    XCTAssertEqual(f.store.state.alerts[AlertKey(rule: .siteUnderstaffed, subject: "jy-dongfeng")]?.isActive, true)
    // The roster: jinyuan's day view lists the deployed members.
    f.press(.char("1"))
    f.press(.char("/"))
    f.type("金源")
    f.press(.enter, .enter)
    let detail = f.lines.joined(separator: "\n")
    XCTAssertTrue(detail.contains("应急队伍派驻（2）"), detail)
    XCTAssertTrue(detail.contains("先锋突击队 → 东风小区检查点"), detail)
  }

  func testAnOrganisationFilesChecklistsAndRequiredStaff() throws {
    let text = """
      [[units]]
      id = "hq"
      name = "集团机关"
      headquarters = true

      [[sites]]
      id = "gate"
      name = "东门"
      unit = "hq"
      kind = "compoundCheckpoint"
      requiredStaff = 3

      [[checklists]]
      kind = "小区检查点"
      items = ["出入登记", "体温检测开展"]
      """
    let file = try OrganisationFile.parse(text, file: "org.toml", strings: Strings(.en))
    var state = CordonState()
    let context = CommandContext(actor: "admin", unit: nil, now: ScreenFixture.moment)
    for e in try CordonDomain.decide(file.command, context: context, state: state) {
      state.apply(
        EventRecord(seq: state.lastSeq + 1, time: context.now, actor: "a", unit: nil, commandID: nil, event: e))
    }
    XCTAssertEqual(state.checklist(.compoundCheckpoint), ["出入登记", "体温检测开展"])
    XCTAssertEqual(state.checklist(.office), Checklist.defaultItems)
    XCTAssertEqual(state.sites["gate"]?.requiredStaff, 3)
    // It exports as it was read.
    let exported = OrganisationExport.toml(state)
    XCTAssertTrue(exported.contains("requiredStaff = 3"), exported)
    XCTAssertTrue(
      exported.contains(#"[[checklists]]"# + "\nkind = \"compoundCheckpoint\"\nitems = [\"出入登记\", \"体温检测开展\"]"),
      exported)
    let bad = text.replacingOccurrences(of: #"kind = "小区检查点""#, with: #"kind = "moon""#)
    XCTAssertThrowsError(try OrganisationFile.parse(bad, file: "org.toml", strings: Strings(.en))) { e in
      XCTAssertTrue("\(e)".contains("org.toml:14: checklists[1].kind"), "\(e)")
    }
  }
}
