import CordonModel
import EventSourcing
import Foundation
import XCTest

/// A fixed demo day, 2020-02-07, scripted hour by hour.
enum DemoDay {
  static func run() throws -> Harness {
    var h = Harness()  // 08:00, demo organisation and shifts
    let day = h.state.calendar.day(of: h.now)
    try h.run(.recordRound(site: "ht-1", checked: 14, fevers: 0, acceptMissingCases: false), actor: "rl-duty")
    try h.run(.recordDisinfection(site: "ht-1", area: "泵房", agent: "84消毒液", by: "王五"), actor: "rl-duty")
    try h.run(
      .registerHealth(
        person: "jindun-officer-1", day: day, category: .onDuty, morningCheck: Celsius(tenths: 365),
        travellerContact: false, remarks: ""),
      actor: "jd-duty")
    try h.run(
      .registerHealth(
        person: "jindun-manager-1", day: day, category: .partyMemberOnPost, morningCheck: Celsius(tenths: 368),
        travellerContact: true, remarks: "已隔离观察"),
      actor: "jd-duty")
    h.advance(minutes: 90)
    try h.run(.recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 383)), actor: "jy-duty")
    try h.run(.recordRound(site: "jy-dongfeng", checked: 36, fevers: 1, acceptMissingCases: false), actor: "jy-duty")
    try h.run(.acknowledgeAlert(AlertKey(rule: .fever, subject: "jy-dongfeng/赵六")), actor: "hq-duty")
    h.advance(minutes: 60)
    try h.run(.issueStock(unit: "jindun", item: "mask", quantity: Quantity(120), reason: "执勤领用"), actor: "jd-duty")
    try h.run(
      .submitRequest(unit: "heating", item: "thermo", quantity: Quantity(10), urgency: .urgent, reason: "测温枪不足"),
      actor: "rl-duty")
    try h.run(.approveRequest(id: "rq\(h.state.serial)", quantity: Quantity(8), note: ""), actor: "hq-office")
    try h.run(
      .issueDirective(text: "即日起各小区实行封闭管理", targets: ["jinyuan", "jinmu-wn"], deadline: h.now.adding(minutes: 120)),
      actor: "hq-duty")
    h.advance(minutes: 30)
    try h.run(.acknowledgeDirective(id: "d\(h.state.serial)", unit: "jinyuan"), actor: "jy-duty")
    try h.run(.recordDisinfection(site: "ht-1", area: "值班室", agent: "84消毒液", by: "王五"), actor: "rl-duty")
    try h.run(.recordVentilation(site: "hq-office"), actor: "hq-duty")
    // The duty log, a report up and a directive reply (issue 16).
    let directive = "d\(h.state.serial)"
    try h.run(
      .logEntry(
        unit: "jinyuan", channel: .phone, from: "东风小区门岗", text: "业主反映楼道消毒不到位", action: "已通知物业保洁",
        significant: true, followUpDue: h.now.adding(minutes: 22 * 60), owner: "李明"), actor: "jy-duty")
    try h.run(
      .reportUp(unit: "jinyuan", priority: .immediate, text: "东风小区发热一例已隔离，请派车", ref: nil), actor: "jy-duty")
    try h.run(.replyReport(id: "up\(h.state.serial)", text: "收到，车辆十分钟到"), actor: "hq-duty")
    try h.run(.replyDirective(id: directive, unit: "jinyuan", text: "已落实，各门岗封闭"), actor: "jy-duty")
    h.advance(minutes: 6 * 60)
    try h.run(.resolveAlert(AlertKey(rule: .fever, subject: "jy-dongfeng/赵六"), note: "已送医，密接者居家观察"), actor: "hq-duty")
    try h.run(.writeHandover(unit: "jinyuan", text: "东风小区发热一例已送医；\n夜班加强巡查"), actor: "jy-duty")
    // The 16:00 officers sign in late, before the rule's next look.
    for s in DemoOrganisation.signInsDue(in: h.state, at: h.now) { try h.run(.signIn(shift: s.id), actor: s.person) }
    _ = h.housekeeping()
    // The incoming officer confirms jinyuan's handover, querying its first item; heating's waits.
    let handover = h.state.handovers.first { $0.unit == "jinyuan" }?.id ?? ""
    try h.run(
      .confirmHandover(handover: handover, queries: [HandoverQuery(item: 1, text: "送医后密接者名单报了吗？")]),
      actor: "jinyuan-officer-3")
    try h.run(.writeHandover(unit: "heating", text: "一号换热站测温枪待修"), actor: "rl-evening")
    return h
  }
}

