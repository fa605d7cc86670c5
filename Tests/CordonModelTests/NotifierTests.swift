import EventSourcing
import XCTest

@testable import CordonModel

/// What notifies whom, decided by the domain with an injected clock: routing,
/// grouping, quiet hours, repeats, handoffs, outcomes and the failing alert.
final class NotifierTests: XCTestCase {
  static let routing = NotifyRouting(
    receivers: ["wecom", "sms", "mail"],
    routes: [
      NotifyRoute(
        name: "criticals", severities: [.critical], kinds: [.alert, .escalation], receivers: ["wecom", "sms"]),
      NotifyRoute(
        name: "warnings", severities: [.warning], kinds: [.alert], receivers: ["mail"],
        quietHours: QuietHours(startMinute: 23 * 60, endMinute: 7 * 60), groupWaitSeconds: 60,
        repeatIntervalMinutes: 30),
      NotifyRoute(name: "directives", kinds: [.directive], receivers: ["wecom"]),
      NotifyRoute(name: "handoffs", kinds: [.handoff], receivers: ["sms"]),
    ])

  func configured(at now: Instant = Harness.morning) throws -> Harness {
    var h = Harness(now: now)
    try h.run(.configureNotifications(Self.routing), actor: "cordon-notify")
    return h
  }

  func queued(_ events: [CordonEvent]) -> [Notice] {
    events.compactMap { if case .notificationQueued(let n) = $0 { n } else { nil } }
  }

  /// A warning alert candidate routed against `state` at `now`.
  func warning(
    kind: NotificationKind, severity: Severity, unit: String, rule: RuleID, subject: String, state: CordonState,
    now: Instant
  ) -> [CordonEvent] {
    Notifier.queue(
      [
        Notifier.Candidate(
          kind: kind, severity: severity, unit: unit, rule: rule, subject: subject, text: .init(zh: "库存", en: "stock"))
      ], state: state, now: now)
  }

  func testNothingIsQueuedWithoutRoutes() throws {
    var h = Harness()
    let events = try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    XCTAssertTrue(queued(events).isEmpty)
    XCTAssertTrue(h.state.notify.pending.isEmpty)
  }

  func testANewCriticalIsQueuedInItsOwnBatchDueAtOnce() throws {
    var h = try configured()
    let events = try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    let n = try XCTUnwrap(queued(events).first)
    XCTAssertEqual(queued(events).count, 1)
    XCTAssertEqual(n.kind, .alert)
    XCTAssertEqual(n.severity, .critical)
    XCTAssertEqual(n.route, "criticals")
    XCTAssertEqual(n.receivers, ["wecom", "sms"])
    XCTAssertEqual(n.due, h.now, "a critical never waits for a group")
    XCTAssertEqual(n.rule, .fever)
    XCTAssertTrue(n.text.zh.contains("张三"), n.text.zh)
    XCTAssertTrue(n.text.en.hasPrefix("Fever"), n.text.en)
    XCTAssertEqual(h.state.notify.queue(for: "sms").map(\.id), [n.id])
    XCTAssertEqual(h.state.notify.queue(for: "mail"), [])
  }

