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

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .feverRecorded(let c): .only(["\(c.site)/\(c.personName)"])
    case .healthRegistered(let e): .only(["register/\(e.person)"])
    case .personRegistered(let p), .personUpdated(let p): .only(["register/\(p.id)"])
    case .personRetired(let id): .only(["register/\(id)"])
    case .settingsChanged, .siteRegistered, .siteUpdated, .retentionApplied: .all
    default: .none
    }
  }

  /// A site's subject is "site/person name" (a site id has no "/"), the
  /// register's "register/person"; a site's fever comes first, as in `conditions`.
  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    siteCondition(subject, state) ?? registerCondition(subject, state, now)
  }

  /// Sites' fevers by subject, then the register's by day and person.
  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    func key(_ c: AlertCondition) -> (Int, Int64, String) {
      c.site == nil ? (1, c.occurrence.milliseconds, c.key.subject) : (0, 0, c.key.subject)
    }
    return conditions.sorted { key($0) < key($1) }
  }

  private func siteCondition(_ subject: String, _ state: CordonState) -> AlertCondition? {
    guard let slash = subject.firstIndex(of: "/") else { return nil }
    let site = subject[..<slash]
    let name = subject[subject.index(after: slash)...]
    var newest: FeverCase?
    for c in state.feverCases(atSite: site)
    where c.reading >= state.settings.feverThreshold && c.site == site && c.personName == name {
      if let n = newest, n.at >= c.at { continue }
      newest = c
    }
    guard let c = newest else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .fever, subject: subject), severity: .critical, unit: state.sites[c.site]?.unit ?? "",
      site: c.site, args: [c.personName, c.site, c.reading.description], occurrence: c.at, autoResolves: false)
  }

  private func registerCondition(_ subject: String, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    guard subject.hasPrefix("register/") else { return nil }
    let person = String(subject.dropFirst("register/".count))
    let today = state.calendar.day(of: now)
    for day in [today - 1, today] {
      guard let t = state.health[day]?[person]?.morningCheck, t >= state.settings.feverThreshold,
        let p = state.people[person]
      else { continue }
      return AlertCondition(
        key: AlertKey(rule: .fever, subject: subject), severity: .critical, unit: p.unit, site: nil,
        args: [p.name, p.unit, t.description], occurrence: state.calendar.startOfDay(day), autoResolves: false)
    }
    return nil
  }
}

/// An open site that has not reported within its interval is overdue. It
/// clears itself when the round arrives. Overdue exactly at the due time.
public struct RoundOverdueRule: AlertRule {
  public var id: RuleID { .roundOverdue }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.orderedSites.compactMap { condition($0, now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .roundRecorded(let id, _), .siteOpened(let id, _), .siteClosed(let id), .siteRetired(let id): .only([id])
    case .siteRegistered(let s), .siteUpdated(let s): .only([s.id])
    case .retentionApplied: .all
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let site = state.sites[subject], site.retiredAt == nil else { return nil }
    return condition(site, now)
  }

  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    state.inSiteOrder(conditions)
  }

  private func condition(_ site: Site, _ now: Instant) -> AlertCondition? {
    guard site.isOverdue(at: now) else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .roundOverdue, subject: site.id), severity: .warning, unit: site.unit, site: site.id,
      args: [site.id, String(site.reportIntervalMinutes)], occurrence: site.reportDue, autoResolves: true)
  }
}

/// A site short of its required disinfections when its day ended. The
/// deadline is local midnight; the miss stays on the queue until a person
/// resolves it, since no later disinfection undoes it.
public struct DisinfectionShortRule: AlertRule {
  public var id: RuleID { .disinfectionShort }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.orderedSites.compactMap { condition($0, state, now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    // Opening a site restarts its day (registeredAt).
    case .disinfectionRecorded(let id, _), .siteOpened(let id, _), .siteRetired(let id): .only([id])
    case .siteRegistered(let s), .siteUpdated(let s): .only([s.id])
    case .settingsChanged, .retentionApplied: .all
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let site = state.sites[subject], site.retiredAt == nil else { return nil }
    return condition(site, state, now)
  }

  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    state.inSiteOrder(conditions)
  }

  private func condition(_ site: Site, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    let cal = state.calendar
    let yesterday = cal.day(of: now) - 1
    // A site registered during the day it would be judged on gets no verdict for that day.
    guard site.disinfectionsPerDay > 0, site.registeredAt < cal.startOfDay(yesterday) else { return nil }
    let done = site.disinfections(onDay: yesterday, calendar: cal)
    guard done < site.disinfectionsPerDay else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .disinfectionShort, subject: site.id), severity: .warning, unit: site.unit, site: site.id,
      args: [site.id, String(done), String(site.disinfectionsPerDay), cal.formatDay(yesterday)],
      occurrence: cal.startOfDay(yesterday + 1), autoResolves: false)
  }
}