final class ReportTests: XCTestCase {
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

  func testDailyReportMatchesGoldenFilesInEachFormatAndLanguage() throws {
    let h = try DemoDay.run()
    let day = h.state.calendar.day(of: Harness.morning)
    let report = DailyReport(day: day, records: h.journal, end: h.state, now: h.now)
    let update = ProcessInfo.processInfo.environment["CORDON_UPDATE_GOLDEN"] == "1"
    for lang in Language.allCases {
      for format in ReportFormat.allCases {
        let text = ReportRenderer.render(report, state: h.state, format: format, strings: Strings(lang))
        let file = Self.golden.appendingPathComponent("daily-2020-02-07.\(lang.rawValue).\(format.rawValue)")
        if update { try text.write(to: file, atomically: true, encoding: .utf8) }
        let expected = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(
          text, expected, "\(file.lastPathComponent) differs; CORDON_UPDATE_GOLDEN=1 rewrites it after review")
      }
    }
  }

  func testReportIsDeterministicAndFiguresAddUp() throws {
    let h = try DemoDay.run()
    let day = h.state.calendar.day(of: Harness.morning)
    let a = DailyReport(day: day, records: h.journal, end: h.state)
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    let b = DailyReport(day: day, records: h.journal, end: replayed)
    XCTAssertEqual(a, b)
    XCTAssertEqual(a.rounds, 2)
    XCTAssertEqual(a.checked, 50)
    XCTAssertEqual(a.fevers, 1)
    XCTAssertEqual(a.feverCases.map(\.person), ["赵六"])
    XCTAssertEqual(a.disinfection.first { $0.unit == "heating" }?.done, 2)
    XCTAssertEqual(a.people.first { $0.unit == "jindun" }?.missing, 7)
    XCTAssertEqual(a.requests.first?.status, .allocated)
    XCTAssertEqual(a.directives.first?.pendingUnits, ["jinmu-wn"])
    XCTAssertEqual(a.handovers.count, 2)
    XCTAssertEqual(
      a.handoverSummary(h.state.settings),
      DailyReport.HandoverSummary(written: 2, onTime: 1, late: 0, unconfirmed: 1, queried: 1))
    // One unit only.
    let heating = DailyReport(day: day, unit: "heating", records: h.journal, end: h.state)
    XCTAssertEqual(heating.rounds, 1)
    XCTAssertEqual(heating.people.map(\.unit), ["heating"])
    XCTAssertTrue(heating.feverCases.isEmpty)
  }

