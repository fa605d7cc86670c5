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
  public init() {}
}
