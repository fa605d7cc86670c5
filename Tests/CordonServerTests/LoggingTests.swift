import CordonModel
import CordonServer
import CordonStore
import CordonStoreTestSupport
import Foundation
import Logging
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// The server's log through swift-log: what the store's life looks like in
/// it (snapshots, archiving, the turn to read-only), on a real store in real
/// files with real fsync. Only the failure of fdatasync is injected.
final class LoggingTests: XCTestCase {
  func testSnapshotsArchivingAndTheTurnToReadOnlyAreLoggedOnce() throws {
    let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("cdn-log-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let log = LogLines()
    let io = ObservedIO(PosixFileIO())
    var options = StoreOptions(segmentBytes: 16 << 10, snapshotEveryEvents: 0, snapshotEveryMinutes: 0)
    options.observer = CordonServer.storeObserver(log.logger)
    let store = try EventStore<CordonDomain>.open(directory: root, options: options, io: io)
    defer { store.close() }
    _ = try ServerHarness.wait(store) { done in
      store.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: nil, completion: done)
    }
    let site = try XCTUnwrap(store.state.orderedSites.first?.id)
    _ = try ServerHarness.wait(store) {
      store.submit(.openSite(site: site, staff: 2), actor: "t", unit: nil, completion: $0)
    }
    func rounds(_ n: Int) throws {
      for _ in 0..<n {
        _ = try ServerHarness.wait(store) { done in
          store.submit(
            .recordRound(site: site, checked: 10, fevers: 0, acceptMissingCases: false), actor: "t", unit: nil,
            completion: done)
        }
      }
    }
    try rounds(100)
    try store.snapshot()
    try rounds(100)
    try store.snapshot()
    try eventually("snapshot and archive logged") {
      log.lines.contains { $0.hasPrefix("info snapshot written at seq \(store.lastSeq)") }
        && log.lines.contains { $0.hasPrefix("info archived journal segment 1...") }
    }

    io.failDataSync.store(true, ordering: .relaxed)
    let first = submitAndWait(store, site)
    guard case .failure(.storeReadOnly(let reason))? = first else { return XCTFail("\(String(describing: first))") }
    XCTAssertTrue(reason.contains("fdatasync"), reason)
    try eventually("read-only logged") { log.lines.contains { $0.hasPrefix("error the store is read-only: ") } }
    let line = try XCTUnwrap(log.lines.first { $0.hasPrefix("error the store is read-only: ") })
    XCTAssertTrue(line.contains("fdatasync") && line.contains("store=read-only"), line)
    // Refused later commands do not log the transition again.
    _ = submitAndWait(store, site)
    usleep(100_000)
    XCTAssertEqual(log.lines.filter { $0.contains("read-only") }.count, 1, log.lines.joined(separator: "\n"))
    // Nothing of what users typed: no site, no actor, no event content.
    XCTAssertFalse(log.lines.contains { $0.contains(site) || $0.contains("recordRound") }, "\(log.lines)")
  }

  private func submitAndWait(_ store: EventStore<CordonDomain>, _ site: String) -> Result<
    [EventRecord<CordonEvent>], StoreFailure
  >? {
    let box = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
    let sem = DispatchSemaphore(value: 0)
    store.submit(.recordRound(site: site, checked: 1, fevers: 0, acceptMissingCases: false), actor: "t", unit: nil) {
      r in
      box.withLock { $0 = r }
      sem.signal()
    }
    _ = sem.wait(timeout: .now() + 10)
    return box.withLock { $0 }
  }
}
