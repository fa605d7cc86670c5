import EventSourcing

/// Issue 17's events in words, for the audit trail, `cordon watch` and the views.
public enum OversightText {
  /// A period as a person reads it: its start, and its end's time (or day and time when another day).
  public static func period(_ start: Instant, _ end: Instant, _ cal: LocalCalendar) -> String {
    "\(cal.format(start))~\(cal.day(of: end) == cal.day(of: start) ? cal.formatTime(end) : cal.formatMonthDayTime(end))"
  }

  /// Names listed: 、 in Chinese, commas in English.
  public static func list(_ names: [String], _ lang: Language) -> String {
    names.joined(separator: lang == .zh ? "、" : ", ")
  }

  /// A finding's standing: open (overdue or not), rectified, closed.
  public static func status(_ f: Finding, now: Instant, strings t: Strings) -> String {
    if f.isOverdue(at: now) { return t("finding.status.overdue") }
    return t("finding.status.\(f.status.rawValue)") + (f.reopenedAt != nil && f.isOpen ? t("finding.reopenedMark") : "")
  }

  /// A request a finding raised, with its stage: "rq12 已调拨".
  public static func request(_ id: String, state: CordonState, strings t: Strings) -> String {
    guard let r = state.requests[id] else { return id }
    return "\(id) \(t("request.\(r.status.rawValue)"))"
  }
}

extension AuditTrail {
  static func oversightDetail(_ e: CordonEvent, state: CordonState, strings t: Strings) -> String {
    let lang = t.language
    let cal = state.calendar
    switch e {
    case .checklistSet(let kind, let items):
      return "\(t("kind.\(kind.rawValue)")) \(t("audit.checklistItems", String(items.count)))"
    case .inspectionRecorded(let i):
      let sites = OversightText.list(i.sites.map { state.siteName($0, lang) }, lang)
      return "\(i.id) \(state.unitName(i.unit, lang)) \(sites) \(t("audit.checklistItems", String(i.checked.count)))"
    case .findingRaised(let f):
      return
        "\(f.id) \(state.unitName(f.unit, lang)) \(t("severity.finding.\(f.severity.rawValue)")) "
        + t("audit.findingDeadline", cal.format(f.deadline)) + " \(DutyLogText.excerpt(f.text))"
        + (f.request.map { " · " + t("audit.findingRequest", $0) } ?? "")
    case .findingRectified(let id, let note): return "\(id) \(DutyLogText.excerpt(note))"
    case .findingVerified(let id, let accepted, let note):
      return "\(id) \(t(accepted ? "audit.findingAccepted" : "audit.findingReopened")) \(DutyLogText.excerpt(note))"
    case .teamFormed(let team):
      return t("audit.team", team.id, team.name, state.personName(team.leader), String(team.members.count))
    case .memberDeployed(let d):
      return
        "\(d.id) \(state.personName(d.person)) → \(state.siteName(d.site, lang)) \(OversightText.period(d.start, d.end, cal))"
    case .deploymentRecalled(let id, let reason): return "\(id) \(DutyLogText.excerpt(reason))"
    default: return ""
    }
  }

  static func oversightUnits(_ e: CordonEvent, _ state: CordonState) -> [String] {
    switch e {
    case .inspectionRecorded(let i): [i.unit]
    case .findingRaised(let f): [f.unit]
    case .findingRectified(let id, _), .findingVerified(let id, _, _):
      [state.oversight.findings[id]?.unit].compactMap { $0 }
    case .teamFormed(let team): Array(Set(team.members.compactMap { state.people[$0]?.unit })).sorted()
    case .memberDeployed(let d): [state.sites[d.site]?.unit].compactMap { $0 }
    case .deploymentRecalled(let id, _):
      [state.oversight.deployments[id].flatMap { state.sites[$0.site]?.unit }].compactMap { $0 }
    default: []
    }
  }
}
