import EventSourcing

/// What a state's recent records changed, so a reader holding an earlier
/// state of the same journal (the console) can update what it derived from
/// it instead of recomputing everything: the alerts by key, the rest by
/// area. `CordonState.apply` keeps it; it is never encoded nor compared,
/// and a decoded state starts a new one (a reader then recomputes once).
public struct ChangeTrail: Sendable, Codable, Equatable {
  /// Parts of the state, as coarse as the console's panes read them.
  public struct Areas: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let alerts = Areas(rawValue: 1 << 0)
    /// Units, people, sites' registration, items, settings.
    public static let organisation = Areas(rawValue: 1 << 1)
    /// Sites' rounds, disinfections, open/closed; teams deployed there.
    public static let checkpoints = Areas(rawValue: 1 << 2)
    /// Shifts, sign-ins, health, handovers.
    public static let roster = Areas(rawValue: 1 << 3)
    /// Stock lines and requests.
    public static let stock = Areas(rawValue: 1 << 4)
    /// The duty log, reports up, directives.
    public static let duty = Areas(rawValue: 1 << 5)
    /// The fund and donations.
    public static let fund = Areas(rawValue: 1 << 6)
    /// Inspections and findings.
    public static let oversight = Areas(rawValue: 1 << 7)
    /// Notifications and anything else no pane lists.
    public static let other = Areas(rawValue: 1 << 8)
    /// Much at once (retention, settings, an unknown event): whatever was derived is recomputed.
    public static let wholesale = Areas(rawValue: 1 << 9)
    public static let all = Areas(rawValue: 0x3ff)
  }

  /// What happened since a seq: the areas touched, the alerts changed and
  /// the sites whose rounds, disinfections or opening changed.
  public struct Changes: Sendable, Equatable {
    public var areas: Areas = []
    public var alerts: Set<AlertKey> = []
    public var sites: Set<String> = []
    /// A record touched the checkpoints without naming one site (teams, or an event not named here).
    public var unnamedCheckpoints = false
    /// Whether what a reader of `reads` derived may have changed.
    public func touch(_ reads: Areas) -> Bool { areas.contains(.wholesale) || !areas.isDisjoint(with: reads) }
  }

  /// How many records back the trail reaches.
  public static let capacity = 1024

  /// Which trail this is: a decoded state, or a fresh one, starts a new lineage,
  /// so an earlier state of another journal is never taken for this one's past.
  public private(set) var lineage: UInt64
  private var entries: [(seq: UInt64, areas: Areas, alert: AlertKey?, site: String?)] = []
  /// Entries before this seq are gone (or never were): changes since earlier seqs are unknown.
  private var from: UInt64

  public init() { self.init(after: 0) }

  init(after seq: UInt64) {
    lineage = ChangeTrail.newLineage()
    from = seq + 1
  }

  /// Notes a record. Records ahead of a gap restart the trail.
  mutating func note(seq: UInt64, event: CordonEvent) {
    if let last = entries.last?.seq ?? (from > 0 ? from - 1 : nil), seq != last + 1 {
      entries = []
      from = seq
    }
    if entries.count >= Self.capacity {
      entries.removeFirst(Self.capacity / 4)
      from = entries.first?.seq ?? seq
    }
    entries.append((seq, event.areas, event.alertKey, event.checkpointSite))
  }

  /// Everything recorded after `seq` up to `now` (the state's last seq), or
  /// nil when the trail does not reach back that far or is another lineage's.
  public func changes(since seq: UInt64, lineage other: UInt64) -> Changes? {
    guard other == lineage, seq + 1 >= from else { return nil }
    var out = Changes()
    for e in entries.reversed() {
      guard e.seq > seq else { break }
      out.areas.formUnion(e.areas)
      if let k = e.alert { out.alerts.insert(k) }
      if let site = e.site {
        out.sites.insert(site)
      } else if e.areas.contains(.checkpoints) {
        out.unnamedCheckpoints = true
      }
    }
    return out
  }

  /// Random: two trails started apart never share one.
  private static func newLineage() -> UInt64 { UInt64.random(in: 1...UInt64.max) }

  public static func == (a: ChangeTrail, b: ChangeTrail) -> Bool { true }
  public init(from decoder: Decoder) throws { self.init() }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encodeNil()
  }
}

extension CordonEvent {
  /// The parts of the state the event changes; every event not named here counts as all of them.
  public var areas: ChangeTrail.Areas {
    switch self {
    case .unitRegistered, .personRegistered, .itemRegistered, .unitUpdated, .unitRetired, .itemUpdated,
      .itemRetired, .personUpdated, .personRetired:
      .organisation
    case .siteRegistered, .siteUpdated, .siteRetired: [.organisation, .checkpoints]
    case .shiftAssigned, .shiftCancelled, .noShowMarked, .handoverWritten, .healthRegistered, .shiftsSwapped,
      .signedIn, .signedOut, .handoverConfirmed:
      .roster
    case .siteOpened, .siteClosed, .roundRecorded, .feverRecorded, .disinfectionRecorded, .ventilationRecorded:
      .checkpoints
    case .stockMoved, .stockTransferred, .stockCounted, .minimumSet, .requestSubmitted, .requestApproved,
      .requestRejected, .requestForwarded, .requestAllocated, .requestReceived:
      .stock
    case .alertRaised, .alertRepeated, .alertReopened, .alertSeverityChanged, .alertAcknowledged, .alertAssigned,
      .alertEscalated, .alertSilenced, .alertResolved, .alertAutoResolved:
      .alerts
    case .directiveIssued, .directiveAcknowledged, .logEntered, .logEntryVoided, .followUpClosed, .reportSent,
      .reportAcknowledged, .reportReplied, .directiveReplied:
      .duty
    case .notificationQueued, .notificationDelivered, .notificationFailed, .notificationDropped: .other
    case .fundLineOpened, .fundIncomeRecorded, .fundExpenseRecorded, .fundExpenseApproved, .fundExpenseRejected,
      .fundEntryReversed, .campaignStarted, .donationRecorded, .donationVoided, .donationsHandedOver:
      .fund
    case .inspectionRecorded, .findingRaised, .findingRectified, .findingVerified: .oversight
    case .teamFormed, .memberDeployed, .deploymentRecalled: [.checkpoints, .organisation]
    default: .all
    }
  }
}

extension CordonEvent {
  /// The one site a checkpoint event changes (a round, a fever case, a
  /// disinfection, a ventilation, an opening or a closing); nil for every other event.
  public var checkpointSite: String? {
    switch self {
    case .siteOpened(let site, _), .siteClosed(let site), .roundRecorded(let site, _),
      .disinfectionRecorded(let site, _), .ventilationRecorded(let site):
      site
    case .feverRecorded(let c): c.site
    default: nil
    }
  }
}

extension KeyedEncodingContainer {
  /// The change trail is left out of a state's encoding.
  public mutating func encode(_ value: ChangeTrail, forKey key: Key) throws {}
}

extension KeyedDecodingContainer {
  /// A decoded state starts a trail of its own.
  public func decode(_ type: ChangeTrail.Type, forKey key: Key) throws -> ChangeTrail { ChangeTrail() }
}
