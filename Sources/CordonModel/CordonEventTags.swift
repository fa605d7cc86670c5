import EventSourcing

/// The stable tag of each event case in the journal's binary payload
/// (docs/journal-format.md). To add an event case: add it here with the
/// next free number (never renumber or reuse one) and to the switch below;
/// the compiler asks for the switch, and `BinaryCodecTests` for a sample
/// of the case in its round trip.
public enum CordonEventTag: UInt16, CaseIterable, Sendable {
  case unitRegistered = 1
  case personRegistered = 2
  case siteRegistered = 3
  case itemRegistered = 4
  case settingsChanged = 5
  case unitUpdated = 6
  case unitRetired = 7
  case siteUpdated = 8
  case siteRetired = 9
  case itemUpdated = 10
  case itemRetired = 11
  case personUpdated = 12
  case personRetired = 13
  case shiftAssigned = 14
  case shiftCancelled = 15
  case noShowMarked = 16
  case handoverWritten = 17
  case healthRegistered = 18
  case shiftsSwapped = 19
  case signedIn = 20
  case signedOut = 21
  case handoverConfirmed = 22
  case siteOpened = 23
  case siteClosed = 24
  case roundRecorded = 25
  case feverRecorded = 26
  case disinfectionRecorded = 27
  case ventilationRecorded = 28
  case stockMoved = 29
  case stockTransferred = 30
  case stockCounted = 31
  case minimumSet = 32
  case requestSubmitted = 33
  case requestApproved = 34
  case requestRejected = 35
  case requestForwarded = 36
  case requestAllocated = 37
  case requestReceived = 38
  case alertRaised = 39
  case alertRepeated = 40
  case alertReopened = 41
  case alertSeverityChanged = 42
  case alertAcknowledged = 43
  case alertAssigned = 44
  case alertEscalated = 45
  case alertSilenced = 46
  case alertResolved = 47
  case alertAutoResolved = 48
  case directiveIssued = 49
  case directiveAcknowledged = 50
  case logEntered = 51
  case logEntryVoided = 52
  case followUpClosed = 53
  case reportSent = 54
  case reportAcknowledged = 55
  case reportReplied = 56
  case directiveReplied = 57
  case notificationsConfigured = 58
  case notificationQueued = 59
  case notificationDelivered = 60
  case notificationFailed = 61
  case retentionApplied = 62
  case notificationDropped = 63
  case fundLineOpened = 64
  case fundIncomeRecorded = 65
  case fundExpenseRecorded = 66
  case fundExpenseApproved = 67
  case fundExpenseRejected = 68
  case fundEntryReversed = 69
  case campaignStarted = 70
  case donationRecorded = 71
  case donationVoided = 72
  case donationsHandedOver = 73
  case drillStarted = 74
  case drillEnded = 75
  case checklistSet = 76
  case inspectionRecorded = 77
  case findingRaised = 78
  case findingRectified = 79
  case findingVerified = 80
  case teamFormed = 81
  case memberDeployed = 82
  case deploymentRecalled = 83
}

extension CordonEvent: BinaryTaggedEvent {
  public var tag: CordonEventTag {
    switch self {
    case .unitRegistered: .unitRegistered
    case .personRegistered: .personRegistered
    case .siteRegistered: .siteRegistered
    case .itemRegistered: .itemRegistered
    case .settingsChanged: .settingsChanged
    case .unitUpdated: .unitUpdated
    case .unitRetired: .unitRetired
    case .siteUpdated: .siteUpdated
    case .siteRetired: .siteRetired
    case .itemUpdated: .itemUpdated
    case .itemRetired: .itemRetired
    case .personUpdated: .personUpdated
    case .personRetired: .personRetired
    case .shiftAssigned: .shiftAssigned
    case .shiftCancelled: .shiftCancelled
    case .noShowMarked: .noShowMarked
    case .handoverWritten: .handoverWritten
    case .healthRegistered: .healthRegistered
    case .shiftsSwapped: .shiftsSwapped
    case .signedIn: .signedIn
    case .signedOut: .signedOut
    case .handoverConfirmed: .handoverConfirmed
    case .siteOpened: .siteOpened
    case .siteClosed: .siteClosed
    case .roundRecorded: .roundRecorded
    case .feverRecorded: .feverRecorded
    case .disinfectionRecorded: .disinfectionRecorded
    case .ventilationRecorded: .ventilationRecorded
    case .stockMoved: .stockMoved
    case .stockTransferred: .stockTransferred
    case .stockCounted: .stockCounted
    case .minimumSet: .minimumSet
    case .requestSubmitted: .requestSubmitted
    case .requestApproved: .requestApproved
    case .requestRejected: .requestRejected
    case .requestForwarded: .requestForwarded
    case .requestAllocated: .requestAllocated
    case .requestReceived: .requestReceived
    case .alertRaised: .alertRaised
    case .alertRepeated: .alertRepeated
    case .alertReopened: .alertReopened
    case .alertSeverityChanged: .alertSeverityChanged
    case .alertAcknowledged: .alertAcknowledged
    case .alertAssigned: .alertAssigned
    case .alertEscalated: .alertEscalated
    case .alertSilenced: .alertSilenced
    case .alertResolved: .alertResolved
    case .alertAutoResolved: .alertAutoResolved
    case .directiveIssued: .directiveIssued
    case .directiveAcknowledged: .directiveAcknowledged
    case .logEntered: .logEntered
    case .logEntryVoided: .logEntryVoided
    case .followUpClosed: .followUpClosed
    case .reportSent: .reportSent
    case .reportAcknowledged: .reportAcknowledged
    case .reportReplied: .reportReplied
    case .directiveReplied: .directiveReplied
    case .notificationsConfigured: .notificationsConfigured
    case .notificationQueued: .notificationQueued
    case .notificationDelivered: .notificationDelivered
    case .notificationFailed: .notificationFailed
    case .retentionApplied: .retentionApplied
    case .notificationDropped: .notificationDropped
    case .fundLineOpened: .fundLineOpened
    case .fundIncomeRecorded: .fundIncomeRecorded
    case .fundExpenseRecorded: .fundExpenseRecorded
    case .fundExpenseApproved: .fundExpenseApproved
    case .fundExpenseRejected: .fundExpenseRejected
    case .fundEntryReversed: .fundEntryReversed
    case .campaignStarted: .campaignStarted
    case .donationRecorded: .donationRecorded
    case .donationVoided: .donationVoided
    case .donationsHandedOver: .donationsHandedOver
    case .drillStarted: .drillStarted
    case .drillEnded: .drillEnded
    case .checklistSet: .checklistSet
    case .inspectionRecorded: .inspectionRecorded
    case .findingRaised: .findingRaised
    case .findingRectified: .findingRectified
    case .findingVerified: .findingVerified
    case .teamFormed: .teamFormed
    case .memberDeployed: .memberDeployed
    case .deploymentRecalled: .deploymentRecalled
    }
  }

  public var binaryTag: UInt16 { tag.rawValue }

  /// Case names by tag: a tag's name is its case's `Codable` key.
  private static let caseNames: [String?] = {
    var names = [String?](repeating: nil, count: Int(CordonEventTag.allCases.map(\.rawValue).max() ?? 0) + 1)
    for t in CordonEventTag.allCases { names[Int(t.rawValue)] = String(describing: t) }
    return names
  }()

  public static func binaryCaseName(forTag tag: UInt16) -> String? {
    Int(tag) < caseNames.count ? caseNames[Int(tag)] : nil
  }
}
