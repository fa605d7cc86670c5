import EventSourcing

/// A donation drive (捐款倡议): units collect from their staff, the group
/// hands the total over to the recipient (in the seed, the city Red Cross).
/// Donations pass through: they are not income of the emergency fund.
public struct DonationCampaign: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: String
  public var recipient: String
  public var startedAt: Instant
  public var startedBy: String
  public init(id: String, name: String, recipient: String, startedAt: Instant, startedBy: String) {
    self.id = id
    self.name = name
    self.recipient = recipient
    self.startedAt = startedAt
    self.startedBy = startedBy
  }
}

/// What one unit collected (from one donor, or from its staff together).
public struct Donation: Codable, Sendable, Equatable, Identifiable {
  /// dn12.
  public var id: String
  public var campaign: String
  public var unit: String
  public var amount: Money
  /// Empty: the unit's staff together.
  public var donor: String
  public var at: Instant
  public var by: String
  /// A mistaken entry is voided, never deleted.
  public var voided: Voiding?
  public init(
    id: String, campaign: String, unit: String, amount: Money, donor: String, at: Instant, by: String
  ) {
    self.id = id
    self.campaign = campaign
    self.unit = unit
    self.amount = amount
    self.donor = donor
    self.at = at
    self.by = by
  }
  public var isVoid: Bool { voided != nil }
}

/// Money passed to the campaign's recipient, with the transfer's voucher.
public struct DonationHandover: Codable, Sendable, Equatable, Identifiable {
  /// dh12.
  public var id: String
  public var campaign: String
  public var amount: Money
  public var voucher: String
  public var at: Instant
  public var by: String
  public init(id: String, campaign: String, amount: Money, voucher: String, at: Instant, by: String) {
    self.id = id
    self.campaign = campaign
    self.amount = amount
    self.voucher = voucher
    self.at = at
    self.by = by
  }
}

/// A campaign's figures as they stand.
public struct CampaignTotals: Sendable, Equatable {
  public var collected = Money.zero
  public var handedOver = Money.zero
  /// Units in collection order, with what each collected (void entries left out).
  public var byUnit: [(unit: String, amount: Money)] = []
  public var donations = 0
  public var outstanding: Money { collected - handedOver }
  public static func == (a: CampaignTotals, b: CampaignTotals) -> Bool {
    a.collected == b.collected && a.handedOver == b.handedOver && a.donations == b.donations
      && a.byUnit.map(\.unit) == b.byUnit.map(\.unit) && a.byUnit.map(\.amount) == b.byUnit.map(\.amount)
  }
}

public struct DonationState: Codable, Sendable, Equatable {
  public var campaigns: [String: DonationCampaign] = [:]
  public var campaignOrder: [String] = []
  public var donations: [String: Donation] = [:]
  public var donationOrder: [String] = []
  public var handovers: [DonationHandover] = []
  public init() {}

  public var orderedCampaigns: [DonationCampaign] { campaignOrder.compactMap { campaigns[$0] } }

  /// One campaign's totals (per unit in the organisation's order when given).
  public func totals(_ campaign: String, unitOrder: [String] = []) -> CampaignTotals {
    var t = CampaignTotals()
    var byUnit: [String: Money] = [:]
    var seen: [String] = []
    for id in donationOrder {
      guard let d = donations[id], d.campaign == campaign, !d.isVoid else { continue }
      t.collected += d.amount
      t.donations += 1
      if byUnit[d.unit] == nil { seen.append(d.unit) }
      byUnit[d.unit, default: .zero] += d.amount
    }
    let rank = Dictionary(unitOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let order = seen.enumerated().sorted { (rank[$0.1] ?? Int.max, $0.0) < (rank[$1.1] ?? Int.max, $1.0) }.map(\.1)
    t.byUnit = order.map { ($0, byUnit[$0] ?? .zero) }
    t.handedOver = handovers.filter { $0.campaign == campaign }.reduce(Money.zero) { $0 + $1.amount }
    return t
  }

  mutating func apply(_ event: CordonEvent, _ record: EventRecord<CordonEvent>) {
    switch event {
    case .campaignStarted(let c):
      if campaigns[c.id] == nil { campaignOrder.append(c.id) }
      campaigns[c.id] = c
    case .donationRecorded(let d):
      if donations[d.id] == nil { donationOrder.append(d.id) }
      donations[d.id] = d
    case .donationVoided(let id, let reason):
      donations[id]?.voided = Voiding(at: record.time, by: record.actor, reason: reason)
    case .donationsHandedOver(let h):
      handovers.append(h)
    default: break
    }
  }
}

extension CommandValidator {
  /// Donation campaigns, donations and their handover.
  func donations(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    let ds = state.donations
    switch command {
    case .startCampaign(let id, let name, let recipient):
      guard Self.isIdentifier(id) else {
        throw Refusal("org.badID", [String(id.prefix(Limits.identifier))], field: .id)
      }
      guard ds.campaigns[id] == nil else { throw Refusal("campaign.exists", [id], field: .id) }
      let n = try required(name, .name, max: Limits.name)
      let r = try required(recipient, .recipient, max: Limits.name)
      return [
        .campaignStarted(
          DonationCampaign(id: id, name: n, recipient: r, startedAt: context.now, startedBy: context.actor))
      ]

    case .recordDonation(let campaign, let unit, let amount, let donor):
      try requireCampaign(campaign)
      try requireUnit(unit)
      try checkAmount(amount, .amount)
      let collected = ds.totals(campaign).collected
      guard let after = collected.adding(exactly: amount), after <= Limits.fundBalance else {
        throw Refusal(
          "fund.balanceTooLarge", [collected.description, amount.description, Limits.fundBalance.description],
          field: .amount)
      }
      return [
        .donationRecorded(
          Donation(
            id: "dn\(state.serial + 1)", campaign: campaign, unit: unit, amount: amount,
            donor: try optional(donor, .donor, max: Limits.name), at: context.now, by: context.actor))
      ]

    case .voidDonation(let id, let reason):
      try Limits.check(id, max: Limits.identifier, field: .id)
      guard let d = ds.donations[id] else { throw Refusal("donation.unknown", [id], field: .id) }
      guard !d.isVoid else { throw Refusal("donation.alreadyVoid", [id], field: .id) }
      // What was handed over stays covered by what was collected.
      let t = ds.totals(d.campaign)
      guard d.amount <= t.outstanding else {
        throw Refusal(
          "donation.voidHandedOver", [id, t.outstanding.description, d.amount.description], field: .id)
      }
      return [.donationVoided(id: id, reason: try required(reason, .reason))]

    case .handOverDonations(let campaign, let amount, let voucher):
      try requireCampaign(campaign)
      try checkAmount(amount, .amount)
      let t = ds.totals(campaign)
      guard amount <= t.outstanding else {
        throw Refusal(
          "donation.shortfall",
          [t.outstanding.description, amount.description, (amount - t.outstanding).description], field: .amount)
      }
      let v = try newVoucher(voucher)
      return [
        .donationsHandedOver(
          DonationHandover(
            id: "dh\(state.serial + 1)", campaign: campaign, amount: amount, voucher: v, at: context.now,
            by: context.actor))
      ]

    default:
      return []
    }
  }

  private func requireCampaign(_ id: String) throws(Refusal) {
    try Limits.check(id, max: Limits.identifier, field: .campaign)
    guard state.donations.campaigns[id] != nil else {
      throw Refusal(
        "campaign.unknown", [id, state.donations.campaignOrder.joined(separator: ", ")], field: .campaign)
    }
  }
}
