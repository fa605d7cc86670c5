import CordonModel
import CordonServer
import CordonSession
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// The protocol over a real socket: welcome, live fan-out, commands and
/// results, reconnect-and-resync, a slow client cut off.
final class ProtocolTests: XCTestCase {
  func testWelcomeCarriesPrincipalAndStateThenLiveRecordsReachEveryClient() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let a = try h.newClient()
    let b = try h.newClient()
    defer {
      a.close()
      b.close()
    }
    XCTAssertEqual(a.principal?.role, .command, "the server's own account is the duty room")
    XCTAssertEqual(a.state, h.store.state, "the welcome's state is the store's")
    XCTAssertEqual(a.info.kind, .server(path: h.socketPath))
    XCTAssertEqual(a.info.connection, .connected)

    let seen = Mutex<[UInt64]>([])
    b.observeRecords { rs in seen.withLock { $0 += rs.map(\.seq) } }
    let r = submitAndWait(a, .recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    guard case .success(let seq)? = r else { return XCTFail("fever refused: \(String(describing: r))") }
    try eventually("b sees the fever alert") {
      b.state.alerts.values.contains { $0.key.rule == .fever && $0.key.subject.contains("张三") }
    }
    XCTAssertEqual(b.lastSeq, seq)
    XCTAssertEqual(b.state, h.store.state, "b's state folded from live records equals the store's")
    let s = seen.withLock { $0 }
    XCTAssertEqual(s, Array(Set(s)).sorted(), "each record once, in order")
    let me = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
    XCTAssertEqual(try h.store.records(from: seq, through: seq).first?.actor, me, "the actor is the OS user")
  }

