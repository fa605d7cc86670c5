import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The emergency fund (issue 17, item 2): exact fen, the approval rule at its
/// threshold, the shortfall, reversals, vouchers, and who may do what.
final class FundTests: XCTestCase {
  static func yuan(_ text: String) -> Money {
    guard case .success(let m) = Money.parse(text) else { return Money(fen: -1) }
    return m
  }

  /// The id the command's events created.
  @discardableResult
  static func run(_ h: inout Harness, _ c: CordonCommand, actor: String = "clerk") throws -> String {
    CordonEvent.createdID(try h.run(c, actor: actor)) ?? ""
  }

  /// The id of the line's first income in `fundWith`.
  static func income(_ h: Harness) -> String { h.state.fund.entryOrder.first ?? "" }

  /// A harness with one line holding `income` yuan, entered by the clerk "clerk".
  static func fundWith(_ income: String = "10000") throws -> Harness {
    var h = Harness()
    try h.run(.openFundLine(id: "epi", name: "防疫物资", budget: yuan("50000")), actor: "clerk")
    try h.run(.recordFundIncome(line: "epi", amount: yuan(income), source: "集团拨款", voucher: "记-001"), actor: "clerk")
    return h
  }

  func testMoneyParsesYuanToTheFenAndRefusesEverythingElseByName() {
    let good: [(String, Int64)] = [
      ("0.01", 1), ("10000", 1_000_000), ("10000.5", 1_000_050), ("10000.50", 1_000_050), ("+3", 300),
      ("007.10", 710), (" 12 ", 1200), ("0", 0), ("1000000000", 100_000_000_000), ("1000000000.00", 100_000_000_000),
    ]
    for (text, fen) in good { XCTAssertEqual(Money.parse(text), .success(Money(fen: fen)), text) }
    let bad: [(String, Money.ParseError)] = [
      ("-1", .negative), ("－1", .negative), ("-0.01", .negative), ("1.234", .fractionOfFen),
      ("1.000", .fractionOfFen), ("0.001", .fractionOfFen), ("1.", .malformed), (".5", .malformed), ("", .malformed),
      ("1e3", .malformed), ("1,000", .malformed), ("１２", .malformed), ("¥12", .malformed), ("12元", .malformed),
      ("1.2.3", .malformed), ("1000000000.01", .tooLarge), ("99999999999999999999999", .tooLarge),
    ]
    for (text, error) in bad { XCTAssertEqual(Money.parse(text), .failure(error), text) }
    // Leading zeros carry no value, however many.
    XCTAssertEqual(Money.parse("00000000000000000000001"), .success(Money(fen: 100)))
    XCTAssertEqual(Money(fen: 5).description, "0.05")
    XCTAssertEqual(Money(fen: -305).description, "-3.05")
    XCTAssertEqual(Money(fen: 1_000_000).description, "10000.00")
    // Sums hold at the bounds instead of trapping.
    XCTAssertEqual((Money(fen: .max) + Money(fen: 1)).fen, .max)
    XCTAssertNil(Money(fen: .max).adding(exactly: Money(fen: 1)))
  }

