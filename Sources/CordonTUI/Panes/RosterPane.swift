import CordonModel
import EventSourcing

/// Duty roster: per unit and role, who is on now, how long is left, who is
/// next, and a 24-hour bar so a gap shows at a glance.
public struct RosterPane: ConsolePane {
  public init() {}

  public static func table(state: CordonState, now: Instant, strings t: Strings) -> TableData {
    let lang = t.language
    let cal = state.calendar
    let dayStart = cal.startOfDay(cal.day(of: now))
    let nowHour = cal.minuteOfDay(now) / 60
    let columns = [
      TableColumn(t("col.unit"), min: 8, max: 18, priority: 9),
      TableColumn(t("col.role"), min: 8, max: 10, priority: 9),
      TableColumn(t("col.now"), min: 6, max: 10, priority: 10),
      // Below every other column: at 80 cells it drops first (the unit's day view, Enter, still shows it).
      TableColumn(t("col.signIn"), min: 5, max: 7, priority: 1),
      TableColumn(t("col.left"), min: 6, max: 6, right: true, priority: 8),
      TableColumn(t("col.phone"), min: 11, max: 11, priority: 2),
      TableColumn(t("col.next"), min: 12, max: 18, priority: 4),
      TableColumn(
        "0" + String(repeating: " ", count: 10) + "12" + String(repeating: " ", count: 9) + "23", min: 24, max: 24,
        priority: 3),
    ]
    var rows: [TableRow] = []
    for unit in state.orderedUnits {
      for role in DutyRole.allCases {
        // What today's bar, the one on now and the next can show: the
        // shifts ending after today began, from the roster's index (a
        // year's roster is not grouped on every frame).
        let shifts = state.shifts(ofUnit: unit.id, role: role, endingAfter: dayStart).filter(\.counts).sorted {
          ($0.start, $0.id) < ($1.start, $1.id)
        }
        if shifts.isEmpty && !unit.isKey { continue }
        let current = shifts.first { $0.covers(now) }
        let next = shifts.first { $0.start >= (current?.end ?? now) && $0.id != current?.id }
        let gap = current == nil
        var cells = [
          TableCell(unit.name.text(lang), unit.isKey ? .normal : .muted),
          TableCell(t("role.\(role.rawValue)")),
        ]
        if let c = current {
          cells.append(TableCell(state.personName(c.person)))
          cells.append(signInCell(c, state: state, now: now, strings: t))
          cells.append(TableCell(Fmt.age(c.end.milliseconds(since: now))))
          cells.append(TableCell(state.people[c.person]?.phone ?? "", .muted))
        } else {
          cells.append(TableCell("!! " + t("roster.gap"), unit.isKey ? .critical : .warning))
          cells.append(TableCell(""))
          cells.append(TableCell(""))
          cells.append(TableCell(""))
        }
        if let n = next {
          // Beyond today the day shows too: "08:00" alone would read as today's.
          let when =
            cal.day(of: n.start) == cal.day(of: now) ? cal.formatTime(n.start) : cal.formatMonthDayTime(n.start)
          cells.append(TableCell("\(when) \(state.personName(n.person))"))
        } else {
          cells.append(TableCell(unit.isKey ? t("roster.gap") : t("roster.none"), unit.isKey ? .warning : .muted))
        }
        cells.append(
          TableCell(timeline(shifts, dayStart: dayStart, nowHour: nowHour), gap && unit.isKey ? .warning : .ok))
        let search =
          "\(unit.name.zh) \(unit.name.en) \(unit.id) \(t("role.\(role.rawValue)")) "
          + shifts.map { state.personName($0.person) }.joined(separator: " ")
        rows.append(TableRow(id: "\(unit.id)/\(role.rawValue)", cells: cells, searchText: search))
      }
    }
    return TableData(columns: columns, rows: rows)
  }

  /// Signed in (the time), signed out, or only scheduled: a warning once the
  /// sign-in is late by the organisation's grace.
  static func signInCell(_ s: Shift, state: CordonState, now: Instant, strings t: Strings) -> TableCell {
    if s.signedOutAt != nil { return TableCell(t("roster.signedOut"), .muted) }
    if let i = s.signedIn { return TableCell(state.calendar.formatTime(i.at), .ok) }
    let late = s.start.adding(minutes: Int64(state.settings.signInGraceMinutes)) <= now
    return TableCell((late ? "! " : "") + t("roster.notSignedIn"), late ? .warning : .muted)
  }

  /// One character per hour: '=' covered all hour, '-' partly, '.' not at all,
  /// and the current hour in upper case ('#', '+', '!') so it reads without colour.
  static func timeline(_ shifts: [Shift], dayStart: Instant, nowHour: Int) -> String {
    var s = ""
    for h in 0..<24 {
      let from = dayStart.adding(minutes: Int64(h * 60))
      let to = from.adding(minutes: 60)
      var covered: Int64 = 0
      for sh in shifts {
        let a = max(sh.start.milliseconds, from.milliseconds)
        let b = min(sh.end.milliseconds, to.milliseconds)
        if b > a { covered += b - a }
      }
      let full = covered >= 3_600_000
      let some = covered > 0
      if h == nowHour {
        s.append(full ? "#" : (some ? "+" : "!"))
      } else {
        s.append(full ? "=" : (some ? "-" : "."))
      }
    }
    return s
  }
}

