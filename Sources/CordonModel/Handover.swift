import EventSourcing

/// What a handover lists, item by item (交接班清单).
public enum HandoverItemKind: String, Codable, Sendable, CaseIterable {
  /// An open or acknowledged alert of the unit.
  case alert
  /// A directive sent to the unit and not yet acknowledged by it.
  case directive
  /// A shortage request of the unit still open (submitted, approved, forwarded).
  case request
  /// An open site of the unit past its reporting interval.
  case siteOverdue
  /// A stock line of the unit below its minimum.
  case stockLow
  /// An open follow-up of the unit's duty log (due, or coming due).
  case followUp
}

/// One line of a handover, as the unit's state stood when it was written.
/// `args` hold ids and figures (names are looked up when shown, in either
/// language); each is bounded by `Limits.handoverItemText`.
public struct HandoverItem: Codable, Sendable, Equatable {
  public var kind: HandoverItemKind
  /// What the item is about: an alert key, a directive, request, site or log entry id, or "unit/item".
  public var ref: String
  public var args: [String]
  public init(kind: HandoverItemKind, ref: String, args: [String]) {
    self.kind = kind
    self.ref = ref
    self.args = args
  }
}

/// The incoming person's question about one item (by its number, from 1).
public struct HandoverQuery: Codable, Sendable, Equatable {
  public var item: Int
  public var text: String
  public init(item: Int, text: String) {
    self.item = item
    self.text = text
  }
}

/// Receipt of a handover: who confirmed it, when, and what they queried.
/// Items not queried are acknowledged.
public struct HandoverConfirmation: Codable, Sendable, Equatable {
  public var by: String
  public var at: Instant
  public var queries: [HandoverQuery]
  public init(by: String, at: Instant, queries: [HandoverQuery]) {
    self.by = by
    self.at = at
    self.queries = queries
  }
}

/// The checklist of a unit at a moment: a pure function of the state, so a
/// scripted state gives a known list. The validator records it in the
/// handover's event, so a replay shows the items as they were.
public enum HandoverChecklist {
  /// The items, in a fixed order (alerts by severity, then directives,
  /// requests, overdue sites, low stock, follow-ups), at most
  /// `Limits.handoverItems`; `omitted` counts what did not fit.
  public static func build(unit: String, in state: CordonState, at now: Instant) -> (
    items: [HandoverItem], omitted: Int
  ) {
    let cal = state.calendar
    func arg(_ s: String) -> String { DutyLogText.excerpt(s, max: Limits.handoverItemText) }
    var out: [HandoverItem] = []

    let alerts = state.alerts.values.filter { $0.unit == unit && $0.isActive }.sorted {
      ($1.severity, $0.number) < ($0.severity, $1.number)
    }
    for a in alerts {
      out.append(
        HandoverItem(
          kind: .alert, ref: arg(a.key.description), args: [a.severity.name, a.state.rawValue] + a.args.map(arg)))
    }
    let directives = state.directives.values.filter { $0.targets.contains(unit) && !$0.isAcknowledged(by: unit) }
      .sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
    for d in directives {
      out.append(
        HandoverItem(
          kind: .directive, ref: d.id,
          args: [cal.format(d.deadline), d.urgency.rawValue, arg(DutyLogText.excerpt(d.text))]))
    }
    let requests = state.requests.values.filter { $0.unit == unit && $0.isOpen }.sorted {
      ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id)
    }
    for r in requests {
      out.append(
        HandoverItem(
          kind: .request, ref: r.id,
          args: [r.item, (r.approved ?? r.quantity).description, r.status.rawValue, r.urgency.rawValue]))
    }
    for s in state.orderedSites where s.unit == unit && s.isOverdue(at: now) {
      out.append(
        HandoverItem(
          kind: .siteOverdue, ref: s.id, args: [s.id, cal.format(s.reportDue), String(s.reportIntervalMinutes)]))
    }
    let low = state.stock.values.filter { $0.unit == unit && $0.belowMinimumSince != nil }.sorted { $0.item < $1.item }
    for line in low {
      out.append(
        HandoverItem(
          kind: .stockLow, ref: "\(line.unit)/\(line.item)",
          args: [line.item, line.balance.description, line.minimum.description]))
    }
    for e in state.openFollowUps(unit: unit) {
      guard let f = e.followUp else { continue }
      out.append(
        HandoverItem(
          kind: .followUp, ref: e.id,
          args: [cal.format(f.due), arg(f.owner), arg(DutyLogText.excerpt(e.text)), f.due <= now ? "due" : "open"]))
    }
    let kept = Array(out.prefix(Limits.handoverItems))
    return (kept, out.count - kept.count)
  }

  /// The shift change a handover belongs to: the start of a shift of the unit
  /// nearest to when it was written, within `changeWindowHours` either side
  /// (on a tie, the later). Written before that start, the change is the
  /// start; written at or after it (the usual case of a note written at the
  /// change, or late), and with no shift starting near, it is the handover's
  /// own time, since nobody can confirm a note before it exists. Confirmation
  /// is due `handoverConfirmMinutes` after the change.
  public static func shiftChange(unit: String, in state: CordonState, at t: Instant) -> Instant {
    let window = Int64(changeWindowHours) * 3_600_000
    var best: (distance: Int64, start: Instant)?
    for s in state.shifts.values where s.unit == unit && !s.cancelled {
      let d = s.start.milliseconds(since: t)
      let distance = d < 0 ? d.clampedMultiplied(by: -1) : d
      guard distance <= window else { continue }
      if let b = best, (distance, b.start) >= (b.distance, s.start) { continue }
      best = (distance, s.start)
    }
    guard let start = best?.start, start > t else { return t }
    return start
  }

  /// How far from a handover a shift start may lie to be its shift change.
  public static let changeWindowHours = 12
}

