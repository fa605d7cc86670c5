import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The built `cordon` binary in a real terminal (tmux): keys in, screens out.
final class ConsoleTerminalTests: XCTestCase {
  // MARK: - Scenarios

  /// 80x24, xterm-256color: header, tab strip, focus, help, a Chinese
  /// filter, resize to the 2x2 grid, quit.
  func testTourAt80x24WithXterm256() throws {
    try tour(term: "xterm-256color") { t, _ in
      XCTAssertTrue(usesColour(try t.captureStyled()), "xterm-256color: expected colours on the screen")
    }
  }

  /// The same tour on a vt100: no colours at all, and severity still readable
  /// as text (`!!` on the critical stock alerts the demo raises at start).
  func testTourAt80x24WithVT100() throws {
    try tour(term: "vt100") { t, _ in
      XCTAssertFalse(usesColour(try t.captureStyled()), "vt100 has no colours, yet a colour was drawn")
      try t.send("4")
      let s = try t.waitFor("the alerts pane with a critical row") { s in
        s.contains("[4 告警队列") && paneBody(s, title: "[4 告警队列").contains { $0.contains("!!") }
      }
      let critical = paneBody(s, title: "[4 告警队列").filter { $0.contains("!!") }
      XCTAssertTrue(
        critical.contains { $0.contains("热力总公") }, "expected a critical alert for 热力总公司\n\(s)")
      assertEveryLineFits(s, "vt100 alerts pane")
      try t.send("1")
      try t.waitFor(text: "[1 值班表")
    }
  }

  /// `--lang en` at 120x36: the grid with the English pane titles.
  func testEnglishGridAt120x36() throws {
    let t = try launch(width: 120, height: 36, arguments: ["--lang", "en"])
    let s = try t.waitFor("four English pane titles in a grid") { s in
      gridRow(s, "1 Duty roster", "2 Checkpoints") != nil && gridRow(s, "3 Supply stock", "4 Alerts") != nil
    }
    XCTAssertTrue(s.lines[0].contains("Cordon"), "header\n\(s)")
    XCTAssertFalse(s.contains("值班表"), "Chinese title on an English screen\n\(s)")
    assertEveryLineFits(s, "en 120x36")
    try quit(t)
  }

  /// Below 60x15 a message names the size needed; growing the terminal brings
  /// the console back.
  func testTooSmallThenResized() throws {
    let t = try launch(width: 59, height: 14)
    var s = try t.waitFor(text: "60×15")
    XCTAssertFalse(s.contains("┌"), "no panes at 59x14\n\(s)")
    XCTAssertTrue(s.contains("59×14"), "the message names the current size\n\(s)")
    assertEveryLineFits(s, "59x14")
    try t.resize(width: 80, height: 24)
    s = try t.waitFor("the console at 80x24") { $0.width == 80 && $0.contains("[1 值班表") }
    XCTAssertFalse(s.contains("60×15"), "the message stayed\n\(s)")
    XCTAssertTrue(tabStrip(s), "tab strip at 80x24\n\(s)")
    assertEveryLineFits(s, "resized to 80x24")
    try quit(t)
  }

  /// Closing an overlay whose edge cut a double-width character redraws that
  /// character: the terminal blanks a wide glyph when half of it is overwritten.
  func testClosingAnOverlayRedrawsTheWideCharactersItCut() throws {
    let t = try launch(width: 100, height: 30)
    try waitForConsole(t)
    // Both keys in one read, as a quick typist sends them: the console goes
    // from the roster straight to the overlay, the path that tore 级 in half.
    try t.send("4", "?")
    try t.waitFor(text: "按键帮助")
    try t.send("Escape")
    let s = try t.waitFor("the help closed") { !$0.contains("按键帮助") }
    XCTAssertTrue(s.lines.contains { $0.hasPrefix("│级别") }, "the column title the help's edge cut\n\(s)")
    try t.send("1")
    let r = try t.waitFor(text: "[1 值班表")
    XCTAssertTrue(r.lines.contains { $0.hasPrefix("│单位") && $0.contains("岗位") }, "roster titles intact\n\(r)")
    assertEveryLineFits(r, "after the overlay")
    try quit(t)
  }

