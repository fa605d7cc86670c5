import EventSourcing

/// What a user may do. Enforced where commands execute (the server's
/// executor, the embedded store's caller), never only in a view.
public enum Role: String, Codable, Sendable, CaseIterable {
  /// The group duty room: every unit.
  case command
  /// A subsidiary's duty room: its own unit only.
  case `operator`
  /// A committee member: records inspection findings for assigned units; reads everything.
  case inspector
  /// Read-only.
  case viewer
}

public struct Principal: Sendable, Equatable {
  public var user: String
  public var role: Role
  /// The units the user acts for: one for an operator, the assigned ones for an inspector.
  public var units: [String]
  public init(user: String, role: Role, units: [String]) {
    self.user = user
    self.role = role
    self.units = units
  }
}

public enum Authorization {
  /// Nil when `principal` may run `command` against `state`; else the refusal.
  public static func check(_ command: CordonCommand, by principal: Principal, in state: CordonState) -> Refusal? {
    if command.isServerOnly { return Refusal("auth.serverOnly", [principal.user]) }
    // The organisation itself is the duty room's to change.
    // A drill's start and end: the duty room's, like the organisation.
    if command.isAdministration || command.isDrillMarker, principal.role != .command {
      return Refusal("auth.notPermitted", [principal.user, principal.role.rawValue])
    }
    switch principal.role {
    case .command: return nil
    case .viewer: return Refusal("auth.readOnly", [principal.user])
    case .inspector:
      // Inspectors record visits and findings and verify rectifications for
      // their units (Inspections.swift); else they change nothing but
      // acknowledgements of what they inspect.
      if let verdict = oversight(command, by: principal, in: state) { return verdict.refusal }
      if case .acknowledgeAlert(let key) = command, let unit = state.alerts[key]?.unit, principal.units.contains(unit) {
        return nil
      }
      return Refusal("auth.notPermitted", [principal.user, principal.role.rawValue])
    case .operator:
      if case .register = command { return Refusal("auth.notPermitted", [principal.user, principal.role.rawValue]) }
      if case .batch(let commands) = command {
        for c in commands { if let r = check(c, by: principal, in: state) { return r } }
        return nil
      }
      if case .testNotification = command {
        return Refusal("auth.notPermitted", [principal.user, principal.role.rawValue])
      }
      if case .issueDirective = command {
        return Refusal("auth.notPermitted", [principal.user, principal.role.rawValue])
      }
      if let verdict = dutyReply(command, by: principal, in: state) ?? handover(command, by: principal, in: state)
        ?? fund(command, by: principal, in: state)
        ?? oversight(command, by: principal, in: state)
      {
        return verdict.refusal
      }
      for unit in units(touchedBy: command, in: state) where !principal.units.contains(unit) {
        return Refusal("auth.otherUnit", [principal.user, unit])
      }
      // Only the person on the shift signs in or out; the command role may for them.
      switch command {
      case .signIn(let id), .signOut(let id):
        if let s = state.shifts[id], !state.isPerson(s.person, account: principal.user) {
          return Refusal("signIn.notOnShift", [principal.user, state.personName(s.person)], field: .shift)
        }
      default: break
      }
      return nil
    }
  }

  /// The unit a read through the server (`report`, `audit`, `export`) is
  /// confined to, decided where it executes: an operator sees its own
  /// unit's data only (asking for another is refused); the other roles read
  /// every unit, or the one they ask for.
  public static func readScope(unit: String?, by principal: Principal) -> Result<String?, Refusal> {
    guard principal.role == .operator else { return .success(unit) }
    guard let own = principal.units.first else {
      return .failure(Refusal("auth.notPermitted", [principal.user, principal.role.rawValue]))
    }
    if let unit, unit != own { return .failure(Refusal("auth.readOtherUnit", [principal.user, unit], field: "unit")) }
    return .success(own)
  }

