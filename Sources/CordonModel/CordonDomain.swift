import EventSourcing

/// Cordon's domain as the store sees it.
public enum CordonDomain: EventSourcedModel {
  public typealias Event = CordonEvent
  public typealias Command = CordonCommand
  public typealias State = CordonState

  public static func initialState() -> CordonState { CordonState() }

  public static func apply(_ record: EventRecord<CordonEvent>, to state: inout CordonState) {
    state.apply(record)
  }

  /// Validates a command against the state and returns its events, followed by
  /// the alert events the command itself causes (a fever raises its alert in
  /// the same durable batch). Alerts that were already due before the command
  /// are left to housekeeping, so the audit trail names the rule, not a
  /// bystander, as their cause.
  ///
  /// Only the rule subjects the command's events touch are evaluated, before
  /// and after (`TouchedSubjects`); `decideByFullEvaluation` evaluates every
  /// rule and is the oracle this is held to.
  public static func decide(_ command: CordonCommand, context: CommandContext, state: CordonState) throws(Refusal)
    -> [CordonEvent]
  {
    var after = state
    let first = state.lastSeq + 1
    return try decide(command, context: context, applying: &after, buildIndex: false) { i, e in
      EventRecord(
        seq: first + UInt64(i), time: context.now, actor: context.actor, unit: context.unit, commandID: nil, event: e)
    }
  }

  /// The store's way: decided and applied to its tentative state in place,
  /// so no collection of the state is copied, and the rule index (built once
  /// after a snapshot is read) answers the rules' lookups.
  public static func decide(
    _ command: CordonCommand, context: CommandContext, applyingTo state: inout CordonState,
    record: (Int, CordonEvent) -> EventRecord<CordonEvent>
  ) throws(Refusal) -> [CordonEvent] {
    try decide(command, context: context, applying: &state, buildIndex: true, record: record)
  }

  private static func decide(
    _ command: CordonCommand, context: CommandContext, applying state: inout CordonState, buildIndex: Bool,
    record: (Int, CordonEvent) -> EventRecord<CordonEvent>
  ) throws(Refusal) -> [CordonEvent] {
    if buildIndex { state.buildRuleIndex() }
    let events = try CommandValidator(state: state, context: context).events(for: command)
    guard !events.isEmpty else { return [] }
    let touched = TouchedSubjects(events, in: state)
    let before = AlertReconciler.events(touched: touched, state: state, now: context.now)
    var out: [CordonEvent] = []
    func append(_ es: [CordonEvent]) {
      for e in es {
        state.apply(record(out.count, e))
        out.append(e)
      }
    }
    append(events)
    append(AlertReconciler.events(touched: touched, state: state, now: context.now).filter { !before.contains($0) })
    if !state.notify.routing.routes.isEmpty {
      append(Notifier.events(caused: out, after: state, now: context.now))
    }
    return out
  }

  /// `decide` with every rule evaluated over the whole state, before and
  /// after: what `decide` must equal (`RuleEquivalenceTests`, `cordon-bench rules`).
  public static func decideByFullEvaluation(_ command: CordonCommand, context: CommandContext, state: CordonState)
    throws(Refusal) -> [CordonEvent]
  {
    let events = try CommandValidator(state: state, context: context).events(for: command)
    guard !events.isEmpty else { return [] }
    var after = state
    for (i, e) in events.enumerated() {
      after.apply(
        EventRecord(
          seq: state.lastSeq + UInt64(i) + 1, time: context.now, actor: context.actor, unit: context.unit,
          commandID: nil, event: e))
    }
    let before = AlertReconciler.events(state: state, now: context.now)
    let caused = AlertReconciler.events(state: after, now: context.now).filter { !before.contains($0) }
    return events + caused + notifications(caused: events + caused, applied: events.count, to: after, context.now)
  }

  /// The notifications `events` cause, decided against the state they leave;
  /// the first `applied` of them are already in `state`.
  static func notifications(caused events: [CordonEvent], applied: Int, to state: CordonState, _ now: Instant)
    -> [CordonEvent]
  {
    guard !state.notify.routing.routes.isEmpty else { return [] }
    var after = state
    for (i, e) in events.dropFirst(applied).enumerated() {
      after.apply(
        EventRecord(
          seq: state.lastSeq + UInt64(i) + 1, time: now, actor: "cordon", unit: nil, commandID: nil, event: e))
    }
    return Notifier.events(caused: events, after: after, now: now)
  }

  public static func housekeeping(state: CordonState, now: Instant) -> [CordonEvent] {
    // Pruning is decided here, by the store's clock, and journalled.
    let retention = state.retentionDue(at: now).map { [$0] } ?? []
    return dueNow(state: state, now: now) + retention
  }

  /// Housekeeping as the store runs it, on its tentative state: the
  /// due-time queue there (`DueQueue`) hands a pass only what the clock made
  /// due, so its cost does not grow with the state. The events equal
  /// `housekeeping(state:now:)`'s, which evaluates every rule whole (the
  /// oracle: `RuleEquivalenceTests`).
  public static func housekeeping(updating state: inout CordonState, now: Instant) -> [CordonEvent] {
    let retention = state.retentionDue(at: now).map { [$0] } ?? []
    return dueNow(updating: &state, now: now) + retention
  }

