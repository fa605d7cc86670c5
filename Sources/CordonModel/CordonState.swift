import EventSourcing

/// Everything the panes show, folded from the journal. A value type: the store
/// hands out copies, and a snapshot is this struct encoded.
public struct CordonState: Codable, Sendable, Equatable {
  public var settings = Settings()
  public var units: [String: OrgUnit] = [:]
  /// Registration order, so lists are stable without sorting by hash order.
  public var unitOrder: [String] = []
  public var people: [String: Person] = [:]
  public var sites: [String: Site] = [:]
  public var siteOrder: [String] = []
  public var items: [String: SupplyItem] = [:]
  public var itemOrder: [String] = []
  public var stock: [StockKey: StockLine] = [:]
  public var shifts: [String: Shift] = [:]
  public var handovers: [HandoverNote] = []
  /// day → person → entry.
  public var health: [Int: [String: HealthEntry]] = [:]
  /// Newest first.
  public var feverCases: NewestFirst<FeverCase> = []
  /// Sharded, so a change copies a shard, not every alert, while a reader holds the state (ShardedDictionary.swift).
  public var alerts = ShardedDictionary<AlertKey, Alert>()
  public var directives: [String: Directive] = [:]
  public var requests: [String: ShortageRequest] = [:]
  /// The duty log of every unit, by entry id (DutyLog.swift).
  public var dutyLog: [String: LogEntry] = [:]
  /// Reports up to HQ, by id.
  public var reports: [String: UpReport] = [:]
  /// The emergency fund (Fund.swift).
  public var fund = FundState()
  /// Donation campaigns (Donations.swift).
  public var donations = DonationState()
  /// Routes, the outbox and each receiver's health.
  public var notify = NotifyState()
  /// Inspections, findings, teams and deployments (issue 17); see `oversight`.
  var oversightStore: OversightState?
  /// Time of the newest event (never used for pruning: see `applyRetention`).
  public var latest = Instant(milliseconds: 0)
  public var lastSeq: UInt64 = 0
  public var serial = 0
  /// This store is a drill's copy of the live state (Drill/DrillMarker.swift).
  public var exercise: DrillMarker?
  /// On the real store: a drill is under way on a copy.
  public var drillUnderWay: DrillMarker?
  /// Fever cases by site and shifts by unit, for the incremental rules (never encoded).
  public internal(set) var ruleIndex = RuleIndex()
  /// What the last records changed, for readers that update what they derive (never encoded).
  public internal(set) var changeTrail = ChangeTrail()

  public init() {}

  /// How long finished shifts, notes and fever cases stay in memory; older
  /// ones are in the journal (audit, reports, time travel read them there).
  public static let retentionDays = 15

  public var calendar: LocalCalendar { settings.calendar }
  public func unitName(_ id: String, _ lang: Language) -> String { units[id]?.name.text(lang) ?? id }
  public func siteName(_ id: String, _ lang: Language) -> String { sites[id]?.name.text(lang) ?? id }
  public func itemName(_ id: String, _ lang: Language) -> String { items[id]?.name.text(lang) ?? id }
  public func personName(_ id: String) -> String { people[id]?.name ?? id }
  /// Whether the account `actor` is the person `person`: a person's id is their account name.
  public func isPerson(_ person: String, account actor: String) -> Bool { people[person] != nil && person == actor }
  /// The organisation as it stands: retired units, sites and items are left
  /// out (their names stay for the history, through `unitName` and friends).
  public var orderedUnits: [OrgUnit] { unitOrder.compactMap { units[$0] }.filter { !$0.isRetired } }
  public var orderedSites: [Site] { siteOrder.compactMap { sites[$0] }.filter { $0.retiredAt == nil } }
  public var orderedItems: [SupplyItem] { itemOrder.compactMap { items[$0] }.filter { !$0.isRetired } }
  /// Every unit, site and item ever registered, retired ones included, in registration order.
  public var allUnits: [OrgUnit] { unitOrder.compactMap { units[$0] } }
  public var allSites: [Site] { siteOrder.compactMap { sites[$0] } }
  public var allItems: [SupplyItem] { itemOrder.compactMap { items[$0] } }

