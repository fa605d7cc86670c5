import EventSourcing

/// What the incremental rules look up by subject, derived from the state so
/// a command reads the few records it touches instead of scanning them all:
/// fever cases by site, shifts by person, and shifts by unit and role in
/// order of their end. `CordonState.apply` keeps it up to date. It is never
/// encoded (a snapshot stays the state alone) nor compared; a decoded state
/// has none until `CordonState.buildRuleIndex()`, and until then every
/// lookup scans, with the same answer.
public struct RuleIndex: Sendable, Codable, Equatable {
  /// False for a decoded state, until built.
  public internal(set) var isBuilt = true
  /// Each site's fever cases, newest first (as `feverCases` holds them).
  var feverBySite: [String: NewestFirst<FeverCase>] = [:]
  /// Shift ids by person, for the overlap and rest checks of assigning and
  /// swapping, which would otherwise read every shift of the group. A swap
  /// adds each shift to the other person too: lookups check the person, so
  /// an id left under its former person is harmless.
  var shiftsByPerson: [String: Set<String>] = [:]
  /// Shift ids by "unit/role", in order of their end: what covers a role
  /// now or next is the few shifts at the end of the list, not the role's
  /// whole roster history (coverage is read before and after each command).
  /// A shift's unit, role and times never change once assigned.
  var shiftEnds: [String: ShiftEnds] = [:]
  /// The clock-driven rules' due-time queue (DueQueue.swift).
  public internal(set) var due = DueQueue()

  public init() {}

  init(of state: CordonState) {
    for c in state.feverCases.reversed() { feverBySite[c.site, default: []].prepend(c) }
    var ends: [String: [(entry: ShiftEnds.Entry, start: Int64)]] = [:]
    for s in state.shifts.values {
      shiftsByPerson[s.person, default: []].insert(s.id)
      ends[Self.unitRole(s.unit, s.role), default: []].append(
        (ShiftEnds.Entry(end: s.end.milliseconds, id: s.id), s.start.milliseconds))
    }
    shiftEnds = ends.mapValues { ShiftEnds(sorting: $0) }
  }

  static func unitRole(_ unit: String, _ role: DutyRole) -> String { "\(unit)/\(role.rawValue)" }

  /// Retention rebuilds it (`CordonState.apply`); other events add to it.
  /// `shifts` is the state's, after the event.
  mutating func apply(_ event: CordonEvent, shifts: [String: Shift]) {
    guard isBuilt else { return }
    switch event {
    case .feverRecorded(let c): feverBySite[c.site, default: []].prepend(c)
    case .shiftAssigned(let s):
      shiftsByPerson[s.person, default: []].insert(s.id)
      shiftEnds[Self.unitRole(s.unit, s.role), default: ShiftEnds()].insert(
        .init(end: s.end.milliseconds, id: s.id), start: s.start.milliseconds)
    case .shiftsSwapped(let a, let b):
      for id in [a, b] {
        if let person = shifts[id]?.person { shiftsByPerson[person, default: []].insert(id) }
      }
    default: break
    }
  }

  /// Derived, so every index equals every other.
  public static func == (a: RuleIndex, b: RuleIndex) -> Bool { true }
  public init(from decoder: Decoder) throws { isBuilt = false }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encodeNil()
  }
}

extension KeyedEncodingContainer {
  /// The rule index is left out of a state's encoding.
  public mutating func encode(_ value: RuleIndex, forKey key: Key) throws {}
}

extension KeyedDecodingContainer {
  /// A state encoded without a rule index (all of them) decodes with an unbuilt one.
  public func decode(_ type: RuleIndex.Type, forKey key: Key) throws -> RuleIndex {
    var index = RuleIndex()
    index.isBuilt = false
    return index
  }
}

extension CordonState {
  /// Builds the rule index of a decoded state, once; a no-op when it is built.
  public mutating func buildRuleIndex() {
    guard !ruleIndex.isBuilt else { return }
    ruleIndex = RuleIndex(of: self)
  }

  /// A site's fever cases, newest first.
  func feverCases(atSite site: some StringProtocol) -> NewestFirst<FeverCase> {
    ruleIndex.isBuilt ? ruleIndex.feverBySite[String(site)] ?? [] : NewestFirst(feverCases.filter { $0.site == site })
  }

