import EventSourcing

/// What the simulated feed does next: the kind of traffic a real duty day
/// brings (rounds, disinfection, stock movements, the odd fever), so the
/// panes stay live in the demo. Pure: it proposes commands, the store decides.
public enum DemoFeed {
  public struct Step: Sendable {
    public var command: CordonCommand
    public var actor: String
    public var unit: String?
  }

  public static func next(state: CordonState, now: Instant, rng: inout SeededRandom) -> Step? {
    // Keep tomorrow's roster filled as the days go by.
    let today = state.calendar.day(of: now)
    let existing = Set(state.shifts.keys)
    let missing = DemoOrganisation.shifts(
      fromDay: today, toDay: today + 1, calendar: state.calendar, existing: existing)
    if !missing.isEmpty, let hq = state.headquarters {
      return Step(command: .register(missing), actor: "demo", unit: hq)
    }
    // Whoever's shift has begun signs in.
    if let s = DemoOrganisation.signInsDue(in: state, at: now).first {
      return Step(command: .signIn(shift: s.id), actor: s.person, unit: s.unit)
    }
    let sites = state.orderedSites.filter(\.isOpen)
    guard !sites.isEmpty else { return nil }
    // Every open site reports on time: the one due soonest goes first once it is
    // within 20 minutes of its due time, with the fevers entered since its last round.
    if let due = sites.filter({ $0.reportIntervalMinutes > 0 }).min(by: { $0.reportDue < $1.reportDue }),
      due.reportDue.milliseconds - now.milliseconds <= 20 * 60_000
    {
      let since = due.lastRound?.at ?? Instant(milliseconds: Int64.min)
      let entered = state.feverCases.filter { $0.site == due.id && $0.at > since }.count
      let checked = max(entered, due.staffOnPost * Int.random(in: 2...6, using: &rng))
      return Step(
        command: .recordRound(site: due.id, checked: checked, fevers: entered, acceptMissingCases: false),
        actor: "demo-\(due.unit)", unit: due.unit)
    }
    let roll = Int.random(in: 0..<100, using: &rng)
    let site = sites[Int.random(in: 0..<sites.count, using: &rng)]
    let actor = "demo-\(site.unit)"
    switch roll {
    case 0..<45:
      let since = site.lastRound?.at ?? Instant(milliseconds: Int64.min)
      let entered = state.feverCases.filter { $0.site == site.id && $0.at > since }.count
      let checked = max(entered, Int.random(in: 4...40, using: &rng))
      return Step(
        command: .recordRound(site: site.id, checked: checked, fevers: entered, acceptMissingCases: false),
        actor: actor, unit: site.unit)
    case 45..<65:
      let areas = ["值班室", "大门岗亭", "办公区", "电梯间", "楼道"]
      let area = areas[Int.random(in: 0..<areas.count, using: &rng)]
      return Step(
        command: .recordDisinfection(site: site.id, area: area, agent: "84消毒液", by: ""), actor: actor, unit: site.unit)
    case 65..<70:
      return Step(command: .recordVentilation(site: site.id), actor: actor, unit: site.unit)
    case 70..<92:
      let lines = state.stock.values.filter { $0.balance.milli > 2000 }.sorted {
        ($0.unit, $0.item) < ($1.unit, $1.item)
      }
      guard !lines.isEmpty else { return nil }
      let line = lines[Int.random(in: 0..<lines.count, using: &rng)]
      let whole = state.items[line.item]?.wholePieces ?? true
      let q =
        whole ? Quantity(Int64.random(in: 1...max(1, line.balance.milli / 50_000), using: &rng)) : Quantity(milli: 500)
      return Step(
        command: .issueStock(unit: line.unit, item: line.item, quantity: q, reason: "日常领用"), actor: "demo-\(line.unit)",
        unit: line.unit)
    case 92..<97:
      guard let reserve = state.reserveUnit, let item = state.orderedItems.first?.id else { return nil }
      return Step(
        command: .receiveStock(unit: reserve, item: item, quantity: Quantity(500), kind: .donation, reason: "社会捐赠"),
        actor: "demo-\(reserve)", unit: reserve)
    default:
      let names = ["张伟", "李娜", "王强", "刘洋", "陈静"]
      let name = names[Int.random(in: 0..<names.count, using: &rng)]
      let reading = Celsius(tenths: Int.random(in: 373...386, using: &rng))
      return Step(
        command: .recordFever(site: site.id, personName: name, reading: reading), actor: actor, unit: site.unit)
    }
  }
}
