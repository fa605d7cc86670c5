import CordonModel
import CordonSession
import CordonStore
import Foundation
import Synchronization

/// Seeds the demo into an empty store: the example organisation and fourteen
/// days of generated history, each step journalled at its own time (the
/// store's clock reads `storeClock`, which replays the steps' times), so
/// burn rates, sparklines, past reports, the audit trail and time travel have
/// content from the first second.
enum DemoSeeder {
  static func seedIfEmpty(_ store: any DomainStore) {
    guard !store.state.hasOrganisation else { return }
    var driver = DemoHistory.Driver(now: Instant.now())
    var first = true
    // Each hour is proposed against what the store holds, decided by the store, and durable before the next.
    while store.status.isWritable, let steps = driver.next(state: store.state) {
      for step in steps {
        storeClock.set(step.time)
        switch step {
        case .command(_, let actor, let unit, let command):
          // The registration keeps the id the demo seed always had.
          _ = submitAndWait(command, to: store, actor: actor, unit: unit, commandID: first ? "demo-seed" : nil)
          first = false
        case .tick(let t):
          // Only when housekeeping has something to journal; then wait until it is durable.
          let due = CordonDomain.housekeeping(state: store.state, now: t)
          guard !due.isEmpty else { continue }
          let target = store.state.lastSeq + UInt64(due.count)
          store.tick()
          let deadline = Date().addingTimeInterval(5)
          while store.state.lastSeq < target && Date() < deadline { usleep(200) }
        }
      }
    }
    storeClock.set(nil)
  }
}

/// The clock every store of this process reads: the wall clock, except while
/// the demo's history is replayed at its own times.
let storeClock = ReplayClock()

final class ReplayClock: Sendable {
  private let override = Mutex<Instant?>(nil)
  func set(_ t: Instant?) { override.withLock { $0 = t } }
  var now: Instant { override.withLock { $0 } ?? Instant.now() }
}

/// The store's watchdog (overdue rounds, escalations), past days' reports
/// (`ReportArchive`) and, in the demo, the simulated feed: all on one
/// background thread that sleeps between steps.
final class BackgroundWork: Sendable {
  init(store: any DomainStore, demo: Bool) {
    let flag = StopFlag()
    self.flag = flag
    let reports = DispatchQueue(label: "cordon-reports", qos: .utility)
    let reportsBusy = BusyFlag()
    let worker = Thread {
      var rng = SeededRandom(seed: UInt64(UInt32(truncatingIfNeeded: getpid())))
      var lastTick = Date.distantPast
      var lastReports = Date.distantPast
      while !flag.isSet {
        if Date().timeIntervalSince(lastTick) >= 15 {
          store.tick()
          lastTick = Date()
          // Yesterday's reports, rendered once the day has settled, looked
          // for every ten minutes (a day that fails is tried again then). On
          // a queue of their own: at a city's size they take a core for
          // seconds (1,206 reports in 9-13 s), which must not hold up the
          // watchdog's clock pass.
          if store.role.writesHere, Date().timeIntervalSince(lastReports) >= 600, let archive = store.reportArchive,
            reportsBusy.claim()
          {
            lastReports = Date()
            reports.async {
              archive.prepareDue(store: store, now: Instant.now())
              reportsBusy.release()
            }
          }
        }
        if demo, store.status.isWritable, let step = DemoFeed.next(state: store.state, now: Instant.now(), rng: &rng) {
          store.submit(step.command, actor: step.actor, unit: step.unit) { _ in }
        }
        // Without the demo, only the watchdog runs: wake when its tick is due, not before.
        flag.sleep(seconds: demo ? Double.random(in: 1.5...3.5, using: &rng) : 15)
      }
    }
    worker.name = "cordon-background"
    worker.start()
  }

  private let flag: StopFlag

  func stop() { flag.set() }
}

/// Whether a piece of background work is under way: one at a time.
final class BusyFlag: Sendable {
  private let value = Atomic<Bool>(false)
  /// True when it was free and is now taken.
  func claim() -> Bool { !value.exchange(true, ordering: .acquiringAndReleasing) }
  func release() { value.store(false, ordering: .releasing) }
}

/// A stop signal a sleeping thread notices at once.
final class StopFlag: Sendable {
  private let condition = NSCondition()
  private let value = Atomic<Bool>(false)
  var isSet: Bool { value.load(ordering: .acquiring) }
  func set() {
    condition.lock()
    value.store(true, ordering: .releasing)
    condition.broadcast()
    condition.unlock()
  }
  func sleep(seconds: Double) {
    condition.lock()
    if !isSet { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
    condition.unlock()
  }
}
