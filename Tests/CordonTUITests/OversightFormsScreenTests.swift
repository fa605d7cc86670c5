import CordonModel
import EventSourcing
import Foundation
import XCTest

@testable import CordonTUI

/// Issue 17's forms on a real store, at 80x24 and 120x36 in both languages:
/// in `:inspections` a visit (`v`), a finding raising a shortage request
/// (`f`), a rectification (`r`) and a verification (`a`), reopened without a
/// note (refused under the note) and then with one; in `:teams` a team (`n`),
/// a deployment (`d`), the same person deployed again (refused under its
/// field, naming the other site) and a recall (`r`).
final class OversightFormsScreenTests: XCTestCase {
  func testTheInspectionFormsRecordAVisitAFindingWithARequestARectificationAndAVerification() throws {
    for (w, h) in [(80, 24), (120, 36)] {
      for lang in Language.allCases {
        let name = "\(lang) \(w)x\(h)"
        let f = try ScreenFixture(width: w, height: h, language: lang)
        let zh = lang == .zh
        f.press(.char(":"))
        f.type("inspections")
        f.press(.enter)
        XCTAssertNotNil(f.row(containing: zh ? "尚无督查记录" : "No visits yet"), name)
        XCTAssertNotNil(
          f.row(containing: zh ? "v 督查" : "v visit"), "\(name): the footer names v\n\(f.lines.joined(separator: "\n"))")

        // A visit: the unit's sites and checklist are filled in from the unit chosen.
        f.press(.char("v"))
        XCTAssertNotNil(
          f.row(containing: zh ? "登记督查" : "Record a visit"), "\(name)\n\(f.lines.joined(separator: "\n"))")
        f.press(.tab)
        f.type("jinyuan")
        XCTAssertNotNil(
          f.row(containing: "jy-dongfeng"), "\(name): the sites follow the unit\n\(f.lines.joined(separator: "\n"))")
        f.assertEveryLineIsExactlyTheWidth()
        f.press(.ctrl("s"))
        f.settle()
        let visit = try XCTUnwrap(f.store.state.oversight.inspections["in1"], name)
        XCTAssertEqual(visit.unit, "jinyuan")
        XCTAssertEqual(visit.sites.count, 12, name)
        XCTAssertEqual(visit.checked, Checklist.defaultItems, name)
        XCTAssertNotNil(f.row(containing: zh ? "金源物业" : "Jinyuan"), name)

        // A finding with a bad deadline: refused under the deadline, nothing saved.
        f.press(.char("f"))
        XCTAssertNotNil(f.row(containing: zh ? "登记督查问题" : "Raise a finding"), name)
        f.press(.tab, .tab, .tab)
        f.type("东风小区门岗测温枪不足")
        f.press(.tab, .tab)
        for _ in 0..<20 { f.press(.backspace) }
        f.type("明天")
        f.press(.ctrl("s"))
        let deadlineRow = try XCTUnwrap(
          f.lines.firstIndex { $0.contains(zh ? "整改期限" : "Rectify by") }, f.lines.joined(separator: "\n"))
        let under = f.lines[deadlineRow...].prefix(3).joined(separator: "\n")
        XCTAssertTrue(under.contains(zh ? "时间格式" : "Time as"), "\(name): under its field\n\(under)")
        XCTAssertTrue(f.store.state.oversight.findings.isEmpty)
        f.assertEveryLineIsExactlyTheWidth()
        for _ in 0..<2 { f.press(.backspace) }
        f.type("2020-02-08 18:00")
        // The request: an item, then its quantity.
        f.press(.tab)
        f.type("thermo")
        f.press(.tab)
        f.type("4")
        f.press(.ctrl("s"))
        f.settle()
        let finding = try XCTUnwrap(
          f.store.state.oversight.findings["f1"], "\(name)\n\(f.lines.joined(separator: "\n"))")
        XCTAssertEqual(finding.inspection, "in1")
        let request = try XCTUnwrap(finding.request.flatMap { f.store.state.requests[$0] }, name)
        XCTAssertEqual(request.finding, "f1")
        XCTAssertEqual(request.quantity, Quantity(4))

        // The unit records the rectification; verifying it: reopening needs a note.
        f.press(.char("r"))
        XCTAssertNotNil(f.row(containing: zh ? "登记整改" : "Record a rectification"), name)
        f.press(.tab)
        f.type(zh ? "已调配测温枪" : "guns issued")
        f.press(.ctrl("s"))
        f.settle()
        XCTAssertEqual(f.store.state.oversight.findings["f1"]?.status, .rectified, name)
        f.press(.char("a"))
        f.press(.tab, .down)
        f.press(.ctrl("s"))
        f.settle()
        let noteRow = try XCTUnwrap(
          f.lines.firstIndex { $0.contains(zh ? "意见（重新打开须填）" : "Note (required to reopen)") },
          f.lines.joined(separator: "\n"))
        XCTAssertTrue(
          f.lines[noteRow...].prefix(3).contains { $0.contains(zh ? "必填" : "Required") },
          "\(name): the refusal under the note\n\(f.lines.joined(separator: "\n"))")
        XCTAssertEqual(f.store.state.oversight.findings["f1"]?.status, .rectified, "\(name): nothing changed")
        f.type(zh ? "仍缺一把" : "one short")
        f.press(.ctrl("s"))
        f.settle()
        XCTAssertEqual(f.store.state.oversight.findings["f1"]?.status, .open, "\(name): reopened")
        f.assertEveryLineIsExactlyTheWidth()
        // The detail shows the steps.
        f.press(.enter)
        let detail = f.lines.joined(separator: "\n")
        XCTAssertTrue(detail.contains(zh ? "重新打开" : "reopened"), "\(name)\n\(detail)")
        f.assertEveryLineIsExactlyTheWidth()
      }
    }
  }

