import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The fund's and the donations' daily-report sections and the clerk's CSV,
/// against golden files, on a scripted 2020-02-07 with a day before it.
final class FundReportTests: XCTestCase {
  static func yuan(_ s: String) -> Money { FundTests.yuan(s) }

  /// 2020-02-06: the lines, the allocation, an expense left waiting overnight.
  /// 2020-02-07: it is approved; an expense paid, one waiting, one mistaken and
  /// reversed; the first day's donations and their handover; a rejection.
  static func run() throws -> Harness {
    var h = Harness(now: Harness.morning.adding(minutes: -24 * 60))
    try h.run(.openFundLine(id: "epi", name: "防疫物资采购", budget: yuan("300000")), actor: "hq-clerk")
    try h.run(.openFundLine(id: "care", name: "一线人员慰问", budget: yuan("60000")), actor: "hq-clerk")
    try h.run(
      .recordFundIncome(line: "epi", amount: yuan("200000"), source: "集团拨付应急专项资金", voucher: "收-0001"),
      actor: "hq-clerk")
    h.advance(minutes: 6 * 60)
    let overnight = try FundTests.run(
      &h, .recordFundExpense(line: "epi", amount: yuan("12000"), purpose: "批量采购防护服", voucher: "记-0001"),
      actor: "hq-clerk")
    h.now = Harness.morning
    h.advance(minutes: 60)
    try h.run(.approveExpense(id: overnight, note: "同意"), actor: "hq-leader")
    try h.run(
      .recordFundIncome(line: "care", amount: yuan("50000"), source: "集团拨付应急专项资金", voucher: "收-0002"),
      actor: "hq-clerk")
    h.advance(minutes: 30)
    try h.run(
      .recordFundExpense(line: "epi", amount: yuan("3560.50"), purpose: "=HYPERLINK(\"x\") 采购84消毒液", voucher: "记-0002"),
      actor: "hq-clerk")
    let wrong = try FundTests.run(
      &h, .recordFundExpense(line: "care", amount: yuan("800"), purpose: "慰问品", voucher: "记-0003"),
      actor: "hq-clerk")
    try h.run(.reverseFundEntry(id: wrong, voucher: "记-0004", reason: "重复录入"), actor: "hq-clerk")
    try h.run(.startCampaign(id: "rc2020", name: "抗击新冠肺炎疫情捐款", recipient: "渭南市红十字会"), actor: "hq-clerk")
    h.advance(minutes: 120)
    let amounts: [Int64] = [8_600, 5_200, 4_800, 4_300, 4_100, 3_900, 3_500, 3_100, 2_900, 2_600, 2_300, 1_693, 1_000]
    for (unit, amount) in zip(h.state.orderedUnits.map(\.id), amounts) {
      try h.run(.recordDonation(campaign: "rc2020", unit: unit, amount: Money(yuan: amount), donor: ""), actor: "op")
    }
    h.advance(minutes: 90)
    try h.run(.handOverDonations(campaign: "rc2020", amount: yuan("47993"), voucher: "付-0001"), actor: "hq-clerk")
    let big = try FundTests.run(
      &h, .recordFundExpense(line: "care", amount: yuan("9000"), purpose: "一线值守人员慰问品", voucher: "记-0005"),
      actor: "hq-clerk")
    _ = big
    let refused = try FundTests.run(
      &h, .recordFundExpense(line: "epi", amount: yuan("5000.01"), purpose: "租用帐篷", voucher: "记-0006"),
      actor: "hq-clerk")
    h.advance(minutes: 30)
    try h.run(.rejectExpense(id: refused, note: "改用自有帐篷"), actor: "hq-leader")
    return h
  }

