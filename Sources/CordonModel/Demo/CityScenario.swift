import EventSourcing

/// A city's organisation and a year of its duty-room traffic, generated from
/// a seed (`cordon-bench city`, issue 19): units, checkpoints and people, then
/// day after day temperature rounds, disinfections, ventilations, shifts
/// assigned, duty-log entries, stock received, and fevers
/// whose alerts are acknowledged and resolved, except the last `openAlerts`,
/// which stay open at the year's end. Pure: commands and the times they
/// happen at; the bench feeds them to the store, a test to `decide`.
public struct CityScenario: Sendable {
  public struct Size: Sendable, Equatable, CustomStringConvertible {
    public var units: Int
    public var sites: Int
    public var people: Int
    public var openAlerts: Int
    /// About how many events the year holds (the organisation excluded).
    public var events: Int

    public init(units: Int, sites: Int, people: Int, openAlerts: Int, events: Int) {
      self.units = units
      self.sites = sites
      self.people = people
      self.openAlerts = openAlerts
      self.events = events
    }

    /// The city: 200 units, 5,000 sites, 100,000 people, 10,000
    /// open alerts, ten million events over the year.
    public static let full = Size(units: 200, sites: 5_000, people: 100_000, openAlerts: 10_000, events: 10_000_000)

    /// Every figure times `factor`, with a floor that keeps the year's shape.
    public func scaled(_ factor: Double) -> Size {
      func s(_ n: Int, _ floor: Int) -> Int { max(floor, Int((Double(n) * factor).rounded())) }
      return Size(
        units: s(units, 4), sites: s(sites, 20), people: s(people, 40), openAlerts: s(openAlerts, 10),
        events: s(events, 20_000))
    }

    public var description: String {
      "\(units) units, \(sites) sites, \(people) people, \(openAlerts) open alerts, ~\(events) events over 365 days"
    }
  }

  public let size: Size
  public let seed: UInt64
  /// Midnight (local) of the year's first day.
  public let start: Instant
  public let calendar: LocalCalendar
  public static let days = 365

  public init(size: Size, seed: UInt64, start: Instant, calendar: LocalCalendar = CordonState().calendar) {
    self.size = size
    self.seed = seed
    self.calendar = calendar
    self.start = calendar.startOfDay(calendar.day(of: start))
  }

  public func unitID(_ i: Int) -> String { i == 0 ? DemoOrganisation.headquarters : "u\(i)" }
  public func siteID(_ i: Int) -> String { "s\(i)" }
  public func personID(_ i: Int) -> String { "p\(i)" }
  /// Units other than HQ own the sites and the people.
  private func ownerUnit(_ i: Int) -> Int { 1 + i % max(1, size.units - 1) }

  /// The organisation as `register` commands of at most 5,000 events each,
  /// then every site opened.
  public func organisation() -> [CordonCommand] {
    var events: [CordonEvent] = []
    for u in 0..<size.units {
      events.append(
        .unitRegistered(
          OrgUnit(
            id: unitID(u), name: .init(zh: u == 0 ? "市指挥部" : "第\(u)单位", en: u == 0 ? "City HQ" : "Unit \(u)"),
            isKey: u % 10 == 1, isHeadquarters: u == 0, holdsReserve: u == 0)))
    }
    events += DemoOrganisation.items.map { .itemRegistered($0) }
    let kinds: [SiteKind] = [.compoundCheckpoint, .heatStation, .office]
    for s in 0..<size.sites {
      events.append(
        .siteRegistered(
          SiteSpec(
            id: siteID(s), unit: unitID(ownerUnit(s)), name: .init(zh: "卡口\(s)", en: "Checkpoint \(s)"),
            kind: kinds[s % kinds.count], roundsPerDay: 3)))
    }
    for p in 0..<size.people {
      events.append(
        .personRegistered(
          Person(
            id: personID(p), name: "人员\(p)", unit: unitID(ownerUnit(p)), phone: "138\(10_000_000 + p)",
            categories: [.onDuty])))
    }
    var out: [CordonCommand] = []
    var i = 0
    while i < events.count {
      out.append(.register(Array(events[i..<min(events.count, i + 5_000)])))
      i += 5_000
    }
    let open = (0..<size.sites).map { CordonCommand.openSite(site: siteID($0), staff: 2) }
    i = 0
    while i < open.count {
      out.append(.batch(Array(open[i..<min(open.count, i + 5_000)])))
      i += 5_000
    }
    return out
  }

  /// The key of fever `i`'s alert (the fever rule's subject is site/name).
  public func feverAlert(_ i: Int) -> AlertKey {
    AlertKey(rule: .fever, subject: "\(siteID(feverSite(i)))/\(feverName(i))")
  }
  private func feverSite(_ i: Int) -> Int { (i &* 7_919) % size.sites }
  private func feverName(_ i: Int) -> String { "发热\(i)" }

  /// Fevers over the year: twice the alerts left open, the first half
  /// acknowledged and resolved the day after.
  public var fevers: Int { 2 * size.openAlerts }

