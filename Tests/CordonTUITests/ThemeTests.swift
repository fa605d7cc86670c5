import CordonTUI
import Foundation
import XCTest

final class ThemeTests: XCTestCase {
  static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("themes")

  func testShippedThemesParseAndTheBuiltinsMatchTheirFiles() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.themes.path).filter { $0.hasSuffix(".toml") }
    XCTAssertEqual(
      Set(Theme.builtins.keys).subtracting(files.map { String($0.dropLast(5)) }), [], "a built-in has no file")
    for name in files.map({ String($0.dropLast(5)) }) {
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

  func testHexColoursAreExactOnDirectColourAndNearestOn256() throws {
    let t = try Theme.parse("colors = 256\n[styles]\nok = { fg = \"#56B4E9\", bg = 75 }\n", file: "hex.toml")
    XCTAssertEqual(t.style(.ok).fg, .rgb(0x56, 0xb4, 0xe9))
    // True colour: hex stays, palette indices from 8 up become their xterm RGB, 0–7 stay the terminal's own.
    let direct = t.fitted(toColors: Theme.directColors)
    XCTAssertEqual(direct.style(.ok).fg, .rgb(0x56, 0xb4, 0xe9))
    XCTAssertEqual(direct.style(.ok).bg, .rgb(95, 175, 255))
    XCTAssertEqual(direct.style(.ok).fg.cursesNumber(colors: Theme.directColors), 0x56b4e9)
    XCTAssertEqual(Theme.builtinAnsi16.fitted(toColors: Theme.directColors).style(.ok).fg, .index(2))
    // 256: the nearest palette entry (sky blue is 74 = #5fafd7).
    XCTAssertEqual(t.fitted(toColors: 256).style(.ok).fg, .index(74))
    XCTAssertEqual(t.fitted(toColors: 256).style(.ok).bg, .index(75))
    // 16 and none: the fallback theme and mono, as before.
    XCTAssertEqual(t.fitted(toColors: 16).name, "ansi16")
    XCTAssertEqual(t.fitted(toColors: 0).name, "mono")
    XCTAssertThrowsError(try Theme.parse("colors = 16\n[styles]\nok = { fg = \"#112233\" }\n", file: "h.toml")) {
      XCTAssertEqual("\($0)", "h.toml: #rrggbb colours need colors = 256")
    }
    XCTAssertThrowsError(try Theme.parse("[styles]\nok = { fg = \"#12345\" }\n", file: "h.toml"))
    XCTAssertThrowsError(try Theme.parse("fallback = \"default\"\n", file: "h.toml")) {
      XCTAssertTrue("\($0)".contains("fallback must name a 16-colour built-in theme"), "\($0)")
    }
  }

  func testLightAndColorblindFallBackToTheirOwn16ColourThemes() throws {
    XCTAssertEqual(Theme.builtinLight.fitted(toColors: 16).name, "light-16")
    XCTAssertEqual(Theme.builtinColorblind.fitted(toColors: 8).name, "colorblind-16")
    XCTAssertEqual(Theme.builtinColorblind.fitted(toColors: 0).name, "mono")
    // Colour-blind: "ok" is never green, and critical differs from warning by more than hue.
    for t in [Theme.builtinColorblind, Theme.builtinColorblind16] {
      for depth in [Theme.directColors, 256, 16] {
        let f = t.fitted(toColors: depth)
        XCTAssertFalse([.index(2), .index(10), .index(28), .index(71)].contains(f.style(.ok).fg), "\(t.name) \(depth)")
        XCTAssertNotEqual(f.style(.critical).bg, .terminalDefault)
        XCTAssertEqual(f.style(.warning).bg, .terminalDefault)
      }
    }
    // Light: no text is white or yellow on the terminal's own (light) background.
    for t in [Theme.builtinLight, Theme.builtinLight16] {
      for (token, style) in t.styles where style.bg == .terminalDefault {
        XCTAssertFalse(
          [.index(3), .index(7), .index(11), .index(15), .index(231), .index(255)].contains(style.fg), "\(token)")
      }
    }
  }

  func testTrueColourOnlyWhenColortermSaysSo() {
    XCTAssertEqual(
      Theme.directColorTerm(environment: ["COLORTERM": "truecolor", "TERM": "xterm-256color"]), "xterm-direct")
    XCTAssertEqual(Theme.directColorTerm(environment: ["COLORTERM": "24bit", "TERM": "tmux-256color"]), "tmux-direct")
    XCTAssertNil(Theme.directColorTerm(environment: ["TERM": "xterm-256color"]), "COLORTERM lost over ssh: 256")
    XCTAssertNil(Theme.directColorTerm(environment: ["COLORTERM": "truecolor", "TERM": "xterm-direct"]))
    XCTAssertNil(Theme.directColorTerm(environment: ["COLORTERM": "truecolor", "TERM": "screen"]))
    XCTAssertNil(Theme.directColorTerm(environment: ["COLORTERM": "yes", "TERM": "xterm-256color"]))
  }
}
