import CordonModel
import EventSourcing

/// The checkpoint pane's order, kept change by change as the alert queue
/// is: a fever alert raised or resolved, a round, a disinfection, an
/// opening or a closing moves its site only, so a data change costs the
/// same with 50 or 5,000 sites. Built whole when the organisation or the
/// teams change, for a state it cannot follow, and when the minute turns
/// (overdue and today's disinfections go by the clock).
struct CheckpointOrder: Sendable {
  /// Where a site stands: (when grouped) its unit's registration rank, then
  /// the most urgent first, then registration order. Compared on data; never ties.
  struct Place: Comparable, Sendable {
    var group: Int
    /// Fever 100, overdue 10, disinfections short 1.
    var urgency: Int
    var order: Int
    var fever: Bool { urgency >= 100 }
    static func < (a: Place, b: Place) -> Bool { (a.group, -a.urgency, a.order) < (b.group, -b.urgency, b.order) }
  }

  struct Entry: Sendable {
    var place: Place
    var site: String
  }

  /// The state the order reflects.
  private(set) var state: CordonState
  /// The moment its urgencies were taken at.
  let now: Instant
  let grouped: Bool
  private(set) var order: [Entry] = []
  /// Each shown (not retired) site's place.
  private(set) var places: [String: Place] = [:]
  /// Team members deployed per site at `now` (the staff figure counts them).
  let deployed: [String: Int]

  /// `feverSites`: active fever alerts per site, as `AlertQueue.feverSites` counts them.
  init(_ state: CordonState, now: Instant, grouped: Bool, feverSites: [String: Int]) {
    self.state = state
    self.now = now
    self.grouped = grouped
    deployed = state.deployedCounts(at: now)
    let cal = state.calendar
    let today = cal.day(of: now)
    let unitRank: [String: Int] =
      grouped ? Dictionary(state.unitOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) : [:]
    var rank = 0
    for id in state.siteOrder {
      guard let site = state.sites[id], site.retiredAt == nil else { continue }
      let urgency = Self.urgency(site, fever: feverSites[id] != nil, now: now, today: today, calendar: cal)
      let place = Place(group: unitRank[site.unit] ?? 0, urgency: urgency, order: rank)
      places[id] = place
      order.append(Entry(place: place, site: id))
      rank += 1
    }
    order.sort { $0.place < $1.place }
  }

  /// Fever 100, overdue 10, today's disinfections short 1.
  static func urgency(_ site: Site, fever: Bool, now: Instant, today: Int, calendar: LocalCalendar) -> Int {
    let short = site.disinfections(onDay: today, calendar: calendar) < site.disinfectionsPerDay
    return (fever ? 100 : 0) + (site.isOverdue(at: now) ? 10 : 0) + (short ? 1 : 0)
  }

  /// Active fever alerts per site, counted from the alerts (when there is no alert queue to read them from).
  static func feverSites(_ state: CordonState) -> [String: Int] {
    var out: [String: Int] = [:]
    for a in state.alerts.values where AlertQueue.countsAsFever(a) {
      if let site = a.site { out[site, default: 0] += 1 }
    }
    return out
  }

  /// Whether it reflects `state` at `now`'s minute, grouped or not.
  func reflects(_ s: CordonState, now t: Instant, grouped g: Bool) -> Bool {
    g == grouped && s.lastSeq == state.lastSeq && s.changeTrail.lineage == state.changeTrail.lineage
      && AlertQueue.sameMinute(t, now)
  }

  /// The parts of the state whose change may move any site: then the order is built whole.
  static let rebuiltOn: ChangeTrail.Areas = [.organisation, .wholesale]

  /// Moves to `next`, a later state of the same journal, re-placing only
  /// the sites the changes name (a fever alert's site, a round's, …);
  /// false (and unchanged) when it cannot follow. `feverSites` reflects `next`.
  mutating func advance(to next: CordonState, now t: Instant, grouped g: Bool, feverSites: [String: Int]) -> Bool {
    guard g == grouped, AlertQueue.sameMinute(t, now), next.lastSeq >= state.lastSeq,
      let changes = next.changeTrail.changes(since: state.lastSeq, lineage: state.changeTrail.lineage),
      changes.areas.isDisjoint(with: Self.rebuiltOn), !changes.unnamedCheckpoints
    else { return false }
    var touched = changes.sites
    for key in changes.alerts where key.rule == .fever {
      if let site = state.alerts[key]?.site { touched.insert(site) }
      if let site = next.alerts[key]?.site { touched.insert(site) }
    }
    let cal = next.calendar
    let today = cal.day(of: now)
    for id in touched {
      guard let old = places[id], let site = next.sites[id] else { continue }
      var new = old
      new.urgency = Self.urgency(site, fever: feverSites[id] != nil, now: now, today: today, calendar: cal)
      guard new != old else { continue }
      if let i = position(of: old) { order.remove(at: i) }
      order.insert(Entry(place: new, site: id), at: insertion(of: new))
      places[id] = new
    }
    state = next
    return true
  }

  /// The first entry not before `place`.
  func insertion(of place: Place) -> Int {
    var (lo, hi) = (0, order.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if order[mid].place < place { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// Where the entry with exactly this place is.
  func position(of place: Place) -> Int? {
    let i = insertion(of: place)
    return i < order.count && order[i].place == place ? i : nil
  }

  /// Where the site `id` is.
  func position(ofSite id: String) -> Int? { places[id].flatMap { position(of: $0) } }
}