  func testRefusalComesBackWithItsReasonAndField() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let a = try h.newClient()
    defer { a.close() }
    let r = submitAndWait(a, .recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 450)))
    guard case .failure(.refused(let refusal))? = r else { return XCTFail("45.0 accepted: \(String(describing: r))") }
    XCTAssertNotNil(refusal.field, "the form needs the field at fault: \(refusal)")
  }

  func testEveryCommandSurvivesTheWireEncoding() throws {
    let cal = CordonState().calendar
    guard let t = cal.parse("2020-02-07 08:00"), let t2 = cal.parse("2020-02-07 16:30") else { return XCTFail() }
    let key = AlertKey(rule: .fever, subject: "ht-1/张三")
    let commands: [CordonCommand] = [
      .recordRound(site: "ht-1", checked: 12, fevers: 1, acceptMissingCases: true),
      .recordFever(site: "ht-1", personName: "张\"三\\\n", reading: Celsius(tenths: 385)),
      .recordDisinfection(site: "s", area: "大厅", agent: "84", by: "李"),
      .recordVentilation(site: "s"), .openSite(site: "s", staff: 3), .closeSite(site: "s"),
      .receiveStock(unit: "u", item: "mask", quantity: Quantity(milli: 12_500), kind: .donation, reason: "捐赠"),
      .issueStock(unit: "u", item: "d84", quantity: Quantity(milli: 125), reason: ""),
      .transferStock(from: "a", to: "b", item: "mask", quantity: Quantity(100), reason: "调拨"),
      .countStock(unit: "u", item: "mask", counted: Quantity(-3), reason: .lost),
      .setMinimum(unit: "u", item: "mask", minimum: Quantity(500)),
      .assignShift(
        unit: "u", site: nil, role: .manager, person: "p", start: t, end: t2, confirmShortRest: true),
      .assignShift(unit: "u", site: "s", role: .officer, person: "p", start: t, end: t2, confirmShortRest: false),
      .cancelShift(shift: "x", reason: "病"), .markNoShow(shift: "x"), .swapShifts("a", "b"),
      .writeHandover(unit: "u", text: "交班\t说明"),
      .registerHealth(
        person: "p", day: cal.day(of: t), category: .volunteer, morningCheck: Celsius(tenths: 366),
        travellerContact: true, remarks: "无"),
      .registerHealth(
        person: "p", day: cal.day(of: t), category: .other, morningCheck: nil, travellerContact: false, remarks: ""),
      .acknowledgeAlert(key), .assignAlert(key, to: "王"), .silenceAlert(key, minutes: 30, reason: "处理中"),
      .resolveAlert(key, note: "已送医"), .issueDirective(text: "加强测温", targets: ["jindun", "heating"], deadline: t2),
      .acknowledgeDirective(id: "d1", unit: "jindun"),
    ]
    for c in commands {
      guard let line = CommandJSON.encode(c, calendar: cal) else { return XCTFail("no JSON for \(c)") }
      XCTAssertEqual(try CommandJSON.decode(line, calendar: cal), c, line)
    }
    XCTAssertNil(CommandJSON.encode(.register([]), calendar: cal), "registrations never travel")
  }

  /// The server goes away while events keep being committed; the client says
  /// so, reconnects by itself, and ends with exactly the store's events, each once.
  func testReconnectResyncsBySeqWithoutLosingOrRepeatingEvents() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let c = try h.newClient()
    defer { c.close() }
    let seen = Mutex<[UInt64]>([])
    c.observeRecords { rs in seen.withLock { $0 += rs.map(\.seq) } }
    let start = c.lastSeq
    try h.submit(.recordVentilation(site: "ht-1"))
    try eventually("live record") { c.lastSeq == h.store.lastSeq }

    h.stopServer()
    try eventually("the console says it is reconnecting") {
      if case .reconnecting = c.info.connection { return true }
      return false
    }
    for i in 0..<20 { try h.submit(.recordVentilation(site: i % 2 == 0 ? "ht-1" : "ht-2")) }
    try h.restartServer()
    try eventually("reconnected and caught up") { c.info.connection == .connected && c.lastSeq == h.store.lastSeq }
    for i in 0..<5 { try h.submit(.recordVentilation(site: i % 2 == 0 ? "ht-1" : "ht-2")) }
    try eventually("live again") { c.lastSeq == h.store.lastSeq }

    XCTAssertEqual(seen.withLock { $0 }, Array((start + 1)...h.store.lastSeq), "every event once, none missed")
    XCTAssertEqual(c.state, h.store.state)
    XCTAssertTrue(h.log.lines.contains { $0.contains("resync of 20 events") }, "resynced by seq, not by state")
  }

  /// A client that stops reading is cut off once its queue passes the bound;
  /// the store and a well-behaved client carry on at full speed.
  func testSlowClientIsDisconnectedAndNeverSlowsOthers() throws {
    var options = CordonServer.Options()
    options.maxQueuedBytes = 64 << 10
    let h = try ServerHarness(options: options)
    defer { h.shutdown() }
    let good = try h.newClient()
    defer { good.close() }
    let stuck = try RawClient(path: h.socketPath)
    stuck.sendJSON(#"{"type":"hello","version":3}"#)
    try eventually("both connected") { h.server.connectedClients == 2 }

    let started = Date()
    // Log entries of 600 characters: binary records are small, and the
    // stream must outgrow the kernel's socket buffer as well as the budget.
    let text = String(repeating: "通风消毒", count: 150)
    for _ in 0..<1500 {
      try h.submit(
        .logEntry(
          unit: "heating", channel: .phone, from: "", text: text, action: "", significant: false,
          followUpDue: nil, owner: ""))
    }
    let elapsed = Date().timeIntervalSince(started)
    try eventually("the stuck client is cut off") { h.server.connectedClients == 1 }
    try eventually("the good client has everything") { good.lastSeq == h.store.lastSeq }
    XCTAssertEqual(good.info.connection, .connected)
    XCTAssertTrue(
      h.log.lines.contains { $0.contains(WireError.tooSlow) }, "the server says why: \(h.log.lines)")
    XCTAssertLessThan(elapsed, 30, "1500 commits took \(elapsed) s")
    XCTAssertTrue(stuck.isClosedByPeer(), "the stuck connection is closed")
  }

  func testServerRefusesToTakeOverALiveSocket() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let other = CordonServer(store: h.store, access: AccessConfig(), socketPath: h.socketPath)
    XCTAssertThrowsError(try other.start()) { e in XCTAssertTrue("\(e)".contains("already listening"), "\(e)") }
    let c = try h.newClient()
    c.close()
  }
}
