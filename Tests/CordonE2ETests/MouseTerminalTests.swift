import Foundation
import XCTest

/// The mouse in the built binary: raw SGR 1006 reports typed into the pane
/// with `tmux send-keys -H`, decoded by ncurses.
extension ConsoleTerminalTests {
  /// SGR 1006: `ESC [ < button ; column ; row M` (press) and `m` (release), 1-based, as hex bytes.
  func sgrBytes(button: Int, x: Int, y: Int, release: Bool) -> [String] {
    Array("\u{1B}[<\(button);\(x + 1);\(y + 1)\(release ? "m" : "M")".utf8).map { String(format: "%02x", $0) }
  }

  func click(_ t: TmuxSession, x: Int, y: Int) throws {
    try t.tmuxCommand(
      ["send-keys", "-t", t.target, "-H"] + sgrBytes(button: 0, x: x, y: y, release: false)
        + sgrBytes(button: 0, x: x, y: y, release: true))
  }

  /// 120x36 grid: a click on a row of pane 2 focuses pane 2 and selects that
  /// row (Enter then opens that row's detail); the wheel moves; a click on
  /// pane 1 moves the focus back.
  func testAClickFocusesPane2AndSelectsARow() throws {
    let t = try launch(width: 120, height: 36)
    var s = try t.waitFor("the grid") { gridRow($0, "1 值班表", "2 检查点状态") != nil }
    let top = try XCTUnwrap(gridRow(s, "1 值班表", "2 检查点状态"))
    XCTAssertTrue(s.lines[top].contains("[1 值班表]"), "pane 1 has the focus first\n\(s)")
    // The fourth row of pane 2's table (under the top edge and the column titles).
    let y = top + 2 + 3
    let rowText = s.lines[y]
    let cells = rowText.split(separator: "│").last?.split(separator: " ") ?? []
    let site = try XCTUnwrap(cells.dropFirst().first, "the row's site\n\(s)").prefix(3)
    try click(t, x: 70, y: y)
    s = try t.waitFor("pane 2 focused") { $0.lines[top].contains("[2 检查点状态]") }
    XCTAssertFalse(s.lines[top].contains("[1 值班表]"), s.description)
    // Enter opens the selected row: its detail starts "site · unit · kind".
    try t.send("Enter")
    try t.waitFor("the detail of the clicked row (\(site))") {
      $0.lines.contains { $0.contains(site) && $0.contains(" · ") }
    }
    try t.send("Escape")
    try t.waitFor("back on the grid") { $0.lines[top].contains("[2 检查点状态]") }
    try click(t, x: 10, y: top + 4)
    try t.waitFor("pane 1 focused again") { $0.lines[top].contains("[1 值班表]") }
    try quit(t)
  }

  /// A click on the fever form's third field focuses it: the marker moves
  /// there and what is typed next lands in it.
  func testAClickInAFormFocusesTheField() throws {
    let t = try launch(width: 120, height: 36)
    try t.waitFor("the grid") { gridRow($0, "1 值班表", "2 检查点状态") != nil }
    try t.send("2")
    try t.send("f")
    let s = try t.waitFor(text: "录入发热病例")
    let title = try XCTUnwrap(s.lines.firstIndex { $0.contains("录入发热病例") })
    let y = try XCTUnwrap(s.lines.indices.first { $0 > title && s.lines[$0].contains(" 体温") }, s.description)
    XCTAssertTrue(s.lines.contains { $0.contains(">点位") }, "the first field has the focus\n\(s)")
    let before = s.lines[y]
    let x = (CellWidth.of(before[..<(before.range(of: " 体温")?.upperBound ?? before.endIndex)]) ?? 0) + 12
    try click(t, x: x, y: y)
    try t.waitFor("the reading field focused") { $0.lines[y].contains(">体温") }
    try t.type("37.2")
    let typed = try t.waitFor("typed into the clicked field") { $0.lines[y].contains("37.2") }
    XCTAssertFalse(typed.lines.contains { $0.contains(">点位") }, typed.description)
    try t.send("Escape")
    try t.waitFor(text: "(y/n)")
    try t.send("y")
    try t.waitFor("the form closed") { !$0.contains("录入发热病例") }
    try quit(t)
  }

  /// `--no-mouse`: the same click does nothing.
  func testNoMouseIgnoresClicks() throws {
    let t = try launch(width: 120, height: 36, arguments: ["--no-mouse"])
    let s = try t.waitFor("the grid") { gridRow($0, "1 值班表", "2 检查点状态") != nil }
    let top = try XCTUnwrap(gridRow(s, "1 值班表", "2 检查点状态"))
    try click(t, x: 70, y: top + 4)
    usleep(300_000)
    try t.send("?")
    try t.waitFor(text: "帮助")
    try t.send("Escape")
    let after = try t.waitFor("the grid again") { gridRow($0, "1 值班表", "2 检查点状态") != nil }
    XCTAssertTrue(after.lines[top].contains("[1 值班表]"), "focus stayed on pane 1\n\(after)")
    try quit(t)
  }
}
