import EventSourcing

/// How word of something reached the duty room (值班记录的来源).
public enum LogChannel: String, Codable, Sendable, CaseIterable {
  case phone, wechat, document, onsite, system
}

/// How urgent a report up or a directive is: 一般, 紧急, 特急.
public enum DutyPriority: String, Codable, Sendable, CaseIterable, Comparable {
  case routine, urgent, immediate
  private var rank: Int {
    switch self {
    case .routine: 0
    case .urgent: 1
    case .immediate: 2
    }
  }
  public static func < (a: DutyPriority, b: DutyPriority) -> Bool { a.rank < b.rank }
}

/// Something the duty room must come back to by a time, with who owns it.
public struct FollowUp: Codable, Sendable, Equatable {
  public var due: Instant
  public var owner: String
  public var closedAt: Instant?
  public var closedBy: String?
  public var note: String?
  public init(due: Instant, owner: String) {
    self.due = due
    self.owner = owner
  }
  public var isOpen: Bool { closedAt == nil }
}

/// A mistaken entry stays in the log, marked void with why and by whom.
public struct Voiding: Codable, Sendable, Equatable {
  public var at: Instant
  public var by: String
  public var reason: String
}

/// One line of a unit's duty log (值班记录).
public struct LogEntry: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var unit: String
  public var at: Instant
  public var by: String
  public var channel: LogChannel
  /// From whom the word came.
  public var from: String
  public var text: String
  /// What the duty room did about it.
  public var action: String
  /// 重要事项: shown on HQ's console and in the daily report.
  public var significant: Bool
  public var followUp: FollowUp?
  public var voided: Voiding?
  public init(
    id: String, unit: String, at: Instant, by: String, channel: LogChannel, from: String, text: String,
    action: String, significant: Bool, followUp: FollowUp?
  ) {
    self.id = id
    self.unit = unit
    self.at = at
    self.by = by
    self.channel = channel
    self.from = from
    self.text = text
    self.action = action
    self.significant = significant
    self.followUp = followUp
  }
  public var isVoid: Bool { voided != nil }
  /// An open follow-up on a live entry.
  public var hasOpenFollowUp: Bool { !isVoid && (followUp?.isOpen ?? false) }
}

/// A reply: to a report up (from HQ) or to a directive (from a target unit).
public struct DutyReply: Codable, Sendable, Equatable {
  public var by: String
  public var at: Instant
  public var text: String
  public init(by: String, at: Instant, text: String) {
    self.by = by
    self.at = at
    self.text = text
  }
}

/// A report from a unit to HQ (下情上报).
public struct UpReport: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var unit: String
  public var priority: DutyPriority
  public var text: String
  /// An alert key, request id or log entry id the report is about.
  public var ref: String?
  public var sentBy: String
  public var sentAt: Instant
  public var acknowledgedBy: String?
  public var acknowledgedAt: Instant?
  public var replies: [DutyReply] = []
  public init(
    id: String, unit: String, priority: DutyPriority, text: String, ref: String?, sentBy: String, sentAt: Instant
  ) {
    self.id = id
    self.unit = unit
    self.priority = priority
    self.text = text
    self.ref = ref
    self.sentBy = sentBy
    self.sentAt = sentAt
  }
  public var isAcknowledged: Bool { acknowledgedAt != nil }
  /// received → acknowledged → replied.
  public var stage: DutyStage { !replies.isEmpty ? .replied : (isAcknowledged ? .acknowledged : .received) }
}

/// Where a report or a directive stands with its addressee.
public enum DutyStage: String, Sendable, Equatable {
  case received, acknowledged, replied
}

extension Directive {
  /// Directives issued before priorities existed are routine.
  public var urgency: DutyPriority { priority ?? .routine }
  public func reply(from unit: String) -> DutyReply? { replies?[unit] }
  /// received → acknowledged → replied, for one target unit.
  public func stage(of unit: String) -> DutyStage {
    reply(from: unit) != nil ? .replied : (isAcknowledged(by: unit) ? .acknowledged : .received)
  }
}

