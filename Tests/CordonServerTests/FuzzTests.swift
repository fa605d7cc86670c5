import CordonModel
import CordonServer
import CordonWire
import Foundation
import XCTest

/// Garbage on the socket: each bad connection is closed with an error, and
/// the server and a connected console carry on as if nothing happened.
final class FuzzTests: XCTestCase {
  private var h: ServerHarness?
  private var bystander: RemoteSource?

  override func setUpWithError() throws {
    var options = CordonServer.Options()
    options.helloTimeout = .seconds(1)
    let h = try ServerHarness(options: options)
    self.h = h
    bystander = try h.newClient()
  }

  override func tearDown() {
    bystander?.close()
    h?.shutdown()
  }

  /// The bystander still gets live records and the server still welcomes newcomers.
  private func assertUnaffected(_ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
    guard let h, let bystander else { return XCTFail("no harness") }
    try h.submit(.recordVentilation(site: "ht-1"))
    try eventually("bystander live after \(what)") { bystander.lastSeq == h.store.lastSeq }
    XCTAssertEqual(bystander.info.connection, .connected, what, file: file, line: line)
    let fresh = try h.newClient()
    XCTAssertEqual(fresh.lastSeq, h.store.lastSeq, what, file: file, line: line)
    fresh.close()
  }

  private func expectClosed(
    _ c: RawClient, code: String, _ what: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    let e = c.readUntilClosed()
    XCTAssertEqual(e?.code, code, "\(what): \(String(describing: e))", file: file, line: line)
    XCTAssertFalse(e?.message.isEmpty ?? true, what, file: file, line: line)
  }

  func testWrongVersionIsRefusedWithAMessage() throws {
    let c = try RawClient(path: try XCTUnwrap(h).socketPath)
    c.sendJSON(#"{"type":"hello","version":999}"#)
    let e = c.readUntilClosed()
    XCTAssertEqual(e?.code, WireError.version)
    XCTAssertTrue(e?.message.contains("999") ?? false, "\(String(describing: e))")
    try assertUnaffected("wrong version")
  }

  func testOversizedLengthIsRefusedBeforeBuffering() throws {
    let c = try RawClient(path: try XCTUnwrap(h).socketPath)
    c.send([0xFF, 0xFF, 0xFF, 0xFF, 0x7B])
    expectClosed(c, code: WireError.frameTooLarge, "4 GiB length")
    let d = try RawClient(path: try XCTUnwrap(h).socketPath)
    d.sendJSON(#"{"type":"hello","version":3}"#)
    guard case .welcome? = d.readMessage() else { return XCTFail("no welcome") }
    d.send([0x00, 0x20, 0x00, 0x00])  // 2 MiB: above the client limit, after hello
    expectClosed(d, code: WireError.frameTooLarge, "2 MiB after hello")
    try assertUnaffected("oversized frames")
  }

  func testMalformedMessagesCloseTheConnection() throws {
    let path = try XCTUnwrap(h).socketPath
    let cases: [(String, [UInt8], String)] = [
      ("not JSON", Array("hello?".utf8), WireError.malformed),
      ("JSON but not an object", Array("[1,2]".utf8), WireError.malformed),
      ("unknown type", Array(#"{"type":"shutdown"}"#.utf8), WireError.malformed),
      ("hello without version", Array(#"{"type":"hello"}"#.utf8), WireError.malformed),
      ("command before hello", Array(#"{"type":"command","id":1,"lines":["{}"]}"#.utf8), WireError.unexpected),
      ("invalid UTF-8", [0x7B, 0xFF, 0xFE, 0x7D], WireError.malformed),
      ("empty frame", [], WireError.malformed),
    ]
    for (what, payload, code) in cases {
      let c = try RawClient(path: path)
      c.sendFrame(payload)
      expectClosed(c, code: code, what)
    }
    let c = try RawClient(path: path)
    c.sendJSON(#"{"type":"hello","version":3}"#)
    guard case .welcome? = c.readMessage() else { return XCTFail("no welcome") }
    c.sendJSON(#"{"type":"hello","version":3}"#)
    expectClosed(c, code: WireError.unexpected, "a second hello")
    try assertUnaffected("malformed messages")
  }

  /// A command line the model cannot read is a refusal, not a disconnect: the
  /// connection stays up for the next line (as in `cordon post`).
  func testBadCommandLinesAreRefusalsNotDisconnects() throws {
    let c = try RawClient(path: try XCTUnwrap(h).socketPath)
    c.sendJSON(#"{"type":"hello","version":3}"#)
    guard case .welcome? = c.readMessage() else { return XCTFail("no welcome") }
    c.sendJSON(#"{"type":"command","id":7,"lines":["{\"type\":\"fever\",\"site\":\"ht-1\"}"]}"#)
    guard case .result(7, nil, .refused(let r)?, nil)? = c.readMessage() else { return XCTFail("no refusal") }
    XCTAssertEqual(r.code, "json.missing")
    c.sendJSON(#"{"type":"command","id":8,"lines":[]}"#)
    guard case .result(8, nil, .refused?, nil)? = c.readMessage() else { return XCTFail("no refusal for no lines") }
    c.sendJSON(#"{"type":"command","id":9,"lines":["{\"type\":\"ventilation\",\"site\":\"ht-1\"}"]}"#)
    var gotResult = false
    for _ in 0..<5 {
      if case .result(9, let seq?, nil, _)? = c.readMessage() {
        gotResult = seq > 0
        break
      }
    }
    XCTAssertTrue(gotResult, "a good line after bad ones is saved")
  }

  func testSilentConnectionIsClosedAfterTheHelloTimeout() throws {
    let c = try RawClient(path: try XCTUnwrap(h).socketPath)
    expectClosed(c, code: WireError.helloTimeout, "no hello")
    let d = try RawClient(path: try XCTUnwrap(h).socketPath)
    d.send([0x00, 0x00, 0x01])  // a torn length, then nothing
    expectClosed(d, code: WireError.helloTimeout, "torn length")
    try assertUnaffected("silent connections")
  }

  /// Random frames and random bytes, from a fixed seed so a failure repeats.
  func testRandomFramesAndBytes() throws {
    let path = try XCTUnwrap(h).socketPath
    var rng = SplitMix(seed: 0xC0_4D0)
    let fragments = [
      #"{"type":"hello","version":3}"#, #"{"type":"command","id":1,"lines":["x"]}"#, "{", "}", "\"", "null", "[",
      "{\"type\":", "\u{0}", "9999999999999999999999", "\"version\":-1",
    ]
    for i in 0..<120 {
      let c = try RawClient(path: path)
      var bytes: [UInt8] = []
      switch i % 3 {
      case 0:
        // A well-framed payload of random fragments.
        var text = ""
        for _ in 0..<Int(rng.next() % 6) { text += fragments[Int(rng.next() % UInt64(fragments.count))] }
        let payload = Array(text.utf8)
        let n = UInt32(payload.count)
        bytes = [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
      case 1:
        // Random bytes of random length.
        for _ in 0..<Int(rng.next() % 200) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
      default:
        // A hello, then random bytes.
        let hello = Array(#"{"type":"hello","version":3}"#.utf8)
        bytes = [0, 0, 0, UInt8(hello.count)] + hello
        for _ in 0..<Int(rng.next() % 64) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
      }
      c.send(bytes)
      // Mostly close our end without waiting; every third time wait for the verdict.
      if rng.next() % 3 == 0 { _ = c.readUntilClosed() }
    }
    try assertUnaffected("random frames")
  }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
