import CordonModel
import EventSourcing

/// Supply stock: item × unit with balance, burn rate, days of cover and status.
public struct StockPane: ConsolePane {
  public init() {}

  public static func table(state: CordonState, now: Instant, strings t: Strings) -> TableData {
    let lang = t.language
    let today = state.calendar.day(of: now)
    let columns = [
      TableColumn(t("col.unit"), min: 8, max: 14, priority: 9),
      TableColumn(t("col.item"), min: 8, max: 12, priority: 10),
      TableColumn(t("col.balance"), min: 7, max: 10, right: true, priority: 10),
      TableColumn(t("col.burn"), min: 5, max: 7, right: true, priority: 5),
      TableColumn(t("col.cover"), min: 5, max: 8, right: true, priority: 6),
      TableColumn(t("col.minimum"), min: 5, max: 7, right: true, priority: 4),
      TableColumn(t("col.status"), min: 6, max: 8, priority: 8),
      TableColumn("14d", min: 14, max: 14, priority: 2),
    ]
    var rows: [TableRow] = []
    var totals: [String: Quantity] = [:]
    for unit in state.orderedUnits {
      for item in state.orderedItems {
        guard let line = state.stock[StockKey(unit: unit.id, item: item.id)] else { continue }
        totals[item.id] = (totals[item.id] ?? .zero) + line.balance
        let status: TableCell =
          switch line.level {
          case .ok: TableCell(t("stock.ok"), .ok)
          case .low: TableCell("! " + t("stock.low"), .warning)
          case .critical: TableCell("!! " + t("stock.critical"), .critical)
          }
        let cover = line.daysOfCover(asOf: today).map { $0 >= 999 ? "999+" : String(format: "%.1f", $0) } ?? "-"
        let series = (0..<14).map { line.issuedByDay[today - 13 + $0]?.milli ?? 0 }
        let cells = [
          TableCell(unit.name.text(lang)), TableCell(item.name.text(lang)),
          TableCell("\(line.balance)\(item.unitOfMeasure.text(lang))"),
          TableCell(line.burnPerDay(asOf: today).description, .muted), TableCell(cover),
          TableCell(line.minimum.description, .muted), status, TableCell(Fmt.sparkline(series), .info),
        ]
        let search = "\(unit.name.zh) \(unit.name.en) \(unit.id) \(item.name.zh) \(item.name.en) \(item.id)"
        rows.append(TableRow(id: "\(unit.id)/\(item.id)", cells: cells, searchText: search))
      }
    }
    let summary = state.orderedItems.compactMap { i in totals[i.id].map { "\(i.name.text(lang)) \($0)" } }
      .joined(separator: "  ")
    let footer = TableRow(id: "total", cells: [TableCell("Σ", .title), TableCell(summary, .title)], searchText: "")
    return TableData(columns: columns, rows: rows, footer: footer)
  }
}

extension PaneKind {
  public static let stock = PaneKind("stock")
}

extension Action {
  public static let issueStock = Action("issueStock")
  public static let receiveStock = Action("receiveStock")
  public static let transferStock = Action("transferStock")
  public static let countStock = Action("countStock")
  public static let requestSupplies = Action("requestSupplies")
}

extension StockPane {
  public var kind: PaneKind { .stock }

  public func table(_ c: PaneContext) -> TableData { Self.table(state: c.state, now: c.now, strings: c.strings) }

  /// Stock lines below their minimum.
  public func counts(state: CordonState, now: Instant) -> [Int] {
    [state.stock.values.reduce(0) { $0 + ($1.level != .ok ? 1 : 0) }]
  }
  public var reads: ChangeTrail.Areas { [.stock, .organisation] }
  public func badge(_ counts: [Int], _ t: Strings) -> String {
    let low = counts.first ?? 0
    return low > 0 ? " !\(low)" : ""
  }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.issueStock, pane: .stock, keys: [.char("i")], changesData: true, hint: true) { m in
        m.openForm(.issueStock)
      },
      ConsoleAction(.receiveStock, pane: .stock, keys: [.char("e")], changesData: true, hint: true) { m in
        m.openForm(.receiveStock)
      },
      ConsoleAction(.transferStock, pane: .stock, keys: [.char("t")], changesData: true) { m in
        m.openForm(.transferStock)
      },
      ConsoleAction(.countStock, pane: .stock, keys: [.char("c")], changesData: true) { m in m.openForm(.countStock) },
      ConsoleAction(.requestSupplies, pane: .stock, keys: [.char("p")], changesData: true) { m in
        m.openForm(.requestSupplies)
      },
    ]
  }

  /// The stock card: every movement with its running balance.
  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let (state, t) = (c.state, c.strings)
    let lang = t.language
    let cal = state.calendar
    let parts = rowID.split(separator: "/").map(String.init)
    guard parts.count == 2, let line = state.stock[StockKey(unit: parts[0], item: parts[1])] else {
      return (t("detail.title"), [])
    }
    var out = ["\(state.unitName(line.unit, lang)) · \(state.itemName(line.item, lang)) = \(line.balance)"]
    for e in line.ledger {
      let sign = e.delta.milli >= 0 ? "+" : ""
      let other = e.counterparty.map { " <-> " + state.unitName($0, lang) } ?? ""
      // Stocktake reasons are stored as codes; other reasons are what the user typed.
      let reason = t.has("adjust.\(e.reason)") ? t("adjust.\(e.reason)") : e.reason
      out.append(
        "  \(cal.format(e.at))  \(t("movement.\(e.kind.rawValue)"))  \(sign)\(e.delta)  = \(e.balance)\(other)  \(reason)  \(e.by)"
      )
    }
    return (state.itemName(line.item, lang), out)
  }
}
