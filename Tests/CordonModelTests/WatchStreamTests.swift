import CordonModel
import EventSourcing
import Foundation
import XCTest

/// `cordon watch`'s lines over the scripted demo day: a golden file per
/// language, without a single escape byte.
final class WatchStreamTests: XCTestCase {
  /// The stream as `cordon watch` would print it from after the registration:
  /// each record with the state right after it.
  static func stream(_ h: Harness, pane: WatchStream.Pane?, _ lang: Language) -> [String] {
    var state = CordonState()
    var lines: [String] = []
    for r in h.journal {
      state.apply(r)
      guard r.actor != "demo" else { continue }
      if let l = WatchStream.line(r, pane: pane, state: state, strings: Strings(lang)) { lines.append(l) }
    }
    return lines
  }

  func testWatchOverTheScriptedDayMatchesGoldenFilesWithNoEscapeByte() throws {
    let h = try DemoDay.run()
    let update = ProcessInfo.processInfo.environment["CORDON_UPDATE_GOLDEN"] == "1"
    for lang in Language.allCases {
      let text = Self.stream(h, pane: nil, lang).joined(separator: "\n") + "\n"
      let file = ReportTests.golden.appendingPathComponent("watch-2020-02-07.\(lang.rawValue).txt")
      if update { try text.write(to: file, atomically: true, encoding: .utf8) }
      let expected = try String(contentsOf: file, encoding: .utf8)
      XCTAssertEqual(
        text, expected, "\(file.lastPathComponent) differs; CORDON_UPDATE_GOLDEN=1 rewrites it after review")
      let bytes = Array(try Data(contentsOf: file))
      XCTAssertFalse(bytes.contains(0x1B), "an ESC byte in \(file.lastPathComponent)")
      XCTAssertTrue(bytes.allSatisfy { $0 >= 0x20 || $0 == 0x0A }, "a control byte in \(file.lastPathComponent)")
      // One line per event after the registration, none empty.
      XCTAssertEqual(text.split(separator: "\n").count, h.journal.filter { $0.actor != "demo" }.count)
    }
  }

  func testPaneFilterKeepsOnlyThatPanesEvents() throws {
    let h = try DemoDay.run()
    let all = Self.stream(h, pane: nil, .en)
    var seen = 0
    for pane in WatchStream.Pane.allCases {
      let lines = Self.stream(h, pane: pane, .en)
      XCTAssertFalse(lines.isEmpty, "the demo day has \(pane) events")
      let title = Strings(.en)("pane.\(pane.rawValue)")
      XCTAssertTrue(lines.allSatisfy { $0.contains("  \(title)  ") }, "\(pane): \(lines)")
      XCTAssertTrue(lines.allSatisfy(all.contains))
      seen += lines.count
    }
    // The directive and its acknowledgement belong to no pane: only the unfiltered stream has them.
    let other = all.filter { $0.contains("  other  ") }
    XCTAssertEqual(seen + other.count, all.count)
    XCTAssertTrue(other.contains { $0.contains("directive") }, "\(other)")
    let alerts = Self.stream(h, pane: .alerts, .en)
    XCTAssertTrue(alerts.contains { $0.contains("[critical]") }, "\(alerts)")
  }

  func testUserTextCannotCarryEscapesAndLinesAreBounded() {
    let state = CordonState()
    let hostile = "\u{1B}]52;c;cHduZWQ=\u{07}\u{1B}[2J\u{9B}31m\u{202E}evil\r\nnext"
    let r = EventRecord<CordonEvent>(
      seq: 7, time: Harness.morning, actor: "x\u{1B}[1m", unit: nil, commandID: nil,
      event: .shiftCancelled(shift: "s1", reason: hostile + String(repeating: "长", count: 1000)))
    let line = WatchStream.line(r, pane: nil, state: state, strings: Strings(.zh)) ?? ""
    XCTAssertFalse(line.unicodeScalars.contains { UserText.isControl($0) }, line)
    XCTAssertLessThanOrEqual(DisplayWidth.of(line), WatchStream.maxLineWidth)
    XCTAssertTrue(line.hasSuffix("…"))
    XCTAssertNil(WatchStream.line(r, pane: .stock, state: state, strings: Strings(.zh)))
    let notice = WatchStream.notice("watch.lost", ["\u{1B}[31mgone"], strings: Strings(.en))
    XCTAssertEqual(notice, "-- Connection to the server lost ([31mgone); reconnecting")
  }
}
