import CordonModel
import EventSourcing
import XCTest

final class CheckpointCommandTests: XCTestCase {
  func testReadingOutsidePlausibleRangeIsRefusedAndChangesNothing() {
    var h = Harness()
    let before = h.state
    for bad in [449, 450, 349, 421] {
      let r = h.refusal(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: bad)))
      XCTAssertEqual(r?.code, "reading.outOfRange", "\(bad)")
      XCTAssertEqual(r?.field, "reading")
    }
    XCTAssertEqual(h.state, before)
    XCTAssertNoThrow(try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 420))))
  }

  func testFeverExactlyAtThresholdRaisesCriticalAlertNamingPersonAndSite() throws {
    var h = Harness()
    XCTAssertEqual(
      h.refusal(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 372)))?.code,
      "fever.belowThreshold")
    let events = try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 373)))
    XCTAssertTrue(events.contains { if case .alertRaised = $0 { true } else { false } })
    let a = try XCTUnwrap(h.alert(.fever, "ht-1/张三"))
    XCTAssertEqual(a.severity, .critical)
    XCTAssertEqual(a.site, "ht-1")
    XCTAssertEqual(a.unit, "heating")
    XCTAssertEqual(a.message(h.state, Strings(.zh)), "发热：张三 在 第一热力站，体温 37.3℃")
    XCTAssertEqual(a.message(h.state, Strings(.en)), "Fever: 张三 at Heat station 1, 37.3 °C")
  }

  func testSecondFeverOfSamePersonAtSameSiteRepeatsTheAlert() throws {
    var h = Harness()
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 380)))
    h.advance(minutes: 30)
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    let fevers = h.state.alerts.values.filter { $0.key.rule == .fever }
    XCTAssertEqual(fevers.count, 1)
    XCTAssertEqual(fevers.first?.count, 2)
    XCTAssertEqual(fevers.first?.args.last, "38.5")
  }

  func testRoundWhoseFeverCountDiffersIsRefusedOrSavedWithCasesToEnter() throws {
    var h = Harness()
    XCTAssertEqual(
      h.refusal(.recordRound(site: "ht-2", checked: 10, fevers: 1, acceptMissingCases: false))?.code,
      "round.feverMismatch")
    XCTAssertEqual(
      h.refusal(.recordRound(site: "ht-2", checked: 3, fevers: 4, acceptMissingCases: true))?.code,
      "round.feversExceedChecked")
    try h.run(.recordRound(site: "ht-2", checked: 10, fevers: 1, acceptMissingCases: true))
    XCTAssertEqual(h.state.sites["ht-2"]?.lastRound?.casesToEnter, 1)
    try h.run(.recordFever(site: "ht-2", personName: "李四", reading: Celsius(tenths: 381)))
    XCTAssertEqual(h.state.sites["ht-2"]?.lastRound?.casesToEnter, 0)
    // Cases entered first, then the round that counts them: accepted as it is.
    try h.run(.recordFever(site: "ht-3", personName: "王五", reading: Celsius(tenths: 379)))
    try h.run(.recordRound(site: "ht-3", checked: 8, fevers: 1, acceptMissingCases: false))
    XCTAssertEqual(h.state.sites["ht-3"]?.lastRound?.casesToEnter, 0)
  }

  func testUnknownSiteAndClosedSiteAreRefused() throws {
    var h = Harness()
    XCTAssertEqual(
      h.refusal(.recordRound(site: "nowhere", checked: 1, fevers: 0, acceptMissingCases: false))?.code, "site.unknown")
    try h.run(.closeSite(site: "ht-4"))
    XCTAssertEqual(
      h.refusal(.recordRound(site: "ht-4", checked: 1, fevers: 0, acceptMissingCases: false))?.code, "site.closed")
  }

  func testRoundOverdueExactlyAtTheBoundaryAndClearedByARound() throws {
    var h = Harness()
    _ = h.housekeeping()
    let interval = Int64(h.state.sites["ht-5"]?.reportIntervalMinutes ?? 0)
    // One millisecond before the due time: not overdue.
    h.now = h.now.adding(minutes: interval).adding(seconds: 0)
    h.now.milliseconds -= 1
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.roundOverdue, "ht-5"))
    h.now.milliseconds += 1
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.roundOverdue, "ht-5")?.state, .open)
    try h.run(.recordRound(site: "ht-5", checked: 12, fevers: 0, acceptMissingCases: false))
    XCTAssertEqual(h.alert(.roundOverdue, "ht-5")?.state, .resolved, "a round clears the overdue alert by itself")
    XCTAssertEqual(h.alert(.roundOverdue, "ht-5")?.history.last?.action, .autoResolved)
  }

  func testTwiceDailyDisinfectionJudgedAtMidnight() throws {
    var h = Harness(now: CordonState().calendar.parse("2020-02-07 23:00") ?? Harness.morning)
    h.advance(minutes: 60)  // 2020-02-08 00:00
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.disinfectionShort, "hq-office"), "registered on the 7th: no verdict for the 7th")
    h.advance(minutes: 9 * 60)  // 09:00
    try h.run(.recordDisinfection(site: "hq-office", area: "办公区", agent: "84消毒液", by: ""))
    try h.run(.recordDisinfection(site: "ht-1", area: "泵房", agent: "84消毒液", by: ""))
    h.advance(minutes: 8 * 60)  // 17:00
    try h.run(.recordDisinfection(site: "ht-1", area: "值班室", agent: "84消毒液", by: ""))
    h.advance(minutes: 6 * 60 + 59)  // 23:59
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.disinfectionShort, "hq-office"), "not judged before the deadline")
    h.advance(minutes: 1)  // 2020-02-09 00:00: the 8th is judged
    _ = h.housekeeping()
    let a = try XCTUnwrap(h.alert(.disinfectionShort, "hq-office"))
    XCTAssertEqual(a.args, ["hq-office", "1", "2", "2020-02-08"])
    XCTAssertNil(h.alert(.disinfectionShort, "ht-1"), "twice on the 8th meets the requirement")
  }
}

