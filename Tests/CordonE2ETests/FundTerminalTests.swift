import Foundation
import XCTest

/// The fund view (`:fund`) of the built binary in tmux, on the demo: lines and
/// balances, an expense awaiting approval approved through its form, the
/// first day's donations, a refused amount under its field, and back.
extension ConsoleTerminalTests {
  func testTheFundViewAt120x36ApprovesAWaitingExpenseAndShowsTheDonations() throws {
    let t = try launch(width: 120, height: 36)
    try t.waitFor(text: "[1 值班表")
    try t.send(":")
    try t.type("fund")
    try t.send("Enter")
    var s = try t.waitFor("the fund's lines") { $0.contains("[应急资金]") && $0.contains("防疫物资采购") }
    XCTAssertTrue(s.lines[1].contains("科目余额") && s.lines[1].contains("捐款倡议"), "the strip\n\(s)")
    XCTAssertNotNil(s.firstLine(containing: "合计"), "the total row\n\(s)")
    assertEveryLineFits(s, "fund lines 120x36")

    // The demo leaves one expense of the last days waiting.
    try t.send("Tab")
    s = try t.waitFor("an expense awaiting approval") { s in
      paneBody(s, title: "[应急资金]").dropFirst().contains { $0.contains("fe") && $0.contains("记-") }
    }
    let row = try XCTUnwrap(paneBody(s, title: "[应急资金]").dropFirst().first { $0.contains("记-") })
    let id = try XCTUnwrap(row.split(separator: " ").first { $0.hasPrefix("│fe") || $0.hasPrefix("fe") })
      .replacingOccurrences(of: "│", with: "")
    try t.send("a")
    s = try t.waitFor(text: "审批支出 \(id)")
    try t.type("同意")
    try t.send("C-s")
    s = try t.waitFor("the expense left the waiting list") { s in
      !s.contains("审批支出") && !paneBody(s, title: "[应急资金]").contains { $0.contains(id) }
    }
    assertEveryLineFits(s, "after approval")

    // The ledger has it now; an expense form refuses a fraction of a fen on its field.
    try t.send("Tab")
    try t.waitFor("the ledger with the approved expense") { s in
      s.lines[1].contains("明细账") && paneBody(s, title: "[应急资金]").contains { $0.contains("记-") }
    }
    try t.send("e")
    try t.waitFor(text: "登记资金支出")
    try t.send("Tab")
    try t.type("12.345")
    try t.send("C-s")
    s = try t.waitFor(text: "最多两位小数")
    assertEveryLineFits(s, "a refused amount")
    // Esc on a form holding typed input asks first; nothing is saved.
    try t.send("Escape")
    try t.waitFor(text: "放弃已输入的内容")
    try t.send("y")
    try t.waitFor("the form closed") { !$0.contains("登记资金支出") }

    // The first day's donations, handed over to the Red Cross.
    try t.send("Tab")
    s = try t.waitFor("the campaigns") { $0.contains("渭南市红十字会") && $0.contains("47993.00") }
    try t.send("Enter")
    s = try t.waitFor(text: "已募集 47993.00（13 个单位")
    assertEveryLineFits(s, "a campaign's detail")
    try t.send("Escape")
    try t.send("Escape")
    try t.waitFor("back on the grid") { $0.contains("[1 值班表") && !$0.contains("[应急资金]") }
    try quit(t)
  }

  /// 80x24 in English: the view fits, every column readable.
  func testTheFundViewInEnglishAt80x24() throws {
    let t = try launch(width: 80, height: 24, arguments: ["--lang", "en"])
    try t.waitFor(text: "Duty roster")
    try t.send(":")
    try t.type("fund")
    try t.send("Enter")
    let s = try t.waitFor("the English fund view") { $0.contains("[Emergency fund]") && $0.contains("Total") }
    XCTAssertTrue(s.lines[1].contains("Lines") && s.lines[1].contains("Awaiting approval"), "\(s)")
    assertEveryLineFits(s, "fund 80x24 en")
    try t.send("Escape")
    try quit(t)
  }
}
