import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Submit-only sessions (`cordon post`, gateways), on a real server and socket:
/// acknowledgements with what each command created, no state and no records,
/// and the same authorisation as a console of the same principal.
final class SubmitOnlyTests: XCTestCase {
  /// Byte by byte: the welcome has no state, and after commits by others the
  /// next frame is this session's own result, never a records frame.
  func testASubmitOnlySessionGetsItsResultsAndNoStream() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let raw = try RawClient(path: h.socketPath)
    raw.sendJSON(#"{"type":"hello","version":3,"submitOnly":true}"#)
    guard case .welcome(let w)? = raw.readMessage() else { return XCTFail("no welcome") }
    XCTAssertNil(w.state, "no state for a submit-only session")
    XCTAssertNil(w.records)
    XCTAssertEqual(w.submitOnly, true)
    XCTAssertEqual(w.seq, h.store.lastSeq)
    XCTAssertEqual(w.principal.role, .command)

    // A console alongside still gets the stream.
    let console = try h.newClient()
    defer { console.close() }
    let consoleSaw = Mutex<[UInt64]>([])
    console.observeRecords { rs in consoleSaw.withLock { $0 += rs.map(\.seq) } }

    // Others commit: nothing of it reaches the submit-only session.
    for i in 0..<5 { try h.submit(.recordRound(site: "ht-1", checked: i, fevers: 0, acceptMissingCases: false)) }
    let line = try XCTUnwrap(
      CommandJSON.encode(
        .logEntry(
          unit: "heating", channel: .phone, from: "", text: "submit-only", action: "", significant: false,
          followUpDue: nil, owner: ""), calendar: h.store.state.calendar))
    let command = ClientMessage.command(id: 42, commandID: "c-1", lines: [line])
    raw.sendFrame(Array(try JSONEncoder().encode(command)))
    guard case .result(42, let seq?, nil, let created?)? = raw.readMessage() else {
      return XCTFail("the first frame after the hello's welcome is not the result")
    }
    let records = try h.store.records(from: seq, through: seq)
    XCTAssertEqual(created, CordonEvent.createdID(records.map(\.event)), "the id of the log entry it made")
    XCTAssertNotNil(h.store.state.dutyLog[created], "the log entry \(created)")
    try eventually("the console sees every record") { consoleSaw.withLock { $0.last } == seq }
    XCTAssertEqual(console.state, h.store.state)
    // Still nothing more for the submit-only session: the next read times out (5 s) or finds nothing.
    var tv = timeval(tv_sec: 0, tv_usec: 300_000)
    setsockopt(raw.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    XCTAssertNil(raw.readFrame(), "a frame came that the session did not ask for")

    // The client: no state kept, acks with the created id, the store's mode still told.
    let post = RemoteSource(socketPath: h.socketPath, commandTimeout: .seconds(5), submitOnly: true)
    defer { post.close() }
    try post.connect()
    XCTAssertEqual(post.state, CordonState(), "no replica of the state")
    XCTAssertEqual(post.info.connection, .connected)
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<RemoteSource.Committed, StoreFailure>?>(nil)
    post.submit(lines: [line]) { r in
      box.withLock { $0 = r }
      done.signal()
    }
    XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
    let committed = try XCTUnwrap(box.withLock { $0 }).get()
    XCTAssertEqual(committed.seq, h.store.lastSeq)
    XCTAssertNotNil(committed.created)
    XCTAssertNotEqual(committed.created, created, "a new entry, a new id")
    XCTAssertEqual(post.state, CordonState(), "its own command's records did not come either")
    XCTAssertTrue(
      h.log.lines.contains { $0.contains("submit-only at seq") }, h.log.lines.joined(separator: "\n"))
  }

  /// The same principal, the same commands: a submit-only session is refused
  /// exactly what a console is, and what a console may do it may do.
  func testASubmitOnlySessionIsRefusedWhatAConsoleIsRefused() throws {
    guard let pw = getpwuid(getuid()), let name = pw.pointee.pw_name else { throw XCTSkip("no account name") }
    let me = String(cString: name)
    for grant in [AccessConfig.Grant(role: .viewer), AccessConfig.Grant(role: .operator, units: ["heating"])] {
      // The server runs as another uid here, so this user gets only its [users] entry.
      let h = try ServerHarness(access: AccessConfig(users: [me: grant], serverUID: UInt32.max - 7))
      defer { h.shutdown() }
      let console = RemoteSource(socketPath: h.socketPath, commandTimeout: .seconds(5))
      let post = RemoteSource(socketPath: h.socketPath, commandTimeout: .seconds(5), submitOnly: true)
      defer {
        console.close()
        post.close()
      }
      try console.connect()
      try post.connect()
      XCTAssertEqual(post.principal, console.principal)
      let cal = h.store.state.calendar
      let commands: [CordonCommand] = [
        .recordRound(site: "ht-1", checked: 3, fevers: 0, acceptMissingCases: false),
        .recordRound(site: "jd-fleet", checked: 3, fevers: 0, acceptMissingCases: false),
        .logEntry(
          unit: "jindun", channel: .phone, from: "", text: "x", action: "", significant: false, followUpDue: nil,
          owner: ""),
        .recordDisinfection(site: "ht-1", area: "大厅", agent: "84", by: "李"),
      ]
      var refusedSome = false
      for command in commands {
        let line = try XCTUnwrap(CommandJSON.encode(command, calendar: cal))
        let before = h.store.lastSeq
        let viaConsole = try XCTUnwrap(submitAndWait(console, command))
        let afterConsole = h.store.lastSeq
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<RemoteSource.Committed, StoreFailure>?>(nil)
        post.submit(lines: [line]) { r in
          box.withLock { $0 = r }
          done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        let viaPost = try XCTUnwrap(box.withLock { $0 })
        switch (viaConsole, viaPost) {
        case (.failure(.refused(let a)), .failure(.refused(let b))):
          refusedSome = true
          XCTAssertEqual(a, b, "\(grant.role) \(command)")
          XCTAssertEqual(h.store.lastSeq, before, "a refusal changes nothing")
        case (.success, .success(let c)):
          XCTAssertGreaterThan(afterConsole, before)
          XCTAssertEqual(c.seq, h.store.lastSeq)
        default:
          XCTFail("\(grant.role) \(command): console \(viaConsole), submit-only \(viaPost)")
        }
      }
      XCTAssertTrue(refusedSome, "\(grant.role) was refused nothing")
    }
  }

  /// The built `cordon post --socket` connects submit-only and still says
  /// what each line created; the server logs the session as submit-only.
  func testCordonPostThroughTheServerSaysWhatItCreated() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let dir = try temporaryDirectory("post")
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = #"{"type":"logEntry","unit":"heating","channel":"phone","text":"via post"}"#
    let post = try cordon(
      ["post", "--socket", h.socketPath],
      input: #"{"type":"ventilation","site":"ht-1"}"# + "\n" + log + "\n" + #"{"type":"ventilation","site":"nowhere"}"#
        + "\n", in: dir)
    let results = postResults(post)
    XCTAssertEqual(results.count, 3, post.stdout + post.stderr)
    XCTAssertNotNil(results.first?["seq"], post.stdout)
    XCTAssertNil(results.first?["id"], "a ventilation creates nothing to name: \(post.stdout)")
    let id = try XCTUnwrap(results[1]["id"] as? String, post.stdout + post.stderr)
    XCTAssertEqual(h.store.state.dutyLog[id]?.text, "via post")
    XCTAssertNotNil(results[2]["code"], post.stdout)
    XCTAssertEqual(post.status, 1, "a refused line makes the exit status 1")
    try eventually("the server logged the session") { h.log.lines.contains { $0.contains("submit-only at seq") } }
  }
}