  func testRoutesMatchByUnitRuleAndKindAndAnEmptyFilterMatchesEverything() throws {
    var h = Harness()
    let routing = NotifyRouting(
      receivers: ["heat", "fever", "dirs", "all"],
      routes: [
        NotifyRoute(name: "heating", units: ["heating"], kinds: [.alert], receivers: ["heat"]),
        NotifyRoute(name: "fevers", rules: [.fever], receivers: ["fever"]),
        NotifyRoute(name: "dirs", kinds: [.directive], receivers: ["dirs"], groupWaitSeconds: 0),
        NotifyRoute(name: "all", receivers: ["all"], groupWaitSeconds: 0),
      ])
    try h.run(.configureNotifications(routing), actor: "cordon-notify")
    let heating = queued(try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385))))
      .filter { $0.rule == .fever }
    XCTAssertEqual(heating.map(\.route), ["heating", "fevers", "all"])
    XCTAssertTrue(heating.allSatisfy { $0.unit == "heating" && $0.kind == .alert }, "\(heating)")
    XCTAssertEqual(heating.map(\.receivers), [["heat"], ["fever"], ["all"]])
    let jinyuan = queued(
      try h.run(.recordFever(site: "jy-dongfeng", personName: "李四", reading: Celsius(tenths: 385)))
    ).filter { $0.rule == .fever }
    XCTAssertEqual(jinyuan.map(\.route), ["fevers", "all"], "another unit's alert skips the heating route")
    let directive = queued(
      try h.run(.issueDirective(text: "加强消毒", targets: ["heating"], deadline: h.now.adding(minutes: 60))))
    XCTAssertEqual(directive.map(\.route), ["dirs", "all"], "a directive is not an alert, nor of a rule")
    XCTAssertEqual(Set(directive.map(\.unit)), ["heating"])
  }

  func testCriticalsIgnoreQuietHoursWarningsWaitForTheirEnd() throws {
    // 23:30 local: inside 23:00–07:00.
    let late = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 23:30"))
    var h = try configured(at: late)
    let fever = queued(try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385))))
    XCTAssertEqual(fever.first?.due, late)
    let route = Self.routing.routes[1]
    let held = queued(
      warning(
        kind: .alert, severity: .warning, unit: "jy", rule: .stockLow, subject: "stockLow/jy/mask", state: h.state,
        now: late))
    XCTAssertEqual(held.map(\.route), [route.name])
    XCTAssertEqual(held.first.map { h.state.calendar.format($0.due) }, "2020-02-08 07:00")
  }

  func testWarningsGroupWithinTheWaitAndJoinAnOpenGroup() throws {
    var h = try configured()
    let first = queued(
      warning(
        kind: .alert, severity: .warning, unit: "jy", rule: .stockLow, subject: "a", state: h.state, now: h.now))
    XCTAssertEqual(first.first?.due, h.now.adding(seconds: 60))
    h.append(first.map { .notificationQueued($0) }, actor: "system", unit: nil)
    h.now = h.now.adding(seconds: 20)
    let second = queued(
      warning(
        kind: .alert, severity: .warning, unit: "rl", rule: .stockLow, subject: "b", state: h.state, now: h.now))
    XCTAssertEqual(second.first?.due, first.first?.due, "joins the group still waiting, not 60 s later")
    XCTAssertEqual(second.first?.id, "N\((first.first?.serial ?? 0) + 1)")
    h.append(second.map { .notificationQueued($0) }, actor: "system", unit: nil)
    // After the group left, a new warning starts a new group.
    h.now = h.now.adding(seconds: 60)
    let third = queued(
      warning(
        kind: .alert, severity: .warning, unit: "rl", rule: .stockLow, subject: "c", state: h.state, now: h.now))
    XCTAssertEqual(third.first?.due, h.now.adding(seconds: 60))
  }

  func testAnOpenAlertRepeatsAfterTheIntervalAndNotBefore() throws {
    var h = Harness()
    // Alerts only: an escalation notifying on the same route would restart the interval.
    let route = NotifyRoute(
      name: "r", severities: [.critical], kinds: [.alert], receivers: ["sms"], repeatIntervalMinutes: 60)
    try h.run(.configureNotifications(NotifyRouting(receivers: ["sms"], routes: [route])))
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    h.advance(minutes: 59)
    XCTAssertTrue(queued(h.housekeeping()).filter(\.isRepeat).isEmpty)
    h.advance(minutes: 1)
    let repeats = queued(h.housekeeping()).filter(\.isRepeat)
    XCTAssertEqual(repeats.map(\.route), ["r"])
    XCTAssertEqual(repeats.first?.subject, h.state.alerts.keys.first { $0.rule == .fever }?.description)
    h.advance(minutes: 30)
    XCTAssertTrue(queued(h.housekeeping()).filter(\.isRepeat).isEmpty, "once per interval")
    h.advance(minutes: 30)
    XCTAssertEqual(queued(h.housekeeping()).filter(\.isRepeat).count, 1)
  }

  func testRepeatsComeInAlertKeyOrderThenRouteOrder() throws {
    var h = Harness()
    let routes = ["a", "b"].map {
      NotifyRoute(name: $0, severities: [.critical], kinds: [.alert], receivers: ["sms"], repeatIntervalMinutes: 60)
    }
    try h.run(.configureNotifications(NotifyRouting(receivers: ["sms"], routes: routes)))
    for name in ["王五", "张三", "李四"] {
      try h.run(.recordFever(site: "ht-1", personName: name, reading: Celsius(tenths: 385)))
    }
    h.advance(minutes: 60)
    let repeats = queued(h.housekeeping()).filter(\.isRepeat)
    let keys = h.state.alerts.keys.filter { $0.rule == .fever }.sorted()
    XCTAssertEqual(keys.count, 3)
    XCTAssertEqual(repeats.map { "\($0.subject) \($0.route)" }, keys.flatMap { ["\($0) a", "\($0) b"] })
  }

  func testAnAcknowledgedAlertDoesNotRepeat() throws {
    var h = try configured()
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    let key = try XCTUnwrap(h.state.alerts.keys.first { $0.rule == .fever })
    try h.run(.acknowledgeAlert(key))
    h.advance(minutes: 300)
    XCTAssertTrue(queued(h.housekeeping()).filter(\.isRepeat).isEmpty)
  }

  func testEscalationNamesThePersonOnDutyAndTheirPhone() throws {
    var h = try configured()
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    var escalations: [Notice] = []
    for _ in 0..<60 where escalations.isEmpty {
      h.advance(minutes: 1)
      escalations = queued(h.housekeeping()).filter { $0.kind == .escalation }
    }
    let n = try XCTUnwrap(escalations.first)
    XCTAssertEqual(n.route, "criticals")
    let person = try XCTUnwrap(n.person)
    XCTAssertEqual(n.phone, h.state.people[person]?.phone)
    XCTAssertFalse(n.phone?.isEmpty ?? true)
    XCTAssertTrue(n.text.zh.contains(h.state.personName(person)), n.text.zh)
  }

  func testADirectiveNotifiesEachTargetUnit() throws {
    var h = try configured()
    let units = Array(h.state.unitOrder.prefix(2))
    let events = try h.run(.issueDirective(text: "加强消毒", targets: units, deadline: h.now.adding(minutes: 60)))
    let n = queued(events)
    XCTAssertEqual(n.map(\.unit), units)
    XCTAssertEqual(Set(n.map(\.kind)), [.directive])
    XCTAssertTrue(n.allSatisfy { $0.text.zh.contains("加强消毒") })
  }

  func testAHandoffReminderGoesOnce15MinutesBeforeTheShift() throws {
    var h = try configured()
    let next = try XCTUnwrap(h.state.shifts.values.filter { $0.start > h.now }.min { $0.start < $1.start })
    h.now = next.start.adding(minutes: -16)
    XCTAssertTrue(queued(h.housekeeping()).filter { $0.subject == "handoff/\(next.id)" }.isEmpty)
    h.now = next.start.adding(minutes: -15)
    let reminders = queued(h.housekeeping()).filter { $0.subject == "handoff/\(next.id)" }
    XCTAssertEqual(reminders.count, 1)
    XCTAssertEqual(reminders.first?.person, next.person)
    XCTAssertEqual(reminders.first?.phone, h.state.people[next.person]?.phone)
    h.now = next.start.adding(minutes: -5)
    XCTAssertTrue(queued(h.housekeeping()).filter { $0.subject == "handoff/\(next.id)" }.isEmpty)
  }

  func testDeliveredRemovesFromTheOutboxOnceAndFailuresAreJournalledSparingly() throws {
    var h = try configured()
    let n = try XCTUnwrap(
      queued(try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))).first)
    var journalled: [Int] = []
    for attempt in 1...20 {
      let e = try h.run(
        .recordDeliveries([.failed(id: n.id, receiver: "sms", attempt: attempt, error: "HTTP 500")]),
        actor: "cordon-notify")
      if !e.isEmpty { journalled.append(attempt) }
    }
    XCTAssertEqual(journalled, [1, 2, 4, 8, 16])
    XCTAssertEqual(h.state.notify.pending[n.id]?.attempts["sms"], 16)
    XCTAssertEqual(h.state.notify.receivers["sms"]?.lastError, "HTTP 500")
    XCTAssertEqual(
      try h.run(.recordDeliveries([.delivered(id: n.id, receiver: "wecom", attempt: 1)])).count, 1)
    XCTAssertEqual(h.state.notify.pending[n.id]?.remaining, ["sms"])
    try h.run(.recordDeliveries([.delivered(id: n.id, receiver: "sms", attempt: 17)]))
    XCTAssertNil(h.state.notify.pending[n.id])
    XCTAssertNil(h.state.notify.receivers["sms"]?.failingSince)
    XCTAssertTrue(
      try h.run(.recordDeliveries([.delivered(id: n.id, receiver: "sms", attempt: 17)])).isEmpty,
      "a repeated report changes nothing")
  }

  /// What the sender gathered goes as one command: each outcome decided
  /// against the state, a delivery reported twice in the list counted once,
  /// and a failure after its own delivery in the list ignored.
  func testSeveralOutcomesInOneCommandEqualThemOneByOne() throws {
    var h = try configured()
    var notices: [Notice] = []
    for name in ["张三", "李四"] {
      notices += queued(try h.run(.recordFever(site: "ht-1", personName: name, reading: Celsius(tenths: 385))))
    }
    XCTAssertEqual(notices.count, 2)
    let a = notices[0].id
    let b = notices[1].id
    var oneByOne = h
    let outcomes: [DeliveryOutcome] = [
      .delivered(id: a, receiver: "sms", attempt: 1), .failed(id: b, receiver: "sms", attempt: 1, error: "HTTP 500"),
      .delivered(id: a, receiver: "sms", attempt: 1), .failed(id: a, receiver: "sms", attempt: 2, error: "late"),
      .delivered(id: b, receiver: "wecom", attempt: 1),
    ]
    let events = try h.run(.recordDeliveries(outcomes), actor: "cordon-notify")
    XCTAssertEqual(
      events,
      [
        .notificationDelivered(id: a, receiver: "sms", attempt: 1),
        .notificationFailed(id: b, receiver: "sms", attempt: 1, error: "HTTP 500"),
        .notificationDelivered(id: b, receiver: "wecom", attempt: 1),
      ])
    for o in outcomes { try oneByOne.run(.recordDeliveries([o]), actor: "cordon-notify") }
    XCTAssertEqual(h.state.notify, oneByOne.state.notify)
    XCTAssertThrowsError(
      try h.run(
        .recordDeliveries(
          Array(repeating: .delivered(id: a, receiver: "sms", attempt: 1), count: Limits.deliveryOutcomes + 1)),
        actor: "cordon-notify"))
  }

  func testAReceiverFailingTenMinutesRaisesAnAlertThatClearsOnDelivery() throws {
    var h = try configured()
    let n = try XCTUnwrap(
      queued(try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))).first)
    try h.run(.recordDeliveries([.failed(id: n.id, receiver: "sms", attempt: 1, error: "timed out")]))
    h.advance(minutes: 9)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.receiverFailing, "sms"))
    h.advance(minutes: 1)
    _ = h.housekeeping()
    let alert = try XCTUnwrap(h.alert(.receiverFailing, "sms"))
    XCTAssertTrue(alert.isActive)
    XCTAssertTrue(alert.message(h.state, Strings(.en)).contains("timed out"))
    try h.run(.recordDeliveries([.delivered(id: n.id, receiver: "sms", attempt: 2)]))
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.receiverFailing, "sms")?.isActive, false)
  }

  func testServerOnlyCommandsAreRefusedToEveryRoleAndTestNeedsAKnownReceiver() throws {
    let h = try configured()
    for role in Role.allCases {
      let p = Principal(user: "u", role: role, units: ["jy"])
      for c: CordonCommand in [
        .recordDeliveries([.delivered(id: "N1", receiver: "sms", attempt: 1)]),
        .configureNotifications(NotifyRouting()),
        .batch([.recordDeliveries([.delivered(id: "N1", receiver: "sms", attempt: 1)])]),
      ] {
        XCTAssertEqual(Authorization.check(c, by: p, in: h.state)?.code, "auth.serverOnly", "\(role)")
      }
    }
    XCTAssertNil(
      Authorization.check(
        .testNotification(receiver: "sms"), by: .init(user: "z", role: .command, units: []), in: h.state))
    XCTAssertNotNil(
      Authorization.check(
        .testNotification(receiver: "sms"), by: .init(user: "l", role: .operator, units: ["jy"]), in: h.state))
    let r = try XCTUnwrap(h.refusal(.testNotification(receiver: "nope")))
    XCTAssertEqual(r.code, "notify.unknownReceiver")
    XCTAssertEqual(r.commandField, .receiver)
    let long = try XCTUnwrap(h.refusal(.testNotification(receiver: String(repeating: "x", count: 65))))
    XCTAssertEqual(long.code, "field.tooLong")
    XCTAssertEqual(long.commandField, .receiver)
    XCTAssertEqual(
      try CommandJSON.decode(#"{"type":"notifyTest","receiver":"sms"}"#, calendar: h.state.calendar),
      .testNotification(receiver: "sms"))
  }

  func testTheOutboxReplaysExactly() throws {
    var h = try configured()
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    try h.run(.testNotification(receiver: "mail"))
    h.advance(minutes: 300)
    _ = h.housekeeping()
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    XCTAssertEqual(replayed.notify, h.state.notify)
    let ids = h.state.notify.pending.values.map(\.notification.serial).sorted()
    XCTAssertEqual(ids, Array(1...ids.count), "ids are gap-free and unique")
  }

  func testQuietHoursWrapPastMidnight() {
    let q = QuietHours(startMinute: 23 * 60, endMinute: 7 * 60)
    XCTAssertTrue(q.contains(minuteOfDay: 23 * 60))
    XCTAssertTrue(q.contains(minuteOfDay: 3 * 60))
    XCTAssertFalse(q.contains(minuteOfDay: 7 * 60))
    XCTAssertFalse(q.contains(minuteOfDay: 12 * 60))
    let day = QuietHours(startMinute: 12 * 60, endMinute: 13 * 60)
    XCTAssertTrue(day.contains(minuteOfDay: 12 * 60 + 30))
    XCTAssertFalse(day.contains(minuteOfDay: 11 * 60))
  }

  /// The last-queued times stay bounded: past the limit, entries over two
  /// days old go, and recent ones stay however many there are.
  func testLastQueuedTimesOlderThanTwoDaysArePrunedPastTheLimit() {
    var notify = NotifyState()
    let now = Instant(milliseconds: 1_580_000_000_000)
    func queue(_ i: Int, at t: Instant) {
      notify.apply(
        .notificationQueued(
          Notice(
            id: "N\(i)", kind: .alert, severity: .critical, unit: "u", rule: .fever, subject: "fever/s\(i)",
            text: LocalizedName(zh: "发热", en: "Fever"), route: "r", receivers: ["a"], due: t, queuedAt: t)),
        at: t)
    }
    let old = now.adding(minutes: -3 * 24 * 60)
    for i in 1...NotifyState.lastQueuedLimit { queue(i, at: old) }
    XCTAssertEqual(notify.lastQueued.count, NotifyState.lastQueuedLimit, "at the limit nothing goes")
    var i = NotifyState.lastQueuedLimit
    while notify.lastQueued.count > 64 {
      i += 1
      queue(i, at: now)
      XCTAssertLessThanOrEqual(i, NotifyState.lastQueuedLimit + 64, "the old entries went within 64 more")
      if i > NotifyState.lastQueuedLimit + 64 { break }
    }
    XCTAssertTrue(notify.lastQueued.allSatisfy { $0.value == now }, "only the recent ones are left")
    XCTAssertEqual(notify.lastQueued["r|fever/s\(i)"], now)
    for k in 1...2 * NotifyState.lastQueuedLimit { queue(i + k, at: now) }
    XCTAssertEqual(notify.lastQueued.count, (i - NotifyState.lastQueuedLimit) + 2 * NotifyState.lastQueuedLimit)
  }
}
