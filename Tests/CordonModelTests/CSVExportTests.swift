import CordonModel
import EventSourcing
import XCTest

final class CSVExportTests: XCTestCase {
  // MARK: Shifts

  /// The demo roster of a day, exported, imported into a store that has the
  /// same organisation and no shifts, and exported again: the same file,
  /// in both languages.
  func testShiftsExportImportRoundTrip() throws {
    let source = Harness()
    let day = source.state.calendar.day(of: source.now)
    for language in Language.allCases {
      let rows = CSVExport.shifts(state: source.state, day: day, language: language)
      // HQ and 4 key units × (3 officer + 2 manager + 1 leader) shifts starting on the day.
      XCTAssertEqual(rows.count, 1 + 5 * 6, "\(language)")
      let text = CSVWriter.write(rows)

      var target = Harness(seedDemo: false)
      try target.run(.register(DemoOrganisation.registration()))
      XCTAssertTrue(target.state.shifts.isEmpty)
      let plan = try CSVImport.shifts(Array(text.utf8), state: target.state)
      guard let command = plan.command else { return XCTFail("nothing planned") }
      try target.run(command)
      XCTAssertEqual(CSVExport.shifts(state: target.state, day: day, language: language), rows, "\(language)")
    }
    let zh = CSVExport.shifts(state: source.state, day: day, language: .zh)
    XCTAssertEqual(zh.first, ["单位", "岗位", "姓名", "开始", "结束"])
    XCTAssertEqual(zh[1].prefix(2), ["集团机关", "值班人员"])
    XCTAssertEqual(zh[1][3...], ["2020-02-07 00:00", "2020-02-07 08:00"])
    let en = CSVExport.shifts(state: source.state, day: day, language: .en)
    XCTAssertEqual(en[1].prefix(2), ["Group HQ", "officer"])
  }

  /// Cancelled shifts are not on the exported roster.
  func testCancelledShiftIsNotExported() throws {
    var h = Harness()
    let day = h.state.calendar.day(of: h.now)
    let before = CSVExport.shifts(state: h.state, day: day, language: .zh).count
    try h.run(.cancelShift(shift: "demo-hq-officer-\(day)-2", reason: "调班"))
    XCTAssertEqual(CSVExport.shifts(state: h.state, day: day, language: .zh).count, before - 1)
  }

  // MARK: Register

  func testRegisterListsReportedPeopleAndTheOnesStillMissing() throws {
    var h = Harness()
    let day = h.state.calendar.day(of: h.now)
    try h.run(
      .registerHealth(
        person: "hq-officer-1", day: day, category: .partyMemberOnPost, morningCheck: Celsius(tenths: 365),
        travellerContact: true, remarks: "自武汉返回, 居家观察"))
    try h.run(
      .registerHealth(
        person: "hq-manager-2", day: day, category: .onDuty, morningCheck: nil, travellerContact: false, remarks: ""))
    let rows = CSVExport.register(state: h.state, day: day, language: .zh)
    XCTAssertEqual(rows.first, ["姓名", "单位", "类别", "晨检体温", "接触史", "备注"])
    XCTAssertEqual(rows.count, 1 + h.state.people.count)
    let officer = try XCTUnwrap(rows.first { $0[0] == h.state.people["hq-officer-1"]?.name })
    XCTAssertEqual(officer, [officer[0], "集团机关", "党员在岗", "36.5", "是", "自武汉返回, 居家观察"])
    let manager = try XCTUnwrap(rows.first { $0[0] == h.state.people["hq-manager-2"]?.name })
    XCTAssertEqual(manager[2...], ["值班值守", "", "否", ""])
    // Reported people first within their unit, then the ones not yet reported, with empty cells.
    XCTAssertEqual(rows[1...2].map { $0[0] }.sorted(), [officer[0], manager[0]].sorted())
    let missing = rows.dropFirst().filter { $0[2].isEmpty }
    XCTAssertEqual(missing.count, h.state.people.count - 2)
    XCTAssertTrue(missing.allSatisfy { $0[3...] == ["", "", ""] })
    let en = CSVExport.register(state: h.state, day: day, language: .en)
    XCTAssertEqual(en.first?[0], "name")
    XCTAssertTrue(en.contains { $0[2] == "partyMemberOnPost" && $0[4] == "yes" })
  }

  // MARK: Stock

  /// The export reads only the 7 days of the burn rate, from the state as
  /// they begin: over two weeks of movements (a stocktake among them) every
  /// row equals the one a replay of the whole journal gives.
  func testStockRowsFromTheWindowsStartEqualTheWholeJournals() throws {
    var h = Harness()
    let cal = h.state.calendar
    for i in 0..<14 {
      try h.run(.issueStock(unit: "heating", item: "mask", quantity: Quantity(Int64(10 + i)), reason: "日常领用"))
      try h.run(
        .receiveStock(unit: "heating", item: "gloves", quantity: Quantity(5), kind: .donation, reason: "捐赠"))
      if i == 4 { try h.run(.countStock(unit: "heating", item: "mask", counted: Quantity(900), reason: .damaged)) }
      if i == 7 {
        try h.run(.transferStock(from: "hq", to: "heating", item: "thermo", quantity: Quantity(2), reason: "补缺"))
      }
      h.advance(minutes: 24 * 60)
    }
    let last = cal.day(of: h.now) - 1
    for day in [last, last - 3] {
      let since = cal.startOfDay(day - 6)
      var start = CordonState()
      for r in h.journal where r.time < since { start.apply(r) }
      let window = h.journal.filter { $0.time >= since && $0.time < cal.startOfDay(day + 1) }
      XCTAssertLessThan(window.count, h.journal.count / 2, "the window is a part of the journal")
      let whole = CSVExport.stockRows(state: h.state, records: h.journal, day: day)
      XCTAssertFalse(whole.isEmpty)
      XCTAssertEqual(CSVExport.stockRows(state: h.state, start: start, records: window, day: day), whole, "day \(day)")
    }
  }

