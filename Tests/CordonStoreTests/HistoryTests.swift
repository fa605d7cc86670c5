import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

/// History is kept: compaction archives sealed segments instead of deleting
/// them, every read sees through the archives, and archiving survives a crash
/// at every step.
final class HistoryTests: XCTestCase {
  private let small = StoreOptions(segmentBytes: 300, snapshotEveryEvents: 0, commandIDWindow: 1)

  private func journalNames(_ disk: SimulatedDisk) -> [String] {
    disk.paths(under: "/data/journal/").map { String($0.split(separator: "/").last ?? "") }
  }

  /// Four rounds of deposits with a snapshot after each: several segments sealed and covered.
  private func populate(_ store: Ledger) throws -> [LedgerRecord] {
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    for round in 0..<4 {
      for i in 1...10 { acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i + round))).value) }
      try store.snapshot()
    }
    return acked
  }

  func testCompactionArchivesAndEveryReadSeesThroughArchives() throws {
    let disk = SimulatedDisk()
    let clock = ManualClock()
    let store = try openSim(disk, clock, options: small)
    let acked = try populate(store)
    let names = journalNames(disk)
    XCTAssertTrue(names.contains(ArchiveFile.fileName(firstSeq: 1)), "\(names)")
    XCTAssertFalse(names.contains(SegmentHeader.fileName(firstSeq: 1)), "\(names)")
    XCTAssertFalse(names.contains { $0.hasSuffix(".tmp") }, "\(names)")
    XCTAssertEqual(try store.records(from: 1), acked)
    XCTAssertEqual(try store.records(from: 3, through: 7), Array(acked[2...6]))
    // Time travel to the first events, and by seq, both from archives.
    XCTAssertEqual(try store.state(at: acked[2].time), replay(Array(acked.prefix(3))))
    XCTAssertEqual(try store.state(atSeq: 5), replay(Array(acked.prefix(5))))
    // A period in the middle, by time.
    XCTAssertEqual(try store.records(since: acked[10].time, until: acked[20].time), Array(acked[10..<20]))
    XCTAssertEqual(try store.records(since: acked[0].time), acked)
    store.close()
    let report = fsck(directory: simRoot, repair: false, io: disk)
    XCTAssertTrue(report.isClean, report.render())
    XCTAssertGreaterThan(report.archives, 0)
    XCTAssertEqual(report.frames, acked.count)
    // Reopening reads nothing it does not need, and still sees all history.
    let again = try openSim(disk, clock, options: small)
    defer { again.close() }
    XCTAssertEqual(again.state, replay(acked))
    XCTAssertEqual(try again.records(from: 1), acked)
  }

  func testArchivedSegmentReadsBackByteExact() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk, options: small)
    _ = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    for i in 1...10 { _ = store.submitAndWait(.deposit("a", Int64(i))) }
    try store.snapshot()
    let plainPath = "/data/journal/" + SegmentHeader.fileName(firstSeq: 1)
    let original = try XCTUnwrap(disk.contents(plainPath))
    for i in 1...10 { _ = store.submitAndWait(.deposit("a", Int64(i))) }
    try store.snapshot()
    store.close()
    XCTAssertNil(disk.contents(plainPath))
    let archive = try XCTUnwrap(disk.contents("/data/journal/" + ArchiveFile.fileName(firstSeq: 1)))
    XCTAssertEqual(try ArchiveFile.inflate(archive), original)
    // One flipped bit anywhere in the archive is never read as history: it is
    // caught, or it fell in the zlib stream's trailer (adler32), which the
    // inflater does not reach once it has the header's length of output, and
    // the segment inflates to exactly what was archived (the plain CRC). Every
    // flip before the last 8 bytes must be caught.
    var caught = 0
    for offset in stride(from: 0, to: archive.count, by: max(1, archive.count / 40)) {
      var bad = archive
      bad[offset] ^= 0x10
      do {
        let read = try ArchiveFile.inflate(bad)
        XCTAssertEqual(read, original, "bit flip at \(offset) read back different bytes")
        XCTAssertGreaterThanOrEqual(offset, archive.count - 8, "bit flip at \(offset) went unnoticed")
      } catch {
        caught += 1
      }
    }
    XCTAssertGreaterThan(caught, 30)
  }

  func testDamagedArchiveFailsFsckAndReadsNamingTheFile() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk, options: small)
    _ = try populate(store)
    store.close()
    let path = "/data/journal/" + ArchiveFile.fileName(firstSeq: 1)
    var bytes = try XCTUnwrap(disk.contents(path))
    bytes[bytes.count - 3] ^= 0xFF
    disk.setContents(path, bytes)
    let report = fsck(directory: simRoot, repair: false, io: disk)
    XCTAssertFalse(report.isClean)
    XCTAssertTrue(
      report.problems.contains { $0.file == "journal/" + ArchiveFile.fileName(firstSeq: 1) }, report.render())
    let again = try openSim(disk, options: small)
    defer { again.close() }
    XCTAssertThrowsError(try again.records(from: 1)) { error in
      guard case StoreError.corrupt(let file, _, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + ArchiveFile.fileName(firstSeq: 1))
    }
  }

  func testWithoutCompressionSegmentsStayPlainAndAreKept() throws {
    let disk = SimulatedDisk()
    var options = small
    options.compressArchives = false
    let store = try openSim(disk, options: options)
    let acked = try populate(store)
    store.close()
    let names = journalNames(disk)
    XCTAssertTrue(names.contains(SegmentHeader.fileName(firstSeq: 1)))
    XCTAssertFalse(names.contains { $0.hasSuffix(ArchiveFile.suffix) })
    let again = try openSim(disk, options: options)
    defer { again.close() }
    XCTAssertEqual(try again.records(from: 1), acked)
  }

  func testBothSnapshotsBadRecoversFromKeptHistory() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk, options: small)
    let acked = try populate(store)
    store.close()
    for path in disk.paths(under: "/data/snapshots/") { disk.setContents(path, Array("garbage".utf8)) }
    let again = try openSim(disk, options: small)
    defer { again.close() }
    XCTAssertEqual(again.state, replay(acked))
    XCTAssertTrue(again.status.warnings.contains { $0.message.contains("snapshot unusable") })
  }

  func testRetentionDeletesOnlyOldCoveredArchivesAndOnlyWhenAsked() throws {
    let disk = SimulatedDisk()
    let clock = ManualClock()
    var options = small
    options.retainDays = 2
    options.historySnapshotEvents = 0
    let store = try openSim(disk, clock, options: options)
    var acked = try populate(store)
    XCTAssertEqual(try store.records(from: 1), acked, "nothing is old enough yet")
    clock.advance(milliseconds: 3 * 86_400_000)
    for round in 0..<3 {
      for i in 1...10 { acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i + round))).value) }
      try store.snapshot()
    }
    XCTAssertGreaterThan(store.firstSeqOnDisk, 1)
    let first = store.firstSeqOnDisk
    XCTAssertLessThanOrEqual(first, 42, "only events of the old days (seq 1...41) went")
    XCTAssertEqual(try store.records(from: first), Array(acked[Int(first - 1)...]))
    XCTAssertThrowsError(try store.records(from: 1)) { error in
      guard case StoreError.unavailable(let text) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(text.contains("retention"), text)
    }
    store.close()
    let report = fsck(directory: simRoot, repair: false, io: disk)
    XCTAssertTrue(report.isClean, report.render())
    let again = try openSim(disk, clock, options: options)
    defer { again.close() }
    XCTAssertEqual(again.state, replay(acked))
  }

  func testOldSnapshotsAreThinnedNotAllDeleted() throws {
    let disk = SimulatedDisk()
    var options = small
    options.historySnapshotEvents = 20
    let store = try openSim(disk, options: options)
    _ = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    var seqs: [UInt64] = []
    for _ in 0..<8 {
      for i in 1...5 { _ = store.submitAndWait(.deposit("a", Int64(i))) }
      try store.snapshot()
      seqs.append(store.lastSeq)
    }
    store.close()
    let kept = disk.paths(under: "/data/snapshots/").compactMap {
      SnapshotFile.seq(fromFileName: String($0.split(separator: "/").last ?? ""))
    }
    // The newest two, and older ones at least 20 events apart.
    XCTAssertEqual(Array(kept.suffix(2)), Array(seqs.suffix(2)))
    let older = Array(kept.dropLast(2))
    XCTAssertFalse(older.isEmpty)
    for (a, b) in zip([0] + older, older) { XCTAssertGreaterThanOrEqual(b - a, 20, "\(kept)") }
  }

  /// A state far larger than the events between snapshots (400 accounts,
  /// deposits of a few dozen bytes): older snapshots are kept no closer than
  /// their own size in journal bytes, not every `historySnapshotEvents`, so
  /// their disk stays near the journal's; the newest two are still kept.
  func testLargeSnapshotsAreKeptFurtherApartThanTheirSizeInJournalBytes() throws {
    let disk = SimulatedDisk()
    var options = small
    options.segmentBytes = 4_000
    options.historySnapshotEvents = 5
    let store = try openSim(disk, options: options)
    for i in 0..<400 { _ = try XCTUnwrap(store.submitAndWait(.open("account-\(i)")).value) }
    var seqs: [UInt64] = []
    for round in 0..<150 {
      for i in 1...5 { _ = try XCTUnwrap(store.submitAndWait(.deposit("account-0", Int64(i + round))).value) }
      try store.snapshot()
      seqs.append(store.lastSeq)
    }
    store.close()
    let paths = disk.paths(under: "/data/snapshots/")
    let kept = paths.compactMap { SnapshotFile.seq(fromFileName: String($0.split(separator: "/").last ?? "")) }.sorted()
    XCTAssertEqual(Array(kept.suffix(2)), Array(seqs.suffix(2)))
    let snapshotBytes = try XCTUnwrap(paths.compactMap { disk.contents($0)?.count }.min())
    let journalBytes = disk.paths(under: "/data/journal/").filter { !$0.hasSuffix(".idx") }.count * 4_000
    let bytesPerEvent = max(1, journalBytes / Int(kept.last ?? 1))
    let older = Array(kept.dropLast(2))
    // Spaced by size: hundreds of events apart, where 5 would keep dozens.
    XCTAssertLessThan(older.count, 30, "\(kept)")
    XCTAssertGreaterThanOrEqual(older.count, 2, "\(kept)")
    for (a, b) in zip(older, older.dropFirst()) {
      XCTAssertGreaterThanOrEqual(Int(b - a), snapshotBytes / bytesPerEvent / 2, "\(kept), \(snapshotBytes) B")
      XCTAssertGreaterThan(b - a, 5, "\(kept)")
    }
  }

  /// The machine goes down at every file operation of a snapshot that
  /// archives: after each, recovery has every acknowledged event, history
  /// reads back whole, fsck is clean, and archiving completes later.
  func testCrashAtEveryStepOfArchiving() throws {
    var n = 0
    while true {
      let disk = SimulatedDisk()
      let store = try openSim(disk, options: small)
      var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
      for i in 1...20 { acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i))).value) }
      try store.snapshot()
      for i in 1...20 { acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i))).value) }
      disk.crash(afterOperations: n)
      let crashed = (try? store.snapshot()) == nil
      store.close()
      disk.powerLoss()
      let note = "crash at operation \(n)"
      let again = try openSim(disk, options: small)
      XCTAssertEqual(again.state, replay(acked), note)
      XCTAssertEqual(try again.records(from: 1), acked, note)
      XCTAssertFalse(journalNames(disk).contains { $0.hasSuffix(".tmp") }, note)
      for i in 1...20 { acked += try XCTUnwrap(again.submitAndWait(.deposit("a", Int64(i))).value, note) }
      try again.snapshot()
      again.close()
      let names = journalNames(disk)
      XCTAssertTrue(names.contains(ArchiveFile.fileName(firstSeq: 1)), "\(note): \(names)")
      XCTAssertFalse(names.contains(SegmentHeader.fileName(firstSeq: 1)), "\(note): \(names)")
      let report = fsck(directory: simRoot, repair: false, io: disk)
      XCTAssertTrue(report.isClean, "\(note): \(report.render())")
      XCTAssertEqual(report.frames, acked.count, note)
      if !crashed { break }
      n += 1
    }
    XCTAssertGreaterThan(n, 8, "archiving has more steps than that")
  }
}
