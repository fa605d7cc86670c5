import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The duty log (值班记录), reports up (下情上报) and directive replies, each
/// rule at its boundary with the harness's clock.
final class DutyLogTests: XCTestCase {
  private func entry(
    _ h: inout Harness, unit: String = "jinyuan", text: String = "小区东门来电：有人发热", significant: Bool = false,
    due: Instant? = nil, owner: String = ""
  ) throws -> LogEntry {
    let events = try h.run(
      .logEntry(
        unit: unit, channel: .phone, from: "东门岗 王师傅", text: text, action: "已通知社区医生", significant: significant,
        followUpDue: due, owner: owner))
    guard case .logEntered(let e)? = events.first else {
      XCTFail("no entry in \(events)")
      throw Refusal("test")
    }
    return e
  }

  private func report(_ h: inout Harness, _ p: DutyPriority, unit: String = "jinyuan", text: String = "东门发现发热人员")
    throws -> UpReport
  {
    let events = try h.run(.reportUp(unit: unit, priority: p, text: text, ref: nil), unit: unit)
    guard case .reportSent(let r)? = events.first else {
      XCTFail("no report in \(events)")
      throw Refusal("test")
    }
    return r
  }

  private func ms(_ t: Instant, _ delta: Int64) -> Instant { Instant(milliseconds: t.milliseconds + delta) }

  func testAnEntryKeepsEverythingItWasGiven() throws {
    var h = Harness()
    let due = h.now.adding(minutes: 60)
    let e = try entry(&h, significant: true, due: due, owner: "李四")
    let kept = try XCTUnwrap(h.state.dutyLog[e.id])
    XCTAssertEqual(kept.unit, "jinyuan")
    XCTAssertEqual(kept.channel, .phone)
    XCTAssertEqual(kept.from, "东门岗 王师傅")
    XCTAssertEqual(kept.action, "已通知社区医生")
    XCTAssertEqual(kept.at, h.now)
    XCTAssertEqual(kept.by, "tester")
    XCTAssertEqual(kept.followUp?.due, due)
    XCTAssertEqual(kept.followUp?.owner, "李四")
    XCTAssertTrue(kept.significant)
    XCTAssertEqual(h.state.significantEntries.map(\.id), [e.id])
    // No owner named: whoever logged it owns the follow-up.
    let mine = try entry(&h, due: due)
    XCTAssertEqual(mine.followUp?.owner, "tester")
  }

  func testBadEntriesAreRefusedNamingTheFieldAndChangeNothing() throws {
    let h = Harness()
    let before = h.state
    func refused(_ c: CordonCommand) -> Refusal? { h.refusal(c) }
    func log(text: String = "来电", due: Instant? = nil, owner: String = "", unit: String = "jinyuan", from: String = "")
      -> CordonCommand
    {
      .logEntry(
        unit: unit, channel: .wechat, from: from, text: text, action: "", significant: false, followUpDue: due,
        owner: owner)
    }
    XCTAssertEqual(refused(log(text: "  \n ")).map { [$0.code, $0.field] }, ["field.required", "text"])
    XCTAssertEqual(refused(log(due: h.now)).map { [$0.code, $0.field] }, ["log.followUpPast", "followUpDue"])
    XCTAssertEqual(
      refused(log(due: ms(h.now, -1))).map { [$0.code, $0.field] }, ["log.followUpPast", "followUpDue"])
    XCTAssertNil(refused(log(due: ms(h.now, 1))))
    XCTAssertEqual(
      refused(log(due: h.now.adding(minutes: Int64(Limits.followUpDays) * 1440 + 1)))?.code, "log.followUpTooFar")
    XCTAssertEqual(refused(log(owner: "李四")).map { [$0.code, $0.field] }, ["log.ownerWithoutDue", "followUpDue"])
    XCTAssertEqual(refused(log(unit: "nowhere")).map { [$0.code, $0.field] }, ["unit.unknown", "unit"])
    let long = String(repeating: "字", count: Limits.text + 1)
    XCTAssertEqual(refused(log(text: long)).map { [$0.code, $0.field] }, ["field.tooLong", "text"])
    XCTAssertNil(refused(log(text: String(repeating: "字", count: Limits.text))))
    XCTAssertEqual(
      refused(log(from: String(repeating: "x", count: Limits.name + 1))).map { [$0.code, $0.field] },
      ["field.tooLong", "from"])
    XCTAssertEqual(h.state, before)
  }

