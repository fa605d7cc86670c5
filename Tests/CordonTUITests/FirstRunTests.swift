import CordonModel
import CordonSession
import CordonTUI
import XCTest

/// A console on a store with no organisation says so and gives the two ways
/// forward, in the user's language, at 80x24 and larger; it turns into the
/// panes as soon as an organisation arrives.
final class FirstRunTests: XCTestCase {
  func testChineseAt80x24SaysWhatToDo() throws {
    let f = try ScreenFixture(width: 80, height: 24, empty: true)
    let screen = f.lines.joined(separator: "\n")
    for text in [
      "尚未建立组织", "cordon init --org 文件.toml --data", f.dir.path, "deploy/org.example.toml", "cordon --demo",
      "q 退出",
    ] {
      XCTAssertTrue(screen.contains(text), "\(text) on screen:\n\(screen)")
    }
    XCTAssertFalse(screen.contains("值班表"), "no empty panes:\n\(screen)")
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testEnglishAt80x24And120x36() throws {
    for (w, h) in [(80, 24), (120, 36), (200, 50)] {
      let f = try ScreenFixture(width: w, height: h, language: .en, empty: true)
      let screen = f.lines.joined(separator: "\n")
      for text in ["No organisation yet", "cordon init --org FILE.toml", "deploy/org.example.toml", "cordon --demo"] {
        XCTAssertTrue(screen.contains(text), "\(w)x\(h): \(text) on screen:\n\(screen)")
      }
      XCTAssertFalse(screen.contains("Duty roster"), "\(w)x\(h): no empty panes:\n\(screen)")
      f.assertEveryLineIsExactlyTheWidth()
    }
  }

  func testTheLanguageSwitchesAndTheOrganisationReplacesTheScreen() throws {
    let f = try ScreenFixture(width: 80, height: 24, empty: true)
    f.press(.char(":"))
    f.type("lang en")
    f.press(.enter)
    XCTAssertTrue(f.lines.joined().contains("No organisation yet"), f.lines.joined(separator: "\n"))
    try f.submit(.register(DemoOrganisation.registration()))
    let screen = f.lines.joined(separator: "\n")
    XCTAssertFalse(screen.contains("No organisation yet"), screen)
    XCTAssertTrue(screen.contains("Duty roster"), screen)
  }

  func testAServerConsoleIsToldToAskTheAdministrator() {
    let lines = FirstRun.lines(.server(socket: "/run/cordon/cordon.sock"), strings: Strings(.zh))
    XCTAssertTrue(lines.contains { $0.contains("/run/cordon/cordon.sock") }, "\(lines)")
    XCTAssertTrue(lines.contains { $0.contains("停止 cordon serve") }, "\(lines)")
    let serving = FirstRun.lines(.serving(dataDirectory: "/var/lib/cordon"), strings: Strings(.en))
    XCTAssertTrue(serving.contains { $0.contains("--data /var/lib/cordon") }, "\(serving)")
    XCTAssertTrue(serving.contains { $0.contains("cordon serve --demo") }, "\(serving)")
  }

  func testWrapKeepsCJKWithinTheWidth() {
    let text = "  2. 按 q 退出，执行 cordon init --org 文件.toml --data /一个/很长的/数据目录/路径/一直/到/这里"
    for width in [10, 20, 33, 76] {
      let lines = DisplayWidth.wrap(text, to: width)
      XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) <= width }, "\(width): \(lines)")
      XCTAssertEqual(
        lines.joined().filter { $0 != " " }, text.filter { $0 != " " }, "nothing lost at \(width): \(lines)")
    }
    XCTAssertEqual(DisplayWidth.wrap("ab cd ef", to: 5), ["ab cd", "ef"])
    XCTAssertEqual(DisplayWidth.wrap("", to: 5), [""])
  }
}
