import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The daily report's sections 十五、督查与整改 and 十六、应急队伍派驻 on a
/// scripted day, against golden files in both languages, Markdown and CSV.
final class OversightReportTests: XCTestCase {
  static func day() throws -> Harness {
    var h = Harness()  // 2020-02-07 08:00
    try h.run(.updateSite(id: "jy-dongfeng", SiteChanges(requiredStaff: 4)))
    try h.run(
      .recordInspection(
        id: "in1", unit: "jinyuan", sites: ["jy-dongfeng", "jy-chaoyang"], checked: nil, notes: "夜查两个小区"),
      actor: "wei")
    try h.run(
      .raiseFinding(
        id: "f1", inspection: "in1", unit: "jinyuan", text: "东风小区门岗测温枪不足", severity: .major,
        deadline: h.now.adding(minutes: 4 * 60), request: FindingRequest(item: "thermo", quantity: Quantity(4))),
      actor: "wei")
    try h.run(
      .raiseFinding(
        id: "f2", inspection: "in1", unit: "jinyuan", text: "朝阳小区消毒记录不全", severity: .minor,
        deadline: h.now.adding(minutes: 30 * 60), request: nil), actor: "wei")
    try h.run(
      .recordInspection(id: "in2", unit: "heating", sites: ["ht-1"], checked: ["值守人员在岗"], notes: ""), actor: "li")
    try h.run(
      .raiseFinding(
        id: "f3", inspection: "in2", unit: "heating", text: "一号站无人值守", severity: .critical,
        deadline: h.now.adding(minutes: 120), request: nil), actor: "li")
    try h.run(
      .formTeam(
        id: "vanguard", name: "先锋突击队", leader: "jinyuan-leader-1",
        members: ["jinyuan-officer-1", "jinyuan-officer-2"]))
    try h.run(
      .deploy(
        team: "vanguard", person: "jinyuan-officer-1", site: "jy-dongfeng", start: h.now,
        end: h.now.adding(minutes: 12 * 60)))
    try h.run(
      .deploy(
        team: "vanguard", person: "jinyuan-officer-2", site: "jy-chaoyang", start: h.now.adding(minutes: 60),
        end: h.now.adding(minutes: 36 * 60)))
    h.advance(minutes: 60)
    try h.run(
      .approveRequest(id: try XCTUnwrap(h.state.oversight.findings["f1"]?.request), quantity: Quantity(4), note: ""))
    try h.run(.rectifyFinding(finding: "f3", note: "已安排两人值守"), actor: "rl-duty")
    h.advance(minutes: 60)
    try h.run(.verifyFinding(finding: "f3", accepted: true, note: "复查到岗"), actor: "li")
    try h.run(.rectifyFinding(finding: "f2", note: "已补记录"), actor: "jy-duty")
    try h.run(.verifyFinding(finding: "f2", accepted: false, note: "三号门岗仍缺"), actor: "wei")
    try h.run(
      .recallDeployment(
        id: try XCTUnwrap(h.state.oversight.deployments.values.first { $0.person == "jinyuan-officer-2" }?.id),
        reason: "调往乐天小区"))
    h.advance(minutes: 6 * 60)
    _ = h.housekeeping()
    return h
  }

  func testTheInspectionAndDeploymentSectionsMatchGoldenFiles() throws {
    let h = try Self.day()
    let day = h.state.calendar.day(of: Harness.morning)
    let report = DailyReport(day: day, records: h.journal, end: h.state, now: h.now)
    XCTAssertEqual(report.oversight.visits.count, 2)
    XCTAssertEqual(report.oversight.raised.count, 3)
    XCTAssertEqual(report.oversight.unresolved.map(\.id), ["f1", "f2"])
    XCTAssertEqual(report.oversight.overdue, 1, "f1 was due at 12:00")
    XCTAssertEqual(report.oversight.deployments.count, 2)
    let update = ProcessInfo.processInfo.environment["CORDON_UPDATE_GOLDEN"] == "1"
    for lang in Language.allCases {
      for format in [ReportFormat.md, .csv] {
        let text = ReportRenderer.render(report, state: h.state, format: format, strings: Strings(lang))
        // Only the sections this file is about: from 十五 to the end.
        let heading = Strings(lang)("report.inspections")
        let part: String
        if format == .md {
          let start = try XCTUnwrap(text.range(of: "## " + heading), text)
          part = String(text[start.lowerBound...])
        } else {
          let lines = text.components(separatedBy: "\r\n").filter {
            $0.hasPrefix(heading) || $0.hasPrefix(Strings(lang)("report.deployments"))
          }
          part = lines.joined(separator: "\n") + "\n"
        }
        let file = ReportTests.golden.appendingPathComponent("oversight-2020-02-07.\(lang.rawValue).\(format.rawValue)")
        if update { try part.write(to: file, atomically: true, encoding: .utf8) }
        let expected = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(
          part, expected, "\(file.lastPathComponent) differs; CORDON_UPDATE_GOLDEN=1 rewrites it after review")
      }
    }
  }

  /// A report for the unit of the filter shows only that unit's findings and its sites' deployments.
  func testTheUnitFilterKeepsOnlyThatUnit() throws {
    let h = try Self.day()
    let day = h.state.calendar.day(of: Harness.morning)
    let heating = DailyReport(day: day, unit: "heating", records: h.journal, end: h.state, now: h.now)
    XCTAssertEqual(heating.oversight.visits.map(\.id), ["in2"])
    XCTAssertEqual(heating.oversight.unresolved, [])
    XCTAssertEqual(heating.oversight.deployments, [])
    // A day without any of it has neither section.
    let q = Harness()
    let quiet = DailyReport(day: day, records: q.journal, end: q.state, now: q.now)
    let text = ReportRenderer.render(quiet, state: q.state, format: .md, strings: Strings(.zh))
    XCTAssertFalse(text.contains("十五、督查与整改") || text.contains("十六、应急队伍派驻"), text)
  }
}