  /// A unit's shifts in one role that end after `t`, in order of their end.
  public func shifts(ofUnit unit: String, role: DutyRole, endingAfter t: Instant) -> [Shift] {
    guard ruleIndex.isBuilt else {
      return shifts.values.filter { $0.unit == unit && $0.role == role && $0.end > t }.sorted {
        ($0.end, $0.id) < ($1.end, $1.id)
      }
    }
    guard let ends = ruleIndex.shiftEnds[RuleIndex.unitRole(unit, role)] else { return [] }
    return ends.entries(endingAfter: t.milliseconds).compactMap { shifts[$0.id] }
  }

  /// A unit's shifts in one role that end after `t` and start by
  /// `horizon`, in order of their end: who is on now (`horizon` = `t`) or
  /// soon. Only the shifts ending by `horizon` plus the role's longest are
  /// read, not the roster planned ahead.
  public func shifts(ofUnit unit: String, role: DutyRole, endingAfter t: Instant, startingBy horizon: Instant)
    -> [Shift]
  {
    var out: [Shift] = []
    visitShifts(ofUnit: unit, role: role, endingAfter: t) { s, longest in
      guard s.end.milliseconds.clampedSubtracting(longest) <= horizon.milliseconds else { return false }
      if s.start <= horizon { out.append(s) }
      return true
    }
    return out
  }

  /// Visits a unit's shifts in one role that end after `t`, in order of
  /// their end, while `body` returns true. `body` is told the role's longest
  /// shift (ms; `Int64.max` when unknown): a shift ending at `e` started at
  /// or after `e − longest`, so a visit can stop once no shift ending later
  /// can matter.
  public func visitShifts(
    ofUnit unit: String, role: DutyRole, endingAfter t: Instant, _ body: (Shift, _ longest: Int64) -> Bool
  ) {
    guard ruleIndex.isBuilt else {
      for s in shifts(ofUnit: unit, role: role, endingAfter: t) { guard body(s, .max) else { return } }
      return
    }
    guard let ends = ruleIndex.shiftEnds[RuleIndex.unitRole(unit, role)] else { return }
    ends.forEach(endingAfter: t.milliseconds) { e in shifts[e.id].map { body($0, ends.longest) } ?? true }
  }

  /// Every shift that ends after `t`, in id order: what is on now or still to come.
  public func shifts(endingAfter t: Instant) -> [Shift] {
    guard ruleIndex.isBuilt else { return shifts.values.filter { $0.end > t }.sorted { $0.id < $1.id } }
    return ruleIndex.shiftEnds.values.flatMap { ends in
      ends.entries(endingAfter: t.milliseconds).compactMap { shifts[$0.id] }
    }.sorted { $0.id < $1.id }
  }

  /// The latest end at or before `t` of a unit's shifts in one role that
  /// count (not cancelled, not a no-show); the epoch when there is none.
  public func lastCountedEnd(ofUnit unit: String, role: DutyRole, atOrBefore t: Instant) -> Instant {
    guard ruleIndex.isBuilt else {
      return shifts.values.lastCountedEnd(atOrBefore: t) { $0.unit == unit && $0.role == role }
    }
    guard let ends = ruleIndex.shiftEnds[RuleIndex.unitRole(unit, role)] else { return Instant(milliseconds: 0) }
    let last = ends.last(endingAtOrBefore: t.milliseconds) { shifts[$0.id]?.counts == true }
    return last.flatMap { shifts[$0.id]?.end } ?? Instant(milliseconds: 0)
  }

  /// A person's shifts, in no particular order.
  public func shifts(ofPerson person: String) -> [Shift] {
    guard ruleIndex.isBuilt else { return shifts.values.filter { $0.person == person } }
    return (ruleIndex.shiftsByPerson[person] ?? []).compactMap { shifts[$0] }.filter { $0.person == person }
  }
}

extension Sequence<Shift> {
  /// The latest end at or before `t` of the shifts that count and pass
  /// `filter`; the epoch when there is none. The scan behind the index's answer.
  func lastCountedEnd(atOrBefore t: Instant, where filter: (Shift) -> Bool) -> Instant {
    var best = Instant(milliseconds: 0)
    for s in self where s.counts && s.end <= t && s.end > best && filter(s) { best = s.end }
    return best
  }
}
