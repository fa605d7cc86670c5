import CordonModel
import XCTest

/// The drill on screen: a console on a drill's copy starts every screen with
/// the 演练 banner (help, a form, a screen too small included); a console on
/// the real state shows that a drill is under way, and nothing once it ends.
final class DrillBannerTests: XCTestCase {
  static func marker(exercise: Bool) -> DrillMarker {
    DrillMarker(
      id: "drill-1", name: LocalizedName(zh: "夜间热站发热", en: "Night fever"), scenario: "x.toml", speed: 1,
      exercise: exercise)
  }

  func testEveryScreenOfADrillsCopyStartsWithTheBanner() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    XCTAssertFalse(f.lines[0].contains("演练"))
    try f.submit(.startDrill(Self.marker(exercise: true)))
    XCTAssertTrue(f.lines[0].hasPrefix(" 演练 夜间热站发热    产投集团 Cordon"), f.lines[0])
    f.assertEveryLineIsExactlyTheWidth()
    f.press(.char("?"))
    XCTAssertTrue(f.lines[0].hasPrefix(" 演练 夜间热站发热 "), "help\n" + f.lines.joined(separator: "\n"))
    f.press(.esc)
    f.press(.char("4"))
    XCTAssertTrue(f.lines[0].hasPrefix(" 演练 夜间热站发热 "), "the alert queue")
    // A screen too small for the console still says it is an exercise.
    f.terminal.resize(width: 40, height: 10)
    f.renderer.invalidate()
    f.renderer.draw(f.app)
    XCTAssertTrue(f.lines[0].hasPrefix("演练 "), f.lines[0])
    // Ended: the copy stays an exercise.
    f.terminal.resize(width: 80, height: 24)
    f.renderer.invalidate()
    try f.submit(.endDrill(id: "drill-1"))
    XCTAssertTrue(f.lines[0].hasPrefix(" 演练（已结束）夜间热站发热 "), f.lines[0])
  }

  func testTheBannerInEnglishAt120x36() throws {
    let f = try ScreenFixture(width: 120, height: 36, language: .en)
    try f.submit(.startDrill(Self.marker(exercise: true)))
    XCTAssertTrue(f.lines[0].hasPrefix(" EXERCISE Night fever    CIG Group Cordon"), f.lines[0])
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testTheRealStatesConsolesShowADrillUnderWayUntilItEnds() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    try f.submit(.startDrill(Self.marker(exercise: false)))
    XCTAssertTrue(f.lines[0].hasPrefix(" 产投集团 Cordon   演练进行中：夜间热站发热 "), f.lines[0])
    XCTAssertFalse(f.lines[0].hasPrefix(" 演练 "))
    f.assertEveryLineIsExactlyTheWidth()
    try f.submit(.endDrill(id: "drill-1"))
    XCTAssertFalse(f.lines[0].contains("演练"), f.lines[0])
  }
}