final class StockCommandTests: XCTestCase {
  func testRefusalsForBadQuantities() {
    let h = Harness()
    XCTAssertEqual(
      h.refusal(.issueStock(unit: "hq", item: "mask", quantity: Quantity(0), reason: ""))?.code, "quantity.notPositive")
    XCTAssertEqual(
      h.refusal(.issueStock(unit: "hq", item: "mask", quantity: Quantity(-5), reason: ""))?.code, "quantity.notPositive"
    )
    XCTAssertEqual(
      h.refusal(.issueStock(unit: "hq", item: "mask", quantity: Quantity(milli: 1500), reason: ""))?.code,
      "quantity.fraction")
    XCTAssertEqual(
      h.refusal(.issueStock(unit: "hq", item: "mask", quantity: Quantity(20_001), reason: ""))?.code,
      "stock.insufficient")
    XCTAssertEqual(
      h.refusal(.transferStock(from: "hq", to: "hq", item: "mask", quantity: Quantity(1), reason: ""))?.code,
      "transfer.sameUnit")
    XCTAssertEqual(
      h.refusal(.countStock(unit: "hq", item: "mask", counted: Quantity(-1), reason: .lost))?.code, "quantity.negative")
    XCTAssertNil(h.refusal(.issueStock(unit: "hq", item: "d84", quantity: Quantity(milli: 1500), reason: "")))
  }

  func testTransferMovesBothSidesInOneEvent() throws {
    var h = Harness()
    let events = try h.run(
      .transferStock(from: "hq", to: "heating", item: "thermo", quantity: Quantity(10), reason: "调拨"))
    XCTAssertEqual(events.filter { if case .stockTransferred = $0 { true } else { false } }.count, 1)
    XCTAssertEqual(h.state.stock[StockKey(unit: "hq", item: "thermo")]?.balance, Quantity(30))
    XCTAssertEqual(h.state.stock[StockKey(unit: "heating", item: "thermo")]?.balance, Quantity(13))
  }

  func testLowStockAlertsFollowTheLevelAndClearThemselves() throws {
    var h = Harness()
    // Demo heating thermo: 3 of minimum 13: critical from the start.
    XCTAssertEqual(h.alert(.stockLow, "heating/thermo")?.severity, .critical)
    try h.run(
      .receiveStock(unit: "heating", item: "thermo", quantity: Quantity(5), kind: .cityAllocation, reason: "市场监管局"))
    XCTAssertEqual(h.alert(.stockLow, "heating/thermo")?.severity, .warning, "8 of 13 is low, not critical")
    try h.run(.receiveStock(unit: "heating", item: "thermo", quantity: Quantity(5), kind: .donation, reason: ""))
    XCTAssertEqual(h.alert(.stockLow, "heating/thermo")?.state, .resolved)
    try h.run(.issueStock(unit: "heating", item: "thermo", quantity: Quantity(1), reason: ""))
    let a = try XCTUnwrap(h.alert(.stockLow, "heating/thermo"))
    XCTAssertEqual(a.state, .open, "reopens when the condition returns")
    XCTAssertEqual(a.count, 2)
  }

