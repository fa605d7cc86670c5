import CordonModel
import Foundation
import XCTest

final class StringsTests: XCTestCase {
  func testBothLanguagesHaveTheSameKeysAndPlaceholders() {
    XCTAssertEqual(Set(Strings.zh.keys), Set(Strings.en.keys))
    for (key, zh) in Strings.zh {
      XCTAssertEqual(placeholders(zh), placeholders(Strings.en[key] ?? ""), key)
    }
  }

  func testEveryRefusalCodeAndRuleHasText() {
    for rule in RuleID.allCases { XCTAssertNotNil(Strings.zh["alert.\(rule.rawValue)"], rule.rawValue) }
  }

  /// Every literal key the sources look up exists in the tables.
  func testEveryKeyUsedInTheSourcesExists() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let sources = root.appendingPathComponent("Sources")
    let files =
      FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
      .filter { $0.pathExtension == "swift" } ?? []
    XCTAssertGreaterThan(files.count, 10)
    let pattern = try NSRegularExpression(pattern: #"\b(?:t|strings)\("([a-zA-Z]+\.[a-zA-Z.]+)""#)
    var used = Set<String>()
    for f in files {
      let text = try String(contentsOf: f, encoding: .utf8)
      for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        if let r = Range(m.range(at: 1), in: text) { used.insert(String(text[r])) }
      }
    }
    XCTAssertGreaterThan(used.count, 30)
    for key in used.sorted() { XCTAssertNotNil(Strings.zh[key], "missing string key \(key)") }
  }

  private func placeholders(_ s: String) -> [String] {
    (0..<6).map { "{\($0)}" }.filter { s.contains($0) }
  }
}
