import CordonModel
import EventSourcing

/// The alert queue: active alerts first, then by severity, then the oldest.
public struct AlertPane: ConsolePane {
  public init() {}

  /// Active (open or acknowledged, not silenced) alerts by severity: shown at every size.
  public static func counts(_ state: CordonState, now: Instant) -> [Severity: Int] {
    var c: [Severity: Int] = [:]
    for a in state.alerts.values where a.isActive && !a.isSilenced(at: now) { c[a.severity, default: 0] += 1 }
    return c
  }

  /// Each rule's message text between its placeholders, per language: what
  /// the filter matches besides the arguments. The string tables are fixed,
  /// so this is worked out once, not on every data change.
  static let ruleLiterals: [Language: [RuleID: [String]]] = Dictionary(
    uniqueKeysWithValues: Language.allCases.map { lang in
      let t = Strings(lang)
      return (
        lang,
        Dictionary(
          uniqueKeysWithValues: RuleID.allCases.map { ($0, Fmt.literals(t.format("alert.\($0.rawValue)", []))) })
      )
    })

  static func table(state: CordonState, now: Instant, strings t: Strings, queue: AlertQueue? = nil) -> TableData {
    let lang = t.language
    let columns = [
      TableColumn(t("col.severity"), min: 6, max: 6, priority: 10),
      TableColumn("#", min: 4, max: 5, right: true, priority: 6),
      TableColumn(t("col.state"), min: 6, max: 8, priority: 8),
      TableColumn(t("col.unit"), min: 8, max: 14, priority: 4),
      TableColumn(t("col.alert"), min: 16, max: 60, priority: 10),
      TableColumn(t("col.age"), min: 5, max: 6, right: true, priority: 7),
      TableColumn(t("col.count"), min: 3, max: 5, right: true, priority: 3),
    ]
    let queue = queue.flatMap { $0.reflects(state, now: now) ? $0 : nil } ?? AlertQueue(state, now: now)
    let alerts = state.alerts
    let literals = ruleLiterals[t.language] ?? [:]
    // Only the rows drawn are formatted; the order and the filter read the alerts.
    let rows = TableRows(
      queue.order, id: { $0.key.description },
      row: { entry in
        guard let a = alerts[entry.key] else { return TableRow(id: entry.key.description, cells: [], searchText: "") }
        let silenced = a.isActive && a.isSilenced(at: now)
        let stateText = silenced ? t("state.silenced") : t("state.\(a.state.rawValue)")
        let escalation = a.escalationLevel > 0 ? " ^\(a.escalationLevel)" : ""
        let message = a.message(state, t)
        let sev =
          a.isActive && !silenced
          ? Fmt.severityCell(a.severity, t)
          : TableCell(
            "  "
              + t("severity.short.\(a.severity.name)"),
            .muted)
        let cells = [
          sev, TableCell(String(a.number), .muted),
          TableCell(stateText + escalation, a.state == .open ? .normal : .muted),
          TableCell(state.unitName(a.unit, lang), .muted), TableCell(message, a.isActive ? .normal : .muted),
          TableCell(Fmt.age(now.milliseconds(since: a.firstSeen))), TableCell("×\(a.count)", .muted),
        ]
        return TableRow(id: a.key.description, cells: cells, searchText: "")
      },
      search: { entry in
        guard let a = alerts[entry.key] else { return [] }
        return (literals[a.key.rule] ?? []) + a.key.displayArgs(a.args, state, t) + [
          state.unitName(a.unit, .zh), state.unitName(a.unit, .en), a.key.description, "#\(a.number)",
        ]
      },
      position: { id in AlertKey(parsing: id).flatMap { queue.position(of: $0) } })
    return TableData(columns: columns, rows: rows)
  }
}

extension PaneKind {
  public static let alerts = PaneKind("alerts")
}

extension Action {
  public static let acknowledge = Action("acknowledge")
  public static let acknowledgeFiltered = Action("acknowledgeFiltered")
  public static let resolve = Action("resolve")
  public static let silence = Action("silence")
  public static let assignAlert = Action("assignAlert")
}

extension AlertPane {
  public var kind: PaneKind { .alerts }

