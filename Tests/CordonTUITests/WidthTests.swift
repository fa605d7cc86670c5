import CordonModel
import CordonTUI
import EventSourcing
import XCTest

final class WidthTests: XCTestCase {
  func testWidthsOfCJKCombiningAndControlCharacters() {
    XCTAssertEqual(DisplayWidth.of("金盾护卫"), 8)
    XCTAssertEqual(DisplayWidth.of("N95口罩"), 7)
    XCTAssertEqual(DisplayWidth.of("ｘ"), 2, "fullwidth forms are wide")
    XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1, "a combining mark adds nothing")
    XCTAssertEqual(DisplayWidth.of("\u{1B}[31m"), 4, "ESC is removed, the rest is plain text")
    XCTAssertEqual(DisplayWidth.of("a\u{7}b\u{9B}c"), 3)
    XCTAssertEqual(DisplayWidth.of("한국"), 4)
    XCTAssertEqual(DisplayWidth.of("😷"), 2)
    XCTAssertEqual(DisplayWidth.of("℃"), 1)
  }

  func testClipNeverSplitsAWideCharacter() {
    XCTAssertEqual(DisplayWidth.clip("金盾护卫", to: 5), "金盾 ")
    XCTAssertEqual(DisplayWidth.clip("金盾护卫", to: 4), "金盾")
    XCTAssertEqual(DisplayWidth.clip("a金", to: 2), "a ")
    XCTAssertEqual(DisplayWidth.clip("abc", to: 0), "")
    XCTAssertEqual(DisplayWidth.clip("\u{1B}]0;pwned\u{7}ok", to: 20), "]0;pwnedok")
    XCTAssertEqual(DisplayWidth.clip("\u{301}x", to: 3), "x", "a combining mark with no base is dropped")
    for text in ["热力总公司 第一热力站", "e\u{301}金a", "😷口罩N95"] {
      for w in 0...12 {
        XCTAssertLessThanOrEqual(DisplayWidth.of(DisplayWidth.clip(text, to: w)), w)
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.fit(text, to: w)), w)
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.fitRight(text, to: w)), w)
      }
    }
  }

  func testBufferPadsAWideCharacterAtThePaneBorder() {
    var b = ScreenBuffer(width: 10, height: 1)
    b.put("|", x: 5, y: 0, style: .border)
    b.put("金盾护卫", x: 0, y: 0, maxWidth: 5, style: .normal)
    XCTAssertEqual(b.line(0), "金盾 |    ")
    // Overwriting half of a wide character blanks the other half.
    b.put("x", x: 1, y: 0, style: .normal)
    XCTAssertEqual(b.line(0), " x盾 |    ")
    XCTAssertEqual(DisplayWidth.of(b.line(0)), 10)
  }

  func testDiffSendsOnlyChangedCells() {
    var a = ScreenBuffer(width: 200, height: 50)
    a.put("告警队列", x: 3, y: 3, style: .title)
    var b = a
    b.put("X", x: 100, y: 20, style: .critical)
    let runs = b.diff(from: a)
    XCTAssertEqual(runs, [ScreenBuffer.Run(x: 100, y: 20, cells: [Cell(character: "X", style: .critical)])])
    XCTAssertEqual(b.diff(from: b), [])
    XCTAssertEqual(b.diff(from: nil).count, 50, "no previous frame: every row")
    // Changing the second half of a wide character redraws it whole.
    var c = a
    c.put("警", x: 5, y: 3, style: .critical)
    XCTAssertEqual(c.diff(from: a).first?.x, 5)
  }
}

