import CordonModel
import CordonStore
import Foundation
import XCTest

/// The built `cordon watch` following a real server through its socket.
final class WatchCLITests: XCTestCase {
  func testWatchFollowsTheServerFiltersByPaneAndSurvivesARestart() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let everything = try WatchProcess(["watch", "--plain", "--socket", h.socketPath, "--lang", "en"])
    defer { everything.stop() }
    let stock = try WatchProcess(["watch", "--plain", "--socket", h.socketPath, "--lang", "en", "--pane", "stock"])
    defer { stock.stop() }
    let zh = try WatchProcess(["watch", "--socket", h.socketPath, "--lang", "zh", "--pane", "alerts"])
    defer { zh.stop() }
    for w in [everything, stock, zh] { try eventually("started", timeout: 10) { w.lines.count >= 1 } }
    XCTAssertTrue(everything.lines[0].hasPrefix("-- Watching \(h.socketPath) (everything), at #"), everything.text)
    XCTAssertTrue(stock.lines[0].contains("(Supply stock)"), stock.text)
    XCTAssertTrue(zh.lines[0].hasPrefix("-- 开始关注"), zh.text)

    let site = try XCTUnwrap(h.store.state.orderedSites.first { $0.unit == "jinyuan" }?.id)
    let fever = try h.submit(.recordFever(site: site, personName: "赵六", reading: Celsius(tenths: 391)))
    try h.submit(.issueStock(unit: "heating", item: "mask", quantity: Quantity(5), reason: "领用"))
    try eventually("the fever and the stock issue reach the stream", timeout: 10) {
      everything.text.contains("fever case") && everything.text.contains("stock movement")
    }
    let seq = try XCTUnwrap(fever.first?.seq)
    XCTAssertTrue(everything.lines.contains { $0.contains("  #\(seq)  Checkpoints  test  ") }, everything.text)
    XCTAssertTrue(everything.lines.contains { $0.contains("[critical]") && $0.contains("Alerts") }, everything.text)
    try eventually("the stock pane sees the issue", timeout: 10) { stock.text.contains("stock movement") }
    try eventually("the alert reaches the zh alerts stream", timeout: 10) { zh.lines.count >= 2 }
    XCTAssertTrue(zh.lines.dropFirst().allSatisfy { $0.contains("  告警队列  ") }, zh.text)
    XCTAssertTrue(zh.lines.contains { $0.contains("[紧急]") && $0.contains("赵六") }, zh.text)
    XCTAssertEqual(stock.lines.count, 2, stock.text)

    // The server goes away and comes back: the stream says so and carries on.
    h.stopServer()
    try eventually("the loss is said", timeout: 10) { everything.text.contains("-- Connection to the server lost") }
    try h.submit(.issueStock(unit: "heating", item: "mask", quantity: Quantity(1), reason: "断线期间"))
    try h.restartServer()
    try eventually("reconnected, and what happened meanwhile shown", timeout: 15) {
      everything.text.contains("-- Reconnected") && everything.text.contains("stock movement: Heating Company")
        && everything.lines.filter { $0.contains("stock movement") }.count == 2
    }
    try h.submit(.issueStock(unit: "heating", item: "mask", quantity: Quantity(2), reason: ""))
    try eventually("a line posted after the restart appears", timeout: 10) {
      stock.lines.filter { $0.contains("stock movement") }.count == 3
    }

    for w in [everything, stock, zh] {
      XCTAssertEqual(w.stop(), 0, w.text)
      XCTAssertFalse(w.bytes.contains(0x1B), "no escape byte when stdout is a file, even without --plain: \(w.text)")
    }
  }

  func testWatchRefusesAnUnknownPaneAndAnUnreachableServer() throws {
    let binary = try CordonBinaryLocation.find().path
    let bad = try runProgram(binary, ["watch", "--pane", "nonsense\u{1B}[2J", "--socket", "/tmp/none.sock"])
    XCTAssertEqual(bad.status, 64, bad.stderr)
    XCTAssertTrue(bad.stderr.contains("--pane must be one of alerts, roster, checkpoints, stock"), bad.stderr)
    XCTAssertFalse(bad.stderr.contains("\u{1B}"), bad.stderr)
    let gone = try runProgram(binary, ["watch", "--socket", "/tmp/cdn-no-such-\(UUID().uuidString.prefix(6)).sock"])
    XCTAssertEqual(gone.status, 1, gone.stderr)
    XCTAssertTrue(gone.stderr.contains("cannot connect"), gone.stderr)
  }

  func testWatchOnADataDirectoryStartsAndEndsCleanly() throws {
    let h = try ServerHarness()
    let dir = h.root.appendingPathComponent("data").path
    h.stopServer()
    h.store.close()
    defer { try? FileManager.default.removeItem(at: h.root) }
    let w = try WatchProcess(["watch", "--data", dir, "--lang", "en"])
    try eventually("started", timeout: 10) { w.lines.count >= 1 }
    XCTAssertTrue(w.lines[0].hasPrefix("-- Watching \(dir) (everything), at #"), w.text)
    XCTAssertEqual(w.stop(), 0, w.text)
    // Closed on SIGTERM: the store opens again at once.
    let again = try EventStore<CordonDomain>.open(directory: URL(fileURLWithPath: dir))
    again.close()
  }
}

/// A `cordon watch` running in the background, its stdout in a file.
final class WatchProcess: @unchecked Sendable {
  // @unchecked: driven by the test thread only.
  let process = Process()
  let out: URL

  init(_ args: [String]) throws {
    out = FileManager.default.temporaryDirectory.appendingPathComponent("cdw-\(UUID().uuidString.prefix(8))")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    process.executableURL = try CordonBinaryLocation.find()
    process.arguments = args
    process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm-256color"]
    process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: out)
    try process.run()
  }

  var bytes: [UInt8] { Array((try? Data(contentsOf: out)) ?? Data()) }
  var text: String { String(decoding: bytes, as: UTF8.self) }
  var lines: [String] { text.split(separator: "\n").map(String.init) }

  /// SIGTERM, then the exit status; the output file is kept until the object goes.
  @discardableResult
  func stop() -> Int32 {
    if process.isRunning {
      process.terminate()
      let end = Date().addingTimeInterval(10)
      while process.isRunning && Date() < end { usleep(10_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    return process.terminationStatus
  }

  deinit {
    stop()
    try? FileManager.default.removeItem(at: out)
  }
}
