import CordonModel
import CordonServer
import CordonSession
import CordonStore
import CordonStoreTestSupport
import CordonTUI
import CordonWire
import Dispatch
import EventSourcing
import Foundation
import NIOPosix
import Synchronization

/// `cordon-bench city [--scale F] [--seed N] [--dir DIR] [--seconds S]
/// [--compare FILE] [--only SECTION,…]`: the issue 19 city (200 units, 5,000 sites, 100,000
/// people, 10,000 open alerts, a year of about ten million events at
/// `--scale 1`), generated from the seed into `DIR/city-SCALE-SEED` through
/// the store's batch path and reused on the next run, then measured with the
/// real code: decide, durable appends through the store and through the
/// server, open with and without a snapshot, resident memory, the daily
/// report and the audit, the console's first frame and its redraw after a
/// change. `scripts/bench-city` runs Redis and PostgreSQL first and hands
/// their figures in with `--compare`. Each figure is printed with what
/// produced it.
enum CityBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> String? {
      args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
    if let dir = value("--measure-open") { return try measureOpen(dir) }
    let scale = value("--scale").flatMap(Double.init) ?? 0.02
    let seed = value("--seed").flatMap(UInt64.init) ?? 19
    let seconds = value("--seconds").flatMap(Double.init) ?? 3
    let base = value("--dir") ?? FileManager.default.currentDirectoryPath + "/.build-bench"
    let size = CityScenario.Size.full.scaled(scale)
    let data = URL(fileURLWithPath: base).appendingPathComponent("city-\(scale)-\(seed)")
    let scratch = URL(fileURLWithPath: base).appendingPathComponent("city-scratch-\(getpid())")
    defer { try? FileManager.default.removeItem(at: scratch) }
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let me = "cordon-bench city --scale \(scale) --seed \(seed) --dir \(base)"
    print("cordon city benchmark: \(size), seed \(seed)")
    print("every figure below: \(me) (section in brackets: what it calls)")

    // `--only open,history,decide,console,store,server` runs those sections
    // alone (in this order); the year is generated or reused only when one of
    // them reads it.
    let sections = ["open", "history", "decide", "console", "store", "server"]
    let only = value("--only").map { Set($0.split(separator: ",").map(String.init)) } ?? Set(sections)
    if let unknown = only.subtracting(sections).first {
      throw BenchError("--only: unknown section \(unknown) (sections: \(sections.joined(separator: ",")))")
    }
    let needsYear = !only.isDisjoint(with: ["open", "history", "console", "store"])

    // 1. The year, generated once and reused.
    if needsYear {
      let (events, genSeconds, cached) = try generate(size: size, seed: seed, into: data)
      print(
        String(
          format: "[generate] %@ %llu events in %@: %.1f s (%.0f events/s, the store's batch path, batches of 500)",
          cached ? "reused," : "generated", events, data.path, genSeconds, Double(events) / max(genSeconds, 0.001)))
    }

    // 2. Opening: with the newest snapshot, and replaying the whole journal.
    if only.contains("open") {
      let snapshots = data.appendingPathComponent("snapshots")
      let aside = data.appendingPathComponent("snapshots-aside")
      let withSnapshot = try child(["--measure-open", data.path])
      print("[open, EventStore.open in a fresh process] with a snapshot: " + withSnapshot)
      try FileManager.default.moveItem(at: snapshots, to: aside)
      let replay: String
      do {
        // Opening makes an empty snapshots directory again: it goes before the
        // kept snapshots come back.
        defer {
          try? FileManager.default.removeItem(at: snapshots)
          try? FileManager.default.moveItem(at: aside, to: snapshots)
        }
        replay = try child(["--measure-open", data.path])
      }
      print("[open, EventStore.open in a fresh process] full replay, no snapshot: " + replay)
    }

