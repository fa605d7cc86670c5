import CordonModel
import EventSourcing

/// The emergency fund and the donation campaigns (`:fund`): budget lines with
/// their balances, expenses awaiting approval, the ledger and the campaigns,
/// as four lists behind one strip. Every role may look; what changes data
/// (approve, reject, income, expense, reversal, donation) passes the write
/// gate and is decided again by the store. Like `:org`, it is not in the tab
/// strip: `:fund` opens it and Esc leaves it.
public struct FundPane: ConsolePane {
  public init() {}
  public var kind: PaneKind { .fund }

  public enum Section: String, CaseIterable, Sendable, Equatable {
    case lines, pending, ledger, campaigns
  }

  /// The id of the lines section's total row.
  static let totalRow = "∑"

  public func table(_ c: PaneContext) -> TableData { Self.table(c.state, section: c.options.fund, strings: c.strings) }

  public static func table(_ state: CordonState, section: Section, strings t: Strings) -> TableData {
    let fund = state.fund
    let cal = state.calendar
    func money(_ m: Money) -> TableCell { TableCell(m.description, m < .zero ? .critical : .normal) }
    switch section {
    case .lines:
      let columns = [
        TableColumn(t("fund.col.id"), min: 4, max: 12, priority: 5),
        TableColumn(t("fund.col.line"), min: 8, max: 24, priority: 10),
        TableColumn(t("fund.col.budget"), min: 10, max: 16, right: true, priority: 4),
        TableColumn(t("fund.col.income"), min: 10, max: 16, right: true, priority: 6),
        TableColumn(t("fund.col.paid"), min: 10, max: 16, right: true, priority: 7),
        TableColumn(t("fund.col.reserved"), min: 10, max: 16, right: true, priority: 8),
        TableColumn(t("fund.col.balance"), min: 10, max: 16, right: true, priority: 9),
        TableColumn(t("fund.col.available"), min: 10, max: 16, right: true, priority: 3),
      ]
      func row(_ id: String, _ name: String, _ budget: Money, _ x: FundTotals, _ style: StyleToken) -> TableRow {
        TableRow(
          id: id,
          cells: [
            TableCell(id == totalRow ? "" : id, .muted), TableCell(name, style), money(budget), money(x.income),
            money(x.paid), TableCell(x.reserved.description, x.reserved > .zero ? .warning : .normal),
            TableCell(x.balance.description, .title), money(x.available),
          ], searchText: "\(id) \(name)")
      }
      var rows = fund.orderedLines.map { row($0.id, $0.name, $0.budget, fund.totals($0.id), .normal) }
      if !rows.isEmpty { rows.append(row(totalRow, t("fund.total"), fund.budget, fund.total, .title)) }
      return TableData(columns: columns, rows: rows)
    case .pending:
      let columns = [
        TableColumn(t("fund.col.entry"), min: 5, max: 10, priority: 8),
        TableColumn(t("fund.col.line"), min: 8, max: 20, priority: 6),
        TableColumn(t("fund.col.amount"), min: 10, max: 16, right: true, priority: 10),
        TableColumn(t("fund.col.purpose"), min: 10, max: 40, priority: 9),
        TableColumn(t("fund.col.voucher"), min: 6, max: 14, priority: 5),
        TableColumn(t("fund.col.by"), min: 6, max: 14, priority: 7),
        TableColumn(t("fund.col.at"), min: 16, max: 16, priority: 4),
      ]
      let rows = fund.awaitingApproval.map { e in
        TableRow(
          id: e.id,
          cells: [
            TableCell(e.id, .muted), TableCell(fund.lines[e.line]?.name ?? e.line),
            TableCell(e.amount.description, .warning), TableCell(UserText.clean(e.text)), TableCell(e.voucher),
            TableCell(e.by), TableCell(cal.format(e.at)),
          ], searchText: "\(e.id) \(e.text) \(e.voucher) \(e.by)")
      }
      return TableData(columns: columns, rows: rows)
    case .ledger:
      let columns = [
        TableColumn(t("fund.col.at"), min: 16, max: 16, priority: 6),
        TableColumn(t("fund.col.voucher"), min: 6, max: 14, priority: 8),
        TableColumn(t("fund.col.line"), min: 8, max: 16, priority: 5),
        TableColumn(t("fund.col.text"), min: 8, max: 30, priority: 7),
        TableColumn(t("fund.col.income"), min: 9, max: 16, right: true, priority: 10),
        TableColumn(t("fund.col.paid"), min: 9, max: 16, right: true, priority: 10),
        TableColumn(t("fund.col.balance"), min: 9, max: 16, right: true, priority: 9),
      ]
      // Newest first; a row's id is its entry's (an approval's row names the expense it paid).
      var seen = Set<String>()
      let rows = fund.ledger.reversed().map { r in
        let id = seen.insert(r.entry).inserted ? r.entry : "\(r.entry)#\(r.at.milliseconds)"
        return TableRow(
          id: id,
          cells: [
            TableCell(cal.format(r.at), .muted), TableCell(r.voucher), TableCell(fund.lines[r.line]?.name ?? r.line),
            TableCell(UserText.clean(r.text)),
            TableCell(r.income == .zero ? "" : r.income.description, r.income < .zero ? .critical : .ok),
            TableCell(r.expense == .zero ? "" : r.expense.description, r.expense < .zero ? .critical : .normal),
            TableCell(r.balance.description, .title),
          ], searchText: "\(r.entry) \(r.voucher) \(r.text)")
      }
      return TableData(columns: columns, rows: rows)
    case .campaigns:
      let columns = [
        TableColumn(t("fund.col.id"), min: 4, max: 12, priority: 5),
        TableColumn(t("fund.col.campaign"), min: 8, max: 24, priority: 10),
        TableColumn(t("fund.col.recipient"), min: 8, max: 20, priority: 6),
        TableColumn(t("fund.col.collected"), min: 10, max: 16, right: true, priority: 9),
        TableColumn(t("fund.col.handedOver"), min: 10, max: 16, right: true, priority: 8),
        TableColumn(t("fund.col.outstanding"), min: 10, max: 16, right: true, priority: 7),
        TableColumn(t("fund.col.units"), min: 4, max: 6, right: true, priority: 4),
      ]
      let rows = state.donations.orderedCampaigns.map { c in
        let x = state.donations.totals(c.id)
        return TableRow(
          id: c.id,
          cells: [
            TableCell(c.id, .muted), TableCell(c.name), TableCell(c.recipient),
            TableCell(x.collected.description, .title),
            TableCell(x.handedOver.description),
            TableCell(x.outstanding.description, x.outstanding > .zero ? .warning : .ok),
            TableCell(String(x.byUnit.count)),
          ], searchText: "\(c.id) \(c.name) \(c.recipient)")
      }
      return TableData(columns: columns, rows: rows)
    }
  }

