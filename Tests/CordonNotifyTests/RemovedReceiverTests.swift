import CordonModel
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 18: notices pending for a receiver that a reload (SIGHUP) or a
/// restart removed are not owed forever: each is dropped by a journalled
/// event with its reason, visible in the audit trail (read here through the
/// server with `cordon audit --socket`).
extension ServeCrashTests {
  func testNoticesPendingForARemovedReceiverAreDroppedWithAJournalledReason() throws {
    let http = try LoopbackReceiver()
    try seed()
    let config = root.appendingPathComponent("cordon.toml")
    func write(_ text: String) throws { try text.write(to: config, atomically: true, encoding: .utf8) }
    func log() -> String { (try? String(contentsOf: root.appendingPathComponent("serve.log"), encoding: .utf8)) ?? "" }
    func receiver(_ name: String, _ path: String) -> String {
      "[[receivers]]\nname = \"\(name)\"\ntype = \"webhook\"\nurl = \"\(http.url(path))\"\nformat = \"json\"\n\n"
    }
    let route = "[[routes]]\nseverity = [\"critical\"]\nreceivers = [\"ok\", \"stuck\"]\n"
    try write(receiver("ok", "/ok/a") + receiver("stuck", "/hang/b") + route)
    let server = try serve(config: config)
    defer {
      server.terminate()
      server.waitUntilExit()
    }
    for person in ["甲一", "乙二"] {
      let line = #"{"type":"fever","site":"ht-1","person":"\#(person)","reading":38.6}"#
      let r = try cordon(["post", "--socket", socket], stdin: line + "\n")
      XCTAssertEqual(r.status, 0, r.out + r.err)
    }
    XCTAssertTrue(http.wait(15) { http.requests(to: "/ok/").count >= 2 }, "\(http.requests)")

    // The hung receiver is removed; what it was owed is dropped, with the reason, once.
    try write(receiver("ok", "/ok/a") + "[[routes]]\nseverity = [\"critical\"]\nreceivers = [\"ok\"]\n")
    kill(server.processIdentifier, SIGHUP)
    XCTAssertTrue(http.wait(15) { log().contains("notifications reloaded: 1 receiver(s) (ok), 1 route(s)") }, log())
    var dropped: [Substring] = []
    XCTAssertTrue(
      http.wait(15) {
        let audit = (try? cordon(["audit", "--socket", socket, "--lang", "en"]))?.out ?? ""
        dropped = audit.split(separator: "\n").filter { $0.contains("is no longer owed to stuck") }
        return dropped.count >= 2
      }, "\(dropped)")
    XCTAssertEqual(dropped.count, 2, "one line per notice owed to the removed receiver: \(dropped)")
    XCTAssertTrue(
      dropped.allSatisfy { $0.contains("the receiver was removed from the configuration") }, "\(dropped)")
    let zh = try cordon(["audit", "--socket", socket]).out
    XCTAssertTrue(zh.contains("不再发给 stuck：该接收方已从配置中删除"), zh)
    // A restart with the same file drops nothing more: nothing is owed to it any longer.
    server.terminate()
    server.waitUntilExit()
    let again = try serve(config: config)
    defer {
      again.terminate()
      again.waitUntilExit()
    }
    let after = try cordon(["audit", "--socket", socket, "--lang", "en"]).out
    XCTAssertEqual(after.split(separator: "\n").filter { $0.contains("is no longer owed to") }.count, 2)
  }
}