  /// The fever form refuses 45.0 inline, keeps what was typed, and asks
  /// before discarding it.
  func testFeverFormRefusesOutOfRangeReading() throws {
    let t = try launch(width: 80, height: 24)
    try t.send("2")
    try t.waitFor(text: "[2 检查点状态")
    try t.send("f")
    var s = try t.waitFor(text: "录入发热病例")
    XCTAssertTrue(s.contains("点位") && s.contains("姓名") && s.contains("体温"), "form fields\n\(s)")
    assertEveryLineFits(s, "form open")
    try t.send("Tab")
    try t.type("张三")
    try t.waitFor(text: "张三")
    try t.send("Tab")
    try t.type("45.0")
    try t.waitFor(text: "45.0")
    try t.send("Enter")
    s = try t.waitFor(text: "35.0–42.0")
    XCTAssertTrue(s.contains("录入发热病例"), "the form must stay open after a refusal\n\(s)")
    XCTAssertTrue(s.contains("张三"), "the typed name must survive the refusal\n\(s)")
    XCTAssertFalse(s.contains("已保存"), "an out-of-range reading was saved\n\(s)")
    assertEveryLineFits(s, "refusal shown")
    try t.send("Escape")
    s = try t.waitFor(text: "放弃已输入的内容？(y/n)")
    assertEveryLineFits(s, "discard prompt")
    try t.send("y")
    s = try t.waitFor("the form to close") { !$0.contains("录入发热病例") && !$0.contains("放弃已输入") }
    XCTAssertFalse(s.contains("张三"), "discarded input still on screen\n\(s)")
    XCTAssertTrue(s.contains("[2 检查点状态"), "back on the checkpoints pane\n\(s)")
    assertEveryLineFits(s, "form discarded")
    try quit(t)
  }

  /// SIGTERM ends the console with 0 and gives the terminal back: normal
  /// screen, cursor visible, canonical mode and echo on again.
  func testSigtermRestoresTheTerminal() throws {
    let t = try launch(width: 80, height: 24)
    try waitForConsole(t)
    XCTAssertEqual(try t.display("#{alternate_on}"), "1", "the console runs on the alternate screen")
    let pid = try t.childOfPaneShell()
    XCTAssertEqual(kill(pid, SIGTERM), 0, "kill -TERM \(pid)")
    let s = try t.waitFor(text: "EXITED:")
    XCTAssertTrue(s.contains("EXITED:0"), "exit status after SIGTERM\n\(s)")
    let restored = try t.waitFor(text: "STTY:")
    XCTAssertTrue(restored.contains("STTY:icanon,echo,"), "tty modes not restored\n\(restored)")
    XCTAssertEqual(try t.display("#{alternate_on}"), "0", "still on the alternate screen")
    XCTAssertEqual(try t.display("#{cursor_flag}"), "1", "cursor left hidden")
    XCTAssertFalse(
      restored.lines.joined().unicodeScalars.contains(where: CellWidth.isBoxDrawing),
      "console frames left on the normal screen\n\(restored)")
  }

  // MARK: - The shared tour

  private func tour(
    term: String, file: StaticString = #filePath, line: UInt = #line,
    extra: (TmuxSession, Screen) throws -> Void
  ) throws {
    let t = try launch(width: 80, height: 24, term: term)
    var s = try waitForConsole(t)
    XCTAssertTrue(s.lines[0].contains("Cordon"), "\(term): header\n\(s)", file: file, line: line)
    XCTAssertTrue(tabStrip(s), "\(term): tab strip on row 2\n\(s)", file: file, line: line)
    assertEveryLineFits(s, "\(term) start", file: file, line: line)

    try extra(t, s)

    try t.send("Tab")
    s = try t.waitFor(text: "[2 检查点状态")
    XCTAssertFalse(s.contains("[1 值班表"), "\(term): two focused titles\n\(s)", file: file, line: line)
    assertEveryLineFits(s, "\(term) after Tab", file: file, line: line)

    try t.send("?")
    s = try t.waitFor(text: "按键帮助")
    assertEveryLineFits(s, "\(term) help", file: file, line: line)
    try t.send("Escape")
    s = try t.waitFor("help to close") { !$0.contains("按键帮助") }
    XCTAssertTrue(s.contains("[2 检查点状态"), "\(term): focus kept\n\(s)", file: file, line: line)
    assertEveryLineFits(s, "\(term) help closed", file: file, line: line)

    try t.send("/")
    try t.type("热力")
    s = try t.waitFor(text: "[2 检查点状态 /热力 (")
    let body = paneBody(s, title: "[2 检查点状态")
    XCTAssertTrue(body.contains { $0.contains("热力站") }, "\(term): no 热力站 row\n\(s)", file: file, line: line)
    XCTAssertFalse(
      body.contains { $0.contains("金盾护卫") }, "\(term): filter let 金盾护卫 through\n\(s)", file: file, line: line)
    assertEveryLineFits(s, "\(term) filtering", file: file, line: line)
    try t.send("Enter")
    s = try t.waitFor("the filter prompt to close") { !$0.contains("筛选：") }
    XCTAssertTrue(s.contains("[2 检查点状态 /热力 ("), "\(term): Enter keeps the filter\n\(s)", file: file, line: line)
    assertEveryLineFits(s, "\(term) filter kept", file: file, line: line)

    try t.resize(width: 200, height: 50)
    s = try t.waitFor("the 2x2 grid at 200x50") { s in
      s.width == 200 && gridRow(s, "1 值班表", "2 检查点状态") != nil && gridRow(s, "3 物资储备", "4 告警队列") != nil
    }
    XCTAssertTrue(s.contains("2 检查点状态 /热力 ("), "\(term): filter lost on resize\n\(s)", file: file, line: line)
    assertEveryLineFits(s, "\(term) 200x50", file: file, line: line)

    try quit(t, file: file, line: line)
  }
}