  func testStocktakeRecordsTheAdjustment() throws {
    var h = Harness()
    try h.run(.countStock(unit: "jindun", item: "mask", counted: Quantity(1790), reason: .damaged))
    let line = try XCTUnwrap(h.state.stock[StockKey(unit: "jindun", item: "mask")])
    XCTAssertEqual(line.balance, Quantity(1790))
    XCTAssertEqual(line.ledger.first?.delta, Quantity(-10))
    XCTAssertEqual(line.ledger.first?.kind, .stocktake)
  }
}

final class AlertLifecycleTests: XCTestCase {
  func testAcknowledgeResolveAndReopenOnNewOccurrence() throws {
    var h = Harness()
    try h.run(.recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 390)))
    let key = AlertKey(rule: .fever, subject: "jy-dongfeng/赵六")
    try h.run(.acknowledgeAlert(key), actor: "duty-hq")
    XCTAssertEqual(h.state.alerts[key]?.acknowledgedBy, "duty-hq")
    XCTAssertEqual(h.refusal(.acknowledgeAlert(key))?.code, "alert.notOpen")
    XCTAssertEqual(h.refusal(.resolveAlert(key, note: "  "))?.code, "field.required")
    try h.run(.resolveAlert(key, note: "已送医"), actor: "duty-hq")
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved, "hand-resolved stays resolved without a new occurrence")
    h.advance(minutes: 60)
    try h.run(.recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 386)))
    XCTAssertEqual(h.state.alerts[key]?.state, .open)
    XCTAssertEqual(h.state.alerts[key]?.count, 2)
    let actors = h.state.alerts[key]?.history.map(\.actor) ?? []
    XCTAssertTrue(actors.contains("duty-hq"))
  }

  func testUnacknowledgedCriticalEscalatesEveryTimeoutAtMostFiveTimes() throws {
    var h = Harness()
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 390)))
    let key = AlertKey(rule: .fever, subject: "ht-1/张三")
    h.advance(minutes: 4)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.escalationLevel, 0)
    h.advance(minutes: 1)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.escalationLevel, 1, "escalates at exactly 5 minutes")
    for _ in 0..<10 {
      h.advance(minutes: 5)
      _ = h.housekeeping()
    }
    XCTAssertEqual(h.state.alerts[key]?.escalationLevel, 5, "repeats at most 5 times")
  }

  func testSilencedAlertDoesNotEscalateAndSilenceEndsByItself() throws {
    var h = Harness()
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 390)))
    let key = AlertKey(rule: .fever, subject: "ht-1/张三")
    try h.run(.silenceAlert(key, minutes: 30, reason: "已在处理"))
    h.advance(minutes: 10)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.escalationLevel, 0)
    XCTAssertEqual(h.state.alerts[key]?.isSilenced(at: h.now), true)
    h.advance(minutes: 20)
    XCTAssertEqual(h.state.alerts[key]?.isSilenced(at: h.now), false)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.escalationLevel, 1)
  }
}

final class RosterRuleTests: XCTestCase {
  func testGapInKeyUnitRoleRaisedWithinLookaheadAndCriticalWhenItArrives() throws {
    // The demo leaves the heating company's day manager (08:00–20:00) uncovered on the last seeded day.
    var h = Harness()
    let cal = h.state.calendar
    let lastDay = cal.day(of: h.now) + 1
    h.now = cal.startOfDay(lastDay).adding(minutes: 5 * 60 + 59)  // 05:59: gap at 08:00 is 2h01m away
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.roleUncovered, "heating/manager"))
    h.advance(minutes: 1)  // 06:00: exactly two hours ahead
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.roleUncovered, "heating/manager")?.severity, .warning)
    h.advance(minutes: 120)  // 08:00: the gap is now
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.roleUncovered, "heating/manager")?.severity, .critical)
    let count = h.alert(.roleUncovered, "heating/manager")?.count
    h.advance(minutes: 30)
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.roleUncovered, "heating/manager")?.count, count, "a gap that stays open does not repeat")
    // Covering it clears the alert by itself.
    try h.run(
      .assignShift(
        unit: "heating", site: nil, role: .manager, person: "heating-manager-3", start: h.now,
        end: cal.startOfDay(lastDay).adding(minutes: 20 * 60),
        confirmShortRest: true))
    XCTAssertEqual(h.alert(.roleUncovered, "heating/manager")?.state, .resolved)
  }

  func testShiftValidation() throws {
    var h = Harness()
    let t = h.now.adding(minutes: 3 * 24 * 60)
    XCTAssertEqual(
      h.refusal(
        .assignShift(
          unit: "hq", site: nil, role: .officer, person: "hq-officer-1", start: t, end: t, confirmShortRest: false))?
        .code,
      "shift.endNotAfterStart")
    XCTAssertEqual(
      h.refusal(
        .assignShift(
          unit: "hq", site: nil, role: .officer, person: "nobody", start: t, end: t.adding(minutes: 60),
          confirmShortRest: false))?
        .code, "person.unknown")
    try h.run(
      .assignShift(
        unit: "hq", site: nil, role: .officer, person: "hq-officer-1", start: t, end: t.adding(minutes: 480),
        confirmShortRest: false))
    XCTAssertEqual(
      h.refusal(
        .assignShift(
          unit: "hq", site: nil, role: .officer, person: "hq-officer-1", start: t.adding(minutes: 60),
          end: t.adding(minutes: 600), confirmShortRest: true))?
        .code, "shift.overlap")
    // 10 hours of rest: warns, and saves when confirmed.
    let next = t.adding(minutes: 480 + 600)
    XCTAssertEqual(
      h.refusal(
        .assignShift(
          unit: "hq", site: nil, role: .officer, person: "hq-officer-1", start: next, end: next.adding(minutes: 480),
          confirmShortRest: false))?
        .code, "shift.shortRest")
    XCTAssertNil(
      h.refusal(
        .assignShift(
          unit: "hq", site: nil, role: .officer, person: "hq-officer-1", start: next, end: next.adding(minutes: 480),
          confirmShortRest: true)))
  }
}

