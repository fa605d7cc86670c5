import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Display width from the C library (`wcwidth` under C.UTF-8), deliberately
/// not the product's own width function: the two must agree for the screen
/// to line up, so the check has to be independent.
enum CellWidth {
  private static let localeIsSet: Bool = {
    setlocale(LC_ALL, "C.UTF-8") != nil
  }()

  private typealias WcwidthFunction = @convention(c) (wchar_t) -> Int32

  /// glibc's headers hide `wcwidth` from Swift (it needs `_XOPEN_SOURCE`), so
  /// it is looked up in the C library at run time.
  private static let wcwidth: WcwidthFunction? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "wcwidth") else { return nil }
    return unsafeBitCast(symbol, to: WcwidthFunction.self)
  }()

  /// Columns `s` occupies, or nil if it holds something unprintable (a
  /// control character, an escape sequence that leaked through).
  static func of<S: StringProtocol>(_ s: S) -> Int? {
    precondition(localeIsSet, "the C.UTF-8 locale is missing")
    guard let wcwidth else { preconditionFailure("wcwidth not found in the C library") }
    var total = 0
    for scalar in s.unicodeScalars {
      let w = wcwidth(wchar_t(bitPattern: scalar.value))
      if w < 0 { return nil }
      total += Int(w)
    }
    return total
  }

  static func isBoxDrawing(_ scalar: Unicode.Scalar) -> Bool {
    (0x2500...0x257F).contains(scalar.value)
  }
}

/// Checks that every captured line is exactly the terminal's width.
///
/// tmux stores a line only up to its last written cell: cells an erase
/// (`EL`, `ED`) cleared are not "used" and `capture-pane -N` does not return
/// them, even as spaces. So a line may come back shorter than the terminal,
/// and the rest of it is blank by construction. What is asserted:
///
/// - there are exactly `height` lines;
/// - no line holds an unprintable character;
/// - no line is wider than the terminal (with the blank rest, exactly the width);
/// - every line that starts with a frame (a box-drawing character in column
///   0: a pane's border) is exactly the width, because a pane spans to the
///   last column and ends in a border there. A CJK width disagreement between
///   cordon and the terminal shifts that right border, which this catches.
///   (A line with only an overlay's box on it, drawn over the header, may
///   still end in erased cells: it is held to the weaker bound.)
func assertEveryLineFits(
  _ screen: Screen, _ step: String, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(
    screen.lines.count, screen.height, "\(step): captured \(screen.lines.count) lines\n\(screen)", file: file,
    line: line)
  for (i, text) in screen.lines.enumerated() {
    guard let w = CellWidth.of(text) else {
      XCTFail("\(step): line \(i) holds an unprintable character: \(text.debugDescription)", file: file, line: line)
      continue
    }
    XCTAssertLessThanOrEqual(
      w, screen.width, "\(step): line \(i) is \(w) cells wide\n\(screen)", file: file, line: line)
    if let first = text.unicodeScalars.first, CellWidth.isBoxDrawing(first) {
      XCTAssertEqual(
        w, screen.width, "\(step): framed line \(i) is \(w) cells, not \(screen.width)\n\(screen)", file: file,
        line: line)
    }
  }
}

/// The independent width function itself, so a missing locale shows up as
/// one clear failure rather than as every screen being "unprintable".
final class CellWidthTests: XCTestCase {
  func testLibcWidths() {
    XCTAssertEqual(CellWidth.of("abc"), 3)
    XCTAssertEqual(CellWidth.of("热力站"), 6, "CJK is two cells under C.UTF-8")
    XCTAssertEqual(CellWidth.of("┌─┐"), 3, "box drawing is one cell")
    XCTAssertEqual(CellWidth.of("e\u{301}"), 1, "a combining mark takes no cell")
    XCTAssertNil(CellWidth.of("a\u{1B}[0m"), "an escape character is unprintable")
  }
}
