import EventSourcing

/// The group's daily report (疫情防控日日报), built from the day's journal
/// records and the state at the end of that day. Pure and deterministic: the
/// same data directory and date always give the same report.
public struct DailyReport: Sendable, Equatable {
  public struct UnitPeople: Sendable, Equatable {
    public var unit: String
    public var byCategory: [PersonCategory: Int]
    public var missing: Int
  }
  public struct Disinfection: Sendable, Equatable {
    public var unit: String
    public var required: Int
    public var done: Int
  }
  public struct FeverLine: Sendable, Equatable {
    public var at: Instant
    public var site: String
    public var person: String
    public var reading: Celsius
  }
  public struct StockLineSummary: Sendable, Equatable {
    public var unit: String
    public var item: String
    public var balance: Quantity
    public var minimum: Quantity
  }

  /// Up to this many fever cases are listed one by one; beyond it the
  /// report counts them by site and lists the newest this many.
  public static let feverCasesListed = 20

  public var day: Int
  public var unitFilter: String?
  public var people: [UnitPeople]
  public var rounds: Int
  public var checked: Int
  public var fevers: Int
  public var feverCases: [FeverLine]
  public var disinfection: [Disinfection]
  public var ventilations: Int
  public struct StockTotal: Sendable, Equatable {
    public var item: String
    public var total: Quantity
  }
  public var stockTotals: [StockTotal]
  public var lowStock: [StockLineSummary]
  public var requests: [ShortageRequest]
  public var alertsRaised: [Severity: Int]
  public var alertsResolved: Int
  public var alertsOpen: [Alert]
  public var directives: [Directive]
  public var handovers: [HandoverNote]
  /// Significant duty-log entries of the day (void ones left out), as they stand at the end.
  public var significantEntries: [LogEntry] = []
  /// Follow-ups still open at the end of the day.
  public var openFollowUps: [LogEntry] = []
  /// Reports up sent that day, with their acknowledgement and replies.
  public var reportsUp: [UpReport] = []
  /// Replies to directives given that day.
  public var directiveReplies: [DirectiveReplyLine] = []
  /// The day's shifts and their sign-ins (SignInPunctuality.swift).
  public var signIns: [SignInLine] = []
  /// Notifications per receiver (NotificationSummary.swift); empty without receivers.
  public var notifications: [NotificationLine] = []
  /// The fund's day (DailyReportFund.swift); nil without a fund, or for another unit than headquarters.
  public var fund: FundDay?
  /// Each campaign's day (DailyReportFund.swift).
  public var donationDays: [CampaignDay] = []
  /// Inspections, findings and deployments (DailyReportInspections.swift).
  public var oversight = OversightDay()

  /// `records` are the records of the day (any extra are ignored); `end` is
  /// the state at the end of the day (or now, for today). `now` is when the
  /// report is written (a shift whose sign-in is not due yet is not counted
  /// as missed); nil means after the day's end.
  public init(
    day: Int, unit: String? = nil, records: [EventRecord<CordonEvent>], end: CordonState, now: Instant? = nil
  ) {
    let cal = end.calendar
    self.day = day
    self.unitFilter = unit
    let dayRecords = records.filter { cal.day(of: $0.time) == day }
    func keep(_ u: String?) -> Bool { unit == nil || u == unit }
    func siteUnit(_ s: String) -> String? { end.sites[s]?.unit }

    let entries = end.health[day] ?? [:]
    // Grouped once: the group's report of a city (200 units, 100,000
    // people, 5,000 sites) does not scan every person and site per unit.
    let membersByUnit = Dictionary(grouping: end.people.values.filter { keep($0.unit) }, by: \.unit)
    people = end.orderedUnits.filter { keep($0.id) }.compactMap { u in
      guard let members = membersByUnit[u.id], !members.isEmpty else { return nil }
      var counts: [PersonCategory: Int] = [:]
      var missing = 0
      for p in members {
        if let e = entries[p.id] { counts[e.category, default: 0] += 1 } else { missing += 1 }
      }
      return UnitPeople(unit: u.id, byCategory: counts, missing: missing)
    }

    var rounds = 0
    var checked = 0
    var fevers = 0
    var cases: [FeverLine] = []
    var ventilations = 0
    var raised: [Severity: Int] = [:]
    var resolved = 0
    var requestIDs: [String] = []
    var directiveIDs: [String] = []
    var notes: [HandoverNote] = []
    var cover = FeverCover()
    for r in dayRecords {
      switch r.event {
      case .roundRecorded(let site, let round) where keep(siteUnit(site)):
        rounds += 1
        checked = checked.clampedAdding(round.checked)
        fevers = fevers.clampedAdding(round.fevers)
        cover.round(at: site, owing: round.casesToEnter)
      case .feverRecorded(let c) where keep(siteUnit(c.site)):
        cover.fever(at: c.site)
        cases.append(FeverLine(at: c.at, site: c.site, person: c.personName, reading: c.reading))
      case .ventilationRecorded(let site) where keep(siteUnit(site)):
        ventilations += 1
      case .alertRaised(let a) where keep(a.unit):
        raised[a.severity, default: 0] += 1
      case .alertResolved(let k, _), .alertAutoResolved(let k):
        if keep(end.alerts[k]?.unit) { resolved += 1 }
      case .requestSubmitted(let q) where keep(q.unit):
        requestIDs.append(q.id)
      case .requestApproved(let id, _, _), .requestRejected(let id, _), .requestForwarded(let id, _, _),
        .requestReceived(let id, _), .requestAllocated(let id):
        if !requestIDs.contains(id), keep(end.requests[id]?.unit) { requestIDs.append(id) }
      case .directiveIssued(let d) where unit == nil || d.targets.contains(unit ?? ""):
        directiveIDs.append(d.id)
      case .handoverWritten(let n) where keep(n.unit):
        notes.append(n)
      default: break
      }
    }
    self.rounds = rounds
    // A fever case that no round of the day counts (entered after the
    // site's last round, or with no round at all) is still a fever and a
    // person checked: the summary never says fewer than the cases it lists.
    self.fevers = fevers.clampedAdding(cover.uncounted)
    self.checked = checked.clampedAdding(cover.uncounted)
    self.feverCases = cases
    self.ventilations = ventilations
    self.alertsRaised = raised
    self.alertsResolved = resolved
    self.requests = requestIDs.compactMap { end.requests[$0] }
    self.directives = directiveIDs.compactMap { end.directives[$0] }
    self.handovers = Self.handovers(written: notes, end: end)

    let sitesByUnit = Dictionary(grouping: end.orderedSites.filter { keep($0.unit) }, by: \.unit)
    disinfection = end.orderedUnits.filter { keep($0.id) }.compactMap { u in
      guard let sites = sitesByUnit[u.id], !sites.isEmpty else { return nil }
      return Disinfection(
        unit: u.id, required: sites.reduce(0) { $0.clampedAdding($1.disinfectionsPerDay) },
        done: sites.reduce(0) {
          $0.clampedAdding(min($1.disinfectionsPerDay, $1.disinfections(onDay: day, calendar: cal)))
        })
    }
    stockTotals = end.orderedItems.compactMap { item in
      let lines = end.stock.values.filter { $0.item == item.id && keep($0.unit) }
      guard !lines.isEmpty else { return nil }
      return StockTotal(item: item.id, total: lines.reduce(Quantity.zero) { $0 + $1.balance })
    }
    lowStock = end.stock.values.filter { keep($0.unit) && $0.level != .ok }
      .sorted { ($0.unit, $0.item) < ($1.unit, $1.item) }
      .map { StockLineSummary(unit: $0.unit, item: $0.item, balance: $0.balance, minimum: $0.minimum) }
    alertsOpen = end.alerts.values.filter { $0.isActive && keep($0.unit) }
      .sorted { (-$0.severity.rawValue, $0.number) < (-$1.severity.rawValue, $1.number) }
    collectDutyLog(dayRecords, end: end, keep: keep)
    collectSignIns(end: end, now: now ?? cal.startOfDay(day + 1), keep: keep)
    collectNotifications(dayRecords, end: end, keep: keep)
    collectFund(dayRecords, end: end, keep: keep)
    collectOversight(dayRecords, end: end, at: min(now ?? cal.startOfDay(day + 1), cal.startOfDay(day + 1)), keep: keep)
  }
}

