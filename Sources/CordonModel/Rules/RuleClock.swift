import EventSourcing

/// How the clock alone, with no event, changes what a rule sees: what a
/// clock pass (`CordonDomain.housekeeping(updating:now:)`) evaluates of it.
public enum RuleClock: Sendable, Equatable {
  /// Never: only events change it.
  case none
  /// At local midnight: evaluated whole by the first clock pass of a local day.
  case daily
  /// At each subject's own instants (`nextChange`): the due-time queue
  /// (`DueQueue`) hands a clock pass the subjects due.
  case queued
  /// At any moment: evaluated whole by every clock pass.
  case always
}

extension AlertRule {
  public var clock: RuleClock { .always }
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? { nil }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] { [] }
}

/// The first of `instants` after `t`, or nil.
private func first(after t: Instant, _ instants: some Sequence<Instant>) -> Instant? {
  var best: Instant?
  for i in instants where i > t && (best.map { i < $0 } ?? true) { best = i }
  return best
}

extension FeverRule {
  /// The register's fevers are those of today and yesterday; a site's fevers never age.
  public var clock: RuleClock { .daily }
}

extension DisinfectionShortRule {
  /// Judged on the local day before today.
  public var clock: RuleClock { .daily }
}

extension CoverDaysRule {
  /// The burn rate is of the days up to today.
  public var clock: RuleClock { .daily }
}

extension StockLevelRule {
  public var clock: RuleClock { .none }
}

extension RoundOverdueRule {
  public var clock: RuleClock { .queued }
  /// Overdue from its report's due time on, until a round or a close.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.sites[subject].flatMap { due($0, after: t) }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.sites.values.compactMap { s in due(s, after: t).map { (s.id, $0) } }
  }
  private func due(_ site: Site, after t: Instant) -> Instant? {
    guard site.retiredAt == nil, site.isOpen, site.reportIntervalMinutes > 0 else { return nil }
    return first(after: t, [site.reportDue])
  }
}

extension RoleCoverageRule {
  public var clock: RuleClock { .queued }
  /// The gap, its severity and its start move only when the moment or the
  /// look-ahead's end crosses a counted shift's start or end.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    guard let slash = subject.lastIndex(of: "/"),
      let role = DutyRole(rawValue: String(subject[subject.index(after: slash)...]))
    else { return nil }
    let unit = String(subject[..<slash])
    // A shift that ended by `t` has every time `due` looks at (its start and
    // end, less the look-ahead) at or before `t`: only the others can be next.
    // Those are visited in order of their end; every time a shift ending at
    // `e` gives is at or after `e − longest − look-ahead`, so once that is
    // past the best found, no later one can be earlier.
    let lookahead = Int64(state.settings.coverageLookaheadMinutes) * 60_000
    var best: Instant?
    state.visitShifts(ofUnit: unit, role: role, endingAfter: t) { s, longest in
      if let b = best, s.end.milliseconds.clampedSubtracting(longest).clampedSubtracting(lookahead) >= b.milliseconds {
        return false
      }
      best = earlier(best, due(s, state, after: t))
      return true
    }
    return best
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    var byUnitRole: [String: Instant] = [:]
    for s in state.shifts.values {
      let subject = "\(s.unit)/\(s.role.rawValue)"
      if let d = earlier(byUnitRole[subject], due(s, state, after: t)) { byUnitRole[subject] = d }
    }
    return byUnitRole.map { ($0.key, $0.value) }
  }
  /// The first moment after `t` at which `s` changes what the rule says: its
  /// start or end, or either less the look-ahead; nil for a shift that does not count.
  private func due(_ s: Shift, _ state: CordonState, after t: Instant) -> Instant? {
    guard s.counts else { return nil }
    let lookahead = -Int64(state.settings.coverageLookaheadMinutes)
    return first(after: t, [s.start, s.end, s.start.adding(minutes: lookahead), s.end.adding(minutes: lookahead)])
  }
  private func earlier(_ a: Instant?, _ b: Instant?) -> Instant? {
    guard let a, let b else { return a ?? b }
    return min(a, b)
  }
}

extension NoShowRule {
  public var clock: RuleClock { .queued }
  /// A no-show stays on the list until a day after its shift's end.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.shifts[subject].flatMap { due($0, after: t) }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.shifts.values.compactMap { s in due(s, after: t).map { (s.id, $0) } }
  }
  private func due(_ s: Shift, after t: Instant) -> Instant? {
    guard s.noShow, !s.cancelled else { return nil }
    return first(after: t, [s.end.adding(minutes: 24 * 60)])
  }
}

