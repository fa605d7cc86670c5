import CordonModel
import XCTest

@testable import CordonTUI

/// Mouse events through the update function: the same model changes the keys make.
final class MouseTests: XCTestCase {
  @discardableResult
  func mouse(_ m: inout ConsoleModel, _ x: Int, _ y: Int, _ kind: MouseEvent.Kind = .click) -> [ConsoleEffect] {
    ConsoleUpdate.update(&m, .mouse(MouseEvent(x: x, y: y, kind: kind)))
  }

  func testAClickOnTheTabStripSwitchesPanes() throws {
    var m = try ConsoleUpdateTests.model()
    let strip = try XCTUnwrap(m.layout.tabs)
    for tab in HeaderView.tabs(counts: m.paneCounts(), strings: m.strings, in: strip) {
      mouse(&m, tab.x + tab.width - 1, strip.y)
      XCTAssertEqual(m.focus, tab.kind, "\(tab.text)")
    }
    let focus = m.focus
    mouse(&m, 79, 0)
    XCTAssertEqual(m.focus, focus, "a click on the header changes nothing")
  }

  /// The strip is in pane-number order; when it is too narrow for every tab,
  /// the alert queue's (pinned) tab still shows whole and the others give way.
  func testTheTabStripIsInPaneOrderAndKeepsThePinnedTabWhole() throws {
    let m = try ConsoleUpdateTests.model()
    let wide = HeaderView.tabs(counts: m.paneCounts(), strings: m.strings, in: Rect(x: 0, y: 1, width: 80, height: 1))
    XCTAssertEqual(wide.map(\.kind), Panes.kinds)
    XCTAssertEqual(wide.map(\.x), wide.map(\.x).sorted())
    for width in [24, 30, 40, 50] {
      let tabs = HeaderView.tabs(
        counts: m.paneCounts(), strings: m.strings, in: Rect(x: 0, y: 1, width: width, height: 1))
      let alerts = try XCTUnwrap(tabs.first { $0.kind == .alerts }, "width \(width)")
      XCTAssertEqual(alerts.width, DisplayWidth.of(alerts.text), "width \(width): the pinned tab is whole")
      let order = tabs.map { Panes.kinds.firstIndex(of: $0.kind) ?? -1 }
      XCTAssertEqual(order, order.sorted(), "width \(width)")
      XCTAssertLessThanOrEqual((tabs.last.map { $0.x + $0.width }) ?? 0, width)
    }
  }

  func testAClickSelectsTheRowUnderThePointerAndADoubleClickOpensIt() throws {
    var m = try ConsoleUpdateTests.model()
    ConsoleUpdateTests.keys(&m, .char("2"))
    let rect = try XCTUnwrap(m.layout.panes[.checkpoints])
    let rows = m.visibleRows(.checkpoints)
    // Rows begin under the top edge and the column titles.
    mouse(&m, 10, rect.y + 2 + 3)
    XCTAssertEqual(m.selectedRowID, rows[3].id)
    mouse(&m, 10, rect.y + 1)
    XCTAssertEqual(m.selectedRowID, rows[3].id, "the column titles select nothing")
    mouse(&m, 10, rect.y + 2 + 1, .doubleClick)
    XCTAssertEqual(m.mode, .detail(pane: .checkpoints, rowID: rows[1].id, scroll: 0))
    mouse(&m, 10, 10, .wheelDown)
    XCTAssertEqual(m.mode, .detail(pane: .checkpoints, rowID: rows[1].id, scroll: 3), "the wheel scrolls the detail")
  }

  func testTheWheelMovesTheSelectionAndAClickFocusesAGridPane() throws {
    var m = try ConsoleUpdateTests.model(width: 200, height: 50)
    XCTAssertEqual(m.focus, .roster)
    let rect = try XCTUnwrap(m.layout.panes[.checkpoints])
    mouse(&m, rect.x + 5, rect.y + 2 + 2)
    XCTAssertEqual(m.focus, .checkpoints)
    let rows = m.visibleRows(.checkpoints)
    XCTAssertEqual(m.selectedRowID, rows[2].id)
    mouse(&m, rect.x + 5, rect.y + 5, .wheelDown)
    XCTAssertEqual(m.selectedRowID, rows[5].id)
    mouse(&m, rect.x + 5, rect.y + 5, .wheelUp)
    mouse(&m, rect.x + 5, rect.y + 5, .wheelUp)
    XCTAssertEqual(m.selectedRowID, rows[0].id)
  }

  func testTheMouseNeverTouchesAnOpenFormOutsideItsFields() throws {
    var m = try ConsoleUpdateTests.model()
    ConsoleUpdateTests.keys(&m, .char("2"), .char("f"))
    let before = m.mode
    XCTAssertEqual(mouse(&m, 3, 1), [])
    XCTAssertEqual(mouse(&m, 10, 8, .doubleClick), [])
    XCTAssertEqual(mouse(&m, 40, 15, .wheelDown), [])
    XCTAssertEqual(m.mode, before)
    XCTAssertEqual(m.focus, .checkpoints)
  }

  /// Where a field is drawn, found on the drawn screen (below the form's
  /// title, over the panes) rather than by the layout's arithmetic.
  func drawnRow(of label: String, _ m: ConsoleModel) -> (x: Int, y: Int)? {
    guard case .form(let f) = m.mode else { return nil }
    var buffer = ScreenBuffer(width: m.size.width, height: m.size.height)
    ConsoleView.draw(m, into: &buffer)
    let lines = buffer.lines
    guard let top = lines.firstIndex(where: { $0.contains(f.title) }) else { return nil }
    for y in (top + 1)..<lines.count {
      if let r = lines[y].range(of: label) { return (DisplayWidth.of(String(lines[y][..<r.lowerBound])), y) }
    }
    return nil
  }

  func testAClickInAFormFocusesTheFieldUnderThePointer() throws {
    var m = try ConsoleUpdateTests.model()
    ConsoleUpdateTests.keys(&m, .char("2"), .char("f"))
    guard case .form(let opened) = m.mode else { return XCTFail("no form: \(m.mode)") }
    XCTAssertGreaterThanOrEqual(opened.fields.count, 3)
    XCTAssertEqual(opened.focus, 0)
    let last = opened.fields.count - 1
    let label = try XCTUnwrap(drawnRow(of: opened.fields[last].label, m))
    // On the field's input, right of its label.
    XCTAssertEqual(mouse(&m, label.x + 20, label.y), [])
    guard case .form(let clicked) = m.mode else { return XCTFail("the click closed the form: \(m.mode)") }
    XCTAssertEqual(clicked.focus, last)
    XCTAssertEqual(clicked.fields, opened.fields, "a click changes no value")
    // The drawn marker moved with it, and typing now goes into that field.
    let marked = try XCTUnwrap(drawnRow(of: ">" + opened.fields[last].label, m))
    XCTAssertEqual(marked.y, label.y)
    let first = try XCTUnwrap(drawnRow(of: opened.fields[0].label, m))
    mouse(&m, first.x + 1, first.y)
    guard case .form(let back) = m.mode else { return XCTFail("\(m.mode)") }
    XCTAssertEqual(back.focus, 0)
  }
}