  /// Sections for the strip above the list, where they are drawn.
  static func sectionTabs(_ section: Section, state: CordonState, strings t: Strings, in r: Rect) -> [(
    section: Section, text: String, x: Int, width: Int
  )] {
    var out: [(section: Section, text: String, x: Int, width: Int)] = []
    var x = r.x
    for s in Section.allCases {
      var text = " \(t("fund.section.\(s.rawValue)")) "
      if s == .pending, !state.fund.awaitingApproval.isEmpty {
        text = " \(t("fund.section.pending")) \(state.fund.awaitingApproval.count) "
      }
      let w = min(max(0, r.maxX - x), DisplayWidth.of(text))
      guard w > 0 else { break }
      out.append((s, text, x, w))
      x += w
    }
    return out
  }

  static func drawSections(
    _ section: Section, state: CordonState, strings t: Strings, in r: Rect, buffer: inout ScreenBuffer
  ) {
    for tab in sectionTabs(section, state: state, strings: t, in: r) {
      let waiting = tab.section == .pending && !state.fund.awaitingApproval.isEmpty
      let style: StyleToken = tab.section == section ? .selection : waiting ? .warning : .muted
      buffer.put(tab.text, x: tab.x, y: r.y, maxWidth: tab.width, style: style)
    }
  }