  func testTheTeamFormsFormATeamDeployAMemberRefuseAnOverlapAndRecall() throws {
    for (w, h) in [(80, 24), (120, 36)] {
      for lang in Language.allCases {
        let name = "\(lang) \(w)x\(h)"
        let zh = lang == .zh
        let f = try ScreenFixture(width: w, height: h, language: lang)
        f.press(.char(":"))
        f.type("teams")
        f.press(.enter)
        XCTAssertNotNil(f.row(containing: zh ? "尚无应急队伍" : "No teams yet"), name)
        f.press(.char("n"))
        XCTAssertNotNil(f.row(containing: zh ? "组建应急队伍" : "Form an emergency team"), name)
        f.press(.tab)
        f.type("先锋突击队")
        f.press(.tab)
        f.type("jinyuan-leader-1")
        f.press(.tab)
        f.type("jinyuan-officer-1, jinyuan-officer-2")
        f.press(.ctrl("s"))
        f.settle()
        let team = try XCTUnwrap(f.store.state.oversight.teams["team1"], "\(name)\n\(f.lines.joined(separator: "\n"))")
        XCTAssertEqual(team.members, ["jinyuan-leader-1", "jinyuan-officer-1", "jinyuan-officer-2"])
        XCTAssertNotNil(f.row(containing: "先锋突击队"), "\(name)\n\(f.lines.joined(separator: "\n"))")
        f.assertEveryLineIsExactlyTheWidth()

        // Deploy the leader (the first member) to a compound, then again: refused under the start.
        for attempt in 0..<2 {
          f.press(.char("d"))
          XCTAssertNotNil(f.row(containing: zh ? "派驻队员" : "Deploy a member"), name)
          f.press(.tab, .tab)
          f.type("jy-dongfeng")
          f.press(.ctrl("s"))
          f.settle()
          if attempt == 0 { XCTAssertEqual(f.store.state.oversight.deployments.count, 1, name) }
        }
        let startRow = try XCTUnwrap(
          f.lines.firstIndex { $0.contains(zh ? "开始" : "Start") }, f.lines.joined(separator: "\n"))
        XCTAssertTrue(
          f.lines[startRow...].prefix(3).contains { $0.contains("东风小区检查点") },
          "\(name): the overlap names the other site under the start\n\(f.lines.joined(separator: "\n"))")
        XCTAssertEqual(f.store.state.oversight.deployments.count, 1, "\(name): nothing saved")
        f.assertEveryLineIsExactlyTheWidth()
        f.press(.esc)
        f.press(.char("y"))

        // The recall names its reason.
        f.press(.char("r"))
        XCTAssertNotNil(f.row(containing: zh ? "撤回派驻" : "Recall a deployment"), name)
        f.press(.ctrl("s"))
        f.settle()
        XCTAssertNil(f.store.state.oversight.deployments.values.first?.recalledAt, "\(name): no reason, not recalled")
        // The refusal took the cursor to the reason.
        f.type(zh ? "调回本单位" : "back to the unit")
        f.press(.ctrl("s"))
        f.settle()
        XCTAssertNotNil(f.store.state.oversight.deployments.values.first?.recalledAt, name)
        f.press(.enter)
        let detail = f.lines.joined(separator: "\n")
        XCTAssertTrue(detail.contains(zh ? "派驻（0）" : "Deployments (0)"), "\(name)\n\(detail)")
        f.assertEveryLineIsExactlyTheWidth()
      }
    }
  }

