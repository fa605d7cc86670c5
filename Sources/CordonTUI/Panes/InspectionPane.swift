import CordonModel
import EventSourcing

/// The inspections view (`:inspections`): per unit, the committee members'
/// visits and the findings still open, overdue or waiting for verification;
/// Enter shows a unit's findings, each with its steps and the shortage
/// request it raised, then its visits. Not in the tab strip; Esc leaves it.
public struct InspectionPane: ConsolePane {
  public init() {}
  public var kind: PaneKind { .inspections }

  public func table(_ c: PaneContext) -> TableData { Self.table(c.state, now: c.now, strings: c.strings) }

  public static func table(_ state: CordonState, now: Instant, strings t: Strings) -> TableData {
    let lang = t.language
    let cal = state.calendar
    let columns = [
      TableColumn(t("insp.col.unit"), min: 8, max: 14, priority: 10),
      TableColumn(t("insp.col.visits"), min: 4, max: 6, right: true, priority: 8),
      TableColumn(t("insp.col.lastVisit"), min: 11, max: 11, priority: 5),
      TableColumn(t("insp.col.open"), min: 6, max: 6, right: true, priority: 9),
      TableColumn(t("insp.col.overdue"), min: 4, max: 6, right: true, priority: 9),
      TableColumn(t("insp.col.toVerify"), min: 6, max: 6, right: true, priority: 7),
      TableColumn(t("insp.col.closed"), min: 6, max: 6, right: true, priority: 4),
      TableColumn(t("insp.col.next"), min: 16, max: 60, priority: 6),
    ]
    var visits: [String: [Inspection]] = [:]
    for i in state.oversight.inspections.values { visits[i.unit, default: []].append(i) }
    var findings: [String: [Finding]] = [:]
    for f in state.oversight.findings.values { findings[f.unit, default: []].append(f) }
    var rows: [TableRow] = []
    for u in state.allUnits where visits[u.id] != nil || findings[u.id] != nil {
      let fs = (findings[u.id] ?? []).sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
      let open = fs.filter(\.isOpen)
      let overdue = open.filter { $0.isOverdue(at: now) }
      let toVerify = fs.filter { $0.status == .rectified }
      let last = visits[u.id]?.max { ($0.at, $0.id) < ($1.at, $1.id) }
      let next = open.first.map {
        "\($0.id) \(DutyLogText.excerpt($0.text, max: 30)) \(cal.formatMonthDayTime($0.deadline))"
      }
      rows.append(
        TableRow(
          id: u.id,
          cells: [
            TableCell(u.name.text(lang)), TableCell(String(visits[u.id]?.count ?? 0)),
            TableCell(last.map { cal.formatMonthDayTime($0.at) } ?? "-", .muted),
            TableCell(String(open.count), open.isEmpty ? .ok : .warning),
            TableCell(String(overdue.count), overdue.isEmpty ? .normal : .critical),
            TableCell(String(toVerify.count), toVerify.isEmpty ? .normal : .title),
            TableCell(String(fs.filter { $0.status == .closed }.count), .muted),
            TableCell(next ?? "", overdue.isEmpty ? .normal : .critical),
          ],
          searchText: "\(u.id) \(u.name.zh) \(u.name.en) " + fs.map { "\($0.id) \($0.text)" }.joined(separator: " ")))
    }
    if rows.isEmpty {
      rows.append(
        TableRow(
          id: "help",
          cells: [TableCell(t("insp.empty"), .muted)] + Array(repeating: TableCell(""), count: columns.count - 1),
          searchText: ""))
    }
    return TableData(columns: columns, rows: rows)
  }

  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let state = c.state
    let t = c.strings
    guard state.units[rowID] != nil else { return (t("detail.title"), [t("view.empty")]) }
    return (
      t("insp.detail.title", state.unitName(rowID, t.language)),
      Self.unitLines(rowID, state: state, now: c.now, strings: t)
    )
  }

  /// A unit's findings (unresolved first) with their steps and request, then its visits, the newest first.
  public static func unitLines(_ unit: String, state: CordonState, now: Instant, strings t: Strings) -> [String] {
    let lang = t.language
    let cal = state.calendar
    func one(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }
    let findings = state.findings(unit: unit)
    var out = [t("insp.findings", String(findings.count))]
    for f in findings {
      out.append(
        "  \(f.id) [\(t("severity.finding.\(f.severity.rawValue)"))] \(OversightText.status(f, now: now, strings: t)) "
          + t("audit.findingDeadline", cal.format(f.deadline)))
      out.append("    " + one(f.text))
      if let rq = f.request {
        out.append("    " + t("insp.request", OversightText.request(rq, state: state, strings: t)))
      }
      for s in f.steps {
        out.append(
          "    \(cal.formatMonthDayTime(s.at)) \(s.by) \(t("insp.step.\(s.kind.rawValue)"))"
            + (s.note.isEmpty ? "" : "：" + one(s.note)))
      }
    }
    let visits = state.inspections(unit: unit)
    out += ["", t("insp.visits", String(visits.count))]
    for v in visits {
      out.append(
        "  \(cal.formatMonthDayTime(v.at)) \(v.id) \(v.by) "
          + OversightText.list(v.sites.map { state.siteName($0, lang) }, lang))
      out.append("    " + t("insp.checked", OversightText.list(v.checked, lang)))
      if !v.notes.isEmpty { out.append("    " + one(v.notes)) }
    }
    return out
  }

  /// What the roster's day view of a unit adds: the team members deployed
  /// to its sites that day, and its findings not yet closed. Nothing when there is none.
  public static func rosterLines(unit: String, day: Int, state: CordonState, now: Instant, strings t: Strings)
    -> [String]
  {
    let lang = t.language
    let cal = state.calendar
    var out: [String] = []
    let deployed = state.deployments(unit: unit, from: cal.startOfDay(day), to: cal.startOfDay(day + 1))
    if !deployed.isEmpty {
      out += ["", t("roster.deployed", String(deployed.count))]
      for d in deployed {
        let team = state.oversight.teams[d.team]?.name ?? d.team
        out.append(
          "  \(state.personName(d.person))  \(team) → \(state.siteName(d.site, lang))  "
            + OversightText.period(d.start, d.effectiveEnd, cal) + (d.covers(now) ? "  " + t("teams.onPost") : ""))
      }
    }
    let findings = state.findings(unit: unit).filter(\.isUnresolved)
    if !findings.isEmpty {
      out += ["", t("insp.findings", String(findings.count))]
      for f in findings {
        out.append(
          "  \(f.id) [\(t("severity.finding.\(f.severity.rawValue)"))] \(OversightText.status(f, now: now, strings: t)) "
            + t("audit.findingDeadline", cal.format(f.deadline)) + "：" + DutyLogText.excerpt(f.text, max: 60))
      }
    }
    return out
  }

  public func helpNote(_ t: Strings) -> [String] { [t("insp.help")] }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.inspectionVisit, pane: .inspections, keys: [.char("v")], changesData: true, hint: true) { m in
        m.openForm(.inspection(unit: m.selectedInspectionUnit))
      },
      ConsoleAction(.inspectionFinding, pane: .inspections, keys: [.char("f")], changesData: true, hint: true) { m in
        m.openForm(.finding(unit: m.selectedInspectionUnit))
      },
      ConsoleAction(.inspectionRectify, pane: .inspections, keys: [.char("r")], changesData: true, hint: true) { m in
        m.openForm(.rectify(unit: m.selectedInspectionUnit))
      },
      ConsoleAction(.inspectionVerify, pane: .inspections, keys: [.char("a")], changesData: true, hint: true) { m in
        m.openForm(.verifyFinding(unit: m.selectedInspectionUnit))
      },
      ConsoleAction(.inspectionsBack, pane: .inspections, keys: [.esc], changesData: false, hint: true) { m in
        m.viewBack()
      },
    ]
  }
}

extension PaneKind {
  /// The inspections view: a pane outside the tab strip.
  public static let inspections = PaneKind("inspections")
}

extension Action {
  public static let inspectionVisit = Action("inspectionVisit")
  public static let inspectionFinding = Action("inspectionFinding")
  public static let inspectionRectify = Action("inspectionRectify")
  public static let inspectionVerify = Action("inspectionVerify")
  public static let inspectionsBack = Action("inspectionsBack")
}

extension ConsoleModel {
  /// `:inspections`: every role reads it; the server decides every command.
  mutating func openInspections() -> [ConsoleEffect] {
    if focus != .inspections && focus != .teams { inspectionsReturn = focus }
    focus = .inspections
    return []
  }

  /// The unit the selection is on, for the forms to start with.
  var selectedInspectionUnit: String? {
    guard focus == .inspections, let id = selectedRowID, state.units[id] != nil else { return nil }
    return id
  }

  /// Esc in the inspections and teams views: clears the filter, then leaves the view.
  mutating func viewBack() -> [ConsoleEffect] {
    if !(tables[focus]?.filter ?? "").isEmpty {
      tables[focus]?.filter = ""
      return []
    }
    focus = inspectionsReturn ?? Panes.kinds[0]
    return []
  }
}
