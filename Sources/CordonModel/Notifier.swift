import EventSourcing

/// A notification receiver whose journalled failures have gone on for
/// `NotifyRouting.failingAlertMinutes` with no delivery: the duty room must
/// know its pages are not leaving. Clears itself on the next delivery.
public struct ReceiverFailingRule: AlertRule {
  public var id: RuleID { .receiverFailing }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.notify.routing.receivers.compactMap { name in
      guard let h = state.notify.receivers[name], let since = h.failingSince,
        since.adding(minutes: NotifyRouting.failingAlertMinutes) <= now
      else { return nil }
      return AlertCondition(
        key: AlertKey(rule: .receiverFailing, subject: name), severity: .warning,
        unit: state.headquarters ?? "", site: nil, args: [name, h.lastError ?? ""], occurrence: since,
        autoResolves: true)
    }
  }

  /// Few receivers: any change to them or to the headquarters evaluates the rule whole.
  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .notificationsConfigured, .notificationQueued, .notificationDelivered, .notificationFailed,
      .notificationDropped, .unitRegistered, .unitUpdated, .unitRetired, .retentionApplied:
      .all
    default: .none
    }
  }
}

/// Decides what notifies whom: pure, from events and state, so the outbox
/// rebuilt from the journal is the outbox decided live. The sender only delivers.
public enum Notifier {
  /// Something worth telling a route about, before routing.
  struct Candidate {
    var kind: NotificationKind
    var severity: Severity
    var unit: String
    var rule: RuleID?
    var subject: String
    var text: LocalizedName
    var person: String?
    var phone: String?
    var isRepeat = false
    /// Queued on this route only (a repeat is due per route).
    var onlyRoute: String? = nil
    /// Queued on a route at most once while its last queueing is remembered (a handoff reminder).
    var once = false
  }

  /// The notifications that `events` (already applied to `after`) cause.
  public static func events(caused events: [CordonEvent], after: CordonState, now: Instant) -> [CordonEvent] {
    let routing = after.notify.routing
    guard !routing.routes.isEmpty else { return [] }
    var candidates: [Candidate] = []
    for e in events {
      switch e {
      case .alertRaised(let r): candidates += alertCandidate(r.key, after)
      case .alertReopened(let key, _, _): candidates += alertCandidate(key, after)
      case .alertSeverityChanged(let key, let severity, _) where severity == .critical:
        candidates += alertCandidate(key, after)
      case .alertEscalated(let key, let level, let step):
        guard let alert = after.alerts[key] else { continue }
        candidates.append(escalationCandidate(alert, level: level, step: step, after, now: now))
      case .directiveIssued(let d):
        for unit in d.targets {
          candidates.append(
            Candidate(
              kind: .directive, severity: .warning, unit: unit, rule: nil, subject: "\(d.id)/\(unit)",
              text: localized { s in
                s.format("notify.directive", [d.id, d.text, after.calendar.format(d.deadline)])
              }))
        }
      default: continue
      }
    }
    return queue(candidates, state: after, now: now)
  }

  /// Notifications the clock alone makes due: repeats of alerts still open
  /// and unacknowledged, and handoff reminders to the incoming person.
  public static func housekeeping(state: CordonState, now: Instant) -> [CordonEvent] {
    let routing = state.notify.routing
    guard !routing.routes.isEmpty else { return [] }
    var candidates: [Candidate] = []
    // The repeats due, found in the alerts as they are stored and put in key
    // order (then route order) afterwards: a city's 10,000 open alerts are
    // not sorted under the store's lock on every clock pass for the few due.
    var due: [(key: AlertKey, route: Int)] = []
    for (key, alert) in state.alerts where alert.state == .open && !alert.isSilenced(at: now) {
      for (i, route) in routing.routes.enumerated()
      where route.matches(kind: .alert, severity: alert.severity, rule: key.rule, unit: alert.unit) {
        guard let last = state.notify.lastQueued["\(route.name)|\(key)"],
          now.milliseconds - last.milliseconds >= Int64(route.repeatIntervalMinutes) * 60_000
        else { continue }
        due.append((key, i))
      }
    }
    due.sort { $0.key != $1.key ? $0.key < $1.key : $0.route < $1.route }
    for (key, route) in due {
      if var c = alertCandidate(key, state).first {
        c.isRepeat = true
        c.onlyRoute = routing.routes[route].name
        candidates.append(c)
      }
    }
    let horizon = now.adding(minutes: NotifyRouting.handoffLeadMinutes)
    // A shift starting after now ends after it: the index's shifts not yet
    // ended, not the whole roster sorted on every clock pass.
    for shift in state.shifts(endingAfter: now)
    where !shift.cancelled && shift.start > now && shift.start <= horizon {
      let person = state.people[shift.person]
      candidates.append(
        Candidate(
          kind: .handoff, severity: .info, unit: shift.unit, rule: nil, subject: "handoff/\(shift.id)",
          text: localized { s in
            s.format(
              "notify.handoff",
              [
                state.personName(shift.person), state.unitName(shift.unit, s.language),
                s("role.\(shift.role.rawValue)"),
                state.calendar.format(shift.start),
              ])
          }, person: shift.person, phone: person?.phone, once: true))
    }
    return queue(candidates, state: state, now: now)
  }

