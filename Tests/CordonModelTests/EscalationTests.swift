import CordonModel
import EventSourcing
import Foundation
import XCTest

/// Escalation along the live roster (issue 16 item 5): an unacknowledged
/// critical alert goes to the unit's 值班人员, 值班经理, 带班领导, then HQ's
/// duty room, each step naming who is on duty then, with their phone.
final class EscalationTests: XCTestCase {
  static let key = AlertKey(rule: .fever, subject: "jy-dongfeng/赵六")

  /// A critical fever at jinyuan at 08:00, when the 08:00 shifts have signed in.
  static func fever() throws -> Harness {
    var h = Harness()
    try h.run(.recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 390)), actor: "jy-duty")
    XCTAssertEqual(h.state.alerts[key]?.severity, .critical)
    return h
  }

  static func onDuty(_ h: Harness, _ unit: String, _ role: DutyRole) throws -> Shift {
    try XCTUnwrap(EscalationChain.onDuty(role, unit: unit, in: h.state, at: h.now))
  }

  /// Runs housekeeping at `at` and returns the escalation it made, if any.
  static func tick(_ h: inout Harness, at: Instant) -> (level: Int, step: EscalationStep?)? {
    h.now = at
    for e in h.housekeeping() {
      if case .alertEscalated(let k, let level, let step) = e, k == key { return (level, step) }
    }
    return nil
  }

  func testEachStepAtItsTimeoutBoundaryNamesWhoIsOnDutyAlongTheChain() throws {
    var h = try Self.fever()
    let raised = h.now
    let expected: [(EscalationStep.Tier, String, Shift)] = [
      (.officer, "jinyuan", try Self.onDuty(h, "jinyuan", .officer)),
      (.manager, "jinyuan", try Self.onDuty(h, "jinyuan", .manager)),
      (.leader, "jinyuan", try Self.onDuty(h, "jinyuan", .leader)),
      (.headquarters, "hq", try Self.onDuty(h, "hq", .officer)),
      (.headquarters, "hq", try Self.onDuty(h, "hq", .officer)),
    ]
    var last = raised
    for (i, (tier, unit, shift)) in expected.enumerated() {
      let due = last.adding(minutes: Int64(h.state.settings.ackTimeoutMinutes))
      XCTAssertNil(Self.tick(&h, at: Instant(milliseconds: due.milliseconds - 1)), "1 ms before step \(i + 1)")
      let got = try XCTUnwrap(Self.tick(&h, at: due), "exactly at step \(i + 1)")
      XCTAssertEqual(got.level, i + 1)
      let person = try XCTUnwrap(h.state.people[shift.person])
      XCTAssertEqual(
        got.step,
        EscalationStep(
          tier: tier, unit: unit, person: person.id, name: person.name, phone: person.phone, shift: shift.id))
      XCTAssertFalse(person.phone.isEmpty)
      last = due
    }
    XCTAssertEqual(h.state.alerts[Self.key]?.escalationLevel, 5)
    XCTAssertNil(Self.tick(&h, at: last.adding(minutes: 60)), "at most maxEscalations steps")
    // The history holds every step, in order.
    let steps = h.state.alerts[Self.key]?.history.compactMap { entry -> EscalationStep.Tier? in
      if case .escalated(_, let step) = entry.action { return step?.tier }
      return nil
    }
    XCTAssertEqual(steps, [.officer, .manager, .leader, .headquarters, .headquarters])
  }

  func testAnAcknowledgedAlertStopsEscalating() throws {
    var h = try Self.fever()
    XCTAssertNotNil(Self.tick(&h, at: h.now.adding(minutes: 5)))
    try h.run(.acknowledgeAlert(Self.key), actor: "jy-duty")
    XCTAssertNil(Self.tick(&h, at: h.now.adding(minutes: 30)))
  }

  /// Gaps in the roster: a cancelled officer shift and a manager marked as a
  /// no-show are skipped (and recorded as skipped); with no one on duty at HQ
  /// the last step still goes to HQ's duty room, unnamed, and says so.
  func testTheChainSkipsStepsWithNoOneOnDutyAndSaysSo() throws {
    var h = try Self.fever()
    let officer = try Self.onDuty(h, "jinyuan", .officer)
    let manager = try Self.onDuty(h, "jinyuan", .manager)
    let leader = try Self.onDuty(h, "jinyuan", .leader)
    try h.run(.cancelShift(shift: officer.id, reason: "调休"), actor: "hq-duty")
    try h.run(.markNoShow(shift: manager.id), actor: "hq-duty")
    let first = try XCTUnwrap(Self.tick(&h, at: h.now.adding(minutes: 5)))
    XCTAssertEqual(first.step?.tier, .leader)
    XCTAssertEqual(first.step?.person, leader.person)
    XCTAssertEqual(
      first.step?.skipped, [.init(tier: .officer, unit: "jinyuan"), .init(tier: .manager, unit: "jinyuan")])
    let zh = Strings(.zh)
    let words = try XCTUnwrap(first.step?.words(level: 1, state: h.state, strings: zh))
    let leaderPerson = try XCTUnwrap(h.state.people[leader.person])
    XCTAssertEqual(
      words,
      "金源物业 值班人员 无人值班，跳过；金源物业 值班经理 无人值班，跳过；第 1 级升级至 金源物业 带班领导 \(leaderPerson.name)（电话 \(leaderPerson.phone)）")

    // Nobody on HQ's roster now: the duty room itself, unnamed.
    for s in h.state.shifts.values.sorted(by: { $0.id < $1.id }) where s.unit == "hq" && s.covers(h.now) && s.counts {
      try h.run(.cancelShift(shift: s.id, reason: "测试"), actor: "hq-duty")
    }
    let second = try XCTUnwrap(Self.tick(&h, at: h.now.adding(minutes: 5)))
    XCTAssertEqual(second.step, EscalationStep(tier: .headquarters, unit: "hq"))
    XCTAssertEqual(second.step?.words(level: 2, state: h.state, strings: zh), "第 2 级升级至 集团机关 值班室（无人值班）")
    XCTAssertEqual(
      second.step?.words(level: 2, state: h.state, strings: Strings(.en)),
      "level 2 to Group HQ duty room (no one on duty)")

    // The audit trail (and so `cordon watch`) says the same.
    let record = try XCTUnwrap(
      h.journal.last {
        if case .alertEscalated(let k, _, _) = $0.event { k == Self.key } else { false }
      })
    let line = AuditTrail.line(record, state: h.state, strings: zh)
    XCTAssertTrue(line.contains("告警升级") && line.contains("第 2 级升级至 集团机关 值班室（无人值班）"), line)
    let watch = try XCTUnwrap(WatchStream.line(record, pane: .alerts, state: h.state, strings: zh))
    XCTAssertTrue(watch.contains("第 2 级升级至 集团机关 值班室（无人值班）"), watch)
  }

  /// HQ's own alert: its 值班人员, 值班经理, 带班领导, then it stays with the leader.
  func testHeadquartersOwnAlertEndsWithItsLeader() throws {
    let h = Harness()
    XCTAssertEqual(EscalationChain.tiers(for: "hq", in: h.state), [.officer, .manager, .leader])
    XCTAssertEqual(EscalationChain.tiers(for: "jinyuan", in: h.state), [.officer, .manager, .leader, .headquarters])
    let again = EscalationChain.next(after: .leader, unit: "hq", in: h.state, at: h.now)
    XCTAssertEqual(again.tier, .leader)
    XCTAssertEqual(again.unit, "hq")
  }

  /// The step holds the name and phone the roster had then: a later phone
  /// change does not rewrite it, and a replay of the journal gives the same state.
  func testTheStepIsRecordedSoReplayDoesNotDependOnLaterRosterEdits() throws {
    var h = try Self.fever()
    let first = try XCTUnwrap(Self.tick(&h, at: h.now.adding(minutes: 5)))
    let officer = try XCTUnwrap(first.step?.person)
    let phone = try XCTUnwrap(first.step?.phone)
    try h.run(.updatePerson(id: officer, PersonChanges(phone: "13000000000"), confirm: true), actor: "hq-duty")
    XCTAssertEqual(h.state.people[officer]?.phone, "13000000000")
    XCTAssertEqual(h.state.alerts[Self.key]?.escalation?.phone, phone, "the recorded phone stays")
    _ = Self.tick(&h, at: h.now.adding(minutes: 5))
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    XCTAssertEqual(replayed, h.state)
    // Through JSON, as the journal stores it.
    let data = try JSONEncoder().encode(h.journal.map(\.event))
    let decoded = try JSONDecoder().decode([CordonEvent].self, from: data)
    XCTAssertEqual(decoded, h.journal.map(\.event))
  }

  /// A journal written before steps were recorded still decodes: no step.
  func testAnOldEscalationRecordDecodesWithoutAStep() throws {
    let new = CordonEvent.alertEscalated(key: Self.key, level: 2, step: nil)
    let encoded = String(decoding: try JSONEncoder().encode(new), as: UTF8.self)
    XCTAssertFalse(encoded.contains("step"), encoded)
    let old = #"{"alertEscalated":{"key":{"rule":"fever","subject":"jy-dongfeng/赵六"},"level":2}}"#
    XCTAssertEqual(try JSONDecoder().decode(CordonEvent.self, from: Data(old.utf8)), new)
    let action = #"{"escalated":{"level":3}}"#
    XCTAssertEqual(
      try JSONDecoder().decode(AlertAction.self, from: Data(action.utf8)), .escalated(level: 3, step: nil))
  }
}
