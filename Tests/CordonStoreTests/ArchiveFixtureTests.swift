import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

/// Archives written before chunked archives (format version 1: the whole
/// segment as one zlib stream) still read, byte for byte.
final class ArchiveFixtureTests: XCTestCase {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// Writes the fixture (run once, with the code that wrote version 1):
  /// CORDON_WRITE_ARCHIVE_FIXTURE=1 swift test --filter ArchiveFixtureTests
  func testWriteFixture() throws {
    guard ProcessInfo.processInfo.environment["CORDON_WRITE_ARCHIVE_FIXTURE"] == "1" else { return }
    let disk = SimulatedDisk()
    let clock = ManualClock()
    let options = StoreOptions(segmentBytes: 2000, snapshotEveryEvents: 0, commandIDWindow: 1)
    let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.tick() }, io: disk)
    _ = try XCTUnwrap(store.submitAndWait(.open("a"), actor: "ann", unit: "u1").value)
    var plain: [UInt8] = []
    for round in 0..<3 {
      for i in 1...40 {
        clock.advance(milliseconds: 60_000)
        _ = try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i + round)), actor: "ann").value)
      }
      try store.snapshot()
      if round == 0 { plain = try XCTUnwrap(disk.contents("/data/journal/" + SegmentHeader.fileName(firstSeq: 1))) }
    }
    store.close()
    let out = Self.fixtures
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    for path in disk.paths(under: "/data/journal/") where path.hasSuffix(ArchiveFile.suffix) {
      let name = String(path.split(separator: "/").last ?? "")
      if name == ArchiveFile.fileName(firstSeq: 1) {
        try Data(try XCTUnwrap(disk.contents(path))).write(to: out.appendingPathComponent("v1-archive.segz"))
      }
    }
    try Data(plain).write(to: out.appendingPathComponent("v1-archive.seg"))
  }
}
