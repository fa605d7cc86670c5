import EventSourcing
import Foundation

/// One unit's day for one item, computed from the journal. Quantities that
/// leave the stock (issued, transferred out) are positive here; adjustments
/// are signed. Always: opening + received + in − issued − out + adjustments = closing.
public struct StockDayRow: Sendable, Equatable {
  public var unit: String
  public var item: String
  public var opening = Quantity.zero
  public var received = Quantity.zero
  public var issued = Quantity.zero
  public var transferredIn = Quantity.zero
  public var transferredOut = Quantity.zero
  public var adjustments = Quantity.zero
  public var closing = Quantity.zero
  /// Closing balance over the average issued per day in the 7 days to D; nil when nothing is used.
  public var daysOfCover: Double?

  public init(unit: String, item: String) {
    self.unit = unit
    self.item = item
  }
}

/// Pure functions from the state (and, for stock, the journal) to CSV rows,
/// header first. Shifts come out in the import's shape so a file exported
/// from one store imports into another.
public enum CSVExport {
  // MARK: Shifts

  /// Every shift starting on local day `day` that was not cancelled, by
  /// unit, role and start. Units by name and roles by label in `language`.
  /// `unit`: only that unit's shifts (an operator's export).
  public static func shifts(state: CordonState, day: Int, language: Language, unit: String? = nil) -> [[String]] {
    let cal = state.calendar
    let order = Dictionary(state.unitOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let roleOrder = Dictionary(DutyRole.allCases.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let shifts = state.shifts.values.filter {
      !$0.cancelled && cal.day(of: $0.start) == day && (unit == nil || $0.unit == unit)
    }.sorted {
      let a = (order[$0.unit] ?? Int.max, roleOrder[$0.role] ?? 0, $0.start.milliseconds)
      let b = (order[$1.unit] ?? Int.max, roleOrder[$1.role] ?? 0, $1.start.milliseconds)
      if a != b { return a < b }
      return (state.personName($0.person), $0.id) < (state.personName($1.person), $1.id)
    }
    var rows = [CSVFormat.Shifts.columns.map { $0.header(language) }]
    for s in shifts {
      rows.append([
        state.unitName(s.unit, language), CSVFormat.label(s.role, language), state.personName(s.person),
        cal.format(s.start), cal.format(s.end),
      ])
    }
    return rows
  }

  // MARK: Health register

  /// Everyone, unit by unit: the day's category, morning check, contact with
  /// travellers and remarks; people not yet reported have empty cells, so the
  /// sheet doubles as the list of who is missing.
  /// `unit`: only that unit's people.
  public static func register(state: CordonState, day: Int, language: Language, unit only: String? = nil)
    -> [[String]]
  {
    let entries = state.health[day] ?? [:]
    var rows = [CSVFormat.Register.columns.map { $0.header(language) }]
    let order = Dictionary(state.unitOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let people = state.people.values.filter { only == nil || $0.unit == only }.sorted {
      let a = entries[$0.id] == nil ? 1 : 0
      let b = entries[$1.id] == nil ? 1 : 0
      return (order[$0.unit] ?? Int.max, $0.unit, a, $0.id) < (order[$1.unit] ?? Int.max, $1.unit, b, $1.id)
    }
    for p in people {
      let unit = state.unitName(p.unit, language)
      guard let e = entries[p.id] else {
        rows.append([p.name, unit, "", "", "", ""])
        continue
      }
      rows.append([
        p.name, unit, CSVFormat.label(e.category, language), e.morningCheck?.description ?? "",
        yesNo(e.travellerContact, language), e.remarks,
      ])
    }
    return rows
  }

  static func yesNo(_ b: Bool, _ language: Language) -> String {
    switch (b, language) {
    case (true, .zh): "是"
    case (false, .zh): "否"
    case (true, .en): "yes"
    case (false, .en): "no"
    }
  }

  // MARK: Stock

  /// The day's itemised list as CSV rows (write it with a BOM for Excel).
  public static func stock(
    state: CordonState, start: CordonState? = nil, records: [EventRecord<CordonEvent>], day: Int, language: Language,
    unit: String? = nil
  ) -> [[String]] {
    var rows = [CSVFormat.StockDay.columns.map { $0.header(language) }]
    for r in stockRows(state: state, start: start, records: records, day: day) where unit == nil || r.unit == unit {
      rows.append([
        state.unitName(r.unit, language), state.itemName(r.item, language),
        state.items[r.item]?.unitOfMeasure.text(language) ?? "", r.opening.description, r.received.description,
        r.issued.description, r.transferredIn.description, r.transferredOut.description, r.adjustments.description,
        r.closing.description, r.daysOfCover.map { String(format: "%.1f", $0) } ?? "",
      ])
    }
    return rows
  }

  /// Replays every stock event up to the end of local day `day`: the running
  /// balance before the day is the opening (so it equals the previous day's
  /// closing), and the day's events are summed by kind. A stocktake's
  /// adjustment is the counted total minus the running balance at that
  /// moment, exactly as the state computes it. One row per unit and item that
  /// had any stock event by then, in registration order.
  ///
  /// `start` is the state just before the first of `records` (nil: the
  /// records start with the journal). An export passes the state as the
  /// 7 days of the burn rate begin and the records from there to the day's
  /// end, so a year of history is not read for one day's list.
  /// The events `stockRows` reads; a stock card's records may be only these.
  public static let stockEventTags: Set<CordonEventTag> = [.stockMoved, .stockTransferred, .stockCounted, .minimumSet]

  public static func stockRows(
    state: CordonState, start: CordonState? = nil, records: [EventRecord<CordonEvent>], day: Int
  ) -> [StockDayRow] {
    let cal = state.calendar
    var balance: [StockKey: Quantity] = [:]
    var rows: [StockKey: StockDayRow] = [:]
    for (key, line) in start?.stock ?? [:] {
      balance[key] = line.balance
      rows[key] = StockDayRow(unit: key.unit, item: key.item)
    }
    // Issued per key per day over the 7 days to `day`, for the burn rate.
    var issuedByDay: [StockKey: [Int: Int64]] = [:]

    func touch(_ key: StockKey) {
      if rows[key] == nil { rows[key] = StockDayRow(unit: key.unit, item: key.item) }
    }
    func post(_ unit: String, _ item: String, _ kind: MovementKind, _ delta: Quantity, _ d: Int) {
      let key = StockKey(unit: unit, item: item)
      touch(key)
      balance[key] = (balance[key] ?? .zero) + delta
      if kind == .issued && d > day - 7 {
        issuedByDay[key, default: [:]][d, default: 0] = (issuedByDay[key]?[d] ?? 0).clampedSubtracting(delta.milli)
      }
      guard d == day, var row = rows[key] else { return }
      switch kind {
      case .purchase, .donation, .cityAllocation: row.received = row.received + delta
      case .issued: row.issued = row.issued - delta
      case .transferIn: row.transferredIn = row.transferredIn + delta
      case .transferOut: row.transferredOut = row.transferredOut - delta
      case .stocktake: row.adjustments = row.adjustments + delta
      }
      rows[key] = row
    }

    var opening: [StockKey: Quantity] = [:]
    var openingTaken = false
    for r in records {
      let d = cal.day(of: r.time)
      // Records are in time order; the opening balance is the running balance as the day begins.
      if d >= day && !openingTaken {
        opening = balance
        openingTaken = true
      }
      if d > day { break }
      switch r.event {
      case .stockMoved(let m): post(m.unit, m.item, m.kind, m.delta, d)
      case .stockTransferred(let t):
        post(t.from, t.item, .transferOut, -t.quantity, d)
        post(t.to, t.item, .transferIn, t.quantity, d)
      case .stockCounted(let c):
        let key = StockKey(unit: c.unit, item: c.item)
        post(c.unit, c.item, .stocktake, c.counted - (balance[key] ?? .zero), d)
      case .minimumSet(let unit, let item, _): touch(StockKey(unit: unit, item: item))
      default: break
      }
    }
    if !openingTaken { opening = balance }

    let unitOrder = Dictionary(state.unitOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let itemOrder = Dictionary(state.itemOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    return rows.values.map { row in
      var r = row
      let key = StockKey(unit: r.unit, item: r.item)
      r.opening = opening[key] ?? .zero
      r.closing = balance[key] ?? .zero
      // The same definition as the stock pane's: integer thousandths over 7 days.
      let burn = (issuedByDay[key]?.values.reduce(0, +) ?? 0) / 7
      r.daysOfCover = burn > 0 ? Double(r.closing.milli) / Double(burn) : nil
      return r
    }.sorted {
      (unitOrder[$0.unit] ?? Int.max, $0.unit, itemOrder[$0.item] ?? Int.max, $0.item)
        < (unitOrder[$1.unit] ?? Int.max, $1.unit, itemOrder[$1.item] ?? Int.max, $1.item)
    }
  }
}
