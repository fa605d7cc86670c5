import EventSourcing

/// A reading at or above the fever threshold is a critical alert naming the
/// person and the site. One alert per person and site; a second fever there repeats it.
public struct FeverRule: AlertRule {
  public var id: RuleID { .fever }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    var newest: [String: FeverCase] = [:]
    for c in state.feverCases where c.reading >= state.settings.feverThreshold {
      let subject = "\(c.site)/\(c.personName)"
      if let n = newest[subject], n.at >= c.at { continue }
      newest[subject] = c
    }
    var out: [AlertCondition] = newest.keys.sorted().compactMap { subject in
      guard let c = newest[subject] else { return nil }
      return AlertCondition(
        key: AlertKey(rule: .fever, subject: subject), severity: .critical, unit: state.sites[c.site]?.unit ?? "",
        site: c.site, args: [c.personName, c.site, c.reading.description], occurrence: c.at, autoResolves: false)
    }
    // A morning check at or above the threshold in the daily register is a fever too.
    let today = state.calendar.day(of: now)
    for day in [today - 1, today] {
      for (person, e) in (state.health[day] ?? [:]).sorted(by: { $0.key < $1.key }) {
        guard let t = e.morningCheck, t >= state.settings.feverThreshold, let p = state.people[person] else { continue }
        out.append(
          AlertCondition(
            key: AlertKey(rule: .fever, subject: "register/\(person)"), severity: .critical, unit: p.unit, site: nil,
            args: [p.name, p.unit, t.description], occurrence: state.calendar.startOfDay(day), autoResolves: false))
      }
    }
    return out
  }
}

/// An open site that has not reported within its interval is overdue. It
/// clears itself when the round arrives. Overdue exactly at the due time.
public struct RoundOverdueRule: AlertRule {
  public var id: RuleID { .roundOverdue }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.orderedSites.compactMap { site in
      guard site.isOverdue(at: now) else { return nil }
      return AlertCondition(
        key: AlertKey(rule: .roundOverdue, subject: site.id), severity: .warning, unit: site.unit, site: site.id,
        args: [site.id, String(site.reportIntervalMinutes)], occurrence: site.reportDue, autoResolves: true)
    }
  }
}

/// A site short of its required disinfections when its day ended. The
/// deadline is local midnight; the miss stays on the queue until a person
/// resolves it, since no later disinfection undoes it.
public struct DisinfectionShortRule: AlertRule {
  public var id: RuleID { .disinfectionShort }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    let cal = state.calendar
    let yesterday = cal.day(of: now) - 1
    let deadline = cal.startOfDay(yesterday + 1)
    return state.orderedSites.compactMap { site in
      // A site registered during the day it would be judged on gets no verdict for that day.
      guard site.disinfectionsPerDay > 0, site.registeredAt < cal.startOfDay(yesterday) else { return nil }
      let done = site.disinfections(onDay: yesterday, calendar: cal)
      guard done < site.disinfectionsPerDay else { return nil }
      return AlertCondition(
        key: AlertKey(rule: .disinfectionShort, subject: site.id), severity: .warning, unit: site.unit, site: site.id,
        args: [site.id, String(done), String(site.disinfectionsPerDay), cal.formatDay(yesterday)],
        occurrence: deadline, autoResolves: false)
    }
  }
}
