import EventSourcing

/// Inspections by committee members (委员包抓督查): the `inspector` role visits
/// the units assigned to it, records what it checked against the checklist
/// of each site's kind, and raises findings with a deadline. The unit
/// responsible records its rectification; the inspector verifies it or
/// reopens the finding. A finding can raise a shortage request in the same
/// batch, and the two name each other.
public struct Inspection: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var unit: String
  public var sites: [String]
  public var at: Instant
  public var by: String
  /// The checklist items checked (the sites' kinds' checklists when none were named).
  public var checked: [String]
  public var notes: String
  public init(id: String, unit: String, sites: [String], at: Instant, by: String, checked: [String], notes: String) {
    self.id = id
    self.unit = unit
    self.sites = sites
    self.at = at
    self.by = by
    self.checked = checked
    self.notes = notes
  }
}

/// How serious a finding is: 一般, 较重, 严重.
public enum FindingSeverity: String, Codable, Sendable, CaseIterable {
  case minor, major, critical
}

/// Where a finding stands: open (raised or reopened), rectified (waiting
/// for the inspector), closed (verified).
public enum FindingStatus: String, Codable, Sendable, CaseIterable {
  case open, rectified, closed
}

/// One step of a finding's life after it was raised.
public struct FindingStep: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    case rectified, accepted, reopened
  }
  public var kind: Kind
  public var at: Instant
  public var by: String
  public var note: String
  public init(kind: Kind, at: Instant, by: String, note: String) {
    self.kind = kind
    self.at = at
    self.by = by
    self.note = note
  }
}

/// Supplies a finding asks for: raised as a shortage request in one step.
public struct FindingRequest: Sendable, Equatable {
  public var item: String
  public var quantity: Quantity
  public init(item: String, quantity: Quantity) {
    self.item = item
    self.quantity = quantity
  }
}

/// A finding (督查发现问题): what is wrong, how serious, who must put it right and by when.
public struct Finding: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var inspection: String
  public var unit: String
  public var text: String
  public var severity: FindingSeverity
  public var deadline: Instant
  public var raisedBy: String
  public var raisedAt: Instant
  /// The shortage request raised with it, if any (the request names the finding too).
  public var request: String?
  public var status: FindingStatus = .open
  public var steps: [FindingStep] = []
  public init(
    id: String, inspection: String, unit: String, text: String, severity: FindingSeverity, deadline: Instant,
    raisedBy: String, raisedAt: Instant, request: String?
  ) {
    self.id = id
    self.inspection = inspection
    self.unit = unit
    self.text = text
    self.severity = severity
    self.deadline = deadline
    self.raisedBy = raisedBy
    self.raisedAt = raisedAt
    self.request = request
  }
  public var isOpen: Bool { status == .open }
  /// Not yet closed: open, or rectified and waiting for the inspector.
  public var isUnresolved: Bool { status != .closed }
  /// When it was last reopened, if it was.
  public var reopenedAt: Instant? { steps.last { $0.kind == .reopened }?.at }
  /// Open past its deadline: what the overdue alert raises.
  public func isOverdue(at now: Instant) -> Bool { isOpen && deadline <= now }
}

/// Oversight and emergency teams: what the state holds for issue 17's
/// inspections (this file) and teams (Teams.swift).
public struct OversightState: Codable, Sendable, Equatable {
  /// Site kind (raw value) → checklist; a kind not set uses `Checklist.defaultItems`.
  public var checklists: [String: [String]] = [:]
  public var inspections: [String: Inspection] = [:]
  public var findings: [String: Finding] = [:]
  public var teams: [String: EmergencyTeam] = [:]
  public var deployments: [String: Deployment] = [:]
  public init() {}
}

/// The checklist of a site kind, defined in the organisation file (`[[checklists]]`).
public enum Checklist {
  /// The default: measures in force, temperature checks done,
  /// disinfection records, protective gear, thermometers and supplies on hand, duty staffing.
  public static let defaultItems = ["防控措施落实", "体温检测开展", "消毒记录完整", "防护用品佩戴", "测温设备与物资充足", "值守人员在岗"]
}

extension CordonState {
  /// Oversight's part of the state. Kept optional underneath, so a snapshot
  /// written before issue 17 still decodes.
  public var oversight: OversightState {
    get { oversightStore ?? OversightState() }
    set { oversightStore = newValue }
  }

  /// The checklist of a site kind.
  public func checklist(_ kind: SiteKind) -> [String] {
    oversight.checklists[kind.rawValue] ?? Checklist.defaultItems
  }

  /// The checklist of some sites: each kind's items once, in order.
  public func checklist(sites: [String]) -> [String] {
    var seen = Set<String>()
    var out: [String] = []
    for id in sites {
      guard let s = self.sites[id] else { continue }
      for item in checklist(s.kind) where seen.insert(item).inserted { out.append(item) }
    }
    return out
  }

  /// A unit's visits (nil: every unit's), the newest first.
  public func inspections(unit: String? = nil) -> [Inspection] {
    oversight.inspections.values.filter { unit == nil || $0.unit == unit }.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
  }

