import CordonModel
import EventSourcing

/// The alert queue: active alerts first, then by severity, then the oldest.
public enum AlertPane {
  public static func sorted(_ state: CordonState, now: Instant) -> [Alert] {
    func stateRank(_ a: Alert) -> Int {
      if a.state == .resolved { return 3 }
      if a.isSilenced(at: now) { return 2 }
      return a.state == .open ? 0 : 1
    }
    return state.alerts.values.sorted {
      (stateRank($0), -$0.severity.rawValue, $0.firstSeen, $0.number)
        < (stateRank($1), -$1.severity.rawValue, $1.firstSeen, $1.number)
    }
  }

  /// Active (open or acknowledged, not silenced) alerts by severity: shown at every size.
  public static func counts(_ state: CordonState, now: Instant) -> [Severity: Int] {
    var c: [Severity: Int] = [:]
    for a in state.alerts.values where a.isActive && !a.isSilenced(at: now) { c[a.severity, default: 0] += 1 }
    return c
  }

  public static func table(state: CordonState, now: Instant, strings t: Strings) -> TableData {
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
    let rows = sorted(state, now: now).map { a -> TableRow in
      let silenced = a.isActive && a.isSilenced(at: now)
      let stateText = silenced ? t("state.silenced") : t("state.\(a.state.rawValue)")
      let escalation = a.escalationLevel > 0 ? " ^\(a.escalationLevel)" : ""
      let message = a.message(state, t)
      let sev =
        a.isActive && !silenced
        ? Fmt.severityCell(a.severity, t)
        : TableCell(
          "  "
            + t("severity.short.\(a.severity == .critical ? "critical" : a.severity == .warning ? "warning" : "info")"),
          .muted)
      let cells = [
        sev, TableCell(String(a.number), .muted),
        TableCell(stateText + escalation, a.state == .open ? .normal : .muted),
        TableCell(state.unitName(a.unit, lang), .muted), TableCell(message, a.isActive ? .normal : .muted),
        TableCell(Fmt.age(now.milliseconds - a.firstSeen.milliseconds)), TableCell("×\(a.count)", .muted),
      ]
      let search = "\(message) \(state.unitName(a.unit, .zh)) \(state.unitName(a.unit, .en)) \(a.key) #\(a.number)"
      return TableRow(id: a.key.description, cells: cells, searchText: search)
    }
    return TableData(columns: columns, rows: rows)
  }
}
