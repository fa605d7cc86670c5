import CordonModel
import EventSourcing
import XCTest

/// The incremental rules against the whole evaluation, their oracle: over
/// random command sequences (seeded, so a failure repeats) with the clock
/// moving and housekeeping running, every command's events, alert events
/// included, are those the whole evaluation gives on the same state.
final class RuleEquivalenceTests: XCTestCase {
  func testIncrementalDecideEqualsTheWholeEvaluationOverRandomCommands() throws {
    for seed in UInt64(1)...6 {
      var h = Harness()
      var rng = SeededRandom(seed: seed)
      // Half the runs with notification routes, so notices follow the alerts.
      if seed % 2 == 0 { try h.run(.configureNotifications(NotifierTests.routing), actor: "cordon-notify") }
      var decided = 0
      for step in 0..<260 {
        if Int.random(in: 0..<4, using: &rng) == 0 { h.advance(minutes: Int64.random(in: 1...180, using: &rng)) }
        if step % 90 == 89 {
          // A state read back from its encoding has no rule index until a store builds it.
          h.state = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(h.state))
          XCTAssertFalse(h.state.ruleIndex.isBuilt)
        }
        let command = RandomCommands.next(in: h.state, now: h.now, step: step, using: &rng)
        let context = CommandContext(actor: "p\(step % 4)", unit: nil, now: h.now)
        let whole = Result { () throws(Refusal) in
          try CordonDomain.decideByFullEvaluation(command, context: context, state: h.state)
        }
        let incremental = Result { () throws(Refusal) in
          try CordonDomain.decide(command, context: context, state: h.state)
        }
        // The store's way: applied in place, the rule index built.
        var tentative = h.state
        let first = h.state.lastSeq + 1
        let inPlace = Result { () throws(Refusal) in
          try CordonDomain.decide(command, context: context, applyingTo: &tentative) { i, e in
            EventRecord(
              seq: first + UInt64(i), time: context.now, actor: context.actor, unit: nil, commandID: nil, event: e)
          }
        }
        switch (incremental, inPlace, whole) {
        case (.success(let a), .success(let b), .success(let w)):
          XCTAssertEqual(a, w, "seed \(seed) step \(step): \(command)")
          XCTAssertEqual(b, w, "seed \(seed) step \(step): \(command)")
          h.append(w, actor: context.actor, unit: nil)
          XCTAssertEqual(tentative, h.state, "seed \(seed) step \(step): applied in place as the store applies")
          decided += 1
        case (.failure(let a), .failure(let b), .failure(let w)):
          XCTAssertEqual(a, w, "seed \(seed) step \(step)")
          XCTAssertEqual(b, w, "seed \(seed) step \(step)")
        default:
          XCTFail("seed \(seed) step \(step): \(incremental), \(inPlace) against \(whole)")
        }
        if Int.random(in: 0..<5, using: &rng) == 0 { _ = h.housekeeping() }
      }
      XCTAssertGreaterThan(decided, 100, "seed \(seed): most random commands are accepted")
      XCTAssertFalse(h.state.alerts.isEmpty, "seed \(seed)")
      if seed % 2 == 0 { XCTAssertGreaterThan(h.state.notify.serial, 0, "seed \(seed): notices were queued") }
    }
  }

  /// The clock passes against the whole evaluation: a state kept as the
  /// store keeps its tentative one (commands decided in place, clock passes
  /// through the due-time queue, read back from its encoding now and then,
  /// which unarms the queue) beside the oracle's, over random commands and
  /// random clock moves (minutes, hours, across midnights, now and then
  /// back), with a clock pass after most commands.
  func testClockPassesThroughTheDueQueueEqualTheWholeEvaluation() throws {
    for seed in UInt64(11)...16 {
      var h = Harness()
      var rng = SeededRandom(seed: seed)
      if seed % 2 == 0 { try h.run(.configureNotifications(NotifierTests.routing), actor: "cordon-notify") }
      var live = h.state
      var passes = 0
      var eventful = 0
      var queued = 0
      for step in 0..<300 {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0...4: h.advance(minutes: Int64.random(in: 1...45, using: &rng))
        case 5: h.advance(minutes: Int64.random(in: 120...1_600, using: &rng))
        case 6: h.advance(minutes: -Int64.random(in: 1...30, using: &rng))
        default: break
        }
        if step % 100 == 99 {
          live = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(live))
          XCTAssertFalse(live.ruleIndex.due.isArmed)
        }
        let command = RandomCommands.next(in: h.state, now: h.now, step: step, using: &rng)
        let context = CommandContext(actor: "p\(step % 4)", unit: nil, now: h.now)
        let whole = Result { () throws(Refusal) in
          try CordonDomain.decideByFullEvaluation(command, context: context, state: h.state)
        }
        let first = live.lastSeq + 1
        let inPlace = Result { () throws(Refusal) in
          try CordonDomain.decide(command, context: context, applyingTo: &live) { i, e in
            EventRecord(
              seq: first + UInt64(i), time: context.now, actor: context.actor, unit: nil, commandID: nil, event: e)
          }
        }
        switch (inPlace, whole) {
        case (.success(let a), .success(let w)):
          XCTAssertEqual(a, w, "seed \(seed) step \(step): \(command)")
          h.append(w, actor: context.actor, unit: nil)
        case (.failure(let a), .failure(let w)):
          XCTAssertEqual(a, w, "seed \(seed) step \(step)")
        default:
          XCTFail("seed \(seed) step \(step): \(inPlace) against \(whole)")
        }
        guard Int.random(in: 0..<4, using: &rng) != 0 else { continue }
        if live.ruleIndex.due.isArmed { queued += 1 }
        let expected = CordonDomain.housekeeping(state: h.state, now: h.now)
        let got = CordonDomain.housekeeping(updating: &live, now: h.now)
        XCTAssertEqual(got, expected, "seed \(seed) step \(step): the clock pass at \(h.state.calendar.format(h.now))")
        passes += 1
        if !expected.isEmpty { eventful += 1 }
        h.append(expected, actor: "system", unit: nil)
        for e in expected {
          live.apply(
            EventRecord(seq: live.lastSeq + 1, time: h.now, actor: "system", unit: nil, commandID: nil, event: e))
        }
      }
      XCTAssertEqual(live, h.state, "seed \(seed)")
      XCTAssertGreaterThan(eventful, 40, "seed \(seed): of \(passes) passes, many raise, clear or escalate")
      XCTAssertGreaterThan(queued, passes / 2, "seed \(seed): most passes are served by the armed queue")
    }
  }

  /// A person's shifts through the index equal a scan of them all, over
  /// random assignments, cancellations and swaps (which move a shift to
  /// another person), and again on the state read back and its index rebuilt.
  func testAPersonsShiftsThroughTheIndexEqualAScan() throws {
    func scan(_ s: CordonState, _ person: String) -> [String] {
      s.shifts.values.filter { $0.person == person }.map(\.id).sorted()
    }
    var swaps = 0
    for seed in UInt64(1)...4 {
      var h = Harness()
      var rng = SeededRandom(seed: seed)
      for step in 0..<400 {
        if Int.random(in: 0..<4, using: &rng) == 0 { h.advance(minutes: Int64.random(in: 1...180, using: &rng)) }
        let command = RandomCommands.next(in: h.state, now: h.now, step: step, using: &rng)
        guard (try? h.run(command, actor: "p\(step % 4)")) != nil else { continue }
        if case .swapShifts = command { swaps += 1 }
        XCTAssertTrue(h.state.ruleIndex.isBuilt)
        for person in h.state.people.keys {
          XCTAssertEqual(
            h.state.shifts(ofPerson: person).map(\.id).sorted(), scan(h.state, person), "seed \(seed) step \(step)")
        }
        roleLookupsEqualAScan(h.state, around: h.now, "seed \(seed) step \(step)")
      }
      roleLookupsEqualAScan(
        try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(h.state)), around: h.now,
        "seed \(seed), decoded: unbuilt")
      var decoded = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(h.state))
      decoded.buildRuleIndex()
      for person in h.state.people.keys {
        XCTAssertEqual(decoded.shifts(ofPerson: person).map(\.id).sorted(), scan(h.state, person), "seed \(seed)")
      }
      XCTAssertGreaterThan(h.state.shifts.count, 10, "seed \(seed): random commands assign shifts")
    }
    XCTAssertGreaterThan(swaps, 0, "some random swaps were accepted")
  }

  /// A unit's shifts in a role that have not ended, every shift not ended
  /// (handoff reminders), and the last end before a moment, through the
  /// index (coverage, its clock, escalation)
  /// against a scan, at moments before, at and after `now`.
  private func roleLookupsEqualAScan(_ state: CordonState, around now: Instant, _ at: String) {
    for t in [now.adding(minutes: -300), now, now.adding(minutes: 120)] {
      XCTAssertEqual(
        state.shifts(endingAfter: t).map(\.id), state.shifts.values.filter { $0.end > t }.map(\.id).sorted(),
        "\(at): every shift not ended")
    }
    for unit in state.units.keys {
      for role in DutyRole.allCases {
        let theirs = state.shifts.values.filter { $0.unit == unit && $0.role == role }
        for t in [now.adding(minutes: -300), now.adding(minutes: -1), now, now.adding(minutes: 120)] {
          XCTAssertEqual(
            state.shifts(ofUnit: unit, role: role, endingAfter: t).map(\.id),
            theirs.filter { $0.end > t }.sorted { ($0.end, $0.id) < ($1.end, $1.id) }.map(\.id), "\(at) \(unit)/\(role)"
          )
          for ahead in [Int64(0), 120, 1_440] {
            let horizon = t.adding(minutes: ahead)
            XCTAssertEqual(
              state.shifts(ofUnit: unit, role: role, endingAfter: t, startingBy: horizon).map(\.id),
              theirs.filter { $0.end > t && $0.start <= horizon }.sorted { ($0.end, $0.id) < ($1.end, $1.id) }.map(
                \.id), "\(at) \(unit)/\(role) starting within \(ahead) min")
          }
          // The coverage rule's next change: the first start or end, or either
          // less the look-ahead, after `t`, of any counted shift.
          let lookahead = Int64(state.settings.coverageLookaheadMinutes)
          let changes = theirs.filter(\.counts).flatMap {
            [$0.start, $0.end, $0.start.adding(minutes: -lookahead), $0.end.adding(minutes: -lookahead)]
          }
          XCTAssertEqual(
            RoleCoverageRule().nextChange(of: "\(unit)/\(role.rawValue)", in: state, after: t),
            changes.filter { $0 > t }.min(), "\(at) \(unit)/\(role): next change")
          let last = theirs.filter { $0.counts && $0.end <= t }.map(\.end).max() ?? Instant(milliseconds: 0)
          XCTAssertEqual(
            state.lastCountedEnd(ofUnit: unit, role: role, atOrBefore: t), last, "\(at) \(unit)/\(role)")
        }
      }
    }
  }

  func testTheRuleIndexIsNeitherEncodedNorCompared() throws {
    var h = Harness()
    try h.run(.recordFever(site: "jy-cangcheng", personName: "王芳", reading: Celsius(tenths: 386)))
    let data = try JSONEncoder().encode(h.state)
    XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("ruleIndex"))
    var decoded = try JSONDecoder().decode(CordonState.self, from: data)
    XCTAssertFalse(decoded.ruleIndex.isBuilt)
    XCTAssertEqual(decoded, h.state)
    decoded.buildRuleIndex()
    XCTAssertTrue(decoded.ruleIndex.isBuilt)
    XCTAssertEqual(decoded, h.state)
  }
}

