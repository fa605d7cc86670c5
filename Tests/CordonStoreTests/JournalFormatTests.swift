import CordonStoreTestSupport
import Foundation
import XCTest

@testable import CordonStore

/// Data directories written before the binary payload: their JSON segments
/// still open, replay and read by time, and new events are appended to them
/// in the binary layout (one segment may hold both; the first byte of each
/// payload tells which).
final class JournalFormatTests: XCTestCase {
  /// A segment as the store wrote it before the binary payload: every frame's
  /// payload is the record's JSON (`JSONEncoder`, as the store used then).
  static func jsonEraSegment(_ records: [LedgerRecord]) throws -> [UInt8] {
    var bytes = SegmentHeader.bytes
    let encoder = JSONEncoder()
    for r in records {
      bytes += FrameCodec.encode(seq: r.seq, payload: Array(try encoder.encode(r)))
    }
    return bytes
  }

  func testAJSONEraDataDirectoryOpensReadsByTimeAndTakesBinaryEvents() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-json-era-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    defer { try? FileManager.default.removeItem(at: dir) }
    let journal = dir.appendingPathComponent("journal")
    try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
    let base: Int64 = 1_700_000_000_000
    var old: [LedgerRecord] = [
      LedgerRecord(
        seq: 1, time: Instant(milliseconds: base), actor: "tester", unit: nil, commandID: "c1",
        event: .opened(account: "a"))
    ]
    for i in 2...40 {
      old.append(
        LedgerRecord(
          seq: UInt64(i), time: Instant(milliseconds: base + Int64(i) * 60_000), actor: "张三",
          unit: i % 2 == 0 ? "u" : nil,
          commandID: nil,
          event: i % 7 == 0 ? .audited(at: Instant(milliseconds: base)) : .deposited(account: "a", amount: Int64(i))))
    }
    let segment = try Self.jsonEraSegment(old)
    XCTAssertEqual(segment[SegmentHeader.size + FrameCodec.headerSize], UInt8(ascii: "{"), "the fixture is JSON")
    try Data(segment).write(to: journal.appendingPathComponent(SegmentHeader.fileName(firstSeq: 1)))
    // And a version 1 snapshot (a JSON body) at seq 40, as the store wrote them then.
    let snapshots = dir.appendingPathComponent("snapshots")
    try FileManager.default.createDirectory(at: snapshots, withIntermediateDirectories: true)
    let body = SnapshotBody(
      state: replay(old), lastTime: old.last?.time, commandIDs: ["c1"], commandFirstSeq: [1], commandCount: [1])
    var snap = SnapshotFile.encode(seq: 40, body: Array(try JSONEncoder().encode(body)))
    snap.replaceSubrange(8..<12, with: [1, 0, 0, 0])
    try Data(snap).write(to: snapshots.appendingPathComponent(SnapshotFile.fileName(seq: 40)))
    guard case .valid(40, _, json: true) = SnapshotFile.decode(snap) else { return XCTFail("not a version 1 snapshot") }

    let clock = ManualClock(Instant(milliseconds: base + 3_600_000))
    let options = StoreOptions(snapshotEveryEvents: 0, snapshotEveryMinutes: 0)
    var store: Ledger? = try Ledger.open(directory: dir, options: options, clock: { clock.tick() })
    XCTAssertEqual(store?.lastSeq, 40)
    XCTAssertEqual(store?.state, replay(old))
    XCTAssertEqual(try store?.records(from: 1), old)
    // A retried command id from the JSON era is still recognised.
    XCTAssertEqual(store?.submitAndWait(.open("a"), commandID: "c1").value, [old[0]])
    let new = try XCTUnwrap(store?.submitAndWait(.deposit("a", 5)).value)
    XCTAssertEqual(new.map(\.seq), [41])
    store?.close()
    store = nil

    // The same segment now holds JSON frames, then a binary one.
    let after = try [UInt8](Data(contentsOf: journal.appendingPathComponent(SegmentHeader.fileName(firstSeq: 1))))
    XCTAssertEqual(Array(after.prefix(segment.count)), segment, "the old frames are left as they were")
    XCTAssertEqual(after[segment.count + FrameCodec.headerSize], RecordCodec<LedgerModel.Event>.binaryVersion)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("snapshots"))
    let reopened = try Ledger.open(directory: dir, options: options, clock: { clock.tick() })
    defer { reopened.close() }
    XCTAssertEqual(try reopened.records(from: 1), old + new)
    XCTAssertEqual(reopened.state, replay(old + new))
    let since = Instant(milliseconds: base + 20 * 60_000)
    XCTAssertEqual(try reopened.records(since: since), (old + new).filter { $0.time >= since })
    XCTAssertTrue(CordonStore.fsck(directory: dir, repair: false).isClean)
  }

  func testABinaryRecordIsSmallerThanItsJSONAndKeepsItsTimeAtAFixedOffset() throws {
    let codec = RecordCodec<LedgerModel.Event>()
    for t: Int64 in [0, -1, 1_700_000_000_123, .max, .min] {
      let r = LedgerRecord(
        seq: 9, time: Instant(milliseconds: t), actor: "x", unit: "u", commandID: nil,
        event: .deposited(account: "a", amount: -3))
      let bytes = try codec.encode(r)
      XCTAssertEqual(bytes.withUnsafeBytes { RecordCodec<LedgerModel.Event>.binaryTime($0) }, r.time)
      XCTAssertEqual(try bytes.withUnsafeBytes { try codec.decode(seq: 9, payload: $0, json: JSONDecoder()) }, r)
      XCTAssertLessThan(bytes.count, try JSONEncoder().encode(r).count)
      XCTAssertNotEqual(bytes.last, 0, "a zero-filled torn tail cannot pass for the end of a record")
    }
    // Cut short, an unknown layout, a bad tag: refused, never a trap.
    let good = try codec.encode(
      LedgerRecord(
        seq: 1, time: Instant(milliseconds: 5), actor: "x", unit: nil, commandID: nil, event: .opened(account: "a")))
    for n in 0..<good.count {
      XCTAssertThrowsError(
        try Array(good.prefix(n)).withUnsafeBytes { try codec.decode(seq: 1, payload: $0, json: JSONDecoder()) })
    }
    var unknown = good
    unknown[0] = 2
    XCTAssertThrowsError(try unknown.withUnsafeBytes { try codec.decode(seq: 1, payload: $0, json: JSONDecoder()) })
  }
}
