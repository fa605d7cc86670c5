import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

/// History reads seek through each segment's index: chunked archives are
/// inflated only where a query looks, sealed plain segments carry an `.idx`
/// that is checked and rebuilt when it lies, and the active segment's index
/// follows its appends.
final class SegmentIndexTests: XCTestCase {
  private func names(_ disk: SimulatedDisk) -> [String] {
    disk.paths(under: "/data/journal/").map { String($0.split(separator: "/").last ?? "") }
  }

  /// `count` deposits a minute apart.
  private func deposits(_ store: Ledger, _ clock: ManualClock, _ count: Int) throws -> [LedgerRecord] {
    var acked: [LedgerRecord] = []
    for i in 0..<count {
      clock.advance(milliseconds: 60_000)
      acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i % 50 + 1))).value)
    }
    return acked
  }

  func testChunkedArchiveInflatesOnlyTheChunksAQueryNeeds() throws {
    let disk = SimulatedDisk()
    let io = ObservedIO(disk)
    let clock = ManualClock()
    let options = StoreOptions(
      segmentBytes: 200_000, snapshotEveryEvents: 0, snapshotEveryMinutes: 0, commandIDWindow: 1)
    let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: io)
    defer { store.close() }
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    acked += try deposits(store, clock, 5000)
    let plainPath = "/data/journal/" + SegmentHeader.fileName(firstSeq: 1)
    let original = try XCTUnwrap(disk.contents(plainPath))
    try store.snapshot()
    acked += try deposits(store, clock, 10)
    try store.snapshot()
    XCTAssertNil(disk.contents(plainPath), "archived: \(names(disk))")
    let archivePath = "/data/journal/" + ArchiveFile.fileName(firstSeq: 1)
    let archive = try XCTUnwrap(disk.contents(archivePath))
    XCTAssertEqual(try ArchiveFile.inflate(archive), original, "many chunks inflate to the segment byte for byte")
    XCTAssertLessThan(archive.count, original.count * 40 / 100)
    let lastInArchive = try XCTUnwrap(
      acked.last { $0.seq < (names(disk).compactMap(SegmentHeader.firstSeq(fromFileName:)).min() ?? 0) })

    // By seq: a few events in the middle of the archive, one chunk read.
    io.resetReads()
    XCTAssertEqual(try store.records(from: 1500, through: 1505), Array(acked[1499...1504]))
    XCTAssertEqual(io.readCount(archivePath), 1, "\(io.readCounts)")
    // By time: ten minutes in the middle, one chunk read.
    io.resetReads()
    XCTAssertEqual(try store.records(since: acked[2000].time, until: acked[2010].time), Array(acked[2000..<2010]))
    XCTAssertEqual(io.readCount(archivePath), 1, "\(io.readCounts)")
    // The whole archive, and across into the plain segments.
    XCTAssertEqual(try store.records(from: 1), acked)
    XCTAssertEqual(try store.state(at: acked[2500].time), replay(Array(acked.prefix(2501))))
    XCTAssertTrue(fsck(directory: simRoot, repair: false, io: disk).isClean)

    // A flipped bit in one chunk: the reads that need it fail naming the
    // archive; the chunks around it still read; fsck reports it.
    var bad = archive
    bad[archive.count / 2] ^= 0x04
    disk.setContents(archivePath, bad)
    store.close()
    let again = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: io)
    defer { again.close() }
    XCTAssertThrowsError(try again.records(from: 1, through: lastInArchive.seq)) { error in
      guard case StoreError.corrupt(let file, _, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + ArchiveFile.fileName(firstSeq: 1))
    }
    XCTAssertEqual(try again.records(from: 2, through: 4), Array(acked[1...3]))
    XCTAssertFalse(fsck(directory: simRoot, repair: false, io: disk).isClean)
  }

  func testArchivesOfTheSingleStreamFormatStillRead() throws {
    let fixtures = ArchiveFixtureTests.fixtures
    let archive = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("v1-archive.segz")))
    let plain = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("v1-archive.seg")))
    XCTAssertEqual(archive[8], 1, "the fixture is format version 1, written by the single-stream code")
    XCTAssertEqual(try ArchiveFile.inflate(archive), plain)
    // The same segment, once archived (version 1) and once plain: every read gives the same records.
    let old = SimulatedDisk()
    old.setContents("/data/journal/" + ArchiveFile.fileName(firstSeq: 1), archive)
    let reference = SimulatedDisk()
    reference.setContents("/data/journal/" + SegmentHeader.fileName(firstSeq: 1), plain)
    let a = try openSim(old)
    defer { a.close() }
    let b = try openSim(reference)
    defer { b.close() }
    let all = try b.records(from: 1)
    XCTAssertEqual(all.count, 31)
    XCTAssertEqual(try a.records(from: 1), all)
    XCTAssertEqual(try a.records(from: 10, through: 12), Array(all[9...11]))
    XCTAssertEqual(try a.records(since: all[5].time, until: all[9].time), Array(all[5..<9]))
    XCTAssertEqual(a.state, b.state)
    XCTAssertTrue(fsck(directory: simRoot, repair: false, io: old).isClean)
  }

  func testSealedPlainSegmentsGetAnIndexThatIsCheckedAndRebuiltWhenItLies() throws {
    let disk = SimulatedDisk()
    let clock = ManualClock()
    var options = StoreOptions(segmentBytes: 3000, snapshotEveryEvents: 0, snapshotEveryMinutes: 0, commandIDWindow: 1)
    options.compressArchives = false
    var acked: [LedgerRecord] = []
    do {
      let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: disk)
      defer { store.close() }
      acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
      for _ in 0..<3 {
        acked += try deposits(store, clock, 60)
        try store.snapshot()
      }
    }
    let indexes = names(disk).filter { $0.hasSuffix(SegmentIndexFile.suffix) }
    XCTAssertGreaterThan(indexes.count, 2, "\(names(disk))")
    XCTAssertTrue(fsck(directory: simRoot, repair: false, io: disk).isClean)

    // A whole, CRC-valid index whose times are wrong: the frames disagree
    // with it, it is dropped and rebuilt, and the answers stay right.
    let path = "/data/journal/" + SegmentIndexFile.fileName(firstSeq: 1)
    let segment = try XCTUnwrap(disk.contents("/data/journal/" + SegmentHeader.fileName(firstSeq: 1)))
    var lie = try XCTUnwrap(
      SegmentIndexFile.decode(try XCTUnwrap(disk.contents(path)), firstSeq: 1, length: UInt64(segment.count)))
    lie.blocks[0].minTime -= 3_600_000
    disk.setContents(path, SegmentIndexFile.encode(lie))
    let report = fsck(directory: simRoot, repair: false, io: disk)
    XCTAssertFalse(report.isClean)
    XCTAssertTrue(report.problems.allSatisfy(\.repairable), report.render())
    do {
      let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: disk)
      defer { store.close() }
      XCTAssertEqual(try store.records(since: acked[0].time), acked)
      XCTAssertEqual(try store.records(from: 3, through: 9), Array(acked[2...8]))
    }
    // Torn: ignored, rebuilt.
    disk.setContents(path, Array(SegmentIndexFile.encode(lie).prefix(20)))
    do {
      let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: disk)
      defer { store.close() }
      XCTAssertEqual(try store.records(since: acked[10].time, until: acked[50].time), Array(acked[10..<50]))
    }
    // fsck --repair deletes a stale index (derived data); the next snapshot writes it again.
    disk.setContents(path, SegmentIndexFile.encode(lie))
    XCTAssertTrue(fsck(directory: simRoot, repair: true, io: disk).isClean)
    XCTAssertNil(disk.contents(path))
    XCTAssertTrue(fsck(directory: simRoot, repair: false, io: disk).isClean)
    let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: disk)
    defer { store.close() }
    acked += try deposits(store, clock, 1)
    try store.snapshot()
    XCTAssertNotNil(disk.contents(path))
    XCTAssertTrue(fsck(directory: simRoot, repair: false, io: disk).isClean)
  }

  func testTheActiveSegmentsIndexFollowsItsAppends() throws {
    let disk = SimulatedDisk()
    let clock = ManualClock()
    let store = try openSim(disk, clock)
    defer { store.close() }
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    // A reconnecting client's catch-up: the last few events, again and again, as the segment grows.
    for round in 0..<400 {
      let new = try deposits(store, clock, 1 + round % 5)
      acked += new
      XCTAssertEqual(try store.records(from: new[0].seq), new, "round \(round)")
      if round % 50 == 0 {
        XCTAssertEqual(try store.records(since: new[0].time), new, "round \(round)")
        XCTAssertEqual(try store.records(from: 1), acked, "round \(round)")
      }
    }
    XCTAssertEqual(try store.records(from: 3, through: 1025), Array(acked[2...1024]))
  }
}