  /// Every unit whose records a command would change. An unknown subject
  /// yields its id, which no operator holds, so the command is refused here
  /// or, for the command role, by the validator with its own message.
  public static func units(touchedBy command: CordonCommand, in state: CordonState) -> [String] {
    func site(_ id: String) -> String { state.sites[id]?.unit ?? "site:\(id)" }
    func shift(_ id: String) -> String { state.shifts[id]?.unit ?? "shift:\(id)" }
    func person(_ id: String) -> String { state.people[id]?.unit ?? "person:\(id)" }
    func alert(_ k: AlertKey) -> String { state.alerts[k]?.unit ?? "alert:\(k)" }
    switch command {
    case .register: return []
    case .batch(let commands): return commands.flatMap { units(touchedBy: $0, in: state) }
    // Every reference counts, not only the unit named: a shift at another
    // unit's site or for another unit's person would change their roster.
    case .assignShift(let unit, let s, _, let p, _, _, _): return [unit, person(p)] + (s.map { [site($0)] } ?? [])
    case .cancelShift(let id, _), .markNoShow(let id), .signIn(let id), .signOut(let id): return [shift(id)]
    case .swapShifts(let a, let b): return [shift(a), shift(b)]
    case .writeHandover(let unit, _): return [unit]
    case .confirmHandover(let id, _): return [state.handover(id)?.unit ?? "handover:\(id)"]
    case .registerHealth(let p, _, _, _, _, _): return [person(p)]
    case .recordRound(let s, _, _, _), .recordFever(let s, _, _), .recordDisinfection(let s, _, _, _),
      .recordVentilation(let s), .openSite(let s, _), .closeSite(let s):
      return [site(s)]
    case .receiveStock(let unit, _, _, _, _), .issueStock(let unit, _, _, _), .countStock(let unit, _, _, _),
      .setMinimum(let unit, _, _):
      return [unit]
    case .transferStock(let from, let to, _, _, _): return [from, to]
    case .acknowledgeAlert(let k), .assignAlert(let k, _), .silenceAlert(let k, _, _), .resolveAlert(let k, _):
      return [alert(k)]
    case .issueDirective(_, let targets, _, _): return targets
    case .submitRequest(let unit, _, _, _, _): return [unit]
    // Deciding on requests moves the office's reserve: only the command role holds HQ.
    case .approveRequest, .rejectRequest, .forwardRequest, .receiveForRequest: return [state.reserveUnit ?? "reserve:"]
    case .addUnit(let u): return [u.id]
    case .updateUnit(let id, _), .retireUnit(let id): return [id]
    case .addSite(let s, _): return [s.unit]
    case .updateSite(let id, let c): return [site(id)] + (c.unit.map { [$0] } ?? [])
    case .retireSite(let id): return [site(id)]
    case .addPerson(let p): return [p.unit]
    case .updatePerson(let id, let c, _):
      return [state.people[id]?.unit ?? "person:\(id)"] + (c.unit.map { [$0] } ?? [])
    case .retirePerson(let id, _): return [state.people[id]?.unit ?? "person:\(id)"]
    case .addItem, .updateItem, .retireItem, .changeSettings: return [state.headquarters ?? "org:"]
    case .acknowledgeDirective(_, let unit): return [unit]
    case .testNotification: return [state.headquarters ?? "org:"]
    case .configureNotifications, .recordDeliveries: return []
    case .startDrill, .endDrill: return [state.headquarters ?? "org:"]
    case .logEntry(let unit, _, _, _, _, _, _, _), .reportUp(let unit, _, _, _), .replyDirective(_, let unit, _):
      return [unit]
    case .closeFollowUp(let id, _), .voidLogEntry(let id, _): return [state.dutyLog[id]?.unit ?? "log:\(id)"]
    // HQ acknowledges and replies; the sending unit may add to its own report's thread.
    case .acknowledgeReport: return [state.headquarters ?? "org:"]
    case .replyReport(let id, _):
      guard let r = state.reports[id] else { return ["report:\(id)"] }
      return [r.unit]
    // The fund and the campaigns are the group's (Fund.swift); a donation is its unit's.
    case .openFundLine, .recordFundIncome, .recordFundExpense, .approveExpense, .rejectExpense, .reverseFundEntry,
      .startCampaign, .handOverDonations:
      return [state.headquarters ?? "org:"]
    case .recordDonation(_, let unit, _, _): return [unit]
    case .voidDonation(let id, _): return [state.donations.donations[id]?.unit ?? "donation:\(id)"]
    // Oversight: the inspection's unit and sites, the finding's unit and its inspection's.
    case .setChecklist: return [state.headquarters ?? "org:"]
    case .recordInspection(_, let unit, let sites, _, _): return [unit] + sites.map(site)
    case .raiseFinding(_, let inspection, let unit, _, _, _, _):
      return [unit, state.oversight.inspections[inspection]?.unit ?? "inspection:\(inspection)"]
    case .rectifyFinding(let id, _), .verifyFinding(let id, _, _):
      return [state.oversight.findings[id]?.unit ?? "finding:\(id)"]
    // Teams: every member's unit; a deployment, the person's and the site's.
    case .formTeam(_, _, let leader, let members): return ([leader] + members).map(person)
    case .deploy(_, let p, let s, _, _): return [person(p), site(s)]
    case .recallDeployment(let id, _):
      guard let d = state.oversight.deployments[id] else { return ["deployment:\(id)"] }
      return [person(d.person), site(d.site)]
    }
  }
}

extension Authorization {
  struct Verdict { var refusal: Refusal? }

  /// An operator and the answers of the duty workflow, decided with the field
  /// at fault: a report up is answered by HQ or added to by its own unit,
  /// acknowledged only by HQ; a directive is answered by a unit it was sent to
  /// on that unit's behalf. Nil: the general per-unit check decides.
  static func dutyReply(_ command: CordonCommand, by p: Principal, in state: CordonState) -> Verdict? {
    let atHQ = state.headquarters.map(p.units.contains) ?? false
    switch command {
    case .replyReport(let id, _):
      guard let r = state.reports[id] else { return nil }
      if atHQ || p.units.contains(r.unit) { return Verdict(refusal: nil) }
      return Verdict(refusal: Refusal("report.otherUnit", [p.user, id, state.unitName(r.unit, .zh)], field: .id))
    case .acknowledgeReport(let id):
      guard state.reports[id] != nil else { return nil }
      return Verdict(refusal: atHQ ? nil : Refusal("report.notHeadquarters", [p.user, id], field: .id))
    case .replyDirective(let id, let unit, _) where !p.units.contains(unit):
      return Verdict(refusal: Refusal("directive.otherUnit", [p.user, id, unit], field: .unit))
    default: return nil
    }
  }
}

extension CordonCommand {
  /// Commands only the server itself submits (its configuration, its sender's
  /// outcomes): a client sending one is refused whatever its role, or a
  /// duty-room user could mark an undelivered page as delivered.
  public var isServerOnly: Bool {
    switch self {
    case .configureNotifications, .recordDeliveries: true
    case .batch(let commands): commands.contains { $0.isServerOnly }
    default: false
    }
  }
}