  /// The site forms' required staff: set, shown again, emptied (taken away), and not a number refused on its field.
  func testTheSiteFormsCarryTheRequiredStaff() throws {
    let f = try ScreenFixture(width: 120, height: 36)
    let t = Strings(.en)
    func form(_ p: FormPurpose, _ value: String) -> Form {
      var form = FormCatalog.make(p, state: f.store.state, selection: nil, now: ScreenFixture.moment, strings: t)
      if let i = form.fields.firstIndex(where: { $0.id == .requiredStaff }) {
        form.fields[i].editor = LineEditor(value)
      }
      return form
    }
    func save(_ form: Form) throws {
      try f.submit(try FormCatalog.command(form, state: f.store.state, now: ScreenFixture.moment, strings: t))
    }
    XCTAssertEqual(form(.addSite(unit: "jinyuan"), "").value(.requiredStaff), "")
    try save(form(.editSite("jy-dongfeng"), "5"))
    XCTAssertEqual(f.store.state.sites["jy-dongfeng"]?.requiredStaff, 5)
    XCTAssertEqual(form(.editSite("jy-dongfeng"), "5").value(.requiredStaff), "5")
    XCTAssertEqual(
      FormCatalog.make(
        .editSite("jy-dongfeng"), state: f.store.state, selection: nil, now: ScreenFixture.moment, strings: t
      )
      .value(.requiredStaff), "5", "the form shows the figure")
    try save(form(.editSite("jy-dongfeng"), ""))
    XCTAssertEqual(f.store.state.sites["jy-dongfeng"]?.requiredStaff ?? 0, 0, "emptied, taken away")
    XCTAssertThrowsError(
      try FormCatalog.command(
        form(.editSite("jy-dongfeng"), "x"), state: f.store.state, now: ScreenFixture.moment, strings: t)
    ) { e in XCTAssertEqual((e as? FormCatalog.FieldError)?.field, .requiredStaff) }
    // A new site with its figure.
    var add = form(.addSite(unit: "jinyuan"), "3")
    for (field, value) in [(CommandField.id, "jy-new"), (.name, "新小区检查点")] {
      if let i = add.fields.firstIndex(where: { $0.id == field }) { add.fields[i].editor = LineEditor(value) }
    }
    try save(add)
    XCTAssertEqual(f.store.state.sites["jy-new"]?.requiredStaff, 3)
  }
}
