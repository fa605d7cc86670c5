import EventSourcing

/// A condition some rule sees in the state at a moment. Rules only look; the
/// reconciler turns the difference between conditions and the alert queue
/// into events, so the queue rebuilt from the journal is the queue seen live.
public struct AlertCondition: Sendable, Equatable {
  public var key: AlertKey
  public var severity: Severity
  public var unit: String
  public var site: String?
  public var args: [String]
  /// When this occurrence began. A newer occurrence repeats or reopens the alert.
  public var occurrence: Instant
  /// Clears itself when the condition goes (stock restored, round arrived).
  public var autoResolves: Bool
}

/// Which of a rule's subjects an event may change.
public enum RuleSubjects: Sendable, Equatable {
  /// None: the rule reads nothing the event changes.
  case none
  /// These subjects (the `subject` of their alert keys).
  case only([String])
  /// Any of them: the rule is evaluated whole (settings, the organisation, retention).
  case all
}

/// The one interface every pane's rules implement.
///
/// A rule is evaluated two ways, which must agree:
/// - whole, `conditions(in:now:)`: every condition it sees. This is the
///   oracle, used by the tests, the bench, and whenever an event touches
///   everything a rule reads;
/// - per subject: `subjects(touchedBy:in:)` says which subjects an event may
///   change, and `condition(of:in:now:)` evaluates one. A command then
///   re-evaluates only what it can affect, so its cost does not grow with
///   the number of open alerts, sites, people or shifts.
/// A rule that only implements `conditions` is correct (every event touches
/// all of it), just not incremental. `RuleEquivalenceTests` holds the two to
/// the same events over random command sequences.
public protocol AlertRule: Sendable {
  var id: RuleID { get }
  func conditions(in state: CordonState, now: Instant) -> [AlertCondition]
  /// The subjects whose condition `event` may change: every event that changes
  /// what the rule reads for a subject must name that subject (or `.all`).
  /// `state` is the state before the command; what the same command creates
  /// is not in it yet, so name subjects from the event, or answer `.all`.
  /// Alert events need not be listed: the reconciler always re-diffs the
  /// alert an event is about.
  func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects
  /// The condition of one subject, equal to the one `conditions` gives for it
  /// (the first, if it gives several), or nil.
  func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition?
  /// Conditions of this rule in the order `conditions` lists them (called
  /// with two or more, which is rare: most commands touch one subject).
  func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition]
  /// How the clock alone changes the rule's conditions (RuleClock.swift);
  /// the default, `.always`, evaluates it whole on every clock pass.
  var clock: RuleClock { get }
  /// For a `.queued` rule: the first instant after `t` at which the clock
  /// alone may change `subject`'s condition (nil: none until an event
  /// touches it). Early only costs an evaluation; late misses an alert.
  func nextChange(of subject: String, in state: CordonState, after t: Instant) -> Instant?
  /// For a `.queued` rule: `nextChange(after: t)` of every subject that has one.
  func clockDues(in state: CordonState, after t: Instant) -> [(subject: String, due: Instant)]
}

extension AlertRule {
  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects { .all }
  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    conditions(in: state, now: now).first { $0.key.subject == subject }
  }
  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    conditions.sorted { $0.key.subject < $1.key.subject }
  }
}

extension CordonState {
  /// Sites in registration order, as the whole pass of a site rule lists them.
  func inSiteOrder(_ conditions: [AlertCondition]) -> [AlertCondition] {
    let place = Dictionary(siteOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    return conditions.sorted { (place[$0.key.subject] ?? 0) < (place[$1.key.subject] ?? 0) }
  }
}

/// All rules, in a fixed order.
public enum Rules {
  public static let all: [any AlertRule] = [
    FeverRule(), RoundOverdueRule(), DisinfectionShortRule(), RoleCoverageRule(), NoShowRule(), StockLevelRule(),
    CoverDaysRule(), DirectiveOverdueRule(), ReceiverFailingRule(), SignInMissingRule(), FollowUpOverdueRule(),
    ReportUnacknowledgedRule(), HandoverUnconfirmedRule(), FindingOverdueRule(), SiteUnderstaffedRule(),
  ]

  /// Every condition, whole, in rule order.
  public static func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    all.flatMap { $0.conditions(in: state, now: now) }
  }

  /// The conditions of the touched subjects only, in the order `conditions(in:now:)` gives them.
  public static func conditions(of touched: TouchedSubjects, in state: CordonState, now: Instant)
    -> [AlertCondition]
  {
    var out: [AlertCondition] = []
    for (i, rule) in all.enumerated() {
      if touched.whole.contains(i) {
        out += rule.conditions(in: state, now: now)
      } else if let subjects = touched.subjects[i] {
        let found = subjects.compactMap { rule.condition(of: $0, in: state, now: now) }
        out += found.count > 1 ? rule.ordered(found, in: state) : found
      }
    }
    return out
  }

  /// Each rule's clock, by place in `all`.
  static let clocks: [RuleClock] = all.map { $0.clock }

  /// Where a rule stands in `all`, by its id.
  static let index: [RuleID: Int] = Dictionary(
    all.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
}

/// What a batch of events may change, per rule: its subjects, or all of it.
public struct TouchedSubjects: Sendable, Equatable {
  /// Rules (by place in `Rules.all`) evaluated whole.
  public var whole: Set<Int> = []
  /// Subjects per rule (by place in `Rules.all`).
  public var subjects: [Int: Set<String>] = [:]

  public init() {}

  /// The subjects `events` touch; `state` is the state before them.
  public init(_ events: [CordonEvent], in state: CordonState) {
    for e in events { add(e, in: state) }
  }

  public var isEmpty: Bool { whole.isEmpty && subjects.isEmpty }

  public mutating func add(_ event: CordonEvent, in state: CordonState) {
    if let key = event.alertKey { add(key) }
    for (i, rule) in Rules.all.enumerated() where !whole.contains(i) {
      switch rule.subjects(touchedBy: event, in: state) {
      case .none: break
      case .only(let s): subjects[i, default: []].formUnion(s)
      case .all:
        whole.insert(i)
        subjects[i] = nil
      }
    }
  }

  /// One subject of the rule at `place` in `Rules.all`.
  mutating func add(rule place: Int, subject: String) {
    guard !whole.contains(place) else { return }
    subjects[place, default: []].insert(subject)
  }

  public mutating func add(_ key: AlertKey) {
    guard let i = Rules.index[key.rule], !whole.contains(i) else { return }
    subjects[i, default: []].insert(key.subject)
  }

  /// The alerts on the queue a pass over these subjects may clear.
  func alertKeys(in state: CordonState) -> [AlertKey] {
    var keys: [AlertKey] = []
    if !whole.isEmpty {
      let rules = Set(whole.map { Rules.all[$0].id })
      keys += state.alerts.keys.filter { rules.contains($0.rule) }
    }
    for (i, subjects) in subjects {
      let rule = Rules.all[i].id
      keys += subjects.map { AlertKey(rule: rule, subject: $0) }
    }
    return keys
  }
}
