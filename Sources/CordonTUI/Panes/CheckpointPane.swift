import CordonModel
import EventSourcing

/// Checkpoint status: one row per site, the most urgent first.
public enum CheckpointPane {
  /// Most urgent first; grouped, units in registration order and the most urgent first within each.
  public static func table(state: CordonState, now: Instant, strings t: Strings, groupByUnit: Bool = false) -> TableData
  {
    let lang = t.language
    let cal = state.calendar
    let today = cal.day(of: now)
    let columns = [
      TableColumn(t("col.status"), min: 4, max: 6, priority: 8),
      TableColumn(t("col.site"), min: 12, max: 22, priority: 10),
      TableColumn(t("col.unit"), min: 8, max: 14, priority: 4),
      TableColumn(t("col.staff"), min: 4, max: 4, right: true, priority: 3),
      TableColumn(t("col.lastRound"), min: 12, max: 18, priority: 7),
      TableColumn(t("col.disinfection"), min: 4, max: 6, right: true, priority: 6),
      TableColumn(t("col.overdue"), min: 7, max: 12, priority: 9),
    ]
    let feverSites = Set(
      state.alerts.values.filter { $0.key.rule == .fever && $0.isActive }.compactMap(\.site))
    var scored: [(Int, Int, TableRow)] = []
    for (order, site) in state.orderedSites.enumerated() {
      let overdue = site.isOverdue(at: now)
      let done = site.disinfections(onDay: today, calendar: cal)
      let short = done < site.disinfectionsPerDay
      let fever = feverSites.contains(site.id)
      let status: TableCell =
        !site.isOpen
        ? TableCell(t("site.closed"), .muted)
        : (site.staffOnPost == 0 ? TableCell(t("site.unstaffed"), .warning) : TableCell(t("site.open"), .ok))
      let round: TableCell
      if let r = site.lastRound {
        let text = t(
          "round.summary", String(r.checked), String(r.fevers), Fmt.age(now.milliseconds - r.at.milliseconds))
        round = TableCell(text, r.fevers > 0 ? .critical : .normal)
      } else {
        round = TableCell(t("round.never"), .muted)
      }
      let overdueCell =
        overdue
        ? TableCell("!! " + t("overdue.by", Fmt.age(now.milliseconds - site.reportDue.milliseconds)), .warning)
        : (fever ? TableCell("!! " + t("severity.short.critical"), .critical) : TableCell(""))
      let cells = [
        status, TableCell(site.name.text(lang)), TableCell(state.unitName(site.unit, lang), .muted),
        TableCell(String(site.staffOnPost)), round,
        TableCell("\(done)/\(site.disinfectionsPerDay)", short ? .warning : .ok), overdueCell,
      ]
      let urgency = (fever ? 100 : 0) + (overdue ? 10 : 0) + (short ? 1 : 0)
      let search =
        "\(site.name.zh) \(site.name.en) \(site.id) \(state.unitName(site.unit, .zh)) \(state.unitName(site.unit, .en))"
      scored.append((urgency, order, TableRow(id: site.id, cells: cells, searchText: search)))
    }
    let unitRank = Dictionary(uniqueKeysWithValues: state.unitOrder.enumerated().map { ($1, $0) })
    let rows = scored.sorted { a, b in
      if groupByUnit {
        let ua = unitRank[state.sites[a.2.id]?.unit ?? ""] ?? 0
        let ub = unitRank[state.sites[b.2.id]?.unit ?? ""] ?? 0
        if ua != ub { return ua < ub }
      }
      return (a.0, -a.1) > (b.0, -b.1)
    }.map(\.2)
    return TableData(columns: columns, rows: rows)
  }
}