final class CoverageBoundaryTests: XCTestCase {
  /// A unit whose officer role is covered by hand-made shifts only.
  private func harness(shifts: [(String, String)]) throws -> Harness {
    var h = Harness(seedDemo: false)
    let cal = h.state.calendar
    var events: [CordonEvent] = [
      .unitRegistered(OrgUnit(id: "u", name: .init(zh: "测试单位", en: "Test unit"), isKey: true))
    ]
    for i in 1...4 {
      events.append(
        .personRegistered(Person(id: "p\(i)", name: "值班员\(i)", unit: "u", phone: "", categories: [.onDuty])))
    }
    for (i, (from, to)) in shifts.enumerated() {
      for role in DutyRole.allCases {
        events.append(
          .shiftAssigned(
            Shift(
              id: "s\(i)-\(role.rawValue)", unit: "u", site: nil, role: role, person: "p\(i % 4 + 1)",
              start: try XCTUnwrap(cal.parse(from)), end: try XCTUnwrap(cal.parse(to)), noShow: false, cancelled: false)
          ))
      }
    }
    try h.run(.register(events))
    return h
  }

  func testAShiftAcrossMidnightCoversBothDays() throws {
    var h = try harness(shifts: [
      ("2020-02-07 14:00", "2020-02-07 22:00"), ("2020-02-07 22:00", "2020-02-08 06:00"),
      ("2020-02-08 06:00", "2020-02-08 14:00"),
    ])
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-07 23:30"))
    _ = h.housekeeping()
    XCTAssertNotEqual(
      h.alert(.roleUncovered, "u/officer")?.isActive, true, "22:00-06:00 covers midnight and meets the 06:00 shift")
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-08 12:00"))
    _ = h.housekeeping()
    XCTAssertEqual(
      h.alert(.roleUncovered, "u/officer")?.severity, .warning, "14:00 on the 8th is two hours away and uncovered")
  }

  func testShiftsMeetingExactlyAtABoundaryLeaveNoGap() throws {
    var h = try harness(shifts: [("2020-02-07 00:00", "2020-02-07 08:00"), ("2020-02-07 08:00", "2020-02-07 16:00")])
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-07 07:59"))
    _ = h.housekeeping()
    XCTAssertNotEqual(h.alert(.roleUncovered, "u/officer")?.isActive, true)
    // At 16:00 exactly the second shift has ended ([start, end)): the gap is now.
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-07 16:00"))
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.roleUncovered, "u/officer")?.severity, .critical)
    XCTAssertEqual(h.alert(.roleUncovered, "u/officer")?.occurrence, h.state.calendar.parse("2020-02-07 16:00"))
  }

  func testANoShowOpensAGapAndRaisesItsOwnAlert() throws {
    var h = try harness(shifts: [("2020-02-07 06:00", "2020-02-07 14:00"), ("2020-02-07 14:00", "2020-02-07 22:00")])
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-07 14:05"))
    _ = h.housekeeping()
    XCTAssertNotEqual(h.alert(.roleUncovered, "u/officer")?.isActive, true)
    try h.run(.markNoShow(shift: "s1-officer"))
    XCTAssertEqual(h.alert(.noShow, "s1-officer")?.state, .open)
    XCTAssertEqual(
      h.alert(.roleUncovered, "u/officer")?.severity, .critical, "the no-show leaves the role uncovered now")
  }
}
