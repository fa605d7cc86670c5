import CordonModel
import EventSourcing
import Foundation
import XCTest

/// Issue 17 items 1 and 4 through the real `decide` and `apply`: inspections
/// and findings (lifecycle, overdue alert, the shortage request they raise),
/// teams and deployments (overlap, staff figure, the under-staffed warning).
final class OversightTests: XCTestCase {
  static let inspector = Principal(user: "wei", role: .inspector, units: ["jinyuan"])
  static let jinyuan = Principal(user: "jy-duty", role: .operator, units: ["jinyuan"])
  static let heating = Principal(user: "rl-duty", role: .operator, units: ["heating"])

  /// A visit to two jinyuan compounds and one finding due in `hours`.
  static func visitWithFinding(_ h: inout Harness, hours: Int64 = 24, request: FindingRequest? = nil) throws {
    try h.run(
      .recordInspection(
        id: "in1", unit: "jinyuan", sites: ["jy-dongfeng", "jy-chaoyang"], checked: nil, notes: "夜查"),
      actor: "wei")
    try h.run(
      .raiseFinding(
        id: "f1", inspection: "in1", unit: "jinyuan", text: "东风小区门岗测温枪不足", severity: .major,
        deadline: h.now.adding(minutes: hours * 60), request: request), actor: "wei")
  }

  func testAVisitRecordsTheSitesKindsChecklistAndRefusesItemsNotOnIt() throws {
    var h = Harness()
    try h.run(.setChecklist(kind: .compoundCheckpoint, items: ["出入登记", "体温检测开展"]))
    try h.run(
      .recordInspection(id: "in1", unit: "jinyuan", sites: ["jy-dongfeng", "jy-dongfeng"], checked: nil, notes: ""),
      actor: "wei")
    let visit = try XCTUnwrap(h.state.oversight.inspections["in1"])
    XCTAssertEqual(visit.sites, ["jy-dongfeng"])
    XCTAssertEqual(visit.checked, ["出入登记", "体温检测开展"])
    XCTAssertEqual(visit.by, "wei")
    // A heat station keeps the default checklist.
    XCTAssertEqual(h.state.checklist(.heatStation), Checklist.defaultItems)
    let notOnIt = h.refusal(
      .recordInspection(id: "in2", unit: "jinyuan", sites: ["jy-dongfeng"], checked: ["看电视"], notes: ""))
    XCTAssertEqual(notOnIt?.code, "inspection.notOnChecklist")
    XCTAssertEqual(notOnIt?.field, "checked")
    XCTAssertEqual(
      h.refusal(.recordInspection(id: "in2", unit: "jinyuan", sites: ["ht-1"], checked: nil, notes: ""))?.code,
      "inspection.siteOtherUnit")
    XCTAssertEqual(
      h.refusal(.recordInspection(id: "in1", unit: "jinyuan", sites: ["jy-dongfeng"], checked: nil, notes: ""))?.code,
      "inspection.duplicate")
    XCTAssertEqual(
      h.refusal(.recordInspection(id: "in 2", unit: "jinyuan", sites: ["jy-dongfeng"], checked: nil, notes: ""))?
        .field, "id")
    XCTAssertEqual(
      h.refusal(.recordInspection(id: "in2", unit: "jinyuan", sites: [], checked: nil, notes: ""))?.field, "sites")
    XCTAssertEqual(h.refusal(.setChecklist(kind: .office, items: ["a", "a"]))?.code, "checklist.duplicate")
    XCTAssertEqual(h.refusal(.setChecklist(kind: .office, items: []))?.field, "items")
  }