  /// A day of every kind of movement, with the day before also moving: each
  /// row's sums hold, its closing balance is the state's, and the day's
  /// opening is the previous day's closing.
  func testStockExportSumsHoldOnEveryRow() throws {
    var h = Harness()
    let cal = h.state.calendar
    let day1 = cal.day(of: h.now)
    try h.run(.issueStock(unit: "heating", item: "mask", quantity: Quantity(100), reason: "日常领用"))
    h.advance(minutes: 24 * 60)
    let day2 = cal.day(of: h.now)
    try h.run(
      .receiveStock(unit: "heating", item: "mask", quantity: Quantity(500), kind: .cityAllocation, reason: "市里调拨"))
    try h.run(.issueStock(unit: "heating", item: "mask", quantity: Quantity(240), reason: "日常领用"))
    try h.run(.transferStock(from: "hq", to: "heating", item: "d84", quantity: Quantity(milli: 40_500), reason: "补缺"))
    try h.run(.transferStock(from: "hq", to: "heating", item: "thermo", quantity: Quantity(10), reason: "补缺"))
    try h.run(.countStock(unit: "heating", item: "mask", counted: Quantity(1_450), reason: .damaged))
    try h.run(.countStock(unit: "jindun", item: "gloves", counted: Quantity(410), reason: .found))
    try h.run(.issueStock(unit: "jindun", item: "gloves", quantity: Quantity(30), reason: "日常领用"))
    h.advance(minutes: 24 * 60)
    // The next day's movements must not leak into day 2's closing balance.
    try h.run(.issueStock(unit: "heating", item: "mask", quantity: Quantity(7), reason: "日常领用"))

    let rows2 = CSVExport.stockRows(state: h.state, records: h.journal, day: day2)
    let rows1 = CSVExport.stockRows(state: h.state, records: h.journal, day: day1)
    XCTAssertEqual(rows2.count, h.state.stock.count)
    for r in rows2 {
      let sum = r.opening + r.received + r.transferredIn - r.issued - r.transferredOut + r.adjustments
      XCTAssertEqual(sum, r.closing, "\(r.unit)/\(r.item)")
      let previous = rows1.first { $0.unit == r.unit && $0.item == r.item }
      XCTAssertEqual(r.opening, previous?.closing ?? .zero, "\(r.unit)/\(r.item) opening")
    }
    let mask = try XCTUnwrap(rows2.first { $0.unit == "heating" && $0.item == "mask" })
    XCTAssertEqual(
      [mask.opening, mask.received, mask.issued, mask.adjustments, mask.closing],
      [Quantity(1_200), Quantity(500), Quantity(240), Quantity(-10), Quantity(1_450)])
    // 340 issued in the 7 days to day 2: 48.571 a day, so 1450 last 29.9 days.
    XCTAssertEqual(mask.daysOfCover ?? 0, 1_450_000 / 48_571, accuracy: 0.001)
    let d84 = try XCTUnwrap(rows2.first { $0.unit == "hq" && $0.item == "d84" })
    XCTAssertEqual(
      [d84.opening, d84.transferredOut, d84.closing],
      [Quantity(400), Quantity(milli: 40_500), Quantity(milli: 359_500)])
    let d84in = try XCTUnwrap(rows2.first { $0.unit == "heating" && $0.item == "d84" })
    XCTAssertEqual(
      [d84in.opening, d84in.transferredIn, d84in.closing],
      [Quantity(18), Quantity(milli: 40_500), Quantity(milli: 58_500)])
    let gloves = try XCTUnwrap(rows2.first { $0.unit == "jindun" && $0.item == "gloves" })
    XCTAssertEqual([gloves.adjustments, gloves.issued, gloves.closing], [Quantity(10), Quantity(30), Quantity(380)])
    // The latest day's closing is the live balance.
    let rows3 = CSVExport.stockRows(state: h.state, records: h.journal, day: day2 + 1)
    for r in rows3 {
      XCTAssertEqual(r.closing, h.state.stock[StockKey(unit: r.unit, item: r.item)]?.balance, "\(r.unit)/\(r.item)")
    }

    // The file itself: with a BOM, and the sums hold on the numbers as written.
    let text = CSVWriter.write(CSVExport.stock(state: h.state, records: h.journal, day: day2, language: .zh), bom: true)
    XCTAssertTrue(text.hasPrefix("\u{FEFF}单位,物资,计量单位,期初结存,入库,发放,调入,调出,盘点调整,期末结存,可用天数\r\n"))
    let records = try CSVReader.read(Array(text.utf8))
    XCTAssertEqual(records.count, 1 + rows2.count)
    for r in records.dropFirst() {
      let q = r.fields[3...9].map { Quantity(parsing: $0) ?? Quantity(milli: .min / 2) }
      XCTAssertEqual(q[0] + q[1] + q[3] - q[2] - q[4] + q[5], q[6], "line \(r.line): \(r.fields)")
    }
    XCTAssertTrue(records.contains { $0.fields[0...2] == ["热力总公司", "口罩", "只"] && $0.fields[10] == "29.9" })
  }
}
