import EventSourcing

/// A unit of the group: HQ or one of the subsidiaries. The office's central
/// supply reserve is held by HQ.
public struct OrgUnit: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: LocalizedName
  /// Key units (重点单位) must have every duty role covered around the clock.
  public var isKey: Bool
  public var isHeadquarters: Bool
  /// Invented for the demo organisation, not named in the source report.
  public var isDemo: Bool

  public init(id: String, name: LocalizedName, isKey: Bool, isHeadquarters: Bool = false, isDemo: Bool = false) {
    self.id = id
    self.name = name
    self.isKey = isKey
    self.isHeadquarters = isHeadquarters
    self.isDemo = isDemo
  }
}

/// Categories of the daily personnel register (清单式管理).
public enum PersonCategory: String, Codable, Sendable, CaseIterable {
  case onDuty, onPost, partyMemberOnPost, volunteer, underObservation, other
}

public struct Person: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: String
  public var unit: String
  public var phone: String
  public var categories: [PersonCategory]
  public init(id: String, name: String, unit: String, phone: String, categories: [PersonCategory]) {
    self.id = id
    self.name = name
    self.unit = unit
    self.phone = phone
    self.categories = categories
  }
}

/// The three roles on a 24-hour duty shift.
public enum DutyRole: String, Codable, Sendable, CaseIterable {
  case officer  // 值班人员
  case manager  // 值班经理
  case leader  // 带班领导
}

public struct Shift: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var unit: String
  public var site: String?
  public var role: DutyRole
  public var person: String
  public var start: Instant
  public var end: Instant
  public var noShow: Bool
  public var cancelled: Bool

  /// A shift covers [start, end): the next shift may start the minute this one ends.
  public init(
    id: String, unit: String, site: String?, role: DutyRole, person: String, start: Instant, end: Instant, noShow: Bool,
    cancelled: Bool
  ) {
    self.id = id
    self.unit = unit
    self.site = site
    self.role = role
    self.person = person
    self.start = start
    self.end = end
    self.noShow = noShow
    self.cancelled = cancelled
  }
  public func covers(_ t: Instant) -> Bool { start <= t && t < end }
  public var counts: Bool { !noShow && !cancelled }
}

public struct HandoverNote: Codable, Sendable, Equatable {
  public var unit: String
  public var at: Instant
  public var author: String
  public var text: String
  public init(unit: String, at: Instant, author: String, text: String) {
    self.unit = unit
    self.at = at
    self.author = author
    self.text = text
  }
}
