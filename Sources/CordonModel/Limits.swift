import EventSourcing

/// Every bound on what may enter the state, in one table. The validator, the
/// JSON decoder, the CSV importers and the server read their limits here, and
/// every refusal names the field and the limit it hit. Texts are counted in
/// characters as the user sees them; wire sizes in bytes.
public enum Limits {
  // MARK: Texts

  /// Ids of units, people, sites, items, shifts, requests and directives.
  public static let identifier = 64
  /// A name: a person, a unit, a site, an item, an area, an agent, an assignee.
  public static let name = 100
  /// One-line free text: reasons, notes, remarks.
  public static let line = 500
  /// Multi-line text: a handover note, a directive.
  public static let text = 4_000
  /// An alert key as text ("fever/ht-1/张三"): a rule, a site and a name.
  public static let alertKey = 2 * identifier + name
  /// A client's command id (bytes).
  public static let commandID = 128
  /// One JSON command line (bytes), through `cordon post` or the server.
  public static let jsonLineBytes = 64 << 10
  /// Commands in one batch (an import's rows, a multi-line submission, an
  /// organisation file): room for a group of 100,000 people set up at once.
  public static let batchCommands = 200_000
  /// Delivery outcomes in one `recordDeliveries` (the sender gathers them while a commit is in flight).
  public static let deliveryOutcomes = 500
  /// Units one directive may be sent to.
  public static let directiveTargets = 200
  /// Replies in one report up's thread.
  public static let replies = 200
  /// How far ahead a duty-log follow-up may be due, in days.
  public static let followUpDays = 90
  /// Items one handover's checklist lists (more are counted, not listed).
  public static let handoverItems = 100
  /// One argument of a handover item (an excerpt of a directive or an entry), in characters.
  public static let handoverItemText = 80

  // MARK: Numbers

  /// The most one receipt, issue, transfer, request or approval may move: a
  /// billion of the item's unit of measure.
  public static let quantity = Quantity(1_000_000_000)
  /// The most one unit may hold of one item, and the most a stocktake or a
  /// minimum may say: a trillion. Far above any real stock and far below
  /// where sums of every unit's balance could overflow.
  public static let balance = Quantity(1_000_000_000_000)
  /// People checked in one round, fevers in it.
  public static let checked = 0...100_000
  /// Staff on post at one site.
  public static let staff = 0...10_000
  /// A silence, in minutes (at most a week).
  public static let silenceMinutes = 1...10_080
  /// `cordon drill run --speed N`: a scenario of hours rehearsed in minutes, no faster.
  public static let drillSpeed = 1...600
  /// A site's reporting interval, in minutes (0: no interval).
  public static let reportIntervalMinutes = 0...10_080
  /// Rounds or disinfections a site owes per day (one every half hour at most).
  public static let perDay = 0...48
  /// A unit of measure: 个, 瓶, 升.
  public static let measure = 20
  /// A fever threshold anywhere else is a typing mistake.
  public static let feverThreshold = Celsius(tenths: 350)...Celsius(tenths: 420)
  /// Where the plausible range of readings may lie.
  public static let plausibleReadings = Celsius(tenths: 300)...Celsius(tenths: 450)
  /// Settings of the organisation: how long an alert waits for an
  /// acknowledgement, how often it escalates, rest between shifts, how far
  /// ahead the coverage warning looks, how few days of cover are low.
  public static let ackTimeoutMinutes = 1...1_440
  public static let maxEscalations = 0...20
  public static let restHours = 0...24
  public static let coverageLeadMinutes = 0...1_440
  public static let lowCoverDays = 0...365
  /// How long after a shift's start a missing sign-in raises its alert.
  public static let signInGraceMinutes = 1...240

  /// How long an urgent or immediate report up may wait for HQ's acknowledgement, in minutes.
  public static let reportAckMinutes = 1...1_440
  /// How long after its shift change a handover may wait for confirmation, in minutes.
  public static let handoverConfirmMinutes = 1...1_440

  /// The most one income, expense, budget, donation or handover may be:
  /// a billion yuan, in fen.
  public static let money = Money(fen: 100_000_000_000)
  /// The most a fund line may take in, or a campaign collect, in all: a
  /// trillion yuan, far inside Int64 fen even summed over every line.
  public static let fundBalance = Money(fen: 100_000_000_000_000)
  /// A voucher number (凭证号), in characters.
  public static let voucher = 40
  // MARK: Oversight and emergency teams (issue 17)

  /// Items of one site kind's checklist, and items an inspection names.
  public static let checklistItems = 50
  /// Sites one inspection visit covers.
  public static let inspectionSites = 100
  /// Members of one team (the vanguard has 50).
  public static let teamMembers = 500
  /// The longest deployment, in days.
  public static let deploymentDays = 31

  // MARK: Server (`cordon serve` flags and the [server] section of its config)

  /// Connections open at once, in all and per OS user.
  public static let connections = 16...1_000_000
  public static let connectionsPerUser = 1...100_000
  /// Log lines about refused or closed connections, per kind (the error
  /// code), in one window; beyond it they are counted and the count is
  /// logged once the window is over, so a flood cannot fill the log.
  public static let refusalLogLines = 10
  public static let refusalLogWindowSeconds = 60

  // MARK: Checks

  /// `text` unchanged when it fits in `max` characters; else the refusal
  /// naming the field, the limit and the length.
  @discardableResult
  public static func check(_ text: String, max: Int, field: String) throws(Refusal) -> String {
    // Bytes bound characters from above: most texts are decided without counting.
    if text.utf8.count <= max { return text }
    let n = text.count
    guard n <= max else { throw Refusal("field.tooLong", [field, String(max), String(n)], field: field) }
    return text
  }

  /// `value` when it lies in `range`; else the refusal naming the field and the range.
  @discardableResult
  public static func check(_ value: Int, in range: ClosedRange<Int>, field: String) throws(Refusal) -> Int {
    guard range.contains(value) else {
      throw Refusal(
        "field.outOfRange", [field, String(value), String(range.lowerBound), String(range.upperBound)], field: field)
    }
    return value
  }
}

extension Limits {
  /// The same checks, naming a field of the shared vocabulary.
  @discardableResult
  public static func check(_ text: String, max: Int, field: CommandField) throws(Refusal) -> String {
    try check(text, max: max, field: field.rawValue)
  }
  @discardableResult
  public static func check(_ value: Int, in range: ClosedRange<Int>, field: CommandField) throws(Refusal) -> Int {
    try check(value, in: range, field: field.rawValue)
  }
}

extension FixedWidthInteger {
  /// `self + other`, held at the type's bounds instead of trapping: state
  /// read from a journal written before the bounds existed stays viewable.
  public func clampedAdding(_ other: Self) -> Self {
    let (r, overflow) = addingReportingOverflow(other)
    return overflow ? (other > 0 ? .max : .min) : r
  }
  public func clampedSubtracting(_ other: Self) -> Self {
    let (r, overflow) = subtractingReportingOverflow(other)
    return overflow ? (other > 0 ? .min : .max) : r
  }
  public func clampedMultiplied(by other: Self) -> Self {
    let (r, overflow) = multipliedReportingOverflow(by: other)
    return overflow ? ((self < 0) != (other < 0) ? .min : .max) : r
  }
}
