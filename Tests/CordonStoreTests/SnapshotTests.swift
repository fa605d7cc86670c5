import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

final class SnapshotTests: XCTestCase {
  /// Random command sequences with snapshots, reopenings and segment rolls at
  /// random points: the state from snapshot + tail always equals a full replay
  /// of every acknowledged record, and so does time travel to any seq.
  func testSnapshotPlusTailEqualsFullReplay() throws {
    for seed in UInt64(1)...6 {
      var rng = SeededRandom(seed: seed)
      let disk = SimulatedDisk()
      let options = StoreOptions(
        segmentBytes: Int.random(in: 200...2000, using: &rng), snapshotEveryEvents: Int.random(in: 0...40, using: &rng),
        commandIDWindow: 8)
      var store = try openSim(disk, options: options)
      var acked: [LedgerRecord] = []
      for step in 0..<250 {
        let id: String? = Int.random(in: 0..<4, using: &rng) == 0 ? "c\(Int.random(in: 0..<30, using: &rng))" : nil
        if let records = store.submitAndWait(LedgerModel.randomCommand(&rng), commandID: id).value {
          if !records.isEmpty && records.first?.seq == UInt64(acked.count + 1) { acked += records }
        }
        switch Int.random(in: 0..<40, using: &rng) {
        case 0: try store.snapshot()
        case 1:
          store.close()
          store = try openSim(disk, options: options)
          XCTAssertEqual(store.state, replay(acked), "seed \(seed) step \(step) after reopen")
        default: break
        }
      }
      XCTAssertEqual(store.lastSeq, UInt64(acked.count))
      XCTAssertEqual(store.state, replay(acked), "seed \(seed)")
      for _ in 0..<5 {
        let at = UInt64.random(in: 0...UInt64(acked.count), using: &rng)
        do {
          let past = try store.state(atSeq: at)
          XCTAssertEqual(past, replay(Array(acked.prefix(Int(at)))), "seed \(seed) at \(at)")
        } catch StoreError.unavailable {
          // Compacted away: only history back to the older snapshot is kept.
        }
      }
      store.close()
      let reopened = try openSim(disk, options: options)
      XCTAssertEqual(reopened.state, replay(acked), "seed \(seed) final reopen")
      reopened.close()
    }
  }

  func testTimeTravelByInstant() throws {
    let clock = ManualClock()
    let store = try openSim(SimulatedDisk(), clock, options: StoreOptions(snapshotEveryEvents: 7))
    defer { store.close() }
    var acked: [LedgerRecord] = []
    acked += store.submitAndWait(.open("a")).value ?? []
    for i in 1...30 {
      clock.advance(milliseconds: 1000)
      acked += store.submitAndWait(.deposit("a", Int64(i))).value ?? []
    }
    for probe in [0, 5, 17, 30] {
      let t = acked[probe].time
      XCTAssertEqual(try store.state(at: t), replay(Array(acked.prefix(probe + 1))), "at event \(probe)")
    }
    XCTAssertEqual(try store.state(at: Instant(milliseconds: 0)), LedgerModel.initialState())
  }

  func testCompactionKeepsTwoSnapshotsAndDeletesCoveredSegments() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk, options: StoreOptions(segmentBytes: 300, snapshotEveryEvents: 0, commandIDWindow: 1))
    _ = store.submitAndWait(.open("a"))
    var snapSeqs: [UInt64] = []
    for round in 0..<4 {
      for i in 1...10 { _ = store.submitAndWait(.deposit("a", Int64(i + round))) }
      try store.snapshot()
      snapSeqs.append(store.lastSeq)
    }
    let snaps = disk.paths(under: "/data/snapshots/")
    XCTAssertEqual(snaps, snapSeqs.suffix(2).map { "/data/snapshots/" + SnapshotFile.fileName(seq: $0) })
    let segs = disk.paths(under: "/data/journal/").compactMap {
      SegmentHeader.firstSeq(fromFileName: String($0.split(separator: "/").last ?? ""))
    }
    let older = snapSeqs[snapSeqs.count - 2]
    // The first remaining segment must still hold the event right after the older snapshot.
    XCTAssertLessThanOrEqual(try XCTUnwrap(segs.min()), older + 1)
    XCTAssertGreaterThan(try XCTUnwrap(segs.min()), 1)
    XCTAssertEqual(try store.records(from: older + 1).count, Int(store.lastSeq - older))
    store.close()
  }

  func testTimeBasedSnapshotOnTick() throws {
    let clock = ManualClock()
    let disk = SimulatedDisk()
    let store = try openSim(disk, clock, options: StoreOptions(snapshotEveryEvents: 0, snapshotEveryMinutes: 5))
    _ = store.submitAndWait(.open("a"))
    XCTAssertEqual(disk.paths(under: "/data/snapshots/"), [])
    clock.advance(milliseconds: 6 * 60_000)
    store.tick()
    _ = store.submitAndWait(.deposit("a", 1))
    let deadline = Date().addingTimeInterval(5)
    while disk.paths(under: "/data/snapshots/").isEmpty && Date() < deadline { usleep(1000) }
    XCTAssertFalse(disk.paths(under: "/data/snapshots/").isEmpty)
    store.close()
  }
}
