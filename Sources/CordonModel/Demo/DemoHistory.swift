import EventSourcing

/// Fourteen days of a duty room's past for the demo (the heating company's
/// shortage of thermometer guns, from the source report, is left open), generated from a seed:
/// rounds on time at every open site, a few fevers (acknowledged, then
/// resolved), disinfection and ventilation, stock issued and received,
/// requests approved, forwarded and received, handovers, directives and their
/// acknowledgements, and the alerts housekeeping raises on the way.
///
/// Pure: it simulates the days against its own copy of the state with the
/// real `decide`, `apply` and `housekeeping`, and returns the steps, so a
/// store that replays them at their times (a clock that reads each step's
/// time) arrives at exactly the same journal.
public enum DemoHistory {
  public enum Step: Sendable {
    case command(at: Instant, actor: String, unit: String?, CordonCommand)
    /// Housekeeping at that moment (overdue rounds, low stock, escalations).
    case tick(at: Instant)
    public var time: Instant {
      switch self {
      case .command(let t, _, _, _), .tick(let t): t
      }
    }
  }

  /// The demo's registration and roster for the whole span, then its history
  /// from `start` (local midnight, `days` before `now`'s day) up to `now`,
  /// decided here against a state of its own (what a store replaying the steps holds).
  public static func steps(now: Instant, days: Int = 14, seed: UInt64 = 2020_0207) -> [Step] {
    var driver = Driver(now: now, days: days, seed: seed)
    var state = CordonState()
    var out: [Step] = []
    while let slot = driver.next(state: state) {
      for step in slot {
        let events: [CordonEvent]
        var actor = "system"
        switch step {
        case .command(let t, let a, let u, let c):
          actor = a
          events = (try? CordonDomain.decide(c, context: CommandContext(actor: a, unit: u, now: t), state: state)) ?? []
        case .tick(let t):
          events = CordonDomain.housekeeping(state: state, now: t)
        }
        for e in events {
          state.apply(
            EventRecord(seq: state.lastSeq + 1, time: step.time, actor: actor, unit: nil, commandID: nil, event: e))
        }
      }
      out += slot
    }
    return out
  }

  /// Hands out the history an hour at a time, each hour proposed against the
  /// state as it stands (a store's, while seeding): the hour's commands as
  /// one batch, then housekeeping. One decision per hour, not per command,
  /// keeps seeding quick.
  public struct Driver: Sendable {
    var sim: Simulation
    var slot = -1
    public init(now: Instant, days: Int = 14, seed: UInt64 = 2020_0207) {
      sim = Simulation(now: now, days: days, seed: seed)
    }

    /// The next hour's steps (the first call: the registration); nil when `now` is reached.
    public mutating func next(state: CordonState) -> [Step]? {
      sim.state = state
      sim.steps = []
      defer { slot += 1 }
      if slot < 0 {
        sim.register()
        return sim.steps
      }
      let day = sim.firstDay + slot / 24
      let t = sim.cal.startOfDay(day).adding(minutes: Int64((slot % 24) * 60))
      guard t <= sim.now else { return nil }
      sim.hour(day: day, hour: slot % 24, at: t)
      return sim.steps
    }
  }

  struct Simulation: Sendable {
    var state = CordonState()
    var steps: [Step] = []
    var rng: SeededRandom
    let now: Instant
    let firstDay: Int
    let cal: LocalCalendar

    init(now: Instant, days: Int, seed: UInt64) {
      self.now = now
      cal = CordonState().calendar
      firstDay = cal.day(of: now) - days
      rng = SeededRandom(seed: seed)
    }

    /// The hour's commands so far, and the state they leave (checked by the
    /// validator alone, so later proposals in the hour see earlier ones).
    var pending: [CordonCommand] = []
    var scratch: CordonState?
    /// When the current hour's batch is decided.
    var slotEnd: Instant?

    /// Proposes a command for the current hour; one the validator refuses is dropped.
    @discardableResult
    mutating func run(_ c: CordonCommand, at proposed: Instant, actor: String, unit: String?) -> Bool {
      // Checked at the time the hour's batch will be decided, as the batch will be.
      let t = slotEnd ?? proposed
      guard t <= now else { return false }
      var s = scratch ?? state
      let context = CommandContext(actor: "demo", unit: nil, now: t)
      let events: [CordonEvent]
      do { events = try CommandValidator(state: s, context: context).events(for: c) } catch { return false }
      for e in events {
        s.apply(EventRecord(seq: s.lastSeq + 1, time: t, actor: "demo", unit: nil, commandID: nil, event: e))
      }
      scratch = s
      pending.append(c)
      return true
    }