extension PaneKind {
  public static let roster = PaneKind("roster")
}

extension Action {
  public static let assignShift = Action("assignShift")
  public static let swapShift = Action("swapShift")
  public static let writeHandover = Action("writeHandover")
  public static let markNoShow = Action("markNoShow")
  public static let signIn = Action("signIn")
  public static let signOut = Action("signOut")
  public static let confirmHandover = Action("confirmHandover")
}

extension RosterPane {
  public var kind: PaneKind { .roster }

  public func table(_ c: PaneContext) -> TableData { Self.table(state: c.state, now: c.now, strings: c.strings) }

  /// Key-unit roles uncovered (active coverage alerts).
  public func counts(state: CordonState, now: Instant) -> [Int] {
    [state.alerts.values.reduce(0) { $0 + ($1.key.rule == .roleUncovered && $1.isActive ? 1 : 0) }]
  }
  public var countsActiveAlerts: RuleID? { .roleUncovered }
  /// Shifts, sign-ins and names; settings (the sign-in grace) change everything.
  public var reads: ChangeTrail.Areas { [.roster, .organisation] }
  public func badge(_ counts: [Int], _ t: Strings) -> String {
    let gaps = counts.first ?? 0
    return gaps > 0 ? " !\(gaps)" : ""
  }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.assignShift, pane: .roster, keys: [.char("a")], changesData: true, hint: true) { m in
        m.openForm(.assignShift)
      },
      ConsoleAction(.swapShift, pane: .roster, keys: [.char("s")], changesData: true) { m in
        guard let shift = m.currentShiftOfSelectedRow else { return m.warn("status.noShift") }
        return m.openForm(.swapShift(shift.id))
      },
      ConsoleAction(.writeHandover, pane: .roster, keys: [.char("h")], changesData: true, hint: true) { m in
        m.openForm(.handover)
      },
      // The incoming person confirms the selected unit's newest unconfirmed handover, item by item.
      ConsoleAction(.confirmHandover, pane: .roster, keys: [.char("c")], changesData: true) { m in
        let unit = String(m.selectedRowID?.split(separator: "/").first ?? "")
        guard let n = HandoverForms.toConfirm(unit: unit, state: m.state) else {
          return m.warn("form.confirmHandover.none")
        }
        return m.openForm(.confirmHandover(n.id))
      },
      ConsoleAction(.markNoShow, pane: .roster, keys: [.char("m")], changesData: true) { m in
        guard let shift = m.currentShiftOfSelectedRow else { return m.warn("status.noShift") }
        m.mode = .confirm(
          question: m.strings("confirm.noShow", m.state.personName(shift.person)),
          command: .markNoShow(shift: shift.id))
        return []
      },
      // In a local store the person is the one on the selected shift; over the
      // server the account signing in is the actor, and the server decides.
      ConsoleAction(.signIn, pane: .roster, keys: [.char("i")], changesData: true) { m in
        guard let shift = m.currentShiftOfSelectedRow else { return m.warn("status.noShift") }
        m.mode = .confirm(
          question: m.strings(
            "confirm.signIn", m.state.personName(shift.person),
            "\(m.state.calendar.format(shift.start))-\(m.state.calendar.formatTime(shift.end))"),
          command: .signIn(shift: shift.id))
        return []
      },
      ConsoleAction(.signOut, pane: .roster, keys: [.char("o")], changesData: true) { m in
        guard let shift = m.signedInShiftOfSelectedRow ?? m.currentShiftOfSelectedRow else {
          return m.warn("status.noShift")
        }
        m.mode = .confirm(
          question: m.strings("confirm.signOut", m.state.personName(shift.person)), command: .signOut(shift: shift.id))
        return []
      },
    ]
  }

  /// The unit's roster of the day and its handovers.
  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let (state, t) = (c.state, c.strings)
    let lang = t.language
    let cal = state.calendar
    let unitID = String(rowID.split(separator: "/").first ?? "")
    let day = cal.day(of: c.now)
    let shifts = state.shifts.values.filter {
      $0.unit == unitID && cal.day(of: $0.start) <= day && cal.day(of: $0.end) >= day
    }
    .sorted { ($0.role.rawValue, $0.start) < ($1.role.rawValue, $1.start) }
    var out = [state.unitName(unitID, lang) + " · " + cal.formatDay(day)]
    for s in shifts {
      let mark = s.cancelled ? " (x)" : (s.noShow ? " (!)" : "")
      var signed = ""
      if let i = s.signedIn {
        signed =
          "  \(t("event.signedIn")) \(cal.formatTime(i.at))" + (i.forOther ? " " + t("audit.signedInFor", i.by) : "")
      }
      if let o = s.signedOutAt { signed += "  \(t("event.signedOut")) \(cal.formatTime(o))" }
      out.append(
        "  \(t("role.\(s.role.rawValue)"))  \(cal.formatTime(s.start))-\(cal.formatTime(s.end))  \(state.personName(s.person))\(mark)\(signed)"
      )
    }
    out += HandoverForms.chain(unit: unitID, day: day, state: state, now: c.now, strings: t)
    out += InspectionPane.rosterLines(unit: unitID, day: day, state: state, now: c.now, strings: t)
    return (state.unitName(unitID, lang), out)
  }
}