  /// The lines of one "## " section of a Markdown report, its heading left out.
  static func section(_ heading: String, of text: String) -> [String] {
    let lines = text.components(separatedBy: "\n")
    guard let start = lines.firstIndex(of: "## " + heading) else { return [] }
    return Array(lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }).filter { !$0.isEmpty }
  }

  /// A `|` in a unit's name stays in its cell of a Markdown table, escaped,
  /// and as written in the plain-text one.
  func testABarInANameIsEscapedInMarkdownTables() throws {
    var h = Harness()
    try h.run(.addUnit(OrgUnit(id: "bar", name: .init(zh: "东|西", en: "East|West"), isKey: false)))
    try h.run(.addPerson(Person(id: "", name: "王五", unit: "bar", phone: "", categories: [.onDuty])))
    let r = DailyReport(day: h.state.calendar.day(of: h.now), records: h.journal, end: h.state)
    let md = ReportRenderer.render(r, state: h.state, format: .md, strings: Strings(.zh))
    let row = try XCTUnwrap(md.components(separatedBy: "\n").first { $0.contains("东") }, md)
    XCTAssertTrue(row.hasPrefix("| 东\\|西 | "), row)
    let header = try XCTUnwrap(md.components(separatedBy: "\n").first { $0.hasPrefix("| ") }, md)
    // Unescaped bars only between cells: as many as the header's.
    func cellBars(_ line: String) -> Int { line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
    XCTAssertEqual(cellBars(row), cellBars(header), row)
    let txt = ReportRenderer.render(r, state: h.state, format: .txt, strings: Strings(.zh))
    XCTAssertTrue(txt.contains("东|西"), txt)
  }

  func testMarkdownInANameOrNoteIsShownAsTypedNotRendered() throws {
    var h = Harness()
    let name = "[看](http://x.example) **急** <b>_a_</b> `c` ~d~ \\"
    try h.run(.recordFever(site: "ht-1", personName: name, reading: Celsius(tenths: 381)))
    let r = DailyReport(day: h.state.calendar.day(of: h.now), records: h.journal, end: h.state)
    let md = ReportRenderer.render(r, state: h.state, format: .md, strings: Strings(.zh))
    let escaped = #"\[看\](http://x.example) \*\*急\*\* \<b\>\_a\_\</b\> \`c\` \~d\~ \\"#
    let line = try XCTUnwrap(md.components(separatedBy: "\n").first { $0.contains("http://x.example") }, md)
    XCTAssertTrue(line.hasPrefix("- ") && line.contains(escaped), line)
    let txt = ReportRenderer.render(r, state: h.state, format: .txt, strings: Strings(.zh))
    XCTAssertTrue(txt.contains(name), txt)
  }

  /// Thirty fever cases and no round: the summary counts them, and beyond
  /// twenty the report counts them by site and lists only the newest twenty.
  func testFeverCasesWithoutRoundsAreCountedAndGroupedBySiteBeyondTwenty() throws {
    var h = Harness()
    let sites = ["ht-1", "ht-2", "ht-3"]
    for i in 0..<30 {
      h.advance(minutes: 1)
      try h.run(.recordFever(site: sites[i % 3], personName: "病例\(i)", reading: Celsius(tenths: 381)))
    }
    let day = h.state.calendar.day(of: h.now)
    let r = DailyReport(day: day, records: h.journal, end: h.state)
    XCTAssertEqual(r.rounds, 0)
    XCTAssertEqual(r.fevers, 30)
    XCTAssertEqual(r.checked, 30)
    XCTAssertEqual(r.feverCases.count, 30)
    XCTAssertEqual(r.feverCasesBySite(h.state).map(\.count), [10, 10, 10])
    XCTAssertEqual(r.feverCasesBySite(h.state).map(\.site), sites)
    let text = ReportRenderer.render(r, state: h.state, format: .md, strings: Strings(.zh))
    let lines = Self.section("二、体温检测", of: text)
    XCTAssertEqual(
      Array(lines.prefix(5)),
      ["- 测温 0 轮，检测 30 人次，发热 30 人", "- 第一热力站：发热 10 人", "- 第二热力站：发热 10 人", "- 第三热力站：发热 10 人", "- 最近 20 例："],
      text)
    // The newest twenty, newest first; the ten oldest are not listed.
    let listed = lines.dropFirst(5).map { $0.split(separator: " ").dropFirst(3).first.map(String.init) ?? $0 }
    XCTAssertEqual(listed, (10..<30).reversed().map { "病例\($0)" }, text)
    let csv = ReportRenderer.render(r, state: h.state, format: .csv, strings: Strings(.en))
    XCTAssertTrue(csv.contains("2. Temperature checks,,fevers,30"), csv)
    XCTAssertTrue(csv.contains("2. Temperature checks,Heating Company,fevers at Heat station 1,10"), csv)

    // Twenty or fewer: every case one by one in the order entered, no grouping.
    var few = Harness()
    for i in 0..<20 {
      few.advance(minutes: 1)
      try few.run(.recordFever(site: "ht-1", personName: "病例\(i)", reading: Celsius(tenths: 381)))
    }
    let small = DailyReport(day: day, records: few.journal, end: few.state)
    XCTAssertFalse(small.feverCasesGrouped)
    XCTAssertTrue(small.feverCasesBySite(few.state).isEmpty)
    let smallLines = Self.section(
      "二、体温检测", of: ReportRenderer.render(small, state: few.state, format: .md, strings: Strings(.zh)))
    XCTAssertEqual(smallLines.count, 21, smallLines.joined(separator: "\n"))
    XCTAssertEqual(smallLines.first, "- 测温 0 轮，检测 20 人次，发热 20 人")
    XCTAssertTrue(smallLines[1].hasSuffix("病例0 38.1℃"), smallLines[1])
  }

  /// A round counts the cases entered before it and the ones it said were
  /// still to come; only cases no round counts are added to the summary.
  func testFeverSummaryAddsOnlyTheCasesNoRoundCounts() throws {
    var h = Harness()
    // Two entered, then a round that counts them.
    try h.run(.recordFever(site: "ht-1", personName: "甲", reading: Celsius(tenths: 381)))
    try h.run(.recordFever(site: "ht-1", personName: "乙", reading: Celsius(tenths: 381)))
    h.advance(minutes: 1)
    try h.run(.recordRound(site: "ht-1", checked: 10, fevers: 2, acceptMissingCases: false))
    // A round at another site saying one case is still to be entered, then that case.
    try h.run(.recordRound(site: "ht-2", checked: 5, fevers: 1, acceptMissingCases: true))
    h.advance(minutes: 1)
    try h.run(.recordFever(site: "ht-2", personName: "丙", reading: Celsius(tenths: 390)))
    // And one after the last round at ht-1, which no round counts.
    try h.run(.recordFever(site: "ht-1", personName: "丁", reading: Celsius(tenths: 382)))
    let r = DailyReport(day: h.state.calendar.day(of: h.now), records: h.journal, end: h.state)
    XCTAssertEqual(r.rounds, 2)
    XCTAssertEqual(r.fevers, 4)
    XCTAssertEqual(r.checked, 16)
    XCTAssertEqual(r.feverCases.map(\.person), ["甲", "乙", "丙", "丁"])
  }

  /// Sign-in punctuality: on time up to the grace period exactly, late by
  /// minutes from the start 1 ms after it, not signed in, signed in for by
  /// the command role, and not yet due for a later shift.
  func testSignInPunctualityAtTheGraceBoundaryAndForOthers() throws {
    var h = Harness()
    let cal = h.state.calendar
    let day = cal.day(of: h.now)
    func evening(_ unit: String) throws -> Shift {
      try XCTUnwrap(h.state.shifts["demo-\(unit)-officer-\(day)-2"])
    }
    let onTime = try evening("jinyuan")
    let late = try evening("jindun")
    let forOther = try evening("heating")
    let missing = try evening("hq")
    h.now = onTime.start.adding(minutes: 15)
    try h.run(.signIn(shift: onTime.id), actor: onTime.person)
    h.now = Instant(milliseconds: late.start.adding(minutes: 15).milliseconds + 1)
    try h.run(.signIn(shift: late.id), actor: late.person)
    h.now = forOther.start.adding(minutes: 5)
    try h.run(.signIn(shift: forOther.id), actor: "hq-duty")
    h.now = missing.start.adding(minutes: 20)
    let noShow = try evening("jinmu")
    try h.run(.markNoShow(shift: noShow.id), actor: "hq-duty")
    let r = DailyReport(day: day, records: h.journal, end: h.state, now: h.now)
    func line(_ s: Shift) -> DailyReport.SignInLine? { r.signIns.first { $0.shift == s.id } }
    XCTAssertEqual(line(onTime)?.status, .onTime)
    XCTAssertEqual(line(late)?.status, .late(minutes: 15))
    XCTAssertEqual(line(forOther)?.status, .onTime)
    XCTAssertEqual(line(forOther)?.signIn?.by, "hq-duty")
    XCTAssertEqual(line(missing)?.status, .missing)
    // The 08:00 shifts signed in at the change; the 00:00 ones before the
    // harness started never did; the 20:00 managers are not due at 16:20.
    let jinyuan = try XCTUnwrap(r.signInCounts.first { $0.unit == "jinyuan" })
    XCTAssertEqual(jinyuan.onTime, 4)
    XCTAssertEqual(jinyuan.missing, 1)
    XCTAssertEqual(jinyuan.notDue, 1)
    XCTAssertEqual(r.signInCounts.first { $0.unit == "heating" }?.forOther, 1)
    // After the day (no `now`), a shift never signed in is missed.
    let afterwards = DailyReport(day: day, records: h.journal, end: h.state)
    XCTAssertEqual(afterwards.signInCounts.first { $0.unit == "jinyuan" }?.notDue, 0)
    XCTAssertEqual(afterwards.signInCounts.first { $0.unit == "jinyuan" }?.missing, 2)

    let zh = Self.section("十二、接班签到", of: ReportRenderer.render(r, state: h.state, format: .md, strings: Strings(.zh)))
    XCTAssertEqual(zh.first, "| 单位 | 准时 | 迟到 | 未签到 | 代签 | 未到时间 |")
    XCTAssertTrue(zh.contains("| 金源物业 | 4 | 0 | 1 | 0 | 1 |"), zh.joined(separator: "\n"))
    let person = { (s: Shift) in h.state.personName(s.person) }
    XCTAssertTrue(zh.contains("- 16:00 金盾护卫 值班人员 \(person(late))：迟到 15 分钟（16:15 签到）"), zh.joined(separator: "\n"))
    XCTAssertTrue(zh.contains("- 16:00 集团机关 值班人员 \(person(missing))：未签到"), zh.joined(separator: "\n"))
    XCTAssertTrue(zh.contains("- 16:00 热力总公司 值班人员 \(person(forOther))：由 hq-duty 代签（16:05）"), zh.joined(separator: "\n"))
    XCTAssertFalse(zh.contains { $0.contains(person(onTime)) }, "on time is only counted")
    XCTAssertEqual(line(noShow)?.status, .missing)
    XCTAssertTrue(zh.contains("- 16:00 产投金钼 值班人员 \(person(noShow))：未签到（已标记未到岗）"), zh.joined(separator: "\n"))
    let csv = ReportRenderer.render(r, state: h.state, format: .csv, strings: Strings(.en))
    XCTAssertTrue(csv.contains("12. Sign-in at shift change,Jindun Security,late,1"), csv)
    XCTAssertTrue(csv.contains("12. Sign-in at shift change,Heating Company,entered for them,1"), csv)
    // Scoped to one unit, only its shifts.
    let one = DailyReport(day: day, unit: "jinyuan", records: h.journal, end: h.state, now: h.now)
    XCTAssertEqual(Set(one.signIns.map(\.unit)), ["jinyuan"])
  }

  func testAuditFiltersByActorUnitAndTime() throws {
    let h = try DemoDay.run()
    let cal = h.state.calendar
    let byActor = AuditTrail.select(h.journal, .init(actor: "rl-duty"), state: h.state)
    XCTAssertEqual(byActor.count, 4)
    XCTAssertTrue(byActor.allSatisfy { $0.actor == "rl-duty" })
    let jinyuan = AuditTrail.select(h.journal, .init(unit: "jinyuan"), state: h.state)
    XCTAssertTrue(jinyuan.contains { if case .feverRecorded = $0.event { true } else { false } })
    XCTAssertFalse(jinyuan.contains { if case .stockMoved(let m) = $0.event { m.unit == "jindun" } else { false } })
    let window = AuditTrail.select(
      h.journal, .init(since: cal.parse("2020-02-07 09:00"), until: cal.parse("2020-02-07 10:00")), state: h.state)
    XCTAssertTrue(window.allSatisfy { cal.formatTime($0.time) >= "09:00" && cal.formatTime($0.time) < "10:00" })
    XCTAssertFalse(window.isEmpty)
    let line = AuditTrail.line(try XCTUnwrap(byActor.first), state: h.state, strings: Strings(.zh))
    XCTAssertTrue(line.hasSuffix("rl-duty  测温: 第一热力站 14/0"), line)
  }
}
