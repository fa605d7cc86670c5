import CordonModel
import CordonServer
import CordonStore
import CordonWire
import Foundation
import Synchronization
import XCTest

/// Issue 14 item 10: unclear or silent messages, through the real server and CLI.
final class MessageClarityTests: XCTestCase {
  /// A 2 MB line is told at once as too large (the server would refuse the
  /// frame), not after 15 s of reconnecting; the next line goes through.
  func testAnOversizedCommandIsToldAtOnce() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let client = try h.newClient()
    defer { client.close() }
    let big = #"{"type":"handover","unit":"heating","text":""# + String(repeating: "x", count: 2_000_000) + #""}"#
    let started = Date()
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<RemoteSource.Committed, StoreFailure>?>(nil)
    client.submit(lines: [big]) { result in
      box.withLock { $0 = result }
      done.signal()
    }
    XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
    guard case .failure(.refused(let r))? = box.withLock({ $0 }) else {
      return XCTFail("a 2 MB line was not refused")
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    XCTAssertEqual(r.code, "server.frameTooLarge")
    XCTAssertEqual(
      Strings(.en).refusal(r),
      "the command is \(r.args[0]) bytes: the server takes at most 1048576 bytes in one message; not sent, not saved")
    XCTAssertEqual(client.info.connection, .connected, "the connection was never dropped")

    // The real `cordon post --socket`: line 1 refused at once, line 2 saved.
    let dir = try temporaryDirectory("big")
    defer { try? FileManager.default.removeItem(at: dir) }
    let before = Date()
    let post = try cordon(
      ["post", "--socket", h.socketPath], input: big + "\n" + #"{"type":"ventilation","site":"ht-1"}"# + "\n", in: dir)
    XCTAssertLessThan(Date().timeIntervalSince(before), 8)
    let results = postResults(post)
    XCTAssertEqual(results.count, 2, post.stdout + post.stderr)
    XCTAssertEqual(results.first?["code"] as? String, "server.frameTooLarge")
    XCTAssertNotNil(results.last?["seq"], post.stdout)
  }

  /// The server names `since` and `id` and their range, and closes.
  func testOutOfRangeSinceAndIdAreNamed() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let c = try RawClient(path: h.socketPath)
    c.sendJSON(#"{"type":"hello","version":3,"since":-1}"#)
    let e = c.readUntilClosed()
    XCTAssertEqual(e?.code, WireError.malformed)
    XCTAssertEqual(
      e?.message, "not a message: field since is -1: it must be a whole number from 0 to 18446744073709551615")

    let d = try RawClient(path: h.socketPath)
    d.sendJSON(#"{"type":"hello","version":3}"#)
    guard case .welcome? = d.readMessage() else { return XCTFail("no welcome") }
    d.sendJSON(#"{"type":"command","id":-1,"lines":["{}"]}"#)
    XCTAssertEqual(
      d.readUntilClosed()?.message,
      "not a message: field id is -1: it must be a whole number from 0 to 18446744073709551615")
  }

  /// An operator or inspector of a unit the store does not have stops
  /// `cordon serve` at start, naming file, line and key; a good file serves.
  func testAnAccessConfigNamingAnUnknownUnitIsRefusedAtStart() throws {
    let dir = try temporaryDirectory("access")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir).path
    let config = dir.appendingPathComponent("access.toml")
    try Data(
      """
      # who may connect
      [users]
      li = { role = "operator", unit = "heatng" }
      "wang" = { role = "inspector", units = ["heating", "nosuch"] }
      zhang = "command"

      [groups]
      cordon = { role = "operator", unit = "heating" }

      """.utf8
    ).write(to: config)
    let socket = dir.appendingPathComponent("s.sock").path
    let binary = try CordonBinaryLocation.find().path
    let r = try runProgram(
      "/usr/bin/timeout", ["20", binary, "serve", "--data", data, "--socket", socket, "--config", config.path])
    XCTAssertEqual(r.status, 2, r.stderr)
    let lines = r.stderr.split(separator: "\n").map(String.init)
    XCTAssertTrue(
      lines.first?.hasPrefix("cordon serve: \(config.path):3: users.li.unit: no unit 'heatng' in the store (units: ")
        ?? false, r.stderr)
    XCTAssertTrue(
      lines.dropFirst().first?.hasPrefix("cordon serve: \(config.path):4: users.wang.units: no unit 'nosuch'") ?? false,
      r.stderr)
    XCTAssertEqual(lines.last, "cordon: \(config.path): refused: 2 unknown unit(s); nothing served")
    XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "nothing listened")
  }
}