/// A handover item in words, names looked up in the state as it stands.
public enum HandoverText {
  public static func item(_ i: HandoverItem, state: CordonState, strings t: Strings) -> String {
    let lang = t.language
    func a(_ n: Int) -> String { n < i.args.count ? i.args[n] : "" }
    switch i.kind {
    case .alert:
      let message = AlertKey(parsing: i.ref)?.message(Array(i.args.dropFirst(2)), state, t) ?? i.ref
      return t.format("handover.item.alert", [t("severity.\(a(0))"), message])
    case .directive: return t.format("handover.item.directive", [i.ref, a(0), a(2)])
    case .request:
      return t.format("handover.item.request", [i.ref, state.itemName(a(0), lang), a(1), t("request.\(a(2))")])
    case .siteOverdue: return t.format("handover.item.siteOverdue", [state.siteName(a(0), lang), a(1)])
    case .stockLow: return t.format("handover.item.stockLow", [state.itemName(a(0), lang), a(1), a(2)])
    case .followUp:
      return t.format(a(3) == "due" ? "handover.item.followUpDue" : "handover.item.followUp", [a(0), a(1), a(2)])
    }
  }
}

extension HandoverNote {
  /// Written with a checklist (issue 16); older notes are free text only and
  /// are never owed a confirmation.
  public var hasChecklist: Bool { items != nil }
  public var isConfirmed: Bool { confirmation != nil }
  /// When confirmation falls due; nil for an old free-text note.
  public func confirmationDue(_ settings: Settings) -> Instant? {
    guard hasChecklist else { return nil }
    return (shiftChange ?? at).adding(minutes: Int64(settings.handoverConfirmMinutes))
  }
  /// Confirmed after it fell due.
  public func confirmedLate(_ settings: Settings) -> Bool {
    guard let c = confirmation, let due = confirmationDue(settings) else { return false }
    return c.at > due
  }
}

extension CordonState {
  /// A handover by id (the newest first in `handovers`).
  public func handover(_ id: String) -> HandoverNote? {
    guard !id.isEmpty else { return nil }
    return handovers.first { $0.id == id }
  }

  /// A unit's handovers, oldest first: the chain of who handed over to whom.
  public func handoverChain(unit: String) -> [HandoverNote] { handovers.filter { $0.unit == unit }.reversed() }

  /// Who a handover is handed to: the people on the unit's shifts that cover
  /// its shift change and began last (at the change itself, or just before a
  /// late note), of the first role changing then (值班人员, then 值班经理, then 带班领导).
  public func incoming(_ note: HandoverNote) -> [String] {
    guard note.hasChecklist else { return [] }
    let change = note.shiftChange ?? note.at
    let covering = shifts.values.filter { $0.unit == note.unit && $0.counts && $0.covers(change) }
    guard let latest = covering.map(\.start).max() else { return [] }
    let starting = covering.filter { $0.start == latest }
    // The duty officer takes over from the duty officer: the first role changing then.
    let role = starting.map(\.role.rank).min()
    return starting.filter { $0.role.rank == role }.sorted { $0.id < $1.id }.map(\.person)
  }

  mutating func confirmHandover(_ id: String, _ record: EventRecord<CordonEvent>, queries: [HandoverQuery]) {
    guard let i = handovers.firstIndex(where: { $0.id == id }), handovers[i].confirmation == nil else { return }
    handovers[i].confirmation = HandoverConfirmation(by: record.actor, at: record.time, queries: queries)
  }
}

