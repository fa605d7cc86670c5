import CordonModel
import CordonStore
import Dispatch
import Foundation
import Synchronization

/// `cordon-bench history [--dir DIR] [--events N] [--segment-mb M]`: a year
/// of generated checkpoint rounds and ventilations through the real store
/// (batches of commands, spread over 365 days), archiving on. Reports disk
/// use of the archives against the plain segments they replace, and the time
/// of the two history queries operators run: the audit trail since a month
/// ago, and the daily report of a day in the first month.
enum HistoryBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> String? {
      args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
    let events = value("--events").flatMap(Int.init) ?? 10_000_000
    let segmentMB = value("--segment-mb").flatMap(Int.init) ?? 64
    let base = value("--dir") ?? FileManager.default.currentDirectoryPath + "/.build-bench"
    let dir = URL(fileURLWithPath: base).appendingPathComponent("history-\(getpid())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let cal = CordonState().calendar
    let start = cal.startOfDay(cal.day(of: Instant.now()) - 366)
    let now = Mutex(start)
    let options = StoreOptions(segmentBytes: segmentMB << 20)
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
    let closed = Date().timeIntervalSince(fill)
    print(
      String(
        format: "filled %d events in %.1f s (%.1f s with the final snapshot and archiving)", written, filled, closed))

    // Disk use: each archive against the plain segment it holds (from its header).
    let journal = dir.appendingPathComponent("journal").path
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
    print(
      String(
        format: "disk: %d archives %.1f MiB holding %.1f MiB of plain segments (%.1f %%); %.1f MiB still plain",
        archives, Double(archived) / 1_048_576, Double(plainOfArchived) / 1_048_576,
        plainOfArchived == 0 ? 0 : 100 * Double(archived) / Double(plainOfArchived), Double(plain) / 1_048_576))

    let snapshotDir = dir.appendingPathComponent("snapshots").path
    var snapshotBytes: UInt64 = 0
    let snapshots = try FileManager.default.contentsOfDirectory(atPath: snapshotDir).filter { $0.hasSuffix(".snap") }
    for name in snapshots {
      let attributes = try FileManager.default.attributesOfItem(atPath: snapshotDir + "/" + name)
      snapshotBytes += (attributes[.size] as? NSNumber)?.uint64Value ?? 0
    }
    print(
      String(
        format: "snapshots kept: %d, %.1f MiB (%.1f %% of the plain journal)", snapshots.count,
        Double(snapshotBytes) / 1_048_576,
        plainOfArchived + plain == 0 ? 0 : 100 * Double(snapshotBytes) / Double(plainOfArchived + plain)))

    let t0 = Date()
    let again = try EventStore<CordonDomain>.open(directory: dir, options: options)
    print(String(format: "open: %.2f s", Date().timeIntervalSince(t0)))
    let strings = Strings(.en)
    let last = again.state.latest
    let t1 = Date()
    let since = last.adding(minutes: -30 * 24 * 60)
    let state = again.state
    let lines = AuditTrail.select(try again.records(since: since), AuditTrail.Filter(since: since), state: state)
      .map { AuditTrail.line($0, state: state, strings: strings) }
    print(String(format: "audit --since a month ago: %d lines in %.2f s", lines.count, Date().timeIntervalSince(t1)))
    let day = cal.day(of: start) + 15
    let t2 = Date()
    let (records, end) = try again.period(since: cal.startOfDay(day), until: cal.startOfDay(day + 1))
    let report = DailyReport(day: day, records: records, end: end)
    let text = ReportRenderer.render(report, state: end, format: .md, strings: strings)
    print(
      String(
        format: "daily report of %@ (day 16): %d rounds, %d bytes in %.2f s", cal.formatDay(day), report.rounds,
        text.utf8.count, Date().timeIntervalSince(t2)))
    again.close()

    // Full replay: the snapshots set aside, every event decoded and applied
    // from the journal (archives inflated), as an open without a snapshot does.
    let snapshotsDir = dir.appendingPathComponent("snapshots")
    try FileManager.default.moveItem(at: snapshotsDir, to: dir.appendingPathComponent("snapshots-aside"))
    let t3 = Date()
    let replayed = try EventStore<CordonDomain>.open(
      directory: dir, options: StoreOptions(segmentBytes: segmentMB << 20, snapshotEveryEvents: 0))
    let replaySeconds = Date().timeIntervalSince(t3)
    print(
      String(
        format: "open without snapshots (full replay): %llu events in %.2f s (%.0f events/s)", replayed.lastSeq,
        replaySeconds, Double(replayed.lastSeq) / replaySeconds))
    replayed.close()
  }
}
