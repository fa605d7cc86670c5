import EventSourcing

/// Everything that can happen in Cordon: the one event type hierarchy. Case
/// names and fields are the journal format: add cases and optional fields,
/// never rename or repurpose one. Each case has a stable binary tag in
/// CordonEventTags.swift (the compiler asks for it; docs/journal-format.md).
///
/// `indirect` marks the cases whose payload is over 81 bytes: an enum is as
/// big as its biggest inline case, and every event is copied several times
/// between the journal's decoder and the state. With `LogEntry` inline every
/// event was 233 bytes and memmove was a quarter of a replay (perf); boxed,
/// those cases cost one allocation each and every event is 82 bytes.
/// `BinaryCodecTests` checks the size, so a new big case is boxed too.
public enum CordonEvent: Codable, Sendable, Equatable {
  // Organisation
  indirect case unitRegistered(OrgUnit)
  case personRegistered(Person)
  indirect case siteRegistered(SiteSpec)
  indirect case itemRegistered(SupplyItem)
  indirect case settingsChanged(Settings)
  /// Administration: what a unit, site, item or person is changes; retiring
  /// keeps the entity (and its name for the history) but takes it out of use.
  indirect case unitUpdated(OrgUnit)
  case unitRetired(id: String)
  indirect case siteUpdated(SiteSpec)
  case siteRetired(id: String)
  indirect case itemUpdated(SupplyItem)
  case itemRetired(id: String)
  case personUpdated(Person)
  case personRetired(id: String)

  // Duty roster
  indirect case shiftAssigned(Shift)
  case shiftCancelled(shift: String, reason: String)
  case noShowMarked(shift: String)
  indirect case handoverWritten(HandoverNote)
  case healthRegistered(HealthEntry)
  case shiftsSwapped(String, String)
  case signedIn(SignIn)
  case signedOut(shift: String, at: Instant, by: String)
  /// The incoming person's receipt of a handover, with their queries (Handover.swift).
  case handoverConfirmed(handover: String, queries: [HandoverQuery])

  // Checkpoints
  case siteOpened(site: String, staff: Int)
  case siteClosed(site: String)
  case roundRecorded(site: String, round: TemperatureRound)
  case feverRecorded(FeverCase)
  case disinfectionRecorded(site: String, disinfection: Disinfection)
  case ventilationRecorded(site: String)

  // Supplies
  case stockMoved(StockMovement)
  case stockTransferred(StockTransfer)
  case stockCounted(StockCount)
  case minimumSet(unit: String, item: String, minimum: Quantity)
  indirect case requestSubmitted(ShortageRequest)
  /// Approved quantity; allocation from the reserve is a separate transfer event in the same batch.
  case requestApproved(id: String, quantity: Quantity, note: String)
  case requestRejected(id: String, note: String)
  case requestForwarded(id: String, quantity: Quantity, note: String)
  case requestAllocated(id: String)
  /// Supplies that arrived from the city against a forwarded request (the receipt itself is a stock movement).
  case requestReceived(id: String, quantity: Quantity)

  // Alerts
  case alertRaised(AlertRaise)
  case alertRepeated(key: AlertKey, occurrence: Instant, args: [String])
  case alertReopened(key: AlertKey, occurrence: Instant, args: [String])
  case alertSeverityChanged(key: AlertKey, severity: Severity, args: [String])
  case alertAcknowledged(key: AlertKey)
  case alertAssigned(key: AlertKey, to: String)
  /// `step` names whom along the live roster (EscalationChain.swift); nil in
  /// journals written before escalation followed the roster.
  indirect case alertEscalated(key: AlertKey, level: Int, step: EscalationStep?)
  case alertSilenced(key: AlertKey, until: Instant, reason: String)
  case alertResolved(key: AlertKey, note: String)
  case alertAutoResolved(key: AlertKey)

  // Directives
  indirect case directiveIssued(Directive)
  case directiveAcknowledged(id: String, unit: String)

  // Duty log and reports up (DutyLog.swift)
  indirect case logEntered(LogEntry)
  /// A mistaken entry is voided, never deleted.
  case logEntryVoided(entry: String, reason: String)
  case followUpClosed(entry: String, note: String)
  indirect case reportSent(UpReport)
  case reportAcknowledged(id: String)
  case reportReplied(id: String, text: String)
  case directiveReplied(id: String, unit: String, text: String)

  // Notifications: the durable outbox
  /// The server's routes changed (names only: no receiver's address or secret).
  case notificationsConfigured(NotifyRouting)
  indirect case notificationQueued(Notice)
  case notificationDelivered(id: String, receiver: String, attempt: Int)
  /// A failed attempt, journalled for attempts 1, 2, 4, 8, …; the error is redacted.
  case notificationFailed(id: String, receiver: String, attempt: Int, error: String)

  // Retention (issue 14)
  /// Housekeeping, once a local day by the store's clock: what finished
  /// before `day` minus `CordonState.retentionDays` leaves memory (it stays
  /// in the journal for audit, reports and time travel).
  case retentionApplied(day: Int)

  // Notifications (issue 18)
  /// A pending notification is no longer owed to `receiver`: a reload or a
  /// restart removed the receiver from the configuration (`reason`
  /// "receiverRemoved"). Journalled, so the audit trail says why it was never
  /// sent, and what it was about: the notice's kind and subject (an alert
  /// key, a directive, a shift; never its text, which may name a phone).
  /// Records written before these two fields decode with nil for both.
  case notificationDropped(
    id: String, receiver: String, reason: String, kind: NotificationKind? = nil, subject: String? = nil)

