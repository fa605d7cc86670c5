import CordonModel
import EventSourcing
import Foundation

/// CPU per command in `CordonDomain.decide`, per command kind, with few and
/// with many open alerts: the incremental rules against the whole
/// evaluation (`decideByFullEvaluation`, the oracle) on the same states.
///
/// The state is generated deterministically: the demo organisation, plus
/// `--sites` sites and `--people` people spread over its units, plus one
/// fever case and its open critical alert per open alert asked for, and
/// `--shifts` past shifts per person (the roster's history, which assigning
/// and swapping check a person's against).
enum RulesBench {
  static func run(_ args: [String]) throws {
    let sites = Int(RenderBench.value(of: "--sites", in: args) ?? "") ?? 5_000
    let people = Int(RenderBench.value(of: "--people", in: args) ?? "") ?? 20_000
    let iterations = Int(RenderBench.value(of: "--iterations", in: args) ?? "") ?? 2_000
    let shiftsPerPerson = Int(RenderBench.value(of: "--shifts", in: args) ?? "") ?? 5
    guard sites > 0, people > 0, (0...100).contains(shiftsPerPerson) else {
      throw BenchError("--sites and --people must be positive, --shifts 0–100")
    }
    let fullIterations = Int(RenderBench.value(of: "--full-iterations", in: args) ?? "") ?? 30
    let alertCounts = (RenderBench.value(of: "--alerts", in: args) ?? "100,10000").split(separator: ",").compactMap {
      Int($0)
    }
    print(
      "rules bench: decide per command kind, thread CPU time in µs; demo organisation + \(sites) sites, \(people)"
        + " people with \(shiftsPerPerson) past shifts each; \(iterations) commands per kind in place and pure, \(fullIterations) with the whole evaluation"
    )
    print(
      "  in place: the store's way, decided and applied to its state (CordonDomain.decide(_:context:applyingTo:record:));"
    )
    print("  pure: decide(_:context:state:), which copies what the command changes; whole: decideByFullEvaluation")
    var p99: [String: [Double]] = [:]
    for alerts in alertCounts {
      let (state, now) = makeState(sites: sites, people: people, shiftsPerPerson: shiftsPerPerson, alerts: alerts)
      var live = arm(
        makeState(sites: sites, people: people, shiftsPerPerson: shiftsPerPerson, alerts: alerts).0, at: now)
      print("-- \(state.alerts.count) open alerts, \(state.feverCases.count) fever cases, \(state.sites.count) sites")
      print(
        "   kind                 in place p50/p99      pure p50/p99          whole p50/p99         whole/in place p50")
      for kind in Kind.allCases {
        let full = measure(kind, state, now, fullIterations) { c, ctx, s throws(Refusal) in
          _ = try CordonDomain.decideByFullEvaluation(c, context: ctx, state: s)
        }
        let pure = measure(kind, state, now, iterations) { c, ctx, s throws(Refusal) in
          _ = try CordonDomain.decide(c, context: ctx, state: s)
        }
        let inPlace = measureInPlace(kind, state, now, iterations, on: &live)
        p99[kind.rawValue, default: []].append(inPlace.p99)
        print(
          "   \(pad(kind.rawValue)) \(inPlace)   \(pure)   \(full)   "
            + String(format: "%.0f×", full.p50 / max(inPlace.p50, 0.001)))
      }
      // The reference for the person index: the same state read back, with no
      // rule index yet, where every lookup scans (what assigning always did before).
      let scanning = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(state))
      let scan = measure(.assignShift, scanning, now, iterations) { c, ctx, s throws(Refusal) in
        _ = try CordonDomain.decide(c, context: ctx, state: s)
      }
      let indexed = measure(.assignShift, state, now, iterations) { c, ctx, s throws(Refusal) in
        _ = try CordonDomain.decide(c, context: ctx, state: s)
      }
      print(
        "   \(pad("assignShift scans")) \(scan)   pure, on the state decoded (no rule index: every lookup scans); "
          + String(format: "pure with the index / scanning p50: %.3f", indexed.p50 / max(scan.p50, 0.001)))
      let hk = housekeeping(state, now, fullIterations)
      print("   \(pad("housekeeping")) \(hk)   (CordonDomain.housekeeping, every rule over the whole state)")
      let queued = clockPasses(state, now, iterations)
      print(
        "   \(pad("clock pass")) \(queued)   (housekeeping(updating:now:), the store's tick: the due-time queue; "
          + "\(iterations) passes 15 s apart after one arming pass, their events applied)")
    }
    if alertCounts.count == 2 {
      print("in place p99 with \(alertCounts[1]) open alerts against \(alertCounts[0]) (targets: ≤ 50 µs, within 2×):")
      for kind in Kind.allCases {
        guard let v = p99[kind.rawValue], v.count == 2 else { continue }
        print(String(format: "   %@ %.2f×", pad(kind.rawValue), v[1] / max(v[0], 0.001)))
      }
    }
  }

  enum Kind: String, CaseIterable {
    case recordFever, recordRound, recordDisinfection, receiveStock, assignAlert, logEntry, reportUp, assignShift
  }

  static func pad(_ s: String) -> String { s.padding(toLength: 20, withPad: " ", startingAt: 0) }

  struct Figures: CustomStringConvertible {
    var p50: Double
    var p99: Double
    var description: String { pad(String(format: "%.1f / %.1f", p50, p99)) }
  }

  /// `measure` the store's way: decided and applied in place
  /// (`CordonDomain.decide(_:context:applyingTo:record:)`) to `live`, a state
  /// of its own that the commands of every kind then hold in turn, as the
  /// store's tentative state is held. `live` is made apart from `state` (the
  /// same generation) and armed with `arm`: a copy of `state` would share
  /// its tables, and the first command into each shard of a table would
  /// copy it, a cost the store's state pays once after it opens, which made
  /// the p99 at 10,000 alerts mostly copies.
  static func measureInPlace(_ kind: Kind, _ state: CordonState, _ now: Instant, _ n: Int, on live: inout CordonState)
    -> Figures
  {
    measure(kind, state, now, n) { c, ctx, _ throws(Refusal) in
      let first = live.lastSeq + 1
      _ = try CordonDomain.decide(c, context: ctx, applyingTo: &live) { i, e in
        EventRecord(seq: first + UInt64(i), time: ctx.now, actor: ctx.actor, unit: nil, commandID: nil, event: e)
      }
    }
  }

  /// A state for `measureInPlace`: its due-time queue armed by a clock pass
  /// (whose events are left out), as the store's is after its first tick, so
  /// every event re-arms it.
  static func arm(_ state: consuming CordonState, at now: Instant) -> CordonState {
    _ = CordonDomain.housekeeping(updating: &state, now: now)
    return state
  }

  static func measure(
    _ kind: Kind, _ state: CordonState, _ now: Instant, _ n: Int,
    _ decide: (CordonCommand, CommandContext, CordonState) throws(Refusal) -> Void
  ) -> Figures {
    let sites = state.orderedSites.map(\.id)
    let units = state.orderedUnits.map(\.id)
    let items = state.orderedItems.map(\.id)
    let alerts = state.alerts.keys.sorted()
    let people = state.people.keys.filter { $0.hasPrefix("c-p") }.count
    var times: [Double] = []
    times.reserveCapacity(n)
    var refused = 0
    for i in 0..<n {
      let command: CordonCommand =
        switch kind {
        case .recordFever:
          // Fifty people at fifty sites: a new alert each at first, then repeats.
          .recordFever(site: sites[(i % 50) * 7 % sites.count], personName: "新\(i % 50)", reading: Celsius(tenths: 386))
        case .recordRound: .recordRound(site: sites[i % sites.count], checked: 3, fevers: 0, acceptMissingCases: true)
        case .recordDisinfection:
          .recordDisinfection(site: sites[i % sites.count], area: "门厅", agent: "84", by: "bench")
        case .receiveStock:
          .receiveStock(
            unit: units[i % units.count], item: items[i % items.count], quantity: Quantity(1), kind: .donation,
            reason: "r")
        case .assignAlert: .assignAlert(alerts[i % alerts.count], to: "值班员\(i % 7)")
        case .logEntry:
          .logEntry(
            unit: units[i % units.count], channel: .phone, from: "", text: "记录 \(i)", action: "", significant: false,
            followUpDue: now.adding(minutes: 30), owner: "")
        case .reportUp: .reportUp(unit: units[i % units.count], priority: .urgent, text: "报告 \(i)", ref: nil)
        case .assignShift:
          // A generated person each (see makeState), days ahead, so none clashes or rests too little.
          .assignShift(
            unit: units[i % people % units.count], site: nil, role: .officer, person: "c-p\(i % people)",
            start: now.adding(minutes: Int64(2 + i / people) * 1_440),
            end: now.adding(minutes: Int64(2 + i / people) * 1_440 + 480),
            confirmShortRest: false)
        }
      let context = CommandContext(actor: "bench", unit: nil, now: now)
      let t0 = threadCPU()
      do { try decide(command, context, state) } catch { refused += 1 }
      times.append(threadCPU() - t0)
    }
    if refused > 0 { print("   (\(kind.rawValue): \(refused) of \(n) refused)") }
    times.sort()
    return Figures(p50: times[times.count / 2], p99: times[min(times.count - 1, times.count * 99 / 100)])
  }

  /// One housekeeping pass (the store's 15-second clock pass) at moments a
  /// few seconds apart, in thread CPU µs.
  static func housekeeping(_ state: CordonState, _ now: Instant, _ n: Int) -> Figures {
    var times: [Double] = []
    for i in 0..<max(1, n) {
      let t0 = threadCPU()
      _ = CordonDomain.housekeeping(state: state, now: now.adding(seconds: Int64(i * 15)))
      times.append(threadCPU() - t0)
    }
    times.sort()
    return Figures(p50: times[times.count / 2], p99: times[min(times.count - 1, times.count * 99 / 100)])
  }

  /// The store's tick: passes 15 s apart on a state of its own, through its
  /// due-time queue (armed by a first, whole pass, not timed), each pass's
  /// events applied as the store applies them.
  static func clockPasses(_ state: CordonState, _ now: Instant, _ n: Int) -> Figures {
    var live = state
    func pass(at t: Instant) -> Double {
      let t0 = threadCPU()
      let events = CordonDomain.housekeeping(updating: &live, now: t)
      let spent = threadCPU() - t0
      for e in events {
        live.apply(
          EventRecord(seq: live.lastSeq + 1, time: t, actor: "system", unit: nil, commandID: nil, event: e))
      }
      return spent
    }
    _ = pass(at: now)
    var times = (1...max(1, n)).map { pass(at: now.adding(seconds: Int64($0 * 15))) }
    times.sort()
    return Figures(p50: times[times.count / 2], p99: times[min(times.count - 1, times.count * 99 / 100)])
  }

  /// Thread CPU time in microseconds.
  static func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
  }

  static func makeState(sites: Int, people: Int, shiftsPerPerson: Int, alerts: Int) -> (CordonState, Instant) {
    var bench = BenchState.demo()
    let t0 = bench.t0
    func apply(_ e: CordonEvent, at t: Instant) { bench.apply(e, at: t) }
    let units = bench.state.orderedUnits.map(\.id)
    for i in 0..<sites {
      apply(
        .siteRegistered(
          SiteSpec(
            id: "c-s\(i)", unit: units[i % units.count], name: .init(zh: "卡口\(i)", en: "Checkpoint \(i)"),
            kind: .compoundCheckpoint)), at: t0)
    }
    for i in 0..<people {
      apply(
        .personRegistered(
          Person(id: "c-p\(i)", name: "人员\(i)", unit: units[i % units.count], phone: "", categories: [.onDuty])),
        at: t0)
      for k in 0..<shiftsPerPerson {
        let start = t0.adding(minutes: -Int64(k + 1) * 1_440)
        apply(
          .shiftAssigned(
            Shift(
              id: "c-sh\(i)-\(k)", unit: units[i % units.count], site: nil, role: .officer, person: "c-p\(i)",
              start: start, end: start.adding(minutes: 480), noShow: false, cancelled: false)), at: t0)
      }
    }
    // Every site reported just now, so no round is overdue at the bench's moment.
    let now = t0.adding(minutes: 60)
    for site in bench.state.orderedSites {
      apply(
        .roundRecorded(
          site: site.id, round: TemperatureRound(at: now, checked: 1, fevers: 0, casesToEnter: 0, by: "bench")),
        at: now)
    }
    let all = bench.state.orderedSites.map(\.id)
    for i in 0..<alerts {
      let site = all[i % all.count]
      let t = t0.adding(seconds: Int64(i % 3_600))
      let c = FeverCase(id: "fc-b\(i)", site: site, personName: "发热\(i)", reading: Celsius(tenths: 385), at: t)
      apply(.feverRecorded(c), at: t)
      apply(
        .alertRaised(
          AlertRaise(
            key: AlertKey(rule: .fever, subject: "\(site)/\(c.personName)"), severity: .critical,
            unit: bench.state.sites[site]?.unit ?? "", site: site, args: [c.personName, site, c.reading.description],
            occurrence: t, autoResolves: false)), at: t)
    }
    return (bench.state, now)
  }
}
