import CordonModel
import Foundation
import XCTest

@testable import CordonTUI

/// `y` and OSC 52: what is copied, what the status line says, what the
/// terminal is sent. The raw bytes through a pty are in the E2E tests.
final class ClipboardTests: XCTestCase {
  func testYCopiesTheSelectedRowAndSaysSo() throws {
    var m = try ConsoleUpdateTests.model()
    ConsoleUpdateTests.keys(&m, .char("2"), .down)
    let id = try XCTUnwrap(m.selectedRowID)
    let row = try XCTUnwrap(m.visibleRows(.checkpoints).first { $0.id == id })
    let effects = ConsoleUpdateTests.keys(&m, .char("y"))
    guard case .copy(let text)? = effects.first, effects.count == 1 else { return XCTFail("\(effects)") }
    for cell in row.cells where !cell.text.trimmingCharacters(in: .whitespaces).isEmpty {
      XCTAssertTrue(text.contains(cell.text.trimmingCharacters(in: .whitespaces)), "\(cell.text) not in \(text)")
    }
    XCTAssertEqual(m.status?.text, "已复制到剪贴板：\(text)")
    XCTAssertEqual(m.mode, .normal)
  }

  func testYInTheDetailViewCopiesTheDetailAndKeepsItOpen() throws {
    var m = try ConsoleUpdateTests.model()
    ConsoleUpdateTests.keys(&m, .char("2"), .enter)
    guard case .detail(let pane, let id, _) = m.mode else { return XCTFail("\(m.mode)") }
    let (title, lines) = Panes.pane(pane).detail(rowID: id, m.context())
    let effects = ConsoleUpdateTests.keys(&m, .char("y"))
    guard case .copy(let text)? = effects.first else { return XCTFail("\(effects)") }
    XCTAssertTrue(text.hasPrefix(title), text)
    XCTAssertEqual(text, Clipboard.prepare(([title] + lines).joined(separator: "\n")))
    let count = text.split(separator: "\n", omittingEmptySubsequences: false).count
    XCTAssertEqual(m.status?.text.hasPrefix("已复制详情 \(count) 行到剪贴板"), true, m.status?.text ?? "")
    guard case .detail = m.mode else { return XCTFail("the detail closed: \(m.mode)") }
  }

  func testTheClipboardNeverGetsEscapesAndTheSequenceIsBase64() {
    XCTAssertEqual(Clipboard.prepare("a\u{1B}]52;c;x\u{07}b  \nc\u{202E}d\t"), "a]52;c;xb\ncd")
    XCTAssertNil(Clipboard.prepare(" \n\u{1B}\n"))
    XCTAssertEqual(Clipboard.osc52("热力站 12"), "\u{1B}]52;c;" + Data("热力站 12".utf8).base64EncodedString() + "\u{07}")
    XCTAssertFalse(Clipboard.osc52("x\u{1B}y").dropFirst().dropLast().contains("\u{1B}"))
  }

  func testNothingToCopyAndTooLongAreSaidAndSendNothing() throws {
    var m = try ConsoleUpdateTests.model()
    ConsoleUpdateTests.keys(&m, .char("2"), .char("/"))
    ConsoleUpdateTests.type(&m, "没有这样的检查点")
    ConsoleUpdateTests.keys(&m, .enter)
    XCTAssertEqual(ConsoleUpdateTests.keys(&m, .char("y")), [])
    XCTAssertEqual(m.status?.text, "没有可复制的内容")
    XCTAssertEqual(m.copy(detail: ("t", [String(repeating: "x", count: Clipboard.maxBytes)])), [])
    XCTAssertEqual(m.status?.text, "内容超过 32768 字节，未复制")
  }
}
