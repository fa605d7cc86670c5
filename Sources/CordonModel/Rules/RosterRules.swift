import EventSourcing

/// Key units must have every role covered around the clock. A gap now or
/// within the look-ahead (2 h by default) is an alert: critical when the gap
/// is now, a warning when it is coming.
public struct RoleCoverageRule: AlertRule {
  public var id: RuleID { .roleUncovered }
  public init() {}

  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    let horizon = now.adding(minutes: Int64(state.settings.coverageLookaheadMinutes))
    var out: [AlertCondition] = []
    let byUnitRole = Dictionary(
      grouping: state.shifts.values.filter { $0.counts && $0.end > now && $0.start <= horizon }
    ) {
      "\($0.unit)/\($0.role.rawValue)"
    }
    for unit in state.orderedUnits where unit.isKey {
      for role in DutyRole.allCases {
        let shifts = byUnitRole["\(unit.id)/\(role.rawValue)"] ?? []
        // The whole evaluation (the oracle) scans, not the index.
        let c = condition(
          unit.id, role, upcoming: shifts,
          lastEnd: { state.shifts.values.lastCountedEnd(atOrBefore: now) { $0.unit == unit.id && $0.role == role } },
          state, now)
        if let c { out.append(c) }
      }
    }
    return out
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .shiftAssigned(let s): .only(["\(s.unit)/\(s.role.rawValue)"])
    case .shiftCancelled(let id, _), .noShowMarked(let id):
      // A shift the same command assigned is not in `state` yet.
      state.shifts[id].map { .only(["\($0.unit)/\($0.role.rawValue)"]) } ?? .all
    case .unitRegistered, .unitUpdated, .unitRetired, .settingsChanged, .retentionApplied: .all
    default: .none
    }
  }

  /// The subject is "unit/role" (a role's name has no "/").
  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let slash = subject.lastIndex(of: "/"),
      let role = DutyRole(rawValue: String(subject[subject.index(after: slash)...])),
      let unit = state.units[String(subject[..<slash])], !unit.isRetired, unit.isKey
    else { return nil }
    let horizon = now.adding(minutes: Int64(state.settings.coverageLookaheadMinutes))
    // Through the index: the shifts not yet ended, and the last end before now, not the role's whole history.
    let upcoming = state.shifts(ofUnit: unit.id, role: role, endingAfter: now, startingBy: horizon).filter(\.counts)
    return condition(
      unit.id, role, upcoming: upcoming,
      lastEnd: { state.lastCountedEnd(ofUnit: unit.id, role: role, atOrBefore: now) }, state, now)
  }

  /// Units in registration order, then roles in their order.
  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    func key(_ c: AlertCondition) -> (Int, Int) {
      let role = c.key.subject.split(separator: "/").last.flatMap { DutyRole(rawValue: String($0)) }
      return (state.unitOrder.firstIndex(of: c.unit) ?? 0, role?.rank ?? 0)
    }
    return conditions.sorted { key($0) < key($1) }
  }

  private func condition(
    _ unit: String, _ role: DutyRole, upcoming: [Shift], lastEnd: () -> Instant, _ state: CordonState,
    _ now: Instant
  ) -> AlertCondition? {
    let horizon = now.adding(minutes: Int64(state.settings.coverageLookaheadMinutes))
    guard let gap = Self.firstGap(upcoming, from: now, to: horizon) else { return nil }
    // The occurrence must not move with the clock: a gap that is already
    // open began when the last shift before it ended.
    let began = gap > now ? gap : lastEnd()
    return AlertCondition(
      key: AlertKey(rule: .roleUncovered, subject: "\(unit)/\(role.rawValue)"),
      severity: gap <= now ? .critical : .warning, unit: unit, site: nil,
      args: [unit, role.rawValue, state.calendar.formatTime(gap)], occurrence: began,
      autoResolves: true)
  }

  /// The first instant in [from, to] that no shift covers, or nil. The
  /// look-ahead is inclusive: a gap starting exactly two hours from now is
  /// within the next two hours.
  static func firstGap(_ shifts: [Shift], from: Instant, to: Instant) -> Instant? {
    var t = from
    let sorted = shifts.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    var progressed = true
    while t <= to && progressed {
      progressed = false
      for s in sorted where s.covers(t) && s.end > t {
        t = s.end
        progressed = true
      }
    }
    return t <= to ? t : nil
  }
}

/// A shift marked as a no-show is an alert until someone resolves it.
public struct NoShowRule: AlertRule {
  public var id: RuleID { .noShow }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.shifts.keys.sorted().compactMap { condition(of: $0, in: state, now: now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    shiftSubjects(touchedBy: event)
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let s = state.shifts[subject], s.noShow, !s.cancelled, s.end > now.adding(minutes: -24 * 60) else {
      return nil
    }
    return AlertCondition(
      key: AlertKey(rule: .noShow, subject: s.id), severity: .warning, unit: s.unit, site: s.site,
      args: [state.personName(s.person), s.unit, s.role.rawValue, state.calendar.format(s.start)],
      occurrence: s.start, autoResolves: false)
  }
}

/// The shifts an event may change for the rules that read one shift: the
/// shift itself, or all of them when a person's name or the settings change.
func shiftSubjects(touchedBy event: CordonEvent) -> RuleSubjects {
  switch event {
  case .shiftAssigned(let s): .only([s.id])
  case .shiftCancelled(let id, _), .noShowMarked(let id): .only([id])
  case .signedIn(let s): .only([s.shift])
  case .shiftsSwapped(let a, let b): .only([a, b])
  case .personRegistered, .personUpdated, .personRetired, .settingsChanged, .retentionApplied: .all
  default: .none
  }
}

/// No sign-in `signInGraceMinutes` (15 by default) after a shift's start is an
/// alert for the unit until the person signs in or the shift ends, so a missed
/// shift shows without anyone marking it. A shift marked as a no-show has its
/// own alert instead.
public struct SignInMissingRule: AlertRule {
  public var id: RuleID { .signInMissing }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.shifts.values.sorted { $0.id < $1.id }.compactMap { condition($0, state, now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    shiftSubjects(touchedBy: event)
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    state.shifts[subject].flatMap { condition($0, state, now) }
  }

  private func condition(_ s: Shift, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    let grace = Int64(state.settings.signInGraceMinutes)
    guard s.counts && s.signedIn == nil && s.end > now && s.start.adding(minutes: grace) <= now else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .signInMissing, subject: s.id), severity: .warning, unit: s.unit, site: s.site,
      args: [state.personName(s.person), s.unit, s.role.rawValue, state.calendar.format(s.start)],
      occurrence: s.start.adding(minutes: grace), autoResolves: true)
  }
}
