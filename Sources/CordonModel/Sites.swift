import EventSourcing

public enum SiteKind: String, Codable, Sendable, CaseIterable {
  case compoundCheckpoint, heatStation, office, vehicleFleet, dutyRoom, other

  /// A kind by its name or its Chinese label (热力站, 小区检查点, 办公区, 车队, 执勤大队/值班室, 其他).
  public init?(word: String) {
    let w = word.trimmingCharacters(in: .whitespaces)
    let lower = w.lowercased()
    let aliases: [String: SiteKind] = [
      "compound": .compoundCheckpoint, "小区": .compoundCheckpoint, "小区检查点": .compoundCheckpoint,
      "检查点": .compoundCheckpoint, "热力站": .heatStation, "办公区": .office, "办公": .office, "车队": .vehicleFleet,
      "勤务车队": .vehicleFleet, "fleet": .vehicleFleet, "dutybrigade": .dutyRoom, "brigade": .dutyRoom,
      "执勤大队": .dutyRoom, "值班室": .dutyRoom, "其他": .other,
    ]
    if let k = Self.allCases.first(where: { $0.rawValue.lowercased() == lower }) ?? aliases[lower] ?? aliases[w] {
      self = k
    } else {
      return nil
    }
  }

  /// The seed: offices and heat stations are disinfected twice a day.
  public var defaultDisinfectionsPerDay: Int {
    switch self {
    case .office, .heatStation: 2
    case .compoundCheckpoint, .vehicleFleet, .dutyRoom, .other: 1
    }
  }
}

public struct TemperatureRound: Codable, Sendable, Equatable {
  public var at: Instant
  public var checked: Int
  public var fevers: Int
  /// Fevers counted in the round whose cases are still to be entered.
  public var casesToEnter: Int
  public var by: String
  public init(at: Instant, checked: Int, fevers: Int, casesToEnter: Int, by: String) {
    self.at = at
    self.checked = checked
    self.fevers = fevers
    self.casesToEnter = casesToEnter
    self.by = by
  }
}

public struct Disinfection: Codable, Sendable, Equatable {
  public var at: Instant
  public var area: String
  public var agent: String
  public var by: String
  public init(at: Instant, area: String, agent: String, by: String) {
    self.at = at
    self.area = area
    self.agent = agent
    self.by = by
  }
}

public struct FeverCase: Codable, Sendable, Equatable {
  public var id: String
  public var site: String
  public var personName: String
  public var reading: Celsius
  public var at: Instant
  public init(id: String, site: String, personName: String, reading: Celsius, at: Instant) {
    self.id = id
    self.site = site
    self.personName = personName
    self.reading = reading
    self.at = at
  }
}

/// A checkpoint or other place where rounds and disinfection happen (点位).
public struct Site: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var unit: String
  public var name: LocalizedName
  public var kind: SiteKind
  public var roundsPerDay: Int
  public var disinfectionsPerDay: Int
  public var reportIntervalMinutes: Int
  public var isOpen: Bool
  public var staffOnPost: Int
  public var registeredAt: Instant
  /// Set when the site was retired: closed for good, its history kept.
  public var retiredAt: Instant?
  /// The staff it needs on post, deployed team members counted (Teams.swift); nil: no figure.
  public var requiredStaff: Int?
  /// Most recent first, bounded: the pane and the rules need the last day or
  /// two; the journal keeps the whole history.
  public var rounds: NewestFirst<TemperatureRound> = []
  public var disinfections: NewestFirst<Disinfection> = []
  public var lastVentilation: Instant?

  public static let historyLimit = 96

  /// Adds a round as the newest, keeping the last `historyLimit`.
  mutating func record(_ round: TemperatureRound) {
    rounds.prepend(round)
    rounds.keepNewest(Self.historyLimit)
  }

  /// Adds a disinfection as the newest, keeping the last `historyLimit`.
  mutating func record(_ disinfection: Disinfection) {
    disinfections.prepend(disinfection)
    disinfections.keepNewest(Self.historyLimit)
  }

  public var lastRound: TemperatureRound? { rounds.first }
  /// When the next report is due: the interval counts from the last round, or
  /// from registration (or reopening) when there is none.
  public var reportDue: Instant {
    (rounds.first?.at ?? registeredAt).adding(minutes: Int64(reportIntervalMinutes))
  }

  /// An open site that has not reported by its due time. Overdue exactly at
  /// the due time; a closed site, or one with no interval, never is.
  public func isOverdue(at now: Instant) -> Bool {
    isOpen && reportIntervalMinutes > 0 && reportDue <= now
  }

  public func disinfections(onDay day: Int, calendar: LocalCalendar) -> Int {
    disinfections.reduce(0) { $0 + (calendar.day(of: $1.at) == day ? 1 : 0) }
  }
}
