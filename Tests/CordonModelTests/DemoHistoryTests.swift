import CordonModel
import EventSourcing
import XCTest

/// The demo's fourteen days of history: deterministic, accepted step by step
/// as a store replays it, and with content in yesterday's report.
final class DemoHistoryTests: XCTestCase {
  /// Replays the steps as the store does: each command decided at its time, each tick's housekeeping.
  static func replay(_ steps: [DemoHistory.Step]) -> (CordonState, [EventRecord<CordonEvent>], refused: Int) {
    var state = CordonState()
    var journal: [EventRecord<CordonEvent>] = []
    var refused = 0
    for step in steps {
      let events: [CordonEvent]
      var actor = "system"
      var unit: String? = nil
      switch step {
      case .command(let t, let a, let u, let c):
        actor = a
        unit = u
        do {
          events = try CordonDomain.decide(c, context: CommandContext(actor: a, unit: u, now: t), state: state)
        } catch {
          refused += 1
          continue
        }
      case .tick(let t):
        events = CordonDomain.housekeeping(state: state, now: t)
      }
      for e in events {
        let r = EventRecord(seq: state.lastSeq + 1, time: step.time, actor: actor, unit: unit, commandID: nil, event: e)
        journal.append(r)
        state.apply(r)
      }
    }
    return (state, journal, refused)
  }

  func testFourteenDaysReplayExactlyAndFillYesterdaysReport() throws {
    let now = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 09:30"))
    let steps = DemoHistory.steps(now: now)
    XCTAssertEqual(steps.count, DemoHistory.steps(now: now).count, "deterministic")
    XCTAssertTrue(zip(steps, steps.dropFirst()).allSatisfy { $0.time <= $1.time }, "time never goes back")
    let (state, journal, refused) = Self.replay(steps)
    XCTAssertEqual(refused, 0, "every step is accepted as the store replays it")
    let cal = state.calendar
    let today = cal.day(of: now)
    XCTAssertEqual(cal.day(of: journal[0].time), today - 14)

    var end = CordonState()
    for r in journal where r.time < cal.startOfDay(today) { end.apply(r) }
    let report = DailyReport(day: today - 1, records: journal, end: end)
    XCTAssertGreaterThan(report.rounds, 30)
    XCTAssertGreaterThan(report.checked, 0)
    XCTAssertGreaterThan(report.disinfection.reduce(0) { $0 + $1.done }, 20)
    XCTAssertGreaterThan(report.ventilations, 0)
    XCTAssertGreaterThan(report.alertsRaised.values.reduce(0, +), 0)
    XCTAssertGreaterThan(report.handovers.count, 0)
    let issuedYesterday = end.stock.values.reduce(Int64(0)) { $0 + ($1.issuedByDay[today - 1]?.milli ?? 0) }
    XCTAssertGreaterThan(issuedYesterday, 0, "stock issued yesterday")
    XCTAssertTrue(state.stock.values.contains { $0.burnPerDay(asOf: today).milli > 0 }, "a 7-day burn rate")

    // Over the fortnight: fevers acknowledged and resolved, requests through their states, directives acknowledged.
    XCTAssertTrue(journal.contains { if case .feverRecorded = $0.event { true } else { false } })
    XCTAssertTrue(journal.contains { if case .alertAcknowledged = $0.event { true } else { false } })
    XCTAssertTrue(journal.contains { if case .alertResolved = $0.event { true } else { false } })
    for kind in ["requestApproved", "requestForwarded", "requestReceived", "directiveAcknowledged", "healthRegistered"]
    {
      XCTAssertTrue(
        journal.contains { Mirror(reflecting: $0.event).children.first?.label == kind }, "\(kind) in the history")
    }
    // Every open site is reporting on time at the end.
    XCTAssertEqual(state.orderedSites.filter { $0.isOverdue(at: now) }.map(\.id), [])

    // Oversight: a committee member's visits; one finding reopened then accepted,
    // one overdue, one open with its shortage request, one waiting for verification.
    let o = state.oversight
    XCTAssertEqual(o.inspections.count, 4)
    XCTAssertEqual(Set(o.inspections.values.map(\.by)), ["demo-committee"])
    XCTAssertEqual(o.findings["f1"]?.status, .closed)
    XCTAssertEqual(o.findings["f1"]?.steps.map(\.kind), [.rectified, .reopened, .rectified, .accepted])
    XCTAssertEqual(o.findings["f2"]?.isOverdue(at: now), true)
    XCTAssertEqual(state.alerts[AlertKey(rule: .findingOverdue, subject: "f2")]?.isActive, true)
    let f3 = try XCTUnwrap(o.findings["f3"])
    XCTAssertTrue(f3.isOpen && !f3.isOverdue(at: now))
    XCTAssertEqual(f3.request.flatMap { state.requests[$0] }?.finding, "f3")
    XCTAssertEqual(o.findings["f4"]?.status, .rectified)
    // The group's team and the vanguard at the 12 compounds, one recalled.
    XCTAssertEqual(o.teams["group"]?.members.count, 20)
    XCTAssertEqual(o.teams["vanguard"]?.members.count, 50)
    let onPost = o.deployments.values.filter { $0.covers(now) }
    XCTAssertEqual(onPost.count, 49)
    XCTAssertEqual(Set(onPost.map(\.site)), Set(state.orderedSites.filter { $0.id.hasPrefix("jy-") }.map(\.id)))
    XCTAssertEqual(o.deployments.values.filter { $0.recalledAt != nil }.map(\.person), ["vg-50"])
  }
}