// MARK: - Launching and reading screens

extension XCTestCase {
  /// Starts `cordon --demo ARGS` in a fresh tmux server; the server dies at
  /// teardown. After cordon ends, the pane's shell prints `EXITED:<status>`
  /// and the tty's `icanon`/`echo` flags, then idles.
  func launch(
    width: Int, height: Int, term: String = "xterm-256color", arguments: [String] = []
  ) throws -> TmuxSession {
    _ = try TmuxSession.tmuxOrSkip()
    let binary = try CordonBinary.locate()
    let config = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-config-\(UUID())")
    try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: config) }
    let command =
      ["env", "TERM=\(term)", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", shellQuote(binary.path), "--demo"]
      + arguments.map(shellQuote)
    let line =
      command.joined(separator: " ")
      + "; echo EXITED:$?; echo STTY:$(stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ,)"
      + "; exec sleep 600"
    let session = try TmuxSession(
      command: line, width: width, height: height, environment: CordonBinary.cleanEnvironment(configHome: config.path))
    addTeardownBlock { session.kill() }
    return session
  }

  /// Until the console has drawn its first full frame.
  @discardableResult
  func waitForConsole(_ t: TmuxSession) throws -> Screen {
    try t.waitFor("the console's first frame") { s in
      s.lines.first?.contains("Cordon") == true && s.contains("└")
    }
  }

  /// `q`, then the shell reports the exit status: 0, off the alternate screen.
  func quit(_ t: TmuxSession, file: StaticString = #filePath, line: UInt = #line) throws {
    try t.send("q")
    let s = try t.waitFor(text: "EXITED:")
    XCTAssertTrue(s.contains("EXITED:0"), "exit status after q\n\(s)", file: file, line: line)
    XCTAssertEqual(try t.display("#{alternate_on}"), "0", "still on the alternate screen", file: file, line: line)
  }
}

/// Row 2 at small sizes: all four panes named, with counts.
func tabStrip(_ s: Screen) -> Bool {
  guard s.lines.count > 1 else { return false }
  let row = s.lines[1]
  return ["1 值班表", "2 检查点状态", "3 物资储备", "4 告警队列"].allSatisfy { row.contains($0) }
}

/// The index of a row of frame tops naming both panes (one grid row).
func gridRow(_ s: Screen, _ left: String, _ right: String) -> Int? {
  s.lines.firstIndex { l in
    l.filter { $0 == "┌" }.count == 2 && l.contains(left) && l.contains(right)
      && (l.range(of: left)?.lowerBound ?? l.endIndex) < (l.range(of: right)?.lowerBound ?? l.startIndex)
  }
}

/// The lines between a single pane's title row and its bottom border.
func paneBody(_ s: Screen, title: String) -> [String] {
  guard let top = s.firstLine(containing: title) else { return [] }
  let rest = s.lines[(top + 1)...]
  let bottom = rest.firstIndex { $0.hasPrefix("└") } ?? s.lines.endIndex
  return Array(s.lines[(top + 1)..<bottom])
}

/// Whether an SGR sequence in `capture-pane -e` output sets a colour
/// (foreground or background, 8/16/256/RGB); 39 and 49 are the defaults.
func usesColour(_ styled: String) -> Bool {
  var rest = Substring(styled)
  while let start = rest.range(of: "\u{1B}[") {
    rest = rest[start.upperBound...]
    guard let end = rest.firstIndex(where: { !("0"..."9").contains($0) && $0 != ";" }) else { break }
    if rest[end] == "m" {
      let params = rest[..<end].split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
      if params.contains(where: { (30...38).contains($0) || (40...48).contains($0) || (90...107).contains($0) }) {
        return true
      }
    }
    rest = rest[end...]
  }
  return false
}
