import EventSourcing

public struct SupplyItem: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: LocalizedName
  public var unitOfMeasure: LocalizedName
  /// Masks come in pieces; disinfectant in litres, where fractions are fine.
  public var wholePieces: Bool
  /// The minimum a unit's stock line starts with until the unit sets its own.
  public var defaultMinimum: Quantity
  public var retiredAt: Instant?
  public init(
    id: String, name: LocalizedName, unitOfMeasure: LocalizedName, wholePieces: Bool, defaultMinimum: Quantity = .zero
  ) {
    self.id = id
    self.name = name
    self.unitOfMeasure = unitOfMeasure
    self.wholePieces = wholePieces
    self.defaultMinimum = defaultMinimum
  }

  public var isRetired: Bool { retiredAt != nil }

  // Journals written before `defaultMinimum` existed decode with zero.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    name = try c.decode(LocalizedName.self, forKey: .name)
    unitOfMeasure = try c.decode(LocalizedName.self, forKey: .unitOfMeasure)
    wholePieces = try c.decode(Bool.self, forKey: .wholePieces)
    defaultMinimum = try c.decodeIfPresent(Quantity.self, forKey: .defaultMinimum) ?? .zero
    retiredAt = try c.decodeIfPresent(Instant.self, forKey: .retiredAt)
  }
}

/// Why stock moved.
public enum MovementKind: String, Codable, Sendable, CaseIterable {
  case purchase, donation, cityAllocation  // received
  case issued  // issued or consumed
  case transferIn, transferOut
  case stocktake
}

public enum AdjustmentReason: String, Codable, Sendable, CaseIterable {
  case lost, damaged, expired, found, countingError
}

public struct LedgerEntry: Codable, Sendable, Equatable {
  public var at: Instant
  public var kind: MovementKind
  /// Signed change to the balance.
  public var delta: Quantity
  public var balance: Quantity
  public var counterparty: String?
  public var reason: String
  public var by: String
}

/// One item held by one unit.
public struct StockLine: Codable, Sendable, Equatable {
  public var unit: String
  public var item: String
  public var balance: Quantity = .zero
  public var minimum: Quantity = .zero
  /// Issued per local day, for the burn rate and the sparkline: day → quantity.
  public var issuedByDay: [Int: Quantity] = [:]
  /// Balance at the end of each local day that saw a movement.
  public var closingByDay: [Int: Quantity] = [:]
  /// Most recent first, bounded; the full card comes from the journal.
  public var ledger: NewestFirst<LedgerEntry> = []
  /// When the balance last fell below the minimum (nil while at or above it).
  public var belowMinimumSince: Instant?

  public static let ledgerLimit = 200
  public static let dayWindow = 15

  public init(unit: String, item: String) {
    self.unit = unit
    self.item = item
  }

  /// Average issued per day over the 7 full days before `day` plus `day` so far.
  public func burnPerDay(asOf day: Int) -> Quantity {
    var total: Int64 = 0
    for d in (day - 6)...day { total = total.clampedAdding(issuedByDay[d]?.milli ?? 0) }
    return Quantity(milli: total / 7)
  }

  /// Days the balance lasts at the burn rate; nil when nothing is being used.
  public func daysOfCover(asOf day: Int) -> Double? {
    let burn = burnPerDay(asOf: day)
    guard burn.milli > 0 else { return nil }
    return Double(balance.milli) / Double(burn.milli)
  }

  public enum Level: Sendable, Equatable { case ok, low, critical }
  public var level: Level {
    guard minimum.milli > 0 else { return .ok }
    if balance.milli.clampedMultiplied(by: 2) < minimum.milli { return .critical }
    if balance < minimum { return .low }
    return .ok
  }
}

public struct StockKey: Codable, Sendable, Hashable {
  public var unit: String
  public var item: String
  public init(unit: String, item: String) {
    self.unit = unit
    self.item = item
  }
}
