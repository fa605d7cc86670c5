import CordonModel
import CordonStore
import CordonTUI
import XCTest

/// The organisation view on a real store, drawn at 80x24 and 120x36 in both
/// languages: the list of units, a unit's sites, the add-site form with an
/// inline refusal (nothing saved), then saved and back on the view.
final class OrgScreenTests: XCTestCase {
  struct Words {
    var title, section, hqRow, scoped, form, refusal, saved: String
  }

  static let zh = Words(
    title: "[组织管理]", section: " 单位  点位  人员  物资  设置", hqRow: "hq               集团机关", scoped: "只看：集团机关",
    form: "[新增点位]", refusal: "roundsPerDay 为 99，应在 0 到 48 之间", saved: "已保存")
  static let en = Words(
    title: "[Organisation]", section: " Units  Sites  People  Items  Settings", hqRow: "hq               Group HQ",
    scoped: "Only Group HQ", form: "[Add a site]", refusal: "roundsPerDay is 99; it must be between 0 and 48",
    saved: "Saved")

  func testTheViewAndTheSiteFormAtBothSizesInBothLanguages() throws {
    for (w, h) in [(80, 24), (120, 36)] {
      for (lang, words) in [(Language.zh, Self.zh), (.en, Self.en)] {
        let name = "\(lang) \(w)x\(h)"
        let f = try ScreenFixture(width: w, height: h, language: lang)
        f.press(.char(":"))
        f.type("org")
        f.press(.enter)
        XCTAssertTrue(f.lines[1].hasPrefix(words.section), "\(name): \(f.lines[1])")
        XCTAssertTrue(f.lines[2].contains(words.title), name)
        XCTAssertTrue(f.lines[4].contains(words.hqRow), "\(name): \(f.lines[4])")
        f.assertEveryLineIsExactlyTheWidth()

        f.press(.enter)
        XCTAssertTrue(f.lines[1].contains(words.scoped), "\(name): \(f.lines[1])")
        XCTAssertNotNil(f.row(containing: "hq-dutyroom"), "\(name)\n" + f.lines.joined(separator: "\n"))
        f.press(.char("a"))
        XCTAssertNotNil(f.row(containing: words.form), name)
        f.type("hq-gate")
        f.press(.tab)
        f.type("东门岗")
        f.press(.tab, .tab, .tab, .tab, .backspace)
        f.type("99")
        let before = f.store.lastSeq
        f.press(.ctrl("s"))
        f.settle()
        let screen = f.lines.joined(separator: "\n")
        XCTAssertNotNil(f.row(containing: words.refusal), "\(name): the refusal, its field and limit\n\(screen)")
        XCTAssertEqual(f.store.lastSeq, before, "\(name): nothing saved")
        // Every field of the ten is on screen whole, at 80x24 too.
        for field in ["hq-gate", "东门岗", "240"] {
          XCTAssertNotNil(f.row(containing: field), "\(name): \(field)\n\(screen)")
        }
        f.assertEveryLineIsExactlyTheWidth()

        f.press(.backspace, .backspace)
        f.type("4")
        f.press(.ctrl("s"))
        f.settle()
        XCTAssertNil(f.row(containing: words.form), "\(name): the form closed\n" + f.lines.joined(separator: "\n"))
        XCTAssertTrue(f.lines[1].contains(words.scoped), "\(name): back on the view where it was")
        XCTAssertNotNil(f.row(containing: "hq-gate"), name)
        XCTAssertTrue(f.lines[22 + (h - 24)].contains(words.saved), "\(name): \(f.lines[h - 2])")
        XCTAssertEqual(f.store.state.sites["hq-gate"]?.roundsPerDay, 4)
        XCTAssertEqual(f.store.state.sites["hq-gate"]?.unit, "hq")
        f.assertEveryLineIsExactlyTheWidth()
      }
    }
  }

  /// At the smallest screen the eleven-field form scrolls with the focus and
  /// says which fields it shows; every line is still exactly the width.
  func testAtTheSmallestScreenTheSiteFormScrolls() throws {
    let f = try ScreenFixture(width: 60, height: 15)
    f.press(.char(":"))
    f.type("org")
    f.press(.enter, .enter, .char("a"))
    XCTAssertNotNil(f.row(containing: "编号"), f.lines.joined(separator: "\n"))
    XCTAssertNotNil(f.row(containing: "/11)"), f.lines.joined(separator: "\n"))
    XCTAssertNil(f.row(containing: "立即开放"), "the last field is not shown yet")
    f.assertEveryLineIsExactlyTheWidth()
    for _ in 0..<10 { f.press(.tab) }
    XCTAssertNotNil(f.row(containing: ">立即开放"), f.lines.joined(separator: "\n"))
    XCTAssertNil(f.row(containing: ">编号"))
    f.assertEveryLineIsExactlyTheWidth()
  }

  /// On a store with no organisation the first-run screen names `:org`,
  /// and the first unit added there is the headquarters.
  func testTheFirstRunOffersTheViewAndItsFirstUnitIsTheHeadquarters() throws {
    let f = try ScreenFixture(width: 80, height: 24, empty: true)
    XCTAssertNotNil(f.row(containing: ":org"), f.lines.joined(separator: "\n"))
    f.assertEveryLineIsExactlyTheWidth()
    f.press(.char(":"))
    f.type("org")
    f.press(.enter)
    XCTAssertNotNil(f.row(containing: "[组织管理]"), f.lines.joined(separator: "\n"))
    f.press(.char("a"))
    f.type("hq")
    f.press(.tab)
    f.type("集团机关")
    f.press(.ctrl("s"))
    f.settle()
    XCTAssertEqual(f.store.state.headquarters, "hq", f.lines.joined(separator: "\n"))
    XCTAssertNotNil(f.row(containing: "hq               集团机关"), f.lines.joined(separator: "\n"))
    // Leaving the view: the panes, no first-run screen any more.
    f.press(.esc)
    XCTAssertNil(f.row(containing: "尚未建立组织"), f.lines.joined(separator: "\n"))
    XCTAssertNotNil(f.row(containing: "值班表"))
  }
}