extension SignInMissingRule {
  public var clock: RuleClock { .queued }
  /// Missing from the grace's end to the shift's end.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.shifts[subject].flatMap { due($0, state, after: t) }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.shifts.values.compactMap { s in due(s, state, after: t).map { (s.id, $0) } }
  }
  private func due(_ s: Shift, _ state: CordonState, after t: Instant) -> Instant? {
    guard s.counts, s.signedIn == nil else { return nil }
    return first(after: t, [s.start.adding(minutes: Int64(state.settings.signInGraceMinutes)), s.end])
  }
}

extension DirectiveOverdueRule {
  public var clock: RuleClock { .queued }
  /// Overdue from the deadline on, until the unit acknowledges.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    guard let slash = subject.firstIndex(of: "/"), let d = state.directives[String(subject[..<slash])] else {
      return nil
    }
    return first(after: t, [d.deadline])
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.directives.values.flatMap { d in
      first(after: t, [d.deadline]).map { due in d.pendingUnits.map { ("\(d.id)/\($0)", due) } } ?? []
    }
  }
}

extension FollowUpOverdueRule {
  public var clock: RuleClock { .queued }
  /// Overdue from its due time on, until closed.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.dutyLog[subject].flatMap { due($0, after: t) }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.dutyLog.values.compactMap { e in due(e, after: t).map { (e.id, $0) } }
  }
  private func due(_ e: LogEntry, after t: Instant) -> Instant? {
    guard e.hasOpenFollowUp, let f = e.followUp else { return nil }
    return first(after: t, [f.due])
  }
}

extension ReportUnacknowledgedRule {
  public var clock: RuleClock { .queued }
  /// Unacknowledged from its limit on.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.reports[subject].flatMap { due($0, state, after: t) }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.reports.values.compactMap { r in due(r, state, after: t).map { (r.id, $0) } }
  }
  private func due(_ r: UpReport, _ state: CordonState, after t: Instant) -> Instant? {
    guard !r.isAcknowledged, let minutes = state.ackLimitMinutes(r.priority) else { return nil }
    return first(after: t, [r.sentAt.adding(minutes: Int64(minutes))])
  }
}

extension HandoverUnconfirmedRule {
  public var clock: RuleClock { .queued }
  /// Unconfirmed from its confirmation's due time on.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    first(after: t, state.handovers.lazy.filter { $0.id == subject }.compactMap { due($0, state) })
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.handovers.compactMap { n in due(n, state).flatMap { first(after: t, [$0]) }.map { (n.id, $0) } }
  }
  private func due(_ n: HandoverNote, _ state: CordonState) -> Instant? {
    n.confirmation == nil ? n.confirmationDue(state.settings) : nil
  }
}

extension FindingOverdueRule {
  public var clock: RuleClock { .queued }
  /// Overdue from its deadline on, until rectified.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.oversight.findings[subject].flatMap { $0.isOpen ? first(after: t, [$0.deadline]) : nil }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.oversight.findings.values.compactMap { f in f.isOpen ? first(after: t, [f.deadline]).map { (f.id, $0) } : nil
    }
  }
}

extension SiteUnderstaffedRule {
  public var clock: RuleClock { .queued }
  /// The members on post there change when a deployment there starts or ends.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    first(
      after: t,
      state.oversight.deployments.values.filter { $0.site == subject }.flatMap { [$0.start, $0.effectiveEnd] })
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    var best: [String: Instant] = [:]
    for d in state.oversight.deployments.values {
      guard let due = first(after: t, [d.start, d.effectiveEnd]) else { continue }
      if best[d.site].map({ due < $0 }) ?? true { best[d.site] = due }
    }
    return best.map { ($0.key, $0.value) }
  }
}

extension ReceiverFailingRule {
  // Here rather than beside the rule (Notifier.swift): the clock of every rule is in this file.
  public var clock: RuleClock { .queued }
  /// Failing from `failingAlertMinutes` after the first failure on, until a delivery.
  public func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant? {
    state.notify.receivers[subject].flatMap { due($0, after: t) }
  }
  public func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)] {
    state.notify.routing.receivers.compactMap { name in
      state.notify.receivers[name].flatMap { due($0, after: t) }.map { (name, $0) }
    }
  }
  private func due(_ h: ReceiverHealth, after t: Instant) -> Instant? {
    h.failingSince.flatMap { first(after: t, [$0.adding(minutes: NotifyRouting.failingAlertMinutes)]) }
  }
}

extension Alert {
  /// When an unacknowledged critical alert next escalates by the clock
  /// (`AlertReconciler.escalations`): its ack timeout after it was last seen
  /// or escalated, once any silence is over. Nil: it does not.
  func escalationDue(_ settings: Settings) -> Instant? {
    guard state == .open, severity == .critical, escalationLevel < settings.maxEscalations else { return nil }
    let due = (lastEscalation ?? lastSeen).adding(minutes: Int64(settings.ackTimeoutMinutes))
    return silencedUntil.map { max($0, due) } ?? due
  }
}
