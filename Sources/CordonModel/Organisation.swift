import EventSourcing
import Foundation

/// A unit of the group: HQ or one of the subsidiaries. The office's central
/// supply reserve, which approvals draw from, is held by the unit marked
/// `holdsReserve`, else by headquarters.
public struct OrgUnit: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: LocalizedName
  /// Key units (重点单位) must have every duty role covered around the clock.
  public var isKey: Bool
  public var isHeadquarters: Bool
  /// Invented for the demo organisation, not named in the source report.
  public var isDemo: Bool
  /// The unit this one reports to, if the group keeps more than two levels.
  public var parent: String?
  public var holdsReserve: Bool
  /// Set when the unit left the organisation; its history stays.
  public var retiredAt: Instant?

  public init(
    id: String, name: LocalizedName, isKey: Bool, isHeadquarters: Bool = false, isDemo: Bool = false,
    parent: String? = nil, holdsReserve: Bool = false
  ) {
    self.id = id
    self.name = name
    self.isKey = isKey
    self.isHeadquarters = isHeadquarters
    self.isDemo = isDemo
    self.parent = parent
    self.holdsReserve = holdsReserve
  }

  public var isRetired: Bool { retiredAt != nil }

  // Journals written before `holdsReserve` existed decode with it false.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    name = try c.decode(LocalizedName.self, forKey: .name)
    isKey = try c.decode(Bool.self, forKey: .isKey)
    isHeadquarters = try c.decode(Bool.self, forKey: .isHeadquarters)
    isDemo = try c.decodeIfPresent(Bool.self, forKey: .isDemo) ?? false
    parent = try c.decodeIfPresent(String.self, forKey: .parent)
    holdsReserve = try c.decodeIfPresent(Bool.self, forKey: .holdsReserve) ?? false
    retiredAt = try c.decodeIfPresent(Instant.self, forKey: .retiredAt)
  }
}

/// Categories of the daily personnel register (清单式管理).
public enum PersonCategory: String, Codable, Sendable, CaseIterable {
  case onDuty, onPost, partyMemberOnPost, volunteer, underObservation, other

  /// The words duty rooms write: the report's own list (值班值守人员 …), the
  /// short forms (值班值守 …) and the English names (any case).
  public init?(word: String) {
    let w = word.trimmingCharacters(in: .whitespaces)
    let lower = w.lowercased()
    guard
      let c = Self.allCases.first(where: { $0.rawValue.lowercased() == lower || Self.words[$0]?.contains(w) == true })
    else { return nil }
    self = c
  }

  /// The register's word for each category, as a refusal lists them.
  public static var knownWords: String {
    allCases.map { words[$0]?.first ?? $0.rawValue }.joined(separator: ", ")
  }

  /// Register words first (the label files are written with), then short forms.
  public static let words: [PersonCategory: [String]] = [
    .onDuty: ["值班值守人员", "值班值守", "值班"],
    .onPost: ["在岗上班人员", "在岗", "在岗上班"],
    .partyMemberOnPost: ["党员在岗", "党员在岗情况", "党员"],
    .volunteer: ["志愿者在岗", "志愿者", "志愿者在岗情况"],
    .underObservation: ["留观特护人员", "留观", "留观特护", "留观特保人员"],
    .other: ["其余在职人员", "其他", "其余", "其他人员"],
  ]
}

public struct Person: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: String
  public var unit: String
  public var phone: String
  public var categories: [PersonCategory]
  /// Set when the person left the group; their shifts and entries stay in the history.
  public var retiredAt: Instant?
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
  /// 接班签到 and 交班签退, when they happened.
  public var signedIn: SignIn?
  public var signedOutAt: Instant?

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
  /// On duty in person: signed in and not yet signed out.
  public var isSignedIn: Bool { signedIn != nil && signedOutAt == nil }
}

/// A sign-in at shift change. `by` is who entered it: the person on the shift,
/// or (`forOther`) a command-role user signing in for them.
public struct SignIn: Codable, Sendable, Equatable {
  public var shift: String
  public var person: String
  public var at: Instant
  public var by: String
  public var forOther: Bool
  /// A sign-in is taken from this long before the shift starts until it ends.
  public static let earliestMinutes = 60
  public init(shift: String, person: String, at: Instant, by: String, forOther: Bool) {
    self.shift = shift
    self.person = person
    self.at = at
    self.by = by
    self.forOther = forOther
  }
}

/// A handover (交接班): the outgoing person's free text and, since issue 16,
/// the unit's checklist as it stood then, with an id the incoming person
/// confirms it by. Old journals' notes have neither (`id` empty, `items` nil).
public struct HandoverNote: Codable, Sendable, Equatable {
  public var id: String = ""
  public var unit: String
  public var at: Instant
  public var author: String
  public var text: String
  /// The checklist when it was written (HandoverChecklist); nil in old notes.
  public var items: [HandoverItem]?
  /// Items beyond `Limits.handoverItems`, counted but not listed.
  public var omitted = 0
  /// The shift change it belongs to (HandoverChecklist.shiftChange).
  public var shiftChange: Instant?
  /// State, not part of the written event: set by `handoverConfirmed`.
  public var confirmation: HandoverConfirmation?
  public init(unit: String, at: Instant, author: String, text: String) {
    self.unit = unit
    self.at = at
    self.author = author
    self.text = text
  }

  // Journals written before the checklist decode with no id and no items.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
    unit = try c.decode(String.self, forKey: .unit)
    at = try c.decode(Instant.self, forKey: .at)
    author = try c.decode(String.self, forKey: .author)
    text = try c.decode(String.self, forKey: .text)
    items = try c.decodeIfPresent([HandoverItem].self, forKey: .items)
    omitted = try c.decodeIfPresent(Int.self, forKey: .omitted) ?? 0
    shiftChange = try c.decodeIfPresent(Instant.self, forKey: .shiftChange)
    confirmation = try c.decodeIfPresent(HandoverConfirmation.self, forKey: .confirmation)
  }
}
