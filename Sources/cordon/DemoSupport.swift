import CordonModel
import CordonStore
import Foundation
import Synchronization

/// Seeds the demo organisation into an empty store.
enum DemoSeeder {
  static func seedIfEmpty(_ store: EventStore<CordonDomain>) {
    guard store.state.units.isEmpty else { return }
    let cal = store.state.calendar
    let today = cal.day(of: Instant.now())
    // One batch, so the roster exists the moment the units do and no
    // coverage alert is raised and cleared in between.
    let events =
      DemoOrganisation.registration()
      + DemoOrganisation.shifts(fromDay: today - 1, toDay: today + 1, calendar: cal, existing: [])
    _ = submitAndWait(.register(events), to: store, actor: "demo", unit: "hq", commandID: "demo-seed")
  }
}

/// The store's watchdog (overdue rounds, escalations) and, in the demo, the
/// simulated feed: both on one background thread that sleeps between steps.
final class BackgroundWork: Sendable {
  init(store: EventStore<CordonDomain>, demo: Bool) {
    let flag = StopFlag()
    self.flag = flag
    let worker = Thread {
      var rng = SeededRandom(seed: UInt64(UInt32(truncatingIfNeeded: getpid())))
      var lastTick = Date.distantPast
      while !flag.isSet {
        if Date().timeIntervalSince(lastTick) >= 15 {
          store.tick()
          lastTick = Date()
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