  func testAFollowUpPastDueRaisesItsAlertExactlyAtTheDueTimeAndClosingClearsIt() throws {
    var h = Harness()
    let due = h.now.adding(minutes: 30)
    let e = try entry(&h, due: due, owner: "李四")
    h.now = ms(due, -1)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.followUpOverdue, e.id), "1 ms before the due time")
    XCTAssertEqual(h.state.followUpsDue(unit: "jinyuan", at: h.now).map(\.id), [])
    h.now = due
    _ = h.housekeeping()
    let a = try XCTUnwrap(h.alert(.followUpOverdue, e.id), "at the due time")
    XCTAssertEqual(a.unit, "jinyuan")
    XCTAssertEqual(a.severity, .warning)
    XCTAssertTrue(a.message(h.state, Strings(.zh)).contains("金源物业"))
    XCTAssertEqual(h.state.followUpsDue(unit: "jinyuan", at: h.now).map(\.id), [e.id])
    XCTAssertEqual(h.state.followUpsDue(unit: "jindun", at: h.now).map(\.id), [])

    // Closing needs a note.
    XCTAssertEqual(
      h.refusal(.closeFollowUp(entry: e.id, note: " ")).map { [$0.code, $0.field] }, ["field.required", "note"])
    try h.run(.closeFollowUp(entry: e.id, note: "医生已上门，体温正常"))
    XCTAssertEqual(h.state.dutyLog[e.id]?.followUp?.note, "医生已上门，体温正常")
    XCTAssertEqual(h.state.dutyLog[e.id]?.followUp?.closedBy, "tester")
    XCTAssertEqual(h.alert(.followUpOverdue, e.id)?.state, .resolved, "resolved in the closing batch")
    XCTAssertEqual(h.refusal(.closeFollowUp(entry: e.id, note: "again"))?.code, "log.followUpClosed")
    XCTAssertEqual(h.state.followUpsDue(unit: "jinyuan", at: h.now).map(\.id), [])
    let plain = try entry(&h)
    XCTAssertEqual(
      h.refusal(.closeFollowUp(entry: plain.id, note: "x")).map { [$0.code, $0.field] }, ["log.noFollowUp", "entry"])
    XCTAssertEqual(h.refusal(.closeFollowUp(entry: "lg999", note: "x"))?.code, "log.unknown")
  }

  func testAMistakenEntryIsVoidedByAnEventAndStaysInTheLog() throws {
    var h = Harness()
    let due = h.now.adding(minutes: 10)
    let e = try entry(&h, significant: true, due: due)
    XCTAssertEqual(
      h.refusal(.voidLogEntry(entry: e.id, reason: "")).map { [$0.code, $0.field] }, ["field.required", "reason"])
    try h.run(.voidLogEntry(entry: e.id, reason: "记错单位"))
    let kept = try XCTUnwrap(h.state.dutyLog[e.id], "never deleted")
    XCTAssertEqual(kept.voided?.reason, "记错单位")
    XCTAssertEqual(kept.text, e.text)
    XCTAssertEqual(h.state.significantEntries, [])
    XCTAssertEqual(h.refusal(.voidLogEntry(entry: e.id, reason: "again"))?.code, "log.alreadyVoid")
    h.now = due
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.followUpOverdue, e.id), "a void entry's follow-up is not owed")
    XCTAssertTrue(h.journal.contains { if case .logEntryVoided = $0.event { true } else { false } })
  }

  func testReportAcknowledgementDeadlinesByPriorityExactlyAtTheBoundary() throws {
    for (priority, minutes, severity) in [
      (DutyPriority.urgent, Int64(15), Severity.warning), (.immediate, 5, .critical),
    ] {
      var h = Harness()
      let r = try report(&h, priority)
      let due = r.sentAt.adding(minutes: minutes)
      h.now = ms(due, -1)
      _ = h.housekeeping()
      XCTAssertNil(h.alert(.reportUnacknowledged, r.id), "\(priority): 1 ms before")
      h.now = due
      _ = h.housekeeping()
      let a = try XCTUnwrap(h.alert(.reportUnacknowledged, r.id), "\(priority): at \(minutes) min")
      XCTAssertEqual(a.unit, "hq", "raised at HQ")
      XCTAssertEqual(a.severity, severity)
      XCTAssertTrue(a.message(h.state, Strings(.zh)).contains(priority == .urgent ? "紧急" : "特急"))
      try h.run(.acknowledgeReport(id: r.id), actor: "hq-duty")
      XCTAssertEqual(h.alert(.reportUnacknowledged, r.id)?.state, .resolved)
      XCTAssertEqual(h.state.reports[r.id]?.acknowledgedBy, "hq-duty")
      XCTAssertEqual(h.refusal(.acknowledgeReport(id: r.id))?.code, "report.alreadyAcknowledged")
    }
    // Routine reports wait without an alert.
    var h = Harness()
    let r = try report(&h, .routine)
    h.advance(minutes: 24 * 60)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.reportUnacknowledged, r.id))
  }

  func testTheAcknowledgementDeadlinesAreSettings() throws {
    var h = Harness()
    try h.run(.changeSettings(SettingsChanges(reportAckUrgentMinutes: 30, reportAckImmediateMinutes: 2)))
    XCTAssertEqual(h.state.settings.reportAckUrgentMinutes, 30)
    XCTAssertEqual(
      h.refusal(.changeSettings(SettingsChanges(reportAckImmediateMinutes: 0))).map { [$0.code, $0.field] },
      ["field.outOfRange", "reportAckImmediateMinutes"])
    let urgent = try report(&h, .urgent)
    let immediate = try report(&h, .immediate)
    h.now = ms(immediate.sentAt.adding(minutes: 2), -1)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.reportUnacknowledged, immediate.id))
    h.now = immediate.sentAt.adding(minutes: 2)
    _ = h.housekeeping()
    XCTAssertNotNil(h.alert(.reportUnacknowledged, immediate.id))
    h.now = ms(urgent.sentAt.adding(minutes: 30), -1)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.reportUnacknowledged, urgent.id))
    h.now = urgent.sentAt.adding(minutes: 30)
    _ = h.housekeeping()
    XCTAssertNotNil(h.alert(.reportUnacknowledged, urgent.id))
  }

  func testHQRepliesAndTheUnitSeesTheThread() throws {
    var h = Harness()
    XCTAssertEqual(
      h.refusal(.reportUp(unit: "jinyuan", priority: .urgent, text: "", ref: nil)).map { [$0.code, $0.field] },
      ["field.required", "text"])
    XCTAssertEqual(
      h.refusal(.reportUp(unit: "jinyuan", priority: .urgent, text: "x", ref: "rq404")).map { [$0.code, $0.field] },
      ["report.unknownRef", "ref"])
    let e = try entry(&h)
    let r = try XCTUnwrap(
      try h.run(.reportUp(unit: "jinyuan", priority: .immediate, text: "东门发热人员已隔离", ref: e.id)).first.flatMap {
        if case .reportSent(let r) = $0 { r } else { nil }
      })
    XCTAssertEqual(r.ref, e.id)
    XCTAssertEqual(r.stage, .received)
    XCTAssertEqual(
      h.refusal(.replyReport(id: r.id, text: "\n")).map { [$0.code, $0.field] }, ["field.required", "text"])
    XCTAssertEqual(
      h.refusal(.replyReport(id: "up999", text: "x")).map { [$0.code, $0.field] }, ["report.unknown", "id"])
    h.advance(minutes: 2)
    try h.run(.replyReport(id: r.id, text: "收到，请派人陪同就医"), actor: "hq-duty")
    let after = try XCTUnwrap(h.state.reports[r.id])
    XCTAssertEqual(after.stage, .replied)
    XCTAssertEqual(after.acknowledgedBy, "hq-duty", "a reply acknowledges")
    XCTAssertEqual(after.replies.map(\.text), ["收到，请派人陪同就医"])
    h.advance(minutes: 10)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.reportUnacknowledged, r.id))
  }

  func testDirectivesGainAPriorityAndAReplyFromEachTarget() throws {
    var h = Harness()
    let d = try XCTUnwrap(
      try h.run(
        .issueDirective(
          text: "加强门岗测温", targets: ["jinyuan", "jindun"], deadline: h.now.adding(minutes: 60), priority: .urgent)
      ).first.flatMap { if case .directiveIssued(let d) = $0 { d } else { nil } })
    XCTAssertEqual(d.urgency, .urgent)
    XCTAssertEqual(d.stage(of: "jinyuan"), .received)
    try h.run(.acknowledgeDirective(id: d.id, unit: "jindun"))
    XCTAssertEqual(h.state.directives[d.id]?.stage(of: "jindun"), .acknowledged)
    XCTAssertEqual(
      h.refusal(.replyDirective(id: d.id, unit: "heating", text: "x")).map { [$0.code, $0.field] },
      ["directive.notTarget", "unit"])
    XCTAssertEqual(
      h.refusal(.replyDirective(id: d.id, unit: "jinyuan", text: " ")).map { [$0.code, $0.field] },
      ["field.required", "text"])
    try h.run(.replyDirective(id: d.id, unit: "jinyuan", text: "已落实，东门增设测温点"), actor: "jinyuan-duty")
    let after = try XCTUnwrap(h.state.directives[d.id])
    XCTAssertEqual(after.stage(of: "jinyuan"), .replied)
    XCTAssertTrue(after.isAcknowledged(by: "jinyuan"), "a reply acknowledges")
    XCTAssertEqual(after.reply(from: "jinyuan")?.by, "jinyuan-duty")
    // A directive journalled before priorities decodes as routine.
    let old = #"{"id":"d1","text":"x","targets":["a"],"deadline":1,"issuedBy":"u","issuedAt":0,"acknowledgements":{}}"#
    let decoded = try JSONDecoder().decode(Directive.self, from: Data(old.utf8))
    XCTAssertEqual(decoded.urgency, .routine)
    XCTAssertNil(decoded.replies)
  }

  func testOperatorsAnswerOnlyForTheirOwnUnit() throws {
    var h = Harness()
    let jinyuan = Principal(user: "wang", role: .operator, units: ["jinyuan"])
    let jindun = Principal(user: "zhao", role: .operator, units: ["jindun"])
    let hqOperator = Principal(user: "hq-op", role: .operator, units: ["hq"])
    let r = try report(&h, .urgent)
    try h.run(.issueDirective(text: "x", targets: ["jinyuan"], deadline: h.now.adding(minutes: 60)))
    let d = try XCTUnwrap(h.state.directives.keys.first)
    func check(_ c: CordonCommand, _ p: Principal) -> [String?]? {
      Authorization.check(c, by: p, in: h.state).map { [$0.code, $0.field] }
    }
    XCTAssertNil(check(.replyReport(id: r.id, text: "补充"), jinyuan), "the sender adds to its own thread")
    XCTAssertEqual(check(.replyReport(id: r.id, text: "x"), jindun), ["report.otherUnit", "id"])
    XCTAssertNil(check(.replyReport(id: r.id, text: "收到"), hqOperator))
    XCTAssertEqual(check(.acknowledgeReport(id: r.id), jinyuan), ["report.notHeadquarters", "id"])
    XCTAssertNil(check(.acknowledgeReport(id: r.id), hqOperator))
    XCTAssertNil(check(.replyDirective(id: d, unit: "jinyuan", text: "x"), jinyuan))
    XCTAssertEqual(check(.replyDirective(id: d, unit: "jinyuan", text: "x"), jindun), ["directive.otherUnit", "unit"])
    let log = CordonCommand.logEntry(
      unit: "jinyuan", channel: .onsite, from: "", text: "x", action: "", significant: false, followUpDue: nil,
      owner: "")
    XCTAssertNil(check(log, jinyuan))
    XCTAssertEqual(check(log, jindun)?.first, "auth.otherUnit")
    XCTAssertEqual(
      check(.reportUp(unit: "jinyuan", priority: .routine, text: "x", ref: nil), jindun)?.first, "auth.otherUnit")
    let e = try entry(&h)
    XCTAssertEqual(check(.voidLogEntry(entry: e.id, reason: "x"), jindun)?.first, "auth.otherUnit")
    XCTAssertNil(check(.closeFollowUp(entry: e.id, note: "x"), jinyuan))
    let viewer = Principal(user: "v", role: .viewer, units: [])
    XCTAssertEqual(check(.replyReport(id: r.id, text: "x"), viewer)?.first, "auth.readOnly")
  }

  func testJSONLinesRoundTripAndNameTheirFields() throws {
    let cal = CordonState().calendar
    let due = try XCTUnwrap(cal.parse("2020-02-07 10:00"))
    let commands: [CordonCommand] = [
      .logEntry(
        unit: "jinyuan", channel: .document, from: "区防控办", text: "通知\n第二行", action: "已转发", significant: true,
        followUpDue: due, owner: "李四"),
      .logEntry(
        unit: "jinyuan", channel: .system, from: "", text: "x", action: "", significant: false, followUpDue: nil,
        owner: ""),
      .closeFollowUp(entry: "lg3", note: "已办"), .voidLogEntry(entry: "lg3", reason: "重复"),
      .reportUp(unit: "jinyuan", priority: .immediate, text: "特急情况", ref: "fever/ht-1/张三"),
      .reportUp(unit: "jinyuan", priority: .routine, text: "日报", ref: nil), .acknowledgeReport(id: "up4"),
      .replyReport(id: "up4", text: "收到"), .replyDirective(id: "d2", unit: "jinyuan", text: "已落实"),
      .issueDirective(text: "x", targets: ["jinyuan"], deadline: due, priority: .immediate),
      .changeSettings(SettingsChanges(reportAckUrgentMinutes: 20, reportAckImmediateMinutes: 3)),
    ]
    try assertJSONRoundTrips(commands, calendar: cal)
    func field(_ line: String) -> String? { refusedField(line, calendar: cal) }
    XCTAssertEqual(field(#"{"type":"logEntry","unit":"jinyuan","channel":"fax","text":"x"}"#), "channel")
    XCTAssertEqual(field(#"{"type":"logEntry","unit":"jinyuan","channel":"phone"}"#), "text")
    XCTAssertEqual(
      field(#"{"type":"logEntry","unit":"jinyuan","channel":"phone","text":"x","followUpDue":"soon"}"#), "followUpDue")
    XCTAssertEqual(
      field(#"{"type":"logEntry","unit":"jinyuan","channel":"phone","text":"x","significant":"yes"}"#), "significant")
    XCTAssertEqual(field(#"{"type":"reportUp","unit":"jinyuan","text":"x"}"#), "priority")
    XCTAssertEqual(field(#"{"type":"reportUp","unit":"jinyuan","priority":"asap","text":"x"}"#), "priority")
    XCTAssertEqual(field(#"{"type":"replyReport","id":"up1"}"#), "text")
    XCTAssertEqual(field(#"{"type":"replyDirective","id":"d1","text":"x"}"#), "unit")
    XCTAssertEqual(field(#"{"type":"closeFollowUp","entry":"lg1"}"#), "note")
    // A directive line without a priority is routine, as before.
    XCTAssertEqual(
      try CommandJSON.decode(
        #"{"type":"directive","text":"x","targets":["jinyuan"],"deadline":"2020-02-07 10:00"}"#, calendar: cal),
      .issueDirective(text: "x", targets: ["jinyuan"], deadline: due))
  }

  func testReplayAndSnapshotOfTheDutyWorkflowEqualTheLiveState() throws {
    var h = Harness()
    var rng = SeededRandom(seed: 16)
    for step in 0..<300 {
      h.advance(minutes: Int64.random(in: 0...9, using: &rng))
      let log = h.state.logEntries()
      let reports = h.state.reports.keys.sorted()
      let unit = ["jinyuan", "jindun", "heating"].randomElement(using: &rng) ?? "jinyuan"
      let command: CordonCommand? =
        switch Int.random(in: 0..<8, using: &rng) {
        case 0, 1:
          .logEntry(
            unit: unit, channel: LogChannel.allCases.randomElement(using: &rng) ?? .phone, from: "来电\(step)",
            text: "记录 \(step)", action: "", significant: Bool.random(using: &rng),
            followUpDue: Bool.random(using: &rng) ? h.now.adding(minutes: Int64.random(in: 1...60, using: &rng)) : nil,
            owner: "")
        case 2: log.randomElement(using: &rng).map { .closeFollowUp(entry: $0.id, note: "已办 \(step)") }
        case 3: log.randomElement(using: &rng).map { .voidLogEntry(entry: $0.id, reason: "误记 \(step)") }
        case 4:
          .reportUp(
            unit: unit, priority: DutyPriority.allCases.randomElement(using: &rng) ?? .urgent, text: "上报 \(step)",
            ref: nil)
        case 5: reports.randomElement(using: &rng).map { .acknowledgeReport(id: $0) }
        case 6: reports.randomElement(using: &rng).map { .replyReport(id: $0, text: "回复 \(step)") }
        default: nil
        }
      if let command { _ = try? h.run(command) }
      if Int.random(in: 0..<4, using: &rng) == 0 { _ = h.housekeeping() }
    }
    XCTAssertFalse(h.state.dutyLog.isEmpty)
    XCTAssertTrue(h.state.alerts.keys.contains { $0.rule == .followUpOverdue })
    XCTAssertTrue(h.state.alerts.keys.contains { $0.rule == .reportUnacknowledged })
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    XCTAssertEqual(replayed, h.state)
    let cut = h.journal.count / 2
    var head = CordonState()
    for r in h.journal[..<cut] { head.apply(r) }
    var restored = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(head))
    for r in h.journal[cut...] { restored.apply(r) }
    XCTAssertEqual(restored, h.state)
  }
}