extension CordonState {
  /// The unit's open follow-ups due at or before `at`, the earliest first:
  /// what a handover lists and what the overdue rule raises.
  public func followUpsDue(unit: String, at: Instant) -> [LogEntry] {
    openFollowUps(unit: unit).filter { ($0.followUp?.due ?? at) <= at }
  }

  /// Every open follow-up of a unit (nil: of every unit), the earliest due first.
  public func openFollowUps(unit: String? = nil) -> [LogEntry] {
    dutyLog.values.filter { $0.hasOpenFollowUp && (unit == nil || $0.unit == unit) }.sorted {
      ($0.followUp?.due ?? $0.at, $0.id) < ($1.followUp?.due ?? $1.at, $1.id)
    }
  }

  /// A unit's log (nil: every unit's), the newest first.
  public func logEntries(unit: String? = nil) -> [LogEntry] {
    dutyLog.values.filter { unit == nil || $0.unit == unit }.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
  }

  /// Live significant entries from every unit, the newest first.
  public var significantEntries: [LogEntry] { logEntries().filter { $0.significant && !$0.isVoid } }

  /// Reports up (from one unit, or all), unacknowledged first, then the most urgent, then the newest.
  public func upReports(unit: String? = nil) -> [UpReport] {
    reports.values.filter { unit == nil || $0.unit == unit }.sorted {
      ($0.isAcknowledged ? 1 : 0, -$0.priority.rankValue, -$0.sentAt.milliseconds, $0.id)
        < ($1.isAcknowledged ? 1 : 0, -$1.priority.rankValue, -$1.sentAt.milliseconds, $1.id)
    }
  }

  /// How long a report of this priority may wait for HQ's acknowledgement; nil: no limit.
  public func ackLimitMinutes(_ p: DutyPriority) -> Int? {
    switch p {
    case .routine: nil
    case .urgent: settings.reportAckUrgentMinutes
    case .immediate: settings.reportAckImmediateMinutes
    }
  }

  mutating func applyDutyLog(_ event: CordonEvent, _ record: EventRecord<CordonEvent>) {
    let now = record.time
    switch event {
    case .logEntered(let e):
      dutyLog[e.id] = e
      serial += 1
    case .logEntryVoided(let id, let reason):
      dutyLog[id]?.voided = Voiding(at: now, by: record.actor, reason: reason)
    case .followUpClosed(let id, let note):
      dutyLog[id]?.followUp?.closedAt = now
      dutyLog[id]?.followUp?.closedBy = record.actor
      dutyLog[id]?.followUp?.note = note
    case .reportSent(let r):
      reports[r.id] = r
      serial += 1
    case .reportAcknowledged(let id):
      if reports[id]?.acknowledgedAt == nil {
        reports[id]?.acknowledgedAt = now
        reports[id]?.acknowledgedBy = record.actor
      }
    case .reportReplied(let id, let text):
      // A reply acknowledges a report not yet acknowledged.
      if reports[id]?.acknowledgedAt == nil {
        reports[id]?.acknowledgedAt = now
        reports[id]?.acknowledgedBy = record.actor
      }
      reports[id]?.replies.append(DutyReply(by: record.actor, at: now, text: text))
    case .directiveReplied(let id, let unit, let text):
      if directives[id]?.acknowledgements[unit] == nil {
        directives[id]?.acknowledgements[unit] = DirectiveAck(by: record.actor, at: now)
      }
      if var d = directives[id] {
        var replies = d.replies ?? [:]
        replies[unit] = DutyReply(by: record.actor, at: now, text: text)
        d.replies = replies
        directives[id] = d
      }
    default: break
    }
  }