  public func counts(state: CordonState, now: Instant) -> [Int] { [state.fund.awaitingApproval.count] }

  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let state = c.state
    let t = c.strings
    let cal = state.calendar
    let fund = state.fund
    switch c.options.fund {
    case .lines:
      if rowID == Self.totalRow { return (t("fund.total"), Self.totalsLines(fund.total, budget: fund.budget, t)) }
      guard let l = fund.lines[rowID] else { break }
      let entries = fund.entries(line: l.id).prefix(20).map { Self.entryLine($0, cal, t) }
      return (
        "\(l.name) \(l.id)",
        Self.totalsLines(fund.totals(l.id), budget: l.budget, t) + ["", t("fund.detail.recent")] + entries
          + ["", t("fund.help.correct")]
      )
    case .pending, .ledger:
      let id = String(rowID.prefix { $0 != "#" })
      guard let e = fund.entries[id] else { break }
      var out = [
        Self.entryLine(e, cal, t), "\(t("fund.col.line")): \(fund.lines[e.line]?.name ?? e.line)",
        "\(t("fund.col.voucher")): \(e.voucher)", "\(t("fund.col.by")): \(e.by) \(cal.format(e.at))",
      ]
      if let d = e.decision {
        out.append(
          t(
            d.approved ? "fund.detail.approved" : "fund.detail.rejected", d.by, cal.format(d.at), UserText.clean(d.note)
          ))
      }
      if let r = e.reverses { out.append(t("audit.fundReverses", r)) }
      if let r = e.reversedBy { out.append(t("fund.detail.reversedBy", r)) }
      return (e.id, out + ["", t("fund.help.correct")])
    case .campaigns:
      guard let camp = state.donations.campaigns[rowID] else { break }
      let x = state.donations.totals(camp.id, unitOrder: state.unitOrder)
      var out = [
        "\(t("fund.col.recipient")): \(camp.recipient)",
        t("fund.detail.collected", x.collected.description, String(x.byUnit.count), String(x.donations)),
        t("fund.detail.handedOver", x.handedOver.description, x.outstanding.description), "",
      ]
      out += x.byUnit.map { "\(DisplayWidth.fit(state.unitName($0.unit, t.language), to: 20)) \($0.amount)" }
      let handovers = state.donations.handovers.filter { $0.campaign == camp.id }
      if !handovers.isEmpty { out.append("") }
      out += handovers.map { t("fund.detail.handover", cal.format($0.at), $0.amount.description, $0.voucher, $0.by) }
      return ("\(camp.name) \(camp.id)", out)
    }
    return (t("detail.title"), [t("view.empty")])
  }

  static func totalsLines(_ x: FundTotals, budget: Money, _ t: Strings) -> [String] {
    [
      "\(t("fund.col.budget")): \(budget)", "\(t("fund.col.income")): \(x.income)", "\(t("fund.col.paid")): \(x.paid)",
      "\(t("fund.col.reserved")): \(x.reserved)", "\(t("fund.col.balance")): \(x.balance)",
      "\(t("fund.col.available")): \(x.available)", "\(t("fund.col.unspent")): \(x.unspent(of: budget))",
    ]
  }

  static func entryLine(_ e: FundEntry, _ cal: LocalCalendar, _ t: Strings) -> String {
    let status = e.status.map { " (\(t("fund.status.\($0.rawValue)")))" } ?? ""
    let reversed = e.reversedBy.map { " " + t("fund.detail.reversedBy", $0) } ?? ""
    return
      "\(cal.format(e.at)) \(e.id) \(t("fund.kind.\(e.kind.rawValue)")) \(e.amount) \(DutyLogText.excerpt(UserText.clean(e.text)))"
      + status + reversed
  }

  public func helpNote(_ t: Strings) -> [String] { [t("fund.help.approval"), t("fund.help.correct")] }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.fundNextSection, pane: .fund, keys: [.tab, .right], changesData: false, hint: true) { m in
        m.fundSection(by: 1)
      },
      ConsoleAction(.fundPrevSection, pane: .fund, keys: [.backTab, .left], changesData: false) { m in
        m.fundSection(by: -1)
      },
      ConsoleAction(.fundDetail, pane: .fund, keys: [.enter, .char("d")], changesData: false, hint: true) { m in
        if let id = m.selectedRowID { m.mode = .detail(pane: .fund, rowID: id, scroll: 0) }
        return []
      },
      ConsoleAction(.fundApprove, pane: .fund, keys: [.char("a")], changesData: true, hint: true) { m in
        m.fundDecide(approve: true)
      },
      ConsoleAction(.fundReject, pane: .fund, keys: [.char("x")], changesData: true, hint: true) { m in
        m.fundDecide(approve: false)
      },
      ConsoleAction(.fundIncome, pane: .fund, keys: [.char("i")], changesData: true, hint: true) { m in
        m.openForm(.fundIncome(line: m.fundSelectedLine))
      },
      ConsoleAction(.fundExpense, pane: .fund, keys: [.char("e")], changesData: true, hint: true) { m in
        m.openForm(.fundExpense(line: m.fundSelectedLine))
      },
      ConsoleAction(.fundReverse, pane: .fund, keys: [.char("r")], changesData: true) { m in m.fundReverse() },
      ConsoleAction(.fundDonation, pane: .fund, keys: [.char("n")], changesData: true) { m in
        m.openForm(.donation(campaign: m.options.fund == .campaigns ? m.selectedRowID : nil))
      },
      ConsoleAction(.fundBack, pane: .fund, keys: [.esc], changesData: false, hint: true) { m in m.fundBack() },
    ]
  }
}