  /// A store with no units has no organisation yet: `cordon init` or `--demo` gives it one.
  public var hasOrganisation: Bool { !unitOrder.isEmpty }
  /// The headquarters, from the organisation (exactly one unit is marked so).
  public var headquarters: String? { orderedUnits.first { $0.isHeadquarters }?.id }
  /// The unit whose stock approvals draw from: the one marked as holding the reserve, else headquarters.
  public var reserveUnit: String? { orderedUnits.first { $0.holdsReserve }?.id ?? headquarters }

  public mutating func apply(_ record: EventRecord<CordonEvent>) {
    let event = record.event
    changeTrail.note(seq: record.seq, event: event)
    lastSeq = record.seq
    let now = record.time
    if now > latest { latest = now }
    switch event {
    case .unitRegistered(let u):
      if units[u.id] == nil { unitOrder.append(u.id) }
      units[u.id] = u
    case .personRegistered(let p), .personUpdated(let p):
      people[p.id] = p
    case .personRetired(let id):
      people[id]?.retiredAt = now
    case .unitUpdated(let u):
      if units[u.id] == nil { unitOrder.append(u.id) }
      units[u.id] = u
    case .unitRetired(let id):
      units[id]?.retiredAt = now
    case .siteUpdated(let s):
      // What the site is changes; what happened there (rounds, open or closed) stays.
      updateSite(s.id) {
        $0.unit = s.unit
        $0.name = s.name
        $0.kind = s.kind
        $0.roundsPerDay = s.roundsPerDay
        $0.disinfectionsPerDay = s.disinfectionsPerDay
        $0.reportIntervalMinutes = s.reportIntervalMinutes
        $0.requiredStaff = s.requiredStaff
      }
    case .siteRetired(let id):
      updateSite(id) {
        $0.retiredAt = now
        $0.isOpen = false
        $0.staffOnPost = 0
      }
    case .itemUpdated(let i):
      items[i.id] = i
    case .itemRetired(let id):
      items[id]?.retiredAt = now
    case .siteRegistered(let s):
      if sites[s.id] == nil { siteOrder.append(s.id) }
      sites[s.id] = Site(
        id: s.id, unit: s.unit, name: s.name, kind: s.kind, roundsPerDay: s.roundsPerDay,
        disinfectionsPerDay: s.disinfectionsPerDay, reportIntervalMinutes: s.reportIntervalMinutes, isOpen: true,
        staffOnPost: s.staffOnPost, registeredAt: now, requiredStaff: s.requiredStaff)
    case .itemRegistered(let i):
      if items[i.id] == nil { itemOrder.append(i.id) }
      items[i.id] = i
    case .settingsChanged(let s):
      settings = s

    case .shiftAssigned(let sh):
      shifts[sh.id] = sh
      serial += 1
    case .shiftCancelled(let id, _):
      shifts[id]?.cancelled = true
    case .noShowMarked(let id):
      shifts[id]?.noShow = true
    case .signedIn(let s):
      shifts[s.shift]?.signedIn = s
    case .signedOut(let id, let at, _):
      shifts[id]?.signedOutAt = at
    case .handoverWritten(let note):
      handovers.insert(note, at: 0)
    case .handoverConfirmed(let id, let queries):
      confirmHandover(id, record, queries: queries)
    case .healthRegistered(let e):
      health[e.day, default: [:]][e.person] = e
    case .shiftsSwapped(let a, let b):
      if let pa = shifts[a]?.person, let pb = shifts[b]?.person {
        shifts[a]?.person = pb
        shifts[b]?.person = pa
      }
    case .requestSubmitted(let r):
      requests[r.id] = r
      serial += 1
    case .requestApproved(let id, let q, let note):
      requests[id]?.status = .approved
      requests[id]?.approved = q
      requests[id]?.decidedBy = record.actor
      requests[id]?.note = note
    case .requestRejected(let id, let note):
      requests[id]?.status = .rejected
      requests[id]?.decidedBy = record.actor
      requests[id]?.note = note
    case .requestForwarded(let id, let q, let note):
      requests[id]?.status = .forwarded
      requests[id]?.approved = q
      requests[id]?.decidedBy = record.actor
      requests[id]?.note = note
    case .requestAllocated(let id):
      if var r = requests[id] {
        r.status = .allocated
        r.received = r.approved ?? .zero
        requests[id] = r
      }
    case .requestReceived(let id, let q):
      if var r = requests[id] {
        r.received = r.received + q
        if r.received >= (r.approved ?? r.quantity) { r.status = .received }
        requests[id] = r
      }
    case .directiveIssued(let d):
      directives[d.id] = d
      serial += 1
    case .directiveAcknowledged(let id, let unit):
      directives[id]?.acknowledgements[unit] = DirectiveAck(by: record.actor, at: now)

    case .siteOpened(let id, let staff):
      updateSite(id) {
        $0.isOpen = true
        $0.staffOnPost = staff
        // Reopening restarts the report interval: a closed site is not late.
        $0.registeredAt = now
      }
    case .siteClosed(let id):
      updateSite(id) {
        $0.isOpen = false
        $0.staffOnPost = 0
      }
    case .roundRecorded(let id, let round):
      updateSite(id) { $0.record(round) }
    case .feverRecorded(let c):
      feverCases.prepend(c)
      serial += 1
      // A case entered against a round that was saved with cases to enter settles one of them.
      updateSite(c.site) { site in
        if let i = site.rounds.firstIndex(where: { $0.casesToEnter > 0 }) { site.rounds[i].casesToEnter -= 1 }
      }
    case .disinfectionRecorded(let id, let d):
      updateSite(id) { $0.record(d) }
    case .ventilationRecorded(let id):
      updateSite(id) { $0.lastVentilation = now }

    case .stockMoved(let m):
      post(unit: m.unit, item: m.item, kind: m.kind, delta: m.delta, counterparty: nil, reason: m.reason, record)
    case .stockTransferred(let t):
      post(
        unit: t.from, item: t.item, kind: .transferOut, delta: -t.quantity, counterparty: t.to,
        reason: t.reason, record)
      post(
        unit: t.to, item: t.item, kind: .transferIn, delta: t.quantity, counterparty: t.from, reason: t.reason, record)
    case .stockCounted(let c):
      let key = StockKey(unit: c.unit, item: c.item)
      let delta = c.counted - (stock[key]?.balance ?? .zero)
      post(
        unit: c.unit, item: c.item, kind: .stocktake, delta: delta, counterparty: nil, reason: c.reason.rawValue, record
      )
    case .minimumSet(let unit, let item, let minimum):
      stock[StockKey(unit: unit, item: item), default: StockLine(unit: unit, item: item)].setMinimum(minimum, at: now)

    case .alertRaised(let r):
      serial += 1
      alerts[r.key] = Alert(
        number: serial, key: r.key, severity: r.severity, unit: r.unit, site: r.site, args: r.args, firstSeen: now,
        lastSeen: now, occurrence: r.occurrence, count: 1, state: .open, escalationLevel: 0,
        autoResolves: r.autoResolves, history: [AlertHistoryEntry(at: now, actor: record.actor, action: .raised)])
    case .alertRepeated(let key, let occurrence, let args):
      updateAlert(key, record, .repeated) {
        $0.args = args
        $0.count += 1
        $0.occurrence = occurrence
        $0.lastSeen = now
      }
    case .alertReopened(let key, let occurrence, let args):
      updateAlert(key, record, .reopened) {
        $0.args = args
        $0.count += 1
        $0.occurrence = occurrence
        $0.lastSeen = now
        $0.state = .open
        $0.acknowledgedBy = nil
        $0.resolvedAt = nil
        $0.escalationLevel = 0
        $0.lastEscalation = nil
        $0.escalation = nil
      }
    case .alertSeverityChanged(let key, let severity, let args):
      updateAlert(key, record, .severityChanged(severity)) {
        $0.severity = severity
        $0.args = args
        $0.lastSeen = now
      }
    case .alertAcknowledged(let key):
      updateAlert(key, record, .acknowledged) {
        $0.state = .acknowledged
        $0.acknowledgedBy = record.actor
      }
    case .alertAssigned(let key, let to):
      updateAlert(key, record, .assigned(to: to)) { $0.assignee = to }
    case .alertEscalated(let key, let level, let step):
      updateAlert(key, record, .escalated(level: level, step: step)) {
        $0.escalationLevel = level
        $0.lastEscalation = now
        $0.escalation = step
      }
    case .alertSilenced(let key, let until, let reason):
      updateAlert(key, record, .silenced(until: until, reason: reason)) {
        $0.silencedUntil = until
        $0.silenceReason = reason
      }
    case .alertResolved(let key, let note):
      updateAlert(key, record, .resolved(note: note)) {
        $0.state = .resolved
        $0.resolvedAt = now
      }
    case .alertAutoResolved(let key):
      updateAlert(key, record, .autoResolved) {
        $0.state = .resolved
        $0.resolvedAt = now
      }
    case .notificationsConfigured, .notificationQueued, .notificationDelivered, .notificationFailed,
      .notificationDropped:
      notify.apply(event, at: now)
    case .logEntered, .logEntryVoided, .followUpClosed, .reportSent, .reportAcknowledged, .reportReplied,
      .directiveReplied:
      applyDutyLog(event, record)
    case .retentionApplied(let day):
      applyRetention(day: day)
    case .fundLineOpened, .fundExpenseApproved, .fundExpenseRejected:
      fund.apply(event, record)
    case .fundIncomeRecorded, .fundExpenseRecorded, .fundEntryReversed:
      fund.apply(event, record)
      serial += 1
    case .campaignStarted, .donationVoided:
      donations.apply(event, record)
    case .donationRecorded:
      donations.apply(event, record)
      serial += 1
    case .donationsHandedOver:
      donations.apply(event, record)
      fund.apply(event, record)
      serial += 1
    case .drillStarted, .drillEnded:
      applyDrill(event, at: now)
    case .checklistSet, .inspectionRecorded, .findingRaised, .findingRectified, .findingVerified, .teamFormed,
      .memberDeployed, .deploymentRecalled:
      applyOversight(event, record)
    }
    if case .retentionApplied = event, ruleIndex.isBuilt {
      ruleIndex = RuleIndex(of: self)
    } else {
      ruleIndex.apply(event, shifts: shifts)
    }
    rearmClock(after: record)
    if case .alertResolved(let key, _) = event { notify.forget(subject: key.description) }
    if case .alertAutoResolved(let key) = event { notify.forget(subject: key.description) }
  }