  /// Old entries leave memory with the rest of the retention window; open
  /// follow-ups and unacknowledged reports stay until dealt with.
  mutating func pruneDutyLog(horizon: Instant) {
    dutyLog = dutyLog.filter { $0.value.hasOpenFollowUp || $0.value.at >= horizon }
    reports = reports.filter { !$0.value.isAcknowledged || $0.value.sentAt >= horizon }
  }
}

extension DutyPriority {
  var rankValue: Int { DutyPriority.allCases.firstIndex(of: self) ?? 0 }
}

/// A live follow-up past its due time.
public struct FollowUpOverdueRule: AlertRule {
  public var id: RuleID { .followUpOverdue }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.openFollowUps().compactMap { condition($0, state, now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .logEntered(let e): .only([e.id])
    case .logEntryVoided(let id, _), .followUpClosed(let id, _): .only([id])
    case .settingsChanged, .retentionApplied: .all
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let e = state.dutyLog[subject], e.hasOpenFollowUp else { return nil }
    return condition(e, state, now)
  }

  /// By due time, then id, as `openFollowUps` lists them.
  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    conditions.sorted { ($0.occurrence, $0.key.subject) < ($1.occurrence, $1.key.subject) }
  }

  private func condition(_ e: LogEntry, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    guard let f = e.followUp, f.due <= now else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .followUpOverdue, subject: e.id), severity: .warning, unit: e.unit, site: nil,
      args: [e.unit, e.id, state.calendar.format(f.due), f.owner, DutyLogText.excerpt(e.text)], occurrence: f.due,
      autoResolves: true)
  }
}

/// An urgent or immediate report up HQ has not acknowledged in time (settings).
public struct ReportUnacknowledgedRule: AlertRule {
  public var id: RuleID { .reportUnacknowledged }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    let hq = state.headquarters ?? ""
    return state.reports.values.sorted { $0.id < $1.id }.compactMap { condition($0, hq, state, now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .reportSent(let r): .only([r.id])
    case .reportAcknowledged(let id), .reportReplied(let id, _): .only([id])
    case .settingsChanged, .unitRegistered, .unitUpdated, .unitRetired, .retentionApplied: .all
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    state.reports[subject].flatMap { condition($0, state.headquarters ?? "", state, now) }
  }

  private func condition(_ r: UpReport, _ hq: String, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    guard !r.isAcknowledged, let minutes = state.ackLimitMinutes(r.priority) else { return nil }
    let due = r.sentAt.adding(minutes: Int64(minutes))
    guard due <= now else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .reportUnacknowledged, subject: r.id),
      severity: r.priority == .immediate ? .critical : .warning, unit: hq, site: nil,
      args: [r.unit, r.id, r.priority.rawValue, String(minutes), DutyLogText.excerpt(r.text)], occurrence: due,
      autoResolves: true)
  }
}

/// Short forms of user text for alert lines and tables.
public enum DutyLogText {
  /// The first line, at most 40 characters.
  public static func excerpt(_ text: String, max: Int = 40) -> String {
    let first = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
    return first.count > max ? String(first.prefix(max - 1)) + "…" : first
  }
}

