import CordonModel
import CordonNotify
import EventSourcing
import Foundation
import XCTest

/// Issue 18: the duty room's own alerts are routed by rule like any other,
/// through a real loopback HTTP receiver: a missed sign-in reaches the route
/// that names `signInMissing` and only that one, an overdue report up the
/// route that names `reportUnacknowledged`.
final class DutyRoutingTests: XCTestCase {
  func testAMissedSignInAndAnOverdueReportUpEachReachOnlyTheirOwnRoute() throws {
    let http = try LoopbackReceiver()
    let routing = NotifyRouting(
      receivers: ["signins", "reports"],
      routes: [
        NotifyRoute(name: "signin", rules: [.signInMissing], receivers: ["signins"], groupWaitSeconds: 0),
        NotifyRoute(name: "reportsUp", rules: [.reportUnacknowledged], receivers: ["reports"], groupWaitSeconds: 0),
      ])
    let outbox = Outbox(routing)
    let now = Instant.now()
    let t0 = now.adding(minutes: -90)
    let cal = CordonState().calendar
    let day = cal.day(of: t0)
    try outbox.run(
      .register(DemoOrganisation.shifts(fromDay: day - 1, toDay: day + 1, calendar: cal, existing: [])), at: t0)
    try outbox.run(
      .reportUp(unit: "jinyuan", priority: .urgent, text: "东风小区发现发热人员", ref: nil), at: t0, actor: "jy-duty")
    let before = outbox.state.withLock { $0 }
    let report = try XCTUnwrap(before.reports.values.first { $0.unit == "jinyuan" })
    let ackLimit = try XCTUnwrap(before.ackLimitMinutes(.urgent))
    let grace = Int64(before.settings.signInGraceMinutes)
    // Past both the report's acknowledgement limit and the sign-in grace of a shift under way.
    let late = t0.adding(minutes: max(Int64(ackLimit), grace) + 1)
    try outbox.run(nil, at: late, actor: "cordon")
    let after = outbox.state.withLock { $0 }
    let missed = after.alerts.keys.filter { $0.rule == .signInMissing }
    XCTAssertFalse(missed.isEmpty, "shifts under way with nobody signed in")
    XCTAssertNotNil(after.alerts[AlertKey(rule: .reportUnacknowledged, subject: report.id)])

    XCTAssertTrue(
      http.deliverAll(
        outbox,
        with: NotifyConfig(
          receivers: [
            EscalationNotifyTests.webhook("signins", http.url("/ok/signins")),
            EscalationNotifyTests.webhook("reports", http.url("/ok/reports")),
          ], routing: routing)))

    let signins = http.notices("/ok/signins")
    XCTAssertEqual(Set(signins.compactMap { $0["rule"] as? String }), ["signInMissing"])
    XCTAssertEqual(
      Set(signins.compactMap { $0["subject"] as? String }), Set(missed.map { "signInMissing/\($0.subject)" }),
      "one notice per missed shift")
    let reports = http.notices("/ok/reports")
    XCTAssertEqual(reports.count, 1)
    XCTAssertEqual(reports.first?["rule"] as? String, "reportUnacknowledged")
    XCTAssertEqual(reports.first?["subject"] as? String, "reportUnacknowledged/\(report.id)")
    let zh = try XCTUnwrap((reports.first?["text"] as? [String: Any])?["zh"] as? String)
    XCTAssertTrue(zh.contains(report.id) && zh.contains("未签收"), zh)
  }
}
