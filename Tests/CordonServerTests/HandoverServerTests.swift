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
    let server = try UnitUsersServer(self, prefix: "cdh")
    let h = server.harness
    defer { h.shutdown() }
    let (jinyuan, jindun, hq) = (server.jinyuan, server.jindun, server.hq)
    // Something for the checklist: a directive jinyuan has not acknowledged.
    try h.submit(.issueDirective(text: "加强门岗测温", targets: ["jinyuan"], deadline: Instant.now().adding(minutes: 600)))

    func post(_ user: String, _ lines: [String]) throws -> [[String: Any]] { try server.post(user, lines) }
    let refused = UnitUsersServer.refused

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
