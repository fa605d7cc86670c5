import EventSourcing

/// What the incremental rules look up by subject, derived from the state so
/// a command reads the few records it touches instead of scanning them all:
/// fever cases by site, shifts by unit and by person. `CordonState.apply` keeps it up to
/// date. It is never encoded (a snapshot stays the state alone) nor
/// compared; a decoded state has none until `CordonState.buildRuleIndex()`,
/// and until then every lookup scans, with the same answer.
public struct RuleIndex: Sendable, Codable, Equatable {
  /// False for a decoded state, until built.
  public internal(set) var isBuilt = true
  /// Each site's fever cases, newest first (as `feverCases` holds them).
  var feverBySite: [String: NewestFirst<FeverCase>] = [:]
  /// Shift ids by unit.
  var shiftsByUnit: [String: Set<String>] = [:]
  /// Shift ids by person, for the overlap and rest checks of assigning and
  /// swapping, which would otherwise read every shift of the group. A swap
  /// adds each shift to the other person too: lookups check the person, so
  /// an id left under its former person is harmless.
  var shiftsByPerson: [String: Set<String>] = [:]
  /// The clock-driven rules' due-time queue (DueQueue.swift).
  public internal(set) var due = DueQueue()

  public init() {}

  init(of state: CordonState) {
    for c in state.feverCases.reversed() { feverBySite[c.site, default: []].prepend(c) }
    for s in state.shifts.values {
      shiftsByUnit[s.unit, default: []].insert(s.id)
      shiftsByPerson[s.person, default: []].insert(s.id)
    }
  }

  /// Retention rebuilds it (`CordonState.apply`); other events add to it.
  /// `shifts` is the state's, after the event.
  mutating func apply(_ event: CordonEvent, shifts: [String: Shift]) {
    guard isBuilt else { return }
    switch event {
    case .feverRecorded(let c): feverBySite[c.site, default: []].prepend(c)
    case .shiftAssigned(let s):
      shiftsByUnit[s.unit, default: []].insert(s.id)
      shiftsByPerson[s.person, default: []].insert(s.id)
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

  /// A unit's shifts, in no particular order.
  func shifts(ofUnit unit: String) -> [Shift] {
    guard ruleIndex.isBuilt else { return shifts.values.filter { $0.unit == unit } }
    return (ruleIndex.shiftsByUnit[unit] ?? []).compactMap { shifts[$0] }.filter { $0.unit == unit }
  }

  /// A person's shifts, in no particular order.
  public func shifts(ofPerson person: String) -> [Shift] {
    guard ruleIndex.isBuilt else { return shifts.values.filter { $0.person == person } }
    return (ruleIndex.shiftsByPerson[person] ?? []).compactMap { shifts[$0] }.filter { $0.person == person }
  }
}