  func testJSONAmountsAreYuanStringsOrNumbersAndBadOnesNameTheField() throws {
    let cal = CordonState().calendar
    func decode(_ line: String) throws(Refusal) -> CordonCommand { try CommandJSON.decode(line, calendar: cal) }
    XCTAssertEqual(
      try decode(#"{"type":"fundExpense","line":"epi","amount":20000.50,"purpose":"采购口罩","voucher":"记-2"}"#),
      .recordFundExpense(line: "epi", amount: Money(fen: 2_000_050), purpose: "采购口罩", voucher: "记-2"))
    XCTAssertEqual(
      try decode(#"{"type":"fundIncome","line":"epi","amount":"47993","source":"捐赠","voucher":"收-1"}"#),
      .recordFundIncome(line: "epi", amount: Money(yuan: 47_993), source: "捐赠", voucher: "收-1"))
    func refusal(_ line: String) -> [String?]? {
      do {
        _ = try decode(line)
        return nil
      } catch { return [error.code, error.field] }
    }
    XCTAssertEqual(
      refusal(#"{"type":"fundExpense","line":"epi","amount":-5,"purpose":"x","voucher":"v"}"#),
      ["money.negative", "amount"])
    XCTAssertEqual(
      refusal(#"{"type":"fundExpense","line":"epi","amount":"12.345","purpose":"x","voucher":"v"}"#),
      ["money.fractionOfFen", "amount"])
    XCTAssertEqual(
      refusal(#"{"type":"donation","campaign":"c","unit":"hq","amount":1e400}"#)?.last, "amount")
    XCTAssertEqual(refusal(#"{"type":"fundLine","id":"x","name":"y","budget":true}"#), ["json.field", "budget"])
    XCTAssertEqual(
      refusal(#"{"type":"fundExpense","line":"epi","amount":1,"purpose":"x"}"#), ["json.missing", "voucher"])
    XCTAssertEqual(refusal(#"{"type":"approveExpense"}"#), ["json.missing", "id"])
    XCTAssertEqual(refusal(#"{"type":"rejectExpense","id":"fe1"}"#), ["json.missing", "note"])
    XCTAssertEqual(refusal(#"{"type":"handOverDonations","campaign":"c","amount":"1"}"#), ["json.missing", "voucher"])
    XCTAssertEqual(
      refusal(#"{"type":"changeSettings","fundApprovalThreshold":"-1"}"#), ["money.negative", "fundApprovalThreshold"])
    try assertJSONRoundTrips(
      [
        .openFundLine(id: "epi", name: "防疫物资", budget: Money(fen: 5_000_000)),
        .recordFundIncome(line: "epi", amount: Money(fen: 1), source: "集团拨款", voucher: "记-001"),
        .recordFundExpense(line: "epi", amount: Money(fen: 2_000_050), purpose: "采购\n口罩", voucher: "记-002"),
        .approveExpense(id: "fe9", note: ""), .approveExpense(id: "fe9", note: "同意"),
        .rejectExpense(id: "fe9", note: "超标准"), .reverseFundEntry(id: "fi3", voucher: "记-003", reason: "录错金额"),
        .startCampaign(id: "rc2020", name: "抗疫捐款", recipient: "渭南市红十字会"),
        .recordDonation(campaign: "rc2020", unit: "hq", amount: Money(fen: 480_000), donor: ""),
        .recordDonation(campaign: "rc2020", unit: "jindun", amount: Money(fen: 1), donor: "张三"),
        .voidDonation(id: "dn5", reason: "重复登记"),
        .handOverDonations(campaign: "rc2020", amount: Money(yuan: 47_993), voucher: "付-001"),
        .changeSettings(SettingsChanges(fundApprovalThreshold: Money(fen: 1))),
      ], calendar: cal)
  }

  func testAnExpenseAboveTheBalanceIsRefusedShowingTheShortfallAndChangesNothing() throws {
    var h = try Self.fundWith("10000")
    let before = h.state
    let r = try XCTUnwrap(
      h.refusal(.recordFundExpense(line: "epi", amount: Self.yuan("20000"), purpose: "采购", voucher: "记-002")))
    XCTAssertEqual(r.code, "fund.shortfall")
    XCTAssertEqual(r.field, "amount")
    XCTAssertEqual(Strings(.zh).refusal(r), "余额不足：现有 10000.00，支出 20000.00，缺口 10000.00")
    XCTAssertEqual(
      Strings(.en).refusal(r), "Insufficient balance: available 10000.00, expense 20000.00, shortfall 10000.00")
    XCTAssertEqual(h.state, before)
    // Exactly the balance is paid (below the threshold it needs no approval).
    try h.run(.changeSettings(SettingsChanges(fundApprovalThreshold: Self.yuan("10000"))), actor: "hq-duty")
    try h.run(
      .recordFundExpense(line: "epi", amount: Self.yuan("10000"), purpose: "采购", voucher: "记-002"), actor: "clerk")
    XCTAssertEqual(h.state.fund.totals("epi").balance, .zero)
    XCTAssertEqual(
      h.refusal(.recordFundExpense(line: "epi", amount: Money(fen: 1), purpose: "x", voucher: "记-003"))?.args,
      ["0.00", "0.01", "0.01"])
  }

  func testTheApprovalRuleAtItsThresholdExactlyAtAndOneFenAbove() throws {
    var h = try Self.fundWith("20000")
    XCTAssertEqual(h.state.settings.fundApprovalThreshold, Self.yuan("5000"))
    let at = try h.run(
      .recordFundExpense(line: "epi", amount: Self.yuan("5000.00"), purpose: "测温枪", voucher: "记-002"),
      actor: "clerk")
    guard case .fundExpenseRecorded(let paid) = at.first else { return XCTFail("\(at)") }
    XCTAssertEqual(paid.status, .paid, "exactly at the threshold: paid at once")
    let above = try h.run(
      .recordFundExpense(line: "epi", amount: Self.yuan("5000.01"), purpose: "消毒液", voucher: "记-003"),
      actor: "clerk")
    guard case .fundExpenseRecorded(let waiting) = above.first else { return XCTFail("\(above)") }
    XCTAssertEqual(waiting.status, .awaitingApproval, "one fen above: waits for approval")
    var t = h.state.fund.totals("epi")
    XCTAssertEqual(t.balance, Self.yuan("15000"), "not paid yet")
    XCTAssertEqual(t.reserved, Self.yuan("5000.01"))
    XCTAssertEqual(t.available, Self.yuan("9999.99"), "an expense awaiting approval reserves its amount")
    XCTAssertEqual(h.state.fund.awaitingApproval.map(\.id), [waiting.id])
    XCTAssertEqual(h.state.fund.ledger.count, 2, "the ledger has the income and the paid expense only")

    // No one approves their own expense; the command role approves another's.
    XCTAssertThrowsError(try h.run(.approveExpense(id: waiting.id, note: "同意"), actor: "clerk")) { e in
      let r = e as? Refusal
      XCTAssertEqual(r?.code, "fund.selfApproval")
      XCTAssertEqual(r.map { Strings(.zh).refusal($0) }, "clerk 不能审批自己录入的支出 \(waiting.id)")
    }
    try h.run(.approveExpense(id: waiting.id, note: "同意"), actor: "leader")
    t = h.state.fund.totals("epi")
    XCTAssertEqual(t.balance, Self.yuan("9999.99"))
    XCTAssertEqual(t.reserved, .zero)
    let e = try XCTUnwrap(h.state.fund.entries[waiting.id])
    XCTAssertEqual(e.status, .paid)
    XCTAssertEqual(e.decision?.by, "leader")
    XCTAssertEqual(e.decision?.note, "同意")
    XCTAssertEqual(h.state.fund.ledger.last?.expense, Self.yuan("5000.01"))
    XCTAssertEqual(h.state.fund.ledger.last?.balance, Self.yuan("9999.99"))
    XCTAssertEqual(h.refusal(.approveExpense(id: waiting.id, note: ""))?.code, "fund.alreadyPaid")
    XCTAssertEqual(h.refusal(.approveExpense(id: paid.id, note: ""))?.code, "fund.alreadyPaid")
    XCTAssertEqual(h.refusal(.approveExpense(id: Self.income(h), note: ""))?.code, "fund.notExpense")
    XCTAssertEqual(h.refusal(.approveExpense(id: "fe999", note: ""))?.code, "fund.unknownEntry")

    // The threshold is a setting: at zero, every expense waits.
    try h.run(.changeSettings(SettingsChanges(fundApprovalThreshold: .zero)), actor: "hq-duty")
    let tiny = try h.run(
      .recordFundExpense(line: "epi", amount: Money(fen: 1), purpose: "x", voucher: "记-004"), actor: "clerk")
    guard case .fundExpenseRecorded(let w) = tiny.first else { return XCTFail() }
    XCTAssertEqual(w.status, .awaitingApproval)
    XCTAssertEqual(
      h.refusal(.changeSettings(SettingsChanges(fundApprovalThreshold: Money(fen: 100_000_000_001))))?.code,
      "money.tooLarge")
  }

  func testAWaitingExpenseReservesItsAmountAndARejectionReleasesIt() throws {
    var h = try Self.fundWith("10000")
    let waiting = try h.run(
      .recordFundExpense(line: "epi", amount: Self.yuan("8000"), purpose: "防护服", voucher: "记-002"), actor: "clerk")
    guard case .fundExpenseRecorded(let w) = waiting.first else { return XCTFail() }
    let r = try XCTUnwrap(
      h.refusal(.recordFundExpense(line: "epi", amount: Self.yuan("3000"), purpose: "x", voucher: "记-003")))
    XCTAssertEqual(r.code, "fund.shortfallReserved")
    XCTAssertEqual(Strings(.zh).refusal(r), "余额不足：现有 2000.00（另有 8000.00 待审批占用），支出 3000.00，缺口 1000.00")
    // Reversing the income would leave the reservation uncovered.
    let reversal = h.refusal(.reverseFundEntry(id: Self.income(h), voucher: "红-1", reason: "x"))
    XCTAssertEqual(reversal?.code, "fund.reversalShortfallReserved")
    XCTAssertEqual(reversal?.field, "id", "the entry's form field, where the refusal shows")
    XCTAssertEqual(h.refusal(.rejectExpense(id: w.id, note: " "))?.field, "note")
    try h.run(.rejectExpense(id: w.id, note: "超出标准"), actor: "clerk")
    XCTAssertEqual(h.state.fund.totals("epi").available, Self.yuan("10000"))
    XCTAssertEqual(h.state.fund.entries[w.id]?.status, .rejected)
    XCTAssertEqual(h.refusal(.approveExpense(id: w.id, note: ""))?.code, "fund.alreadyRejected")
    XCTAssertEqual(h.refusal(.reverseFundEntry(id: w.id, voucher: "红-1", reason: "x"))?.code, "fund.reverseRejected")
  }

  func testAMistakeIsUndoneByAReversalWithItsOwnVoucherNeverByDeletion() throws {
    var h = try Self.fundWith("10000")
    let fe = try Self.run(
      &h, .recordFundExpense(line: "epi", amount: Self.yuan("300"), purpose: "口罩", voucher: "记-002"))
    XCTAssertEqual(h.refusal(.reverseFundEntry(id: fe, voucher: "记-002", reason: "x"))?.code, "fund.voucherUsed")
    XCTAssertEqual(h.refusal(.reverseFundEntry(id: fe, voucher: "红-1", reason: ""))?.field, "reason")
    let fr = try Self.run(&h, .reverseFundEntry(id: fe, voucher: "红-1", reason: "重复录入"))
    XCTAssertTrue(fe.hasPrefix("fe") && fr.hasPrefix("fr"), "\(fe) \(fr)")
    XCTAssertEqual(h.state.fund.totals("epi").balance, Self.yuan("10000"))
    XCTAssertEqual(h.state.fund.entries[fe]?.reversedBy, fr)
    XCTAssertEqual(h.state.fund.entries.count, 3, "the mistaken entry stays, marked reversed")
    XCTAssertEqual(h.refusal(.reverseFundEntry(id: fe, voucher: "红-2", reason: "x"))?.code, "fund.alreadyReversed")
    XCTAssertEqual(h.refusal(.reverseFundEntry(id: fr, voucher: "红-2", reason: "x"))?.code, "fund.reverseReversal")
    let red = try XCTUnwrap(h.state.fund.ledger.last)
    XCTAssertEqual(red.expense, -Self.yuan("300"), "red ink: a negative amount in the expense column")
    XCTAssertEqual(red.voucher, "红-1")
    try h.run(.reverseFundEntry(id: Self.income(h), voucher: "红-2", reason: "拨款退回"), actor: "clerk")
    XCTAssertEqual(h.state.fund.totals("epi").balance, .zero)
    XCTAssertEqual(h.state.fund.ledger.last?.income, -Self.yuan("10000"))
    // Bad input changes nothing and names the field.
    let before = h.state
    let cases: [(CordonCommand, String, String)] = [
      (.openFundLine(id: "epi", name: "x", budget: .zero), "fund.lineExists", "id"),
      (.openFundLine(id: "a b", name: "x", budget: .zero), "org.badID", "id"),
      (.openFundLine(id: "b", name: " ", budget: .zero), "field.required", "name"),
      (.openFundLine(id: "b", name: "x", budget: Money(fen: -1)), "money.negative", "budget"),
      (.recordFundIncome(line: "nope", amount: Money(fen: 1), source: "x", voucher: "v"), "fund.unknownLine", "line"),
      (.recordFundIncome(line: "epi", amount: .zero, source: "x", voucher: "v"), "money.notPositive", "amount"),
      (.recordFundIncome(line: "epi", amount: Money(fen: -5), source: "x", voucher: "v"), "money.negative", "amount"),
      (.recordFundIncome(line: "epi", amount: Money(fen: 1), source: "", voucher: "v"), "field.required", "source"),
      (.recordFundIncome(line: "epi", amount: Money(fen: 1), source: "x", voucher: ""), "field.required", "voucher"),
      (
        .recordFundIncome(line: "epi", amount: Money(fen: 1), source: "x", voucher: String(repeating: "9", count: 41)),
        "field.tooLong", "voucher"
      ),
      (
        .recordFundIncome(line: "epi", amount: Limits.money + Money(fen: 1), source: "x", voucher: "v"),
        "money.tooLarge", "amount"
      ),
      (.recordFundExpense(line: "epi", amount: Money(fen: 1), purpose: "", voucher: "v"), "fund.shortfall", "amount"),
    ]
    for (c, code, field) in cases {
      XCTAssertEqual(h.refusal(c).map { [$0.code, $0.field] }, [code, field], "\(c)")
    }
    XCTAssertEqual(h.state, before)
  }

  /// Many random movements: every line's balance is the sum of its movements, never negative, and so is the total.
  func testFundArithmeticIsExactOverManyRandomMovements() throws {
    for seed in [3, 17, 2020] as [UInt64] {
      var rng = SeededRandom(seed: seed)
      var h = Harness()
      try h.run(.changeSettings(SettingsChanges(fundApprovalThreshold: Self.yuan("3000"))), actor: "hq-duty")
      for l in ["a", "b", "c"] { try h.run(.openFundLine(id: l, name: "科目\(l)", budget: Money(yuan: 100_000))) }
      var voucher = 0
      for _ in 0..<700 {
        voucher += 1
        let line = ["a", "b", "c"].randomElement(using: &rng) ?? "a"
        let amount = Money(fen: Int64.random(in: 1...800_000, using: &rng))
        let entries = h.state.fund.entries(line: nil)
        let actor = ["clerk", "clerk2", "leader"].randomElement(using: &rng) ?? "clerk"
        let command: CordonCommand? =
          switch Int.random(in: 0..<10, using: &rng) {
          case 0, 1, 2: .recordFundIncome(line: line, amount: amount, source: "拨款", voucher: "v\(voucher)")
          case 3, 4, 5: .recordFundExpense(line: line, amount: amount, purpose: "支出", voucher: "v\(voucher)")
          case 6: h.state.fund.awaitingApproval.randomElement(using: &rng).map { .approveExpense(id: $0.id, note: "") }
          case 7: h.state.fund.awaitingApproval.randomElement(using: &rng).map { .rejectExpense(id: $0.id, note: "否") }
          default:
            entries.randomElement(using: &rng).map {
              .reverseFundEntry(id: $0.id, voucher: "v\(voucher)", reason: "更正")
            }
          }
        if let command { _ = try? h.run(command, actor: actor) }
        // The invariants, after every step.
        let fund = h.state.fund
        var total = Money.zero
        for l in fund.lineOrder {
          let t = fund.totals(l)
          let rows = fund.ledger.filter { $0.line == l }
          let fromLedger = rows.reduce(Money.zero) { $0 + $1.income - $1.expense }
          var fromEntries = Money.zero
          for e in fund.entries.values where e.line == l {
            switch (e.kind, e.status, e.reversedKind) {
            case (.income, _, _): fromEntries += e.amount
            case (.expense, .paid?, _): fromEntries -= e.amount
            case (.reversal, _, .income?): fromEntries -= e.amount
            case (.reversal, _, _): fromEntries += e.amount
            default: break
            }
          }
          XCTAssertEqual(t.balance, fromLedger, "seed \(seed) line \(l): balance is the sum of the ledger")
          XCTAssertEqual(t.balance, fromEntries, "seed \(seed) line \(l): balance is the sum of the movements")
          XCTAssertEqual(rows.last?.balance ?? .zero, t.balance, "seed \(seed) line \(l): running balance")
          XCTAssertGreaterThanOrEqual(t.balance, .zero, "seed \(seed) line \(l): never negative")
          XCTAssertGreaterThanOrEqual(t.available, .zero, "seed \(seed) line \(l): reservations covered")
          let reserved = fund.entries.values.filter { $0.line == l && $0.isAwaitingApproval }
            .reduce(Money.zero) { $0 + $1.amount }
          XCTAssertEqual(t.reserved, reserved)
          total += t.balance
        }
        XCTAssertEqual(fund.total.balance, total)
      }
      XCTAssertGreaterThan(h.state.fund.ledger.count, 150, "seed \(seed): the run moved money")
      XCTAssertTrue(h.state.fund.entries.values.contains { $0.decision?.approved == true }, "seed \(seed)")
      XCTAssertTrue(h.state.fund.entries.values.contains { $0.kind == .reversal }, "seed \(seed)")
      // Replay, and a snapshot plus the tail, give the live state exactly.
      var replayed = CordonState()
      for r in h.journal { replayed.apply(r) }
      XCTAssertEqual(replayed, h.state, "seed \(seed): replay")
      let cut = h.journal.count / 2
      var head = CordonState()
      for r in h.journal[..<cut] { head.apply(r) }
      var restored = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(head))
      for r in h.journal[cut...] { restored.apply(r) }
      XCTAssertEqual(restored, h.state, "seed \(seed): snapshot + tail")
      for r in h.journal.suffix(200) {
        XCTAssertEqual(try JSONDecoder().decode(EventRecord<CordonEvent>.self, from: try JSONEncoder().encode(r)), r)
      }
    }
  }

  /// Who may do what with the fund and the campaigns (the server checks the same function).
  func testTheAuthorisationMatrix() throws {
    var h = try Self.fundWith("20000")
    let fe = try Self.run(
      &h, .recordFundExpense(line: "epi", amount: Self.yuan("6000"), purpose: "x", voucher: "记-002"))
    try h.run(.startCampaign(id: "rc", name: "捐款", recipient: "红十字会"), actor: "clerk")
    let dn = try Self.run(&h, .recordDonation(campaign: "rc", unit: "jindun", amount: Self.yuan("100"), donor: ""))
    let fi = Self.income(h)
    let command = Principal(user: "leader", role: .command, units: [])
    let hqOperator = Principal(user: "hq-op", role: .operator, units: ["hq"])
    let jindun = Principal(user: "jd-op", role: .operator, units: ["jindun"])
    let inspector = Principal(user: "insp", role: .inspector, units: ["jindun"])
    let viewer = Principal(user: "v", role: .viewer, units: [])
    let commands: [(CordonCommand, [String?])] = [
      (.openFundLine(id: "x", name: "x", budget: .zero), [nil, nil, "fund.notHeadquarters"]),
      (
        .recordFundIncome(line: "epi", amount: Money(fen: 1), source: "x", voucher: "v"),
        [nil, nil, "fund.notHeadquarters"]
      ),
      (
        .recordFundExpense(line: "epi", amount: Money(fen: 1), purpose: "x", voucher: "v"),
        [nil, nil, "fund.notHeadquarters"]
      ),
      (.approveExpense(id: fe, note: ""), [nil, "fund.approvalRole", "fund.approvalRole"]),
      (.rejectExpense(id: fe, note: "x"), [nil, "fund.approvalRole", "fund.approvalRole"]),
      (.reverseFundEntry(id: fi, voucher: "v", reason: "x"), [nil, nil, "fund.notHeadquarters"]),
      (.startCampaign(id: "c2", name: "x", recipient: "y"), [nil, nil, "fund.notHeadquarters"]),
      (.handOverDonations(campaign: "rc", amount: Money(fen: 1), voucher: "v"), [nil, nil, "fund.notHeadquarters"]),
      (
        .recordDonation(campaign: "rc", unit: "jindun", amount: Money(fen: 1), donor: ""), [nil, "auth.otherUnit", nil]
      ),
      (.recordDonation(campaign: "rc", unit: "hq", amount: Money(fen: 1), donor: ""), [nil, nil, "auth.otherUnit"]),
      (.voidDonation(id: dn, reason: "x"), [nil, "auth.otherUnit", nil]),
    ]
    for (c, expected) in commands {
      let got = [command, hqOperator, jindun].map { Authorization.check(c, by: $0, in: h.state)?.code }
      XCTAssertEqual(got, expected, "\(c)")
      XCTAssertEqual(Authorization.check(c, by: inspector, in: h.state)?.code, "auth.notPermitted", "\(c)")
      XCTAssertEqual(Authorization.check(c, by: viewer, in: h.state)?.code, "auth.readOnly", "\(c)")
    }
    XCTAssertEqual(
      Strings(.zh).refusal(
        try XCTUnwrap(Authorization.check(.approveExpense(id: fe, note: ""), by: hqOperator, in: h.state))),
      "支出审批须由指挥角色（领导小组）进行：hq-op（operator）无权审批")
  }

  func testTheAuditTrailNamesEveryFundEventInBothLanguages() throws {
    var h = try Self.fundWith("20000")
    let fe = try Self.run(
      &h, .recordFundExpense(line: "epi", amount: Self.yuan("6000"), purpose: "防护服", voucher: "记-002"))
    try h.run(.approveExpense(id: fe, note: "同意"), actor: "leader")
    let fr = try Self.run(&h, .reverseFundEntry(id: fe, voucher: "红-1", reason: "退货"))
    try h.run(.startCampaign(id: "rc", name: "抗疫捐款", recipient: "渭南市红十字会"), actor: "clerk")
    let dn = try Self.run(
      &h, .recordDonation(campaign: "rc", unit: "jindun", amount: Self.yuan("100"), donor: ""), actor: "jd")
    try h.run(.voidDonation(id: dn, reason: "重复"), actor: "jd")
    let dn2 = try Self.run(
      &h, .recordDonation(campaign: "rc", unit: "jindun", amount: Self.yuan("100"), donor: "张三"), actor: "jd")
    let dh = try Self.run(&h, .handOverDonations(campaign: "rc", amount: Self.yuan("100"), voucher: "付-1"))
    let fe2 = try Self.run(&h, .recordFundExpense(line: "epi", amount: Self.yuan("6000"), purpose: "x", voucher: "记-3"))
    try h.run(.rejectExpense(id: fe2, note: "不符"), actor: "leader")
    let zh = h.journal.suffix(11).map { AuditTrail.describe($0.event, state: h.state, strings: Strings(.zh)) }
    XCTAssertEqual(
      zh,
      [
        "资金收入: \(Self.income(h)) 防疫物资 +20000.00 记-001 集团拨款",
        "资金支出: \(fe) 防疫物资 -6000.00 记-002 防护服 (待审批)",
        "支出审批通过: \(fe) 防疫物资 6000.00 同意",
        "资金冲销: \(fr) 冲销 \(fe) 防疫物资 6000.00 红-1 退货",
        "发起捐款倡议: rc 抗疫捐款 → 渭南市红十字会",
        "捐款登记: \(dn) 抗疫捐款 金盾护卫 全体职工 100.00",
        "捐款作废: \(dn) 重复",
        "捐款登记: \(dn2) 抗疫捐款 金盾护卫 张三 100.00",
        "捐款移交: \(dh) 抗疫捐款 → 渭南市红十字会 100.00 付-1",
        "资金支出: \(fe2) 防疫物资 -6000.00 记-3 x (待审批)",
        "支出驳回: \(fe2) 防疫物资 6000.00 不符",
      ])
    let en = h.journal.suffix(11).map { AuditTrail.describe($0.event, state: h.state, strings: Strings(.en)) }
    XCTAssertEqual(en[1], "fund expense: \(fe) 防疫物资 -6000.00 记-002 防护服 (awaiting approval)")
    XCTAssertEqual(en[8], "donations handed over: \(dh) 抗疫捐款 → 渭南市红十字会 100.00 付-1")
    XCTAssertEqual(AuditTrail.select(Array(h.journal.suffix(11)), .init(unit: "jindun"), state: h.state).count, 3)
  }
}
