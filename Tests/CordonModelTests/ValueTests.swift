import CordonModel
import EventSourcing
import Foundation
import XCTest

final class ValueTests: XCTestCase {
  func testQuantityParsesExactDecimals() {
    XCTAssertEqual(Quantity(parsing: "12")?.milli, 12_000)
    XCTAssertEqual(Quantity(parsing: "12.5")?.milli, 12_500)
    XCTAssertEqual(Quantity(parsing: "0.125")?.milli, 125)
    XCTAssertEqual(Quantity(parsing: "-3")?.milli, -3000)
    for bad in ["", "1.2345", "abc", "1..2", ".5", "1e3", "１２"] { XCTAssertNil(Quantity(parsing: bad), bad) }
    XCTAssertEqual(Quantity(milli: 12_500).description, "12.5")
    XCTAssertEqual(Quantity(milli: -50).description, "-0.05")
  }

  func testCelsiusParsesTenthsOnly() {
    XCTAssertEqual(Celsius(parsing: "37.3")?.tenths, 373)
    XCTAssertEqual(Celsius(parsing: "37")?.tenths, 370)
    XCTAssertNil(Celsius(parsing: "37.35"))
    XCTAssertNil(Celsius(parsing: "热"))
    XCTAssertEqual(Celsius(tenths: 373).description, "37.3")
  }

  /// The calendar's texts are the `%02d` fields they were with `String(format:)`, for any instant.
  func testCalendarTextsPadAsPrintfDid() {
    let cal = LocalCalendar()
    var rng = SystemRandomNumberGenerator()
    let samples =
      [Int64.min, Int64.max, 0, -1, -62_167_219_200_001]
      + (0..<500).map { _ in Int64.random(in: -90_000_000_000_000_000...90_000_000_000_000_000, using: &rng) }
    for ms in samples {
      let t = Instant(milliseconds: ms)
      let p = cal.parts(t)
      XCTAssertEqual(
        cal.format(t), String(format: "%04d-%02d-%02d %02d:%02d", p.year, p.month, p.day, p.hour, p.minute))
      XCTAssertEqual(cal.formatMonthDayTime(t), String(format: "%02d-%02d %02d:%02d", p.month, p.day, p.hour, p.minute))
      XCTAssertEqual(cal.formatTime(t), String(format: "%02d:%02d", p.hour, p.minute))
      // Far from the ends, where the day's start is itself an instant.
      guard ms.magnitude < 90_000_000_000_000_000 else { continue }
      let day = cal.day(of: t)
      let d = cal.parts(cal.startOfDay(day))
      XCTAssertEqual(cal.formatDay(day), String(format: "%04d-%02d-%02d", d.year, d.month, d.day), "\(ms)")
    }
  }

  func testCalendarRoundTripsLocalTimeAtUTCPlus8() throws {
    let cal = LocalCalendar()
    let t = try XCTUnwrap(cal.parse("2020-02-07 08:00"))
    // 08:00 in UTC+8 is 00:00 UTC.
    XCTAssertEqual(t.milliseconds, 1_581_033_600_000)
    XCTAssertEqual(cal.format(t), "2020-02-07 08:00")
    XCTAssertEqual(cal.format(t.adding(minutes: 16 * 60)), "2020-02-08 00:00")
    XCTAssertEqual(cal.day(of: t.adding(minutes: 16 * 60)), cal.day(of: t) + 1)
    XCTAssertNil(cal.parse("2020-02-30 08:00"))
    XCTAssertNil(cal.parse("2020-02-07 25:00"))
    XCTAssertEqual(cal.parse("2020-02-07"), cal.startOfDay(cal.day(of: t)))
  }

  func testUserTextStripsControlAndEscapeCharacters() {
    XCTAssertEqual(UserText.clean("\u{1B}[31m红色\u{07}"), "[31m红色")
    XCTAssertEqual(UserText.clean("a\u{9B}b\u{202E}c"), "abc")
    XCTAssertEqual(UserText.clean("第一行\n第二行", multiline: true), "第一行\n第二行")
    XCTAssertEqual(UserText.clean("第一行\n第二行"), "第一行第二行")
  }

  func testAlertKeysRoundTripThroughTheirText() {
    for key in [
      AlertKey(rule: .fever, subject: "ht-1/张三"), AlertKey(rule: .stockLow, subject: "heating/d84"),
      AlertKey(rule: .directiveUnacknowledged, subject: "d12/jinyuan"),
    ] {
      XCTAssertEqual(AlertKey(parsing: key.description), key)
    }
    XCTAssertNil(AlertKey(parsing: "meteor/ht-1"))
    XCTAssertNil(AlertKey(parsing: "fever"))
  }
}