    var rates: [Int: Double] = [:]
    if !only.isDisjoint(with: ["history", "console", "store"]) {
      // 3. History over the year: the daily report of a day mid-year, the audit of the last day.
      let store = try EventStore<CordonDomain>.open(directory: data)
      let state = store.state
      if only.contains("history") { try history(store, state: state) }

      // 4. CPU per command in decide, with few and with many open alerts (RulesBench's states).
      if only.contains("decide") { decide(size: size) }

      // 5. The console on a copy of the city.
      let copy = scratch.appendingPathComponent("copy")
      try EventStore<CordonDomain>.seed(directory: copy, state: state, seq: store.lastSeq, lastTime: state.latest)
      store.close()
      let now = Mutex(state.latest)
      let live = try EventStore<CordonDomain>.open(directory: copy, clock: { now.withLock { $0 } })
      if only.contains("console") { try console(live) }

      // 6. Durable appends of real commands through the store.
      if only.contains("store") {
        print(
          "[store, EventStore.submit of recordRound/recordDisinfection/logEntry, next from each completion, \(seconds) s]"
        )
        print("   writers  events/s   ack p50 ms  ack p99 ms")
        for writers in [1, 16, 50] {
          let r = try appends(live, state: state, writers: writers, seconds: seconds)
          rates[writers] = r.rate
          print(String(format: "   %-8d %-10.0f %-11.3f %-11.3f", writers, r.rate, r.p50 * 1000, r.p99 * 1000))
        }
      }
      live.close()
    } else if only.contains("decide") {
      decide(size: size)
    }
    // 6. … then through the server (the organisation only: no year needed).
    guard only.contains("server") else { return }
    let served = try server(size: size, scratch: scratch, seconds: seconds)

