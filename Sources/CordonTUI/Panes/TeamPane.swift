import CordonModel
import EventSourcing

/// The emergency teams (`:teams`): each team with its leader, its members,
/// how many are deployed now and where; Enter shows the members and every
/// deployment not yet over. `n`/`e` form or change a team, `d` deploys a
/// member, `r` recalls a deployment; the store decides each. Like
/// `:inspections` it is not in the tab strip; Esc leaves it.
public struct TeamPane: ConsolePane {
  public init() {}
  public var kind: PaneKind { .teams }

  public func table(_ c: PaneContext) -> TableData { Self.table(c.state, now: c.now, strings: c.strings) }

  public static func table(_ state: CordonState, now: Instant, strings t: Strings) -> TableData {
    let lang = t.language
    let columns = [
      TableColumn(t("teams.col.team"), min: 8, max: 16, priority: 10),
      TableColumn(t("teams.col.id"), min: 6, max: 10, priority: 8),
      TableColumn(t("teams.col.leader"), min: 6, max: 10, priority: 7),
      TableColumn(t("teams.col.members"), min: 4, max: 6, right: true, priority: 9),
      TableColumn(t("teams.col.onPost"), min: 4, max: 6, right: true, priority: 9),
      TableColumn(t("teams.col.sites"), min: 10, max: 60, priority: 6),
    ]
    let rows = state.teams.map { team -> TableRow in
      let now = state.oversight.deployments.values.filter { $0.team == team.id && $0.covers(now) }
      var sites: [String: Int] = [:]
      for d in now { sites[d.site, default: 0] += 1 }
      let placed = state.orderedSites.compactMap { s in sites[s.id].map { "\(s.name.text(lang)) \($0)" } }
      return TableRow(
        id: team.id,
        cells: [
          TableCell(team.name, .title), TableCell(team.id, .muted), TableCell(state.personName(team.leader)),
          TableCell(String(team.members.count)), TableCell(String(now.count), now.isEmpty ? .muted : .ok),
          TableCell(placed.joined(separator: "、")),
        ],
        searchText: "\(team.id) \(team.name) " + team.members.map(state.personName).joined(separator: " "))
    }
    guard !rows.isEmpty else {
      return TableData(
        columns: columns,
        rows: [
          TableRow(
            id: "help",
            cells: [TableCell(t("teams.none"), .muted)] + Array(repeating: TableCell(""), count: columns.count - 1),
            searchText: "")
        ])
    }
    return TableData(columns: columns, rows: rows)
  }

  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let state = c.state
    let t = c.strings
    guard let team = state.oversight.teams[rowID] else { return (t("detail.title"), [t("view.empty")]) }
    return ("\(team.name) \(team.id)", Self.teamLines(team, state: state, now: c.now, strings: t))
  }

  /// A team's leader and members, then its deployments not yet over (now and next), each with its id for `r`.
  static func teamLines(_ team: EmergencyTeam, state: CordonState, now: Instant, strings t: Strings) -> [String] {
    let lang = t.language
    let cal = state.calendar
    var out = [t("teams.line", team.name, team.id, state.personName(team.leader), String(team.members.count))]
    // Eight names a line, so a 50-member team reads whole at 80 columns.
    let names = team.members.map(state.personName)
    for i in stride(from: 0, to: names.count, by: 8) {
      out.append("  " + OversightText.list(Array(names[i..<min(i + 8, names.count)]), lang))
    }
    out.append("")
    let deployed = state.oversight.deployments.values.filter { $0.team == team.id && $0.effectiveEnd > now }
      .sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    out.append(t("teams.deployments", String(deployed.count)))
    for d in deployed {
      out.append(
        "  \(d.id) \(state.personName(d.person)) → \(state.siteName(d.site, lang)) "
          + OversightText.period(d.start, d.effectiveEnd, cal) + (d.covers(now) ? " " + t("teams.onPost") : ""))
    }
    return out + ["", t("teams.help")]
  }

  public func helpNote(_ t: Strings) -> [String] { [t("teams.help")] }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.teamNew, pane: .teams, keys: [.char("n")], changesData: true, hint: true) { m in
        m.openForm(.team(nil))
      },
      ConsoleAction(.teamEdit, pane: .teams, keys: [.char("e")], changesData: true, hint: true) { m in
        guard let id = m.selectedTeam else { return m.warn("teams.selectTeam") }
        return m.openForm(.team(id))
      },
      ConsoleAction(.teamDeploy, pane: .teams, keys: [.char("d")], changesData: true, hint: true) { m in
        m.openForm(.deploy(team: m.selectedTeam))
      },
      ConsoleAction(.teamRecall, pane: .teams, keys: [.char("r")], changesData: true, hint: true) { m in
        m.openForm(.recall(team: m.selectedTeam))
      },
      ConsoleAction(.teamsBack, pane: .teams, keys: [.esc], changesData: false, hint: true) { m in m.viewBack() },
    ]
  }
}

extension PaneKind {
  /// The emergency teams' view: a pane outside the tab strip.
  public static let teams = PaneKind("teams")
}

extension Action {
  public static let teamNew = Action("teamNew")
  public static let teamEdit = Action("teamEdit")
  public static let teamDeploy = Action("teamDeploy")
  public static let teamRecall = Action("teamRecall")
  public static let teamsBack = Action("teamsBack")
}

extension ConsoleModel {
  /// `:teams`: every role reads it; the server decides every command.
  mutating func openTeams() -> [ConsoleEffect] {
    if focus != .inspections && focus != .teams { inspectionsReturn = focus }
    focus = .teams
    return []
  }

  /// The team the selection is on.
  var selectedTeam: String? {
    guard focus == .teams, let id = selectedRowID, state.oversight.teams[id] != nil else { return nil }
    return id
  }
}