extension DutyRole {
  var rank: Int { DutyRole.allCases.firstIndex(of: self) ?? 0 }
}

/// A handover with a checklist not confirmed `handoverConfirmMinutes` (30 by
/// default) after its shift change (see `HandoverChecklist.shiftChange`) is a
/// warning for the unit until someone confirms it.
public struct HandoverUnconfirmedRule: AlertRule {
  public var id: RuleID { .handoverUnconfirmed }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.handovers.reversed().compactMap { condition($0, state, now) }
  }

  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .handoverWritten(let n): .only([n.id])
    case .handoverConfirmed(let id, _): .only([id])
    case .settingsChanged, .retentionApplied: .all
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    // The first of that id, oldest first, as the whole pass keeps it.
    state.handovers.reversed().lazy.compactMap { $0.id == subject ? condition($0, state, now) : nil }.first
  }

  /// Oldest first, as the notes were written.
  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    func key(_ c: AlertCondition) -> Int { -(state.handovers.lastIndex { $0.id == c.key.subject } ?? 0) }
    return conditions.sorted { key($0) < key($1) }
  }

  private func condition(_ n: HandoverNote, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    guard n.confirmation == nil, let due = n.confirmationDue(state.settings), due <= now else { return nil }
    return AlertCondition(
      key: AlertKey(rule: .handoverUnconfirmed, subject: n.id), severity: .warning, unit: n.unit, site: nil,
      args: [n.unit, n.id, n.author, state.calendar.format(n.shiftChange ?? n.at)], occurrence: due,
      autoResolves: true)
  }
}

extension Authorization {
  /// An operator confirms only its own unit's handovers, refused naming the
  /// field. An unknown id is left to the validator ("no handover …"): there
  /// is nothing of anyone's to change.
  static func handover(_ command: CordonCommand, by p: Principal, in state: CordonState) -> Verdict? {
    guard case .confirmHandover(let id, _) = command else { return nil }
    guard let n = state.handover(id) else { return Verdict(refusal: nil) }
    if p.units.contains(n.unit) { return Verdict(refusal: nil) }
    return Verdict(refusal: Refusal("handover.otherUnit", [p.user, id, state.unitName(n.unit, .zh)], field: .handover))
  }
}

extension CommandValidator {
  /// Writing a handover (its checklist computed here, from the state) and confirming one.
  func handover(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .writeHandover(let unit, let text):
      try requireUnit(unit)
      let t = try requiredText(text, .text)
      let list = HandoverChecklist.build(unit: unit, in: state, at: context.now)
      var note = HandoverNote(unit: unit, at: context.now, author: context.actor, text: t)
      // Named by the sequence number its own record takes: unique, the same on
      // replay, and no serial taken (alert numbers and other ids stay as they were).
      note.id = "ho\(state.lastSeq + 1)"
      note.items = list.items
      note.omitted = list.omitted
      note.shiftChange = HandoverChecklist.shiftChange(unit: unit, in: state, at: context.now)
      return [.handoverWritten(note)]

    case .confirmHandover(let id, let queries):
      try Limits.check(id, max: Limits.identifier, field: .handover)
      guard let n = state.handover(id), let items = n.items else {
        throw Refusal("handover.unknown", [id], field: .handover)
      }
      if let c = n.confirmation {
        throw Refusal("handover.confirmedTwice", [id, c.by, state.calendar.format(c.at)], field: .handover)
      }
      try Limits.check(queries.count, in: 0...Limits.handoverItems, field: .queries)
      var seen = Set<Int>()
      var out: [HandoverQuery] = []
      for q in queries {
        guard q.item >= 1, q.item <= items.count else {
          throw Refusal("handover.unknownItem", [String(q.item), String(items.count)], field: .queries)
        }
        guard seen.insert(q.item).inserted else {
          throw Refusal("handover.queryTwice", [String(q.item)], field: .queries)
        }
        let text = UserText.clean(q.text, multiline: false).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw Refusal("handover.queryEmpty", [String(q.item)], field: .queries) }
        guard text.count <= Limits.line else {
          throw Refusal(
            "handover.queryTooLong", [String(q.item), String(Limits.line), String(text.count)], field: .queries)
        }
        out.append(HandoverQuery(item: q.item, text: text))
      }
      return [.handoverConfirmed(handover: id, queries: out.sorted { $0.item < $1.item })]

    default:
      return []
    }
  }
}