    mutating func flush(at t: Instant) {
      defer {
        pending = []
        scratch = nil
      }
      guard !pending.isEmpty, t <= now else { return }
      steps.append(.command(at: t, actor: "demo", unit: nil, pending.count == 1 ? pending[0] : .batch(pending)))
    }

    mutating func roll(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func register() {
      let start = cal.startOfDay(firstDay)
      let today = cal.day(of: now)
      slotEnd = start
      run(
        .register(
          DemoOrganisation.registration()
            + DemoOrganisation.shifts(fromDay: firstDay - 1, toDay: today + 1, calendar: cal, existing: [])),
        at: start, actor: "demo", unit: "hq")
      // Those on duty when the history begins signed in before it, in the same batch.
      for s in DemoOrganisation.signInsDue(in: scratch ?? state, at: start) {
        run(.signIn(shift: s.id), at: start, actor: s.person, unit: s.unit)
      }
      flush(at: start)
      slotEnd = nil
    }

    /// One hour: what falls due in it, as one batch, then housekeeping every other hour.
    mutating func hour(day: Int, hour: Int, at t: Instant) {
      let dayIndex = day - firstDay
      let minute = hour * 60
      // An hour with a shift change is decided a few minutes in, so the
      // sign-ins in it are on time; any other hour near its end.
      let due = DemoOrganisation.signInsDue(in: state, at: t)
      let change = due.contains { $0.start >= t }
      let end = min(t.adding(minutes: change ? Int64(roll(2...9)) : 57), now)
      slotEnd = end
      signIns(due, at: t)
      // What the last hours raised is acknowledged (and fevers resolved) first.
      handleAlerts(at: t)
      rounds(at: t, slot: hour)
      if minute == 8 * 60 { handovers(at: t, dayIndex: dayIndex) }
      if minute == 9 * 60 { lateConfirmations(at: t) }
      if minute == 9 * 60 || minute == 15 * 60 { disinfections(at: t, afternoon: minute > 720) }
      if minute == 10 * 60 { ventilations(at: t) }
      if minute == 11 * 60 { issues(at: t) }
      // Past days' registers are complete; today's is the duty room's to fill.
      if minute == 7 * 60, day < cal.day(of: now) { health(day: day, at: t) }
      if minute == 14 * 60, dayIndex % 3 == 1 { receipts(at: t) }
      if minute == 16 * 60, dayIndex % 2 == 0 { request(at: t, dayIndex: dayIndex) }
      if minute == 12 * 60 { decideRequests(at: t) }
      if minute == 9 * 60, dayIndex % 3 == 0 { directive(at: t) }
      acknowledgeDirectives(at: t)
      if minute == 13 * 60, dayIndex % 2 == 1 { fever(at: t) }
      fund(day: day, dayIndex: dayIndex, minute: minute, at: t)
      flush(at: end)
      slotEnd = nil
      approveExpenses(day: day, minute: minute, at: end)
      oversight(dayIndex: dayIndex, minute: minute, at: end)
      let tickAt = min(t.adding(minutes: 58), now)
      if hour % 2 == 1 || hour == 0 { steps.append(.tick(at: tickAt)) }
    }

    /// Whoever's shift has begun signs in, in the hour's batch; now and then
    /// one is left for the next hour's (late, and the no-sign-in alert shows it).
    mutating func signIns(_ due: [Shift], at t: Instant) {
      for s in due {
        if s.start >= t && roll(0...24) == 0 { continue }
        run(.signIn(shift: s.id), at: t, actor: s.person, unit: s.unit)
      }
    }

    /// Every open site reports before its interval runs out, a little early.
    mutating func rounds(at t: Instant, slot: Int) {
      for site in state.orderedSites where site.isOpen && site.reportIntervalMinutes > 0 {
        // Due within the next hour and a half: report in this hour's batch.
        guard site.reportDue.milliseconds - t.milliseconds <= 90 * 60_000 else { continue }
        let entered = state.feverCases.filter {
          $0.site == site.id && $0.at > (site.lastRound?.at ?? .init(milliseconds: 0))
        }
        .count
        let checked = max(entered, site.staffOnPost * roll(2...6) + roll(0...9))
        run(
          .recordRound(site: site.id, checked: checked, fevers: entered, acceptMissingCases: false), at: t,
          actor: "demo-\(site.unit)", unit: site.unit)
      }
    }

    mutating func disinfections(at t: Instant, afternoon: Bool) {
      let areas = ["值班室", "大门岗亭", "办公区", "电梯间", "楼道", "车厢"]
      for site in state.orderedSites where site.isOpen {
        guard afternoon ? site.disinfectionsPerDay >= 2 : site.disinfectionsPerDay >= 1 else { continue }
        let area = areas[roll(0...(areas.count - 1))]
        run(
          .recordDisinfection(site: site.id, area: area, agent: "84消毒液", by: ""),
          at: t.adding(minutes: Int64(roll(0...20))), actor: "demo-\(site.unit)", unit: site.unit)
      }
    }

    mutating func ventilations(at t: Instant) {
      for site in state.orderedSites where site.isOpen && (site.kind == .office || site.kind == .heatStation) {
        run(.recordVentilation(site: site.id), at: t, actor: "demo-\(site.unit)", unit: site.unit)
      }
    }

    /// Each duty room hands over at the morning change and the incoming
    /// officer confirms at once; now and then with a query on the first item,
    /// now and then only an hour later (late). Chosen without the random
    /// generator, so the rest of the history is as it was before handovers had checklists.
    mutating func handovers(at t: Instant, dayIndex: Int) {
      let notes = ["交接：夜间各检查点测温正常，无异常情况。", "交接：消毒液已补领，测温枪一把待修。", "交接：上级通知已传达，待各点位回复。"]
      let units = state.orderedUnits.filter { $0.isKey || $0.isHeadquarters }
      for (i, unit) in units.enumerated() {
        let wrote = run(
          .writeHandover(unit: unit.id, text: notes[roll(0...(notes.count - 1))]), at: t, actor: "demo-\(unit.id)",
          unit: unit.id)
        let pick = (dayIndex + i) % 9
        guard wrote, pick != 4, let note = (scratch ?? state).handovers.first, note.unit == unit.id else { continue }
        let queries =
          pick == 2 && !(note.items ?? []).isEmpty ? [HandoverQuery(item: 1, text: "此项是否已处理？请说明进展")] : []
        let incoming = (scratch ?? state).incoming(note).first ?? "demo-\(unit.id)"
        run(.confirmHandover(handover: note.id, queries: queries), at: t, actor: incoming, unit: unit.id)
      }
    }

    /// What the morning left unconfirmed is confirmed an hour later.
    mutating func lateConfirmations(at t: Instant) {
      for note in state.handovers.reversed() where note.hasChecklist && !note.isConfirmed {
        run(.confirmHandover(handover: note.id, queries: []), at: t, actor: "demo-\(note.unit)", unit: note.unit)
      }
    }

    /// Daily use: each stock line issues a share of what it holds.
    mutating func issues(at t: Instant) {
      let lines = state.stock.values.filter { $0.balance.milli > 0 }.sorted { ($0.unit, $0.item) < ($1.unit, $1.item) }
      // Consumables only: thermometer guns and goggles are kept, not used up.
      let consumed: Set<String> = ["mask", "n95", "gloves", "d84", "alcohol", "suit"]
      for line in lines where consumed.contains(line.item) {
        guard let item = state.items[line.item], line.unit != state.reserveUnit || roll(0...2) == 0 else { continue }
        let share = max(1, line.balance.milli / 1000 / Int64(roll(25...60)))
        let q =
          item.wholePieces ? Quantity(share) : Quantity(milli: max(500, line.balance.milli / Int64(roll(25...60))))
        guard q <= line.balance else { continue }
        run(
          .issueStock(unit: line.unit, item: line.item, quantity: q, reason: "日常领用"), at: t, actor: "demo-\(line.unit)",
          unit: line.unit)
      }
    }

    /// Donations and purchases arrive at the reserve.
    mutating func receipts(at t: Instant) {
      guard let reserve = state.reserveUnit else { return }
      run(
        .receiveStock(
          unit: reserve, item: "mask", quantity: Quantity(Int64(roll(20...40)) * 100), kind: .donation,
          reason: "社会捐赠"), at: t, actor: "demo-\(reserve)", unit: reserve)
      run(
        .receiveStock(
          unit: reserve, item: "d84", quantity: Quantity(Int64(roll(4...10)) * 10), kind: .purchase,
          reason: "采购"), at: t, actor: "demo-\(reserve)", unit: reserve)
    }

    /// A unit short of something asks upward.
    mutating func request(at t: Instant, dayIndex: Int) {
      let asks: [(String, String, Int64, ShortageRequest.Urgency)] = [
        ("jinyuan", "thermo", 4, .urgent), ("jinyuan", "mask", 800, .routine), ("jindun", "d84", 30, .routine),
        ("heating", "d84", 40, .critical), ("jinyuan", "n95", 3000, .urgent), ("jinmu", "mask", 300, .routine),
      ]
      let (unit, item, q, urgency) = asks[(dayIndex / 2) % asks.count]
      run(
        .submitRequest(unit: unit, item: item, quantity: Quantity(q), urgency: urgency, reason: "库存不足，申请调拨"), at: t,
        actor: "demo-\(unit)", unit: unit)
    }

    /// The office decides the next morning: approve from the reserve when it can, else ask the city.
    mutating func decideRequests(at t: Instant) {
      // A finding's request (DemoOversight) waits for HQ: allocating it would lift the heating
      // company's thermometer shortage, which the demo keeps open.
      let open = state.requests.values.filter { $0.status == .submitted && $0.finding == nil }.sorted { $0.id < $1.id }
      for r in open {
        let held = state.reserveUnit.flatMap { state.stock[StockKey(unit: $0, item: r.item)]?.balance } ?? .zero
        if r.quantity <= held {
          run(.approveRequest(id: r.id, quantity: r.quantity, note: "同意调拨"), at: t, actor: "demo-office", unit: "hq")
        } else {
          run(.forwardRequest(id: r.id, quantity: r.quantity, note: "报市市场监管局"), at: t, actor: "demo-office", unit: "hq")
        }
      }
      for r in state.requests.values.filter({ $0.status == .forwarded }).sorted(by: { $0.id < $1.id })
      where t.milliseconds - r.submittedAt.milliseconds > 36 * 3_600_000 {
        run(.receiveForRequest(id: r.id, quantity: r.approved ?? r.quantity), at: t, actor: "demo-office", unit: "hq")
      }
    }

    mutating func directive(at t: Instant) {
      let texts = ["各单位加强晨检，发热人员立即上报。", "落实办公场所每天两次消毒通风。", "核查防疫物资库存，缺口当日上报。"]
      let targets = state.orderedUnits.filter(\.isKey).map(\.id)
      run(
        .issueDirective(text: texts[roll(0...(texts.count - 1))], targets: targets, deadline: t.adding(minutes: 180)),
        at: t, actor: "demo-hq", unit: "hq")
    }

    /// Target units acknowledge within a couple of hours; the last one sometimes late.
    mutating func acknowledgeDirectives(at t: Instant) {
      for d in state.directives.values.sorted(by: { $0.id < $1.id }) {
        for (i, unit) in d.pendingUnits.sorted().enumerated() {
          let after = Int64(40 + i * 70)
          guard t.milliseconds - d.issuedAt.milliseconds >= after * 60_000 else { continue }
          run(.acknowledgeDirective(id: d.id, unit: unit), at: t, actor: "demo-\(unit)", unit: unit)
        }
      }
    }

    mutating func fever(at t: Instant) {
      let sites = state.orderedSites.filter(\.isOpen)
      guard !sites.isEmpty else { return }
      let site = sites[roll(0...(sites.count - 1))]
      let names = ["张伟", "李娜", "王强", "刘洋", "陈静", "杨帆"]
      run(
        .recordFever(
          site: site.id, personName: names[roll(0...(names.count - 1))], reading: Celsius(tenths: roll(374...386))),
        at: t, actor: "demo-\(site.unit)", unit: site.unit)
    }

    /// The duty room acknowledges what is raised and resolves fevers and missed disinfections.
    mutating func handleAlerts(at t: Instant) {
      for a in state.alerts.values.sorted(by: { $0.number < $1.number }) where a.isActive {
        let age = t.milliseconds - a.firstSeen.milliseconds
        if a.state == .open, age >= 2 * 60_000 {
          run(.acknowledgeAlert(a.key), at: t, actor: "demo-duty", unit: "hq")
        }
        let manual: [RuleID] = [.fever, .disinfectionShort, .noShow, .directiveUnacknowledged]
        if manual.contains(a.key.rule), age >= 45 * 60_000 {
          let note = a.key.rule == .fever ? "复测体温正常，已通知社区" : "已督促整改"
          run(.resolveAlert(a.key, note: note), at: t, actor: "demo-duty", unit: "hq")
        }
      }
    }

    /// The personnel register each morning, for the people on the rosters.
    mutating func health(day: Int, at t: Instant) {
      // The vanguard (DemoOversight) is on no roster.
      for p in state.people.values.sorted(by: { $0.id < $1.id }) where !p.id.hasPrefix("vg-") {
        let category = p.categories.first ?? .onPost
        let reading = Celsius(tenths: roll(358...369))
        run(
          .registerHealth(
            person: p.id, day: day, category: category, morningCheck: reading, travellerContact: false,
            remarks: ""), at: t.adding(minutes: Int64(roll(0...25))), actor: "demo-\(p.unit)", unit: p.unit)
      }
    }
  }
}
