import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

/// Damage on a real disk: what recovery repairs (a torn tail) and what it refuses.
final class RecoveryTests: XCTestCase {
  private var dir: TemporaryDirectory!
  private var journal: String { dir.url.path + "/journal" }

  override func setUpWithError() throws { dir = try TemporaryDirectory() }
  override func tearDown() { dir.remove() }

  /// A closed store with `count` deposits over several small segments and no snapshot.
  @discardableResult
  private func populate(_ count: Int = 40, segmentBytes: Int = 1024) throws -> [LedgerRecord] {
    let store = try Ledger.open(
      directory: dir.url, options: StoreOptions(segmentBytes: segmentBytes, snapshotEveryEvents: 0))
    _ = store.submitAndWait(.open("a"))
    for i in 1..<count { _ = store.submitAndWait(.deposit("a", Int64(i))) }
    let all = try store.records(from: 1)
    store.close()
    try FileManager.default.removeItem(atPath: dir.url.path + "/snapshots")
    return all
  }

  private func segments() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: journal).filter { $0.hasSuffix(".seg") }.sorted()
  }

  private func bytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: journal + "/" + name)))
  }
  private func write(_ name: String, _ b: [UInt8]) throws {
    try Data(b).write(to: URL(fileURLWithPath: journal + "/" + name))
  }

  func testTornTailIsCutAndQuarantined() throws {
    let all = try populate()
    let last = try XCTUnwrap(try segments().last)
    let original = try bytes(last)
    let garbage = Array(
      FrameCodec.encode(seq: UInt64(all.count + 1), payload: Array(repeating: 65, count: 50)).prefix(30))
    try write(last, original + garbage)
    let store = try Ledger.open(directory: dir.url)
    XCTAssertEqual(try store.records(from: 1), all)
    let warning = try XCTUnwrap(store.status.warnings.first)
    XCTAssertEqual(warning.file, "journal/" + last)
    XCTAssertEqual(warning.offset, UInt64(original.count))
    let q = dir.url.path + "/quarantine/\(last)-\(original.count).bin"
    XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: q))), garbage)
    XCTAssertEqual(try bytes(last), original)
    XCTAssertNotNil(store.submitAndWait(.deposit("a", 1)).value)
    store.close()
    let again = try Ledger.open(directory: dir.url)
    XCTAssertEqual(again.status.warnings, [])
    XCTAssertEqual(again.lastSeq, UInt64(all.count + 1))
    again.close()
  }

  func testMidSegmentCorruptionRefusesNamingFileAndOffset() throws {
    try populate(10, segmentBytes: 1 << 20)
    let last = try XCTUnwrap(try segments().last)
    var b = try bytes(last)
    let offsets = frameOffsets(b)
    XCTAssertEqual(offsets.count, 10)
    b[offsets[4] + FrameCodec.headerSize + 3] ^= 0x10
    try write(last, b)
    XCTAssertThrowsError(try Ledger.open(directory: dir.url)) { error in
      guard case StoreError.corrupt(let file, let offset, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + last)
      XCTAssertEqual(offset, UInt64(offsets[4]))
      XCTAssertTrue(reason.contains("CRC"), reason)
      XCTAssertTrue("\(error)".contains("journal/\(last) at byte \(offsets[4])"), "\(error)")
    }
    // fsck agrees, and --repair does not drop the middle.
    let report = fsck(directory: dir.url, repair: true)
    XCTAssertFalse(report.isClean)
    XCTAssertEqual(report.problems.first?.offset, UInt64(offsets[4]))
    XCTAssertEqual(try bytes(last), b)
  }

  func testDamageInASealedSegmentRefuses() throws {
    try populate()
    let segs = try segments()
    XCTAssertGreaterThan(segs.count, 2)
    let b = try bytes(segs[0])
    try write(segs[0], Array(b.dropLast(5)))
    XCTAssertThrowsError(try Ledger.open(directory: dir.url)) { error in
      guard case StoreError.corrupt(let file, _, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + segs[0])
    }
  }

  func testMissingSegmentIsAGap() throws {
    try populate()
    let segs = try segments()
    try FileManager.default.removeItem(atPath: journal + "/" + segs[1])
    XCTAssertThrowsError(try Ledger.open(directory: dir.url)) { error in
      guard case StoreError.corrupt(let file, let offset, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + segs[2])
      XCTAssertEqual(offset, 0)
      XCTAssertTrue(reason.contains("ends at"), reason)
    }
  }

  func testNewestSnapshotBadFallsBackToOlder() throws {
    let store = try Ledger.open(directory: dir.url, options: StoreOptions(snapshotEveryEvents: 0))
    _ = store.submitAndWait(.open("a"))
    try store.snapshot()
    _ = store.submitAndWait(.deposit("a", 9))
    let expected = store.state
    store.close()
    let snaps = try FileManager.default.contentsOfDirectory(atPath: dir.url.path + "/snapshots").sorted()
    XCTAssertEqual(snaps.count, 2)
    let newest = dir.url.path + "/snapshots/" + snaps[1]
    var b = Array(try Data(contentsOf: URL(fileURLWithPath: newest)))
    b[20] ^= 1
    try Data(b).write(to: URL(fileURLWithPath: newest))
    let again = try Ledger.open(directory: dir.url)
    defer { again.close() }
    XCTAssertEqual(again.state, expected)
    XCTAssertTrue(again.status.warnings.contains { $0.file == "snapshots/" + snaps[1] })
  }

  /// History is kept by default (HistoryTests shows both snapshots bad then
  /// recover from it); once retention has deleted the oldest events, nothing
  /// can stand in for the snapshots, and opening must refuse.
  func testBothSnapshotsBadAfterRetentionRefuses() throws {
    let clock = ManualClock()
    let store = try Ledger.open(
      directory: dir.url,
      options: StoreOptions(
        segmentBytes: 256, snapshotEveryEvents: 0, commandIDWindow: 1, historySnapshotEvents: 0, retainDays: 1),
      clock: { clock.tick() })
    _ = store.submitAndWait(.open("a"))
    for round in 0..<3 {
      for i in 1...10 { _ = store.submitAndWait(.deposit("a", Int64(i + round))) }
      clock.advance(milliseconds: 2 * 86_400_000)
      try store.snapshot()
    }
    store.close()
    XCTAssertFalse(FileManager.default.fileExists(atPath: journal + "/" + SegmentHeader.fileName(firstSeq: 1)))
    XCTAssertFalse(FileManager.default.fileExists(atPath: journal + "/" + ArchiveFile.fileName(firstSeq: 1)))
    let snapDir = dir.url.path + "/snapshots/"
    for name in try FileManager.default.contentsOfDirectory(atPath: snapDir) {
      try Data("garbage".utf8).write(to: URL(fileURLWithPath: snapDir + name))
    }
    XCTAssertThrowsError(try Ledger.open(directory: dir.url)) { error in
      guard case StoreError.corrupt(let file, let offset, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(file.hasPrefix("journal/"), file)
      XCTAssertEqual(offset, 0)
      XCTAssertTrue(reason.contains("no usable snapshot"), reason)
    }
  }

  func testFsckCleanTornAndRepair() throws {
    let all = try populate()
    var report = fsck(directory: dir.url, repair: false)
    XCTAssertTrue(report.isClean, report.render())
    XCTAssertEqual(report.frames, all.count)
    XCTAssertEqual(report.firstSeq, 1)
    XCTAssertEqual(report.lastSeq, UInt64(all.count))
    XCTAssertTrue(report.render().contains("clean"))
    let last = try XCTUnwrap(try segments().last)
    let original = try bytes(last)
    try write(last, original + [1, 2, 3])
    report = fsck(directory: dir.url, repair: false)
    XCTAssertFalse(report.isClean)
    XCTAssertEqual(report.problems.map(\.file), ["journal/" + last])
    XCTAssertEqual(report.problems.first?.offset, UInt64(original.count))
    XCTAssertTrue(report.problems.first?.repairable ?? false)
    XCTAssertTrue(report.render().contains("journal/\(last) at byte \(original.count)"), report.render())
    report = fsck(directory: dir.url, repair: true)
    XCTAssertTrue(report.isClean, report.render())
    XCTAssertEqual(try bytes(last), original)
    XCTAssertTrue(fsck(directory: dir.url, repair: false).problems.isEmpty)
  }
}