extension DailyReport {
  /// Which of the day's fever cases a round counts, site by site. A round
  /// counts the cases entered at its site since the round before, and the
  /// ones it said were still to be entered (`casesToEnter`).
  struct FeverCover {
    var pending: [String: Int] = [:]
    var owed: [String: Int] = [:]
    mutating func round(at site: String, owing: Int) {
      pending[site] = 0
      owed[site] = max(0, owing)
    }
    mutating func fever(at site: String) {
      if let o = owed[site], o > 0 { owed[site] = o - 1 } else { pending[site, default: 0] += 1 }
    }
    var uncounted: Int { pending.values.reduce(0) { $0.clampedAdding($1) } }
  }

  public struct SiteCount: Sendable, Equatable {
    public var site: String
    public var count: Int
  }

  /// Whether the fever cases are too many to list one by one.
  public var feverCasesGrouped: Bool { feverCases.count > Self.feverCasesListed }

  /// Fever cases per site, most first (then in the organisation's site
  /// order); only for a grouped report, empty otherwise.
  public func feverCasesBySite(_ state: CordonState) -> [SiteCount] {
    guard feverCasesGrouped else { return [] }
    var counts: [String: Int] = [:]
    for c in feverCases { counts[c.site, default: 0] += 1 }
    let order = Dictionary(state.siteOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    return counts.map { SiteCount(site: $0.key, count: $0.value) }
      .sorted { ($1.count, order[$0.site] ?? Int.max, $0.site) < ($0.count, order[$1.site] ?? Int.max, $1.site) }
  }

  /// The cases the report lists: all of them in the order entered, or,
  /// grouped, the newest `feverCasesListed`, newest first.
  public var feverCasesListedLines: [FeverLine] {
    guard feverCasesGrouped else { return feverCases }
    return Array(feverCases.reversed().prefix(Self.feverCasesListed))
  }

  public struct DirectiveReplyLine: Sendable, Equatable {
    public var at: Instant
    public var directive: String
    public var unit: String
    public var by: String
    public var text: String
  }

  /// The duty log's sections: significant entries, open follow-ups, reports up, directive replies.
  mutating func collectDutyLog(_ records: [EventRecord<CordonEvent>], end: CordonState, keep: (String?) -> Bool) {
    var significant: [LogEntry] = []
    var reports: [UpReport] = []
    var replies: [DirectiveReplyLine] = []
    for r in records {
      switch r.event {
      case .logEntered(let e) where e.significant && keep(e.unit):
        let now = end.dutyLog[e.id] ?? e
        if !now.isVoid { significant.append(now) }
      case .reportSent(let report) where keep(report.unit):
        reports.append(end.reports[report.id] ?? report)
      case .directiveReplied(let id, let unit, let text) where keep(unit):
        replies.append(DirectiveReplyLine(at: r.time, directive: id, unit: unit, by: r.actor, text: text))
      default: break
      }
    }
    significantEntries = significant
    openFollowUps = end.openFollowUps().filter { keep($0.unit) }
    reportsUp = reports
    directiveReplies = replies
  }
}