final class LayoutTests: XCTestCase {
  func testLayoutAtTheNamedSizes() {
    let small = ScreenLayout(width: 80, height: 24, focus: .stock)
    XCTAssertEqual(small.mode, .single)
    XCTAssertEqual(Array(small.panes.keys), [.stock])
    XCTAssertEqual(small.panes[.stock], Rect(x: 0, y: 2, width: 80, height: 20))
    XCTAssertEqual(small.tabs, Rect(x: 0, y: 1, width: 80, height: 1))

    let grid = ScreenLayout(width: 120, height: 36, focus: .roster)
    XCTAssertEqual(grid.mode, .grid)
    XCTAssertEqual(grid.panes.count, 4)
    XCTAssertEqual(grid.panes[.roster], Rect(x: 0, y: 1, width: 60, height: 16))
    XCTAssertEqual(grid.panes[.alerts], Rect(x: 60, y: 17, width: 60, height: 17))

    let big = ScreenLayout(width: 200, height: 50, focus: .roster)
    XCTAssertEqual(big.mode, .grid)
    XCTAssertEqual(big.hints, Rect(x: 0, y: 49, width: 200, height: 1))
    // The four panes tile the body exactly.
    let area = big.panes.values.reduce(0) { $0 + $1.width * $1.height }
    XCTAssertEqual(area, 200 * (50 - 3))

    XCTAssertEqual(ScreenLayout(width: 59, height: 14, focus: .roster).mode, .tooSmall)
    XCTAssertEqual(ScreenLayout(width: 60, height: 15, focus: .roster).mode, .single)
    XCTAssertEqual(ScreenLayout(width: 119, height: 50, focus: .roster).mode, .single)
    XCTAssertEqual(ScreenLayout(width: 200, height: 35, focus: .roster).mode, .single)
  }

  func testTableDropsLowPriorityColumnsWhenNarrow() {
    let data = TableData(
      columns: [
        TableColumn("a", min: 10, max: 20, priority: 10), TableColumn("b", min: 10, max: 10, priority: 1),
        TableColumn("c", min: 10, max: 40, priority: 9),
      ], rows: [])
    XCTAssertEqual(data.layout(width: 32), [10, 10, 10])
    XCTAssertEqual(data.layout(width: 30), [19, 0, 10], "b is dropped; the spare goes to the most important column")
    XCTAssertEqual(data.layout(width: 100), [20, 10, 40])
  }
}

final class BufferConsistencyTests: XCTestCase {
  /// Overlays fill rectangles over wide characters: the regression was a fill
  /// over the second half of 级 that left the buffer believing 级 was still shown.
  func testFillOverHalfAWideCharacterBlanksTheOtherHalf() {
    var b = ScreenBuffer(width: 6, height: 1)
    b.put("级别", x: 1, y: 0, style: .title)
    b.fill(Rect(x: 2, y: 0, width: 2, height: 1), style: .overlay)
    XCTAssertTrue(b.isConsistent)
    XCTAssertEqual(b.line(0), "      ", "别 was cut by the right edge, so it goes too")
    XCTAssertEqual(b[1, 0].character, " ", "the first half of 级 is blank, not an orphan")
  }

  func testRandomPutsAndFillsKeepTheBufferConsistent() {
    var rng = SeededRandom(seed: 2020)
    let words = ["金盾护卫", "a", "告警", "x😷y", "e\u{301}", "热力总公司 第一热力站", "│", "  "]
    for _ in 0..<200 {
      var b = ScreenBuffer(width: 23, height: 3)
      for _ in 0..<40 {
        let y = Int.random(in: 0..<3, using: &rng)
        let x = Int.random(in: -2..<23, using: &rng)
        if Bool.random(using: &rng) {
          b.put(
            words.randomElement(using: &rng) ?? "", x: x, y: y, maxWidth: Int.random(in: 1...12, using: &rng),
            style: .normal)
        } else {
          b.fill(Rect(x: max(0, x), y: y, width: Int.random(in: 0...9, using: &rng), height: 1), style: .overlay)
        }
        guard b.isConsistent else {
          let dump = (0..<3).map { y in
            (0..<23).map { x in b[x, y].continuation ? "~" : String(b[x, y].character) }.joined()
          }
          return XCTFail("inconsistent:\n" + dump.joined(separator: "\n"))
        }
      }
    }
  }
}
