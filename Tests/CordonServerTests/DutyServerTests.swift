import CordonModel
import CordonServer
import EventSourcing
import Foundation
import XCTest

/// The duty workflow through the real server, as real OS users running the
/// built `cordon post`: reports up, their replies and directive replies are
/// each unit's own, and `post` answers with the id of what a line created.
final class DutyServerTests: XCTestCase {
  /// Three real OS users (removed at teardown): operators of jinyuan and
  /// jindun and a command-role user, a server that knows them, and the built
  /// `cordon` where they can run it. Skips without root.
  func serverWithUsers() throws -> (h: ServerHarness, binary: URL, jinyuan: String, jindun: String, hq: String) {
    let s = try UnitUsersServer(self, prefix: "cdd")
    return (s.harness, s.binary, s.jinyuan, s.jindun, s.hq)
  }

  /// `cordon post` as `user` through the server: one JSON result per line.
  func post(_ user: String, _ lines: [String], _ h: ServerHarness, _ binary: URL) throws -> [[String: Any]] {
    try UnitUsersServer.post(user, lines, h, binary)
  }

  /// A refusal's code and field ("-" for none); nil for a line that applied.
  func refused(_ r: [String: Any]) -> [String]? { UnitUsersServer.refused(r) }

  func testOperatorsReplyOnlyForTheirOwnUnitThroughTheServer() throws {
    let (h, binary, jinyuan, jindun, hq) = try serverWithUsers()
    defer { h.shutdown() }
    try h.submit(.issueDirective(text: "加强门岗测温", targets: ["jinyuan"], deadline: Instant.now().adding(minutes: 600)))
    let directive = try XCTUnwrap(h.store.state.directives.keys.first)
    let cal = h.store.state.calendar
    let past = cal.format(Instant.now().adding(minutes: -60))
    let later = cal.format(Instant.now().adding(minutes: 120))

    func post(_ user: String, _ lines: [String]) throws -> [[String: Any]] { try self.post(user, lines, h, binary) }

    let unit = try post(
      jinyuan,
      [
        #"{"type":"reportUp","unit":"jinyuan","priority":"immediate","text":"东门发现发热人员，已隔离"}"#,
        #"{"type":"logEntry","unit":"jinyuan","channel":"phone","from":"东门岗","text":"来电","followUpDue":"\#(past)"}"#,
        #"{"type":"logEntry","unit":"jinyuan","channel":"phone","from":"东门岗","text":"来电","followUpDue":"\#(later)","owner":"李四","significant":true}"#,
        #"{"type":"replyDirective","id":"\#(directive)","unit":"jinyuan","text":"已落实"}"#,
        #"{"type":"reportUp","unit":"jinyuan","priority":"urgent","text":" "}"#,
      ])
    let report = try XCTUnwrap(unit[0]["id"] as? String, "post names the report it created: \(unit)")
    XCTAssertTrue(report.hasPrefix("up"))
    XCTAssertEqual(refused(unit[1]), ["log.followUpPast", "followUpDue"])
    let entry = try XCTUnwrap(unit[2]["id"] as? String, "\(unit)")
    XCTAssertEqual(h.store.state.dutyLog[entry]?.followUp?.owner, "李四")
    XCTAssertEqual(h.store.state.dutyLog[entry]?.by, jinyuan, "the actor is the peer's OS identity")
    XCTAssertNil(unit[3]["id"], "a reply creates nothing with an id of its own")
    XCTAssertNotNil(unit[3]["seq"])
    XCTAssertEqual(refused(unit[4]), ["field.required", "text"])

    let before = h.store.lastSeq
    let other = try post(
      jindun,
      [
        #"{"type":"replyReport","id":"\#(report)","text":"收到"}"#,
        #"{"type":"ackReport","id":"\#(report)"}"#,
        #"{"type":"replyDirective","id":"\#(directive)","unit":"jinyuan","text":"x"}"#,
        #"{"type":"replyDirective","id":"\#(directive)","unit":"jindun","text":"x"}"#,
        #"{"type":"closeFollowUp","entry":"\#(entry)","note":"x"}"#,
      ])
    XCTAssertEqual(
      other.map(refused),
      [
        ["report.otherUnit", "id"], ["report.notHeadquarters", "id"], ["directive.otherUnit", "unit"],
        ["directive.notTarget", "unit"], ["auth.otherUnit", "-"],
      ])
    XCTAssertEqual(h.store.lastSeq, before, "another unit changed nothing")

    let duty = try post(
      hq,
      [#"{"type":"ackReport","id":"\#(report)"}"#, #"{"type":"replyReport","id":"\#(report)","text":"派车接送"}"#])
    XCTAssertEqual(duty.map(refused), [nil, nil], "\(duty)")
    let own = try post(jinyuan, [#"{"type":"replyReport","id":"\#(report)","text":"车已到"}"#])
    XCTAssertEqual(own.map(refused), [nil], "the sender adds to its own report's thread")

    let state = h.store.state
    let r = try XCTUnwrap(state.reports[report])
    XCTAssertEqual(r.acknowledgedBy, hq)
    XCTAssertEqual(r.replies.map(\.by), [hq, jinyuan])
    XCTAssertEqual(state.directives[directive]?.reply(from: "jinyuan")?.by, jinyuan)
    XCTAssertEqual(state.directives[directive]?.stage(of: "jinyuan"), .replied)
  }

  /// Issue 16: an operator signs in only for its own unit's shifts, and only
  /// as the person on the shift; the command role signs in for someone and
  /// is recorded as doing so. Real OS users, the real server, `cordon post`.
  func testAnOperatorSignsInOnlyForItsOwnUnitsShiftsThroughTheServer() throws {
    let (h, binary, jinyuan, jindun, hq) = try serverWithUsers()
    defer { h.shutdown() }
    let now = Instant.now()
    func shift(_ id: String, _ unit: String, _ person: String) -> CordonEvent {
      .shiftAssigned(
        Shift(
          id: id, unit: unit, site: nil, role: .officer, person: person, start: now.adding(minutes: -10),
          end: now.adding(minutes: 8 * 60), noShow: false, cancelled: false))
    }
    try h.submit(
      .register([
        .personRegistered(Person(id: jinyuan, name: "测试金源", unit: "jinyuan", phone: "13800000001", categories: [])),
        .personRegistered(Person(id: jindun, name: "测试金盾", unit: "jindun", phone: "13800000002", categories: [])),
        shift("t-jy", "jinyuan", jinyuan), shift("t-jd", "jindun", jindun),
      ]))
    // Someone else's shift at jinyuan: one of the demo's covering now.
    let colleague = try XCTUnwrap(
      h.store.state.shifts.values.filter { $0.unit == "jinyuan" && $0.person != jinyuan && $0.covers(now) }
        .min { $0.id < $1.id })
    let before = h.store.lastSeq
    let refusals = try post(
      jinyuan,
      [#"{"type":"signIn","shift":"t-jd"}"#, #"{"type":"signIn","shift":"\#(colleague.id)"}"#], h, binary)
    XCTAssertEqual(refusals.map(refused), [["auth.otherUnit", "-"], ["signIn.notOnShift", "shift"]])
    XCTAssertEqual(h.store.lastSeq, before, "a refused sign-in changes nothing")
    XCTAssertNil(h.store.state.shifts["t-jd"]?.signedIn)

    let own = try post(
      jinyuan, [#"{"type":"signIn","shift":"t-jy"}"#, #"{"type":"signIn","shift":"t-jy"}"#], h, binary)
    XCTAssertEqual(own.map(refused), [nil, ["signIn.twice", "shift"]])
    let signed = try XCTUnwrap(h.store.state.shifts["t-jy"]?.signedIn)
    XCTAssertEqual(signed.by, jinyuan, "the actor is the peer's OS identity")
    XCTAssertFalse(signed.forOther)

    let forOther = try post(hq, [#"{"type":"signIn","shift":"t-jd"}"#], h, binary)
    XCTAssertEqual(forOther.map(refused), [nil])
    let entered = try XCTUnwrap(h.store.state.shifts["t-jd"]?.signedIn)
    XCTAssertEqual(entered.by, hq)
    XCTAssertEqual(entered.person, jindun)
    XCTAssertTrue(entered.forOther, "recorded as signed in for them")
    let out = try post(
      jindun, [#"{"type":"signOut","shift":"t-jy"}"#, #"{"type":"signOut","shift":"t-jd"}"#], h, binary)
    XCTAssertEqual(out.map(refused), [["auth.otherUnit", "-"], nil])
  }
}
