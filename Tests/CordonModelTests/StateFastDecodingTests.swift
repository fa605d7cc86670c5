import EventSourcing
import Foundation
import XCTest

@testable import CordonModel

/// The snapshot's fast readers (StateFastDecoding.swift) against `Codable`:
/// the demo's fourteen days, with the values the demo never makes added
/// (every alert action, retired people and sites, an escalation step with
/// skipped tiers, a transfer's counterparty), read both ways give the same
/// state; each table's values do take their fast reader; bytes a reader does
/// not expect fall back to `Codable`.
final class StateFastDecodingTests: XCTestCase {
  static func state() throws -> CordonState {
    let now = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 09:30"))
    var (state, _, _) = DemoHistoryTests.replay(DemoHistory.steps(now: now))
    let at = Instant(milliseconds: 1_580_000_000_000)
    let step = EscalationStep(
      tier: .manager, unit: "jinyuan", person: "李四", name: "李四", phone: "138", shift: "s-1",
      skipped: [EscalationStep.Skip(tier: .officer, unit: "jinyuan")])
    let actions: [AlertAction] = [
      .raised, .repeated, .reopened, .acknowledged, .assigned(to: "李四"), .escalated(level: 1, step: step),
      .escalated(level: 2, step: nil), .silenced(until: at, reason: "检修"), .resolved(note: "已处置"), .autoResolved,
      .severityChanged(.critical),
    ]
    let key = try XCTUnwrap(state.alerts.keys.first)
    var alert = try XCTUnwrap(state.alerts[key])
    alert.history += actions.map { AlertHistoryEntry(at: at, actor: "张三", action: $0) }
    alert.escalation = step
    alert.silencedUntil = at
    alert.silenceReason = "检修"
    alert.acknowledgedBy = "张三"
    alert.assignee = "李四"
    alert.lastEscalation = at
    alert.resolvedAt = at
    state.alerts[key] = alert
    let person = try XCTUnwrap(state.people.keys.first)
    state.people[person]?.retiredAt = at
    let site = try XCTUnwrap(state.siteOrder.first)
    state.sites[site]?.retiredAt = at
    state.sites[site]?.requiredStaff = 4
    state.sites[site]?.lastVentilation = at
    let line = try XCTUnwrap(state.stock.keys.first)
    state.stock[line]?.belowMinimumSince = at
    state.stock[line]?.ledger.prepend(
      LedgerEntry(
        at: at, kind: .transferIn, delta: Quantity(milli: 5), balance: .zero, counterparty: "hq", reason: "调拨", by: "张三"
      )
    )
    XCTAssertFalse(state.sites.isEmpty || state.people.isEmpty || state.alerts.isEmpty || state.stock.isEmpty)
    XCTAssertFalse(state.shifts.isEmpty || state.feverCases.isEmpty)
    return state
  }

  func testStateReadFastEqualsCodable() throws {
    let state = try Self.state()
    let bytes = try BinaryCoding.encode(state)
    let fast = try BinaryCoding.decode(CordonState.self, from: bytes)
    let reference = try BinaryCoding.decode(CordonState.self, from: bytes, fastPaths: false)
    XCTAssertEqual(fast, reference)
    XCTAssertEqual(fast.sites, state.sites)
    XCTAssertEqual(fast.alerts, state.alerts)
    XCTAssertEqual(fast.stock, state.stock)
  }

  /// Each value of the big tables, read by its own reader to the last byte.
  func testTablesTakeTheirFastReaders() throws {
    let state = try Self.state()
    func check<T: Encodable & BinaryFastDecodable & Equatable>(
      _ value: T, file: StaticString = #filePath, line: UInt = #line
    )
      throws
    {
      let bytes = try BinaryCoding.encode(value)
      bytes.withUnsafeBytes { b in
        var r = BinaryFieldReader(b)
        XCTAssertEqual(T.read(&r), value, "\(T.self)", file: file, line: line)
        XCTAssertTrue(r.isAtEnd, "\(T.self) read to its end", file: file, line: line)
      }
    }
    for s in state.sites.values { try check(s) }
    for p in state.people.values { try check(p) }
    for a in state.alerts.values { try check(a) }
    for l in state.stock.values { try check(l) }
    for s in state.shifts.values { try check(s) }
    for e in state.dutyLog.values { try check(e) }
    try check(state.people)
    try check(state.sites)
    try check(state.alerts)
    try check(state.stock)
    try check(state.health)
    try check(state.feverCases)
    try check(state.shifts)
    try check(state.dutyLog)
  }

