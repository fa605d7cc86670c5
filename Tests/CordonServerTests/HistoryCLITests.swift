import CordonModel
import CordonStore
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// A day of the demo feed through a store with 1 MiB segments and frequent
/// snapshots: sealed segments are archived, and the built binary's report,
/// audit and fsck, and time travel, still see the whole day.
private typealias Rec = EventRecord<CordonEvent>

final class HistoryCLITests: XCTestCase {
  func testSmallSegmentsAndManySnapshotsKeepTheWholeDay() throws {
    let binary = try CordonBinaryLocation.find().path
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cdn-hist-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("data")
    let cal = CordonState().calendar
    let day = try XCTUnwrap(cal.parseDay("2025-03-04"))
    let start = cal.startOfDay(day)
    let now = Mutex(start.adding(minutes: 1))
    let options = StoreOptions(segmentBytes: 1 << 20, snapshotEveryEvents: 1000)
    let store = try EventStore<CordonDomain>.open(directory: dir, options: options, clock: { now.withLock { $0 } })
    var records: [Rec] = []
    records += try submit(
      .register(
        DemoOrganisation.registration()
          + DemoOrganisation.shifts(fromDay: day, toDay: day + 1, calendar: cal, existing: [])), to: store)
    var rng = SeededRandom(seed: 42)
    // Steps spread over the day, until several segments have been sealed and archived.
    let end = cal.startOfDay(day + 1)
    var step: Int64 = 0
    while records.count < 9_000 {
      step += 1
      let t = start.adding(seconds: 60 + step * 5)
      guard t < end.adding(seconds: -60) else { break }
      now.withLock { $0 = t }
      guard let s = DemoFeed.next(state: store.state, now: t, rng: &rng) else { continue }
      if case .success(let r) = submitWaiting(store, s.command, actor: s.actor, unit: s.unit) { records += r }
    }
    store.close()
    let journal = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("journal").path)
    XCTAssertGreaterThanOrEqual(journal.filter { $0.hasSuffix(ArchiveFile.suffix) }.count, 1, "\(journal)")
    let snapshots = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("snapshots").path)
    XCTAssertGreaterThanOrEqual(snapshots.count, 2)

    var endState = CordonDomain.initialState()
    for r in records { CordonDomain.apply(r, to: &endState) }
    let expected = DailyReport(day: day, records: records, end: endState)
    XCTAssertGreaterThan(expected.rounds, 0)
    let report = try runProgram(
      binary,
      [
        "report", "daily", "--data", dir.path, "--segment-mb", "1", "--date", "2025-03-04", "--format", "csv", "--lang",
        "en",
      ])
    XCTAssertEqual(report.status, 0, report.stderr)
    XCTAssertEqual(report.stdout, ReportRenderer.render(expected, state: endState, format: .csv, strings: Strings(.en)))

    let audit = try runProgram(binary, ["audit", "--data", dir.path, "--segment-mb", "1", "--lang", "en"])
    XCTAssertEqual(audit.status, 0, audit.stderr)
    let lines = audit.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, records.count)
    XCTAssertTrue(lines.first?.contains("#1 ") == true, String(lines.first ?? ""))
    let sinceNoon = try runProgram(
      binary, ["audit", "--data", dir.path, "--since", "2025-03-04 12:00", "--until", "2025-03-04 13:00"])
    XCTAssertEqual(
      sinceNoon.stdout.split(separator: "\n").count,
      records.filter { $0.time >= start.adding(minutes: 720) && $0.time < start.adding(minutes: 780) }.count)

    let fsck = try runProgram(binary, ["fsck", "--data", dir.path])
    XCTAssertEqual(fsck.status, 0, fsck.stdout)
    XCTAssertTrue(fsck.stdout.contains("archived:"), fsck.stdout)

    // Time travel to the first hour, from the archives.
    let again = try EventStore<CordonDomain>.open(directory: dir, options: options)
    defer { again.close() }
    let firstHour = start.adding(minutes: 60)
    var then = CordonDomain.initialState()
    for r in records where r.time <= firstHour { CordonDomain.apply(r, to: &then) }
    XCTAssertEqual(try again.state(at: firstHour), then)
  }

  private func submit(_ command: CordonCommand, to store: EventStore<CordonDomain>) throws -> [Rec] {
    try submitWaiting(store, command, actor: "demo", unit: "hq").get()
  }

  private func submitWaiting(_ store: EventStore<CordonDomain>, _ command: CordonCommand, actor: String, unit: String?)
    -> Result<[Rec], StoreFailure>
  {
    let box = Mutex<Result<[Rec], StoreFailure>?>(nil)
    let sem = DispatchSemaphore(value: 0)
    store.submit(command, actor: actor, unit: unit) { r in
      box.withLock { $0 = r }
      sem.signal()
    }
    sem.wait()
    return box.withLock { $0 } ?? .failure(.io("no result"))
  }
}
