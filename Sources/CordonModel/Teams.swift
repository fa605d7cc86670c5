import EventSourcing

/// An emergency team (应急队伍, 先锋突击队): the group's team, a key unit's
/// squad, the vanguard. Its members are people of the organisation; the
/// leader is one of them.
public struct EmergencyTeam: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: String
  public var leader: String
  public var members: [String]
  public var formedAt: Instant
  public var formedBy: String
  public init(id: String, name: String, leader: String, members: [String], formedAt: Instant, formedBy: String) {
    self.id = id
    self.name = name
    self.leader = leader
    self.members = members
    self.formedAt = formedAt
    self.formedBy = formedBy
  }
}

/// A team member sent to a site for a period: [start, end), ended early by a recall.
public struct Deployment: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var team: String
  public var person: String
  public var site: String
  public var start: Instant
  public var end: Instant
  public var by: String
  public var at: Instant
  public var recalledAt: Instant?
  public var recallReason: String?
  public init(
    id: String, team: String, person: String, site: String, start: Instant, end: Instant, by: String, at: Instant
  ) {
    self.id = id
    self.team = team
    self.person = person
    self.site = site
    self.start = start
    self.end = end
    self.by = by
    self.at = at
  }
  /// When it ends: its end, or the recall if that came first.
  public var effectiveEnd: Instant { recalledAt.map { min($0, end) } ?? end }
  public func covers(_ t: Instant) -> Bool { start <= t && t < effectiveEnd }
  public func overlaps(_ s: Instant, _ e: Instant) -> Bool { start < e && s < effectiveEnd && start < effectiveEnd }
}

extension CordonState {
  /// Every team, by name then id.
  public var teams: [EmergencyTeam] {
    oversight.teams.values.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
  }

  /// Deployments at a site (nil: everywhere) that cover `t`, by person.
  public func deployments(site: String? = nil, at t: Instant) -> [Deployment] {
    oversight.deployments.values.filter { (site == nil || $0.site == site) && $0.covers(t) }
      .sorted { ($0.person, $0.id) < ($1.person, $1.id) }
  }

  /// Deployments to a unit's sites that overlap [from, to), the earliest first.
  public func deployments(unit: String, from: Instant, to: Instant) -> [Deployment] {
    oversight.deployments.values.filter { sites[$0.site]?.unit == unit && $0.overlaps(from, to) }
      .sorted { ($0.start, $0.id) < ($1.start, $1.id) }
  }

  /// People at a site at `t`: the staff on post plus the team members deployed there.
  public func staffFigure(site: Site, at t: Instant) -> Int {
    site.isOpen ? site.staffOnPost.clampedAdding(deployments(site: site.id, at: t).count) : 0
  }

  /// Site → team members deployed there at `t`: one pass, for a table of every site.
  public func deployedCounts(at t: Instant) -> [String: Int] {
    var out: [String: Int] = [:]
    for d in oversight.deployments.values where d.covers(t) { out[d.site, default: 0] += 1 }
    return out
  }

  mutating func applyTeams(_ event: CordonEvent, _ record: EventRecord<CordonEvent>) {
    switch event {
    case .teamFormed(let team):
      oversight.teams[team.id] = team
    case .memberDeployed(let d):
      oversight.deployments[d.id] = d
      serial += 1
    case .deploymentRecalled(let id, let reason):
      oversight.deployments[id]?.recalledAt = record.time
      oversight.deployments[id]?.recallReason = reason
    default: break
    }
  }
}

/// An open site with a required staff figure that the staff on post and the
/// deployed team members do not reach: a warning until it is reached.
public struct SiteUnderstaffedRule: AlertRule {
  public var id: RuleID { .siteUnderstaffed }
  public init() {}
  public func conditions(in state: CordonState, now: Instant) -> [AlertCondition] {
    let deployed = state.deployedCounts(at: now)
    return state.orderedSites.compactMap { condition($0, deployed: deployed[$0.id] ?? 0, state, now) }
  }

  /// A site's own events and the deployments to it touch it.
  public func subjects(touchedBy event: CordonEvent, in state: CordonState) -> RuleSubjects {
    switch event {
    case .siteRegistered(let s), .siteUpdated(let s): .only([s.id])
    case .siteRetired(let id), .siteOpened(let id, _), .siteClosed(let id): .only([id])
    case .memberDeployed(let d): .only([d.site])
    case .deploymentRecalled(let id, _): .only([state.oversight.deployments[id]?.site].compactMap { $0 })
    default: .none
    }
  }

