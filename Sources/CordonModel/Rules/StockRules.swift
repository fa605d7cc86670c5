import EventSourcing

/// Below minimum is a warning, below half of it critical; restored, it clears itself.
public struct StockLevelRule: AlertRule {
  public var id: RuleID { .stockLow }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.stock.keys.sorted(by: { ($0.unit, $0.item) < ($1.unit, $1.item) }).compactMap { condition($0, state) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    stockSubjects(touchedBy: event)
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    StockKey(subject: subject).flatMap { condition($0, state) }
  }

  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    conditions.sorted { ($0.unit, $0.args[1]) < ($1.unit, $1.args[1]) }
  }

  private func condition(_ key: StockKey, _ state: CordonState) -> AlertCondition? {
    guard let line = state.stock[key], let since = line.belowMinimumSince else { return nil }
    let severity: Severity = line.level == .critical ? .critical : .warning
    return AlertCondition(
      key: AlertKey(rule: .stockLow, subject: key.subject), severity: severity, unit: key.unit,
      site: nil, args: [key.unit, key.item, line.minimum.description],
      occurrence: since, autoResolves: true)
  }
}

/// The stock lines an event moves.
func stockSubjects(touchedBy event: CordonEvent) -> RuleSubjects {
  switch event {
  case .stockMoved(let m): .only([StockKey(unit: m.unit, item: m.item).subject])
  case .stockTransferred(let t):
    .only([StockKey(unit: t.from, item: t.item).subject, StockKey(unit: t.to, item: t.item).subject])
  case .stockCounted(let c): .only([StockKey(unit: c.unit, item: c.item).subject])
  case .minimumSet(let unit, let item, _): .only([StockKey(unit: unit, item: item).subject])
  case .retentionApplied: .all
  default: .none
  }
}

extension StockKey {
  /// "unit/item", the subject of a stock line's alerts (a unit id has no "/").
  var subject: String { "\(unit)/\(item)" }
  init?(subject: String) {
    guard let slash = subject.firstIndex(of: "/") else { return nil }
    self.init(unit: String(subject[..<slash]), item: String(subject[subject.index(after: slash)...]))
  }
}

/// Fewer than three days of cover at the 7-day burn rate is a warning.
public struct CoverDaysRule: AlertRule {
  public var id: RuleID { .coverLow }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.stock.keys.sorted(by: { ($0.unit, $0.item) < ($1.unit, $1.item) }).compactMap {
      condition($0, state, now)
    }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    if case .settingsChanged = event { return .all }
    return stockSubjects(touchedBy: event)
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    StockKey(subject: subject).flatMap { condition($0, state, now) }
  }

  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    conditions.sorted { ($0.unit, $0.args[1]) < ($1.unit, $1.args[1]) }
  }

  private func condition(_ key: StockKey, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    let today = state.calendar.day(of: now)
    guard let line = state.stock[key], let days = line.daysOfCover(asOf: today),
      line.minimum.milli > 0 || line.balance.milli > 0,
      days < state.settings.coverWarningDays
    else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .coverLow, subject: key.subject), severity: .warning, unit: key.unit,
      site: nil, args: [key.unit, key.item],
      occurrence: state.calendar.startOfDay(today), autoResolves: true)
  }
}
