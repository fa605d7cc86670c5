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

  // MARK: Past days' reports (ReportArchive)

  /// The report of `day` as a query computes it from the journal.
  private func computed(
    _ store: EventStore<CordonDomain>, day: Int, unit: String?, format: ReportFormat, language: Language
  ) throws -> String {
    let cal = store.state.calendar
    let (records, end) = try store.period(since: cal.startOfDay(day), until: cal.startOfDay(day + 1))
    let report = DailyReport(day: day, unit: unit, records: records, end: end)
    return ReportRenderer.render(report, state: end, format: format, strings: Strings(language))
  }

  func testASettledDaysReportIsKeptAsRenderedAndADamagedOneIsComputedAgain() throws {
    let (store, first) = try tenDays()
    defer { store.close() }
    let cal = store.state.calendar
    let day = first + 3
    let archive = try XCTUnwrap(store.reportArchive)
    let q = JournalQuery(kind: .report, date: cal.formatDay(day), format: "md", lang: "en")
    let expected = try computed(store, day: day, unit: nil, format: .md, language: .en)
    XCTAssertTrue(expected.contains("|"), expected)
    let now = Instant.now()
    XCTAssertNil(archive.load(day: day, unit: nil, format: .md, language: .en, calendar: cal, now: now))
    XCTAssertEqual(try JournalQueryRunner.run(q, store: store, principal: nil, now: now).get(), expected)
    XCTAssertEqual(archive.load(day: day, unit: nil, format: .md, language: .en, calendar: cal, now: now), expected)

    // What is kept is what a query answers (the journal is not read again) ...
    archive.save("kept", day: day, unit: nil, format: .md, language: .en, calendar: cal)
    XCTAssertEqual(try JournalQueryRunner.run(q, store: store, principal: nil, now: now).get(), "kept")
    // ... unless it is damaged: one byte changed, and it is computed (and kept) again.
    let folder = root.appendingPathComponent("reports/v\(ReportArchive.layoutVersion)/\(cal.formatDay(day))")
    let file = folder.appendingPathComponent("group.en.md")
    var bytes = [UInt8](try Data(contentsOf: file))
    bytes[bytes.count - 1] ^= 0x01
    try Data(bytes).write(to: file)
    XCTAssertEqual(try JournalQueryRunner.run(q, store: store, principal: nil, now: now).get(), expected)
    XCTAssertEqual(archive.load(day: day, unit: nil, format: .md, language: .en, calendar: cal, now: now), expected)

    // An operator's query is kept apart from the group's, under its unit.
    let op = Principal(user: "jy-duty", role: .operator, units: ["jinyuan"])
    let opText = try JournalQueryRunner.run(q, store: store, principal: op, now: now).get()
    XCTAssertEqual(opText, try computed(store, day: day, unit: "jinyuan", format: .md, language: .en))
    XCTAssertNotEqual(opText, expected)
    XCTAssertEqual(archive.load(day: day, unit: "jinyuan", format: .md, language: .en, calendar: cal, now: now), opText)
    XCTAssertEqual(try JournalQueryRunner.run(q, store: store, principal: nil, now: now).get(), expected)
  }

  func testADayNotYetSettledIsNotKept() throws {
    let (store, first) = try tenDays()
    defer { store.close() }
    let state = store.state
    let cal = state.calendar
    let last = cal.day(of: state.latest)
    // The clock 14 minutes past a day's end: not settled; 15: settled, once the journal has moved past it.
    let end = cal.startOfDay(first + 2)
    XCTAssertFalse(ReportArchive.isSettled(first + 1, now: end.adding(minutes: 14), state: state))
    XCTAssertTrue(ReportArchive.isSettled(first + 1, now: end.adding(minutes: 15), state: state))
    XCTAssertFalse(ReportArchive.isSettled(last, now: cal.startOfDay(last + 2), state: state), "the journal's last day")
    // A query at 00:10 the next day computes the report and keeps nothing.
    let q = JournalQuery(kind: .report, date: cal.formatDay(first + 1), format: "txt", lang: "zh")
    let text = try JournalQueryRunner.run(q, store: store, principal: nil, now: end.adding(minutes: 10)).get()
    XCTAssertEqual(text, try computed(store, day: first + 1, unit: nil, format: .txt, language: .zh))
    let archive = try XCTUnwrap(store.reportArchive)
    XCTAssertNil(
      archive.load(day: first + 1, unit: nil, format: .txt, language: .zh, calendar: cal, now: Instant.now()))
    XCTAssertEqual(try archive.prepare(day: last, store: store, now: Instant.now()), 0)
    XCTAssertFalse(archive.isPrepared(last, calendar: cal))
    // A day before the journal's first record, asked for by date, is answered and not kept.
    let before = first - 400
    let empty = JournalQuery(kind: .report, date: cal.formatDay(before), format: "txt", lang: "en")
    XCTAssertEqual(
      try JournalQueryRunner.run(empty, store: store, principal: nil).get(),
      try computed(store, day: before, unit: nil, format: .txt, language: .en))
    XCTAssertNil(archive.load(day: before, unit: nil, format: .txt, language: .en, calendar: cal, now: Instant.now()))
    XCTAssertEqual(try archive.prepare(day: before, store: store, now: Instant.now()), 0)
    XCTAssertTrue(archive.isPrepared(before, calendar: cal), "marked, so it is not tried again")
    let folder = root.appendingPathComponent("reports/v\(ReportArchive.layoutVersion)/\(cal.formatDay(before))")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["prepared"])
  }

  func testPreparingADayKeepsEveryScopeLanguageAndFormatAsAQueryComputesThem() throws {
    let (store, first) = try tenDays()
    defer { store.close() }
    let cal = store.state.calendar
    let day = first + 5
    let archive = try XCTUnwrap(store.reportArchive)
    let now = Instant.now()
    let units: [String?] = [nil] + store.state.orderedUnits.map(\.id)
    XCTAssertFalse(archive.isPrepared(day, calendar: cal))
    XCTAssertEqual(try archive.prepare(day: day, store: store, now: now), units.count * 2 * 3)
    XCTAssertTrue(archive.isPrepared(day, calendar: cal))
    for unit in units {
      for language in Language.allCases {
        for format in ReportFormat.allCases {
          XCTAssertEqual(
            archive.load(day: day, unit: unit, format: format, language: language, calendar: cal, now: now),
            try computed(store, day: day, unit: unit, format: format, language: language),
            "\(unit ?? "group") \(language) \(format)")
        }
      }
    }
    // The background work's call prepares the settled days of its look-back not prepared yet.
    let at = cal.startOfDay(first + 8).adding(minutes: 20)
    XCTAssertEqual(archive.prepareDue(store: store, now: at, lookback: 3), [first + 6, first + 7])
    XCTAssertEqual(archive.prepareDue(store: store, now: at, lookback: 3), [])
  }

  func testKeptReportsPastRetentionAreNeitherServedNorKept() throws {
    let dir = root.appendingPathComponent("reports").path
    let cal = CordonState().calendar
    let now = Instant.now()
    let today = cal.day(of: now)
    let archive = ReportArchive(directory: dir, retainDays: 3)
    for day in [today - 10, today - 2] {
      archive.save("day \(day)", day: day, unit: nil, format: .txt, language: .zh, calendar: cal)
    }
    XCTAssertNil(archive.load(day: today - 10, unit: nil, format: .txt, language: .zh, calendar: cal, now: now))
    XCTAssertEqual(
      archive.load(day: today - 2, unit: nil, format: .txt, language: .zh, calendar: cal, now: now), "day \(today - 2)")
    archive.prune(calendar: cal, now: now)
    let left = try FileManager.default.contentsOfDirectory(atPath: dir + "/v\(ReportArchive.layoutVersion)")
    XCTAssertEqual(left, [cal.formatDay(today - 2)])
    // A unit's id never becomes a path: it is written as hex inside the day's folder.
    archive.save("odd", day: today - 2, unit: "../../x", format: .csv, language: .en, calendar: cal)
    let files = try FileManager.default.contentsOfDirectory(
      atPath: dir + "/v\(ReportArchive.layoutVersion)/" + cal.formatDay(today - 2))
    XCTAssertEqual(Set(files), ["group.zh.txt", "u2e2e2f2e2e2f78.en.csv"])
    XCTAssertEqual(
      archive.load(day: today - 2, unit: "../../x", format: .csv, language: .en, calendar: cal, now: now), "odd")
  }

  /// The built `cordon serve` renders the settled days of its look-back in
  /// the background once it starts, and a report through it is the kept one.
  func testTheServerKeepsThePastDaysReportsOnceTheyHaveSettled() throws {
    let (store, first) = try tenDays()
    let cal = store.state.calendar
    let day = first + 8  // two days before today: settled whatever the hour
    let expected = try computed(store, day: day, unit: nil, format: .md, language: .en)
    let unitText = try computed(store, day: day, unit: "heating", format: .txt, language: .zh)
    store.close()
    let folder = root.appendingPathComponent("reports/v\(ReportArchive.layoutVersion)/\(cal.formatDay(day))")
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))

    let socket = root.appendingPathComponent("s.sock").path
    let server = Process()
    server.executableURL = try CordonBinaryLocation.find()
    server.arguments = ["serve", "--data", root.path, "--socket", socket]
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer {
      server.terminate()
      server.waitUntilExit()
    }
    let mark = folder.appendingPathComponent("prepared").path
    let deadline = Date().addingTimeInterval(30)
    while !FileManager.default.fileExists(atPath: mark) && Date() < deadline { usleep(50_000) }
    XCTAssertTrue(FileManager.default.fileExists(atPath: mark), "no reports kept for \(cal.formatDay(day))")

    let archive = ReportArchive(directory: root.appendingPathComponent("reports").path, retainDays: nil)
    let now = Instant.now()
    XCTAssertEqual(archive.load(day: day, unit: nil, format: .md, language: .en, calendar: cal, now: now), expected)
    XCTAssertEqual(
      archive.load(day: day, unit: "heating", format: .txt, language: .zh, calendar: cal, now: now), unitText)
    let through = try runProgram(
      server.executableURL?.path ?? "",
      ["report", "daily", "--date", cal.formatDay(day), "--format", "md", "--lang", "en", "--socket", socket])
    XCTAssertEqual(through.status, 0, through.stderr)
    XCTAssertEqual(through.stdout, expected)
  }
}
