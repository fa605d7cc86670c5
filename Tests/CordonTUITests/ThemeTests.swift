import CordonTUI
import Foundation
import XCTest

final class ThemeTests: XCTestCase {
  static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("themes")

  func testShippedThemesParseAndTheBuiltinsMatchTheirFiles() throws {
    for name in ["default", "high-contrast", "ansi16", "mono"] {
      let t = try Theme.load(name, searchPaths: [Self.themes])
      XCTAssertEqual(t.name, name)
      if let builtin = Theme.builtins[name] {
        XCTAssertEqual(t, builtin, "themes/\(name).toml differs from the built-in")
      }
    }
  }

  func testUnknownKeysNameFileAndKey() {
    XCTAssertThrowsError(try Theme.parse("colors = 16\n[styles]\ncritcal = { fg = 1 }\n", file: "t.toml")) {
      XCTAssertEqual("\($0)", "t.toml: unknown style key 'styles.critcal'")
    }
    XCTAssertThrowsError(try Theme.parse("[styles]\nok = { fg = 1, blink = true }\n", file: "t.toml")) {
      XCTAssertEqual("\($0)", "t.toml: unknown key 'styles.ok.blink'")
    }
    XCTAssertThrowsError(try Theme.parse("[styles]\nok = { fg = 300 }\n", file: "t.toml"))
    XCTAssertThrowsError(try Theme.parse("[styles\n", file: "bad.toml")) {
      XCTAssertTrue("\($0)".hasPrefix("bad.toml: line 1"), "\($0)")
    }
  }

  func testMissingKeysFallBackToDefault() throws {
    let t = try Theme.parse("name = \"mine\"\n[styles]\nok = { fg = \"green\" }\n", file: "mine.toml")
    XCTAssertEqual(t.style(.ok).fg, .index(2))
    XCTAssertEqual(t.style(.critical), Theme.builtinDefault.style(.critical))
  }

  func testFallbackByColourCount() {
    XCTAssertEqual(Theme.builtinDefault.fitted(toColors: 256).name, "default")
    XCTAssertEqual(Theme.builtinDefault.fitted(toColors: 16).name, "ansi16")
    XCTAssertEqual(Theme.builtinDefault.fitted(toColors: 8).name, "ansi16")
    XCTAssertEqual(Theme.builtinDefault.fitted(toColors: 0).name, "mono")
    // Mono never relies on colour: every severity token has an attribute.
    for token in [StyleToken.critical, .warning, .selection, .tabActive] {
      XCTAssertEqual(Theme.builtinMono.style(token).fg, .terminalDefault)
      XCTAssertFalse(Theme.builtinMono.style(token).attributes.isEmpty, "\(token)")
    }
  }
}
