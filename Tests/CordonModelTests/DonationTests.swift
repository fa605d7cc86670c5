import CordonModel
import EventSourcing
import Foundation
import XCTest

/// Donation campaigns (issue 17, item 3): collected per unit, handed over to the recipient.
final class DonationTests: XCTestCase {
  func testTheSeedsFirstDayTotalsPerUnitAndOverallAndIsHandedOverToTheRedCross() throws {
    var h = Harness()
    try h.run(.startCampaign(id: "rc2020", name: "抗击新冠肺炎疫情捐款", recipient: "渭南市红十字会"), actor: "hq-duty")
    // HQ and the 12 companies: 47,993 yuan on the first day.
    let units = h.state.orderedUnits.map(\.id)
    XCTAssertEqual(units.count, 13)
    let amounts: [Int64] = [8_600, 5_200, 4_800, 4_300, 4_100, 3_900, 3_500, 3_100, 2_900, 2_600, 2_300, 1_693, 1_000]
    for (unit, yuan) in zip(units.reversed(), amounts) {
      try h.run(.recordDonation(campaign: "rc2020", unit: unit, amount: Money(yuan: yuan), donor: ""), actor: "op")
    }
    try h.run(.recordDonation(campaign: "rc2020", unit: "hq", amount: Money(fen: 1), donor: "测试"), actor: "op")
    let last = try XCTUnwrap(h.state.donations.donationOrder.last)
    try h.run(.voidDonation(id: last, reason: "录入测试"), actor: "op")
    var t = h.state.donations.totals("rc2020", unitOrder: h.state.unitOrder)
    XCTAssertEqual(t.collected, Money(yuan: 47_993))
    XCTAssertEqual(t.donations, 13, "the void entry is left out")
    XCTAssertEqual(t.byUnit.map(\.unit), units, "per unit, in the organisation's order")
    XCTAssertEqual(t.byUnit.first?.amount, Money(yuan: 1_000))
    XCTAssertEqual(t.outstanding, Money(yuan: 47_993))

    // Handing over more than was collected is refused, with the shortfall.
    let r = try XCTUnwrap(
      h.refusal(.handOverDonations(campaign: "rc2020", amount: Money(yuan: 48_000), voucher: "付-001")))
    XCTAssertEqual(Strings(.zh).refusal(r), "可移交金额不足：未移交 47993.00，移交 48000.00，缺口 7.00")
    XCTAssertEqual(r.field, "amount")
    try h.run(.handOverDonations(campaign: "rc2020", amount: Money(yuan: 47_993), voucher: "付-001"), actor: "hq-duty")
    t = h.state.donations.totals("rc2020")
    XCTAssertEqual(t.handedOver, Money(yuan: 47_993))
    XCTAssertEqual(t.outstanding, .zero)
    // A donation already handed over cannot be voided; one voucher is one voucher.
    let first = try XCTUnwrap(h.state.donations.donationOrder.first)
    XCTAssertEqual(h.refusal(.voidDonation(id: first, reason: "x"))?.code, "donation.voidHandedOver")
    XCTAssertEqual(h.refusal(.voidDonation(id: last, reason: "x"))?.code, "donation.alreadyVoid")
    try h.run(.recordDonation(campaign: "rc2020", unit: "hq", amount: Money(yuan: 10), donor: ""), actor: "op")
    XCTAssertEqual(
      h.refusal(.handOverDonations(campaign: "rc2020", amount: Money(yuan: 10), voucher: "付-001"))?.code,
      "fund.voucherUsed")
  }

  func testBadCampaignInputIsRefusedNamingTheFieldAndChangesNothing() throws {
    var h = Harness()
    try h.run(.startCampaign(id: "rc", name: "捐款", recipient: "红十字会"))
    let before = h.state
    let cases: [(CordonCommand, String, String)] = [
      (.startCampaign(id: "rc", name: "x", recipient: "y"), "campaign.exists", "id"),
      (.startCampaign(id: "", name: "x", recipient: "y"), "org.badID", "id"),
      (.startCampaign(id: "c2", name: "x", recipient: " "), "field.required", "recipient"),
      (.recordDonation(campaign: "nope", unit: "hq", amount: Money(fen: 1), donor: ""), "campaign.unknown", "campaign"),
      (.recordDonation(campaign: "rc", unit: "nope", amount: Money(fen: 1), donor: ""), "unit.unknown", "unit"),
      (.recordDonation(campaign: "rc", unit: "hq", amount: .zero, donor: ""), "money.notPositive", "amount"),
      (.recordDonation(campaign: "rc", unit: "hq", amount: Money(fen: -1), donor: ""), "money.negative", "amount"),
      (
        .recordDonation(campaign: "rc", unit: "hq", amount: Money(fen: 1), donor: String(repeating: "张", count: 101)),
        "field.tooLong", "donor"
      ),
      (.voidDonation(id: "dn0", reason: "x"), "donation.unknown", "id"),
      (.handOverDonations(campaign: "rc", amount: Money(fen: 1), voucher: "v"), "donation.shortfall", "amount"),
    ]
    for (c, code, field) in cases {
      XCTAssertEqual(h.refusal(c).map { [$0.code, $0.field] }, [code, field], "\(c)")
    }
    XCTAssertEqual(h.state, before)
  }

  func testReplayOfCampaignsEqualsTheLiveState() throws {
    var h = Harness()
    var rng = SeededRandom(seed: 30)
    try h.run(.startCampaign(id: "a", name: "捐款一", recipient: "红十字会"))
    try h.run(.startCampaign(id: "b", name: "捐款二", recipient: "慈善总会"))
    let units = h.state.orderedUnits.map(\.id)
    for step in 0..<400 {
      h.advance(minutes: Int64.random(in: 0...30, using: &rng))
      let campaign = Bool.random(using: &rng) ? "a" : "b"
      let command: CordonCommand? =
        switch Int.random(in: 0..<6, using: &rng) {
        case 0, 1, 2:
          .recordDonation(
            campaign: campaign, unit: units.randomElement(using: &rng) ?? "hq",
            amount: Money(fen: Int64.random(in: 1...500_000, using: &rng)), donor: step % 3 == 0 ? "职工\(step)" : "")
        case 3:
          h.state.donations.donationOrder.randomElement(using: &rng).map { .voidDonation(id: $0, reason: "更正") }
        default:
          .handOverDonations(
            campaign: campaign, amount: Money(fen: Int64.random(in: 1...900_000, using: &rng)), voucher: "付-\(step)")
        }
      if let command { _ = try? h.run(command) }
      for c in ["a", "b"] {
        let t = h.state.donations.totals(c)
        XCTAssertGreaterThanOrEqual(t.outstanding, .zero, "step \(step): handed over is covered by what was collected")
        XCTAssertEqual(t.byUnit.reduce(Money.zero) { $0 + $1.amount }, t.collected)
      }
    }
    XCTAssertGreaterThan(h.state.donations.handovers.count, 10)
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    XCTAssertEqual(replayed, h.state)
  }
}