/// Commands a duty room sends, picked at random from what the state holds.
enum RandomCommands {
  static func next(in s: CordonState, now: Instant, step: Int, using rng: inout SeededRandom) -> CordonCommand {
    func pick<T>(_ xs: [T]) -> T? { xs.randomElement(using: &rng) }
    let sites = s.orderedSites.map(\.id)
    let units = s.orderedUnits.map(\.id)
    let items = s.orderedItems.map(\.id)
    let people = s.people.keys.sorted()
    let shifts = s.shifts.keys.sorted()
    let alerts = s.alerts.keys.sorted()
    let site = pick(sites) ?? "none"
    let unit = pick(units) ?? "none"
    let item = pick(items) ?? "none"
    let q = Quantity(Int64.random(in: 1...40, using: &rng))
    let names = ["王芳", "李雷", "张伟", "陈静"]
    switch Int.random(in: 0..<32, using: &rng) {
    case 30, 31:
      // A batch touches several subjects of one rule at once.
      return .batch(
        (0..<Int.random(in: 2...4, using: &rng)).map { i in
          switch Int.random(in: 0..<3, using: &rng) {
          case 0:
            .recordFever(site: pick(sites) ?? site, personName: names[i % names.count], reading: Celsius(tenths: 385))
          case 1: .recordRound(site: pick(sites) ?? site, checked: 5, fevers: 0, acceptMissingCases: true)
          default: .issueStock(unit: pick(units) ?? unit, item: pick(items) ?? item, quantity: q, reason: "r")
          }
        })
    case 0, 1, 2:
      return .recordFever(
        site: site, personName: pick(names) ?? "x", reading: Celsius(tenths: Int.random(in: 365...395, using: &rng)))
    case 3, 4: return .recordRound(site: site, checked: 10, fevers: 0, acceptMissingCases: true)
    case 5: return .recordDisinfection(site: site, area: "门厅", agent: "84", by: "p")
    case 6: return Bool.random(using: &rng) ? .closeSite(site: site) : .openSite(site: site, staff: 2)
    case 7: return .receiveStock(unit: unit, item: item, quantity: q, kind: .purchase, reason: "r")
    case 8: return .issueStock(unit: unit, item: item, quantity: q, reason: "r")
    case 9: return .transferStock(from: unit, to: pick(units) ?? unit, item: item, quantity: q, reason: "r")
    case 10: return .setMinimum(unit: unit, item: item, minimum: Quantity(Int64.random(in: 0...60, using: &rng)))
    case 11: return .countStock(unit: unit, item: item, counted: q, reason: .found)
    case 12:
      // Mostly around now; one in four days ahead and up to a day long, so the
      // coverage rule's reads bounded by the longest shift are checked too.
      let far = Int.random(in: 0..<4, using: &rng) == 0
      let start = now.adding(minutes: Int64.random(in: far ? -1_440...4_320 : -120...240, using: &rng))
      return .assignShift(
        unit: unit, site: nil, role: pick(DutyRole.allCases) ?? .officer, person: pick(people) ?? "x", start: start,
        end: start.adding(minutes: Int64.random(in: far ? 60...1_440 : 60...480, using: &rng)), confirmShortRest: true)
    case 13: return .cancelShift(shift: pick(shifts) ?? "x", reason: "调班")
    case 14: return .markNoShow(shift: pick(shifts) ?? "x")
    case 15: return .signIn(shift: pick(shifts) ?? "x")
    case 16: return .swapShifts(pick(shifts) ?? "x", pick(shifts) ?? "y")
    case 17: return .acknowledgeAlert(pick(alerts) ?? AlertKey(rule: .fever, subject: "x"))
    case 18: return .resolveAlert(pick(alerts) ?? AlertKey(rule: .fever, subject: "x"), note: "处置")
    case 19: return .silenceAlert(pick(alerts) ?? AlertKey(rule: .fever, subject: "x"), minutes: 30, reason: "r")
    case 20:
      let targets = Array(Set((0..<Int.random(in: 1...3, using: &rng)).compactMap { _ in pick(units) })).sorted()
      return .issueDirective(
        text: "指令 \(step)", targets: targets, deadline: now.adding(minutes: Int64.random(in: 5...90, using: &rng)))
    case 21:
      let d = pick(s.directives.values.sorted { $0.id < $1.id })
      return .acknowledgeDirective(id: d?.id ?? "x", unit: d.flatMap { pick($0.targets) } ?? unit)
    case 22:
      return .logEntry(
        unit: unit, channel: .phone, from: "", text: "记录 \(step)", action: "", significant: false,
        followUpDue: now.adding(minutes: Int64.random(in: 5...120, using: &rng)), owner: "")
    case 23:
      let open = s.dutyLog.values.filter(\.hasOpenFollowUp).map(\.id).sorted()
      return .closeFollowUp(entry: pick(open) ?? "x", note: "办结")
    case 24:
      return .reportUp(
        unit: unit, priority: pick([.routine, .urgent, .immediate]) ?? .urgent, text: "报告 \(step)", ref: nil)
    case 25: return .acknowledgeReport(id: pick(s.reports.keys.sorted()) ?? "x")
    case 26: return .writeHandover(unit: unit, text: "交接 \(step)")
    case 27:
      let open = s.handovers.filter { $0.confirmation == nil }.map(\.id)
      return .confirmHandover(handover: pick(open) ?? "x", queries: [])
    case 28:
      return .registerHealth(
        person: pick(people) ?? "x", day: s.calendar.day(of: now) + Int.random(in: -1...1, using: &rng),
        category: .onDuty, morningCheck: Celsius(tenths: Int.random(in: 360...390, using: &rng)),
        travellerContact: false, remarks: "")
    default:
      // Now and then a setting the rules read, or a person's name.
      if Bool.random(using: &rng) {
        return .changeSettings(
          SettingsChanges(
            feverThreshold: Celsius(tenths: Int.random(in: 372...378, using: &rng)),
            signInGraceMinutes: Int.random(in: 5...30, using: &rng)))
      }
      return .updatePerson(id: pick(people) ?? "x", PersonChanges(name: "改名\(step)"), confirm: true)
    }
  }
}
