import EventSourcing

/// `cordon watch`: what changes, as a linear stream of lines for screen
/// readers, a second monitor's `tail` and logs. One line per journalled
/// event, in the user's language, with no cursor addressing and no escape
/// sequence: every line goes through `UserText.clean` and is bounded by
/// `DisplayWidth`, so nothing typed by a user reaches the reader's terminal raw.
public enum WatchStream {
  /// The console panes a stream can be narrowed to (`--pane`).
  public enum Pane: String, CaseIterable, Sendable {
    case alerts, roster, checkpoints, stock, duty
  }

  /// The longest line, in terminal cells: a handover note or a reason stays one readable line.
  public static let maxLineWidth = 400

  /// The pane an event belongs to; nil for what no pane shows (the
  /// organisation's units, settings, directives, the notification outbox),
  /// which only the unfiltered stream carries.
  public static func pane(of e: CordonEvent) -> Pane? {
    switch e {
    case .alertRaised, .alertRepeated, .alertReopened, .alertSeverityChanged, .alertAcknowledged, .alertAssigned,
      .alertEscalated, .alertSilenced, .alertResolved, .alertAutoResolved:
      .alerts
    case .personRegistered, .personUpdated, .personRetired, .shiftAssigned, .shiftCancelled, .noShowMarked,
      .handoverWritten, .handoverConfirmed, .healthRegistered, .shiftsSwapped, .signedIn, .signedOut:
      .roster
    case .siteRegistered, .siteUpdated, .siteRetired, .siteOpened, .siteClosed, .roundRecorded, .feverRecorded,
      .disinfectionRecorded, .ventilationRecorded:
      .checkpoints
    case .itemRegistered, .itemUpdated, .itemRetired, .stockMoved, .stockTransferred, .stockCounted, .minimumSet,
      .requestSubmitted, .requestApproved, .requestRejected, .requestForwarded, .requestAllocated, .requestReceived:
      .stock
    case .unitRegistered, .unitUpdated, .unitRetired, .settingsChanged, .directiveIssued, .directiveAcknowledged,
      .notificationsConfigured, .notificationQueued, .notificationDelivered, .notificationFailed, .retentionApplied,
      .notificationDropped, .drillStarted, .drillEnded:
      nil
    case .fundLineOpened, .fundIncomeRecorded, .fundExpenseRecorded, .fundExpenseApproved, .fundExpenseRejected,
      .fundEntryReversed, .campaignStarted, .donationRecorded, .donationVoided, .donationsHandedOver:
      nil
    case .logEntered, .logEntryVoided, .followUpClosed, .reportSent, .reportAcknowledged, .reportReplied,
      .directiveReplied:
      .duty
    // Inspections are the duty room's business; teams are people on post at checkpoints.
    case .checklistSet: nil
    case .inspectionRecorded, .findingRaised, .findingRectified, .findingVerified: .duty
    case .teamFormed: .roster
    case .memberDeployed, .deploymentRecalled: .checkpoints
    }
  }

  /// The severity a line about an alert carries (for colour on a terminal); nil for other events.
  public static func severity(of e: CordonEvent, state: CordonState) -> Severity? {
    switch e {
    case .alertRaised(let a): a.severity
    case .alertSeverityChanged(_, let s, _): s
    case .alertResolved, .alertAutoResolved: nil
    default: e.alertKey.flatMap { state.alerts[$0]?.severity }
    }
  }

  /// The line for a record, or nil when `pane` filters it out. `state` is
  /// the state after the record (names of units, sites, alerts).
  public static func line(_ r: EventRecord<CordonEvent>, pane: Pane?, state: CordonState, strings t: Strings)
    -> String?
  {
    let own = self.pane(of: r.event)
    if let pane, own != pane { return nil }
    var what = AuditTrail.describe(r.event, state: state, strings: t)
    if let s = severity(of: r.event, state: state) { what = "[\(t("severity.\(s.name)"))] " + what }
    let tag = own.map { t("pane.\($0.rawValue)") } ?? t("watch.other")
    return bounded("\(state.calendar.format(r.time))  #\(r.seq)  \(tag)  \(r.actor)  \(what)")
  }

  /// One line of the stream's own (started, connection lost, resynced): the same bounds.
  public static func notice(_ key: String, _ args: [String], strings t: Strings) -> String {
    bounded("-- " + t.format(key, args))
  }

  /// One line, never a control character, at most `maxLineWidth` cells.
  static func bounded(_ s: String) -> String {
    let clean = UserText.clean(s)
    guard DisplayWidth.of(clean) > maxLineWidth else { return clean }
    return DisplayWidth.clip(clean, to: maxLineWidth - 1).trimmingCharacters(in: .whitespaces) + "…"
  }
}
