import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

/// `cordon dump --from SEQ` (JournalFiles.forEach): the sealed segment that
/// holds SEQ is read from its index's block (plain) or chunk (archive) on,
/// not whole, and gives the same records as a whole read from every seq;
/// damage after the seek point still fails naming the file.
final class JournalFilesSeekTests: XCTestCase {
  private func names(_ disk: SimulatedDisk) -> [String] {
    disk.paths(under: "/data/journal/").map { String($0.split(separator: "/").last ?? "") }
  }

  private func deposits(_ store: Ledger, _ clock: ManualClock, _ count: Int) throws -> [LedgerRecord] {
    var acked: [LedgerRecord] = []
    for i in 0..<count {
      clock.advance(milliseconds: 60_000)
      acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i % 50 + 1))).value)
    }
    return acked
  }

  private func dump(_ io: FileIO, from: UInt64, limit: Int = .max) throws -> [LedgerRecord] {
    var out: [LedgerRecord] = []
    try JournalFiles.forEach(LedgerModel.Event.self, directory: simRoot, from: from, io: io) {
      out.append($0)
      return out.count < limit
    }
    return out
  }

  /// A journal of archives, sealed plain segments and the active one.
  private func journal(compress: Bool, segmentBytes: Int) throws -> (SimulatedDisk, [LedgerRecord]) {
    let disk = SimulatedDisk()
    let clock = ManualClock()
    var options = StoreOptions(
      segmentBytes: segmentBytes, snapshotEveryEvents: 0, snapshotEveryMinutes: 0, commandIDWindow: 1)
    options.compressArchives = compress
    let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: disk)
    defer { store.close() }
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    acked += try deposits(store, clock, 3000)
    try store.snapshot()
    acked += try deposits(store, clock, 400)
    try store.snapshot()
    acked += try deposits(store, clock, 300)
    return (disk, acked)
  }

  private func firstSeqs(_ disk: SimulatedDisk) -> [UInt64] {
    names(disk).compactMap { SegmentHeader.firstSeq(fromFileName: $0) ?? ArchiveFile.firstSeq(fromFileName: $0) }
      .sorted()
  }

  func testFromAnySeqThroughArchivesGivesTheWholeReadsRecords() throws {
    let (disk, acked) = try journal(compress: true, segmentBytes: 120_000)
    let archives = names(disk).filter { $0.hasSuffix(ArchiveFile.suffix) }
    XCTAssertGreaterThan(archives.count, 0, "\(names(disk))")
    let starts = firstSeqs(disk)
    let last = UInt64(acked.count)
    var froms: Set<UInt64> = [1, 2, 3, last - 1, last, last + 1]
    for s in starts { froms.formUnion([s - 1, s, s + 1, s + 700]) }
    for from in froms.sorted() where from >= 1 {
      XCTAssertEqual(try dump(disk, from: from), Array(acked.dropFirst(Int(from) - 1)), "from \(from)")
    }
    // A stop is a stop, also inside the segment sought into.
    XCTAssertEqual(try dump(disk, from: 1001, limit: 5), Array(acked[1000..<1005]))

    // Near an archive's end, only its last chunk is read and inflated (the
    // header and chunk table aside), not the whole archive.
    let io = ObservedIO(disk)
    let archive = "/data/journal/" + ArchiveFile.fileName(firstSeq: 1)
    let archiveSize = try XCTUnwrap(disk.contents(archive)).count
    let next = try XCTUnwrap(starts.first { $0 > 1 })
    XCTAssertEqual(try dump(io, from: next - 3), Array(acked.dropFirst(Int(next) - 4)))
    XCTAssertGreaterThan(io.bytesRead(archive), 0)
    XCTAssertLessThan(io.bytesRead(archive), archiveSize * 3 / 4, "\(io.readCounts)")
  }

  func testFromASeqInASealedPlainSegmentReadsFromItsBlock() throws {
    let (disk, acked) = try journal(compress: false, segmentBytes: 200_000)
    XCTAssertGreaterThan(names(disk).filter { $0.hasSuffix(SegmentIndexFile.suffix) }.count, 0, "\(names(disk))")
    let starts = firstSeqs(disk)
    let next = try XCTUnwrap(starts.first { $0 > 1 })
    let io = ObservedIO(disk)
    let first = "/data/journal/" + SegmentHeader.fileName(firstSeq: 1)
    let size = try XCTUnwrap(disk.contents(first)).count
    XCTAssertEqual(try dump(io, from: next - 2), Array(acked.dropFirst(Int(next) - 3)))
    XCTAssertLessThan(io.bytesRead(first), size / 4, "\(io.readCounts)")
    for from in [2, 500, Int(next) - 1, Int(next), Int(next) + 1] {
      XCTAssertEqual(try dump(disk, from: UInt64(from)), Array(acked.dropFirst(from - 1)), "from \(from)")
    }

    // An index that lies (CRC-valid, wrong times): the frames decide.
    let idx = "/data/journal/" + SegmentIndexFile.fileName(firstSeq: 1)
    var lie = try XCTUnwrap(
      SegmentIndexFile.decode(try XCTUnwrap(disk.contents(idx)), firstSeq: 1, length: UInt64(size)))
    lie.blocks[lie.blocks.count - 1].count += 1
    disk.setContents(idx, SegmentIndexFile.encode(lie))
    XCTAssertEqual(try dump(disk, from: next - 2), Array(acked.dropFirst(Int(next) - 3)))
    XCTAssertEqual(try dump(disk, from: 40), Array(acked.dropFirst(39)))

    // A damaged frame after the seek point fails, naming the segment and offset.
    var bytes = try XCTUnwrap(disk.contents(first))
    let offsets = frameOffsets(bytes)
    let victim = offsets[offsets.count - 10]
    bytes[victim + 20] ^= 0x01
    disk.setContents(first, bytes)
    XCTAssertThrowsError(try dump(disk, from: next - 40)) { error in
      guard case StoreError.corrupt(let file, let offset, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + SegmentHeader.fileName(firstSeq: 1))
      XCTAssertEqual(offset, UInt64(victim))
    }
    // Before it, the records read.
    XCTAssertEqual(try dump(disk, from: 2, limit: 10), Array(acked[1..<11]))
  }
}
