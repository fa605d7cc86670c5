import CordonModel
import CordonServer
import EventSourcing
import Foundation
import XCTest

/// Issue 17's commands through the real server as real OS users with the
/// built `cordon post`: the inspector (assigned jinyuan) records visits and
/// findings and verifies, for its own unit only; the unit's operator
/// rectifies its own findings only; teams and deployments stay within the
/// operator's unit. Every refusal changes nothing.
final class OversightServerTests: XCTestCase {
  func testTheAuthorisationMatrixOfInspectionsFindingsAndTeamsThroughTheServer() throws {
    let server = try UnitUsersServer(self, prefix: "cdo")
    let h = server.harness
    defer { h.shutdown() }
    let (jinyuan, jindun, hq, inspector) = (server.jinyuan, server.jindun, server.hq, server.inspector)
    let refused = UnitUsersServer.refused
    let cal = h.store.state.calendar
    let deadline = cal.format(Instant.now().adding(minutes: 24 * 60))

    /// Posts lines that must all be refused; nothing may change.
    func refusals(_ user: String, _ lines: [String]) throws -> [[String]?] {
      let before = h.store.lastSeq
      let results = try server.post(user, lines).map(refused)
      XCTAssertEqual(h.store.lastSeq, before, "\(user): refused lines change nothing")
      return results
    }

    let visit = try server.post(
      inspector, [#"{"type":"inspection","id":"in1","unit":"jinyuan","sites":["jy-dongfeng"],"notes":"夜查"}"#])
    XCTAssertEqual(visit[0]["id"] as? String, "in1", "\(visit)")
    XCTAssertEqual(h.store.state.oversight.inspections["in1"]?.by, inspector, "the actor is the peer's OS identity")
    XCTAssertEqual(
      try refusals(
        inspector,
        [
          #"{"type":"inspection","id":"in2","unit":"heating","sites":["ht-1"]}"#,
          #"{"type":"inspection","id":"in3","unit":"jinyuan","sites":["ht-1"]}"#,
          #"{"type":"finding","id":"f9","inspection":"in1","unit":"heating","text":"x","severity":"minor","deadline":"\#(deadline)"}"#,
          #"{"type":"checklist","kind":"office","items":["a"]}"#,
        ]),
      [
        ["auth.otherUnit", "unit"], ["auth.otherUnit", "unit"], ["auth.otherUnit", "unit"], ["auth.notPermitted", "-"],
      ])
    XCTAssertEqual(
      try refusals(
        jinyuan,
        [
          #"{"type":"inspection","id":"in4","unit":"jinyuan","sites":["jy-dongfeng"]}"#,
          #"{"type":"finding","id":"f8","inspection":"in1","unit":"jinyuan","text":"x","severity":"minor","deadline":"\#(deadline)"}"#,
        ]),
      [["auth.notPermitted", "-"], ["auth.notPermitted", "-"]])

    let raised = try server.post(
      inspector,
      [
        #"{"type":"finding","id":"f1","inspection":"in1","unit":"jinyuan","text":"东风小区测温枪不足","severity":"major","deadline":"\#(deadline)","requestItem":"thermo","requestQuantity":4}"#
      ])
    XCTAssertNil(refused(raised[0]), "\(raised)")
    let rq = try XCTUnwrap(h.store.state.oversight.findings["f1"]?.request)
    XCTAssertEqual(h.store.state.requests[rq]?.finding, "f1")

    XCTAssertEqual(
      try refusals(jindun, [#"{"type":"rectify","finding":"f1","note":"替别人整改"}"#]), [["auth.otherUnit", "-"]])
    XCTAssertEqual(
      try refusals(inspector, [#"{"type":"rectify","finding":"f1","note":"自己整改"}"#]), [["auth.notPermitted", "-"]])
    XCTAssertNil(refused(try server.post(jinyuan, [#"{"type":"rectify","finding":"f1","note":"已补两把"}"#])[0]))
    XCTAssertEqual(
      try refusals(
        jinyuan,
        [
          #"{"type":"verifyFinding","finding":"f1","accepted":true,"note":""}"#,
          #"{"type":"rectify","finding":"f1","note":"again"}"#,
        ]),
      [["auth.notPermitted", "-"], ["finding.awaitingVerification", "finding"]])
    XCTAssertEqual(
      try refusals(jindun, [#"{"type":"verifyFinding","finding":"f1","accepted":true,"note":""}"#]),
      [["auth.notPermitted", "-"]])
    XCTAssertNil(
      refused(try server.post(inspector, [#"{"type":"verifyFinding","finding":"f1","accepted":false,"note":"仍缺"}"#])[0])
    )
    XCTAssertEqual(h.store.state.oversight.findings["f1"]?.status, .open)
    // The finding's request goes the usual way, decided by the command role.
    XCTAssertEqual(
      try refusals(jinyuan, [#"{"type":"approveRequest","id":"\#(rq)","quantity":4}"#]).first??.first,
      "auth.otherUnit")
    XCTAssertNil(refused(try server.post(hq, [#"{"type":"approveRequest","id":"\#(rq)","quantity":4}"#])[0]))
    XCTAssertEqual(h.store.state.requests[rq]?.status, .allocated)
    XCTAssertEqual(h.store.state.requests[rq]?.finding, "f1")

    // Teams and deployments: within the operator's own unit.
    let start = cal.format(Instant.now().adding(minutes: 60))
    let end = cal.format(Instant.now().adding(minutes: 600))
    let formed = try server.post(
      jinyuan,
      [
        #"{"type":"team","id":"jy-squad","name":"金源突击队","leader":"jinyuan-leader-1","members":["jinyuan-officer-1"]}"#,
        #"{"type":"deploy","team":"jy-squad","person":"jinyuan-officer-1","site":"jy-dongfeng","start":"\#(start)","end":"\#(end)"}"#,
      ])
    XCTAssertEqual(formed.map(refused), [nil, nil], "\(formed)")
    XCTAssertEqual(
      try refusals(
        jinyuan,
        [
          #"{"type":"team","id":"mixed","name":"混编","leader":"jinyuan-leader-1","members":["hq-officer-1"]}"#,
          #"{"type":"deploy","team":"jy-squad","person":"jinyuan-leader-1","site":"ht-1","start":"\#(start)","end":"\#(end)"}"#,
          #"{"type":"deploy","team":"jy-squad","person":"jinyuan-officer-1","site":"jy-chaoyang","start":"\#(start)","end":"\#(end)"}"#,
        ]),
      [["auth.otherUnit", "-"], ["auth.otherUnit", "-"], ["deploy.overlap", "start"]])
    XCTAssertEqual(
      try refusals(inspector, [#"{"type":"team","id":"t9","name":"x","leader":"jinyuan-leader-1"}"#]),
      [["auth.notPermitted", "-"]])
    XCTAssertEqual(
      try refusals(
        jindun,
        [
          #"{"type":"deploy","team":"jy-squad","person":"jinyuan-leader-1","site":"jy-chaoyang","start":"\#(start)","end":"\#(end)"}"#
        ]), [["auth.otherUnit", "-"]])
    XCTAssertEqual(h.store.state.oversight.deployments.count, 1)
  }
}
