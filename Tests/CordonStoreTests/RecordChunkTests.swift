import CordonStore
import CordonStoreTestSupport
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// `forEachRecordChunk`: records decoded and transformed on other threads,
/// handed back in seq order chunk by chunk; the same records as
/// `records(since:until:)`, through archives and plain segments, with a
/// header filter, stopping when asked, and failing on damage as a whole read does.
final class RecordChunkTests: XCTestCase {
  private func store() throws -> (SimulatedDisk, Ledger, [LedgerRecord], StoreOptions) {
    let disk = SimulatedDisk()
    let clock = ManualClock()
    let options = StoreOptions(
      segmentBytes: 40_000, snapshotEveryEvents: 0, snapshotEveryMinutes: 0, commandIDWindow: 1)
    let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: disk)
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    for i in 0..<2500 {
      clock.advance(milliseconds: 60_000)
      acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i % 50 + 1))).value)
      if i == 1500 || i == 2000 { try store.snapshot() }
    }
    return (disk, store, acked, options)
  }

  func testChunksComeBackInOrderAndStopWhenAsked() throws {
    let (disk, store, acked, _) = try store()
    defer { store.close() }
    XCTAssertTrue(
      disk.paths(under: "/data/journal/").contains { $0.hasSuffix(ArchiveFile.suffix) },
      "\(disk.paths(under: "/data/journal/"))")
    for (since, until, size) in [(0, acked.count, 7), (100, 2300, 1024), (1999, 2001, 3), (2400, acked.count, 64)] {
      var seqs: [UInt64] = []
      try store.forEachRecordChunk(
        since: acked[since].time, until: until < acked.count ? acked[until].time : nil, chunkFrames: size,
        transform: { $0.map(\.seq) }
      ) { chunk in
        XCTAssertLessThanOrEqual(chunk.count, size)
        seqs += chunk
        return true
      }
      XCTAssertEqual(seqs, acked[since..<until].map(\.seq), "\(since)..<\(until) by \(size)")
    }
    // Every seventh record by its header (odd seqs), and a stop after three chunks.
    var odd: [LedgerRecord] = []
    try store.forEachRecordChunk(
      since: acked[0].time, where: { $0.seq % 2 == 1 }, chunkFrames: 50, transform: { $0 }
    ) { chunk in
      odd += chunk
      return true
    }
    XCTAssertEqual(odd, acked.filter { $0.seq % 2 == 1 })
    var taken = 0
    try store.forEachRecordChunk(since: acked[0].time, chunkFrames: 10, transform: { $0.count }) { _ in
      taken += 1
      return taken < 3
    }
    XCTAssertEqual(taken, 3)
  }

  func testADamagedArchiveFailsNamingItsFile() throws {
    let (disk, store, acked, options) = try store()
    store.close()
    let archive = try XCTUnwrap(
      disk.paths(under: "/data/journal/").filter { $0.hasSuffix(ArchiveFile.suffix) }.min())
    var bytes = try XCTUnwrap(disk.contents(archive))
    bytes[bytes.count / 2] ^= 0x04
    disk.setContents(archive, bytes)
    let reopened = try Ledger.open(directory: simRoot, options: options, io: disk)
    defer { reopened.close() }
    XCTAssertThrowsError(
      try reopened.forEachRecordChunk(since: acked[0].time, transform: { $0.count }) { _ in true }
    ) { error in
      guard case StoreError.corrupt(let file, _, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual("/data/" + file, archive)
    }
  }
}
