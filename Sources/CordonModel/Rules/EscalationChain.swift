import EventSourcing

/// One step of escalation along the live roster, recorded in the event as it
/// was decided: the person's name and phone as the roster had them then, so a
/// replay never depends on later roster edits.
public struct EscalationStep: Codable, Sendable, Equatable {
  /// The chain: the unit's 值班人员, its 值班经理, its 带班领导, then HQ's duty room.
  public enum Tier: String, Codable, Sendable, CaseIterable {
    case officer, manager, leader, headquarters
    /// The roster role a unit tier reads; HQ's duty room reads HQ's roster.
    var role: DutyRole? {
      switch self {
      case .officer: .officer
      case .manager: .manager
      case .leader: .leader
      case .headquarters: nil
      }
    }
  }
  /// A tier passed over because no one was on duty in it.
  public struct Skip: Codable, Sendable, Equatable {
    public var tier: Tier
    public var unit: String
    public init(tier: Tier, unit: String) {
      self.tier = tier
      self.unit = unit
    }
  }

  public var tier: Tier
  /// The unit whose roster was read (the alert's, or HQ for HQ's duty room).
  public var unit: String
  /// The person on duty, as the roster had them; nil only for the last tier
  /// of the chain when no one was on duty there either.
  public var person: String?
  public var name: String?
  public var phone: String?
  public var shift: String?
  /// Tiers skipped on the way, in order.
  public var skipped: [Skip]

  public init(
    tier: Tier, unit: String, person: String? = nil, name: String? = nil, phone: String? = nil, shift: String? = nil,
    skipped: [Skip] = []
  ) {
    self.tier = tier
    self.unit = unit
    self.person = person
    self.name = name
    self.phone = phone
    self.shift = shift
    self.skipped = skipped
  }
}

/// Escalation along the live roster: pure, from the state and the clock.
public enum EscalationChain {
  /// The tiers of an alert's chain: HQ's own alerts end with its 带班领导.
  public static func tiers(for unit: String, in state: CordonState) -> [EscalationStep.Tier] {
    guard let hq = state.headquarters, hq != unit else { return [.officer, .manager, .leader] }
    return EscalationStep.Tier.allCases
  }

  /// Who holds `role` at `unit` at `now`: a shift covering it that counts,
  /// someone signed in before someone only scheduled, then the latest start.
  public static func onDuty(_ role: DutyRole, unit: String, in state: CordonState, at now: Instant) -> Shift? {
    state.shifts(ofUnit: unit, role: role, endingAfter: now, startingBy: now).filter {
      $0.counts && $0.covers(now) && state.people[$0.person] != nil
    }
    .min { a, b in
      (a.isSignedIn ? 0 : 1, -a.start.milliseconds, a.id) < (b.isSignedIn ? 0 : 1, -b.start.milliseconds, b.id)
    }
  }

  /// The next step after `previous` (nil: the first), skipping tiers with no
  /// one on duty. Past the last tier the chain stays there (a repeat).
  public static func next(
    after previous: EscalationStep.Tier?, unit: String, in state: CordonState, at now: Instant
  ) -> EscalationStep {
    let tiers = tiers(for: unit, in: state)
    let start = previous.flatMap { p in tiers.firstIndex(of: p).map { min($0 + 1, tiers.count - 1) } } ?? 0
    var skipped: [EscalationStep.Skip] = []
    for tier in tiers[start...] {
      let at = tier == .headquarters ? (state.headquarters ?? unit) : unit
      // HQ's duty room: whoever is on duty there, the officer first.
      let roles = tier.role.map { [$0] } ?? [.officer, .manager, .leader]
      if let s = roles.lazy.compactMap({ onDuty($0, unit: at, in: state, at: now) }).first {
        let p = state.people[s.person]
        return EscalationStep(
          tier: tier, unit: at, person: s.person, name: p?.name, phone: p?.phone, shift: s.id, skipped: skipped)
      }
      if tier == tiers.last { return EscalationStep(tier: tier, unit: at, skipped: skipped) }
      skipped.append(.init(tier: tier, unit: at))
    }
    // Not reached: the loop always returns at the last tier.
    return EscalationStep(tier: tiers[tiers.count - 1], unit: unit, skipped: skipped)
  }
}

extension EscalationStep {
  /// The tier in words: a roster role, or HQ's duty room.
  public func tierName(_ t: Strings) -> String {
    tier.role.map { t("role.\($0.rawValue)") } ?? t("escalation.dutyRoom")
  }

  /// The one wording of a step, for the alert's history and detail, the
  /// audit trail, `cordon watch` and the notification: the skipped tiers,
  /// then whom it reached, with their phone as recorded.
  public func words(level: Int, state: CordonState, strings t: Strings) -> String {
    var parts = skipped.map { s in
      t(
        "escalation.skipped", state.unitName(s.unit, t.language),
        s.tier.role.map { t("role.\($0.rawValue)") } ?? t("escalation.dutyRoom"))
    }
    let unitName = state.unitName(unit, t.language)
    if let name = name ?? person {
      let phone = (phone ?? "").isEmpty ? t("escalation.noPhone") : (phone ?? "")
      parts.append(t("escalation.to", String(level), unitName, tierName(t), name, phone))
    } else {
      parts.append(t("escalation.toNobody", String(level), unitName, tierName(t)))
    }
    return parts.joined(separator: t("escalation.separator"))
  }
}
