import CordonTUI
import XCTest

final class ConfigTests: XCTestCase {
  func testAFullConfigParses() throws {
    let c = try ConsoleConfig.parse(
      """
      theme = "high-contrast"
      lang = "en"
      bell = true
      ascii = true
      mouse = false
      [keys]
      quit = ["q", "F10"]
      help = "h"
      """, file: "config.toml")
    XCTAssertEqual(c.theme, "high-contrast")
    XCTAssertEqual(c.lang, "en")
    XCTAssertTrue(c.bell)
    XCTAssertEqual(c.ascii, true)
    XCTAssertFalse(c.mouse)
    XCTAssertEqual(c.keymap.action(for: .function(10), on: .roster), .quit)
    XCTAssertEqual(c.keymap.action(for: .char("h"), on: .alerts), .help)
  }

  func testEveryMistakeNamesTheFileAndTheKey() {
    let cases: [(String, String)] = [
      ("colour = \"red\"", "c.toml: unknown key 'colour'"),
      ("lang = \"fr\"", "c.toml: lang must be \"zh\" or \"en\""),
      ("bell = \"yes\"", "c.toml: bell must be true or false"),
      ("ascii = 1", "c.toml: ascii must be true or false"),
      ("mouse = \"off\"", "c.toml: mouse must be true or false"),
      ("[keys]\nexplode = \"x\"", "c.toml: unknown action 'keys.explode'"),
      ("[keys]\nquit = 7", "c.toml: keys.quit must be a key name or a list of them"),
    ]
    for (text, message) in cases {
      XCTAssertThrowsError(try ConsoleConfig.parse(text, file: "c.toml"), text) {
        XCTAssertEqual("\($0)", message, text)
      }
    }
  }

  func testAMissingDefaultConfigIsNoError() throws {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-nohome-\(UUID())").path
    let c = try ConsoleConfig.load(path: nil, environment: ["HOME": home])
    XCTAssertNil(c.theme)
    XCTAssertTrue(c.mouse, "the mouse is on by default")
    XCTAssertNil(c.ascii, "ASCII is detected unless the file says")
    XCTAssertEqual(c.keymap, KeyMap.defaults)
    XCTAssertThrowsError(try ConsoleConfig.load(path: home + "/missing.toml", environment: [:]))
  }
}