    // 7. Side by side with Redis and PostgreSQL, measured by scripts/bench-city just before.
    if let file = value("--compare") { try compare(file, store: rates, server: served) }
  }

  // MARK: Generation

  static func generate(size: CityScenario.Size, seed: UInt64, into dir: URL) throws -> (UInt64, Double, Bool) {
    let marker = dir.appendingPathComponent("city-complete")
    if let text = try? String(contentsOf: marker, encoding: .utf8) {
      // "EVENTS SECONDS\n": without the trim, the seconds never parsed and the year was made again each run.
      let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
      if parts.count >= 2, let n = UInt64(parts[0]), let s = Double(parts[1]) { return (n, s, true) }
    }
    try? FileManager.default.removeItem(at: dir)
    let cal = CordonState().calendar
    // The year ends yesterday, so "the last day" is a whole one.
    let start = cal.startOfDay(cal.day(of: Instant.now()) - CityScenario.days - 1)
    let city = CityScenario(size: size, seed: seed, start: start)
    let now = Mutex(city.start)
    // Snapshots by count only: the simulated clock crosses ten minutes every
    // few batches, and a snapshot every ten minutes of a year would write a
    // city-sized state tens of thousands of times.
    let store = try EventStore<CordonDomain>.open(
      directory: dir, options: StoreOptions(snapshotEveryMinutes: 0), clock: { now.withLock { $0 } })
    let t0 = Date()
    var batches = 0
    func submit(_ c: CordonCommand, at t: Instant) throws {
      now.withLock { $0 = t }
      if case .failure(let f) = store.submitAndWait(c, actor: "bench") {
        throw BenchError("generation refused at \(cal.format(t)) (batch \(batches)): \(f)")
      }
      batches += 1
    }
    for c in city.organisation() { try submit(c, at: city.start) }
    var lastReport = Date()
    try city.forEachBatch { t, batch in
      try submit(.batch(batch), at: t)
      if Date().timeIntervalSince(lastReport) > 10 {
        lastReport = Date()
        print(
          String(
            format: "  generating: %llu events, %@, %.0f s", store.lastSeq, cal.format(t), Date().timeIntervalSince(t0))
        )
      }
    }
    let events = store.lastSeq
    store.close()
    let seconds = Date().timeIntervalSince(t0)
    try "\(events) \(seconds)\n".write(to: marker, atomically: true, encoding: .utf8)
    return (events, seconds, false)
  }

  // MARK: Open

  static func child(_ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    p.arguments = ["city"] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw BenchError("the open child failed (\(p.terminationStatus))") }
    return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// In the child: open, resident memory, then the state's encoded size.
  static func measureOpen(_ path: String) throws {
    let t0 = Date()
    let store = try EventStore<CordonDomain>.open(
      directory: URL(fileURLWithPath: path), options: StoreOptions(snapshotEveryEvents: 0))
    let secs = Date().timeIntervalSince(t0)
    let rss = StoreBench.residentBytes()
    let encoded = try BinaryCoding.encode(store.state).count
    print(
      String(
        format: "%llu events in %.3f s (%.0f events/s); RSS %.1f MiB = %.2f× the state's encoded size (%.1f MiB)",
        store.lastSeq, secs, Double(store.lastSeq) / secs, Double(rss) / 1_048_576,
        Double(rss) / Double(max(encoded, 1)), Double(encoded) / 1_048_576))
    // Not close(): that would write a snapshot and change what the next run measures.
    exit(0)
  }

  // MARK: History

  static func history(_ store: EventStore<CordonDomain>, state: CordonState) throws {
    let cal = state.calendar
    let strings = Strings(.en)
    let lastDay = cal.day(of: state.latest)
    let mid = lastDay - CityScenario.days / 2
    var t = Date()
    let (records, end) = try store.period(since: cal.startOfDay(mid), until: cal.startOfDay(mid + 1))
    let periodMs = Date().timeIntervalSince(t) * 1000
    let report = DailyReport(day: mid, records: records, end: end)
    let reportMs = Date().timeIntervalSince(t) * 1000 - periodMs
    let text = ReportRenderer.render(report, state: end, format: .md, strings: strings)
    print(
      String(
        format:
          "[report, EventStore.period + DailyReport + ReportRenderer] daily report of %@: %d records, %d bytes in %.0f ms"
          + " (period %.0f, DailyReport %.0f, render %.0f)",
        cal.formatDay(mid), records.count, text.utf8.count, Date().timeIntervalSince(t) * 1000, periodMs, reportMs,
        Date().timeIntervalSince(t) * 1000 - periodMs - reportMs))
    // What a query for a settled day answers: the reports kept when the day settled (`ReportArchive`).
    let archive = ReportArchive(directory: NSTemporaryDirectory() + "cordon-bench-reports-\(getpid())", retainDays: nil)
    defer { try? FileManager.default.removeItem(atPath: archive.directory) }
    t = Date()
    let kept = try archive.prepare(day: mid, store: store, now: Instant.now())
    print(
      String(
        format:
          "[report, ReportArchive.prepare, the server's background work once the day has settled] %d reports of %@ (the group and %d units, zh/en, md/txt/csv) in %.0f ms",
        kept, cal.formatDay(mid), state.orderedUnits.count, Date().timeIntervalSince(t) * 1000))
    var times: [Double] = []
    for _ in 0..<20 {
      t = Date()
      let served = archive.load(day: mid, unit: nil, format: .md, language: .en, calendar: cal, now: Instant.now())
      times.append(Date().timeIntervalSince(t) * 1000)
      guard served == text else { throw BenchError("the kept report differs from the one computed") }
    }
    times.sort()
    print(
      String(
        format:
          "[report, ReportArchive.load: a query for a settled day] the same report, kept: p50 %.2f ms, max %.2f ms (20 reads)",
        times[times.count / 2], times[times.count - 1]))
    t = Date()
    let since = cal.startOfDay(lastDay)
    let lines = AuditTrail.select(try store.records(since: since), AuditTrail.Filter(since: since), state: state)
      .map { AuditTrail.line($0, state: state, strings: strings) }
    print(
      String(
        format: "[audit, EventStore.records(since:) + AuditTrail] the last day (%@): %d lines in %.0f ms",
        cal.formatDay(lastDay), lines.count, Date().timeIntervalSince(t) * 1000))
  }

  // MARK: Decide

  static func decide(size: CityScenario.Size) {
    let iterations = 2_000
    print(
      "[decide, RulesBench.measureInPlace: CordonDomain.decide(_:context:applyingTo:record:) on a state of its own, armed, RulesBench's states: \(size.sites) sites,"
        + " \(size.people) people; thread CPU µs, \(iterations) commands per kind]")
    print("   kind                 100 alerts p50/p99    \(size.openAlerts) alerts p50/p99   p99 ratio")
    var rows: [RulesBench.Kind: [RulesBench.Figures]] = [:]
    for alerts in [100, size.openAlerts] {
      let (state, now) = RulesBench.makeState(
        sites: size.sites, people: size.people, shiftsPerPerson: 5, alerts: alerts)
      var live = RulesBench.arm(
        RulesBench.makeState(sites: size.sites, people: size.people, shiftsPerPerson: 5, alerts: alerts).0, at: now)
      for kind in RulesBench.Kind.allCases {
        rows[kind, default: []].append(RulesBench.measureInPlace(kind, state, now, iterations, on: &live))
      }
    }
    for kind in RulesBench.Kind.allCases {
      guard let f = rows[kind], f.count == 2 else { continue }
      print(
        "   \(RulesBench.pad(kind.rawValue)) \(f[0])  \(f[1])  "
          + String(format: "%.2f×", f[1].p99 / max(f[0].p99, 0.001)))
    }
  }

  // MARK: Console

  static func console(_ store: EventStore<CordonDomain>) throws {
    let source = EmbeddedSource(store: store, path: "city", isDemo: false, actor: "bench", unit: nil)
    let moment = store.state.latest
    let app = ConsoleApp(source: source, language: .zh, clock: { moment })
    let renderer = Renderer(terminal: TestTerminal(width: 200, height: 50))
    app.handle(.char("4"))
    var t0 = DispatchTime.now().uptimeNanoseconds
    app.processInbox()
    renderer.draw(app)
    let first = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    // A data change: an alert assigned through the store, then the next frame.
    let open = store.state.alerts.values.filter { $0.state != .resolved }.map(\.key).sorted()
    var times: [Double] = []
    for i in 0..<min(200, open.count) {
      _ = store.submitAndWait(.assignAlert(open[i], to: "值班员\(i % 7)"), actor: "bench")
      t0 = DispatchTime.now().uptimeNanoseconds
      app.processInbox()
      renderer.draw(app)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    times.sort()
    print(
      String(
        format:
          "[console, ConsoleApp + Renderer at 200x50, alert queue of %d open alerts] first frame %.1f ms; after each change (an alert assigned through the store): p50 %.2f ms, p99 %.2f ms over %d changes",
        open.count, first, times.isEmpty ? 0 : times[times.count / 2],
        times.isEmpty ? 0 : times[min(times.count - 1, times.count * 99 / 100)], times.count))
  }

  // MARK: Appends

  /// Writers each submitting their next real command from the completion
  /// of the one before, for `seconds`.
  static func appends(
    _ store: EventStore<CordonDomain>, state: CordonState, writers: Int, seconds: Double
  ) throws -> (rate: Double, p50: Double, p99: Double) {
    // Sites with a fever case entered since their last round would refuse a
    // round of no fevers (round.feverMismatch): the writers leave them out.
    var pending = Set<String>()
    for c in state.feverCases where c.at > (state.sites[c.site]?.lastRound?.at ?? Instant(milliseconds: Int64.min)) {
      pending.insert(c.site)
    }
    let sites = state.orderedSites.filter { $0.isOpen && !pending.contains($0.id) }.map(\.id)
    let units = state.orderedUnits.filter { !$0.isHeadquarters }.map(\.id)
    guard !sites.isEmpty, !units.isEmpty else { throw BenchError("the city has no open site") }
    let latencies = Mutex<[UInt64]>([])
    let failure = Mutex<StoreFailure?>(nil)
    let counter = Atomic<Int>(0)
    let group = DispatchGroup()
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = start + UInt64(seconds * 1e9)
    @Sendable func next(_ w: Int) {
      guard DispatchTime.now().uptimeNanoseconds < deadline else { return group.leave() }
      let i = counter.wrappingAdd(1, ordering: .relaxed).oldValue
      let command: CordonCommand =
        switch i % 4 {
        case 0, 1: .recordRound(site: sites[i % sites.count], checked: i % 300, fevers: 0, acceptMissingCases: false)
        case 2: .recordDisinfection(site: sites[i % sites.count], area: "门厅", agent: "84", by: "bench")
        default:
          .logEntry(
            unit: units[i % units.count], channel: .phone, from: "", text: "记录 \(i)", action: "", significant: false,
            followUpDue: nil, owner: "")
        }
      let t0 = DispatchTime.now().uptimeNanoseconds
      store.submit(command, actor: "bench", unit: nil) { result in
        let t1 = DispatchTime.now().uptimeNanoseconds
        if case .failure(let f) = result {
          failure.withLock { $0 = f }
          return group.leave()
        }
        latencies.withLock { $0.append(t1 - t0) }
        DispatchQueue.global().async { next(w) }
      }
    }
    for w in 0..<writers {
      group.enter()
      next(w)
    }
    group.wait()
    if let f = failure.withLock({ $0 }) { throw BenchError("append failed: \(f)") }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let sorted = latencies.withLock { $0 }.sorted()
    func pct(_ p: Double) -> Double {
      sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e9
    }
    return (Double(sorted.count) / elapsed, pct(0.5), pct(0.99))
  }

  // MARK: Server

  /// `CordonServer` on a Unix socket in this process, 50 wire clients
  /// (`RemoteSource`) each sending its next command when the one before is
  /// acknowledged. The store holds the city's units and sites and 1,000
  /// people but no history. First as `cordon post` connects: submit-only
  /// sessions sending CommandJSON lines (the issue's figure); then as 50
  /// consoles, each welcomed with the state and applying every record
  /// fanned out to it (what a room of consoles costs the same machine).
  static func server(size: CityScenario.Size, scratch: URL, seconds: Double) throws -> Double {
    let post = try server(size: size, scratch: scratch, seconds: seconds, consoles: false)
    _ = try server(size: size, scratch: scratch, seconds: seconds, consoles: true)
    return post
  }

  static func server(size: CityScenario.Size, scratch: URL, seconds: Double, consoles: Bool) throws -> Double {
    var orgSize = size
    orgSize.people = min(size.people, 1_000)
    orgSize.openAlerts = 0
    let city = CityScenario(size: orgSize, seed: 1, start: Instant.now())
    let dir = scratch.appendingPathComponent(consoles ? "served-consoles" : "served-post")
    let store = try EventStore<CordonDomain>.open(directory: dir)
    for c in city.organisation() {
      if case .failure(let f) = store.submitAndWait(c, actor: "bench") { throw BenchError("server store: \(f)") }
    }
    let socket = scratch.appendingPathComponent(consoles ? "c.sock" : "p.sock").path
    var options = CordonServer.Options()
    options.helloTimeout = .seconds(60)
    let server = CordonServer(store: store, access: AccessConfig(), socketPath: socket, options: options)
    try server.start()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    defer {
      try? group.syncShutdownGracefully()
      store.close()
    }
    let clients = 50
    var sources: [RemoteSource] = []
    for _ in 0..<clients {
      let c = RemoteSource(socketPath: socket, group: group, submitOnly: !consoles)
      try c.connect(timeout: .seconds(60))
      sources.append(c)
    }
    let sites = (0..<orgSize.sites).map(city.siteID)
    let calendar = store.state.calendar
    let acked = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let done = DispatchGroup()
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = start + UInt64(seconds * 1e9)
    let latencies = Mutex<[UInt64]>([])
    for (w, source) in sources.enumerated() {
      done.enter()
      @Sendable func next(_ i: Int) {
        guard DispatchTime.now().uptimeNanoseconds < deadline else { return done.leave() }
        let command = CordonCommand.recordRound(
          site: sites[(w * 97 + i) % sites.count], checked: i % 300, fevers: 0, acceptMissingCases: false)
        // A console sends the command; a post client the line a gateway wrote.
        let t0 = DispatchTime.now().uptimeNanoseconds
        let completion: @Sendable (Result<UInt64, StoreFailure>) -> Void = { r in
          let t1 = DispatchTime.now().uptimeNanoseconds
          if case .success = r {
            acked.wrappingAdd(1, ordering: .relaxed)
            latencies.withLock { $0.append(t1 - t0) }
          } else {
            failures.wrappingAdd(1, ordering: .relaxed)
          }
          next(i + 1)
        }
        if consoles {
          source.submit(command, completion: completion)
        } else if let line = CommandJSON.encode(command, calendar: calendar) {
          source.submit(lines: [line]) { completion($0.map(\.seq)) }
        } else {
          failures.wrappingAdd(1, ordering: .relaxed)
          done.leave()
        }
      }
      next(0)
    }
    done.wait()
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    for s in sources { s.close() }
    server.stop()
    let sorted = latencies.withLock { $0 }.sorted()
    let rate = Double(acked.load(ordering: .relaxed)) / elapsed
    print(
      String(
        format:
          "[server, CordonServer on a Unix socket + 50 %@, recordRound, %.0f s; %d units, %d sites, %d people, no history] %.0f events/s, ack p50 %.2f ms, p99 %.2f ms, %d refused",
        consoles
          ? "console clients (RemoteSource: the welcome's state, every record fanned out and applied)"
          : "post clients (RemoteSource submit-only sessions, as cordon post connects: CommandJSON lines, no stream)",
        seconds, orgSize.units, orgSize.sites, orgSize.people, rate,
        sorted.isEmpty ? 0 : Double(sorted[sorted.count / 2]) / 1e6,
        sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]) / 1e6,
        failures.load(ordering: .relaxed)))
    return rate
  }

  // MARK: Comparison

  /// Lines `redis CLIENTS OPS/S`, `postgres CLIENTS TPS` and `# command`
  /// from scripts/bench-city.
  static func compare(_ path: String, store: [Int: Double], server: Double) throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var redis: [Int: Double] = [:]
    var pg: [Int: Double] = [:]
    for line in text.split(separator: "\n") {
      if line.hasPrefix("#") {
        print("[compare] " + line.dropFirst().trimmingCharacters(in: .whitespaces))
        continue
      }
      let f = line.split(separator: " ")
      guard f.count == 3, let n = Int(f[1]), let v = Double(f[2]) else { continue }
      if f[0] == "redis" { redis[n] = v } else if f[0] == "postgres" { pg[n] = v }
    }
    print("[compare] durable writes per second, same disk, same run")
    print("   clients  cordon store  redis always  postgres  cordon/redis  cordon/postgres")
    for n in [1, 16, 50] {
      let c = store[n] ?? 0
      let r = redis[n] ?? 0
      let p = pg[n] ?? 0
      print(
        String(
          format: "   %-8d %-13.0f %-13.0f %-9.0f %-13@ %@", n, c, r, p, r > 0 ? String(format: "%.2f×", c / r) : "–",
          p > 0 ? String(format: "%.2f×", c / p) : "–"))
    }
    if let r = redis[50], let p = pg[50], r > 0, p > 0 {
      print(
        String(
          format:
            "   through the server, 50 clients: %.0f events/s = %.2f× Redis, %.2f× PostgreSQL (targets at 50 writers: ≥ 1.2× Redis, ≥ 2× PostgreSQL)",
          server, server / r, server / p))
    }
  }
}
