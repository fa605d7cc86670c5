import EventSourcing

/// What a notification is about. The raw value is the journal format and the
/// `kind` a route matches on: never rename one.
public enum NotificationKind: String, Codable, Sendable, CaseIterable {
  /// A new, reopened or newly critical alert, or a repeat of one still open.
  case alert
  /// An escalation step of an unacknowledged alert.
  case escalation
  /// A directive issued to a unit.
  case directive
  /// A shift starting within `NotifyRouting.handoffLeadMinutes`: the incoming person.
  case handoff
  /// `cordon notify test RECEIVER`.
  case test
}

/// Local minutes of the day [start, end) during which a route holds what is
/// not critical until the window ends. `end < start` wraps past midnight.
public struct QuietHours: Codable, Sendable, Equatable {
  public var startMinute: Int
  public var endMinute: Int
  public init(startMinute: Int, endMinute: Int) {
    self.startMinute = startMinute
    self.endMinute = endMinute
  }
  public func contains(minuteOfDay m: Int) -> Bool {
    startMinute <= endMinute ? (m >= startMinute && m < endMinute) : (m >= startMinute || m < endMinute)
  }
}

/// One `[[routes]]` entry. Every non-empty filter must match; an empty one matches anything.
public struct NotifyRoute: Codable, Sendable, Equatable {
  public var name: String
  public var severities: [Severity]
  public var rules: [RuleID]
  public var units: [String]
  public var kinds: [NotificationKind]
  public var receivers: [String]
  public var quietHours: QuietHours?
  /// How long what is not critical waits for others to group with. Criticals never wait.
  public var groupWaitSeconds: Int
  /// How often an open, unacknowledged alert is sent again.
  public var repeatIntervalMinutes: Int

  public static let defaultGroupWaitSeconds = 60
  public static let defaultRepeatIntervalMinutes = 240

  public init(
    name: String, severities: [Severity] = [], rules: [RuleID] = [], units: [String] = [],
    kinds: [NotificationKind] = [], receivers: [String], quietHours: QuietHours? = nil,
    groupWaitSeconds: Int = NotifyRoute.defaultGroupWaitSeconds,
    repeatIntervalMinutes: Int = NotifyRoute.defaultRepeatIntervalMinutes
  ) {
    self.name = name
    self.severities = severities
    self.rules = rules
    self.units = units
    self.kinds = kinds
    self.receivers = receivers
    self.quietHours = quietHours
    self.groupWaitSeconds = groupWaitSeconds
    self.repeatIntervalMinutes = repeatIntervalMinutes
  }

  public func matches(kind: NotificationKind, severity: Severity, rule: RuleID?, unit: String) -> Bool {
    if !kinds.isEmpty && !kinds.contains(kind) { return false }
    if !severities.isEmpty && !severities.contains(severity) { return false }
    if !rules.isEmpty && !(rule.map(rules.contains) ?? false) { return false }
    if !units.isEmpty && !units.contains(unit) { return false }
    return true
  }
}

/// The routing part of the server's configuration, journalled when it changes
/// so that deciding what notifies replays exactly. Names only: where a
/// receiver sends, and its secrets, stay in the server's configuration file.
public struct NotifyRouting: Codable, Sendable, Equatable {
  public var receivers: [String]
  public var routes: [NotifyRoute]
  public init(receivers: [String] = [], routes: [NotifyRoute] = []) {
    self.receivers = receivers
    self.routes = routes
  }
  public static let handoffLeadMinutes: Int64 = 15
  /// A receiver failing this long raises an alert.
  public static let failingAlertMinutes: Int64 = 10
}

/// One notification in the outbox: decided by the domain, journalled, then
/// delivered at least once to each receiver, keyed by `id`.
public struct Notice: Codable, Sendable, Equatable {
  /// Stable across retries and restarts ("N17"): receivers de-duplicate by it.
  public var id: String
  public var kind: NotificationKind
  public var severity: Severity
  public var unit: String
  public var rule: RuleID?
  /// The alert key, directive id or shift id the notification is about.
  public var subject: String
  /// The message in both languages, as decided: what was sent is what the journal keeps.
  public var text: LocalizedName
  /// Whom it is for, when a person is named (escalation, handoff).
  public var person: String?
  public var phone: String?
  public var route: String
  public var receivers: [String]
  /// Not sent before this (grouping, quiet hours).
  public var due: Instant
  public var queuedAt: Instant
  /// A repeat of an alert still open after the route's repeat interval.
  public var isRepeat: Bool

  public init(
    id: String, kind: NotificationKind, severity: Severity, unit: String, rule: RuleID?, subject: String,
    text: LocalizedName, person: String? = nil, phone: String? = nil, route: String, receivers: [String], due: Instant,
    queuedAt: Instant, isRepeat: Bool = false
  ) {
    self.id = id
    self.kind = kind
    self.severity = severity
    self.unit = unit
    self.rule = rule
    self.subject = subject
    self.text = text
    self.person = person
    self.phone = phone
    self.route = route
    self.receivers = receivers
    self.due = due
    self.queuedAt = queuedAt
    self.isRepeat = isRepeat
  }

  /// The serial number in the id, for ordering.
  public var serial: Int { Int(id.dropFirst()) ?? 0 }
}

