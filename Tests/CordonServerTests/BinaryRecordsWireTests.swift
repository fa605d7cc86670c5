import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import XCTest

/// The live stream's `records` frames are binary since protocol version 2
/// (issue 18: the fan-out's JSON was most of a notice burst's cost), and the
/// welcome since version 3, over a real server and socket: byte by byte what
/// a console gets, the same records and state as the store's, and a damaged
/// frame refused, never trapping.
final class BinaryRecordsWireTests: XCTestCase {
  func testAConsoleGetsTheJournalsRecordsInABinaryFrame() throws {
    let h = try ServerHarness(access: try notifyingAccess())
    defer { h.shutdown() }
    let raw = try RawClient(path: h.socketPath)
    raw.sendJSON(#"{"type":"hello","version":3}"#)
    guard case .welcome(let w)? = raw.readMessage() else { return XCTFail("no welcome") }
    XCTAssertNotNil(w.state)
    // A fever: the case, its critical alert and the notice the route queues for it.
    let committed = try h.submit(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 392)))
    XCTAssertTrue(committed.contains { if case .notificationQueued = $0.event { true } else { false } })
    var got: [CordonRecord] = []
    while got.last?.seq ?? 0 < committed.last?.seq ?? 0 {
      let frame = try XCTUnwrap(raw.readFrame(), "the stream stopped at \(got.last?.seq ?? 0)")
      XCTAssertEqual(frame.first, WireProtocol.binaryRecords, "a records frame is binary, not JSON")
      guard case .records(let rs) = try ServerMessage.decode(payload: frame) else {
        return XCTFail("not a records frame")
      }
      got += rs
    }
    XCTAssertEqual(got, committed, "the stream carries exactly what the store committed")
  }

  func testAnOlderClientIsToldToInstallTheSameCordon() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    for version in [1, 2] {
      let raw = try RawClient(path: h.socketPath)
      raw.sendJSON(#"{"type":"hello","version":\#(version)}"#)
      let closed = try XCTUnwrap(raw.readUntilClosed(), "version \(version)")
      XCTAssertEqual(closed.code, WireError.version)
      XCTAssertTrue(closed.message.contains("install the same cordon on both sides"), closed.message)
    }
  }

  /// The welcome is binary: the whole state, equal to the store's, and on a
  /// resync the records after the client's seq, equal to the journal's; cut
  /// short, it is refused.
  func testTheWelcomeIsBinaryWithTheStoresStateOrRecords() throws {
    let h = try ServerHarness(access: try notifyingAccess())
    defer { h.shutdown() }
    let before = h.store.lastSeq
    _ = try h.submit(.recordFever(site: "ht-1", personName: "王五", reading: Celsius(tenths: 391)))
    let raw = try RawClient(path: h.socketPath)
    raw.sendJSON(#"{"type":"hello","version":3}"#)
    let frame = try XCTUnwrap(raw.readFrame())
    XCTAssertEqual(frame.first, WireProtocol.binaryWelcome, "a welcome frame is binary, not JSON")
    guard case .welcome(let w) = try ServerMessage.decode(payload: frame) else { return XCTFail("not a welcome") }
    XCTAssertEqual(w.version, WireProtocol.version)
    XCTAssertEqual(w.seq, h.store.lastSeq)
    XCTAssertEqual(w.state, h.store.state, "the console starts from the store's state exactly")
    XCTAssertNil(w.records)
    for n in [1, 2, frame.count / 3, frame.count / 2, frame.count - 1] {
      XCTAssertThrowsError(try ServerMessage.decode(payload: Array(frame[0..<n])), "cut at \(n) of \(frame.count)")
    }

    let resync = try RawClient(path: h.socketPath)
    resync.sendJSON(#"{"type":"hello","version":3,"since":\#(before)}"#)
    let again = try XCTUnwrap(resync.readFrame())
    XCTAssertEqual(again.first, WireProtocol.binaryWelcome)
    guard case .welcome(let r) = try ServerMessage.decode(payload: again) else { return XCTFail("not a welcome") }
    XCTAssertNil(r.state)
    XCTAssertEqual(r.records, try h.store.records(from: before + 1, through: h.store.lastSeq))
    XCTAssertFalse(r.records?.isEmpty ?? true)
  }

  /// Every record of a demo day's journal through a frame and back; then
  /// that frame cut short at every length and with each byte changed: a
  /// clear refusal or some decoded message, never a trap.
  func testFramesRoundTripAndDamageIsRefused() throws {
    let h = try ServerHarness(access: try notifyingAccess())
    defer { h.shutdown() }
    _ = try h.submit(.recordFever(site: "ht-1", personName: "李四", reading: Celsius(tenths: 390)))
    let records = try h.store.records(from: 1, through: h.store.lastSeq)
    XCTAssertGreaterThan(records.count, 3)
    var frame = try ServerMessage.records(records).frame()
    XCTAssertEqual(frame.readInteger(endianness: .big, as: UInt32.self).map(Int.init), frame.readableBytes)
    let payload = Array(frame.readableBytesView)
    XCTAssertEqual(try ServerMessage.decode(payload: payload), .records(records))
    // A short batch keeps the damage loops quick: the last few records, with the notice.
    let tail = Array(records.suffix(4))
    var small = try ServerMessage.records(tail).frame()
    small.moveReaderIndex(forwardBy: 4)
    let bytes = Array(small.readableBytesView)
    for n in 1..<bytes.count {
      XCTAssertThrowsError(try ServerMessage.decode(payload: Array(bytes[0..<n])), "cut at \(n) of \(bytes.count)")
    }
    // Any byte changed: decoded as something or refused, but never a trap
    // (a changed letter of a name still decodes; this loop is for the rest).
    for i in 1..<bytes.count {
      for x: UInt8 in [0x00, 0xFF, bytes[i] ^ 0x01] where x != bytes[i] {
        var damaged = bytes
        damaged[i] = x
        _ = try? ServerMessage.decode(payload: damaged)
      }
    }
    // A count or a length that is not what follows is refused.
    XCTAssertEqual(bytes[1], 4, "the record count")
    for count: UInt8 in [3, 5] {
      var wrong = bytes
      wrong[1] = count
      XCTAssertThrowsError(try ServerMessage.decode(payload: wrong), "a count of \(count) for 4 records")
    }
    XCTAssertThrowsError(try ServerMessage.decode(payload: [WireProtocol.binaryRecords, 0xFF, 0xFF, 0xFF, 0x7F]))
  }

  /// A server whose route takes critical alerts to a receiver on a port
  /// nothing listens on: every fever queues a notice.
  private func notifyingAccess() throws -> AccessConfig {
    try AccessConfig.parse(
      """
      [[receivers]]
      name = "duty"
      type = "webhook"
      url = "http://127.0.0.1:9/hook"
      format = "json"

      [[routes]]
      severity = ["critical"]
      receivers = ["duty"]
      """, file: "test.toml")
  }
}
