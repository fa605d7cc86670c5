import CordonModel
import EventSourcing
import XCTest

/// `cordon-bench city`'s generator: the same seed gives the same year (the
/// same state hash), another seed another; every command is accepted by
/// `decide` as the store's batch path would run it; and the year ends with
/// the open alerts asked for.
final class CityScenarioTests: XCTestCase {
  struct Refused: Error, CustomStringConvertible { var description: String }

  static let size = CityScenario.Size(units: 4, sites: 12, people: 30, openAlerts: 6, events: 9_000)

  static func year(seed: UInt64) throws -> (state: CordonState, events: Int) {
    let start = try XCTUnwrap(CordonState().calendar.parse("2020-01-01 00:00"))
    let city = CityScenario(size: size, seed: seed, start: start)
    var state = CordonState()
    var events = 0
    func run(_ command: CordonCommand, at t: Instant) throws {
      let produced: [CordonEvent]
      do {
        produced = try CordonDomain.decide(
          command, context: CommandContext(actor: "bench", unit: nil, now: t), state: state)
      } catch {
        throw Refused(description: "refused at \(state.calendar.format(t)): \(error)")
      }
      for e in produced {
        state.apply(EventRecord(seq: state.lastSeq + 1, time: t, actor: "bench", unit: nil, commandID: nil, event: e))
      }
      events += produced.count
    }
    for c in city.organisation() { try run(c, at: start) }
    try city.forEachBatch(batchSize: 200) { t, batch in try run(.batch(batch), at: t) }
    return (state, events)
  }

  func testTheSameSeedGivesTheSameYearAndEveryCommandIsAccepted() throws {
    let (a, n) = try Self.year(seed: 19)
    let (b, _) = try Self.year(seed: 19)
    XCTAssertEqual(a.contentHash, b.contentHash)
    XCTAssertGreaterThan(n, Self.size.events / 2, "about the events asked for")
    XCTAssertEqual(a.units.count, Self.size.units)
    XCTAssertEqual(a.sites.count, Self.size.sites)
    XCTAssertEqual(a.people.count, Self.size.people)
    let open = a.alerts.values.filter { $0.state != .resolved && $0.key.rule == .fever }
    XCTAssertEqual(open.count, Self.size.openAlerts, "the last fevers' alerts stay open")
    let (c, _) = try Self.year(seed: 20)
    XCTAssertNotEqual(a.contentHash, c.contentHash, "another seed, another year")
  }
}
