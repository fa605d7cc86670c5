import CordonModel
import EventSourcing
import Foundation
import XCTest

/// Issue 14 item 2: pruning is a journalled daily event decided by the
/// store's clock (`retentionApplied`), never the newest event's time.
final class RetentionTests: XCTestCase {
  /// What a property run keeps: the state as the store folds it, and the
  /// same records folded without any pruning, to compare against.
  struct Run {
    var pruned = CordonState()
    var never = CordonState()
    var journal: [EventRecord<CordonEvent>] = []
    var greatestClock = Instant(milliseconds: .min)

    mutating func append(_ e: CordonEvent, at t: Instant, actor: String = "t") {
      let r = EventRecord(
        seq: UInt64(journal.count + 1), time: t, actor: actor, unit: nil, commandID: nil, event: e)
      journal.append(r)
      pruned.apply(r)
      if case .retentionApplied = e { return }
      never.apply(r)
    }

    /// Housekeeping's retention step at the store's clock `now`.
    mutating func housekeeping(at now: Instant) {
      greatestClock = max(greatestClock, now)
      if let e = pruned.retentionDue(at: now) { append(e, at: now, actor: "system") }
    }
  }

  static let base = Harness.morning
  static let day: Int64 = 24 * 60

  /// One random event stamped `t`: a handover, a fever, a health entry, a
  /// shift, an alert raised and one resolved, a duty log entry with or
  /// without a follow-up.
  static func randomEvent(_ run: inout Run, at t: Instant, _ rng: inout SeededRandom, n: Int) {
    let cal = run.pruned.calendar
    let units = ["heating", "jinyuan", "hq"]
    let unit = units[Int.random(in: 0..<units.count, using: &rng)]
    switch Int.random(in: 0..<7, using: &rng) {
    case 0: run.append(.handoverWritten(HandoverNote(unit: unit, at: t, author: "p", text: "交接 \(n)")), at: t)
    case 1:
      run.append(
        .feverRecorded(
          FeverCase(id: "f\(n)", site: "ht-1", personName: "张三", reading: Celsius(tenths: 380), at: t)), at: t)
    case 2:
      run.append(
        .healthRegistered(
          HealthEntry(
            person: "p\(n % 17)", day: cal.day(of: t), category: .onDuty, morningCheck: nil, travellerContact: false,
            remarks: "")), at: t)
    case 3:
      run.append(
        .shiftAssigned(
          Shift(
            id: "s\(n)", unit: unit, site: nil, role: .officer, person: "p\(n % 17)", start: t,
            end: t.adding(minutes: 8 * 60), noShow: false, cancelled: false)), at: t)
    case 4:
      let key = AlertKey(rule: .followUpOverdue, subject: "a\(n % 40)")
      run.append(
        .alertRaised(
          AlertRaise(
            key: key, severity: .warning, unit: unit, site: nil, args: [], occurrence: t, autoResolves: false)),
        at: t)
    case 5:
      let open = run.pruned.alerts.values.filter { $0.state != .resolved }.map(\.key).sorted()
      if let key = open.randomElement(using: &rng) { run.append(.alertResolved(key: key, note: "ok"), at: t) }
    default:
      let follow = Bool.random(using: &rng) ? FollowUp(due: t.adding(minutes: 60), owner: "p") : nil
      run.append(
        .logEntered(
          LogEntry(
            id: "l\(n)", unit: unit, at: t, by: "p", channel: .phone, from: "x", text: "记录 \(n)", action: "",
            significant: false, followUp: follow)), at: t)
    }
  }

  /// Everything that is inside its retention at `horizon` (the start of the
  /// first day the state still holds in full), as comparable values.
  static func retained(_ s: CordonState, from horizon: Instant, day horizonDay: Int) -> [String] {
    var out: [String] = []
    out += s.handovers.filter { $0.at >= horizon }.map { "h \($0.unit) \($0.at.milliseconds) \($0.text)" }
    out += s.feverCases.filter { $0.at >= horizon }.map { "f \($0.id) \($0.at.milliseconds)" }
    out += s.health.filter { $0.key >= horizonDay }.flatMap { d in d.value.keys.map { "r \(d.key) \($0)" } }.sorted()
    out += s.shifts.values.filter { $0.end >= horizon }.map { "s \($0.id) \($0.start.milliseconds)" }.sorted()
    out += s.alerts.values.filter { $0.state != .resolved || ($0.resolvedAt ?? horizon) >= horizon }
      .map { "a \($0.key) \($0.state) \($0.number)" }.sorted()
    out += s.dutyLog.values.filter { $0.hasOpenFollowUp || $0.at >= horizon }.map { "l \($0.id)" }.sorted()
    return out
  }

