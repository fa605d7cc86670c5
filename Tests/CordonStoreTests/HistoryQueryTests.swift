import CordonStoreTestSupport
import Foundation
import XCTest

@testable import CordonStore

/// Queries by time over archived history: the same answers as reading
/// everything, with each archive read at most once per query and nothing
/// read that lies before the nearest kept snapshot.
final class HistoryQueryTests: XCTestCase {
  private func json(_ text: String) -> Int64? {
    Array(text.utf8).withUnsafeBytes { RecordTimeScanner.scan($0) }
  }

  func testRecordTimeScannerAgreesWithTheDecoderAndDeclinesOddShapes() throws {
    // Every record the store writes, in whatever key order the encoder picks.
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()
    let events: [LedgerModel.Event] = [
      .opened(account: "a \"time\": 1, {[\\"), .deposited(account: "time", amount: -3),
      .audited(at: Instant(milliseconds: 9)),
    ]
    for (i, e) in events.enumerated() {
      for t: Int64 in [0, 1, -1, 1_700_000_000_123, .max, .min] {
        let r = LedgerRecord(
          seq: UInt64(i + 1), time: Instant(milliseconds: t), actor: "x\"time\":5", unit: i == 0 ? nil : "u",
          commandID: "c", event: e)
        let bytes = Array(try encoder.encode(r))
        let scanned = bytes.withUnsafeBytes { RecordTimeScanner.scan($0) }
        XCTAssertEqual(scanned, t, String(decoding: bytes, as: UTF8.self))
        XCTAssertEqual(try bytes.withUnsafeBytes { try RecordTimeScanner.time($0, decoder: decoder) }, t)
      }
    }
    // Nested and quoted "time" keys are not the record's.
    XCTAssertEqual(json(#"{"event":{"time":1},"actor":"\"time\":2","time":3}"#), 3)
    XCTAssertEqual(json(#"{"actor":"x\\","time":4,"seq":1}"#), 4)
    XCTAssertEqual(json(#" { "time" : 12 } "#), 12)
    XCTAssertEqual(json(#"{"list":[{"time":1},"]"],"time":-7}"#), -7)
    // Shapes it does not read are left to the decoder.
    XCTAssertNil(json(#"{"time":1.5}"#))
    XCTAssertNil(json(#"{"ti\u006de":4}"#))
    XCTAssertNil(json(#"{"time":99999999999999999999}"#))
    XCTAssertNil(json(#"{"seq":1}"#))
    XCTAssertNil(json(#"{"seq":1,"time":"#))
    XCTAssertNil(json(#"["time",1]"#))
    XCTAssertNil(json(""))
    XCTAssertEqual(
      try Array(#"{"time":1.5e3}"#.utf8).withUnsafeBytes { try RecordTimeScanner.time($0, decoder: decoder) }, 1500)
  }

  private struct History {
    var disk: SimulatedDisk
    var io: ObservedIO
    var clock: ManualClock
    var options: StoreOptions
    var store: Ledger
    var acked: [LedgerRecord]
  }

  /// An hour between events, a step back of the clock in the middle, small
  /// segments archived under several snapshots, old ones kept 12 events apart.
  private func history() throws -> History {
    let disk = SimulatedDisk()
    let io = ObservedIO(disk)
    let clock = ManualClock()
    var options = StoreOptions(segmentBytes: 400, snapshotEveryEvents: 0, snapshotEveryMinutes: 0, commandIDWindow: 1)
    options.historySnapshotEvents = 12
    let store = try Ledger.open(directory: simRoot, options: options, clock: { clock.read() }, io: io)
    var acked = try XCTUnwrap(store.submitAndWait(.open("a")).value)
    for i in 1...60 {
      clock.advance(milliseconds: i == 31 ? -5 * 3_600_000 : 3_600_000)
      acked += try XCTUnwrap(store.submitAndWait(.deposit("a", Int64(i))).value)
      if i % 6 == 0 { try store.snapshot() }
    }
    return History(disk: disk, io: io, clock: clock, options: options, store: store, acked: acked)
  }

  func testPeriodGivesWhatTheSeparateQueriesGiveAndReadsEachArchiveOnce() throws {
    let h = try history()
    let (disk, io, store, acked) = (h.disk, h.io, h.store, h.acked)
    defer { store.close() }
    let archives = disk.paths(under: "/data/journal/").filter { $0.hasSuffix(ArchiveFile.suffix) }
    XCTAssertGreaterThan(archives.count, 4, "\(archives)")
    let t0 = acked[0].time.milliseconds
    for (fromHour, toHour) in [(0, 3), (5, 11), (20, 29), (24, 27), (28, 33), (40, 61), (-5, 0), (70, 80)] {
      let since = Instant(milliseconds: t0 + Int64(fromHour) * 3_600_000)
      let until = Instant(milliseconds: t0 + Int64(toHour) * 3_600_000)
      let note = "hours \(fromHour)..<\(toHour)"
      let expected = acked.filter { $0.time >= since && $0.time < until }
      io.resetReads()
      let (records, end) = try store.period(since: since, until: until)
      for (path, n) in io.readCounts where path.hasSuffix(ArchiveFile.suffix) {
        XCTAssertEqual(n, 1, "\(note): \(path) read \(n) times")
      }
      XCTAssertEqual(records, expected, note)
      XCTAssertEqual(try store.records(since: since, until: until), expected, note)
      // The state at `until`: every event up to the first one after it.
      let cut = acked.firstIndex { $0.time > until } ?? acked.count
      XCTAssertEqual(end, replay(Array(acked.prefix(cut))), note)
      XCTAssertEqual(try store.state(at: until), end, note)
    }
    // The clock stepped back: the records of hours 25...29 come from both
    // sides of the step, found in every segment whose times include them.
    let back = try store.records(
      since: Instant(milliseconds: t0 + 25 * 3_600_000), until: Instant(milliseconds: t0 + 27 * 3_600_000))
    XCTAssertEqual(back.count, 4, "\(back.map(\.seq))")
    store.close()
    // After reopening, sealed plain segments are learnt again; answers stay the same.
    let again = try Ledger.open(directory: simRoot, options: h.options, clock: { h.clock.read() }, io: io)
    defer { again.close() }
    XCTAssertEqual(try again.records(since: acked[10].time, until: acked[20].time), Array(acked[10..<20]))
    XCTAssertEqual(try again.records(since: acked[10].time, until: acked[20].time), Array(acked[10..<20]))
  }

  func testTimeTravelStartsFromTheNearestKeptSnapshotNotFromTheStart() throws {
    let h = try history()
    let (disk, io, store, acked) = (h.disk, h.io, h.store, h.acked)
    defer { store.close() }
    let kept = disk.paths(under: "/data/snapshots/").compactMap {
      SnapshotFile.seq(fromFileName: String($0.split(separator: "/").last ?? ""))
    }.sorted()
    XCTAssertGreaterThan(kept.count, 3, "old snapshots are kept at intervals: \(kept)")
    // A moment after the second kept snapshot: the first archive is not read.
    let snap = kept[1]
    let target = acked[Int(snap) + 2]
    io.resetReads()
    XCTAssertEqual(try store.state(at: target.time), replay(Array(acked.prefix(Int(snap) + 3))))
    let first = "/data/journal/" + ArchiveFile.fileName(firstSeq: 1)
    XCTAssertTrue(disk.paths(under: "/data/journal/").contains(first))
    XCTAssertEqual(io.readCount(first), 0, "read: \(io.readCounts)")
    for (path, n) in io.readCounts where path.hasSuffix(ArchiveFile.suffix) {
      XCTAssertEqual(n, 1, "\(path) read \(n) times")
    }
  }
}