  public func condition(of subject: String, in state: CordonState, now: Instant) -> AlertCondition? {
    guard let site = state.sites[subject], site.retiredAt == nil else { return nil }
    let deployed = state.oversight.deployments.values.filter { $0.site == subject && $0.covers(now) }.count
    return condition(site, deployed: deployed, state, now)
  }

  public func ordered(_ conditions: [AlertCondition], in state: CordonState) -> [AlertCondition] {
    state.inSiteOrder(conditions)
  }

  private func condition(_ site: Site, deployed: Int, _ state: CordonState, _ now: Instant) -> AlertCondition? {
    guard site.isOpen, let required = site.requiredStaff, required > 0 else { return nil }
    let have = site.staffOnPost.clampedAdding(deployed)
    guard have < required else { return nil }
    // Began when the site opened or when the last deployment there ended, whichever is later.
    var began = site.registeredAt
    for d in state.oversight.deployments.values where d.site == site.id && d.effectiveEnd <= now {
      if d.effectiveEnd > began { began = d.effectiveEnd }
    }
    return AlertCondition(
      key: AlertKey(rule: .siteUnderstaffed, subject: site.id), severity: .warning, unit: site.unit, site: site.id,
      args: [site.id, String(have), String(required)], occurrence: began, autoResolves: true)
  }
}

extension CommandValidator {
  /// Teams, deployments and recalls.
  func teams(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .formTeam(let id, let name, let leader, let members):
      let newID = try newIdentifier(id, taken: false, "team.duplicate")
      let n = try required(name, .name, max: Limits.name)
      let lead = try requirePerson(leader, field: .leader)
      try Limits.check(members.count, in: 0...Limits.teamMembers, field: .members)
      var all = [lead.id]
      for m in members where !all.contains(m) {
        all.append(try requirePerson(m, field: .members).id)
      }
      try Limits.check(all.count, in: 1...Limits.teamMembers, field: .members)
      // A team formed again under its id is changed: name, leader and members.
      return [
        .teamFormed(
          EmergencyTeam(
            id: newID, name: n, leader: lead.id, members: all,
            formedAt: state.oversight.teams[newID]?.formedAt ?? context.now, formedBy: context.actor))
      ]

    case .deploy(let teamID, let person, let siteID, let start, let end):
      try Limits.check(teamID, max: Limits.identifier, field: .team)
      guard let team = state.oversight.teams[teamID] else { throw Refusal("team.unknown", [teamID], field: .team) }
      let p = try requirePerson(person, field: .person)
      guard team.members.contains(p.id) else {
        throw Refusal("deploy.notMember", [p.name, team.name], field: .person)
      }
      let site = try requireSite(siteID)
      guard site.retiredAt == nil else { throw Refusal("site.unknown", [siteID], field: .site) }
      guard end > start else { throw Refusal("shift.endNotAfterStart", field: .end) }
      guard end.milliseconds(since: start) <= Int64(Limits.deploymentDays) * 86_400_000 else {
        throw Refusal("deploy.tooLong", [String(Limits.deploymentDays)], field: .end)
      }
      guard end > context.now else { throw Refusal("deploy.past", [state.calendar.format(end)], field: .end) }
      let theirs = state.oversight.deployments.values.filter { $0.person == p.id && $0.overlaps(start, end) }
      if let clash = theirs.min(by: { ($0.start, $0.id) < ($1.start, $1.id) }) {
        throw Refusal(
          "deploy.overlap",
          [
            p.name, state.siteName(clash.site, .zh), state.calendar.format(clash.start),
            state.calendar.format(clash.effectiveEnd),
          ], field: .start)
      }
      return [
        .memberDeployed(
          Deployment(
            id: "dp\(state.serial + 1)", team: teamID, person: p.id, site: siteID, start: start, end: end,
            by: context.actor, at: context.now))
      ]

    case .recallDeployment(let id, let reason):
      try Limits.check(id, max: Limits.identifier, field: .id)
      guard let d = state.oversight.deployments[id], d.recalledAt == nil, d.effectiveEnd > context.now else {
        throw Refusal("deploy.unknown", [id], field: .id)
      }
      return [.deploymentRecalled(id: id, reason: try required(reason, .reason))]

    default:
      return []
    }
  }

  /// A person who has not left the group, the refusal naming `field`.
  func requirePerson(_ id: String, field: CommandField) throws(Refusal) -> Person {
    try Limits.check(id, max: Limits.identifier, field: field)
    guard let p = state.people[id], p.retiredAt == nil else { throw Refusal("person.unknown", [id], field: field) }
    return p
  }
}
