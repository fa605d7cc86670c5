import CordonModel
import EventSourcing

/// The alert queue's order and the counts read from it, kept up to date
/// change by change from the state's change trail: a new, acknowledged or
/// resolved alert moves one entry, so a data change costs the same with
/// 10 or 10,000 alerts open. Built whole for a state it cannot follow
/// (another journal's, the past, too many records on) and when the minute
/// turns (silences end with time).
struct AlertQueue: Sendable {
  /// Where an alert stands in the queue: active alerts first, then by severity, then the oldest; compared on data.
  struct Place: Comparable, Sendable {
    var rank: Int
    var severity: Int
    var firstSeen: Instant
    /// Unique per alert: places never tie.
    var number: Int
    init(_ a: Alert, now: Instant) {
      rank = a.state == .resolved ? 3 : a.isSilenced(at: now) ? 2 : a.state == .open ? 0 : 1
      severity = -a.severity.rawValue
      firstSeen = a.firstSeen
      number = a.number
    }
    static func < (a: Place, b: Place) -> Bool {
      (a.rank, a.severity, a.firstSeen, a.number) < (b.rank, b.severity, b.firstSeen, b.number)
    }
  }

  struct Entry: Sendable {
    var place: Place
    var key: AlertKey
  }

  /// The state the queue reflects.
  private(set) var state: CordonState
  /// The moment its places were taken at.
  let now: Instant
  private(set) var order: [Entry] = []
  /// Active, unsilenced alerts by severity.
  private(set) var active: [Severity: Int] = [:]
  /// Active fever alerts per site.
  private(set) var feverSites: [String: Int] = [:]
  /// Active alerts per rule (silenced ones too).
  private(set) var activeByRule: [RuleID: Int] = [:]

  init(_ state: CordonState, now: Instant) {
    self.state = state
    self.now = now
    order.reserveCapacity(state.alerts.count)
    for a in state.alerts.values {
      order.append(Entry(place: Place(a, now: now), key: a.key))
      count(a, 1)
    }
    order.sort { $0.place < $1.place }
  }

  /// Whether it reflects `state` at `now`'s minute.
  func reflects(_ s: CordonState, now t: Instant) -> Bool {
    s.lastSeq == state.lastSeq && s.changeTrail.lineage == state.changeTrail.lineage && Self.sameMinute(t, now)
  }

  static func sameMinute(_ a: Instant, _ b: Instant) -> Bool { a.milliseconds / 60_000 == b.milliseconds / 60_000 }

  /// Moves to `next`, a later state of the same journal, re-placing only
  /// the alerts that changed; false (and unchanged) when it cannot follow.
  mutating func advance(to next: CordonState, now t: Instant) -> Bool {
    guard Self.sameMinute(t, now), next.lastSeq >= state.lastSeq,
      let changes = next.changeTrail.changes(since: state.lastSeq, lineage: state.changeTrail.lineage),
      !changes.areas.contains(.wholesale)
    else { return false }
    for key in changes.alerts {
      if let old = state.alerts[key], let i = position(of: Place(old, now: now)) {
        order.remove(at: i)
        count(old, -1)
      }
      if let new = next.alerts[key] {
        let place = Place(new, now: now)
        order.insert(Entry(place: place, key: key), at: insertion(of: place))
        count(new, 1)
      }
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

  /// Where the alert `key` is.
  func position(of key: AlertKey) -> Int? { state.alerts[key].flatMap { position(of: Place($0, now: now)) } }

  /// An alert that marks its site as having a fever case open.
  static func countsAsFever(_ a: Alert) -> Bool { a.key.rule == .fever && a.isActive }

  private mutating func count(_ a: Alert, _ d: Int) {
    if a.isActive && !a.isSilenced(at: now) { active[a.severity, default: 0] += d }
    if a.isActive {
      let n = (activeByRule[a.key.rule] ?? 0) + d
      activeByRule[a.key.rule] = n > 0 ? n : nil
    }
    if Self.countsAsFever(a), let site = a.site {
      let n = (feverSites[site] ?? 0) + d
      feverSites[site] = n > 0 ? n : nil
    }
  }
}