  func testTheFindingLifecycleIncludingReopen() throws {
    var h = Harness()
    try Self.visitWithFinding(&h)
    XCTAssertEqual(h.state.oversight.findings["f1"]?.status, .open)
    XCTAssertEqual(h.refusal(.verifyFinding(finding: "f1", accepted: true, note: ""))?.code, "finding.notRectified")
    h.advance(minutes: 60)
    try h.run(.rectifyFinding(finding: "f1", note: "已补充测温枪两把"), actor: "jy-duty")
    XCTAssertEqual(h.state.oversight.findings["f1"]?.status, .rectified)
    XCTAssertEqual(
      h.refusal(.rectifyFinding(finding: "f1", note: "再次"))?.code, "finding.awaitingVerification")
    // Reopening says why.
    XCTAssertEqual(h.refusal(.verifyFinding(finding: "f1", accepted: false, note: " "))?.field, "note")
    h.advance(minutes: 60)
    try h.run(.verifyFinding(finding: "f1", accepted: false, note: "乐天小区仍缺"), actor: "wei")
    var f = try XCTUnwrap(h.state.oversight.findings["f1"])
    XCTAssertEqual(f.status, .open)
    XCTAssertEqual(f.reopenedAt, h.now)
    h.advance(minutes: 60)
    try h.run(.rectifyFinding(finding: "f1", note: "各门岗均已配齐"), actor: "jy-duty")
    try h.run(.verifyFinding(finding: "f1", accepted: true, note: "复查合格"), actor: "wei")
    f = try XCTUnwrap(h.state.oversight.findings["f1"])
    XCTAssertEqual(f.status, .closed)
    XCTAssertEqual(f.steps.map(\.kind), [.rectified, .reopened, .rectified, .accepted])
    XCTAssertEqual(f.steps.map(\.by), ["jy-duty", "wei", "jy-duty", "wei"])
    XCTAssertEqual(h.refusal(.rectifyFinding(finding: "f1", note: "x"))?.code, "finding.closed")
    XCTAssertEqual(h.refusal(.verifyFinding(finding: "f1", accepted: true, note: ""))?.code, "finding.closed")
    XCTAssertEqual(h.refusal(.rectifyFinding(finding: "nope", note: "x"))?.code, "finding.unknown")
  }

  func testAFindingsBadInputIsRefusedNamingTheField() throws {
    var h = Harness()
    try Self.visitWithFinding(&h)
    func finding(
      id: String = "f2", inspection: String = "in1", unit: String = "jinyuan", text: String = "问题",
      deadline: Instant? = nil, request: FindingRequest? = nil
    ) -> CordonCommand {
      .raiseFinding(
        id: id, inspection: inspection, unit: unit, text: text, severity: .minor,
        deadline: deadline ?? h.now.adding(minutes: 60), request: request)
    }
    XCTAssertEqual(h.refusal(finding(id: "f1"))?.code, "finding.duplicate")
    XCTAssertEqual(h.refusal(finding(inspection: "in9"))?.field, "inspection")
    XCTAssertEqual(h.refusal(finding(unit: "nowhere"))?.field, "unit")
    XCTAssertEqual(h.refusal(finding(text: "  "))?.field, "text")
    XCTAssertEqual(h.refusal(finding(text: String(repeating: "长", count: Limits.text + 1)))?.field, "text")
    XCTAssertEqual(h.refusal(finding(deadline: h.now))?.code, "finding.deadlinePast")
    XCTAssertEqual(h.refusal(finding(deadline: h.now.adding(minutes: 91 * 24 * 60)))?.code, "finding.deadlineTooFar")
    XCTAssertEqual(
      h.refusal(finding(request: FindingRequest(item: "caviar", quantity: Quantity(1))))?.field, "requestItem")
    XCTAssertEqual(
      h.refusal(finding(request: FindingRequest(item: "thermo", quantity: Quantity(milli: 500))))?.field,
      "requestQuantity")
    XCTAssertEqual(
      h.refusal(finding(request: FindingRequest(item: "thermo", quantity: Quantity(0))))?.field, "requestQuantity")
  }