  static func dueNow(updating state: inout CordonState, now: Instant) -> [CordonEvent] {
    state.buildRuleIndex()
    let queue = state.ruleIndex.due
    guard queue.isArmed, now >= queue.passedAt else {
      // Unarmed (a new, decoded or replayed state), or the clock went back: whole, then armed from here.
      let events = dueNow(state: state, now: now)
      state.armClock(at: now)
      return events
    }
    let day = state.calendar.day(of: now)
    var touched = TouchedSubjects()
    for (i, clock) in Rules.clocks.enumerated() {
      switch clock {
      case .always: touched.whole.insert(i)
      case .daily where day != queue.day: touched.whole.insert(i)
      case .queued where queue.wholeRules.contains(i): touched.whole.insert(i)
      default: break
      }
    }
    let targets = state.ruleIndex.due.popDue(through: now)
    var escalating: [Alert] = []
    for target in targets {
      switch target {
      case .rule(let i, let subject): touched.add(rule: i, subject: subject)
      case .escalation(let key): if let a = state.alerts[key] { escalating.append(a) }
      }
    }
    let due = reconciledWithEscalations(
      AlertReconciler.events(touched: touched, state: state, now: now),
      AlertReconciler.escalations(of: escalating, state: state, now: now))
    // Re-armed from here: what this pass's events change is re-armed again as they are applied.
    for target in targets {
      switch target {
      case .rule(let i, let subject):
        state.ruleIndex.due.set(target, Rules.all[i].nextChange(of: subject, in: state, after: now))
      case .escalation(let key):
        state.ruleIndex.due.set(
          target, state.alerts[key]?.escalationDue(state.settings).flatMap { $0 > now ? $0 : nil })
      }
    }
    for i in queue.wholeRules {
      for (subject, at) in Rules.all[i].clockDues(in: state, after: now) {
        state.ruleIndex.due.setEarlier(.rule(i, subject), at)
      }
    }
    state.ruleIndex.due.wholeRules = []
    state.ruleIndex.due.passedAt = now
    state.ruleIndex.due.day = day
    return withNotifications(due, state: state, now: now)
  }

  /// The reconciler's events, then the escalations of alerts they do not touch.
  private static func reconciledWithEscalations(_ reconciled: [CordonEvent], _ escalations: [CordonEvent])
    -> [CordonEvent]
  {
    var touched = Set<AlertKey>()
    for e in reconciled { if let k = e.alertKey { touched.insert(k) } }
    return reconciled
      + escalations.filter {
        guard let k = $0.alertKey else { return true }
        return !touched.contains(k)
      }
  }

  static func dueNow(state: CordonState, now: Instant) -> [CordonEvent] {
    let due = reconciledWithEscalations(
      AlertReconciler.events(state: state, now: now), AlertReconciler.escalations(state: state, now: now))
    return withNotifications(due, state: state, now: now)
  }

  /// `due`, then the notifications it causes and those the clock makes due.
  private static func withNotifications(_ due: [CordonEvent], state: CordonState, now: Instant) -> [CordonEvent] {
    let caused = notifications(caused: due, applied: 0, to: state, now)
    guard !state.notify.routing.routes.isEmpty else { return due }
    // Repeats and handoffs are decided against the state the batch leaves.
    var after = state
    for (i, e) in (due + caused).enumerated() {
      after.apply(
        EventRecord(
          seq: state.lastSeq + UInt64(i) + 1, time: now, actor: "cordon", unit: nil, commandID: nil, event: e))
    }
    return due + caused + Notifier.housekeeping(state: after, now: now)
  }
}

extension CordonEvent {
  /// The alert an alert event is about; nil for every other event.
  public var alertKey: AlertKey? {
    switch self {
    case .alertRaised(let r): r.key
    case .alertRepeated(let k, _, _), .alertReopened(let k, _, _), .alertSeverityChanged(let k, _, _),
      .alertAcknowledged(let k), .alertAssigned(let k, _), .alertEscalated(let k, _, _), .alertSilenced(let k, _, _),
      .alertResolved(let k, _), .alertAutoResolved(let k):
      k
    default: nil
    }
  }
}

extension CordonEvent {
  /// The id of what the event creates (a log entry, a report up, a shift, a
  /// request, a directive, a fever case, an organisation entry): what
  /// `cordon post` answers a line with. Nil for events that create nothing.
  public var createdID: String? {
    switch self {
    case .logEntered(let e): e.id
    case .reportSent(let r): r.id
    case .handoverWritten(let n): n.id.isEmpty ? nil : n.id
    case .shiftAssigned(let s): s.id
    case .requestSubmitted(let r): r.id
    case .directiveIssued(let d): d.id
    case .feverRecorded(let c): c.id
    case .unitRegistered(let u): u.id
    case .personRegistered(let p): p.id
    case .siteRegistered(let s): s.id
    case .itemRegistered(let i): i.id
    case .fundLineOpened(let l): l.id
    case .fundIncomeRecorded(let e), .fundExpenseRecorded(let e), .fundEntryReversed(let e): e.id
    case .campaignStarted(let c): c.id
    case .donationRecorded(let d): d.id
    case .donationsHandedOver(let h): h.id
    case .inspectionRecorded(let i): i.id
    case .findingRaised(let f): f.id
    case .teamFormed(let team): team.id
    case .memberDeployed(let d): d.id
    default: nil
    }
  }

  /// What a command's records created: the first id among them.
  public static func createdID(_ events: [CordonEvent]) -> String? { events.lazy.compactMap(\.createdID).first }
}