  /// Calls `body` with each batch of the year in time order: when it
  /// happens and its commands (at most `batchSize`, all planned within 30
  /// minutes of the batch's time).
  public func forEachBatch(batchSize: Int = 500, _ body: (Instant, [CordonCommand]) throws -> Void) rethrows {
    var rng = SeededRandom(seed: seed)
    let units = size.units - 1
    let perDay = size.events / Self.days
    // Fixed per day: two 12-hour shifts per unit, three log entries and a
    // stock receipt per unit, the fevers (each with its alert) and yesterday's
    // alerts acknowledged and resolved.
    let shiftEvents = units * 2
    let unitEvents = units * 4
    let feverDay = Double(fevers) / Double(Self.days)
    let checkpointEvents = max(size.sites, perDay - shiftEvents - unitEvents - Int(feverDay * 4))
    let items = DemoOrganisation.items.map(\.id)
    let unitPeople = max(1, size.people / max(1, units))
    var fever = 0
    var resolved = 0
    var staffTurn = 0
    var lastRound: [String: Instant] = [:]
    var feversSince: [String: Int] = [:]
    for day in 0..<Self.days {
      let midnight = start.adding(minutes: Int64(day) * 1_440)
      var plan: [(minute: Int, command: CordonCommand)] = []
      plan.reserveCapacity(perDay + 16)
      // Shifts 08:00-20:00 and 20:00-08:00, assigned at 06:00, each to one of
      // the unit's own people in turn.
      for u in 1..<max(2, size.units) {
        for (k, startMinute) in [480, 1_200].enumerated() {
          let person = personID((u - 1) + units * ((staffTurn + k) % unitPeople))
          let from = midnight.adding(minutes: Int64(startMinute))
          plan.append(
            (
              360,
              .assignShift(
                unit: unitID(u), site: nil, role: .officer, person: person, start: from,
                end: from.adding(minutes: 720), confirmShortRest: true)
            ))
        }
      }
      staffTurn += 2
      // Checkpoints: rounds, disinfections and ventilations, site by site.
      for n in 0..<checkpointEvents {
        let site = siteID(n % size.sites)
        let minute = 420 + (n * 900) / max(1, checkpointEvents)
        let r = rng.next()
        let command: CordonCommand =
          switch r % 20 {
          case 0..<12:
            .recordRound(site: site, checked: Int((r >> 8) % 400), fevers: 0, acceptMissingCases: false)
          case 12..<17:
            .recordDisinfection(
              site: site, area: ["门厅", "电梯", "楼道", "岗亭"][Int((r >> 16) % 4)], agent: "84消毒液", by: "消杀员")
          default:
            .recordVentilation(site: site)
          }
        plan.append((minute, command))
      }
      // Units: the duty log and stock.
      for u in 1..<max(2, size.units) {
        for k in 0..<3 {
          plan.append(
            (
              540 + k * 240 + u % 60,
              .logEntry(
                unit: unitID(u), channel: k == 0 ? .phone : .onsite, from: "街道办",
                text: "第\(day + 1)天第\(k + 1)次巡查情况正常", action: "已记录", significant: k == 2, followUpDue: nil, owner: "")
            ))
        }
        plan.append(
          (
            600 + u % 120,
            .receiveStock(
              unit: unitID(u), item: items[(day + u) % items.count], quantity: Quantity(Int64(10 + (u + day) % 90)),
              kind: .donation, reason: "社会捐赠")
          ))
      }
      // The alerts of earlier days' fevers acknowledged and resolved (all but
      // the last `openAlerts`), then today's fevers.
      while resolved < min(fever, fevers - size.openAlerts) {
        plan.append((450, .acknowledgeAlert(feverAlert(resolved))))
        plan.append((460, .resolveAlert(feverAlert(resolved), note: "已送医排查")))
        resolved += 1
      }
      let feversToday = fevers * (day + 1) / Self.days - fevers * day / Self.days
      for _ in 0..<feversToday where fever < fevers {
        plan.append(
          (
            480 + fever % 720,
            .recordFever(site: siteID(feverSite(fever)), personName: feverName(fever), reading: Celsius(tenths: 385))
          ))
        fever += 1
      }
      plan.sort { $0.minute < $1.minute }
      var batch: [CordonCommand] = []
      var batchMinute = 0
      for (minute, planned) in plan {
        if !batch.isEmpty && (batch.count >= batchSize || minute - batchMinute > 30) {
          try body(midnight.adding(minutes: Int64(batchMinute)), batch)
          batch.removeAll(keepingCapacity: true)
        }
        if batch.isEmpty { batchMinute = minute }
        var command = planned
        // A round states the fevers entered at its site since the round
        // before (the validator counts cases later than that round's time).
        let t = midnight.adding(minutes: Int64(batchMinute))
        switch planned {
        case .recordFever(let site, _, _):
          if t > (lastRound[site] ?? Instant(milliseconds: .min)) { feversSince[site, default: 0] += 1 }
        case .recordRound(let site, let checked, _, let accept):
          let fevers = feversSince.removeValue(forKey: site) ?? 0
          lastRound[site] = t
          command = .recordRound(site: site, checked: max(checked, fevers), fevers: fevers, acceptMissingCases: accept)
        default: break
        }
        batch.append(command)
      }
      if !batch.isEmpty { try body(midnight.adding(minutes: Int64(batchMinute)), batch) }
    }
  }
}