  /// The overdue alert at its boundary, by an injected clock (the harness's
  /// `now`): not a minute before the deadline, at the deadline exactly; it
  /// clears with the rectification and comes back when the finding is reopened.
  func testAnOpenFindingPastItsDeadlineRaisesAnAlertAtTheBoundary() throws {
    var h = Harness()
    try Self.visitWithFinding(&h, hours: 2)
    let key = AlertKey(rule: .findingOverdue, subject: "f1")
    h.advance(minutes: 119)
    _ = h.housekeeping()
    XCTAssertNil(h.state.alerts[key], "a minute before the deadline")
    h.advance(minutes: 1)
    _ = h.housekeeping()
    let a = try XCTUnwrap(h.state.alerts[key], "at the deadline")
    XCTAssertEqual(a.severity, .warning)
    XCTAssertEqual(a.unit, "jinyuan")
    XCTAssertEqual(a.message(h.state, Strings(.zh)), "金源物业 督查问题 f1 已于 2020-02-07 10:00 到期未整改：东风小区门岗测温枪不足")
    XCTAssertEqual(
      a.message(h.state, Strings(.en)),
      "Jinyuan Property: finding f1 was due for rectification 2020-02-07 10:00: 东风小区门岗测温枪不足")
    h.advance(minutes: 30)
    try h.run(.rectifyFinding(finding: "f1", note: "已配齐"), actor: "jy-duty")
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved, "rectifying clears it in the same batch")
    h.advance(minutes: 30)
    try h.run(.verifyFinding(finding: "f1", accepted: false, note: "未配齐"), actor: "wei")
    XCTAssertEqual(h.state.alerts[key]?.state, .open, "reopened past its deadline: at once")
    XCTAssertEqual(h.state.alerts[key]?.count, 2)
  }

  func testACriticalFindingsOverdueAlertIsCritical() throws {
    var h = Harness()
    try h.run(
      .recordInspection(id: "in1", unit: "heating", sites: ["ht-1"], checked: nil, notes: ""), actor: "wei")
    try h.run(
      .raiseFinding(
        id: "f9", inspection: "in1", unit: "heating", text: "无消毒记录", severity: .critical,
        deadline: h.now.adding(minutes: 1), request: nil), actor: "wei")
    h.advance(minutes: 1)
    _ = h.housekeeping()
    XCTAssertEqual(h.alert(.findingOverdue, "f9")?.severity, .critical)
  }

  /// One step raises the request; it flows approve → allocate, or forward →
  /// receive, and the finding and the request name each other throughout.
  func testAFindingRaisesARequestLinkedBothWaysThroughApproveAllocateAndReceive() throws {
    var h = Harness()
    try Self.visitWithFinding(&h, request: FindingRequest(item: "thermo", quantity: Quantity(6)))
    let f = try XCTUnwrap(h.state.oversight.findings["f1"])
    let rq = try XCTUnwrap(f.request)
    var r = try XCTUnwrap(h.state.requests[rq])
    XCTAssertEqual(r.finding, "f1")
    XCTAssertEqual(r.unit, "jinyuan")
    XCTAssertEqual(r.item, "thermo")
    XCTAssertEqual(r.quantity, Quantity(6))
    XCTAssertEqual(r.urgency, .urgent, "a major finding's request is urgent")
    XCTAssertTrue(r.reason.contains("f1"))
    let before = h.state.stock[StockKey(unit: "jinyuan", item: "thermo")]?.balance ?? .zero
    try h.run(.approveRequest(id: rq, quantity: Quantity(4), note: "先拨四把"), actor: "hq-office")
    r = try XCTUnwrap(h.state.requests[rq])
    XCTAssertEqual(r.status, .allocated)
    XCTAssertEqual(r.finding, "f1")
    XCTAssertEqual(h.state.stock[StockKey(unit: "jinyuan", item: "thermo")]?.balance, before + Quantity(4))
    XCTAssertEqual(h.state.oversight.findings["f1"]?.request, rq)
    XCTAssertEqual(OversightText.request(rq, state: h.state, strings: Strings(.zh)), "\(rq) 已调拨")

    // A second finding whose request goes up to the city and arrives.
    try h.run(
      .raiseFinding(
        id: "f2", inspection: "in1", unit: "jinyuan", text: "消毒液不足", severity: .critical,
        deadline: h.now.adding(minutes: 600), request: FindingRequest(item: "d84", quantity: Quantity(50))),
      actor: "wei")
    let rq2 = try XCTUnwrap(h.state.oversight.findings["f2"]?.request)
    XCTAssertEqual(h.state.requests[rq2]?.urgency, .critical)
    try h.run(.forwardRequest(id: rq2, quantity: Quantity(50), note: "报市指挥部"), actor: "hq-office")
    try h.run(.receiveForRequest(id: rq2, quantity: Quantity(50)), actor: "hq-office")
    XCTAssertEqual(h.state.requests[rq2]?.status, .received)
    XCTAssertEqual(h.state.requests[rq2]?.finding, "f2")
    XCTAssertEqual(h.state.oversight.findings["f2"]?.request, rq2)
  }

  func testAuthorisationMatrixForTheOversightCommands() throws {
    var h = Harness()
    try Self.visitWithFinding(&h)
    try h.run(.recordInspection(id: "in-rl", unit: "heating", sites: ["ht-1"], checked: nil, notes: ""))
    let s = h.state
    let commands: [(String, CordonCommand)] = [
      ("inspection", .recordInspection(id: "in2", unit: "jinyuan", sites: ["jy-dongfeng"], checked: nil, notes: "")),
      ("inspectionOther", .recordInspection(id: "in3", unit: "heating", sites: ["ht-1"], checked: nil, notes: "")),
      // The site is another unit's though the unit named is the inspector's.
      ("inspectionOtherSite", .recordInspection(id: "in4", unit: "jinyuan", sites: ["ht-1"], checked: nil, notes: "")),
      (
        "finding",
        .raiseFinding(
          id: "f2", inspection: "in1", unit: "jinyuan", text: "x", severity: .minor,
          deadline: h.now.adding(minutes: 60),
          request: nil)
      ),
      (
        "findingOtherUnit",
        .raiseFinding(
          id: "f3", inspection: "in1", unit: "heating", text: "x", severity: .minor,
          deadline: h.now.adding(minutes: 60),
          request: nil)
      ),
      (
        "findingOtherInspection",
        .raiseFinding(
          id: "f4", inspection: "in-rl", unit: "jinyuan", text: "x", severity: .minor,
          deadline: h.now.adding(minutes: 60), request: nil)
      ),
      ("rectify", .rectifyFinding(finding: "f1", note: "ok")),
      ("verify", .verifyFinding(finding: "f1", accepted: true, note: "")),
      ("checklist", .setChecklist(kind: .office, items: ["a"])),
    ]
    let viewer = Principal(user: "v", role: .viewer, units: [])
    let command = Principal(user: "hq", role: .command, units: [])
    let expected: [String: [String: String?]] = [
      "inspection": ["insp": nil, "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "inspectionOther": ["insp": "auth.otherUnit", "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "inspectionOtherSite": ["insp": "auth.otherUnit", "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "finding": ["insp": nil, "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "findingOtherUnit": ["insp": "auth.otherUnit", "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "findingOtherInspection": ["insp": "auth.otherUnit", "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "rectify": ["insp": "auth.notPermitted", "jy": nil, "rl": "auth.otherUnit"],
      "verify": ["insp": nil, "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
      "checklist": ["insp": "auth.notPermitted", "jy": "auth.notPermitted", "rl": "auth.notPermitted"],
    ]
    for (name, c) in commands {
      XCTAssertNil(Authorization.check(c, by: command, in: s), name)
      // Changing the organisation is refused as such, whoever is not the command role.
      XCTAssertEqual(
        Authorization.check(c, by: viewer, in: s)?.code, c.isAdministration ? "auth.notPermitted" : "auth.readOnly",
        name)
      for (who, p) in [("insp", Self.inspector), ("jy", Self.jinyuan), ("rl", Self.heating)] {
        XCTAssertEqual(Authorization.check(c, by: p, in: s)?.code, expected[name]?[who] ?? nil, "\(name) by \(who)")
      }
    }
  }

  func testDeployingAPersonToTwoSitesAtOverlappingTimesIsRefused() throws {
    var h = Harness()
    let members = ["jinyuan-officer-1", "jinyuan-officer-2", "jinyuan-manager-1"]
    try h.run(.formTeam(id: "vanguard", name: "先锋突击队", leader: "jinyuan-leader-1", members: members))
    XCTAssertEqual(h.state.oversight.teams["vanguard"]?.members, ["jinyuan-leader-1"] + members)
    let start = h.now.adding(minutes: 60)
    let end = start.adding(minutes: 12 * 60)
    try h.run(.deploy(team: "vanguard", person: "jinyuan-officer-1", site: "jy-dongfeng", start: start, end: end))
    let clash = h.refusal(
      .deploy(
        team: "vanguard", person: "jinyuan-officer-1", site: "jy-chaoyang", start: end.adding(minutes: -1),
        end: end.adding(minutes: 60)))
    XCTAssertEqual(clash?.code, "deploy.overlap")
    XCTAssertEqual(clash?.field, "start")
    XCTAssertEqual(
      Strings(.zh).refusal(try XCTUnwrap(clash)),
      "\(h.state.personName("jinyuan-officer-1")) 已派驻 东风小区检查点（2020-02-07 09:00 至 2020-02-07 21:00），不能同时派往两处")
    // Back to back is not at once; another member may go at the same time.
    try h.run(
      .deploy(
        team: "vanguard", person: "jinyuan-officer-1", site: "jy-chaoyang", start: end, end: end.adding(minutes: 60)))
    try h.run(.deploy(team: "vanguard", person: "jinyuan-officer-2", site: "jy-chaoyang", start: start, end: end))
    // A recall frees the rest of the period.
    let first = try XCTUnwrap(
      h.state.oversight.deployments.values.first { $0.person == "jinyuan-officer-2" }?.id)
    h.advance(minutes: 120)
    try h.run(.recallDeployment(id: first, reason: "派错点位"))
    try h.run(
      .deploy(
        team: "vanguard", person: "jinyuan-officer-2", site: "jy-letian", start: h.now, end: h.now.adding(minutes: 60)))
    XCTAssertEqual(h.refusal(.recallDeployment(id: first, reason: "again"))?.code, "deploy.unknown")
    XCTAssertEqual(
      h.refusal(.deploy(team: "vanguard", person: "hq-officer-1", site: "jy-letian", start: start, end: end))?.code,
      "deploy.notMember")
    XCTAssertEqual(
      h.refusal(.deploy(team: "nope", person: "jinyuan-officer-1", site: "jy-letian", start: start, end: end))?.field,
      "team")
    XCTAssertEqual(
      h.refusal(
        .deploy(
          team: "vanguard", person: "jinyuan-manager-1", site: "jy-letian", start: start,
          end: start.adding(minutes: 32 * 24 * 60)))?.code, "deploy.tooLong")
    XCTAssertEqual(
      h.refusal(.deploy(team: "vanguard", person: "jinyuan-manager-1", site: "jy-letian", start: end, end: start))?
        .field, "end")
    XCTAssertEqual(h.refusal(.formTeam(id: "t2", name: "x", leader: "nobody", members: []))?.field, "leader")
    XCTAssertEqual(
      h.refusal(.formTeam(id: "t2", name: "x", leader: "hq-officer-1", members: ["ghost"]))?.field, "members")
  }

  /// The staff figure counts deployed members; a site below its required staff is a warning until it is not.
  func testDeployedMembersCountInTheStaffFigureAndAnUnderstaffedSiteWarns() throws {
    var h = Harness()
    try h.run(.updateSite(id: "jy-dongfeng", SiteChanges(requiredStaff: 4)))
    let key = AlertKey(rule: .siteUnderstaffed, subject: "jy-dongfeng")
    XCTAssertEqual(h.state.alerts[key]?.state, .open, "2 on post, 4 required")
    XCTAssertEqual(h.state.alerts[key]?.message(h.state, Strings(.zh)), "东风小区检查点 在岗 2 人，少于应有 4 人")
    try h.run(
      .formTeam(id: "sq", name: "金源突击队", leader: "jinyuan-leader-1", members: ["jinyuan-officer-1"]))
    let end = h.now.adding(minutes: 120)
    try h.run(.deploy(team: "sq", person: "jinyuan-leader-1", site: "jy-dongfeng", start: h.now, end: end))
    try h.run(.deploy(team: "sq", person: "jinyuan-officer-1", site: "jy-dongfeng", start: h.now, end: end))
    let site = try XCTUnwrap(h.state.sites["jy-dongfeng"])
    XCTAssertEqual(h.state.staffFigure(site: site, at: h.now), 4)
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved, "the deployment settles it in the same batch")
    h.advance(minutes: 119)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved)
    h.advance(minutes: 1)
    _ = h.housekeeping()
    XCTAssertEqual(h.state.alerts[key]?.state, .open, "the deployment ended")
    XCTAssertEqual(h.state.staffFigure(site: site, at: h.now), 2)
    XCTAssertEqual(h.refusal(.updateSite(id: "jy-dongfeng", SiteChanges(requiredStaff: -1)))?.field, "requiredStaff")
  }

  func testTheNewCommandsRoundTripThroughJSONAndBadLinesNameTheField() throws {
    let cal = CordonState().calendar
    let t = try XCTUnwrap(cal.parse("2020-02-09 18:00"))
    try assertJSONRoundTrips(
      [
        .setChecklist(kind: .heatStation, items: ["a", "b"]),
        .recordInspection(id: "in1", unit: "jinyuan", sites: ["jy-dongfeng"], checked: ["体温检测开展"], notes: "夜查"),
        .recordInspection(id: "in1", unit: "jinyuan", sites: ["jy-dongfeng"], checked: nil, notes: ""),
        .raiseFinding(
          id: "f1", inspection: "in1", unit: "jinyuan", text: "测温枪不足", severity: .major, deadline: t,
          request: FindingRequest(item: "thermo", quantity: Quantity(10))),
        .raiseFinding(
          id: "f2", inspection: "in1", unit: "jinyuan", text: "x", severity: .minor, deadline: t, request: nil),
        .rectifyFinding(finding: "f1", note: "已补"),
        .verifyFinding(finding: "f1", accepted: false, note: "未补齐"),
        .formTeam(id: "vanguard", name: "先锋突击队", leader: "p1", members: ["p2", "p3"]),
        .deploy(team: "vanguard", person: "p2", site: "jy-dongfeng", start: t, end: t.adding(minutes: 600)),
        .recallDeployment(id: "dp3", reason: "撤回"),
        .updateSite(id: "jy-dongfeng", SiteChanges(requiredStaff: 4)),
      ], calendar: cal)
    let base =
      #""type":"finding","id":"f1","inspection":"in1","unit":"jinyuan","text":"x","deadline":"2020-02-09 18:00""#
    XCTAssertEqual(refusedField("{\(base),\"severity\":\"awful\"}", calendar: cal), "severity")
    XCTAssertEqual(
      refusedField("{\(base),\"severity\":\"minor\",\"requestItem\":\"thermo\"}", calendar: cal), "requestQuantity")
    XCTAssertEqual(refusedField("{\(base),\"severity\":\"minor\",\"requestQuantity\":3}", calendar: cal), "requestItem")
    XCTAssertEqual(refusedField(#"{"type":"verifyFinding","finding":"f1","note":""}"#, calendar: cal), "accepted")
    XCTAssertEqual(
      refusedField(#"{"type":"inspection","id":"i","unit":"u","sites":"jy-dongfeng"}"#, calendar: cal), "sites")
    XCTAssertEqual(
      refusedField(
        #"{"type":"deploy","team":"t","person":"p","site":"s","start":"soon","end":"later"}"#, calendar: cal),
      "start")
  }

  /// Replay from the journal, and from a snapshot mid-way, gives the live
  /// state; every new event round-trips through JSON.
  func testReplayOfInspectionsAndDeploymentsEqualsTheLiveState() throws {
    var h = Harness()
    try h.run(.setChecklist(kind: .compoundCheckpoint, items: ["出入登记", "体温检测开展"]))
    try Self.visitWithFinding(&h, hours: 1, request: FindingRequest(item: "thermo", quantity: Quantity(2)))
    try h.run(.formTeam(id: "sq", name: "金源突击队", leader: "jinyuan-leader-1", members: ["jinyuan-officer-1"]))
    try h.run(
      .deploy(
        team: "sq", person: "jinyuan-officer-1", site: "jy-dongfeng", start: h.now, end: h.now.adding(minutes: 90)))
    h.advance(minutes: 61)
    _ = h.housekeeping()
    try h.run(.rectifyFinding(finding: "f1", note: "ok"), actor: "jy-duty")
    try h.run(.verifyFinding(finding: "f1", accepted: false, note: "not ok"), actor: "wei")
    try h.run(.recallDeployment(id: try XCTUnwrap(h.state.oversight.deployments.keys.first), reason: "回撤"))
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    XCTAssertEqual(replayed, h.state)
    let cut = h.journal.count - 5
    var head = CordonState()
    for r in h.journal[..<cut] { head.apply(r) }
    var restored = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(head))
    for r in h.journal[cut...] { restored.apply(r) }
    XCTAssertEqual(restored, h.state)
    for r in h.journal.suffix(15) {
      XCTAssertEqual(try JSONDecoder().decode(EventRecord<CordonEvent>.self, from: try JSONEncoder().encode(r)), r)
    }
  }

  /// Every new event has an audit line in both languages that names it.
  func testAuditLinesInBothLanguages() throws {
    var h = Harness()
    try h.run(.setChecklist(kind: .compoundCheckpoint, items: ["出入登记"]))
    try Self.visitWithFinding(&h, request: FindingRequest(item: "thermo", quantity: Quantity(2)))
    try h.run(.rectifyFinding(finding: "f1", note: "已补"), actor: "jy-duty")
    try h.run(.verifyFinding(finding: "f1", accepted: true, note: "合格"), actor: "wei")
    try h.run(.formTeam(id: "sq", name: "金源突击队", leader: "jinyuan-leader-1", members: []))
    try h.run(
      .deploy(team: "sq", person: "jinyuan-leader-1", site: "jy-dongfeng", start: h.now, end: h.now.adding(minutes: 90))
    )
    try h.run(.recallDeployment(id: try XCTUnwrap(h.state.oversight.deployments.keys.first), reason: "回撤"))
    let kinds = [
      "checklistSet", "inspectionRecorded", "findingRaised", "findingRectified", "findingVerified", "teamFormed",
      "memberDeployed", "deploymentRecalled",
    ]
    for lang in Language.allCases {
      let t = Strings(lang)
      let lines = h.journal.suffix(12).map { AuditTrail.describe($0.event, state: h.state, strings: t) }
      for k in kinds {
        XCTAssertTrue(lines.contains { $0.hasPrefix(t("event.\(k)") + ": ") }, "\(lang) \(k): \(lines)")
      }
    }
    let zh = h.journal.suffix(12).map { AuditTrail.describe($0.event, state: h.state, strings: Strings(.zh)) }
    XCTAssertTrue(zh.contains { $0.contains("f1 金源物业 较重 限 2020-02-08 08:00 前整改") && $0.contains("物资申请 rq") }, "\(zh)")
    let unitFiltered = AuditTrail.select(h.journal, AuditTrail.Filter(unit: "jinyuan"), state: h.state)
    XCTAssertTrue(unitFiltered.contains { if case .findingRectified = $0.event { true } else { false } })
  }

  /// The two rules incremental (per finding, per site) against the whole
  /// evaluation, their oracle, over random oversight commands with the clock moving.
  func testTheOversightRulesIncrementallyEqualTheWholeEvaluation() throws {
    for seed in UInt64(1)...4 {
      var h = Harness()
      var rng = SeededRandom(seed: seed)
      try h.run(.recordInspection(id: "in1", unit: "jinyuan", sites: ["jy-dongfeng"], checked: nil, notes: ""))
      let members = ["jinyuan-officer-1", "jinyuan-officer-2", "jinyuan-manager-1", "jinyuan-manager-2"]
      try h.run(.formTeam(id: "vg", name: "先锋", leader: "jinyuan-leader-1", members: members))
      let sites = ["jy-dongfeng", "jy-chaoyang", "jy-letian"]
      var decided = 0
      for step in 0..<200 {
        if Int.random(in: 0..<3, using: &rng) == 0 { h.advance(minutes: Int64.random(in: 1...90, using: &rng)) }
        let findings = h.state.oversight.findings.keys.sorted()
        let deployments = h.state.oversight.deployments.keys.sorted()
        let site = sites.randomElement(using: &rng) ?? "jy-dongfeng"
        let command: CordonCommand
        switch Int.random(in: 0..<9, using: &rng) {
        case 0:
          command = .raiseFinding(
            id: "f\(step)", inspection: "in1", unit: "jinyuan", text: "问题", severity: .major,
            deadline: h.now.adding(minutes: Int64.random(in: 1...240, using: &rng)), request: nil)
        case 1: command = .rectifyFinding(finding: findings.randomElement(using: &rng) ?? "f0", note: "改")
        case 2:
          command = .verifyFinding(
            finding: findings.randomElement(using: &rng) ?? "f0", accepted: Bool.random(using: &rng), note: "查")
        case 3, 4:
          let start = h.now.adding(minutes: Int64.random(in: -60...120, using: &rng))
          command = .deploy(
            team: "vg", person: members.randomElement(using: &rng) ?? members[0], site: site, start: start,
            end: start.adding(minutes: Int64.random(in: 30...300, using: &rng)))
        case 5: command = .recallDeployment(id: deployments.randomElement(using: &rng) ?? "dp0", reason: "回")
        case 6: command = .updateSite(id: site, SiteChanges(requiredStaff: Int.random(in: 0...6, using: &rng)))
        case 7: command = Bool.random(using: &rng) ? .closeSite(site: site) : .openSite(site: site, staff: 2)
        default: command = .openSite(site: site, staff: Int.random(in: 0...4, using: &rng))
        }
        let context = CommandContext(actor: "t", unit: nil, now: h.now)
        let incremental = Result { () throws(Refusal) in
          try CordonDomain.decide(command, context: context, state: h.state)
        }
        let whole = Result { () throws(Refusal) in
          try CordonDomain.decideByFullEvaluation(command, context: context, state: h.state)
        }
        switch (incremental, whole) {
        case (.success(let a), .success(let b)):
          XCTAssertEqual(a, b, "seed \(seed) step \(step): \(command)")
          h.append(a, actor: "t", unit: nil)
          decided += 1
        case (.failure(let a), .failure(let b)): XCTAssertEqual(a, b, "seed \(seed) step \(step)")
        default: XCTFail("seed \(seed) step \(step): \(incremental) against \(whole)")
        }
        if Int.random(in: 0..<4, using: &rng) == 0 { _ = h.housekeeping() }
      }
      XCTAssertGreaterThan(decided, 80, "seed \(seed)")
      XCTAssertTrue(h.state.alerts.keys.contains { $0.rule == .findingOverdue }, "seed \(seed)")
      XCTAssertTrue(h.state.alerts.keys.contains { $0.rule == .siteUnderstaffed }, "seed \(seed)")
    }
  }
}