  /// Changes a site in its place in the dictionary: `sites[id]?.x = …`
  /// moves the whole site out and back in, for every round replayed.
  private mutating func updateSite(_ id: String, _ change: (inout Site) -> Void) {
    guard let i = sites.index(forKey: id) else { return }
    change(&sites.values[i])
  }

  private mutating func updateAlert(
    _ key: AlertKey, _ record: EventRecord<CordonEvent>, _ action: AlertAction, _ change: (inout Alert) -> Void
  ) {
    // In place: a copy of the alert would copy its history on the append.
    alerts.modifyValue(forKey: key) {
      $0.update(AlertHistoryEntry(at: record.time, actor: record.actor, action: action), change)
    }
  }

  private mutating func post(
    unit: String, item: String, kind: MovementKind, delta: Quantity, counterparty: String?, reason: String,
    _ record: EventRecord<CordonEvent>
  ) {
    let key = StockKey(unit: unit, item: item)
    // A unit's first line of an item starts at the item's default minimum.
    let minimum = stock[key] == nil ? items[item]?.defaultMinimum ?? .zero : .zero
    let day = calendar.day(of: record.time)
    // In place: a copy of the line would copy its ledger and days on every movement.
    stock[key, default: StockLine(unit: unit, item: item, minimum: minimum)].post(
      kind: kind, delta: delta, counterparty: counterparty, reason: reason, day: day, record)
  }

