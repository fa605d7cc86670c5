import CordonModel
import EventSourcing

/// Text views opened from the command line: shortage requests, directives and
/// the day's health register.
enum InfoViews {
  static func requests(_ state: CordonState, strings t: Strings) -> [String] {
    let lang = t.language
    let rows = state.requests.values.sorted {
      ($0.isOpen ? 0 : 1, $0.submittedAt) < ($1.isOpen ? 0 : 1, $1.submittedAt)
    }
    guard !rows.isEmpty else { return [t("view.empty")] }
    return rows.map { r in
      let approved = r.approved.map { " -> \($0)" } ?? ""
      return "\(r.id)  \(t("request.\(r.status.rawValue)"))  \(t("urgency.\(r.urgency.rawValue)"))  "
        + "\(state.unitName(r.unit, lang)) \(state.itemName(r.item, lang)) \(r.quantity)\(approved)  \(r.reason)"
        + (r.finding.map { f in
          "  [" + t("request.finding", f)
            + (state.oversight.findings[f].map { " " + t("finding.status.\($0.status.rawValue)") } ?? "") + "]"
        } ?? "")
    } + ["", t("view.requestsHelp")]
  }

  /// Each notification receiver: what it still owes, its last delivery, and
  /// since when it has been failing with which (already redacted) error.
  static func notify(_ state: CordonState, strings t: Strings) -> [String] {
    let n = state.notify
    guard !n.routing.receivers.isEmpty else { return [t("view.notifyNone")] }
    let cal = state.calendar
    var out: [String] = []
    for name in n.routing.receivers {
      let h = n.receivers[name] ?? ReceiverHealth()
      let status = h.failingSince != nil ? t("notify.state.failing") : t("notify.state.ok")
      let last = h.lastDelivered.map { cal.format($0) } ?? "-"
      out.append(
        DisplayWidth.fit(name, to: 20) + DisplayWidth.fit(status, to: 8)
          + t("notify.row", String(n.queue(for: name).count), String(h.delivered), last))
      if let since = h.failingSince {
        out.append("    " + t("notify.failing", cal.format(since), h.lastError ?? ""))
      }
    }
    let routes = n.routing.routes.map { r in "\(r.name) → \(r.receivers.joined(separator: ", "))" }
    return out + [""] + routes
  }

  static func directives(_ state: CordonState, strings t: Strings) -> [String] {
    let lang = t.language
    let cal = state.calendar
    let rows = state.directives.values.sorted { $0.issuedAt > $1.issuedAt }
    guard !rows.isEmpty else { return [t("view.empty")] }
    var out: [String] = []
    for d in rows {
      out.append("\(d.id)  \(cal.format(d.issuedAt)) -> \(cal.format(d.deadline))  \(d.issuedBy)")
      for line in d.text.split(separator: "\n") { out.append("    " + line) }
      let acked = d.targets.filter { d.isAcknowledged(by: $0) }.map { state.unitName($0, lang) }
      let pending = d.pendingUnits.map { state.unitName($0, lang) }
      out.append("    \(t("directive.acked")) \(acked.count)/\(d.targets.count): \(acked.joined(separator: "、"))")
      if !pending.isEmpty { out.append("    \(t("directive.pending")): \(pending.joined(separator: "、"))") }
    }
    return out
  }

  /// Per unit and for the group: counts by category for the day and how many have not reported.
  static func register(_ state: CordonState, day: Int, strings t: Strings) -> [String] {
    let lang = t.language
    let entries = state.health[day] ?? [:]
    let cats = PersonCategory.allCases
    var out = [
      state.calendar.formatDay(day) + "  " + cats.map { t("category.\($0.rawValue)") }.joined(separator: " / ") + " / "
        + t("register.missing")
    ]
    var totals = Array(repeating: 0, count: cats.count + 1)
    for unit in state.orderedUnits {
      let people = state.people.values.filter { $0.unit == unit.id }
      guard !people.isEmpty else { continue }
      var counts = Array(repeating: 0, count: cats.count + 1)
      for p in people {
        if let e = entries[p.id], let i = cats.firstIndex(of: e.category) {
          counts[i] += 1
        } else {
          counts[cats.count] += 1
        }
      }
      for i in counts.indices { totals[i] += counts[i] }
      out.append(DisplayWidth.fit(unit.name.text(lang), to: 16) + counts.map { String($0) }.joined(separator: " / "))
    }
    out.append(DisplayWidth.fit(t("register.total"), to: 16) + totals.map { String($0) }.joined(separator: " / "))
    let fevers = entries.values.filter { ($0.morningCheck ?? Celsius(tenths: 0)) >= state.settings.feverThreshold }
    for e in fevers.sorted(by: { $0.person < $1.person }) {
      out.append("  !! \(state.personName(e.person)) \(e.morningCheck?.description ?? "")")
    }
    return out
  }
}