  public func table(_ c: PaneContext) -> TableData {
    Self.table(state: c.state, now: c.now, strings: c.strings, queue: c.alertQueue)
  }

  /// Active, unsilenced critical and warning alerts.
  public func counts(state: CordonState, now: Instant) -> [Int] {
    let c = Self.counts(state, now: now)
    return [c[.critical] ?? 0, c[.warning] ?? 0]
  }
  public func badge(_ counts: [Int], _ t: Strings) -> String { titleSuffix(counts, t) }
  public func titleSuffix(_ counts: [Int], _ t: Strings) -> String {
    let (critical, warning) = (counts.first ?? 0, counts.dropFirst().first ?? 0)
    return " \(t("severity.short.critical"))\(critical) \(t("severity.short.warning"))\(warning)"
  }
  public var pinnedTab: Bool { true }
  public var reads: ChangeTrail.Areas { [.alerts, .organisation] }
  public func alarming(_ counts: [Int]) -> Bool { (counts.first ?? 0) > 0 }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.acknowledge, pane: .alerts, keys: [.char("a")], changesData: true, hint: true) { m in
        guard let key = m.selectedAlertKey else { return [] }
        return m.send(.acknowledgeAlert(key))
      },
      ConsoleAction(.acknowledgeFiltered, pane: .alerts, keys: [.char("A")], changesData: true) { m in
        // Only open alerts among the rows the filter shows.
        let state = m.state
        let keys = m.visibleRows(.alerts).ids.compactMap { AlertKey(parsing: $0) }.filter {
          state.alerts[$0]?.state == .open
        }
        guard !keys.isEmpty else { return [] }
        m.mode = .confirm(
          question: m.strings("confirm.ackFiltered", String(keys.count)),
          command: .batch(keys.map { .acknowledgeAlert($0) }))
        return []
      },
      ConsoleAction(.resolve, pane: .alerts, keys: [.char("x")], changesData: true, hint: true) { m in
        guard let key = m.selectedAlertKey else { return [] }
        return m.openForm(.resolveAlert(key))
      },
      ConsoleAction(.silence, pane: .alerts, keys: [.char("s")], changesData: true) { m in
        guard let key = m.selectedAlertKey else { return [] }
        return m.openForm(.silenceAlert(key))
      },
      ConsoleAction(.assignAlert, pane: .alerts, keys: [.char("n")], changesData: true) { m in
        guard let key = m.selectedAlertKey else { return [] }
        return m.openForm(.assignAlert(key))
      },
    ]
  }

  /// The alert's history: who did what when.
  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let (state, t) = (c.state, c.strings)
    let cal = state.calendar
    guard let a = AlertKey(parsing: rowID).flatMap({ state.alerts[$0] }) else { return (t("detail.title"), []) }
    var out = ["#\(a.number) \(a.message(state, t))", "\(t("col.unit")): \(state.unitName(a.unit, t.language))"]
    if let who = a.acknowledgedBy { out.append("\(t("state.acknowledged")): \(who)") }
    if let who = a.assignee { out.append(t("history.assigned", who)) }
    if a.isActive, let step = a.escalation {
      out.append("\(t("detail.escalation")): \(step.words(level: a.escalationLevel, state: state, strings: t))")
    }
    for h in a.history {
      out.append("  \(cal.format(h.at))  \(h.actor)  \(Self.describe(h.action, state: state, t))")
    }
    return ("#\(a.number)", out)
  }

  static func describe(_ a: AlertAction, state: CordonState, _ t: Strings) -> String {
    switch a {
    case .raised: t("history.raised")
    case .repeated: t("history.repeated")
    case .reopened: t("history.reopened")
    case .acknowledged: t("history.acknowledged")
    case .assigned(let to): t("history.assigned", to)
    case .escalated(let level, let step):
      step.map { $0.words(level: level, state: state, strings: t) } ?? t("history.escalated", String(level))
    case .silenced(let until, let reason): t("history.silenced", until.description, reason)
    case .resolved(let note): t("history.resolved", note)
    case .autoResolved: t("history.autoResolved")
    case .severityChanged(let s):
      t("history.severity", t("severity.\(s.name)"))
    }
  }
}
