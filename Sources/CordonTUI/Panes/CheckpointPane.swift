import CordonModel
import EventSourcing

/// Checkpoint status: one row per site, the most urgent first.
public struct CheckpointPane: ConsolePane {
  public init() {}

  /// Most urgent first; grouped, units in registration order and the most
  /// urgent first within each. The order is `CheckpointOrder` (the
  /// console's, kept change by change, when it reflects the state); only the
  /// rows drawn are formatted.
  static func table(
    state: CordonState, now: Instant, strings t: Strings, groupByUnit: Bool = false, queue: AlertQueue? = nil,
    order kept: CheckpointOrder? = nil
  ) -> TableData {
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
    let order =
      kept.flatMap { $0.reflects(state, now: now, grouped: groupByUnit) ? $0 : nil }
      ?? CheckpointOrder(
        state, now: now, grouped: groupByUnit,
        // Read from the console's alert queue when it has one, not by walking every alert.
        feverSites: queue.flatMap { $0.reflects(state, now: now) ? $0.feverSites : nil }
          ?? CheckpointOrder.feverSites(state))
    // The staff figure counts team members deployed there now (Teams.swift).
    let deployed = order.deployed
    // Overdue as the order placed the site (the same minute as `now`).
    let placedAt = order.now
    let rows = TableRows(
      order.order, id: { $0.site },
      row: { entry in
        guard let site = state.sites[entry.site] else { return TableRow(id: entry.site, cells: [], searchText: "") }
        let staff = site.isOpen ? site.staffOnPost.clampedAdding(deployed[site.id] ?? 0) : 0
        let understaffed = site.isOpen && staff < (site.requiredStaff ?? 0)
        let done = site.disinfections(onDay: today, calendar: cal)
        let short = done < site.disinfectionsPerDay
        let status: TableCell =
          !site.isOpen
          ? TableCell(t("site.closed"), .muted)
          : (staff == 0 ? TableCell(t("site.unstaffed"), .warning) : TableCell(t("site.open"), .ok))
        let round: TableCell
        if let r = site.lastRound {
          let text = t(
            "round.summary", String(r.checked), String(r.fevers), Fmt.age(now.milliseconds(since: r.at)))
          round = TableCell(text, r.fevers > 0 ? .critical : .normal)
        } else {
          round = TableCell(t("round.never"), .muted)
        }
        let overdueCell =
          site.isOverdue(at: placedAt)
          ? TableCell("!! " + t("overdue.by", Fmt.age(now.milliseconds(since: site.reportDue))), .warning)
          : (entry.place.fever ? TableCell("!! " + t("severity.short.critical"), .critical) : TableCell(""))
        let cells = [
          status, TableCell(site.name.text(lang)), TableCell(state.unitName(site.unit, lang), .muted),
          TableCell(String(staff), understaffed ? .warning : .normal), round,
          TableCell("\(done)/\(site.disinfectionsPerDay)", short ? .warning : .ok), overdueCell,
        ]
        return TableRow(id: site.id, cells: cells, searchText: "")
      },
      search: { entry in
        guard let site = state.sites[entry.site] else { return [] }
        return [
          site.name.zh, site.name.en, site.id, state.unitName(site.unit, .zh), state.unitName(site.unit, .en),
        ]
      },
      position: { id in order.position(ofSite: id) })
    return TableData(columns: columns, rows: rows)
  }
}

extension PaneKind {
  public static let checkpoints = PaneKind("checkpoints")
}

extension Action {
  public static let recordRound = Action("recordRound")
  public static let recordFever = Action("recordFever")
  public static let recordDisinfection = Action("recordDisinfection")
  public static let recordVentilation = Action("recordVentilation")
  public static let toggleSite = Action("toggleSite")
  public static let groupByUnit = Action("groupByUnit")
}

extension CheckpointPane {
  public var kind: PaneKind { .checkpoints }

  public func table(_ c: PaneContext) -> TableData {
    Self.table(
      state: c.state, now: c.now, strings: c.strings, groupByUnit: c.options.groupCheckpointsByUnit,
      queue: c.alertQueue, order: c.checkpointOrder)
  }
  public var reads: ChangeTrail.Areas { [.checkpoints, .organisation, .alerts] }
  /// Overdue sites: an alert changing leaves the count as it was.
  public var countsRead: ChangeTrail.Areas { [.checkpoints, .organisation] }

  /// Open sites past their report time.
  public func counts(state: CordonState, now: Instant) -> [Int] {
    [state.sites.values.reduce(0) { $0 + ($1.isOverdue(at: now) ? 1 : 0) }]
  }
  public func badge(_ counts: [Int], _ t: Strings) -> String {
    let late = counts.first ?? 0
    return late > 0 ? " !\(late)" : ""
  }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.recordRound, pane: .checkpoints, keys: [.char("r")], changesData: true, hint: true) { m in
        m.openForm(.temperatureRound)
      },
      ConsoleAction(.recordFever, pane: .checkpoints, keys: [.char("f")], changesData: true, hint: true) { m in
        m.openForm(.feverCase)
      },
      ConsoleAction(.recordDisinfection, pane: .checkpoints, keys: [.char("d")], changesData: true) { m in
        m.openForm(.disinfection)
      },
      ConsoleAction(.recordVentilation, pane: .checkpoints, keys: [.char("v")], changesData: true) { m in
        guard let site = m.selectedRowID else { return [] }
        return m.send(.recordVentilation(site: site))
      },
      ConsoleAction(.toggleSite, pane: .checkpoints, keys: [.char("o")], changesData: true) { m in
        guard let id = m.selectedRowID, let site = m.state.sites[id] else { return [] }
        if site.isOpen {
          m.mode = .confirm(
            question: m.strings("confirm.closeSite", site.name.text(m.strings.language)), command: .closeSite(site: id))
          return []
        }
        return m.openForm(.openSite(id))
      },
      ConsoleAction(.groupByUnit, pane: .checkpoints, keys: [.char("u")], changesData: false) { m in
        m.options.groupCheckpointsByUnit.toggle()
        return []
      },
    ]
  }

  /// The site's day: rounds per hour, the latest rounds, disinfections and fever cases.
  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let (state, t) = (c.state, c.strings)
    let lang = t.language
    let cal = state.calendar
    guard let site = state.sites[rowID] else { return (t("detail.title"), []) }
    var out: [String] = []
    out.append("\(site.name.text(lang)) · \(state.unitName(site.unit, lang)) · \(t("kind.\(site.kind.rawValue)"))")
    let today = cal.day(of: c.now)
    var perHour = Array(repeating: Int64(0), count: 24)
    for r in site.rounds where cal.day(of: r.at) == today { perHour[cal.minuteOfDay(r.at) / 60] += Int64(r.checked) }
    out.append("0-23h " + Fmt.sparkline(perHour))
    out.append("")
    out.append(t("col.lastRound") + ":")
    for r in site.rounds.prefix(12) {
      let pending = r.casesToEnter > 0 ? " (+\(r.casesToEnter)?)" : ""
      out.append("  \(cal.format(r.at))  \(r.checked) / \(r.fevers)\(pending)  \(r.by)")
    }
    out.append(t("col.disinfection") + ":")
    for d in site.disinfections.prefix(8) { out.append("  \(cal.format(d.at))  \(d.area)  \(d.agent)  \(d.by)") }
    for f in state.feverCases where f.site == site.id {
      out.append("  !! \(cal.format(f.at))  \(f.personName)  \(f.reading)")
    }
    return (site.name.text(lang), out)
  }
}