  // The emergency fund and donations (issue 17; Fund.swift, Donations.swift)
  case fundLineOpened(FundLine)
  indirect case fundIncomeRecorded(FundEntry)
  /// Paid at once, or awaiting approval (above `Settings.fundApprovalThreshold`), as `status` says.
  indirect case fundExpenseRecorded(FundEntry)
  case fundExpenseApproved(id: String, note: String)
  case fundExpenseRejected(id: String, note: String)
  /// A reversal (红字冲销) of an income or a paid expense, with its own voucher.
  indirect case fundEntryReversed(FundEntry)
  case campaignStarted(DonationCampaign)
  indirect case donationRecorded(Donation)
  case donationVoided(id: String, reason: String)
  case donationsHandedOver(DonationHandover)
  // Drills (issue 21, Drill/DrillMarker.swift)
  /// A drill began: on its own copy of the live state (`exercise`), or, on
  /// the real store, the marker that one is under way.
  indirect case drillStarted(DrillMarker)
  case drillEnded(id: String)
  // Oversight (issue 17: Inspections.swift)
  /// The checklist inspectors check a site kind against (the organisation file's `[[checklists]]`).
  case checklistSet(kind: SiteKind, items: [String])
  indirect case inspectionRecorded(Inspection)
  /// A finding; when it asks for supplies, its `requestSubmitted` follows in the same batch.
  indirect case findingRaised(Finding)
  case findingRectified(finding: String, note: String)
  /// Accepted closes the finding; not accepted reopens it.
  case findingVerified(finding: String, accepted: Bool, note: String)

  // Emergency teams (issue 17: Teams.swift)
  /// A team formed, or formed again under its id (its name, leader and members change).
  case teamFormed(EmergencyTeam)
  indirect case memberDeployed(Deployment)
  /// A deployment ended before its end: undoes a mistaken one, or calls a member back.
  case deploymentRecalled(id: String, reason: String)
}

public struct SiteSpec: Codable, Sendable, Equatable {
  public var id: String
  public var unit: String
  public var name: LocalizedName
  public var kind: SiteKind
  public var roundsPerDay: Int
  public var disinfectionsPerDay: Int
  public var reportIntervalMinutes: Int
  public var staffOnPost: Int
  /// The staff the site needs on post (deployed team members count); below it, a warning. Nil: no figure.
  public var requiredStaff: Int?
  public init(
    id: String, unit: String, name: LocalizedName, kind: SiteKind, roundsPerDay: Int = 2,
    disinfectionsPerDay: Int? = nil, reportIntervalMinutes: Int = 240, staffOnPost: Int = 2, requiredStaff: Int? = nil
  ) {
    self.id = id
    self.unit = unit
    self.name = name
    self.kind = kind
    self.roundsPerDay = roundsPerDay
    self.disinfectionsPerDay = disinfectionsPerDay ?? kind.defaultDisinfectionsPerDay
    self.reportIntervalMinutes = reportIntervalMinutes
    self.staffOnPost = staffOnPost
    self.requiredStaff = requiredStaff
  }
}

public struct HealthEntry: Codable, Sendable, Equatable {
  public var person: String
  public var day: Int
  public var category: PersonCategory
  public var morningCheck: Celsius?
  public var travellerContact: Bool
  public var remarks: String
  public init(
    person: String, day: Int, category: PersonCategory, morningCheck: Celsius?, travellerContact: Bool, remarks: String
  ) {
    self.person = person
    self.day = day
    self.category = category
    self.morningCheck = morningCheck
    self.travellerContact = travellerContact
    self.remarks = remarks
  }
}

/// Stock received or issued at one unit. `delta` is signed: positive in.
public struct StockMovement: Codable, Sendable, Equatable {
  public var unit: String
  public var item: String
  public var kind: MovementKind
  public var delta: Quantity
  public var reason: String
  public init(unit: String, item: String, kind: MovementKind, delta: Quantity, reason: String) {
    self.unit = unit
    self.item = item
    self.kind = kind
    self.delta = delta
    self.reason = reason
  }
}

/// Both sides in one event, so a transfer can never be half-applied.
public struct StockTransfer: Codable, Sendable, Equatable {
  public var from: String
  public var to: String
  public var item: String
  public var quantity: Quantity
  public var reason: String
  public init(from: String, to: String, item: String, quantity: Quantity, reason: String) {
    self.from = from
    self.to = to
    self.item = item
    self.quantity = quantity
    self.reason = reason
  }
}

public struct StockCount: Codable, Sendable, Equatable {
  public var unit: String
  public var item: String
  public var counted: Quantity
  public var reason: AdjustmentReason
  public init(unit: String, item: String, counted: Quantity, reason: AdjustmentReason) {
    self.unit = unit
    self.item = item
    self.counted = counted
    self.reason = reason
  }
}

public struct AlertRaise: Codable, Sendable, Equatable {
  public var key: AlertKey
  public var severity: Severity
  public var unit: String
  public var site: String?
  public var args: [String]
  public var occurrence: Instant
  public var autoResolves: Bool
  public init(
    key: AlertKey, severity: Severity, unit: String, site: String?, args: [String], occurrence: Instant,
    autoResolves: Bool
  ) {
    self.key = key
    self.severity = severity
    self.unit = unit
    self.site = site
    self.args = args
    self.occurrence = occurrence
    self.autoResolves = autoResolves
  }
}
