import CordonServer
import Foundation
import XCTest

/// Refusal lines are rate-limited per kind, so a client reconnecting in a
/// loop cannot flood the server's log; what was held back is counted and said.
final class LogFloodTests: XCTestCase {
  func testRefusalLinesAreRateLimitedAndTheRestCounted() throws {
    var options = CordonServer.Options()
    options.refusalLogLines = 5
    options.refusalLogWindowSeconds = 2
    let h = try ServerHarness(options: options)
    defer { h.shutdown() }
    func flood(_ n: Int) throws {
      for _ in 0..<n {
        let c = try RawClient(path: h.socketPath)
        c.sendJSON(#"{"type":"nope"}"#)
        XCTAssertEqual(c.readUntilClosed()?.code, "malformed", "each one is still told why")
      }
    }
    func closing() -> [String] {
      h.log.lines.filter { $0.hasPrefix("notice closing") && $0.contains("code=malformed") }
    }
    let started = Date()
    try flood(50)
    try eventually("the first lines are logged", timeout: 15) { closing().count == 5 }
    XCTAssertEqual(closing().count, 5, "at most 5 in a window: \(h.log.lines.count) lines")
    XCTAssertLessThan(Date().timeIntervalSince(started), 2, "the flood fitted in one window (else rerun)")
    // After the window: the next one is logged, after the count of those held back.
    Thread.sleep(forTimeInterval: 2.2)
    try flood(1)
    try eventually("the count is said", timeout: 15) { closing().count == 6 }
    let held = h.log.lines.filter { $0.contains("were not logged") }
    XCTAssertEqual(
      held,
      ["warning 45 more line(s) of kind malformed were not logged: more than 5 in 2 s code=malformed suppressed=45"])
    // At stop, a window still holding some back says so too.
    try flood(6)
    try eventually("four more, to five in this window", timeout: 15) { closing().count == 10 }
    h.stopServer()
    XCTAssertTrue(
      h.log.lines.contains { $0.hasPrefix("warning 2 more line(s) of kind malformed were not logged") },
      h.log.lines.suffix(5).joined(separator: "\n"))
  }
}
