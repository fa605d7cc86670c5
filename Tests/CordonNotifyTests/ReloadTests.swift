import CordonModel
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// SIGHUP to the built `cordon serve` reloads receivers and routes (validated
/// first), against a real loopback receiver: new routes take over, a bad
/// file keeps those in force and the log names the file and the key.
extension ServeCrashTests {
  func testSIGHUPReloadsReceiversAndRoutesAndABadFileKeepsThoseInForce() throws {
    let http = try LoopbackReceiver()
    try seed()
    let config = root.appendingPathComponent("cordon.toml")
    func write(_ text: String) throws { try text.write(to: config, atomically: true, encoding: .utf8) }
    func log() -> String { (try? String(contentsOf: root.appendingPathComponent("serve.log"), encoding: .utf8)) ?? "" }
    func fever(_ person: String) throws {
      let line = #"{"type":"fever","site":"ht-1","person":"\#(person)","reading":38.6}"#
      let r = try cordon(["post", "--socket", socket], stdin: line + "\n")
      XCTAssertEqual(r.status, 0, r.out + r.err)
    }
    func bodies(_ prefix: String) -> [String] {
      http.requests(to: prefix).compactMap { ($0.json["text"] as? [String: Any])?["content"] as? String }
    }
    func receiver(_ name: String, _ extra: String = "") -> String {
      """
      [[receivers]]
      name = "\(name)"
      type = "webhook"
      url = "\(http.url("/wecom/\(name)?key=\(name)-secret"))"
      format = "wecom"
      \(extra)

      """
    }
    func route(_ to: String) -> String { "[[routes]]\nseverity = [\"critical\"]\nreceivers = [\"\(to)\"]\n" }
    try write(receiver("first") + route("first"))
    let server = try serve(config: config)
    defer {
      server.terminate()
      server.waitUntilExit()
    }
    try fever("甲一")
    XCTAssertTrue(http.wait(15) { bodies("/wecom/first").contains { $0.contains("甲一") } }, "\(http.requests)")

    // A second receiver, and the route moved to it.
    try write(receiver("first") + receiver("second") + route("second"))
    kill(server.processIdentifier, SIGHUP)
    XCTAssertTrue(
      http.wait(15) { log().contains("notifications reloaded: 2 receiver(s) (first, second), 1 route(s)") }, log())
    try fever("乙二")
    XCTAssertTrue(http.wait(15) { bodies("/wecom/second").contains { $0.contains("乙二") } }, "\(http.requests)")
    Thread.sleep(forTimeInterval: 0.5)
    XCTAssertFalse(bodies("/wecom/first").contains { $0.contains("乙二") }, "the old route no longer applies")

    // A bad file: refused naming the file and the key, never a value; the routes in force stay.
    try write(receiver("third", "colour = \"red\"") + "[[routes]]\nreceivers = [\"third\"]\n")
    kill(server.processIdentifier, SIGHUP)
    XCTAssertTrue(http.wait(15) { log().contains("kept the access config in force") }, log())
    let refusal = log().split(separator: "\n").last { $0.contains("kept the access config in force") } ?? ""
    XCTAssertTrue(refusal.contains(config.path), String(refusal))
    XCTAssertTrue(refusal.contains("receivers[1]: unknown key 'colour'"), String(refusal))
    try fever("丙三")
    XCTAssertTrue(http.wait(15) { bodies("/wecom/second").contains { $0.contains("丙三") } }, "\(http.requests)")
    XCTAssertTrue(http.requests(to: "/wecom/third").isEmpty)
    // Every notification reached one receiver once: a reload loses and repeats nothing.
    let ids = http.requests.flatMap(\.ids)
    XCTAssertEqual(ids.count, Set(ids).count, "\(ids)")
    for secret in ["first-secret", "second-secret", "third-secret"] { XCTAssertFalse(log().contains(secret), log()) }
  }
}
