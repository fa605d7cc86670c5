import CordonModel
import CordonSession
import CordonStore
import CordonTUI
import Foundation

/// Frame cost and terminal traffic of the console on a 200x50 screen with a
/// 10,000-row table in focus (the alert queue holding 10,000 open alerts).
enum RenderBench {
  static func run(_ args: [String]) throws {
    let rows = Int(value(of: "--rows", in: args) ?? "") ?? 10_000
    let frames = Int(value(of: "--frames", in: args) ?? "") ?? 2_000
    if let size = value(of: "--profile-changes", in: args) {
      // Only the per-change loop, for a profiler: `--profile-changes 200x50 --changes 5000`.
      let wh = size.split(separator: "x").compactMap { Int($0) }
      let changes = Int(value(of: "--changes", in: args) ?? "") ?? 3_000
      let f = perChange(alerts: rows, width: wh.first ?? 200, height: wh.last ?? 50, changes: changes)
      print(
        String(
          format: "per data change at %@: p50 %.3f ms, p99 %.3f ms (thread CPU p50 %.3f ms, p99 %.3f ms)", size, f.p50,
          f.p99, f.cpuP50, f.cpuP99))
      return
    }
    let state = makeState(alerts: rows)
    let moment = state.latest
    let source = FrozenSource(
      state: state, info: SourceInfo(kind: .embedded(path: "bench"), isDemo: true, actor: "bench", unit: nil))
    print("render bench: 200x50, alert queue with \(state.alerts.count) open alerts in focus, \(frames) frames")

    // 1. Build and diff one frame (the selection moves each frame, so each frame differs).
    let app = ConsoleApp(source: source, language: .zh, clock: { moment })
    let terminal = TestTerminal(width: 200, height: 50)
    let renderer = Renderer(terminal: terminal)
    app.handle(.char("4"))
    let firstStart = DispatchTime.now().uptimeNanoseconds
    renderer.draw(app)
    let firstMs = Double(DispatchTime.now().uptimeNanoseconds - firstStart) / 1e6
    var times: [Double] = []
    times.reserveCapacity(frames)
    for i in 0..<frames {
      app.handle(i % 400 < 200 ? .down : .up)
      let t0 = DispatchTime.now().uptimeNanoseconds
      renderer.draw(app)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    times.sort()
    print(
      String(
        format:
          "frame build+diff: median %.3f ms, p99 %.3f ms, max %.3f ms (first frame, incl. building the table: %.1f ms)",
        times[times.count / 2], times[times.count * 99 / 100], times[times.count - 1], firstMs))

    // 2. Bytes written by real ncurses (xterm-256color) to a file standing in for the terminal.
    setenv("LINES", "50", 1)
    setenv("COLUMNS", "200", 1)
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-bench-\(getpid()).out").path
    guard let out = fopen(outPath, "w+"), let input = fopen("/dev/null", "r") else {
      throw BenchError("cannot open \(outPath)")
    }
    defer {
      fclose(out)
      fclose(input)
      unlink(outPath)
    }
    let nc = try NcursesTerminal(theme: .builtinDefault, termName: "xterm-256color", input: input, output: out)
    defer { nc.end() }
    let app2 = ConsoleApp(source: source, language: .zh, clock: { moment })
    let real = Renderer(terminal: nc)
    app2.handle(.char("4"))
    func written(_ body: () -> Void) -> Int {
      fflush(out)
      let before = ftell(out)
      body()
      fflush(out)
      return ftell(out) - before
    }
    let first = written { real.draw(app2) }
    let move = written {
      app2.handle(.down)
      real.draw(app2)
    }
    let idle = written { real.draw(app2) }
    print("bytes to the terminal: first frame \(first), selection moved one row \(move), idle redraw \(idle)")

    // One cell: the header's minute changes when the clock ticks.
    let clockApp = ConsoleApp(source: source, language: .zh, clock: { moment })
    let clockRenderer = Renderer(terminal: nc)
    clockApp.handle(.char("4"))
    _ = written { clockRenderer.draw(clockApp) }
    let later = ConsoleApp(source: source, language: .zh, clock: { moment.adding(minutes: 1) })
    later.handle(.char("4"))
    let tick = written { clockRenderer.draw(later) }
    print("bytes for the clock's minute changing (one digit in the header): \(tick)")
    // A frame where exactly one cell differs from the one before.
    let oneCell = Renderer(terminal: nc)
    var frame = ScreenBuffer(width: 200, height: 50)
    frame.put("告警队列 急 3 警 5", x: 2, y: 10, style: .critical)
    _ = written { oneCell.present(frame, cursor: nil) }
    frame.put("4", x: 14, y: 10, style: .critical)
    let single = written { oneCell.present(frame, cursor: nil) }
    print("bytes for a frame where one cell changed: \(single)")
    print("an idle second: no wake-ups (ppoll waits for input, the self-pipe or the next minute), so 0 bytes")

    // 3. What a reader holding the committed state costs the writer: the
    // store applies each durable record to its committed state under its lock.
    let held = heldStateCost(alerts: rows, changes: 200)
    print(
      String(
        format:
          "one alert change applied to the committed state (CordonState.apply, as the store does under its lock), %d alerts: p50 %.1f µs, p99 %.1f µs while a console holds the state before it; p50 %.1f µs, p99 %.1f µs when nobody does",
        rows, held.shared.p50, held.shared.p99, held.alone.p50, held.alone.p99))

    // 4. A data change: the model takes the new state, rebuilds what is shown, and draws.
    let changes = Int(value(of: "--changes", in: args) ?? "") ?? 300
    for (w, h) in [(200, 50), (80, 24)] {
      let f = perChange(alerts: rows, width: w, height: h, changes: changes)
      print(
        String(
          format:
            "per data change at %dx%d, %d rows (update + frame): p50 %.3f ms, p99 %.3f ms, max %.3f ms; thread CPU p50 %.3f ms, p99 %.3f ms",
          w, h, rows, f.p50, f.p99, f.max, f.cpuP50, f.cpuP99))
    }
  }

  /// Per-change cost of the console with `alerts` open alerts in the focused
  /// alert queue: taking a new state (an alert acknowledged, raised or
  /// resolved, in turn), rebuilding the derived rows, and building the frame.
  /// In milliseconds.
  /// In milliseconds: wall time (what the user waits, the machine's other
  /// work included) and the thread's CPU time (the console's own work).
  static func perChange(alerts: Int, width: Int, height: Int, changes: Int) -> (
    p50: Double, p99: Double, max: Double, cpuP50: Double, cpuP99: Double
  ) {
    var bench = BenchState.demo()
    bench.state = makeState(alerts: alerts)
    let info = SourceInfo(kind: .embedded(path: "bench"), isDemo: true, actor: "bench", unit: nil)
    var model = ConsoleModel(state: bench.state, info: info, clock: bench.state.latest, language: .zh)
    _ = ConsoleUpdate.update(&model, .resized(width: width, height: height))
    _ = ConsoleUpdate.update(&model, .key(.char("4")))
    // The selection halfway down, so rows before it move.
    for _ in 0..<(alerts / 2 / max(1, height - 5)) { _ = ConsoleUpdate.update(&model, .key(.pageDown)) }
    var buffer = ScreenBuffer(width: width, height: height)
    _ = ConsoleView.draw(model, into: &buffer)
    let keys = Array(bench.state.alerts.keys.sorted())
    let site = DemoOrganisation.sites()[0]
    var times: [Double] = []
    var cpu: [Double] = []
    for i in 0..<max(1, changes) {
      let at = bench.state.latest.adding(seconds: 1)
      let key = keys[(i * 7919) % max(1, keys.count)]
      switch i % 3 {
      case 0: bench.apply(.alertAcknowledged(key: key), at: at)
      case 1:
        bench.apply(
          .alertRaised(
            AlertRaise(
              key: AlertKey(rule: .fever, subject: "\(site.id)/new\(i)"), severity: .critical, unit: site.unit,
              site: site.id, args: ["新\(i)", site.id, "38.5"], occurrence: at, autoResolves: false)), at: at)
      default: bench.apply(.alertResolved(key: key, note: "bench"), at: at)
      }
      let state = bench.state
      // As ConsoleApp does, the state left behind is freed after the frame.
      let retired = model.live
      let t0 = DispatchTime.now().uptimeNanoseconds
      let c0 = RulesBench.threadCPU()
      _ = ConsoleUpdate.update(&model, .sourceChanged(state: state, info: info))
      _ = ConsoleView.draw(model, into: &buffer)
      cpu.append((RulesBench.threadCPU() - c0) / 1e3)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
      withExtendedLifetime(retired) {}
    }
    times.sort()
    cpu.sort()
    let p99 = min(times.count - 1, times.count * 99 / 100)
    return (times[times.count / 2], times[p99], times[times.count - 1], cpu[cpu.count / 2], cpu[p99])
  }

  /// Microseconds to apply one alert change to a state with `alerts` open
  /// alerts, while another holder (a console) keeps the state from before
  /// it, and while nobody does. p50 and p99 of each.
  static func heldStateCost(alerts: Int, changes: Int) -> (
    shared: (p50: Double, p99: Double), alone: (p50: Double, p99: Double)
  ) {
    var bench = BenchState.demo()
    bench.state = makeState(alerts: alerts)
    let keys = Array(bench.state.alerts.keys.sorted())
    var shared: [Double] = []
    var alone: [Double] = []
    for i in 0..<max(1, changes) {
      let key = keys[(i * 7919) % max(1, keys.count)]
      let event = CordonEvent.alertAssigned(key: key, to: "值班员\(i % 7)")
      let held: CordonState? = i % 2 == 0 ? bench.state : nil
      let t0 = DispatchTime.now().uptimeNanoseconds
      bench.apply(event, at: bench.state.latest)
      let us = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3
      if held == nil { alone.append(us) } else { shared.append(us) }
      withExtendedLifetime(held) {}
    }
    func p(_ xs: [Double]) -> (p50: Double, p99: Double) {
      let s = xs.sorted()
      guard !s.isEmpty else { return (0, 0) }
      return (s[s.count / 2], s[min(s.count - 1, s.count * 99 / 100)])
    }
    return (p(shared), p(alone))
  }

  /// A state holding `alerts` open alerts spread over the demo units.
  static func makeState(alerts: Int) -> CordonState {
    var bench = BenchState.demo()
    let t0 = bench.t0
    func apply(_ e: CordonEvent, at t: Instant) { bench.apply(e, at: t) }
    let sites = DemoOrganisation.sites()
    for i in 0..<alerts {
      let site = sites[i % sites.count]
      apply(
        .alertRaised(
          AlertRaise(
            key: AlertKey(rule: .fever, subject: "\(site.id)/person\(i)"), severity: i % 3 == 0 ? .critical : .warning,
            unit: site.unit, site: site.id, args: ["体温\(i)", site.id, "38.\(i % 10)"],
            occurrence: t0.adding(seconds: Int64(i)), autoResolves: false)), at: t0.adding(seconds: Int64(i)))
    }
    return bench.state
  }

  static func value(of flag: String, in args: [String]) -> String? {
    guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
    return args[i + 1]
  }
}

/// A state built by applying events directly, as a replay of the journal
/// would: where the benches start from.
struct BenchState {
  var state = CordonState()
  let t0 = CordonState().calendar.parse("2020-02-07 08:00") ?? Instant(milliseconds: 0)

  /// The demo organisation, registered at `t0`.
  static func demo() -> BenchState {
    var b = BenchState()
    for e in DemoOrganisation.registration() { b.apply(e, at: b.t0) }
    return b
  }

  mutating func apply(_ e: CordonEvent, at t: Instant) {
    state.apply(EventRecord(seq: state.lastSeq + 1, time: t, actor: "bench", unit: nil, commandID: nil, event: e))
  }
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
