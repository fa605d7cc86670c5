import CordonStore
import CordonStoreTestSupport
import Foundation
import Synchronization
import XCTest

final class EventStoreTests: XCTestCase {
  func testSubmitAppliesOnlyAfterDurabilityAndRefusesInvalid() throws {
    let disk = SimulatedDisk()
    let store = try Ledger.open(
      directory: simRoot, clock: { Instant(milliseconds: 1_700_000_000_000) }, io: disk)
    defer { store.close() }
    let opened = try XCTUnwrap(store.submitAndWait(.open("a"), actor: "ann", unit: "u1").value)
    XCTAssertEqual(opened.map(\.seq), [1])
    XCTAssertEqual(opened[0].actor, "ann")
    XCTAssertEqual(opened[0].unit, "u1")
    XCTAssertEqual(opened[0].time, Instant(milliseconds: 1_700_000_000_000))
    XCTAssertEqual(
      store.submitAndWait(.withdraw("a", 5)).failure, .refused(Refusal("insufficient-funds", ["a", "0", "5"])))
    let moved = try XCTUnwrap(store.submitAndWait(.deposit("a", 10)).value)
    XCTAssertEqual(moved.map(\.seq), [2])
    XCTAssertEqual(store.state.balances["a"], 10)
    XCTAssertEqual(store.lastSeq, 2)
    XCTAssertTrue(store.status.isWritable)
    XCTAssertGreaterThanOrEqual(disk.calls(.dataSync) + disk.calls(.sync), 2)
  }

  func testZeroEventCommandWritesNothing() throws {
    let disk = SimulatedDisk()
    let store = try openSim(disk)
    defer { store.close() }
    let writes = disk.calls(.write)
    XCTAssertEqual(store.submitAndWait(.nothing).value, [])
    XCTAssertEqual(disk.calls(.write), writes)
    XCTAssertEqual(store.lastSeq, 0)
  }

  func testMultiEventCommandGetsConsecutiveSeqsAndOneTime() throws {
    let store = try openSim(SimulatedDisk())
    defer { store.close() }
    _ = store.submitAndWait(.open("a"))
    _ = store.submitAndWait(.open("b"))
    _ = store.submitAndWait(.deposit("a", 50))
    let r = try XCTUnwrap(store.submitAndWait(.transfer(from: "a", to: "b", amount: 20), commandID: "t1").value)
    XCTAssertEqual(r.map(\.seq), [4, 5])
    XCTAssertEqual(r[0].time, r[1].time)
    XCTAssertEqual(r.map(\.commandID), ["t1", "t1"])
    XCTAssertEqual(try store.records(from: 4), r)
  }