  /// A field the reader does not know (a newer build's) and a key that is not
  /// an integer: the fast reader refuses them and `Codable` has the last word.
  func testUnexpectedBytesFallBackToCodable() throws {
    struct PersonPlus: Encodable {
      var id = "p1", name = "张三", unit = "u1", phone = "138"
      var categories: [PersonCategory] = [.onDuty]
      var badge = "B-7"
    }
    let plus = try BinaryCoding.encode(["p1": PersonPlus()])
    plus.withUnsafeBytes { b in
      var r = BinaryFieldReader(b)
      XCTAssertNil([String: Person].read(&r))
    }
    let people = try BinaryCoding.decode([String: Person].self, from: plus)
    XCTAssertEqual(people["p1"], Person(id: "p1", name: "张三", unit: "u1", phone: "138", categories: [.onDuty]))

    let notInt = try BinaryCoding.encode(["x": Quantity.zero])
    XCTAssertThrowsError(try BinaryCoding.decode([Int: Quantity].self, from: notInt))
    XCTAssertThrowsError(try BinaryCoding.decode([Int: Quantity].self, from: notInt, fastPaths: false))
    let dup = try BinaryCoding.encode([Int: Quantity](uniqueKeysWithValues: [(3, Quantity(milli: 1)), (4, .zero)]))
    XCTAssertEqual(
      try BinaryCoding.decode([Int: Quantity].self, from: dup),
      try BinaryCoding.decode([Int: Quantity].self, from: dup, fastPaths: false))
  }

  /// Tables of more than 4 MiB are read in two halves on two threads: keyed
  /// by name (people) and as a list of keys and values (alerts).
  func testBigTablesReadInHalvesEqualCodable() throws {
    var people: [String: Person] = [:]
    for i in 0..<60_000 {
      people["p\(i)"] = Person(
        id: "p\(i)", name: "人员\(i)", unit: "u\(i % 200)", phone: "1380000\(i)", categories: [.onDuty, .volunteer])
    }
    var alerts = ShardedDictionary<AlertKey, Alert>()
    let state = try Self.state()
    let sample = try XCTUnwrap(state.alerts.values.first { $0.history.count > 3 })
    for i in 0..<12_000 {
      var a = sample
      a.key = AlertKey(rule: .fever, subject: "s\(i)")
      a.number = i
      alerts[a.key] = a
    }
    let peopleBytes = try BinaryCoding.encode(people)
    let alertBytes = try BinaryCoding.encode(alerts)
    XCTAssertGreaterThan(peopleBytes.count, 4 << 20)
    XCTAssertGreaterThan(alertBytes.count, 4 << 20)
    XCTAssertEqual(try BinaryCoding.decode([String: Person].self, from: peopleBytes), people)
    XCTAssertEqual(
      try BinaryCoding.decode(ShardedDictionary<AlertKey, Alert>.self, from: alertBytes),
      try BinaryCoding.decode(ShardedDictionary<AlertKey, Alert>.self, from: alertBytes, fastPaths: false))
    XCTAssertEqual(try BinaryCoding.decode(ShardedDictionary<AlertKey, Alert>.self, from: alertBytes), alerts)
    // Cut short inside the second half: not split, and read as `Codable` reads it.
    let cut = Array(peopleBytes.prefix(peopleBytes.count - 100))
    XCTAssertEqual(
      try? BinaryCoding.decode([String: Person].self, from: cut),
      try? BinaryCoding.decode([String: Person].self, from: cut, fastPaths: false))
  }
}
