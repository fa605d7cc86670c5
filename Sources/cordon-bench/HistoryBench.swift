import CordonModel
import CordonSession
import CordonStore
import Dispatch
import Foundation
import Synchronization

/// `cordon-bench history [--events N] [--segment-mb M] [--dir D] [--replay]`:
/// a year of generated checkpoint rounds and ventilations through the real
/// store (batches of commands, spread over 365 days), archiving on. Reports
/// disk use (the plain journal against what is on disk), then times the
/// history reads operators make, each through the code path of the command
/// printed beside it (`JournalQueryRunner`, as `cordon audit`, `report` and
/// `export` run it): the audit trail since a month ago (time to its first
/// line, and to its last), the audit of one day in the first month, the
/// daily report and the stock card of that day, time travel to it, and a
/// reconnecting client's catch-up. Targets: issue 15 (archive ≤ 40 % of the
/// plain journal, the month's audit and the day's report ≤ 1 s) and issue 19
/// (a day's audit, report and stock card over a year ≤ 200 ms).
///
/// With `--dir D` the store is kept in `D/history-<N>` and reused by the
/// next run with the same N (generating 10 million events takes a while);
/// without it, a temporary one is made and removed. `--replay` also opens it
/// with the snapshots set aside (a full replay) and prints events/s.
enum HistoryBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> String? {
      args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
    let events = value("--events").flatMap(Int.init) ?? 10_000_000
    let segmentMB = value("--segment-mb").flatMap(Int.init) ?? 64
    let kept = value("--dir")
    let base = kept ?? FileManager.default.currentDirectoryPath + "/.build-bench"
    let dir = URL(fileURLWithPath: base).appendingPathComponent(
      kept == nil ? "history-\(getpid())" : "history-\(events)")
    defer { if kept == nil { try? FileManager.default.removeItem(at: dir) } }
    let options = StoreOptions(segmentBytes: segmentMB << 20)
    let cal = CordonState().calendar
    let journal = dir.appendingPathComponent("journal").path
    let existing = (try? FileManager.default.contentsOfDirectory(atPath: journal))?.isEmpty == false
    if existing {
      print("cordon history benchmark: reusing \(dir.path) (\(events) events, generated before)")
    } else {
      try fill(dir: dir, events: events, segmentMB: segmentMB, options: options)
    }
    let d = dir.path