  func testConcurrentCommandsCannotBothSpendTheLastStock() async throws {
    let store = try openSim(SimulatedDisk())
    defer { store.close() }
    _ = try await store.submit(.open("a"), actor: "t", unit: nil)
    _ = try await store.submit(.deposit("a", 100), actor: "t", unit: nil)
    let outcomes = await withTaskGroup(of: Bool.self) { group in
      for _ in 0..<25 {
        group.addTask {
          do {
            _ = try await store.submit(.withdraw("a", 10), actor: "t", unit: nil)
            return true
          } catch {
            XCTAssertEqual(error as? StoreFailure, .refused(Refusal("insufficient-funds", ["a", "0", "10"])))
            return false
          }
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    XCTAssertEqual(outcomes.filter { $0 }.count, 10)
    XCTAssertEqual(store.state.balances["a"], 0)
  }

  func testDuplicateCommandIDAppliedOnceIncludingAcrossReopen() throws {
    let disk = SimulatedDisk()
    var store = try openSim(disk)
    _ = store.submitAndWait(.open("a"))
    let first = try XCTUnwrap(store.submitAndWait(.deposit("a", 5), commandID: "cmd-1").value)
    XCTAssertEqual(store.submitAndWait(.deposit("a", 5), commandID: "cmd-1").value, first)
    XCTAssertEqual(store.state.balances["a"], 5)
    store.close()
    // Reopen without a snapshot of the id (journal replay) ...
    store = try openSim(disk, options: StoreOptions(snapshotEveryEvents: 0))
    XCTAssertEqual(store.submitAndWait(.deposit("a", 5), commandID: "cmd-1").value, first)
    XCTAssertEqual(store.lastSeq, 2)
    store.close()
    // ... and from the snapshot close() took, which carries the id window.
    store = try openSim(disk)
    XCTAssertEqual(store.submitAndWait(.deposit("a", 5), commandID: "cmd-1").value, first)
    XCTAssertEqual(store.state.balances["a"], 5)
    XCTAssertEqual(store.lastSeq, 2)
    store.close()
  }

  func testConcurrentDuplicatesWaitForTheOriginal() async throws {
    let store = try openSim(SimulatedDisk())
    defer { store.close() }
    _ = try await store.submit(.open("a"), actor: "t", unit: nil)
    let results = try await withThrowingTaskGroup(of: [LedgerRecord].self) { group in
      for _ in 0..<10 {
        group.addTask { try await store.submit(.deposit("a", 1), actor: "t", unit: nil, commandID: "same") }
      }
      return try await group.reduce(into: [[LedgerRecord]]()) { $0.append($1) }
    }
    XCTAssertEqual(Set(results.map { $0.map(\.seq) }), [[2]])
    XCTAssertEqual(store.state.balances["a"], 1)
  }

  func testSubscribersSeeDurableEventsInOrder() throws {
    let store = try openSim(SimulatedDisk())
    defer { store.close() }
    let seen = Mutex<[UInt64]>([])
    let consistent = Mutex(true)
    let id = store.subscribe { records, state in
      seen.withLock { $0 += records.map(\.seq) }
      if state.applied != records.last?.seq { consistent.withLock { $0 = false } }
    }
    _ = store.submitAndWait(.open("a"))
    for i in 1...20 { _ = store.submitAndWait(.deposit("a", Int64(i))) }
    store.unsubscribe(id)
    _ = store.submitAndWait(.deposit("a", 1))
    XCTAssertEqual(seen.withLock { $0 }, Array(1...21))
    XCTAssertTrue(consistent.withLock { $0 })
  }

  func testTickAppendsHousekeepingAsSystem() throws {
    let clock = ManualClock()
    let store = try openSim(SimulatedDisk(), clock)
    defer { store.close() }
    let seen = Mutex<[LedgerRecord]>([])
    _ = store.subscribe { records, _ in seen.withLock { $0 += records } }
    store.tick()
    _ = store.submitAndWait(.nothing)  // nothing to write, but proves the queue moved on
    _ = store.submitAndWait(.open("x"))
    store.tick()  // not due again within the hour
    _ = store.submitAndWait(.open("y"))
    let records = seen.withLock { $0 }
    XCTAssertEqual(records.first?.actor, "system")
    XCTAssertEqual(records.filter { $0.actor == "system" }.count, 1)
    XCTAssertNotNil(store.state.lastAudit)
  }

  func testSecondOpenerGetsLockErrorNamingPid() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = try Ledger.open(directory: dir.url)
    defer { store.close() }
    XCTAssertThrowsError(try Ledger.open(directory: dir.url)) { error in
      XCTAssertEqual(error as? StoreError, .locked(lockFile: dir.url.path + "/LOCK", pid: getpid()))
      XCTAssertTrue("\(error)".contains("process \(getpid())"), "\(error)")
    }
  }

  func testClosedStoreRefusesWrites() throws {
    let store = try openSim(SimulatedDisk())
    store.close()
    XCTAssertEqual(store.submitAndWait(.open("a")).failure, .storeReadOnly("the store is closed"))
    store.close()
  }

  func testRealFilesRoundTripAndProgress() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var store = try Ledger.open(directory: dir.url, options: StoreOptions(segmentBytes: 4096, snapshotEveryEvents: 0))
    _ = store.submitAndWait(.open("a"))
    for i in 1...300 { _ = store.submitAndWait(.deposit("a", Int64(i))) }
    let expected = store.state
    let all = try store.records(from: 1)
    XCTAssertEqual(all.count, 301)
    store.close()
    XCTAssertGreaterThan(try FileManager.default.contentsOfDirectory(atPath: dir.url.path + "/journal").count, 3)
    try FileManager.default.removeItem(atPath: dir.url.path + "/snapshots")
    let fractions = Mutex<[Double]>([])
    store = try Ledger.open(directory: dir.url, progress: { p in fractions.withLock { $0.append(p.fraction) } })
    defer { store.close() }
    XCTAssertEqual(store.state, expected)
    XCTAssertEqual(try store.records(from: 1), all)
    XCTAssertEqual(fractions.withLock { $0.last }, 1)
    XCTAssertEqual(fractions.withLock { $0.first }, 0)
  }
}
