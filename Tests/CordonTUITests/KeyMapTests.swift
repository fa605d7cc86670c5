import CordonModel
import CordonTUI
import XCTest

final class KeyMapTests: XCTestCase {
  func testEveryActionIsReachableAndNoDefaultNeedsAltGr() {
    for action in Action.allCases {
      XCTAssertFalse(KeyMap.defaults.keys(for: action).isEmpty, "\(action) has no key")
    }
    for b in KeyMap.defaults.bindings { XCTAssertFalse(b.key.needsAltGr, "\(b.key) needs AltGr") }
    // On every pane, one key means one action.
    for pane in PaneKind.allCases {
      let keys = KeyMap.defaults.visible(pane: pane, readOnly: false).map { $0.key.description }
      XCTAssertEqual(keys.count, Set(keys).count, "\(pane)")
    }
  }

  func testKeyNamesRoundTrip() {
    for b in KeyMap.defaults.bindings { XCTAssertEqual(Key(name: b.key.description), b.key) }
    XCTAssertEqual(Key(name: "C-x"), .ctrl("x"))
    XCTAssertNil(Key(name: "Hyper-7"))
  }

  func testOverridesReplaceKeysAndRejectUnknownNames() throws {
    let m = try KeyMap.defaults.overriding(["quit": ["F10"], "help": ["h"]], file: "config.toml")
    XCTAssertEqual(m.action(for: .function(10), on: .roster), .quit)
    XCTAssertNil(m.action(for: .char("q"), on: .roster))
    XCTAssertEqual(m.action(for: .char("h"), on: .roster), .help, "h now means help on every pane")
    XCTAssertEqual(KeyMap.defaults.action(for: .char("a"), on: .alerts), .acknowledge)
    XCTAssertEqual(KeyMap.defaults.action(for: .char("a"), on: .roster), .assignShift)
    XCTAssertThrowsError(try KeyMap.defaults.overriding(["explode": ["x"]], file: "c.toml")) {
      XCTAssertEqual(($0 as? KeyMap.ConfigError)?.message, "c.toml: unknown action 'keys.explode'")
    }
    XCTAssertThrowsError(try KeyMap.defaults.overriding(["quit": ["Hyper-7"]], file: "c.toml"))
  }

  func testReadOnlyHidesDataChangingActions() {
    let rw = KeyMap.defaults.visible(pane: .alerts, readOnly: false).map(\.action)
    let ro = KeyMap.defaults.visible(pane: .alerts, readOnly: true).map(\.action)
    XCTAssertTrue(rw.contains(.acknowledge))
    XCTAssertFalse(ro.contains(.acknowledge))
    XCTAssertFalse(KeyMap.defaults.visible(pane: .roster, readOnly: false).map(\.action).contains(.acknowledge))
  }
}
