import CordonModel
import CordonServer
import CordonSession
import CordonWire
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// `cordon audit --socket`: the server sends an audit asked for in parts
/// (`answerPart` frames of whole lines, as they are read), then the answer;
/// together they are the text a local read gives. A query that does not ask
/// for parts gets the whole text in one answer, as before.
final class StreamedQueryTests: XCTestCase {
  func testAnAuditThroughTheServerArrivesInPartsInOrder() throws {
    let h = try ServerHarness()
    defer { h.shutdown() }
    let sites = h.store.state.orderedSites.map(\.id)
    for round in 0..<100 {
      try h.submit(
        .batch(
          sites.map { .recordRound(site: $0, checked: round * 7, fevers: 0, acceptMissingCases: false) }),
        actor: round % 2 == 0 ? "hq-duty" : "jy-duty")
    }
    let q = JournalQuery(kind: .audit, lang: "en")
    let local = try JournalQueryRunner.run(q, store: h.store, principal: nil).get()
    XCTAssertGreaterThan(local.utf8.count, 3 * (64 << 10), "enough for several parts")

    let c = try h.newClient()
    defer { c.close() }
    let parts = Mutex<[String]>([])
    let rest = try c.query(q, onPart: { part in parts.withLock { $0.append(part) } }).get()
    let got = parts.withLock { $0 }
    XCTAssertGreaterThan(got.count, 2)
    XCTAssertEqual(got.first, String(local.split(separator: "\n")[0]) + "\n", "the first line comes alone")
    for p in got { XCTAssertTrue(p.hasSuffix("\n")) }
    XCTAssertEqual(got.joined() + rest, local + "\n")

    // Asked without parts: the whole text, once; and a refusal either way.
    XCTAssertEqual(try c.query(q).get(), local)
    let bad = JournalQuery(kind: .audit, lang: "en", since: "yesterday")
    for r in [c.query(bad), c.query(bad, onPart: { _ in XCTFail("no part for a refused query") })] {
      guard case .failure(let refusal) = r else { return XCTFail("\(r)") }
      XCTAssertEqual(refusal.code, "query.badTime")
    }
    // Other queries are answered whole even when parts are welcome.
    let report = JournalQuery(kind: .report, format: "txt", lang: "en")
    let streamedReport = try c.query(report, onPart: { _ in XCTFail("a report is not sent in parts") }).get()
    XCTAssertEqual(streamedReport, try JournalQueryRunner.run(report, store: h.store, principal: nil).get())
  }
}
