import EventSourcing

/// What a user (or a gateway, or the demo feed) asks for. Commands are
/// validated in one place, `CordonDomain.decide`, and become events.
public enum CordonCommand: Sendable, Equatable {
  /// Registrations from the demo seed or an import: applied all-or-nothing.
  case register([CordonEvent])
  /// Several commands applied all-or-nothing, each validated exactly as if
  /// sent alone against the state the earlier ones leave (CSV imports). A
  /// refusal carries the failing entry's index (0-based) in `batchIndex`.
  indirect case batch([CordonCommand])

  case assignShift(
    unit: String, site: String?, role: DutyRole, person: String, start: Instant, end: Instant,
    confirmShortRest: Bool)
  case cancelShift(shift: String, reason: String)
  case markNoShow(shift: String)
  /// Two people trade shifts; both change or neither.
  case swapShifts(String, String)
  case registerHealth(
    person: String, day: Int, category: PersonCategory, morningCheck: Celsius?, travellerContact: Bool, remarks: String)
  /// The checklist is computed from the state when the handover is written (Handover.swift).
  case writeHandover(unit: String, text: String)
  /// Receipt by the incoming person: every item acknowledged but those queried.
  case confirmHandover(handover: String, queries: [HandoverQuery])
  /// 接班签到: the person on the shift, or a command-role user for them (recorded as such).
  case signIn(shift: String)
  /// 交班签退.
  case signOut(shift: String)

  case recordRound(site: String, checked: Int, fevers: Int, acceptMissingCases: Bool)
  case recordFever(site: String, personName: String, reading: Celsius)
  case recordDisinfection(site: String, area: String, agent: String, by: String)
  case recordVentilation(site: String)
  case openSite(site: String, staff: Int)
  case closeSite(site: String)

  case receiveStock(unit: String, item: String, quantity: Quantity, kind: MovementKind, reason: String)
  case issueStock(unit: String, item: String, quantity: Quantity, reason: String)
  case transferStock(from: String, to: String, item: String, quantity: Quantity, reason: String)
  case countStock(unit: String, item: String, counted: Quantity, reason: AdjustmentReason)
  case setMinimum(unit: String, item: String, minimum: Quantity)
  case submitRequest(unit: String, item: String, quantity: Quantity, urgency: ShortageRequest.Urgency, reason: String)
  /// Approve all or part and allocate it from the reserve as a transfer.
  case approveRequest(id: String, quantity: Quantity, note: String)
  case rejectRequest(id: String, note: String)
  /// Pass the request upward (to the city) for the approved quantity.
  case forwardRequest(id: String, quantity: Quantity, note: String)
  /// Record what arrived from the city: stock received at the unit, against the request.
  case receiveForRequest(id: String, quantity: Quantity)

  case acknowledgeAlert(AlertKey)
  case assignAlert(AlertKey, to: String)
  case silenceAlert(AlertKey, minutes: Int, reason: String)
  case resolveAlert(AlertKey, note: String)

  case issueDirective(text: String, targets: [String], deadline: Instant, priority: DutyPriority = .routine)
  case acknowledgeDirective(id: String, unit: String)

  // Duty log and reports up (DutyLog.swift)
  case logEntry(
    unit: String, channel: LogChannel, from: String, text: String, action: String, significant: Bool,
    followUpDue: Instant?, owner: String)
  case closeFollowUp(entry: String, note: String)
  case voidLogEntry(entry: String, reason: String)
  case reportUp(unit: String, priority: DutyPriority, text: String, ref: String?)
  case acknowledgeReport(id: String)
  case replyReport(id: String, text: String)
  case replyDirective(id: String, unit: String, text: String)

  // Administration (see `Administration.swift`): the organisation as data.
  case addUnit(OrgUnit)
  case updateUnit(id: String, UnitChanges)
  case retireUnit(id: String)
  case addSite(SiteSpec, open: Bool)
  case updateSite(id: String, SiteChanges)
  case retireSite(id: String)
  case addItem(SupplyItem)
  case updateItem(id: String, ItemChanges)
  case retireItem(id: String)
  /// An empty id is generated as `p-<unit>-<n>`.
  case addPerson(Person)
  /// Moving a person with open shifts in the old unit needs `confirm`, and cancels those shifts.
  case updatePerson(id: String, PersonChanges, confirm: Bool)
  /// Left the group: refused while shifts are open unless `confirm`, which cancels them.
  case retirePerson(id: String, confirm: Bool)
  case changeSettings(SettingsChanges)

  /// `cordon notify test RECEIVER`: one test notification through the outbox.
  case testNotification(receiver: String)
  /// The server's own, from its configuration file; refused to every client.
  case configureNotifications(NotifyRouting)
  /// The server's sender reporting deliveries' outcomes, in the order they
  /// happened (at most `Limits.deliveryOutcomes`); refused to every client.
  case recordDeliveries([DeliveryOutcome])

  // The emergency fund and donations (Fund.swift, Donations.swift).
  case openFundLine(id: String, name: String, budget: Money)
  case recordFundIncome(line: String, amount: Money, source: String, voucher: String)
  /// Above the approval threshold it waits for the command role's approval, reserving its amount.
  case recordFundExpense(line: String, amount: Money, purpose: String, voucher: String)
  case approveExpense(id: String, note: String)
  case rejectExpense(id: String, note: String)
  /// Undo a mistaken income or paid expense by a reversal with its own voucher.
  case reverseFundEntry(id: String, voucher: String, reason: String)
  case startCampaign(id: String, name: String, recipient: String)
  case recordDonation(campaign: String, unit: String, amount: Money, donor: String)
  case voidDonation(id: String, reason: String)
  case handOverDonations(campaign: String, amount: Money, voucher: String)
  // Drills (issue 21): `cordon drill run` marks the drill's start and end.
  case startDrill(DrillMarker)
  case endDrill(id: String)
  // Oversight (issue 17: Inspections.swift)
  /// The command role's, from the organisation file's `[[checklists]]` or a JSON line.
  case setChecklist(kind: SiteKind, items: [String])
  /// `checked` nil: the sites' checklists in full.
  case recordInspection(id: String, unit: String, sites: [String], checked: [String]?, notes: String)
  case raiseFinding(
    id: String, inspection: String, unit: String, text: String, severity: FindingSeverity, deadline: Instant,
    request: FindingRequest?)
  case rectifyFinding(finding: String, note: String)
  case verifyFinding(finding: String, accepted: Bool, note: String)

  // Emergency teams (issue 17: Teams.swift)
  case formTeam(id: String, name: String, leader: String, members: [String])
  case deploy(team: String, person: String, site: String, start: Instant, end: Instant)
  case recallDeployment(id: String, reason: String)
}

extension CordonCommand {
  /// Changes to the organisation itself: the `command` role only.
  public var isAdministration: Bool {
    switch self {
    case .addUnit, .updateUnit, .retireUnit, .addSite, .updateSite, .retireSite, .addItem, .updateItem, .retireItem,
      .addPerson, .updatePerson, .retirePerson, .changeSettings, .setChecklist:
      true
    case .batch(let commands): commands.contains { $0.isAdministration }
    default: false
    }
  }
}