extension CommandValidator {
  /// The duty log, reports up and replies to directives.
  func dutyLog(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .logEntry(let unit, let channel, let from, let text, let action, let significant, let due, let owner):
      try requireUnit(unit)
      let t = try requiredText(text, .text)
      let f = try optional(from, .from, max: Limits.name)
      let a = try optional(action, .action, max: Limits.line)
      let o = try optional(owner, .owner, max: Limits.name)
      var followUp: FollowUp?
      if let due {
        guard due > context.now else {
          throw Refusal("log.followUpPast", [state.calendar.format(due)], field: .followUpDue)
        }
        guard due.milliseconds(since: context.now) <= Int64(Limits.followUpDays) * 86_400_000 else {
          throw Refusal("log.followUpTooFar", [String(Limits.followUpDays)], field: .followUpDue)
        }
        followUp = FollowUp(due: due, owner: o.isEmpty ? context.actor : o)
      } else if !o.isEmpty {
        throw Refusal("log.ownerWithoutDue", field: .followUpDue)
      }
      return [
        .logEntered(
          LogEntry(
            id: "lg\(state.serial + 1)", unit: unit, at: context.now, by: context.actor, channel: channel, from: f,
            text: t, action: a, significant: significant, followUp: followUp))
      ]

    case .closeFollowUp(let id, let note):
      let e = try requireEntry(id)
      guard e.followUp != nil else { throw Refusal("log.noFollowUp", [id], field: .entry) }
      guard e.hasOpenFollowUp else { throw Refusal("log.followUpClosed", [id], field: .entry) }
      return [.followUpClosed(entry: id, note: try required(note, .note))]

    case .voidLogEntry(let id, let reason):
      let e = try requireEntry(id)
      guard !e.isVoid else { throw Refusal("log.alreadyVoid", [id], field: .entry) }
      return [.logEntryVoided(entry: id, reason: try required(reason, .reason))]

    case .reportUp(let unit, let priority, let text, let ref):
      try requireUnit(unit)
      let t = try requiredText(text, .text)
      var r: String?
      if let ref, !ref.isEmpty {
        try Limits.check(ref, max: Limits.alertKey, field: .ref)
        guard refExists(ref) else { throw Refusal("report.unknownRef", [ref], field: .ref) }
        r = ref
      }
      return [
        .reportSent(
          UpReport(
            id: "up\(state.serial + 1)", unit: unit, priority: priority, text: t, ref: r, sentBy: context.actor,
            sentAt: context.now))
      ]

    case .acknowledgeReport(let id):
      let r = try requireReport(id)
      guard !r.isAcknowledged else { throw Refusal("report.alreadyAcknowledged", [id], field: .id) }
      return [.reportAcknowledged(id: id)]

    case .replyReport(let id, let text):
      let r = try requireReport(id)
      guard r.replies.count < Limits.replies else {
        throw Refusal("report.tooManyReplies", [id, String(Limits.replies)], field: .id)
      }
      return [.reportReplied(id: id, text: try requiredText(text, .text))]

    case .replyDirective(let id, let unit, let text):
      try Limits.check(id, max: Limits.identifier, field: .id)
      try Limits.check(unit, max: Limits.identifier, field: .unit)
      guard let d = state.directives[id] else { throw Refusal("directive.unknown", [id], field: .id) }
      guard d.targets.contains(unit) else { throw Refusal("directive.notTarget", [id, unit], field: .unit) }
      return [.directiveReplied(id: id, unit: unit, text: try requiredText(text, .text))]

    default:
      return []
    }
  }

  /// Multi-line text: cleaned, trimmed, not empty, within `Limits.text`.
  func requiredText(_ text: String, _ field: CommandField) throws(Refusal) -> String {
    let t = UserText.clean(text, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !t.isEmpty else { throw Refusal("field.required", field: field) }
    return try Limits.check(t, max: Limits.text, field: field)
  }

  private func requireEntry(_ id: String) throws(Refusal) -> LogEntry {
    try Limits.check(id, max: Limits.identifier, field: .entry)
    guard let e = state.dutyLog[id] else { throw Refusal("log.unknown", [id], field: .entry) }
    return e
  }

  private func requireReport(_ id: String) throws(Refusal) -> UpReport {
    try Limits.check(id, max: Limits.identifier, field: .id)
    guard let r = state.reports[id] else { throw Refusal("report.unknown", [id], field: .id) }
    return r
  }

  /// An alert key, a request id or a log entry id.
  private func refExists(_ ref: String) -> Bool {
    if let key = AlertKey(parsing: ref), state.alerts[key] != nil { return true }
    return state.requests[ref] != nil || state.dutyLog[ref] != nil || state.reports[ref] != nil
  }
}
