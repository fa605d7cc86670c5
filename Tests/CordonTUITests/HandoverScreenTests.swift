import CordonModel
import CordonTUI
import EventSourcing
import XCTest

/// The handover on screen at both tested sizes: the write form shows the
/// checklist before it is sent, the confirm form lists every item with its
/// own query field, a refusal lands inline, and the unit's day view shows the chain.
final class HandoverScreenTests: XCTestCase {
  private func seed(_ f: ScreenFixture) throws {
    try f.submit(
      .logEntry(
        unit: "jinyuan", channel: .phone, from: "东门岗", text: "东门测温枪故障，待维修", action: "", significant: false,
        followUpDue: ScreenFixture.moment.adding(minutes: 90), owner: "李明"))
    try f.submit(.setMinimum(unit: "jinyuan", item: "mask", minimum: Quantity(9_000)))
  }

  /// The roster's row of jinyuan's duty officer (HQ's three roles, then jindun's, come first).
  private func selectJinyuan(_ f: ScreenFixture) {
    f.press(.char("1"))
    for _ in 0..<6 { f.press(.char("j")) }
  }

  func testAt80x24And120x36TheFormsAndTheDayViewShowTheChecklistAndTheChain() throws {
    for (width, height) in [(80, 24), (120, 36)] {
      let f = try ScreenFixture(width: width, height: height)
      try seed(f)
      selectJinyuan(f)
      let size = "\(width)x\(height)"
      // Writing: the checklist it will carry is on the form before it is sent.
      f.press(.char("h"))
      var screen = f.lines.joined(separator: "\n")
      XCTAssertNotNil(f.row(containing: "交接清单（3 项）"), "\(size)\n\(screen)")
      XCTAssertNotNil(f.row(containing: "2. 口罩 库存"), screen)
      XCTAssertNotNil(f.row(containing: "3. 跟进 "), screen)
      XCTAssertNotNil(f.row(containing: "金源物业 jinyuan"), screen)
      f.assertEveryLineIsExactlyTheWidth()
      f.press(.tab)
      f.type("夜班平稳，东门测温枪待修")
      f.press(.enter)
      f.settle()
      let note = try XCTUnwrap(f.store.state.handovers.first, size)
      XCTAssertEqual(note.items?.count, 3)
      XCTAssertEqual(note.author, "duty")

      // Confirming: one query field per item, its text under it.
      f.press(.char("c"))
      screen = f.lines.joined(separator: "\n")
      XCTAssertNotNil(f.row(containing: "确认交接班"), "\(size)\n\(screen)")
      XCTAssertNotNil(f.row(containing: "1 告警"), screen)
      XCTAssertNotNil(f.row(containing: "3 跟进"), screen)
      XCTAssertNotNil(f.row(containing: "口罩 库存"), screen)
      XCTAssertNotNil(f.row(containing: "留空即确认"), screen)
      f.assertEveryLineIsExactlyTheWidth()
      f.press(.down)
      f.type("口罩今天能补上吗")
      // Someone else confirms first: the save is refused inline, what was typed stays.
      try f.submit(.confirmHandover(handover: note.id, queries: []))
      f.press(.ctrl("s"))
      f.settle()
      screen = f.lines.joined(separator: "\n")
      XCTAssertNotNil(f.row(containing: "已由 tester 于"), "\(size)\n\(screen)")
      XCTAssertNotNil(f.row(containing: "口罩今天能补上吗"), screen)
      f.assertEveryLineIsExactlyTheWidth()
      f.press(.esc, .char("y"))

      // A second handover, confirmed here with a query on item 1.
      f.press(.char("h"), .tab)
      f.type("白班交接")
      f.press(.enter)
      f.settle()
      f.press(.char("c"))
      f.type("口罩今天能补上吗")
      f.press(.ctrl("s"))
      f.settle()
      let second = try XCTUnwrap(f.store.state.handovers.first)
      XCTAssertEqual(second.confirmation?.queries, [HandoverQuery(item: 1, text: "口罩今天能补上吗")], size)
      f.press(.char("c"))
      XCTAssertNotNil(f.row(containing: "没有待确认的交接班"), f.lines.joined(separator: "\n"))

      // The day view: the chain, who to whom, confirmed, the queried item (scrolled through).
      f.press(.enter)
      var seen: [String] = []
      for _ in 0..<4 {
        seen += f.lines
        f.assertEveryLineIsExactlyTheWidth()
        f.press(.pageDown)
      }
      screen = seen.joined(separator: "\n")
      func shown(_ text: String) -> Bool { seen.contains { $0.contains(text) } }
      XCTAssertTrue(shown(" 交接班 "), "\(size)\n\(screen)")
      XCTAssertTrue(shown("\(note.id)  duty → "), screen)
      XCTAssertTrue(shown("tester 已确认 09:30"), screen)
      XCTAssertTrue(shown("duty 已确认 09:30"), screen)
      XCTAssertTrue(shown("? 质疑第 1 项：口罩今天能补上吗"), screen)
      XCTAssertTrue(shown("? 1. 告警〔紧急〕金源物业 口罩 低于下限 9000"), "the queried item is marked: \(screen)")
      XCTAssertTrue(shown("· 3. 跟进"), screen)
      f.press(.esc)
      // The help lists the key; at 80 columns the hint bar leaves it out.
      f.press(.char("?"))
      var help: [String] = []
      for _ in 0..<4 {
        help += f.lines
        f.press(.pageDown)
      }
      XCTAssertTrue(help.contains { $0.contains("c") && $0.contains("确认交接班") }, help.joined(separator: "\n"))
      f.press(.esc)
      if width == 80 { XCTAssertFalse(f.lines.last?.contains("确认交接") == true, f.lines.last ?? "") }
    }
  }
}