  /// Drops what is older than the retention window of `day`: the
  /// `retentionApplied` event housekeeping journals once a local day, by the
  /// store's clock. Never measured from the newest event's time, so one event
  /// stamped by a clock far ahead prunes nothing, and a replay prunes exactly
  /// as the journal says. A day at or before the last one pruned changes
  /// nothing (a clock set back never prunes again).
  mutating func applyRetention(day: Int) {
    guard day > lastPrunedDay else { return }
    lastPrunedDay = day
    let horizonDay = day &- Self.retentionDays
    let horizon = calendar.startOfDay(horizonDay)
    handovers.removeAll { $0.at < horizon }
    feverCases.removeAll { $0.at < horizon }
    if let first = health.keys.min(), first < horizonDay { health = health.filter { $0.key >= horizonDay } }
    shifts = shifts.filter { $0.value.end >= horizon }
    for (k, line) in stock {
      guard let oldest = line.issuedByDay.keys.min() ?? line.closingByDay.keys.min(), oldest < horizonDay else {
        continue
      }
      var l = line
      l.issuedByDay = l.issuedByDay.filter { $0.key >= horizonDay }
      l.closingByDay = l.closingByDay.filter { $0.key >= horizonDay }
      stock[k] = l
    }
    alerts = alerts.filter { $0.value.state != .resolved || ($0.value.resolvedAt ?? horizon) >= horizon }
    directives = directives.filter { !$0.value.pendingUnits.isEmpty || $0.value.deadline >= horizon }
    requests = requests.filter { $0.value.isOpen || $0.value.submittedAt >= horizon }
    pruneDutyLog(horizon: horizon)
  }