/// What the sender reports back, journalled as an event.
public enum DeliveryOutcome: Sendable, Equatable {
  case delivered(id: String, receiver: String, attempt: Int)
  /// Only some failed attempts are journalled (`DeliveryOutcome.journals`), and
  /// the error is already redacted: never a URL's query, never a header value.
  case failed(id: String, receiver: String, attempt: Int, error: String)

  /// Failed attempts 1, 2, 4, 8, …: a receiver down for a day leaves a few
  /// dozen events, not thousands.
  public static func journals(failedAttempt n: Int) -> Bool { n > 0 && (n & (n - 1)) == 0 }
  public static let maxErrorLength = 200
}

/// A receiver's state as the journal tells it, for the `:notify` view and the failing alert.
public struct ReceiverHealth: Codable, Sendable, Equatable {
  public var delivered = 0
  public var lastDelivered: Instant?
  /// The first journalled failure since the last delivery.
  public var failingSince: Instant?
  public var lastError: String?
  public var lastErrorAt: Instant?
  public init() {}
}

/// The outbox and routing as folded from the journal.
public struct NotifyState: Codable, Sendable, Equatable {
  public var routing = NotifyRouting()
  /// Undelivered notifications by id, each with the receivers still owed it.
  /// Sharded, as the alerts are: the store applies each notice to its
  /// committed state while the consoles' fan-out holds the state from
  /// before, and a plain dictionary was copied whole (a burst's thousand
  /// pending notices) on every batch (issue 18).
  public var pending = ShardedDictionary<String, PendingNotification>()
  public var serial = 0
  /// "route|subject" → when it was last queued there, for repeat intervals
  /// and one handoff reminder per shift. Pruned with the alerts and shifts.
  /// Sharded for the same reason as `pending`.
  public var lastQueued = ShardedDictionary<String, Instant>()
  public var receivers: [String: ReceiverHealth] = [:]
  public init() {}

  /// A receiver's undelivered notifications in the order it must get them: by due time, then as queued.
  public func queue(for receiver: String) -> [Notice] {
    let owed = pending.values.compactMap { $0.remaining.contains(receiver) ? $0.notification : nil }
    // Sorted by keys worked out once: the sender reads this after every state change.
    let keys = owed.map { ($0.due.milliseconds, $0.serial) }
    return owed.indices.sorted { keys[$0] < keys[$1] }.map { owed[$0] }
  }

  /// What is pending for receivers not in `kept` (a reload or restart
  /// removed them): dropped by journalled events with the reason, so nothing
  /// is owed forever to a receiver that no longer exists. In id order.
  public func dropped(keeping kept: [String]) -> [CordonEvent] {
    let keep = Set(kept)
    return pending.values.sorted { $0.notification.serial < $1.notification.serial }.flatMap { p in
      p.remaining.filter { !keep.contains($0) }.map {
        CordonEvent.notificationDropped(
          id: p.notification.id, receiver: $0, reason: "receiverRemoved", kind: p.notification.kind,
          subject: p.notification.subject)
      }
    }
  }

  /// A resolved alert starts afresh: its next raise notifies at once, not after a repeat interval.
  mutating func forget(subject: String) {
    for route in routing.routes { lastQueued["\(route.name)|\(subject)"] = nil }
  }

  /// Above this many entries, those older than two days go (repeats refresh theirs at least daily).
  static let lastQueuedLimit = 512

  mutating func apply(_ event: CordonEvent, at now: Instant) {
    switch event {
    case .notificationsConfigured(let r): routing = r
    case .notificationQueued(let n):
      serial = max(serial, n.serial)
      pending[n.id] = PendingNotification(notification: n, remaining: n.receivers, attempts: [:])
      lastQueued["\(n.route)|\(n.subject)"] = n.queuedAt
      // Looked at once per 64 new entries, not on every one: a burst of a
      // thousand recent alerts, none of them old enough to go, stays linear.
      if lastQueued.count > Self.lastQueuedLimit, lastQueued.count.isMultiple(of: 64) {
        let cutoff = n.queuedAt.milliseconds - 2 * 86_400_000
        lastQueued.removeAll { $0.value.milliseconds < cutoff }
      }
    case .notificationDelivered(let id, let receiver, _):
      if var p = pending[id] {
        p.remaining.removeAll { $0 == receiver }
        pending[id] = p.remaining.isEmpty ? nil : p
      }
      var h = receivers[receiver] ?? ReceiverHealth()
      h.delivered += 1
      h.lastDelivered = now
      h.failingSince = nil
      receivers[receiver] = h
    case .notificationDropped(let id, let receiver, _, _, _):
      if var p = pending[id] {
        p.remaining.removeAll { $0 == receiver }
        pending[id] = p.remaining.isEmpty ? nil : p
      }
    case .notificationFailed(let id, let receiver, let attempt, let error):
      pending[id]?.attempts[receiver] = attempt
      var h = receivers[receiver] ?? ReceiverHealth()
      if h.failingSince == nil { h.failingSince = now }
      h.lastError = error
      h.lastErrorAt = now
      receivers[receiver] = h
    default: break
    }
  }
}

public struct PendingNotification: Codable, Sendable, Equatable {
  public var notification: Notice
  public var remaining: [String]
  /// The last journalled failed attempt per receiver, so back-off resumes after a restart.
  public var attempts: [String: Int]
}
