import EventSourcing

/// Turns "what the rules see now" into alert events against the queue.
public enum AlertReconciler {
  /// Every rule, whole: the oracle the per-subject pass is held to.
  public static func events(state: CordonState, now: Instant) -> [CordonEvent] {
    events(conditions: Rules.conditions(in: state, now: now), clearing: nil, state: state)
  }

  /// Only the touched subjects: the events a whole pass would give for them.
  public static func events(touched: TouchedSubjects, state: CordonState, now: Instant) -> [CordonEvent] {
    guard !touched.isEmpty else { return [] }
    return events(
      conditions: Rules.conditions(of: touched, in: state, now: now), clearing: touched.alertKeys(in: state),
      state: state)
  }

  /// The difference between `conditions` and the queue. `clearing` names the
  /// alerts that may clear (nil: any on the queue).
  static func events(conditions: [AlertCondition], clearing candidates: [AlertKey]?, state: CordonState)
    -> [CordonEvent]
  {
    var out: [CordonEvent] = []
    var seen = Set<AlertKey>()
    for c in conditions {
      // Two conditions on one key (should not happen): the first wins, deterministically.
      guard seen.insert(c.key).inserted else { continue }
      guard let a = state.alerts[c.key] else {
        out.append(
          .alertRaised(
            AlertRaise(
              key: c.key, severity: c.severity, unit: c.unit, site: c.site, args: c.args, occurrence: c.occurrence,
              autoResolves: c.autoResolves)))
        continue
      }
      if a.state == .resolved {
        // A hand-resolved alert stays resolved until a new occurrence; an
        // auto-resolved one reopens as soon as its condition returns.
        if c.occurrence > a.occurrence || (a.autoResolves && c.occurrence >= (a.resolvedAt ?? c.occurrence)) {
          out.append(.alertReopened(key: c.key, occurrence: c.occurrence, args: c.args))
        } else {
          continue
        }
      } else if c.occurrence > a.occurrence {
        out.append(.alertRepeated(key: c.key, occurrence: c.occurrence, args: c.args))
      }
      if c.severity != a.severity {
        out.append(.alertSeverityChanged(key: c.key, severity: c.severity, args: c.args))
      }
    }
    // Filter first, sort only what resolves: the queue may hold thousands of
    // alerts and this runs for every command. Sorted so replays match.
    func clears(_ a: Alert) -> Bool { a.isActive && a.autoResolves && !seen.contains(a.key) }
    let cleared =
      if let candidates {
        Set(candidates).filter { state.alerts[$0].map(clears) ?? false }
      } else {
        Set(state.alerts.values.filter(clears).map(\.key))
      }
    for key in cleared.sorted() { out.append(.alertAutoResolved(key: key)) }
    return out
  }

  /// Unacknowledged critical alerts escalate every ack-timeout, at most
  /// `maxEscalations` times, along the live roster: the unit's 值班人员, its
  /// 值班经理, its 带班领导, then HQ's duty room, each step naming who is on
  /// duty at `now` (EscalationChain). A silenced alert does not escalate.
  public static func escalations(state: CordonState, now: Instant) -> [CordonEvent] {
    escalations(of: state.alerts.values, state: state, now: now)
  }

  /// The escalations of `candidates` only (the due-time queue's).
  static func escalations(of candidates: some Sequence<Alert>, state: CordonState, now: Instant) -> [CordonEvent] {
    let timeout = Int64(state.settings.ackTimeoutMinutes)
    var out: [CordonEvent] = []
    let due = candidates.filter { a in
      a.state == .open && a.severity == .critical && !a.isSilenced(at: now)
        && a.escalationLevel < state.settings.maxEscalations
        && (a.lastEscalation ?? a.lastSeen).adding(minutes: timeout) <= now
    }
    for a in due.sorted(by: { $0.key < $1.key }) {
      let step = EscalationChain.next(after: a.escalation?.tier, unit: a.unit, in: state, at: now)
      out.append(.alertEscalated(key: a.key, level: a.escalationLevel + 1, step: step))
    }
    return out
  }
}