  /// A unit's findings (nil: every unit's): unresolved first, the earliest deadline first.
  public func findings(unit: String? = nil) -> [Finding] {
    oversight.findings.values.filter { unit == nil || $0.unit == unit }.sorted {
      ($0.isUnresolved ? 0 : 1, $0.deadline, $0.id) < ($1.isUnresolved ? 0 : 1, $1.deadline, $1.id)
    }
  }

  mutating func applyOversight(_ event: CordonEvent, _ record: EventRecord<CordonEvent>) {
    let now = record.time
    switch event {
    case .checklistSet(let kind, let items):
      oversight.checklists[kind.rawValue] = items
    case .inspectionRecorded(let i):
      oversight.inspections[i.id] = i
    case .findingRaised(let f):
      oversight.findings[f.id] = f
    case .findingRectified(let id, let note):
      oversight.findings[id]?.status = .rectified
      oversight.findings[id]?.steps.append(FindingStep(kind: .rectified, at: now, by: record.actor, note: note))
    case .findingVerified(let id, let accepted, let note):
      oversight.findings[id]?.status = accepted ? .closed : .open
      oversight.findings[id]?.steps.append(
        FindingStep(kind: accepted ? .accepted : .reopened, at: now, by: record.actor, note: note))
    case .teamFormed, .memberDeployed, .deploymentRecalled:
      applyTeams(event, record)
    default: break
    }
  }
}

/// An open finding past its rectification deadline: a warning for the unit
/// responsible (critical for a critical finding) until it is rectified. A
/// reopened finding past its deadline is a new occurrence from its reopening.
public struct FindingOverdueRule: AlertRule {
  public var id: RuleID { .findingOverdue }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    state.oversight.findings.values.filter { $0.isOverdue(at: now) }.sorted { $0.id < $1.id }.map {
      condition($0, state)
    }
  }

  /// A finding's own events touch it; the calendar (settings) every deadline's words.
  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .findingRaised(let f): .only([f.id])
    case .findingRectified(let id, _), .findingVerified(let id, _, _): .only([id])
    case .settingsChanged: .all
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let f = state.oversight.findings[subject], f.isOverdue(at: now) else { return nil }
    return condition(f, state)
  }

  private func condition(_ f: Finding, _ state: CordonState) -> AlertCondition {
    let reopened = f.reopenedAt.map { max($0, f.deadline) }
    return AlertCondition(
      key: AlertKey(rule: .findingOverdue, subject: f.id), severity: f.severity == .critical ? .critical : .warning,
      unit: f.unit, site: nil,
      args: [f.unit, f.id, state.calendar.format(f.deadline), DutyLogText.excerpt(f.text)],
      occurrence: reopened ?? f.deadline, autoResolves: true)
  }
}

