import EventSourcing

/// Thresholds from ../shared/DOMAIN.md. Settings, not constants: the
/// prevention office owns them and changes them by event.
public struct Settings: Codable, Sendable, Equatable {
  public var feverThreshold = Celsius(tenths: 373)
  public var plausibleReadings = Celsius(tenths: 350)...Celsius(tenths: 420)
  public var ackTimeoutMinutes = 5
  public var maxEscalations = 5
  public var minimumRestHours = 11
  public var coverageLookaheadMinutes = 120
  public var coverWarningDays = 3.0
  public var calendar = LocalCalendar(utcOffsetMinutes: 480)
  /// No sign-in this long after a shift's start raises an alert for the unit.
  public var signInGraceMinutes = 15
  /// An unacknowledged 紧急 report up raises an alert at HQ after this long.
  public var reportAckUrgentMinutes = 15
  /// An unacknowledged 特急 report up raises a critical alert at HQ after this long.
  public var reportAckImmediateMinutes = 5
  /// A handover not confirmed this long after its shift change raises an alert for the unit.
  public var handoverConfirmMinutes = 30
  /// An emergency-fund expense above this waits for the command role's approval (Fund.swift).
  public var fundApprovalThreshold = Money(yuan: 5_000)
  public init() {}

  // Journals written before a setting existed decode with its default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = Settings()
    feverThreshold = try c.decodeIfPresent(Celsius.self, forKey: .feverThreshold) ?? d.feverThreshold
    plausibleReadings =
      try c.decodeIfPresent(ClosedRange<Celsius>.self, forKey: .plausibleReadings) ?? d.plausibleReadings
    ackTimeoutMinutes = try c.decodeIfPresent(Int.self, forKey: .ackTimeoutMinutes) ?? d.ackTimeoutMinutes
    maxEscalations = try c.decodeIfPresent(Int.self, forKey: .maxEscalations) ?? d.maxEscalations
    minimumRestHours = try c.decodeIfPresent(Int.self, forKey: .minimumRestHours) ?? d.minimumRestHours
    coverageLookaheadMinutes =
      try c.decodeIfPresent(Int.self, forKey: .coverageLookaheadMinutes) ?? d.coverageLookaheadMinutes
    coverWarningDays = try c.decodeIfPresent(Double.self, forKey: .coverWarningDays) ?? d.coverWarningDays
    calendar = try c.decodeIfPresent(LocalCalendar.self, forKey: .calendar) ?? d.calendar
    signInGraceMinutes = try c.decodeIfPresent(Int.self, forKey: .signInGraceMinutes) ?? d.signInGraceMinutes
    reportAckUrgentMinutes =
      try c.decodeIfPresent(Int.self, forKey: .reportAckUrgentMinutes) ?? d.reportAckUrgentMinutes
    reportAckImmediateMinutes =
      try c.decodeIfPresent(Int.self, forKey: .reportAckImmediateMinutes) ?? d.reportAckImmediateMinutes
    handoverConfirmMinutes =
      try c.decodeIfPresent(Int.self, forKey: .handoverConfirmMinutes) ?? d.handoverConfirmMinutes
    fundApprovalThreshold =
      try c.decodeIfPresent(Money.self, forKey: .fundApprovalThreshold) ?? d.fundApprovalThreshold
  }
}
