import CordonModel
import CordonSession
import CordonStore
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// The journal reads `cordon audit` and `export stock` make, on a store of
/// ten days: the streamed audit gives the text `run` gives, in chunks of
/// whole lines, the first line alone; an actor's audit passes other users'
/// records by their header; the stock card from the stock events alone is
/// the card from every record.
final class JournalQueryRunnerTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-jq-\(UUID().uuidString.prefix(8))")
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: root)
  }

  /// Ten days of rounds, ventilations and stock movements by two users.
  private func tenDays() throws -> (EventStore<CordonDomain>, first: Int) {
    let cal = CordonState().calendar
    let first = cal.day(of: Instant.now()) - 10
    let now = Mutex(cal.startOfDay(first).adding(minutes: 7 * 60))
    let store = try EventStore<CordonDomain>.open(
      directory: root, options: StoreOptions(segmentBytes: 64 << 10), clock: { now.withLock { $0 } })
    var accepted = 0
    /// A refusal (an issue beyond the balance) is part of the mix; any other failure is not.
    func submit(_ c: CordonCommand, _ actor: String = "hq-duty") throws {
      let done = DispatchSemaphore(value: 0)
      let failure = Mutex<StoreFailure?>(nil)
      store.submit(c, actor: actor, unit: nil) { r in
        if case .failure(let f) = r { failure.withLock { $0 = f } }
        done.signal()
      }
      done.wait()
      switch failure.withLock({ $0 }) {
      case nil: accepted += 1
      case .refused: break
      case let f?: throw StoreError.io("\(f)")
      }
    }
    try submit(.register(DemoOrganisation.registration()))
    let sites = store.state.orderedSites.map(\.id)
    let units = store.state.orderedUnits.map(\.id)
    let items = store.state.orderedItems.map(\.id)
    try submit(.batch(sites.map { .openSite(site: $0, staff: 2) }))
    var rng = SeededRandom(seed: 15)
    for step in 0..<(10 * 48) {
      now.withLock { $0 = cal.startOfDay(first).adding(minutes: Int64(step) * 30 + 7 * 60) }
      let actor = step % 3 == 0 ? "jy-duty" : "hq-duty"
      let site = sites[step % sites.count]
      let unit = units[Int(rng.next() % UInt64(units.count))]
      let item = items[Int(rng.next() % UInt64(items.count))]
      switch step % 6 {
      case 0:
        try submit(
          .receiveStock(
            unit: unit, item: item, quantity: Quantity(Int64(rng.next() % 90 + 10)), kind: .purchase,
            reason: "采购"), actor)
      case 1: try submit(.issueStock(unit: unit, item: item, quantity: Quantity(1), reason: "发放"), actor)
      case 2: try submit(.countStock(unit: unit, item: item, counted: Quantity(5), reason: .found), actor)
      case 3: try submit(.setMinimum(unit: unit, item: item, minimum: Quantity(3)), actor)
      case 4: try submit(.recordVentilation(site: site), actor)
      default:
        try submit(
          .recordRound(site: site, checked: Int(rng.next() % 300), fevers: 0, acceptMissingCases: false), actor)
      }
    }
    XCTAssertGreaterThan(accepted, 400)
    return (store, first)
  }

  func testStreamedAuditIsTheTextInChunksOfWholeLines() throws {
    let (store, first) = try tenDays()
    defer { store.close() }
    let cal = store.state.calendar
    for q in [
      JournalQuery(kind: .audit, lang: "en"),
      JournalQuery(kind: .audit, lang: "zh", since: cal.formatDay(first + 3)),
      JournalQuery(kind: .audit, lang: "en", actor: "jy-duty", since: cal.formatDay(first + 2)),
      JournalQuery(kind: .audit, unit: "jinyuan", lang: "en"),
    ] {
      let text = try JournalQueryRunner.run(q, store: store, principal: nil).get()
      XCTAssertFalse(text.isEmpty)
      var chunks: [[UInt8]] = []
      let count = try JournalQueryRunner.streamAudit(q, store: store, principal: nil, chunkBytes: 2000) {
        chunks.append($0)
        return true
      }.get()
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      XCTAssertEqual(count, lines.count)
      XCTAssertEqual(String(decoding: chunks.joined(), as: UTF8.self), text + "\n")
      XCTAssertEqual(String(decoding: try XCTUnwrap(chunks.first), as: UTF8.self), lines[0] + "\n")
      XCTAssertGreaterThanOrEqual(chunks.count, 2)
      for c in chunks { XCTAssertEqual(c.last, 0x0A) }
    }
  }

  func testAnActorsAuditIsTheirRecordsOnly() throws {
    let (store, _) = try tenDays()
    defer { store.close() }
    let state = store.state
    let all = try store.records(since: Instant(milliseconds: .min))
    let q = JournalQuery(kind: .audit, lang: "en", actor: "jy-duty")
    let expected = AuditTrail.select(all, .init(actor: "jy-duty"), state: state)
      .map { AuditTrail.line($0, state: state, strings: Strings(.en)) }.joined(separator: "\n")
    XCTAssertGreaterThan(expected.count, 100)
    XCTAssertEqual(try JournalQueryRunner.run(q, store: store, principal: nil).get(), expected)
  }

  func testTheStockCardFromItsEventsIsTheCardFromEveryRecord() throws {
    let (store, first) = try tenDays()
    defer { store.close() }
    let cal = store.state.calendar
    for day in [first + 1, first + 6, first + 9] {
      let since = cal.startOfDay(day - 6)
      let start = try store.state(at: Instant(milliseconds: since.milliseconds - 1))
      let records = try store.records(since: since, until: cal.startOfDay(day + 1))
      XCTAssertTrue(records.contains { if case .roundRecorded = $0.event { true } else { false } })
      let expected = CSVWriter.write(
        CSVExport.stock(state: store.state, start: start, records: records, day: day, language: .en), bom: false)
      let card = try JournalQueryRunner.run(
        JournalQuery(kind: .exportStock, date: cal.formatDay(day), lang: "en"), store: store, principal: nil
      ).get()
      XCTAssertEqual(card, expected, cal.formatDay(day))
      XCTAssertGreaterThan(card.utf8.filter { $0 == 0x0A }.count, 3, "rows: \(card)")
    }
  }
}