  func testTheFundAndDonationSectionsMatchGoldenFilesInEachFormatAndLanguage() throws {
    let h = try Self.run()
    let day = h.state.calendar.day(of: Harness.morning)
    let report = DailyReport(day: day, records: h.journal, end: h.state, now: h.now)
    let fund = try XCTUnwrap(report.fund)
    XCTAssertEqual(
      fund.lines.map { [$0.opening, $0.income, $0.expense, $0.closing, $0.reserved] },
      [
        [Self.yuan("200000"), .zero, Self.yuan("15560.50"), Self.yuan("184439.50"), .zero],
        [.zero, Self.yuan("50000"), .zero, Self.yuan("50000"), Self.yuan("9000")],
      ], "the reversal nets the mistaken expense out; the overnight one is paid today")
    XCTAssertEqual(report.donationDays.first?.total, Money(yuan: 47_993))
    XCTAssertEqual(report.donationDays.first?.handedOver, Money(yuan: 47_993))
    XCTAssertEqual(report.donationDays.first?.units.count, 13)
    let update = ProcessInfo.processInfo.environment["CORDON_UPDATE_GOLDEN"] == "1"
    for lang in Language.allCases {
      for format in ReportFormat.allCases {
        let text = ReportRenderer.render(report, state: h.state, format: format, strings: Strings(lang))
        let file = ReportTests.golden.appendingPathComponent(
          "daily-fund-2020-02-07.\(lang.rawValue).\(format.rawValue)")
        if update { try text.write(to: file, atomically: true, encoding: .utf8) }
        let expected = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(
          text, expected, "\(file.lastPathComponent) differs; CORDON_UPDATE_GOLDEN=1 rewrites it after review")
      }
    }
    // The day before shows the waiting expense, and no donations yet.
    let before = DailyReport(day: day - 1, records: h.journal, end: h.state)
    XCTAssertEqual(before.fund?.events.map(\.kind), ["income", "awaiting"])
    XCTAssertTrue(before.donationDays.isEmpty)
    // Another unit's report has its own donations and no fund.
    let jindun = DailyReport(day: day, unit: "jindun", records: h.journal, end: h.state)
    XCTAssertNil(jindun.fund)
    XCTAssertEqual(jindun.donationDays.first?.units.map(\.unit), ["jindun"])
    XCTAssertEqual(jindun.donationDays.first?.handedOver, .zero)
    // A store without a fund or a campaign has neither section.
    let plain = try DemoDay.run()
    let none = DailyReport(day: day, records: plain.journal, end: plain.state)
    XCTAssertNil(none.fund)
    XCTAssertTrue(none.donationDays.isEmpty)
  }

  func testTheClerksCSVHasALedgerPerLineWithRunningBalancesAndNoFormula() throws {
    let h = try Self.run()
    let day = h.state.calendar.day(of: Harness.morning)
    let update = ProcessInfo.processInfo.environment["CORDON_UPDATE_GOLDEN"] == "1"
    for lang in Language.allCases {
      let rows = CSVExport.fund(state: h.state, through: day, language: lang)
      let text = CSVWriter.write(rows)
      let file = ReportTests.golden.appendingPathComponent("fund-ledger-2020-02-07.\(lang.rawValue).csv")
      if update { try text.write(to: file, atomically: true, encoding: .utf8) }
      XCTAssertEqual(text, try String(contentsOf: file, encoding: .utf8), file.lastPathComponent)
    }
    let rows = CSVExport.fund(state: h.state, through: day, language: .zh)
    XCTAssertEqual(rows.first, ["日期", "凭证号", "科目", "摘要", "收入", "支出", "余额", "记录号"])
    // Each line's block: its running balance is the sum of the rows above it.
    var balance = Money.zero
    for row in rows.dropFirst() {
      guard row[7].hasPrefix("f") else {
        balance = .zero
        continue
      }
      let income = row[4].isEmpty ? .zero : FundTests.yuan(row[4].replacingOccurrences(of: "-", with: ""))
      let expense = row[5].isEmpty ? .zero : FundTests.yuan(row[5].replacingOccurrences(of: "-", with: ""))
      balance += (row[4].hasPrefix("-") ? -income : income) - (row[5].hasPrefix("-") ? -expense : expense)
      XCTAssertEqual(row[6], balance.description, "\(row)")
    }
    XCTAssertEqual(rows.last, ["", "", "", "总计", "250000.00", "15560.50", "234439.50", ""])
    // Red ink: the reversal is a negative expense, and stays a number.
    XCTAssertTrue(rows.contains { $0[5] == "-800.00" && $0[1] == "记-0004" })
    let csv = CSVWriter.write(rows)
    XCTAssertTrue(csv.contains(",-800.00,"), "a plain negative decimal stays a number")
    XCTAssertTrue(csv.contains("'=HYPERLINK"), "a purpose that is a formula reaches the spreadsheet as text")
    // Only what happened by the day's end.
    let dayBefore = CSVExport.fund(state: h.state, through: day - 1, language: .zh)
    XCTAssertEqual(dayBefore.last, ["", "", "", "总计", "200000.00", "0.00", "200000.00", ""])
  }
}