    // Disk use: each archive against the plain segment it holds (from its header).
    var archived: UInt64 = 0
    var plainOfArchived: UInt64 = 0
    var plain: UInt64 = 0
    var archives = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: journal) {
      let path = journal + "/" + name
      let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
      if name.hasSuffix(ArchiveFile.suffix) {
        archives += 1
        archived += size
        let header = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 52) ?? Data()
        plainOfArchived += header.count >= 52 ? header[44..<52].reversed().reduce(0) { $0 << 8 | UInt64($1) } : 0
      } else if name.hasSuffix(".seg") {
        plain += size
      }
    }
    let mib = { (b: UInt64) in Double(b) / 1_048_576 }
    print(
      String(
        format:
          "disk (du of %@/journal): plain journal %.1f MiB; on disk %.1f MiB: %d archives %.1f MiB holding %.1f MiB "
          + "(%.1f %%, target ≤ 40 %%) + %.1f MiB still plain",
        d, mib(plainOfArchived + plain), mib(archived + plain), archives, mib(archived), mib(plainOfArchived),
        plainOfArchived == 0 ? 0 : 100 * Double(archived) / Double(plainOfArchived), mib(plain)))

    let snapshotDir = dir.appendingPathComponent("snapshots").path
    var snapshotBytes: UInt64 = 0
    let snapshots = try FileManager.default.contentsOfDirectory(atPath: snapshotDir).filter { $0.hasSuffix(".snap") }
    for name in snapshots {
      let attributes = try FileManager.default.attributesOfItem(atPath: snapshotDir + "/" + name)
      snapshotBytes += (attributes[.size] as? NSNumber)?.uint64Value ?? 0
    }
    print(
      String(
        format: "snapshots kept: %d, %.1f MiB (%.1f %% of the plain journal)", snapshots.count, mib(snapshotBytes),
        plainOfArchived + plain == 0 ? 0 : 100 * Double(snapshotBytes) / Double(plainOfArchived + plain)))

    let t0 = Date()
    let store = try EventStore<CordonDomain>.open(directory: dir, options: options)
    print(String(format: "open (newest snapshot, then the journal after it): %.2f s", Date().timeIntervalSince(t0)))
    let state = store.state
    let first = try firstRecordTime(store)
    let day = cal.day(of: first) + 15
    let date = cal.formatDay(day)
    func seconds(_ since: Date) -> Double { Date().timeIntervalSince(since) }

    // The month's audit, streamed: time to the first line and to the last.
    let monthAgo = cal.format(state.latest.adding(minutes: -30 * 24 * 60))
    var q = JournalQuery(kind: .audit, lang: "en", since: monthAgo)
    var firstLine: Double?
    var bytes = 0
    let t1 = Date()
    let month = JournalQueryRunner.streamAudit(q, store: store, principal: nil) { chunk in
      if firstLine == nil { firstLine = seconds(t1) }
      bytes += chunk.count
      return true
    }
    let monthSeconds = seconds(t1)
    print(
      String(
        format:
          "audit --since a month ago: %d lines (%.1f MiB), first line after %.3f s, last after %.2f s "
          + "(%.0f lines/s, %.2f µs a line; issue 15's target 1 s)  [cordon audit --data %@ --since \"%@\" --lang en]",
        (try? month.get()) ?? -1, Double(bytes) / 1_048_576, firstLine ?? -1, monthSeconds,
        Double((try? month.get()) ?? 0) / monthSeconds, 1e6 * monthSeconds / Double(max(1, (try? month.get()) ?? 1)),
        d, monthAgo))

    // A day in the first month: audit, daily report, stock card, time travel.
    q = JournalQuery(kind: .audit, lang: "en", since: date, until: cal.formatDay(day + 1))
    let t2 = Date()
    let dayAudit = JournalQueryRunner.run(q, store: store, principal: nil)
    print(
      String(
        format:
          "audit of %@ (day 16): %d lines in %.3f s (target 0.2 s)  [cordon audit --data %@ --since %@ --until %@]",
        date, ((try? dayAudit.get()) ?? "").split(separator: "\n").count, seconds(t2), d, date,
        cal.formatDay(day + 1)))
    // The first query computes the report (unless an earlier run kept it), the second reads what it kept.
    let reportQuery = JournalQuery(kind: .report, date: date, lang: "en")
    var report = Result<String, Refusal>.success("")
    for pass in ["first", "second"] {
      let kept =
        store.reportArchive?.load(day: day, unit: nil, format: .md, language: .en, calendar: cal, now: Instant.now())
        != nil
      let t3 = Date()
      report = JournalQueryRunner.run(reportQuery, store: store, principal: nil)
      print(
        String(
          format:
            "daily report of %@, %@ query (%@): %d bytes in %.3f s (targets 1 s / 0.2 s)  [cordon report daily --data %@ --date %@]",
          date, pass, kept ? "kept by ReportArchive" : "computed from the journal, then kept",
          ((try? report.get()) ?? "").utf8.count, seconds(t3), d, date))
    }
    let t4 = Date()
    let stock = JournalQueryRunner.run(
      JournalQuery(kind: .exportStock, date: date, lang: "en"), store: store, principal: nil)
    print(
      String(
        format: "stock card of %@: %d bytes in %.3f s (target 0.2 s)  [cordon export stock --data %@ --date %@]",
        date, ((try? stock.get()) ?? "").utf8.count, seconds(t4), d, date))
    let noon = cal.startOfDay(day).adding(minutes: 12 * 60)
    let t5 = Date()
    let past = try store.state(at: noon)
    print(
      String(
        format: "time travel to %@: %d sites in %.3f s  [cordon console --data %@ --at \"%@\"]", cal.format(noon),
        past.sites.count, seconds(t5), d, cal.format(noon)))
    // A reconnecting client's catch-up: the last 20 events, read by seq.
    let last = store.lastSeq
    let t6 = Date()
    let caught = try store.records(from: last - 19, through: last)
    let t7 = Date()
    let again = try store.records(from: last - 19, through: last)
    print(
      String(
        format: "catch-up by seq (last 20 events): %d records in %.4f s, then %.4f s with the index learnt",
        caught.count + again.count - 20, t7.timeIntervalSince(t6), seconds(t7)))
    for (name, r) in [("day audit", dayAudit), ("report", report), ("stock card", stock)] {
      if case .failure(let refusal) = r { print("  \(name) failed: \(Strings(.en).refusal(refusal))") }
    }
    store.close()

    guard args.contains("--replay") else { return }
    // Full replay: the snapshots set aside, every event decoded and applied
    // from the journal (archives inflated), as an open without a snapshot does.
    let snapshotsDir = dir.appendingPathComponent("snapshots")
    let aside = dir.appendingPathComponent("snapshots-aside")
    try FileManager.default.moveItem(at: snapshotsDir, to: aside)
    defer {
      try? FileManager.default.removeItem(at: snapshotsDir)
      try? FileManager.default.moveItem(at: aside, to: snapshotsDir)
    }
    let t8 = Date()
    let replayed = try EventStore<CordonDomain>.open(
      directory: dir, options: StoreOptions(segmentBytes: segmentMB << 20, snapshotEveryEvents: 0))
    let replaySeconds = seconds(t8)
    print(
      String(
        format: "open without snapshots (full replay): %llu events in %.2f s (%.0f events/s)", replayed.lastSeq,
        replaySeconds, Double(replayed.lastSeq) / replaySeconds))
    replayed.close()
  }

  /// The time of the first record: the year's start.
  private static func firstRecordTime(_ store: EventStore<CordonDomain>) throws -> Instant {
    guard let r = try store.records(from: 1, through: 1).first else { throw StoreError.unavailable("empty journal") }
    return r.time
  }

  /// Writes `events` events spread over the 365 days before yesterday.
  private static func fill(dir: URL, events: Int, segmentMB: Int, options: StoreOptions) throws {
    let cal = CordonState().calendar
    let start = cal.startOfDay(cal.day(of: Instant.now()) - 366)
    let now = Mutex(start)
    let store = try EventStore<CordonDomain>.open(directory: dir, options: options, clock: { now.withLock { $0 } })
    func submit(_ c: CordonCommand) throws {
      let done = DispatchSemaphore(value: 0)
      let failure = Mutex<StoreFailure?>(nil)
      store.submit(c, actor: "bench", unit: nil) { r in
        if case .failure(let f) = r { failure.withLock { $0 = f } }
        done.signal()
      }
      done.wait()
      if let f = failure.withLock({ $0 }) { throw StoreError.io("\(f)") }
    }
    try submit(.register(DemoOrganisation.registration()))
    let sites = store.state.orderedSites.map(\.id)
    try submit(.batch(sites.map { .openSite(site: $0, staff: 2) }))
    print("cordon history benchmark: \(events) events over 365 days, \(segmentMB) MiB segments, in \(dir.path)")
    let perBatch = 500
    let yearMs: Int64 = 365 * 86_400_000
    let fill = Date()
    var rng = SeededRandom(seed: 2020)
    var written = 0
    while written < events {
      now.withLock { $0 = Instant(milliseconds: start.milliseconds + yearMs * Int64(written) / Int64(events)) }
      var batch: [CordonCommand] = []
      for i in 0..<perBatch {
        let site = sites[(written + i) % sites.count]
        if rng.next() % 8 == 0 {
          batch.append(.recordVentilation(site: site))
        } else {
          batch.append(
            .recordRound(site: site, checked: Int(rng.next() % 400), fevers: 0, acceptMissingCases: false))
        }
      }
      try submit(.batch(batch))
      written += perBatch
      if written % 1_000_000 == 0 {
        print(String(format: "  %d events, %.0f s", written, Date().timeIntervalSince(fill)))
      }
    }
    let filled = Date().timeIntervalSince(fill)
    store.close()
    print(
      String(
        format: "filled %d events in %.1f s (%.1f s with the final snapshot and archiving)", written, filled,
        Date().timeIntervalSince(fill)))
  }
}
