import EventSourcing

extension DemoHistory.Simulation {
  /// The emergency fund and the seed's donation drive in the demo's days:
  /// two budget lines funded on the first day, the drive started that day
  /// (47,993 yuan from HQ and the 12 companies, handed over to the city Red
  /// Cross the next morning), an expense below the approval threshold most
  /// afternoons and one above it every third day, approved by the leading
  /// group the next morning (the last three days' still wait). Amounts
  /// follow the day, not the random generator, so the rest of the demo is as before.
  mutating func fund(day: Int, dayIndex: Int, minute: Int, at t: Instant) {
    if dayIndex == 0 && minute == 10 * 60 {
      run(.openFundLine(id: "epi", name: "防疫物资采购", budget: Money(yuan: 300_000)), at: t, actor: "demo", unit: "hq")
      run(.openFundLine(id: "care", name: "一线人员慰问", budget: Money(yuan: 60_000)), at: t, actor: "demo", unit: "hq")
      run(
        .recordFundIncome(line: "epi", amount: Money(yuan: 200_000), source: "集团拨付应急专项资金", voucher: "收-0001"),
        at: t, actor: "demo", unit: "hq")
      run(
        .recordFundIncome(line: "care", amount: Money(yuan: 50_000), source: "集团拨付应急专项资金", voucher: "收-0002"),
        at: t, actor: "demo", unit: "hq")
      run(.startCampaign(id: "rc2020", name: "抗击新冠肺炎疫情捐款", recipient: "渭南市红十字会"), at: t, actor: "demo", unit: "hq")
    }
    if dayIndex == 0 && minute == 16 * 60 {
      // The first day's figure from the source report: 47,993 yuan from HQ and 12 companies.
      let amounts: [Int64] = [
        8_600, 5_200, 4_800, 4_300, 4_100, 3_900, 3_500, 3_100, 2_900, 2_600, 2_300, 1_693, 1_000,
      ]
      for (unit, yuan) in zip(state.orderedUnits.map(\.id), amounts) {
        run(
          .recordDonation(campaign: "rc2020", unit: unit, amount: Money(yuan: yuan), donor: ""), at: t, actor: "demo",
          unit: unit)
      }
    }
    if dayIndex == 1 && minute == 10 * 60 {
      run(
        .handOverDonations(campaign: "rc2020", amount: Money(yuan: 47_993), voucher: "付-0001"), at: t, actor: "demo",
        unit: "hq")
    }
    if minute == 14 * 60 {
      let small = Money(fen: Int64(1_200 + (dayIndex * 737) % 3_500) * 100 + Int64(dayIndex * 13 % 100))
      let purposes = ["采购 84 消毒液", "采购医用口罩", "采购电子测温枪", "采购防护服", "检查点帐篷租赁"]
      run(
        .recordFundExpense(
          line: "epi", amount: small, purpose: purposes[dayIndex % purposes.count],
          voucher: "记-\(String(1000 + dayIndex * 2))"), at: t, actor: "demo", unit: "hq")
      if dayIndex % 3 == 2 {
        run(
          .recordFundExpense(
            line: dayIndex % 2 == 0 ? "epi" : "care", amount: Money(yuan: Int64(6_000 + dayIndex * 250)),
            purpose: dayIndex % 2 == 0 ? "批量采购防护物资" : "一线值守人员慰问品", voucher: "记-\(String(1001 + dayIndex * 2))"),
          at: t, actor: "demo", unit: "hq")
      }
    }
  }

  /// The leading group approves, the next morning, what waited overnight;
  /// the last three days' are still waiting, so the view has some to show.
  mutating func approveExpenses(day: Int, minute: Int, at t: Instant) {
    guard minute == 10 * 60 else { return }
    for e in state.fund.awaitingApproval where cal.day(of: e.at) < day && cal.day(of: e.at) < cal.day(of: now) - 3 {
      steps.append(.command(at: t, actor: "demo-leader", unit: "hq", .approveExpense(id: e.id, note: "同意")))
    }
  }
}
