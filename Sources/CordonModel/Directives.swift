import EventSourcing

/// An instruction sent down from the duty room (上情下达). It stays on each
/// target unit's console until that unit acknowledges it.
public struct Directive: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var text: String
  public var targets: [String]
  public var deadline: Instant
  public var issuedBy: String
  public var issuedAt: Instant
  /// unit → who acknowledged, and when.
  public var acknowledgements: [String: DirectiveAck] = [:]
  /// 一般/紧急/特急; nil in directives issued before priorities (routine).
  public var priority: DutyPriority?
  /// unit → its reply (after or with its acknowledgement); nil until the first.
  public var replies: [String: DutyReply]?

  public init(
    id: String, text: String, targets: [String], deadline: Instant, issuedBy: String, issuedAt: Instant,
    priority: DutyPriority? = nil
  ) {
    self.id = id
    self.priority = priority
    self.text = text
    self.targets = targets
    self.deadline = deadline
    self.issuedBy = issuedBy
    self.issuedAt = issuedAt
  }

  public func isAcknowledged(by unit: String) -> Bool { acknowledgements[unit] != nil }
  public var pendingUnits: [String] { targets.filter { acknowledgements[$0] == nil } }
}

public struct DirectiveAck: Codable, Sendable, Equatable {
  public var by: String
  public var at: Instant
  public init(by: String, at: Instant) {
    self.by = by
    self.at = at
  }
}

/// A directive not acknowledged by a target unit past its deadline.
public struct DirectiveOverdueRule: AlertRule {
  public var id: RuleID { .directiveUnacknowledged }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    var out: [AlertCondition] = []
    for d in state.directives.values.sorted(by: { $0.id < $1.id }) where d.deadline <= now {
      for unit in d.pendingUnits {
        out.append(
          AlertCondition(
            key: AlertKey(rule: .directiveUnacknowledged, subject: "\(d.id)/\(unit)"), severity: .warning, unit: unit,
            site: nil, args: [unit, d.id, state.calendar.format(d.deadline)], occurrence: d.deadline,
            autoResolves: true))
      }
    }
    return out
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .directiveIssued(let d): .only(d.targets.map { "\(d.id)/\($0)" })
    case .directiveAcknowledged(let id, let unit), .directiveReplied(let id, let unit, _): .only(["\(id)/\(unit)"])
    case .settingsChanged, .retentionApplied: .all
    default: .none
    }
  }

  /// The subject is "directive/unit" (a directive's id has no "/").
  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let slash = subject.firstIndex(of: "/"), let d = state.directives[String(subject[..<slash])],
      d.deadline <= now
    else { return nil }
    let unit = String(subject[subject.index(after: slash)...])
    guard d.pendingUnits.contains(unit) else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .directiveUnacknowledged, subject: subject), severity: .warning, unit: unit,
      site: nil, args: [unit, d.id, state.calendar.format(d.deadline)], occurrence: d.deadline, autoResolves: true)
  }

  /// By directive, then in the order of its targets.
  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    func key(_ c: AlertCondition) -> (String, Int) {
      let id = c.args[1]
      return (id, state.directives[id]?.targets.firstIndex(of: c.unit) ?? 0)
    }
    return conditions.sorted { key($0) < key($1) }
  }
}
