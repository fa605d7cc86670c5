import EventSourcing

/// The daily report's sections for issue 17: 十五、督查与整改 (the day's
/// visits, findings raised, rectified, verified and reopened, and every
/// finding not closed at the end of the day, overdue ones marked) and
/// 十六、应急队伍派驻 (each deployment that day, and sites below their
/// required staff at the end of it). Each appears when there is something
/// to say, like the notifications section.
extension DailyReport {
  public struct OversightDay: Sendable, Equatable {
    public var visits: [Inspection] = []
    public var raised: [Finding] = []
    public var rectified = 0
    public var accepted = 0
    public var reopened = 0
    /// Findings not closed at the end of the day (or now), as they stood then.
    public var unresolved: [Finding] = []
    public var overdue = 0
    public var deployments: [Deployment] = []
    public struct Short: Sendable, Equatable {
      public var site: String
      public var have: Int
      public var required: Int
    }
    public var understaffed: [Short] = []
    /// The moment the figures are taken at: the end of the day, or now for today.
    public var at = Instant(milliseconds: 0)
    public init() {}
    public var hasInspections: Bool { !visits.isEmpty || !raised.isEmpty || !unresolved.isEmpty || rectified > 0 }
    public var hasDeployments: Bool { !deployments.isEmpty || !understaffed.isEmpty }
  }

  /// What the day's records and the state at its end (`at`) say about inspections and deployments.
  mutating func collectOversight(
    _ records: [EventRecord<CordonEvent>], end: CordonState, at: Instant, keep: (String?) -> Bool
  ) {
    let cal = end.calendar
    var o = OversightDay()
    o.at = at
    for r in records {
      switch r.event {
      case .inspectionRecorded(let i) where keep(i.unit): o.visits.append(i)
      case .findingRaised(let f) where keep(f.unit): o.raised.append(end.oversight.findings[f.id] ?? f)
      case .findingRectified(let id, _) where keep(end.oversight.findings[id]?.unit): o.rectified += 1
      case .findingVerified(let id, let accepted, _) where keep(end.oversight.findings[id]?.unit):
        if accepted { o.accepted += 1 } else { o.reopened += 1 }
      default: break
      }
    }
    o.unresolved = end.findings().filter { $0.isUnresolved && keep($0.unit) && $0.raisedAt < at }
    o.overdue = o.unresolved.filter { $0.isOverdue(at: at) }.count
    let from = cal.startOfDay(day)
    let to = cal.startOfDay(day + 1)
    o.deployments = end.oversight.deployments.values.filter { d in
      d.overlaps(from, to) && keep(end.sites[d.site]?.unit)
    }.sorted { ($0.start, $0.person, $0.id) < ($1.start, $1.person, $1.id) }
    let deployed = end.deployedCounts(at: at.adding(minutes: -1))
    o.understaffed = end.orderedSites.compactMap { s in
      guard s.isOpen, keep(s.unit), let required = s.requiredStaff, required > 0 else { return nil }
      let have = s.staffOnPost.clampedAdding(deployed[s.id] ?? 0)
      return have < required ? OversightDay.Short(site: s.id, have: have, required: required) : nil
    }
    oversight = o
  }
}

extension ReportRenderer {
  static func oversightSections(_ r: DailyReport, state: CordonState, strings t: Strings) -> [Line] {
    let lang = t.language
    let cal = state.calendar
    let o = r.oversight
    func one(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }
    var out: [Line] = []
    if o.hasInspections {
      out.append(.heading(t("report.inspections")))
      out.append(
        .item(
          t(
            "report.inspectionSummary", String(o.visits.count), String(o.raised.count),
            String(o.raised.filter { $0.severity == .critical }.count), String(o.rectified), String(o.accepted),
            String(o.reopened), String(o.unresolved.count), String(o.overdue))))
      for v in o.visits {
        out.append(
          .item(
            t(
              "report.inspectionLine", cal.formatTime(v.at), v.id, v.by, state.unitName(v.unit, lang),
              OversightText.list(v.sites.map { state.siteName($0, lang) }, lang), String(v.checked.count))
              + (v.notes.isEmpty ? "" : " · " + one(v.notes))))
      }
      for f in o.unresolved {
        let overdue = f.isOverdue(at: o.at)
        out.append(
          .item(
            t(
              "report.findingLine", f.id, state.unitName(f.unit, lang), t("severity.finding.\(f.severity.rawValue)"),
              t("finding.status.\(f.status.rawValue)"), cal.format(f.deadline), one(f.text))
              + (overdue ? " · " + t("finding.status.overdue") : "")
              + (f.request.map {
                " · " + t("audit.findingRequest", OversightText.request($0, state: state, strings: t))
              }
                ?? "")))
      }
    }
    if o.hasDeployments {
      out.append(.heading(t("report.deployments")))
      let sites = Set(o.deployments.map(\.site)).count
      out.append(.item(t("report.deploymentSummary", String(o.deployments.count), String(sites))))
      for d in o.deployments {
        let team = state.oversight.teams[d.team]?.name ?? d.team
        out.append(
          .item(
            t(
              "report.deploymentLine", state.personName(d.person), team, state.siteName(d.site, lang),
              OversightText.period(d.start, d.effectiveEnd, cal))
              + (d.recalledAt != nil ? " · " + t("report.deploymentRecalled", one(d.recallReason ?? "")) : "")))
      }
      for s in o.understaffed {
        out.append(
          .item(t("alert.siteUnderstaffed", state.siteName(s.site, lang), String(s.have), String(s.required))))
      }
    }
    return out
  }

  /// CSV rows, per unit for inspections and per site for deployments.
  static func oversightRows(_ r: DailyReport, state: CordonState, strings t: Strings) -> [[String]] {
    let lang = t.language
    let o = r.oversight
    var rows: [[String]] = []
    if o.hasInspections {
      let section = t("report.inspections")
      let units = state.allUnits.map(\.id).filter { u in
        o.visits.contains { $0.unit == u } || o.raised.contains { $0.unit == u }
          || o.unresolved.contains { $0.unit == u }
      }
      for u in units {
        let name = state.unitName(u, lang)
        rows.append([section, name, t("report.csv.visits"), String(o.visits.filter { $0.unit == u }.count)])
        rows.append([section, name, t("report.csv.findingsRaised"), String(o.raised.filter { $0.unit == u }.count)])
        rows.append([
          section, name, t("report.csv.findingsUnresolved"), String(o.unresolved.filter { $0.unit == u }.count),
        ])
      }
      rows.append([section, "", t("report.csv.findingsRectified"), String(o.rectified)])
      rows.append([section, "", t("report.csv.findingsAccepted"), String(o.accepted)])
      rows.append([section, "", t("report.csv.findingsReopened"), String(o.reopened)])
      rows.append([section, "", t("report.csv.findingsOverdue"), String(o.overdue)])
    }
    if o.hasDeployments {
      let section = t("report.deployments")
      var perSite: [String: Int] = [:]
      for d in o.deployments { perSite[d.site, default: 0] += 1 }
      for s in state.allSites where perSite[s.id] != nil {
        rows.append([
          section, state.unitName(s.unit, lang), t("report.csv.deployedAt", s.name.text(lang)),
          String(perSite[s.id] ?? 0),
        ])
      }
      for s in o.understaffed {
        rows.append([
          section, state.unitName(state.sites[s.site]?.unit ?? "", lang),
          t("report.csv.understaffedAt", state.siteName(s.site, lang)), "\(s.have)/\(s.required)",
        ])
      }
    }
    return rows
  }
}