extension CommandValidator {
  /// Checklists, inspections and findings.
  func oversight(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .setChecklist(let kind, let items):
      try Limits.check(items.count, in: 1...Limits.checklistItems, field: .items)
      var seen = Set<String>()
      var out: [String] = []
      for item in items {
        let t = try required(item, .items, max: Limits.handoverItemText)
        guard seen.insert(t).inserted else { throw Refusal("checklist.duplicate", [t], field: .items) }
        out.append(t)
      }
      return [.checklistSet(kind: kind, items: out)]

    case .recordInspection(let id, let unit, let sites, let checked, let notes):
      let newID = try newIdentifier(id, taken: state.oversight.inspections[id] != nil, "inspection.duplicate")
      try requireUnit(unit)
      guard !sites.isEmpty else { throw Refusal("field.required", field: .sites) }
      try Limits.check(sites.count, in: 1...Limits.inspectionSites, field: .sites)
      var unique: [String] = []
      for s in sites where !unique.contains(s) {
        try Limits.check(s, max: Limits.identifier, field: .sites)
        guard let site = state.sites[s] else { throw Refusal("site.unknown", [s], field: .sites) }
        guard site.unit == unit else {
          throw Refusal("inspection.siteOtherUnit", [s, state.unitName(site.unit, .zh)], field: .sites)
        }
        unique.append(s)
      }
      let list = state.checklist(sites: unique)
      var items: [String] = []
      if let checked {
        try Limits.check(checked.count, in: 0...Limits.checklistItems, field: .checked)
        for c in checked {
          let t = UserText.clean(c)
          guard list.contains(t) else {
            throw Refusal("inspection.notOnChecklist", [t, list.joined(separator: "、")], field: .checked)
          }
          if !items.contains(t) { items.append(t) }
        }
      } else {
        items = list
      }
      return [
        .inspectionRecorded(
          Inspection(
            id: newID, unit: unit, sites: unique, at: context.now, by: context.actor, checked: items,
            notes: try optionalText(notes, .notes)))
      ]

    case .raiseFinding(let id, let inspection, let unit, let text, let severity, let deadline, let request):
      let newID = try newIdentifier(id, taken: state.oversight.findings[id] != nil, "finding.duplicate")
      try Limits.check(inspection, max: Limits.identifier, field: .inspection)
      guard state.oversight.inspections[inspection] != nil else {
        throw Refusal("inspection.unknown", [inspection], field: .inspection)
      }
      try requireUnit(unit)
      let t = try requiredText(text, .text)
      guard deadline > context.now else {
        throw Refusal("finding.deadlinePast", [state.calendar.format(deadline)], field: .deadline)
      }
      guard deadline.milliseconds(since: context.now) <= Int64(Limits.followUpDays) * 86_400_000 else {
        throw Refusal("finding.deadlineTooFar", [String(Limits.followUpDays)], field: .deadline)
      }
      var requestID: String?
      var extra: [CordonEvent] = []
      if let request {
        do {
          try checkQuantity(request.quantity, item: request.item)
        } catch {
          // The request's fields are named as the finding's line names them.
          var r = error
          r.field = (r.field == CommandField.item.rawValue ? CommandField.requestItem : .requestQuantity).rawValue
          throw r
        }
        let r = ShortageRequest(
          id: "rq\(state.serial + 1)", unit: unit, item: request.item, quantity: request.quantity,
          urgency: severity.urgency, reason: "督查 \(newID)：" + DutyLogText.excerpt(t, max: 200),
          submittedAt: context.now, finding: newID)
        requestID = r.id
        extra.append(.requestSubmitted(r))
      }
      let f = Finding(
        id: newID, inspection: inspection, unit: unit, text: t, severity: severity, deadline: deadline,
        raisedBy: context.actor, raisedAt: context.now, request: requestID)
      return [.findingRaised(f)] + extra

    case .rectifyFinding(let id, let note):
      let f = try requireFinding(id)
      guard f.isOpen else {
        throw Refusal(f.status == .closed ? "finding.closed" : "finding.awaitingVerification", [id], field: .finding)
      }
      return [.findingRectified(finding: id, note: try requiredText(note, .note))]

    case .verifyFinding(let id, let accepted, let note):
      let f = try requireFinding(id)
      guard f.status == .rectified else {
        throw Refusal(f.status == .closed ? "finding.closed" : "finding.notRectified", [id], field: .finding)
      }
      guard f.steps.count < Limits.replies else {
        throw Refusal("finding.tooManySteps", [id, String(Limits.replies)], field: .finding)
      }
      let n = try optionalText(note, .note)
      // Reopening says why.
      if !accepted && n.isEmpty { throw Refusal("field.required", field: .note) }
      return [.findingVerified(finding: id, accepted: accepted, note: n)]

    default:
      return []
    }
  }

  /// A new id the command names: bounded, of identifier characters, not taken.
  func newIdentifier(_ id: String, taken: Bool, _ code: String) throws(Refusal) -> String {
    try Limits.check(id, max: Limits.identifier, field: .id)
    guard !id.isEmpty else { throw Refusal("field.required", field: .id) }
    guard Self.isIdentifier(id) else { throw Refusal("org.badID", [id], field: .id) }
    guard !taken else { throw Refusal(code, [id], field: .id) }
    return id
  }

  /// Optional multi-line text: cleaned, trimmed, within `Limits.text`.
  func optionalText(_ text: String, _ field: CommandField) throws(Refusal) -> String {
    let t = UserText.clean(text, multiline: true).trimmingCharacters(in: .whitespacesAndNewlines)
    return try Limits.check(t, max: Limits.text, field: field)
  }

  func requireFinding(_ id: String) throws(Refusal) -> Finding {
    try Limits.check(id, max: Limits.identifier, field: .finding)
    guard let f = state.oversight.findings[id] else { throw Refusal("finding.unknown", [id], field: .finding) }
    return f
  }
}

extension FindingSeverity {
  /// The urgency of the shortage request a finding raises.
  public var urgency: ShortageRequest.Urgency {
    switch self {
    case .minor: .routine
    case .major: .urgent
    case .critical: .critical
    }
  }
}

extension Authorization {
  /// Oversight's commands, decided for the inspector and operator roles: an
  /// inspector records visits and findings and verifies rectifications for
  /// its assigned units only (every unit a command names, the inspection's
  /// as well as the finding's); the unit responsible records the
  /// rectification. Nil: the general per-unit check decides.
  static func oversight(_ command: CordonCommand, by p: Principal, in state: CordonState) -> Verdict? {
    switch command {
    case .recordInspection, .raiseFinding, .verifyFinding:
      guard p.role == .inspector else {
        return Verdict(refusal: Refusal("auth.notPermitted", [p.user, p.role.rawValue]))
      }
      for unit in units(touchedBy: command, in: state) where !p.units.contains(unit) {
        return Verdict(refusal: Refusal("auth.otherUnit", [p.user, unit], field: unitField(command)))
      }
      return Verdict(refusal: nil)
    case .rectifyFinding:
      // The unit's own duty room; the general check holds it to its unit.
      return p.role == .operator ? nil : Verdict(refusal: Refusal("auth.notPermitted", [p.user, p.role.rawValue]))
    default:
      return nil
    }
  }

  private static func unitField(_ command: CordonCommand) -> CommandField {
    switch command {
    case .verifyFinding: .finding
    default: .unit
    }
  }
}
