import Foundation
import XCTest

/// Two consoles on one `cordon serve`, each in its own tmux: a subsidiary's
/// operator (a real OS user) sends HQ a 特急 report up, HQ's console shows it
/// within a second, HQ replies from its console, and the subsidiary's console
/// shows the reply.
final class DutyConsolesTests: XCTestCase {
  func testAnImmediateReportUpReachesHQLiveAndTheReplyComesBack() throws {
    // The organisation: HQ and one subsidiary.
    let served = try ServedConsoles(
      self, prefix: "cde",
      seed: [
        #"{"type":"addUnit","id":"hq","name":"集团机关","nameEn":"Group HQ","headquarters":true}"#,
        #"{"type":"addUnit","id":"jinyuan","name":"金源物业","nameEn":"Jinyuan Property","key":true}"#,
      ], operatorUnit: "jinyuan")
    // HQ: the server's own account, the command role, at 120x36.
    let hq = try served.commandConsole(self, width: 120, height: 36)
    // The subsidiary's operator, as its own OS user, at 80x24.
    let unit = try served.operatorConsole(self, width: 80, height: 24)
    for t in [hq, unit] { try waitForConsole(t) }
    try unit.waitFor(text: "@金源物业")

    // The operator opens the duty pane and sends a 特急 report up.
    try unit.send("5")
    try unit.waitFor(text: "5 值班")
    try unit.send("u")
    try unit.waitFor(text: "下情上报")
    try unit.send("Tab")
    try unit.type("特急")
    try unit.send("Tab")
    try unit.type("东风小区发现发热人员")
    try unit.send("Enter", "Enter")
    try unit.waitFor(text: "待签收")

    // HQ hears of it within a second, on the status line of the grid.
    let sent = Date()
    let heard = try hq.waitFor("the report on HQ's console", timeout: 1) { $0.contains("东风小区发现发热人员") }
    XCTAssertLessThan(Date().timeIntervalSince(sent), 1.0, "HQ's console showed the report within a second")
    XCTAssertTrue(heard.contains("特急上报"), "\(heard)")

    // HQ replies from its own console: the duty pane, the report selected first.
    try hq.send("5")
    try hq.waitFor(text: "待签收")
    try hq.send("r")
    try hq.waitFor(text: "回复报告")
    try hq.type("收到，车辆十分钟到")
    try hq.send("Enter")
    try hq.waitFor(text: "已回复")

    // The subsidiary's console shows the reply: in the row, cut to what 80
    // columns hold, and whole in the row's detail.
    let replied = try unit.waitFor("the reply on the unit's console", timeout: 2) {
      $0.contains("回复：收到，车辆十分钟") && $0.contains("已回复")
    }
    XCTAssertFalse(replied.contains("待签收"), "\(replied)")
    try unit.send("Enter")
    try unit.waitFor(text: "收到，车辆十分钟到")
    for (t, name) in [(hq, "HQ at 120x36"), (unit, "the unit at 80x24")] {
      assertEveryLineFits(try t.capture(), name)
    }
  }
}
