import CordonModel
import CordonServer
import EventSourcing
import Foundation
import XCTest

/// The duty workflow through the real server, as real OS users running the
/// built `cordon post`: reports up, their replies and directive replies are
/// each unit's own, and `post` answers with the id of what a line created.
final class DutyServerTests: XCTestCase {
  func testOperatorsReplyOnlyForTheirOwnUnitThroughTheServer() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create OS users (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
    let (jinyuan, jindun, hq) = ("cdd\(tag)jy", "cdd\(tag)jd", "cdd\(tag)hq")
    addTeardownBlock { for u in [jinyuan, jindun, hq] { _ = try? runProgram("/usr/sbin/userdel", [u]) } }
    for u in [jinyuan, jindun, hq] {
      try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", u]), "useradd \(u)")
    }
    let access = try AccessConfig.parse(
      """
      [users]
      \(jinyuan) = { role = "operator", unit = "jinyuan" }
      \(jindun) = { role = "operator", unit = "jindun" }
      \(hq) = "command"
      """, file: "duty.toml")
    let h = try ServerHarness(access: access)
    defer { h.shutdown() }
    let binary = h.root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinaryLocation.find(), to: binary)
    chmod(binary.path, 0o755)
    try h.submit(.issueDirective(text: "加强门岗测温", targets: ["jinyuan"], deadline: Instant.now().adding(minutes: 600)))
    let directive = try XCTUnwrap(h.store.state.directives.keys.first)
    let cal = h.store.state.calendar
    let past = cal.format(Instant.now().adding(minutes: -60))
    let later = cal.format(Instant.now().adding(minutes: 120))

    func post(_ user: String, _ lines: [String]) throws -> [[String: Any]] {
      let r = try postAs(user, lines, binary: binary, socket: h.socketPath, in: h.root)
      let results = r.stdout.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      }
      XCTAssertEqual(results.count, lines.count, "one result per line: \(r.stdout) \(r.stderr)")
      return results
    }
    func refused(_ r: [String: Any]) -> [String]? {
      guard let code = r["code"] as? String else { return nil }
      return [code, r["field"] as? String ?? "-"]
    }

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
}
