import EventSourcing

public enum Severity: Int, Codable, Sendable, CaseIterable, Comparable {
  case info = 0, warning = 1, critical = 2
  public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
  /// The word in configuration files, JSON and string keys (`severity.<name>`).
  public var name: String {
    switch self {
    case .critical: "critical"
    case .warning: "warning"
    case .info: "info"
    }
  }
}

/// Which rule raised an alert. The raw value is part of the alert's identity
/// and of the journal: never rename one.
public enum RuleID: String, Codable, Sendable, CaseIterable {
  case fever
  case roundOverdue
  case disinfectionShort
  case roleUncovered
  case noShow
  case stockLow
  case coverLow
  case directiveUnacknowledged
  case receiverFailing
  case signInMissing
  case followUpOverdue
  case reportUnacknowledged
  case handoverUnconfirmed
  case findingOverdue
  case siteUnderstaffed
}

/// The identity that deduplicates: the same rule on the same subject is one alert.
public struct AlertKey: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  public var rule: RuleID
  public var subject: String
  public init(rule: RuleID, subject: String) {
    self.rule = rule
    self.subject = subject
  }
  public var description: String { "\(rule.rawValue)/\(subject)" }

  /// The inverse of `description` ("fever/ht-1/张三"): the rule is everything
  /// before the first slash. Nil when the rule is unknown.
  public init?(parsing text: String) {
    guard let slash = text.firstIndex(of: "/"), let rule = RuleID(rawValue: String(text[..<slash])) else { return nil }
    self.init(rule: rule, subject: String(text[text.index(after: slash)...]))
  }
  public static func < (a: AlertKey, b: AlertKey) -> Bool { a.description < b.description }
}

public enum AlertState: String, Codable, Sendable {
  case open, acknowledged, resolved
}

public enum AlertAction: Codable, Sendable, Equatable {
  case raised
  case repeated
  case reopened
  case acknowledged
  case assigned(to: String)
  case escalated(level: Int, step: EscalationStep?)
  case silenced(until: Instant, reason: String)
  case resolved(note: String)
  case autoResolved
  case severityChanged(Severity)
}

public struct AlertHistoryEntry: Codable, Sendable, Equatable {
  public var at: Instant
  public var actor: String
  public var action: AlertAction
}

public struct Alert: Codable, Sendable, Equatable {
  /// Short number shown to users ("#17"), assigned in journal order.
  public var number: Int
  public var key: AlertKey
  public var severity: Severity
  public var unit: String
  public var site: String?
  /// Message arguments; the text comes from the string tables in either language.
  public var args: [String]
  public var firstSeen: Instant
  public var lastSeen: Instant
  /// The occurrence the alert was last raised or repeated for.
  public var occurrence: Instant
  public var count: Int
  public var state: AlertState
  public var acknowledgedBy: String?
  public var assignee: String?
  public var escalationLevel: Int
  public var lastEscalation: Instant?
  /// The last step along the roster (nil before the first, or from an old journal).
  public var escalation: EscalationStep?
  public var silencedUntil: Instant?
  public var silenceReason: String?
  public var resolvedAt: Instant?
  public var autoResolves: Bool
  public var history: [AlertHistoryEntry]

  public func isSilenced(at now: Instant) -> Bool { (silencedUntil.map { now < $0 }) ?? false }
  public var isActive: Bool { state != .resolved }
}
