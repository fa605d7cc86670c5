import CordonModel
import CordonServer
import EventSourcing
import Foundation
import XCTest

/// Handovers through the real server, as real OS users running the built
/// `cordon post`: an operator confirms only its own unit's handovers, and
/// every refusal names its field.
final class HandoverServerTests: XCTestCase {
  func testAnOperatorConfirmsOnlyItsOwnUnitsHandoversThroughTheServer() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create OS users (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
    let (jinyuan, jindun, hq) = ("cdh\(tag)jy", "cdh\(tag)jd", "cdh\(tag)hq")
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
      """, file: "handover.toml")
    let h = try ServerHarness(access: access)
    defer { h.shutdown() }
    let binary = h.root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinaryLocation.find(), to: binary)
    chmod(binary.path, 0o755)
    // Something for the checklist: a directive jinyuan has not acknowledged.
    try h.submit(.issueDirective(text: "加强门岗测温", targets: ["jinyuan"], deadline: Instant.now().adding(minutes: 600)))

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

    let wrote = try post(
      jinyuan,
      [
        #"{"type":"handover","unit":"jinyuan","text":"夜班平稳，东门测温枪待修"}"#,
        #"{"type":"handover","unit":"jindun","text":"替别人写"}"#,
      ])
    let id = try XCTUnwrap(wrote[0]["id"] as? String, "post names the handover it wrote: \(wrote)")
    XCTAssertEqual(refused(wrote[1]), ["auth.otherUnit", "-"])
    let note = try XCTUnwrap(h.store.state.handover(id))
    XCTAssertEqual(note.author, jinyuan, "the actor is the peer's OS identity")
    XCTAssertTrue(note.items?.contains { $0.kind == .directive && $0.args.last == "加强门岗测温" } == true, "\(note)")
    let items = note.items?.count ?? 0

    let before = h.store.lastSeq
    let other = try post(
      jindun,
      [
        #"{"type":"confirmHandover","handover":"\#(id)"}"#,
        #"{"type":"confirmHandover","handover":"\#(id)","queries":[{"item":1,"text":"？"}]}"#,
      ])
    XCTAssertEqual(other.map(refused), [["handover.otherUnit", "handover"], ["handover.otherUnit", "handover"]])
    XCTAssertEqual(h.store.lastSeq, before, "another unit changed nothing")

    let bad = try post(
      jinyuan,
      [
        #"{"type":"confirmHandover","handover":"ho0"}"#,
        #"{"type":"confirmHandover","handover":"\#(id)","queries":[{"item":\#(items + 1),"text":"？"}]}"#,
        #"{"type":"confirmHandover","handover":"\#(id)","queries":[{"item":1,"text":"  "}]}"#,
        #"{"type":"confirmHandover","handover":"\#(id)","queries":"all"}"#,
      ])
    XCTAssertEqual(
      bad.map(refused),
      [
        ["handover.unknown", "handover"], ["handover.unknownItem", "queries"], ["handover.queryEmpty", "queries"],
        ["json.field", "queries"],
      ])
    XCTAssertEqual(h.store.lastSeq, before, "refusals changed nothing")

    let ok = try post(
      jinyuan,
      [
        #"{"type":"confirmHandover","handover":"\#(id)","queries":[{"item":1,"text":"指令回复了吗？"}]}"#,
        #"{"type":"confirmHandover","handover":"\#(id)"}"#,
      ])
    XCTAssertNil(refused(ok[0]), "\(ok)")
    XCTAssertEqual(refused(ok[1]), ["handover.confirmedTwice", "handover"])
    let c = try XCTUnwrap(h.store.state.handover(id)?.confirmation)
    XCTAssertEqual(c.by, jinyuan)
    XCTAssertEqual(c.queries, [HandoverQuery(item: 1, text: "指令回复了吗？")])

    // The command role writes for any unit; that unit's operator confirms it.
    let hqWrote = try post(hq, [#"{"type":"handover","unit":"jindun","text":"代写交接"}"#])
    let jd = try XCTUnwrap(hqWrote[0]["id"] as? String, "\(hqWrote)")
    XCTAssertEqual(
      try post(jinyuan, [#"{"type":"confirmHandover","handover":"\#(jd)"}"#]).map(refused),
      [["handover.otherUnit", "handover"]])
    XCTAssertEqual(try post(jindun, [#"{"type":"confirmHandover","handover":"\#(jd)"}"#]).map(refused), [nil])
    XCTAssertEqual(h.store.state.handover(jd)?.confirmation?.by, jindun)
  }
}
