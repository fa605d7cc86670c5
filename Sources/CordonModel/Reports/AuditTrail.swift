import EventSourcing

/// Who did what and when (measure 12: accountability), straight from the journal.
public enum AuditTrail {
  public struct Filter: Sendable, Equatable {
    public var actor: String?
    public var unit: String?
    public var since: Instant?
    public var until: Instant?
    public init(actor: String? = nil, unit: String? = nil, since: Instant? = nil, until: Instant? = nil) {
      self.actor = actor
      self.unit = unit
      self.since = since
      self.until = until
    }
  }

  public static func select(_ records: [EventRecord<CordonEvent>], _ f: Filter, state: CordonState) -> [EventRecord<
    CordonEvent
  >] {
    records.filter { matches($0, f, state: state) }
  }

  /// Whether the filter keeps `r` (what `select` keeps, one record at a time).
  public static func matches(_ r: EventRecord<CordonEvent>, _ f: Filter, state: CordonState) -> Bool {
    if let a = f.actor, r.actor != a { return false }
    if let s = f.since, r.time < s { return false }
    if let u = f.until, r.time >= u { return false }
    if let unit = f.unit, r.unit != unit, !units(of: r.event, state).contains(unit) { return false }
    return true
  }

  /// One line: time, seq, actor, what (`LineWriter` writes it).
  public static func line(_ r: EventRecord<CordonEvent>, state: CordonState, strings t: Strings) -> String {
    var writer = LineWriter(state: state, strings: t)
    var out: [UInt8] = []
    writer.append(r, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// The event's kind in words, and the ids and figures that identify it.
  public static func describe(_ e: CordonEvent, state: CordonState, strings t: Strings) -> String {
    let label = kindLabel(e.tag, t.language)
    let detail = detail(e, state: state, strings: t)
    return detail.isEmpty ? label : "\(label): \(detail)"
  }

  /// The kind of an event in words: the strings' `event.<case>`, else the
  /// case's name (from the tag table, not reflection: a year's audit names
  /// millions of events).
  public static func kindLabel(_ tag: CordonEventTag, _ lang: Language) -> String {
    let labels = lang == .zh ? zhKinds : enKinds
    return Int(tag.rawValue) < labels.count ? labels[Int(tag.rawValue)] : "\(tag)"
  }

  private static let zhKinds = kindLabels(Strings(.zh))
  private static let enKinds = kindLabels(Strings(.en))

  private static func kindLabels(_ t: Strings) -> [String] {
    var labels = [String](repeating: "", count: Int(CordonEventTag.allCases.map(\.rawValue).max() ?? 0) + 1)
    for tag in CordonEventTag.allCases {
      let kind = CordonEvent.binaryCaseName(forTag: tag.rawValue) ?? "\(tag)"
      labels[Int(tag.rawValue)] = t.has("event.\(kind)") ? t("event.\(kind)") : kind
    }
    return labels
  }

  /// The ids and figures that identify an event, after its kind ("" for none).
  public static func detail(_ e: CordonEvent, state: CordonState, strings t: Strings) -> String {
    let lang = t.language
    let detail: String
    switch e {
    case .unitRegistered(let u): detail = u.name.text(lang)
    case .personRegistered(let p): detail = "\(p.name) \(state.unitName(p.unit, lang))"
    case .siteRegistered(let s): detail = s.name.text(lang)
    case .itemRegistered(let i): detail = i.name.text(lang)
    case .shiftAssigned(let s):
      detail =
        "\(state.unitName(s.unit, lang)) \(t("role.\(s.role.rawValue)")) \(state.personName(s.person)) "
        + "\(state.calendar.format(s.start))-\(state.calendar.formatTime(s.end))"
    case .shiftCancelled(let id, let reason): detail = "\(id) \(reason)"
    case .noShowMarked(let id): detail = id
    case .shiftsSwapped(let a, let b): detail = "\(a) <-> \(b)"
    case .handoverWritten(let n):
      detail =
        n.hasChecklist
        ? "\(n.id) \(state.unitName(n.unit, lang)) "
          + t("audit.handoverItems", String((n.items?.count ?? 0) + n.omitted))
        : state.unitName(n.unit, lang)
    case .handoverConfirmed(let id, let queries):
      let unit = state.handover(id).map { state.unitName($0.unit, lang) } ?? ""
      detail =
        "\(id) \(unit)"
        + (queries.isEmpty
          ? "" : " " + t("audit.handoverQueried", queries.map { String($0.item) }.joined(separator: ",")))
    case .notificationDropped(let id, let receiver, let reason, let kind, let subject):
      let about = kind.map { noticeWords($0, subject: subject ?? "", state: state, strings: t) }
      detail = t("audit.notificationDropped.\(reason)", about.map { t("audit.noticeAbout", id, $0) } ?? id, receiver)
    case .drillStarted(let m):
      detail =
        "\(m.id) \(m.name.text(lang)) \(m.scenario) x\(m.speed)" + (m.exercise ? " " + t("drill.exerciseCopy") : "")
    case .drillEnded(let id): detail = id
    case .retentionApplied(let day):
      detail = t("audit.retentionBefore", state.calendar.formatDay(day &- CordonState.retentionDays))
    case .signedIn(let s):
      detail =
        shiftWords(s.shift, person: s.person, state: state, strings: t)
        + (s.forOther ? " " + t("audit.signedInFor", s.by) : "")
    case .signedOut(let id, _, _): detail = shiftWords(id, person: nil, state: state, strings: t)
    case .healthRegistered(let h): detail = "\(state.personName(h.person)) \(h.morningCheck?.description ?? "")"
    case .siteOpened(let s, _), .siteClosed(let s), .ventilationRecorded(let s): detail = state.siteName(s, lang)
    case .roundRecorded(let s, let r): detail = "\(state.siteName(s, lang)) \(r.checked)/\(r.fevers)"
    case .feverRecorded(let c): detail = "\(state.siteName(c.site, lang)) \(c.personName) \(c.reading)"
    case .disinfectionRecorded(let s, let d): detail = "\(state.siteName(s, lang)) \(d.area)"
    case .stockMoved(let m): detail = "\(state.unitName(m.unit, lang)) \(state.itemName(m.item, lang)) \(m.delta)"
    case .stockTransferred(let x):
      detail =
        "\(state.unitName(x.from, lang)) -> \(state.unitName(x.to, lang)) \(state.itemName(x.item, lang)) \(x.quantity)"
    case .stockCounted(let c): detail = "\(state.unitName(c.unit, lang)) \(state.itemName(c.item, lang)) = \(c.counted)"
    case .minimumSet(let u, let i, let m): detail = "\(state.unitName(u, lang)) \(state.itemName(i, lang)) \(m)"
    case .requestSubmitted(let q):
      detail = "\(q.id) \(state.unitName(q.unit, lang)) \(state.itemName(q.item, lang)) \(q.quantity)"
    case .requestApproved(let id, let q, _), .requestForwarded(let id, let q, _), .requestReceived(let id, let q):
      detail = "\(id) \(q)"
    case .requestRejected(let id, _), .requestAllocated(let id): detail = id
    case .directiveIssued(let d): detail = "\(d.id) \(d.targets.count)"
    case .directiveAcknowledged(let id, let unit): detail = "\(id) \(state.unitName(unit, lang))"
    case .settingsChanged(let s):
      detail = "\(s.feverThreshold) \(s.plausibleReadings.lowerBound)–\(s.plausibleReadings.upperBound)"
    case .unitUpdated(let u): detail = "\(u.id) \(u.name.text(lang))"
    case .siteUpdated(let s): detail = "\(s.id) \(s.name.text(lang)) \(state.unitName(s.unit, lang))"
    case .itemUpdated(let i): detail = "\(i.id) \(i.name.text(lang))"
    case .personUpdated(let p): detail = "\(p.name) \(state.unitName(p.unit, lang))"
    case .unitRetired(let id): detail = "\(id) \(state.unitName(id, lang))"
    case .siteRetired(let id): detail = "\(id) \(state.siteName(id, lang))"
    case .itemRetired(let id): detail = "\(id) \(state.itemName(id, lang))"
    case .personRetired(let id): detail = "\(id) \(state.personName(id))"
    case .alertEscalated(let k, let level, let step?):
      let alert = state.alerts[k].map { "#\($0.number) \($0.message(state, t))" } ?? k.description
      detail = "\(alert) · \(step.words(level: level, state: state, strings: t))"
    case .logEntered, .logEntryVoided, .followUpClosed, .reportSent, .reportAcknowledged, .reportReplied,
      .directiveReplied:
      detail = dutyDetail(e, state: state, strings: t)
    case .fundLineOpened, .fundIncomeRecorded, .fundExpenseRecorded, .fundExpenseApproved, .fundExpenseRejected,
      .fundEntryReversed, .campaignStarted, .donationRecorded, .donationVoided, .donationsHandedOver:
      detail = fundDetail(e, state: state, strings: t)
    case .checklistSet, .inspectionRecorded, .findingRaised, .findingRectified, .findingVerified, .teamFormed,
      .memberDeployed, .deploymentRecalled:
      detail = oversightDetail(e, state: state, strings: t)
    default:
      if let k = e.alertKey {
        detail = state.alerts[k].map { "#\($0.number) \($0.message(state, t))" } ?? k.description
      } else {
        detail = ""
      }
    }
    return detail
  }

  /// A shift as a person reads it: unit, role, who, and its hours; the id
  /// only when the shift is unknown.
  static func shiftWords(_ id: String, person: String?, state: CordonState, strings t: Strings) -> String {
    guard let s = state.shifts[id] else {
      return [id, person.map { state.personName($0) }].compactMap { $0 }.joined(separator: " ")
    }
    let cal = state.calendar
    return
      "\(state.unitName(s.unit, t.language)) \(t("role.\(s.role.rawValue)")) \(state.personName(person ?? s.person)) "
      + "\(cal.format(s.start))~\(cal.day(of: s.end) == cal.day(of: s.start) ? cal.formatTime(s.end) : cal.formatMonthDayTime(s.end))"
  }

  /// Units an event concerns, for the unit filter.
  static func units(of e: CordonEvent, _ state: CordonState) -> [String] {
    switch e {
    case .unitRegistered(let u), .unitUpdated(let u): [u.id]
    case .personRegistered(let p), .personUpdated(let p): [p.unit]
    case .siteRegistered(let s), .siteUpdated(let s): [s.unit]
    case .unitRetired(let id): [id]
    case .siteRetired(let id): [state.sites[id]?.unit].compactMap { $0 }
    case .personRetired(let id): [state.people[id]?.unit].compactMap { $0 }
    case .shiftAssigned(let s): [s.unit]
    case .shiftCancelled(let id, _), .noShowMarked(let id): [state.shifts[id]?.unit].compactMap { $0 }
    case .shiftsSwapped(let a, _): [state.shifts[a]?.unit].compactMap { $0 }
    case .handoverWritten(let n): [n.unit]
    case .handoverConfirmed(let id, _): [state.handover(id)?.unit].compactMap { $0 }
    case .signedIn(let s): [state.shifts[s.shift]?.unit].compactMap { $0 }
    case .signedOut(let id, _, _): [state.shifts[id]?.unit].compactMap { $0 }
    case .healthRegistered(let h): [state.people[h.person]?.unit].compactMap { $0 }
    case .siteOpened(let s, _), .siteClosed(let s), .ventilationRecorded(let s), .roundRecorded(let s, _),
      .disinfectionRecorded(let s, _):
      [state.sites[s]?.unit].compactMap { $0 }
    case .feverRecorded(let c): [state.sites[c.site]?.unit].compactMap { $0 }
    case .stockMoved(let m): [m.unit]
    case .stockTransferred(let x): [x.from, x.to]
    case .stockCounted(let c): [c.unit]
    case .minimumSet(let u, _, _): [u]
    case .requestSubmitted(let q): [q.unit]
    case .directiveIssued(let d): d.targets
    case .directiveAcknowledged(_, let u): [u]
    case .alertRaised(let a): [a.unit]
    case .logEntered(let l): [l.unit]
    case .logEntryVoided(let id, _), .followUpClosed(let id, _): [state.dutyLog[id]?.unit].compactMap { $0 }
    case .reportSent(let r): [r.unit, state.headquarters].compactMap { $0 }
    case .reportAcknowledged(let id), .reportReplied(let id, _):
      [state.reports[id]?.unit, state.headquarters].compactMap { $0 }
    case .directiveReplied(_, let u, _): [u]
    case .fundLineOpened, .fundIncomeRecorded, .fundExpenseRecorded, .fundExpenseApproved, .fundExpenseRejected,
      .fundEntryReversed, .campaignStarted, .donationsHandedOver:
      [state.headquarters].compactMap { $0 }
    case .donationRecorded(let d): [d.unit]
    case .donationVoided(let id, _): [state.donations.donations[id]?.unit].compactMap { $0 }
    case .checklistSet, .inspectionRecorded, .findingRaised, .findingRectified, .findingVerified, .teamFormed,
      .memberDeployed, .deploymentRecalled:
      oversightUnits(e, state)
    default: e.alertKey.flatMap { state.alerts[$0]?.unit }.map { [$0] } ?? []
    }
  }
}

extension AuditTrail {
  /// The ids and short texts that identify a duty-log or report event.
  static func dutyDetail(_ e: CordonEvent, state: CordonState, strings t: Strings) -> String {
    let lang = t.language
    switch e {
    case .logEntered(let l):
      return
        "\(l.id) \(state.unitName(l.unit, lang)) \(t("channel.\(l.channel.rawValue)")) \(DutyLogText.excerpt(l.text))"
    case .logEntryVoided(let id, let reason): return "\(id) \(DutyLogText.excerpt(reason))"
    case .followUpClosed(let id, let note): return "\(id) \(DutyLogText.excerpt(note))"
    case .reportSent(let r):
      return
        "\(r.id) \(state.unitName(r.unit, lang)) \(t("priority.\(r.priority.rawValue)")) \(DutyLogText.excerpt(r.text))"
    case .reportAcknowledged(let id): return id
    case .reportReplied(let id, let text): return "\(id) \(DutyLogText.excerpt(text))"
    case .directiveReplied(let id, let unit, let text):
      return "\(id) \(state.unitName(unit, lang)) \(DutyLogText.excerpt(text))"
    default: return ""
    }
  }
}

extension AuditTrail {
  /// The ids, amounts and short texts that identify a fund or donation event.
  static func fundDetail(_ e: CordonEvent, state: CordonState, strings t: Strings) -> String {
    func line(_ id: String) -> String { state.fund.lines[id]?.name ?? id }
    func entry(_ id: String) -> String {
      guard let x = state.fund.entries[id] else { return id }
      return "\(id) \(line(x.line)) \(x.amount)"
    }
    func campaign(_ id: String) -> String { state.donations.campaigns[id]?.name ?? id }
    switch e {
    case .fundLineOpened(let l): return "\(l.id) \(l.name) \(l.budget)"
    case .fundIncomeRecorded(let x):
      return "\(x.id) \(line(x.line)) +\(x.amount) \(x.voucher) \(DutyLogText.excerpt(x.text))"
    case .fundExpenseRecorded(let x):
      let status = x.isAwaitingApproval ? t("audit.fundAwaiting") : t("audit.fundPaid")
      return "\(x.id) \(line(x.line)) -\(x.amount) \(x.voucher) \(DutyLogText.excerpt(x.text)) (\(status))"
    case .fundExpenseApproved(let id, let note), .fundExpenseRejected(let id, let note):
      return note.isEmpty ? entry(id) : "\(entry(id)) \(DutyLogText.excerpt(note))"
    case .fundEntryReversed(let x):
      return
        "\(x.id) \(t("audit.fundReverses", x.reverses ?? "")) \(line(x.line)) \(x.amount) \(x.voucher) "
        + DutyLogText.excerpt(x.text)
    case .campaignStarted(let c): return "\(c.id) \(c.name) → \(c.recipient)"
    case .donationRecorded(let d):
      let donor = d.donor.isEmpty ? t("audit.donationAnonymous") : d.donor
      return "\(d.id) \(campaign(d.campaign)) \(state.unitName(d.unit, t.language)) \(donor) \(d.amount)"
    case .donationVoided(let id, let reason): return "\(id) \(DutyLogText.excerpt(reason))"
    case .donationsHandedOver(let h):
      let to = state.donations.campaigns[h.campaign]?.recipient ?? ""
      return "\(h.id) \(campaign(h.campaign)) → \(to) \(h.amount) \(h.voucher)"
    default: return ""
    }
  }
}

extension AuditTrail {
  /// What a notification was about, as a person reads it: its kind, then the
  /// alert (number and message while it is known), the directive and unit,
  /// the shift, or the receiver of a test.
  static func noticeWords(_ kind: NotificationKind, subject: String, state: CordonState, strings t: Strings)
    -> String
  {
    let lang = t.language
    let what: String
    switch kind {
    case .alert, .escalation:
      let key = AlertKey(parsing: subject)
      what = key.flatMap { state.alerts[$0] }.map { "#\($0.number) \($0.message(state, t))" } ?? subject
    case .directive:
      let parts = subject.split(separator: "/", maxSplits: 1).map(String.init)
      what = parts.count == 2 ? "\(parts[0]) \(state.unitName(parts[1], lang))" : subject
    case .handoff:
      let id = subject.hasPrefix("handoff/") ? String(subject.dropFirst("handoff/".count)) : subject
      what = shiftWords(id, person: nil, state: state, strings: t)
    case .test:
      what = subject.hasPrefix("test/") ? String(subject.dropFirst("test/".count)) : subject
    }
    return "\(t("notify.kind.\(kind.rawValue)")) \(what)"
  }
}
