import CordonModel
import EventSourcing
import Foundation
import XCTest

/// State.apply is deterministic: a replay from scratch, and from a snapshot
/// taken anywhere, give the live state exactly.
final class ReplayTests: XCTestCase {
  static func randomCommand(_ h: Harness, _ rng: inout SeededRandom) -> CordonCommand? {
    if let step = DemoFeed.next(state: h.state, now: h.now, rng: &rng), Int.random(in: 0..<4, using: &rng) > 0 {
      return step.command
    }
    let keys = h.state.alerts.keys.sorted()
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return keys.randomElement(using: &rng).map { .acknowledgeAlert($0) }
    case 1: return keys.randomElement(using: &rng).map { .resolveAlert($0, note: "处理完毕") }
    case 2: return keys.randomElement(using: &rng).map { .silenceAlert($0, minutes: 10, reason: "处理中") }
    case 3:
      return .transferStock(from: "hq", to: "heating", item: "d84", quantity: Quantity(milli: 2500), reason: "调拨")
    case 4:
      return .countStock(
        unit: "jinyuan", item: "mask", counted: Quantity(Int64.random(in: 0...3000, using: &rng)),
        reason: .countingError)
    default:
      return .issueStock(
        unit: "hq", item: "mask", quantity: Quantity(Int64.random(in: -5...900, using: &rng)), reason: "")
    }
  }

  func testReplayAndSnapshotPlusTailEqualLiveState() throws {
    for seed in [1, 7, 42, 2020] as [UInt64] {
      var rng = SeededRandom(seed: seed)
      var h = Harness()
      for _ in 0..<400 {
        h.advance(minutes: Int64.random(in: 0...20, using: &rng))
        if let c = Self.randomCommand(h, &rng) { _ = try? h.run(c) }
        if Int.random(in: 0..<10, using: &rng) == 0 { _ = h.housekeeping() }
      }
      XCTAssertGreaterThan(h.journal.count, 400)
      var replayed = CordonState()
      for r in h.journal { replayed.apply(r) }
      XCTAssertEqual(replayed, h.state, "seed \(seed): full replay")

      let cut = Int.random(in: 1..<h.journal.count, using: &rng)
      var head = CordonState()
      for r in h.journal[..<cut] { head.apply(r) }
      let snapshot = try JSONEncoder().encode(head)
      var restored = try JSONDecoder().decode(CordonState.self, from: snapshot)
      XCTAssertEqual(restored, head, "seed \(seed): snapshot round trip")
      for r in h.journal[cut...] { restored.apply(r) }
      XCTAssertEqual(restored, h.state, "seed \(seed): snapshot at \(cut) + tail")
    }
  }

  func testEventsRoundTripThroughJSON() throws {
    let h = Harness()
    for r in h.journal.prefix(50) {
      let data = try JSONEncoder().encode(r)
      XCTAssertEqual(try JSONDecoder().decode(EventRecord<CordonEvent>.self, from: data), r)
    }
  }
}
