import CordonModel
import CordonNotify
import EventSourcing
import Foundation
import XCTest

extension Outbox {
  /// Runs a command or the clock's housekeeping at `t` (in the past, so what
  /// it queues is due at once for the sender, which reads the real clock).
  @discardableResult
  func run(_ c: CordonCommand?, at t: Instant, actor: String = "tester") throws -> [CordonEvent] {
    try state.withLock { s in
      let events =
        try c.map { try CordonDomain.decide($0, context: .init(actor: actor, unit: nil, now: t), state: s) }
        ?? CordonDomain.housekeeping(state: s, now: t)
      for e in events {
        s.apply(EventRecord(seq: s.lastSeq + 1, time: t, actor: actor, unit: nil, commandID: nil, event: e))
      }
      return events
    }
  }
}

/// Issue 18 item 3: each escalation step notifies the person on duty the
/// roster names, with their phone, through a real loopback HTTP receiver; an
/// escalation route does not get the alert itself and an alert route does
/// not get the escalations.
final class EscalationNotifyTests: XCTestCase {
  func testEachEscalationStepGoesToThePersonOnDutyWithTheirPhone() throws {
    let http = try LoopbackReceiver()
    let routing = NotifyRouting(
      receivers: ["sms", "room"],
      routes: [
        NotifyRoute(name: "steps", kinds: [.escalation], receivers: ["sms"]),
        NotifyRoute(name: "criticals", severities: [.critical], kinds: [.alert], receivers: ["room"]),
      ])
    let outbox = Outbox(routing)
    let now = Instant.now()
    let t0 = now.adding(minutes: -20)
    let cal = CordonState().calendar
    let day = cal.day(of: t0)
    try outbox.run(
      .register(DemoOrganisation.shifts(fromDay: day - 1, toDay: day + 1, calendar: cal, existing: [])), at: t0)
    // A gap: no 值班人员 at jinyuan now.
    let state = outbox.state.withLock { $0 }
    let officer = try XCTUnwrap(EscalationChain.onDuty(.officer, unit: "jinyuan", in: state, at: t0))
    try outbox.run(.cancelShift(shift: officer.id, reason: "病假"), at: t0)
    try outbox.run(
      .recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 392)), at: t0, actor: "jy-duty")
    let timeout = Int64(state.settings.ackTimeoutMinutes)
    try outbox.run(nil, at: t0.adding(minutes: timeout), actor: "cordon")
    try outbox.run(nil, at: t0.adding(minutes: 2 * timeout), actor: "cordon")
    let after = outbox.state.withLock { $0 }
    let steps = after.alerts[AlertKey(rule: .fever, subject: "jy-dongfeng/赵六")]?.history.compactMap {
      entry -> EscalationStep? in
      if case .escalated(_, let step) = entry.action { return step }
      return nil
    }
    XCTAssertEqual(steps?.map(\.tier), [.manager, .leader], "the officer's gap is skipped")
    XCTAssertEqual(steps?.first?.skipped, [.init(tier: .officer, unit: "jinyuan")])

    XCTAssertTrue(
      http.deliverAll(
        outbox,
        with: NotifyConfig(
          receivers: [
            Self.webhook("sms", http.url("/ok/sms")), Self.webhook("room", http.url("/ok/room")),
          ], routing: routing)))

    // The cancelled shift's own alert (role uncovered) escalates too; this is about the fever.
    let fever = "fever/jy-dongfeng/赵六"
    let sms = http.notices("/ok/sms").filter { $0["subject"] as? String == fever }
    XCTAssertEqual(sms.count, 2, "one per step")
    for (n, step) in zip(sms, steps ?? []) {
      let person = try XCTUnwrap(step.person.flatMap { after.people[$0] })
      XCTAssertEqual(n["kind"] as? String, "escalation")
      XCTAssertEqual(n["person"] as? String, person.id)
      XCTAssertEqual(n["phone"] as? String, person.phone)
      let text = try XCTUnwrap((n["text"] as? [String: Any])?["zh"] as? String)
      XCTAssertTrue(text.contains(person.name) && text.contains("电话 \(person.phone)"), text)
      XCTAssertTrue(text.contains("赵六"), text)
    }
    let zh = try XCTUnwrap((sms.first?["text"] as? [String: Any])?["zh"] as? String)
    XCTAssertTrue(zh.contains("金源物业 值班人员 无人值班，跳过；第 1 级升级至 金源物业 值班经理"), zh)
    XCTAssertEqual(Set(http.notices("/ok/sms").compactMap { $0["kind"] as? String }), ["escalation"])
    let room = http.notices("/ok/room")
    XCTAssertEqual(room.filter { $0["subject"] as? String == fever }.count, 1, "the critical itself")
    XCTAssertEqual(Set(room.compactMap { $0["kind"] as? String }), ["alert"], "not its escalations")
  }

  static func webhook(_ name: String, _ url: String) -> Receiver {
    Receiver(
      name: name, kind: .webhook(url: url, format: .json, messageType: .text, headers: [:]),
      timeoutMilliseconds: 2000, retryInitialMilliseconds: 100, retryMaxMilliseconds: 800)
  }
}
