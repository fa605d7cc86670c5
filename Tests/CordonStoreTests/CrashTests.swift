import CordonStore
import CordonStoreTestSupport
import Foundation
import Glibc
import Synchronization
import XCTest

/// Power cuts, torn writes and failing syncs on the simulated disk: after each,
/// recovery must yield exactly the acknowledged events.
final class CrashTests: XCTestCase {
  /// Builds a store with some acknowledged history, then crashes the machine
  /// during the fdatasync (or fsync, when rolling) of one more command.
  private func crashDuringAppend(
    tear: Int?, zeroFill: Bool = false, options: StoreOptions = StoreOptions(), history: Int = 5
  ) throws -> (disk: SimulatedDisk, acked: [LedgerRecord], tornSize: Int) {
    let disk = SimulatedDisk()
    let store = try openSim(disk, options: options)
    var acked: [LedgerRecord] = []
    acked += try XCTUnwrap(store.submitAndWait(.open("a")).value)
    for i in 0..<history { acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i + 1))).value) }
    disk.inject(.dataSync, thenCrash: true)
    disk.inject(.sync, thenCrash: true)
    let seen = Mutex(0)
    _ = store.subscribe { _, _ in seen.withLock { $0 += 1 } }
    let r = store.submitAndWait(.deposit("a", 1000))
    guard case .failure(.storeReadOnly) = r else {
      XCTFail("unexpected \(r)")
      return (disk, acked, 0)
    }
    XCTAssertEqual(seen.withLock { $0 }, 0, "a subscriber saw an event that was not durable")
    XCTAssertEqual(store.state, replay(acked), "committed state moved without durability")
    let size = disk.lastWriteSize ?? 0
    store.close()
    disk.powerLoss(tearLastWriteAt: tear, zeroFill: zeroFill)
    return (disk, acked, size)
  }

  private func assertRecovers(_ disk: SimulatedDisk, _ acked: [LedgerRecord], exact: Bool, _ note: String) throws {
    let store = try openSim(disk)
    defer { store.close() }
    let recovered = try store.records(from: 1)
    if exact {
      XCTAssertEqual(recovered, acked, note)
      XCTAssertEqual(store.state, replay(acked), note)
    } else {
      XCTAssertEqual(Array(recovered.prefix(acked.count)), acked, note)
    }
    XCTAssertTrue(store.status.isWritable, note)
    // Writing after recovery works and survives another power cut.
    let next = try XCTUnwrap(store.submitAndWait(.deposit("a", 7)).value, note)
    XCTAssertEqual(next.first?.seq, UInt64(recovered.count) + 1, note)
  }

  func testDroppingUnsyncedBytesKeepsExactlyTheAcknowledged() throws {
    let (disk, acked, _) = try crashDuringAppend(tear: nil)
    try assertRecovers(disk, acked, exact: true, "plain power loss")
  }

  func testTearingTheLastWriteAtEveryOffset() throws {
    let size = try crashDuringAppend(tear: 0).tornSize
    XCTAssertGreaterThan(size, FrameCodec.headerSize)
    for k in 0...size {
      for zero in [false, true] {
        let (disk, acked, _) = try crashDuringAppend(tear: k, zeroFill: zero)
        try assertRecovers(disk, acked, exact: k < size, "torn at \(k) of \(size), zeroFill \(zero)")
      }
    }
  }

  func testTearingAWriteThatStartsANewSegment() throws {
    // Tiny segments: the crashing write creates a segment (header + frame).
    let options = StoreOptions(segmentBytes: 64, snapshotEveryEvents: 0)
    let size = try crashDuringAppend(tear: 0, options: options).tornSize
    XCTAssertGreaterThan(size, SegmentHeader.size + FrameCodec.headerSize)
    for k in 0..<size {
      let (disk, acked, _) = try crashDuringAppend(tear: k, options: options)
      try assertRecovers(disk, acked, exact: true, "new segment torn at \(k) of \(size)")
    }
  }

  func testCrashBeforeDirectorySyncOfNewSegment() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk, options: StoreOptions(segmentBytes: 64, snapshotEveryEvents: 0))
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    acked += try XCTUnwrap(store.submitAndWait(.deposit("a", 1)).value)
    disk.inject(.syncDirectory, pathContains: "journal", thenCrash: true)
    XCTAssertNotNil(store.submitAndWait(.deposit("a", 2)).failure)
    store.close()
    disk.powerLoss()
    try assertRecovers(disk, acked, exact: true, "segment name not durable")
  }

  func testFdatasyncEIOTurnsReadOnlyAndLosesNothingAcknowledged() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk)
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    acked += try XCTUnwrap(store.submitAndWait(.deposit("a", 3)).value)
    disk.inject(.dataSync, code: EIO)
    let failure = store.submitAndWait(.deposit("a", 4)).failure
    guard case .storeReadOnly(let reason) = failure else { return XCTFail("\(String(describing: failure))") }
    XCTAssertTrue(reason.contains("fdatasync"), reason)
    XCTAssertEqual(store.status.mode, .readOnly(reason))
    // Never retried: later commands are refused without touching the disk.
    let syncs = disk.calls(.dataSync)
    XCTAssertEqual(store.submitAndWait(.deposit("a", 5)).failure, .storeReadOnly(reason))
    XCTAssertEqual(disk.calls(.dataSync), syncs)
    XCTAssertEqual(store.state, replay(acked))
    store.close()
    try assertRecovers(disk, acked, exact: false, "after EIO, without power loss")
  }

  func testWriteFailureFailsTheWholeQueue() async throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk)
    defer { store.close() }
    _ = try await store.submit(.open("a"), actor: "t", unit: nil)
    disk.inject(.write, code: EIO)
    let failures = await withTaskGroup(of: StoreFailure?.self) { group in
      for i in 0..<20 {
        group.addTask {
          do {
            _ = try await store.submit(.deposit("a", Int64(i + 1)), actor: "t", unit: nil)
            return nil
          } catch { return error as? StoreFailure }
        }
      }
      return await group.reduce(into: [StoreFailure?]()) { $0.append($1) }
    }
    // Some may have been durable before the fault fired; none after it.
    let failed = failures.compactMap { $0 }
    XCTAssertFalse(failed.isEmpty)
    for f in failed {
      guard case .storeReadOnly = f else { return XCTFail("\(f)") }
    }
    XCTAssertEqual(store.state.applied, store.lastSeq)
    XCTAssertEqual(try store.records(from: 1).count, Int(store.lastSeq))
  }

  func testDiskFullTurnsReadOnlyAndRecoveryCutsThePartialFrame() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk)
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    let used = disk.paths(under: "/").compactMap { disk.contents($0)?.count }.reduce(0, +)
    disk.setCapacity(used + 300)
    var failure: StoreFailure?
    for i in 1...50 {
      switch store.submitAndWait(.deposit("a", Int64(i))) {
      case .success(let r): acked += r
      case .failure(let f):
        failure = f
        break
      }
      if failure != nil { break }
    }
    guard case .storeReadOnly(let reason) = failure else { return XCTFail("\(String(describing: failure))") }
    XCTAssertTrue(reason.contains("disk full"), reason)
    XCTAssertEqual(store.state, replay(acked))
    store.close()
    disk.powerLoss()
    try assertRecovers(disk, acked, exact: true, "ENOSPC")
  }
}
