import CordonModel
import CordonTUI
import EventSourcing
import XCTest

/// The duty pane at both tested sizes with Chinese text: rows, tab counts,
/// the form's inline refusal, and HQ's banner for a report waiting.
final class DutyPaneTests: XCTestCase {
  private func seed(_ f: ScreenFixture) throws {
    try f.submit(
      .logEntry(
        unit: "jinyuan", channel: .wechat, from: "东风小区业主群", text: "业主反映楼道消毒不到位，要求今天处理", action: "已通知保洁",
        significant: true, followUpDue: ScreenFixture.moment.adding(minutes: 60), owner: "李明"))
    try f.submit(.reportUp(unit: "jinyuan", priority: .immediate, text: "东风小区发现发热人员一名，已隔离", ref: nil))
  }

  func testAt80x24AndAt120x36TheDutyPaneShowsReportsAndTheLogWithCounts() throws {
    for (width, height) in [(80, 24), (120, 36)] {
      let f = try ScreenFixture(width: width, height: height)
      try seed(f)
      // HQ hears of the 特急 report on its status line whatever pane is shown.
      XCTAssertNotNil(f.row(containing: "特急上报"), "\(width)x\(height)\n" + f.lines.joined(separator: "\n"))
      f.press(.char("5"))
      let screen = f.lines.joined(separator: "\n")
      XCTAssertTrue(f.lines[1].contains("5 值班 报1 重1"), "tab counts: \(f.lines[1])")
      XCTAssertTrue(f.lines[2].contains("[5 值班 报1 重1]"), f.lines[2])
      XCTAssertNotNil(f.row(containing: "上报 特急"), screen)
      XCTAssertNotNil(f.row(containing: "待签收"), screen)
      XCTAssertNotNil(f.row(containing: "[重要] 业主反映"), screen)
      XCTAssertNotNil(f.row(containing: "记录 微信"), screen)
      XCTAssertTrue(f.lines.last?.contains("n 记录") == true, "hints: \(f.lines.last ?? "")")
      f.assertEveryLineIsExactlyTheWidth()
      // The report first: acknowledging it clears the banner and the count.
      f.press(.char("a"))
      f.settle()
      XCTAssertNil(f.row(containing: "特急上报"), f.lines.joined(separator: "\n"))
      XCTAssertNotNil(f.row(containing: "已签收"))
      XCTAssertFalse(f.lines[1].contains("报1"), f.lines[1])
    }
  }

  /// An entry from an earlier day shows its month and day in the time
  /// column, at 80 columns too (it read "2026-", the year cut to five cells).
  func testAnEarlierDaysEntryShowsItsMonthAndDay() throws {
    for (width, height) in [(80, 24), (120, 36)] {
      let f = try ScreenFixture(width: width, height: height)
      try f.submit(
        .logEntry(
          unit: "jinyuan", channel: .phone, from: "区防控办", text: "昨日来电通知加强门岗测温", action: "",
          significant: false, followUpDue: nil, owner: ""))
      f.clock.advance(minutes: 24 * 60)
      try f.submit(
        .logEntry(
          unit: "jinyuan", channel: .phone, from: "区防控办", text: "今日来电核实落实情况", action: "",
          significant: false, followUpDue: nil, owner: ""))
      f.press(.char("5"))
      f.settle()
      let screen = f.lines.joined(separator: "\n")
      let earlier = try XCTUnwrap(f.row(containing: "昨日来电"), screen)
      XCTAssertTrue(earlier.contains("02-07"), "\(width)x\(height): \(earlier)")
      XCTAssertFalse(earlier.contains("2020-"), "\(width)x\(height): \(earlier)")
      let today = try XCTUnwrap(f.row(containing: "今日来电"), screen)
      XCTAssertTrue(today.contains("09:30"), "\(width)x\(height): \(today)")
      f.assertEveryLineIsExactlyTheWidth()
    }
  }

  func testTheLogFormRefusesAFollowUpInThePastInlineAndKeepsTheInput() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    let before = f.store.lastSeq
    f.press(.char("5"), .char("n"))
    XCTAssertNotNil(f.row(containing: "值班记录"))
    f.press(.tab, .tab)
    f.type("区防控办")
    f.press(.tab)
    f.type("通知：明日起加强测温")
    f.press(.tab, .tab, .tab)
    f.type("2020-02-07 08:00")
    f.press(.enter, .enter)
    f.settle()
    XCTAssertNotNil(f.row(containing: "跟进时间 2020-02-07 08:00 已过"), f.lines.joined(separator: "\n"))
    XCTAssertNotNil(f.row(containing: "通知：明日起加强测温"), "what was typed stays")
    XCTAssertEqual(f.store.lastSeq, before)
    f.assertEveryLineIsExactlyTheWidth()
  }
}