extension PaneKind {
  /// The emergency fund's view: a pane outside the tab strip.
  public static let fund = PaneKind("fund")
}

extension Action {
  public static let fundNextSection = Action("fundNextSection")
  public static let fundPrevSection = Action("fundPrevSection")
  public static let fundDetail = Action("fundDetail")
  public static let fundApprove = Action("fundApprove")
  public static let fundReject = Action("fundReject")
  public static let fundIncome = Action("fundIncome")
  public static let fundExpense = Action("fundExpense")
  public static let fundReverse = Action("fundReverse")
  public static let fundDonation = Action("fundDonation")
  public static let fundBack = Action("fundBack")
}

extension ConsoleModel {
  /// `:fund`: every role may look; the store decides every change.
  mutating func openFund() -> [ConsoleEffect] {
    if focus != .fund && focus != .org { orgReturn = focus }
    focus = .fund
    return []
  }

  mutating func fundSection(by step: Int) -> [ConsoleEffect] {
    let all = FundPane.Section.allCases
    let i = all.firstIndex(of: options.fund) ?? 0
    options.fund = all[((i + step) % all.count + all.count) % all.count]
    return []
  }

  /// The line the selection is on (lines section), for the income and expense forms.
  var fundSelectedLine: String? {
    guard options.fund == .lines, let id = selectedRowID, state.fund.lines[id] != nil else { return nil }
    return id
  }

  /// `a` / `x` on an expense awaiting approval.
  mutating func fundDecide(approve: Bool) -> [ConsoleEffect] {
    guard options.fund == .pending, let id = selectedRowID, state.fund.entries[id]?.isAwaitingApproval == true
    else { return warn("fund.selectPending") }
    return openForm(approve ? .approveExpense(id) : .rejectExpense(id))
  }

  /// `r` on a ledger row: reverse its entry (an income or a paid expense).
  mutating func fundReverse() -> [ConsoleEffect] {
    guard options.fund == .ledger, let row = selectedRowID else { return warn("fund.selectLedger") }
    return openForm(.reverseFundEntry(String(row.prefix { $0 != "#" })))
  }

  /// Esc: the filter, then the view.
  mutating func fundBack() -> [ConsoleEffect] {
    if !(tables[.fund]?.filter ?? "").isEmpty {
      tables[.fund]?.filter = ""
      return []
    }
    focus = orgReturn ?? Panes.kinds[0]
    return []
  }
}
