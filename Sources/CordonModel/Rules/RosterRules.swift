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
        guard let gap = Self.firstGap(shifts, from: now, to: horizon) else { continue }
        // The occurrence must not move with the clock: a gap that is already
        // open began when the last shift before it ended.
        let began = gap > now ? gap : lastEnd(state, unit.id, role, before: now)
        out.append(
          AlertCondition(
            key: AlertKey(rule: .roleUncovered, subject: "\(unit.id)/\(role.rawValue)"),
            severity: gap <= now ? .critical : .warning, unit: unit.id, site: nil,
            args: [unit.id, role.rawValue, state.calendar.formatTime(gap)], occurrence: began,
            autoResolves: true))
      }
    }
    return out
  }

  private func lastEnd(_ state: CordonState, _ unit: String, _ role: DutyRole, before t: Instant) -> Instant {
    var best = Instant(milliseconds: 0)
    for s in state.shifts.values where s.unit == unit && s.role == role && s.counts && s.end <= t && s.end > best {
      best = s.end
    }
    return best
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
    state.shifts.keys.sorted().compactMap { id in
      guard let s = state.shifts[id], s.noShow, !s.cancelled, s.end > now.adding(minutes: -24 * 60) else { return nil }
      return AlertCondition(
        key: AlertKey(rule: .noShow, subject: s.id), severity: .warning, unit: s.unit, site: s.site,
        args: [state.personName(s.person), s.unit, s.role.rawValue, state.calendar.format(s.start)],
        occurrence: s.start, autoResolves: false)
    }
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
    let grace = Int64(state.settings.signInGraceMinutes)
    return state.shifts.values.filter {
      $0.counts && $0.signedIn == nil && $0.end > now && $0.start.adding(minutes: grace) <= now
    }
    .sorted { $0.id < $1.id }
    .map { s in
      AlertCondition(
        key: AlertKey(rule: .signInMissing, subject: s.id), severity: .warning, unit: s.unit, site: s.site,
        args: [state.personName(s.person), s.unit, s.role.rawValue, state.calendar.format(s.start)],
        occurrence: s.start.adding(minutes: grace), autoResolves: true)
    }
  }
}
