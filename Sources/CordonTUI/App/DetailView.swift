import CordonModel
import EventSourcing

/// What Enter shows for the selected row: the site's day, the unit's
/// roster and handovers, the stock card, or the alert's history.
enum DetailView {
  static func lines(pane: PaneKind, rowID: String, state: CordonState, now: Instant, strings t: Strings) -> (
    String, [String]
  ) {
    let lang = t.language
    let cal = state.calendar
    switch pane {
    case .checkpoints:
      guard let site = state.sites[rowID] else { return (t("detail.title"), []) }
      var out: [String] = []
      out.append("\(site.name.text(lang)) · \(state.unitName(site.unit, lang)) · \(t("kind.\(site.kind.rawValue)"))")
      let today = cal.day(of: now)
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
      for c in state.feverCases where c.site == site.id {
        out.append("  !! \(cal.format(c.at))  \(c.personName)  \(c.reading)")
      }
      return (site.name.text(lang), out)
    case .stock:
      let parts = rowID.split(separator: "/").map(String.init)
      guard parts.count == 2, let line = state.stock[StockKey(unit: parts[0], item: parts[1])] else {
        return (t("detail.title"), [])
      }
      var out = ["\(state.unitName(line.unit, lang)) · \(state.itemName(line.item, lang)) = \(line.balance)"]
      for e in line.ledger {
        let sign = e.delta.milli >= 0 ? "+" : ""
        let other = e.counterparty.map { " <-> " + state.unitName($0, lang) } ?? ""
        // Stocktake reasons are stored as codes; other reasons are what the user typed.
        let reason = t.has("adjust.\(e.reason)") ? t("adjust.\(e.reason)") : e.reason
        out.append(
          "  \(cal.format(e.at))  \(t("movement.\(e.kind.rawValue)"))  \(sign)\(e.delta)  = \(e.balance)\(other)  \(reason)  \(e.by)"
        )
      }
      return (state.itemName(line.item, lang), out)
    case .alerts:
      guard let a = AlertKey(parsing: rowID).flatMap({ state.alerts[$0] }) else {
        return (t("detail.title"), [])
      }
      var out = ["#\(a.number) \(a.message(state, t))", "\(t("col.unit")): \(state.unitName(a.unit, lang))"]
      if let who = a.acknowledgedBy { out.append("\(t("state.acknowledged")): \(who)") }
      if let who = a.assignee { out.append(t("history.assigned", who)) }
      for h in a.history { out.append("  \(cal.format(h.at))  \(h.actor)  \(describe(h.action, t))") }
      return ("#\(a.number)", out)
    case .roster:
      let unitID = String(rowID.split(separator: "/").first ?? "")
      let day = cal.day(of: now)
      let shifts = state.shifts.values.filter {
        $0.unit == unitID && cal.day(of: $0.start) <= day && cal.day(of: $0.end) >= day
      }
      .sorted { ($0.role.rawValue, $0.start) < ($1.role.rawValue, $1.start) }
      var out = [state.unitName(unitID, lang) + " · " + cal.formatDay(day)]
      for s in shifts {
        let mark = s.cancelled ? " (x)" : (s.noShow ? " (!)" : "")
        out.append(
          "  \(t("role.\(s.role.rawValue)"))  \(cal.formatTime(s.start))-\(cal.formatTime(s.end))  \(state.personName(s.person))\(mark)"
        )
      }
      for n in state.handovers where n.unit == unitID {
        out.append("  \(cal.format(n.at)) \(n.author):")
        for l in n.text.split(separator: "\n") { out.append("    " + l) }
      }
      return (state.unitName(unitID, lang), out)
    }
  }

  static func describe(_ a: AlertAction, _ t: Strings) -> String {
    switch a {
    case .raised: t("history.raised")
    case .repeated: t("history.repeated")
    case .reopened: t("history.reopened")
    case .acknowledged: t("history.acknowledged")
    case .assigned(let to): t("history.assigned", to)
    case .escalated(let level): t("history.escalated", String(level))
    case .silenced(let until, let reason): t("history.silenced", until.description, reason)
    case .resolved(let note): t("history.resolved", note)
    case .autoResolved: t("history.autoResolved")
    case .severityChanged(let s):
      t("history.severity", t("severity.\(s == .critical ? "critical" : s == .warning ? "warning" : "info")"))
    }
  }
}