  /// The local day the last `retentionApplied` was for (Int.min: never).
  public var lastPrunedDay = Int.min

  /// The first local day the state still holds in full (nil: nothing pruned
  /// yet); older days are read from the journal.
  public var retainedFromDay: Int? { lastPrunedDay == Int.min ? nil : lastPrunedDay &- Self.retentionDays }

  /// The retention event housekeeping owes at `now` by the store's clock:
  /// once per local day, for a store with an organisation.
  public func retentionDue(at now: Instant) -> CordonEvent? {
    let day = calendar.day(of: now)
    guard hasOrganisation, day > lastPrunedDay else { return nil }
    return .retentionApplied(day: day)
  }
}

extension StockLine {
  /// One movement: the balance, the day's figures, the ledger (bounded) and
  /// when the line fell below its minimum.
  fileprivate mutating func post(
    kind: MovementKind, delta: Quantity, counterparty: String?, reason: String, day: Int,
    _ record: EventRecord<CordonEvent>
  ) {
    balance = balance + delta
    if kind == .issued {
      issuedByDay[day] = (issuedByDay[day] ?? .zero) - delta
    }
    closingByDay[day] = balance
    ledger.prepend(
      LedgerEntry(
        at: record.time, kind: kind, delta: delta, balance: balance, counterparty: counterparty, reason: reason,
        by: record.actor))
    ledger.keepNewest(Self.ledgerLimit)
    if balance < minimum {
      if belowMinimumSince == nil { belowMinimumSince = record.time }
    } else {
      belowMinimumSince = nil
    }
  }
}

extension StockLine {
  init(unit: String, item: String, minimum: Quantity) {
    self.init(unit: unit, item: item)
    self.minimum = minimum
  }

  fileprivate mutating func setMinimum(_ minimum: Quantity, at now: Instant) {
    self.minimum = minimum
    belowMinimumSince = balance < minimum ? (belowMinimumSince ?? now) : nil
  }
}

extension Alert {
  /// `change`, then `entry` in the history.
  fileprivate mutating func update(_ entry: AlertHistoryEntry, _ change: (inout Alert) -> Void) {
    change(&self)
    history.append(entry)
  }
}
