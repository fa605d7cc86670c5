import EventSourcing

/// Below minimum is a warning, below half of it critical; restored, it clears itself.
public struct StockLevelRule: AlertRule {
  public var id: RuleID { .stockLow }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.stock.keys.sorted(by: { ($0.unit, $0.item) < ($1.unit, $1.item) }).compactMap { key in
      guard let line = state.stock[key], let since = line.belowMinimumSince else { return nil }
      let severity: Severity = line.level == .critical ? .critical : .warning
      return AlertCondition(
        key: AlertKey(rule: .stockLow, subject: "\(key.unit)/\(key.item)"), severity: severity, unit: key.unit,
        site: nil, args: [key.unit, key.item, line.minimum.description],
        occurrence: since, autoResolves: true)
    }
  }
}

/// Fewer than three days of cover at the 7-day burn rate is a warning.
public struct CoverDaysRule: AlertRule {
  public var id: RuleID { .coverLow }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    let today = state.calendar.day(of: now)
    return state.stock.keys.sorted(by: { ($0.unit, $0.item) < ($1.unit, $1.item) }).compactMap { key in
      guard let line = state.stock[key], let days = line.daysOfCover(asOf: today),
        line.minimum.milli > 0 || line.balance.milli > 0,
        days < state.settings.coverWarningDays
      else { return nil }
      return AlertCondition(
        key: AlertKey(rule: .coverLow, subject: "\(key.unit)/\(key.item)"), severity: .warning, unit: key.unit,
        site: nil, args: [key.unit, key.item],
        occurrence: state.calendar.startOfDay(today), autoResolves: true)
    }
  }
}
