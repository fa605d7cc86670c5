import Foundation
import XCTest

/// Issue 17's forms with the built binary on one `cordon serve`, in tmux: the
/// duty room (the command role, 120x36) records a visit and raises a finding
/// with a shortage request through the `:inspections` forms, a bad deadline
/// refused under its field first; the unit's operator (a real OS user, 80x24)
/// records the rectification from its own console; the duty room verifies it
/// and the finding is closed, with every step in its detail.
final class InspectionFormsConsolesTests: XCTestCase {
  func testAVisitAFindingWithARequestTheUnitsRectificationAndTheVerification() throws {
    let served = try ServedConsoles(
      self, prefix: "cif",
      seed: [
        #"{"type":"addUnit","id":"hq","name":"集团机关","nameEn":"Group HQ","headquarters":true,"reserve":true}"#,
        #"{"type":"addUnit","id":"jinyuan","name":"金源物业","nameEn":"Jinyuan Property","key":true}"#,
        #"{"type":"addSite","id":"jy-gate","unit":"jinyuan","name":"东风小区检查点","kind":"compoundCheckpoint"}"#,
        #"{"type":"addItem","id":"thermo","name":"电子测温枪","measure":"把"}"#,
      ], operatorUnit: "jinyuan")
    let hq = try served.commandConsole(self, width: 120, height: 36)
    let unit = try served.operatorConsole(self, width: 80, height: 24)
    for t in [hq, unit] {
      try t.waitFor("the console's first frame", timeout: 20) { $0.lines.first?.contains("Cordon") == true }
    }

    // The duty room: a visit to jinyuan, its sites and checklist filled in from the unit.
    try hq.send(":")
    try hq.type("inspections")
    try hq.send("Enter")
    try hq.waitFor(text: "尚无督查记录")
    try hq.send("v")
    try hq.waitFor(text: "登记督查")
    try hq.send("Tab")
    try hq.type("jinyuan")
    try hq.waitFor(text: "本单位点位：jy-gate")
    try hq.send("C-s")
    var s = try hq.waitFor("the visit in the view") { $0.contains("金源物业") && !$0.contains("登记督查") }
    assertEveryLineFits(s, "the visit at 120x36")

    // A finding: a deadline that is not a time is refused under its field, nothing saved.
    try hq.send("f")
    try hq.waitFor(text: "登记督查问题")
    try hq.send("Tab", "Tab", "Tab")
    try hq.type("东风小区门岗测温枪不足")
    try hq.send("Tab", "Tab")
    try hq.type("x")
    try hq.send("C-s")
    s = try hq.waitFor(text: "时间格式")
    let deadline = try XCTUnwrap(s.firstLine(containing: "整改期限"), s.description)
    XCTAssertTrue(
      s.lines[deadline...].prefix(3).contains { $0.contains("时间格式") }, "the refusal under the deadline\n\(s)")
    assertEveryLineFits(s, "the refused deadline")
    // Corrected, with a request for four thermometer guns.
    try hq.send("BSpace", "Tab")
    try hq.type("thermo")
    try hq.send("Tab")
    try hq.type("4")
    try hq.send("C-s")
    s = try hq.waitFor("the finding in the view") { $0.contains("f1") && !$0.contains("登记督查问题") }
    try hq.send("Enter")
    s = try hq.waitFor(text: "物资申请 rq")
    try hq.send("Escape")

    // The unit's operator records the rectification on its own console.
    try unit.send(":")
    try unit.type("inspections")
    try unit.send("Enter")
    try unit.waitFor(text: "金源物业")
    try unit.send("r")
    try unit.waitFor(text: "登记整改")
    try unit.send("Tab")
    try unit.type("已调配测温枪四把")
    try unit.send("C-s")
    s = try unit.waitFor("the rectification saved") { !$0.contains("登记整改") && $0.contains("金源物业") }
    assertEveryLineFits(s, "the unit's view at 80x24")

    // The duty room sees it to verify, and accepts it.
    try hq.waitFor("the finding waiting for verification") { s in
      s.lines.contains { $0.contains("金源物业") && $0.contains(" 0 ") && $0.contains(" 1 ") }
    }
    try hq.send("a")
    try hq.waitFor(text: "核验整改")
    try hq.send("C-s")
    try hq.waitFor("the verification saved") { !$0.contains("核验整改") }
    try hq.send("Enter")
    s = try hq.waitFor(text: "核验通过")
    XCTAssertTrue(s.contains("已调配测温枪四把"), "the unit's note in the steps\n\(s)")
    assertEveryLineFits(s, "the finding's steps")
  }
}