  /// A test notification to one receiver, bypassing routes.
  public static func test(receiver: String, actor: String, state: CordonState, now: Instant) -> CordonEvent {
    .notificationQueued(
      Notice(
        id: "N\(state.notify.serial + 1)", kind: .test, severity: .info, unit: state.headquarters ?? "",
        rule: nil, subject: "test/\(receiver)",
        text: exercise(localized { s in s.format("notify.test", [actor, receiver]) }, state), route: "test",
        receivers: [receiver],
        due: now, queuedAt: now))
  }

  /// Routes each candidate, groups what is not critical and holds it over quiet hours.
  static func queue(_ candidates: [Candidate], state: CordonState, now: Instant) -> [CordonEvent] {
    var serial = state.notify.serial
    var out: [CordonEvent] = []
    var openGroups: [String: Instant] = [:]
    // Only what is not critical joins a group: a burst of criticals with a
    // hung receiver (a thousand pending) must not read the whole outbox per alert.
    if candidates.contains(where: { $0.severity != .critical }) {
      for p in state.notify.pending.values where p.notification.due > now && p.notification.severity != .critical {
        let r = p.notification.route
        openGroups[r] = min(openGroups[r] ?? p.notification.due, p.notification.due)
      }
    }
    for c in candidates {
      for route in state.notify.routing.routes
      where !route.receivers.isEmpty && route.matches(kind: c.kind, severity: c.severity, rule: c.rule, unit: c.unit) {
        if let only = c.onlyRoute, only != route.name { continue }
        if c.once && state.notify.lastQueued["\(route.name)|\(c.subject)"] != nil { continue }
        var due = now
        if c.severity != .critical {
          due = openGroups[route.name] ?? now.adding(seconds: Int64(route.groupWaitSeconds))
          if let q = route.quietHours { due = after(quiet: q, due, state.calendar) }
          if due > now { openGroups[route.name] = due }
        }
        serial += 1
        out.append(
          .notificationQueued(
            Notice(
              id: "N\(serial)", kind: c.kind, severity: c.severity, unit: c.unit, rule: c.rule, subject: c.subject,
              text: exercise(c.text, state), person: c.person, phone: c.phone, route: route.name,
              receivers: route.receivers, due: due,
              queuedAt: now, isRepeat: c.isRepeat)))
      }
    }
    return out
  }

  /// `t`, or the end of the quiet window it falls in.
  static func after(quiet q: QuietHours, _ t: Instant, _ calendar: LocalCalendar) -> Instant {
    let m = calendar.minuteOfDay(t)
    guard q.contains(minuteOfDay: m) else { return t }
    let wait = Int64(((q.endMinute - m) % 1440 + 1440) % 1440)
    let minuteStart = Instant(milliseconds: t.milliseconds - ((t.milliseconds % 60_000) + 60_000) % 60_000)
    return minuteStart.adding(minutes: wait)
  }

  static func alertCandidate(_ key: AlertKey, _ state: CordonState) -> [Candidate] {
    guard let alert = state.alerts[key] else { return [] }
    return [
      Candidate(
        kind: .alert, severity: alert.severity, unit: alert.unit, rule: key.rule, subject: key.description,
        text: localized { s in alert.message(state, s) })
    ]
  }

  /// An escalation step for the person on duty it names, with their phone
  /// in the message, as the event recorded them. A step from an old journal
  /// (none recorded) goes to whoever is on duty at the unit now.
  static func escalationCandidate(
    _ alert: Alert, level: Int, step: EscalationStep?, _ state: CordonState, now: Instant
  ) -> Candidate {
    let key = alert.key
    guard let step else {
      let duty = onDuty(unit: alert.unit, in: state, at: now)
      return Candidate(
        kind: .escalation, severity: alert.severity, unit: alert.unit, rule: key.rule, subject: key.description,
        text: localized { s in
          s.format(
            "notify.escalation",
            [
              String(level), alert.message(state, s),
              duty.map { state.personName($0.id) } ?? state.unitName(alert.unit, s.language),
            ])
        }, person: duty?.id, phone: duty?.phone)
    }
    return Candidate(
      kind: .escalation, severity: alert.severity, unit: alert.unit, rule: key.rule,
      subject: key.description,
      text: localized { s in
        s.format(
          "notify.escalationStep", [alert.message(state, s), step.words(level: level, state: state, strings: s)])
      }, person: step.person, phone: step.phone)
  }

  /// Who is on duty at a unit now: the leader first, then the manager, then the officer.
  static func onDuty(unit: String, in state: CordonState, at now: Instant) -> Person? {
    // Who is on duty in a role is the escalation chain's choice (the one
    // signed in, then the latest to start), so a notice and an escalation
    // name the same person.
    for role in [DutyRole.leader, .manager, .officer] {
      if let s = EscalationChain.onDuty(role, unit: unit, in: state, at: now), let p = state.people[s.person] {
        return p
      }
    }
    return nil
  }

  static func localized(_ f: (Strings) -> String) -> LocalizedName {
    LocalizedName(zh: f(Strings(.zh)), en: f(Strings(.en)))
  }
}