  /// The property: over bounded random sequences — the store's clock
  /// stepping forward by minutes to two days and now and then set back up to
  /// 30 days, events now and then stamped up to 400 days ahead or 60 behind
  /// it — nothing still inside its retention is ever missing from the state,
  /// pruning never runs ahead of the store's clock, and a replay of the
  /// journal (from scratch, or from a snapshot taken anywhere) is the state.
  func testNoSequenceOfEventsLosesStateInsideItsRetention() throws {
    let cases = Int(ProcessInfo.processInfo.environment["CORDON_PROPERTY_CASES"] ?? "") ?? 300
    var pruneEvents = 0
    var jumps = 0
    for seed in 1...UInt64(cases) {
      var rng = SeededRandom(seed: seed)
      var run = Run()
      for e in DemoOrganisation.registration() { run.append(e, at: Self.base, actor: "demo") }
      var clock = Self.base
      let steps = Int.random(in: 20...160, using: &rng)
      for n in 0..<steps {
        if Int.random(in: 0..<25, using: &rng) == 0 {
          clock = clock.adding(minutes: -Int64.random(in: 1...30, using: &rng) * Self.day)
        } else {
          clock = clock.adding(minutes: Int64.random(in: 0...(2 * Self.day), using: &rng))
        }
        var stamp = clock
        switch Int.random(in: 0..<12, using: &rng) {
        case 0:
          stamp = clock.adding(minutes: Int64.random(in: 1...400, using: &rng) * Self.day)
          jumps += 1
        case 1: stamp = clock.adding(minutes: -Int64.random(in: 1...60, using: &rng) * Self.day)
        default: break
        }
        Self.randomEvent(&run, at: stamp, &rng, n: n)
        if Int.random(in: 0..<3, using: &rng) == 0 { run.housekeeping(at: clock) }
      }
      run.housekeeping(at: clock)
      let cal = run.pruned.calendar
      let from = try XCTUnwrap(run.pruned.retainedFromDay, "seed \(seed): housekeeping ran")
      XCTAssertLessThanOrEqual(
        run.pruned.lastPrunedDay, cal.day(of: run.greatestClock), "seed \(seed): pruned ahead of the store's clock")
      XCTAssertEqual(
        run.pruned.lastPrunedDay - CordonState.retentionDays, from, "seed \(seed): the retained window")
      let horizon = cal.startOfDay(from)
      XCTAssertEqual(
        Self.retained(run.pruned, from: horizon, day: from), Self.retained(run.never, from: horizon, day: from),
        "seed \(seed): state inside its retention was lost")
      pruneEvents += run.journal.filter { if case .retentionApplied = $0.event { true } else { false } }.count

      // Deterministic replay: from scratch, and from a snapshot in the middle.
      var replayed = CordonState()
      for r in run.journal { replayed.apply(r) }
      XCTAssertEqual(replayed, run.pruned, "seed \(seed): replay")
      let cut = Int.random(in: 0..<run.journal.count, using: &rng)
      var head = CordonState()
      for r in run.journal.prefix(cut) { head.apply(r) }
      var resumed = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(head))
      for r in run.journal.dropFirst(cut) { resumed.apply(r) }
      XCTAssertEqual(resumed, run.pruned, "seed \(seed): snapshot at \(cut) plus the tail")
    }
    XCTAssertGreaterThan(pruneEvents, cases, "pruning was exercised")
    XCTAssertGreaterThan(jumps, cases, "stamps far ahead were exercised")
  }

  /// The case, through the real decide/apply: one handover stamped
  /// 400 days ahead, then normal work and housekeeping by the right clock,
  /// loses no shift, handover, health entry or fever case.
  func testOneEventFromAClockFarAheadPrunesNothing() throws {
    var h = Harness()
    h.advance(minutes: 60)
    try h.run(.writeHandover(unit: "heating", text: "早班交接"))
    try h.run(.recordFever(site: "ht-1", personName: "李四", reading: Celsius(tenths: 381)))
    _ = h.housekeeping()
    let before = (h.state.shifts.count, h.state.handovers.count, h.state.feverCases.count, h.state.health.count)
    let clock = h.now
    h.now = clock.adding(minutes: 400 * Self.day)
    try h.run(.writeHandover(unit: "heating", text: "x"))
    h.now = clock.adding(minutes: 5)
    try h.run(.writeHandover(unit: "heating", text: "正常"))
    _ = h.housekeeping()
    XCTAssertEqual(h.state.shifts.count, before.0, "no shift lost")
    XCTAssertEqual(h.state.handovers.count, before.1 + 2, "no handover lost")
    XCTAssertEqual(h.state.feverCases.count, before.2)
    XCTAssertEqual(h.state.health.count, before.3)
    XCTAssertEqual(h.state.lastPrunedDay, h.state.calendar.day(of: clock), "pruned for the store's day only")
    // Once a day: the next housekeeping that day journals nothing more.
    XCTAssertFalse(h.housekeeping().contains { if case .retentionApplied = $0 { true } else { false } })
  }
}
