import CordonModel
import CordonStore
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// Issue 14 item 2 on the real store: pruning is journalled by housekeeping
/// (`tick`) at the store's clock, so a command stamped by a clock far ahead
/// prunes nothing, and reopening replays the same state.
final class RetentionStoreTests: XCTestCase {
  func testPruningIsAJournalledDailyEventByTheStoresClock() throws {
    let dir = try temporaryDirectory("retention")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = dir.appendingPathComponent("data")
    let now = Mutex(Instant.now())
    let clock: @Sendable () -> Instant = { now.withLock { $0 } }
    let store = try EventStore<CordonDomain>.open(directory: data, clock: clock)
    let cal = store.state.calendar
    let today = cal.day(of: clock())
    func submit(_ c: CordonCommand) throws {
      _ = try ServerHarness.wait(store) { store.submit(c, actor: "t", unit: nil, completion: $0) }
    }
    try submit(
      .register(
        DemoOrganisation.registration()
          + DemoOrganisation.shifts(fromDay: today - 1, toDay: today + 1, calendar: cal, existing: [])))
    try submit(.writeHandover(unit: "heating", text: "早班交接"))
    store.tick()
    try eventually("housekeeping journals today's retention", timeout: 10) { store.state.lastPrunedDay == today }
    let before = (store.state.shifts.count, store.state.handovers.count)
    XCTAssertGreaterThan(before.0, 0)

    // One command under a clock 400 days ahead (no housekeeping meanwhile), then the clock is put right.
    let right = clock()
    now.withLock { $0 = right.adding(minutes: 400 * 24 * 60) }
    try submit(.writeHandover(unit: "heating", text: "x"))
    now.withLock { $0 = right.adding(minutes: 1) }
    try submit(.writeHandover(unit: "heating", text: "正常"))
    store.tick()
    let seq = store.lastSeq
    XCTAssertEqual(store.state.shifts.count, before.0, "no shift lost")
    XCTAssertEqual(store.state.handovers.count, before.1 + 2, "no handover lost")
    XCTAssertEqual(store.state.lastPrunedDay, today, "pruned by the store's day only")

    // The next day by the store's clock: one more retention event, and shifts older than 15 days would go.
    now.withLock { $0 = right.adding(minutes: 24 * 60) }
    store.tick()
    try eventually("the next day's retention", timeout: 10) { store.state.lastPrunedDay == today + 1 }
    let records = try store.records(from: 1)
    let days = records.compactMap { r -> Int? in
      if case .retentionApplied(let d) = r.event { return d } else { return nil }
    }
    XCTAssertEqual(days, [today, today + 1], "one journalled event per day of the store's clock")
    XCTAssertTrue(
      records.filter { if case .retentionApplied = $0.event { true } else { false } }.allSatisfy {
        $0.actor == "system"
      })
    XCTAssertGreaterThan(store.lastSeq, seq)
    let live = store.state
    store.close()

    // Replay from the journal alone (no snapshot) gives the same state.
    try FileManager.default.removeItem(at: data.appendingPathComponent("snapshots"))
    let again = try EventStore<CordonDomain>.open(directory: data, clock: clock)
    defer { again.close() }
    XCTAssertEqual(again.state, live)
  }
}
