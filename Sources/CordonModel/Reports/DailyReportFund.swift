import EventSourcing

/// The daily report's emergency fund (十三、应急资金) and donations (十四、捐款):
/// each line's opening balance, the day's income and expenses (reversals
/// net), its closing balance and what awaits approval, with the day's
/// movements and decisions one by one; each campaign's collection that day
/// and in all, per unit, and what was handed over. Only when the store has a
/// fund or a campaign; the fund is headquarters', so a report for another
/// unit shows only that unit's donations.
extension DailyReport {
  public struct FundLineDay: Sendable, Equatable {
    public var line: String
    public var opening: Money
    public var income: Money
    public var expense: Money
    public var closing: Money
    public var reserved: Money
  }

  /// One of the day's fund events, in words of the report.
  public struct FundEventLine: Sendable, Equatable {
    public var at: Instant
    public var entry: String
    /// income, expense, awaiting, approved, rejected, reversal.
    public var kind: String
    public var line: String
    public var amount: Money
    public var voucher: String
    public var text: String
    public var by: String
  }

  public struct FundDay: Sendable, Equatable {
    public var lines: [FundLineDay] = []
    public var events: [FundEventLine] = []
    /// Expenses still awaiting approval at the end of the day.
    public var awaiting: [FundEntry] = []
  }

  public struct CampaignDay: Sendable, Equatable {
    public var campaign: String
    public var today: Money
    public var total: Money
    public var handedOver: Money
    public var handedOverToday: Money
    /// unit → (that day, in all), units in the organisation's order.
    public var units: [UnitDonations]
    public var handovers: [DonationHandover]
  }

  public struct UnitDonations: Sendable, Equatable {
    public var unit: String
    public var today: Money
    public var total: Money
  }

  mutating func collectFund(_ dayRecords: [EventRecord<CordonEvent>], end: CordonState, keep: (String?) -> Bool) {
    let cal = end.calendar
    let start = cal.startOfDay(day)
    let fundShown = unitFilter == nil || unitFilter == end.headquarters
    if fundShown, !end.fund.lineOrder.isEmpty {
      var f = FundDay()
      for l in end.fund.orderedLines {
        let rows = end.fund.ledger.filter { $0.line == l.id }
        let before = rows.last { $0.at < start }?.balance ?? .zero
        let today = rows.filter { cal.day(of: $0.at) == day }
        f.lines.append(
          FundLineDay(
            line: l.id, opening: before, income: today.reduce(Money.zero) { $0 + $1.income },
            expense: today.reduce(Money.zero) { $0 + $1.expense },
            closing: rows.last { cal.day(of: $0.at) <= day }?.balance ?? .zero,
            reserved: end.fund.totals(l.id).reserved))
      }
      for r in dayRecords {
        func add(_ kind: String, _ e: FundEntry, text: String? = nil) {
          f.events.append(
            FundEventLine(
              at: r.time, entry: e.id, kind: kind, line: e.line, amount: e.amount, voucher: e.voucher,
              text: text ?? e.text, by: r.actor))
        }
        switch r.event {
        case .fundIncomeRecorded(let e): add("income", e)
        case .fundExpenseRecorded(let e): add(e.isAwaitingApproval ? "awaiting" : "expense", e)
        case .fundExpenseApproved(let id, let note):
          if let e = end.fund.entries[id] { add("approved", e, text: note.isEmpty ? e.text : "\(e.text) · \(note)") }
        case .fundExpenseRejected(let id, let note):
          if let e = end.fund.entries[id] { add("rejected", e, text: "\(e.text) · \(note)") }
        case .fundEntryReversed(let e): add("reversal", e, text: "\(e.reverses ?? "") · \(e.text)")
        default: break
        }
      }
      f.awaiting = end.fund.awaitingApproval
      fund = f
    }
    var campaigns: [CampaignDay] = []
    for c in end.donations.orderedCampaigns {
      var today: [String: Money] = [:]
      var total: [String: Money] = [:]
      for id in end.donations.donationOrder {
        guard let d = end.donations.donations[id], d.campaign == c.id, keep(d.unit), cal.day(of: d.at) <= day else {
          continue
        }
        // A donation voided by the day's end counts nowhere.
        if let v = d.voided, cal.day(of: v.at) <= day { continue }
        total[d.unit, default: .zero] += d.amount
        if cal.day(of: d.at) == day { today[d.unit, default: .zero] += d.amount }
      }
      let handovers = end.donations.handovers.filter { $0.campaign == c.id && cal.day(of: $0.at) <= day }
      let mine = unitFilter == nil || unitFilter == end.headquarters
      guard !total.isEmpty || (mine && !handovers.isEmpty) else { continue }
      let units = end.unitOrder.filter { total[$0] != nil }.map {
        UnitDonations(unit: $0, today: today[$0] ?? .zero, total: total[$0] ?? .zero)
      }
      campaigns.append(
        CampaignDay(
          campaign: c.id, today: units.reduce(Money.zero) { $0 + $1.today },
          total: units.reduce(Money.zero) { $0 + $1.total },
          handedOver: mine ? handovers.reduce(Money.zero) { $0 + $1.amount } : .zero,
          handedOverToday: mine
            ? handovers.filter { cal.day(of: $0.at) == day }.reduce(Money.zero) { $0 + $1.amount } : .zero,
          units: units, handovers: mine ? handovers.filter { cal.day(of: $0.at) == day } : []))
    }
    donationDays = campaigns
  }
}

extension ReportRenderer {
  /// The fund's and the donations' sections; nothing when the store has neither.
  static func fundSections(_ r: DailyReport, state: CordonState, strings t: Strings) -> [Line] {
    let cal = state.calendar
    let lang = t.language
    func one(_ s: String) -> String { UserText.clean(s) }
    func lineName(_ id: String) -> String { state.fund.lines[id]?.name ?? id }
    var out: [Line] = []
    if let f = r.fund {
      out.append(.heading(t("report.fund")))
      let income = f.lines.reduce(Money.zero) { $0 + $1.income }
      let expense = f.lines.reduce(Money.zero) { $0 + $1.expense }
      let closing = f.lines.reduce(Money.zero) { $0 + $1.closing }
      let reserved = f.awaiting.reduce(Money.zero) { $0 + $1.amount }
      out.append(
        .item(
          t(
            "report.fundSummary", income.description, expense.description, closing.description,
            String(f.awaiting.count), reserved.description)))
      out.append(
        .header([
          t("fund.col.line"), t("report.fund.opening"), t("fund.col.income"), t("fund.col.paid"),
          t("report.fund.closing"), t("fund.col.reserved"),
        ]))
      for l in f.lines {
        out.append(
          .row(
            [lineName(l.line)]
              + [l.opening, l.income, l.expense, l.closing, l.reserved].map(\.description)))
      }
      let opening = f.lines.reduce(Money.zero) { $0 + $1.opening }
      let allReserved = f.lines.reduce(Money.zero) { $0 + $1.reserved }
      out.append(
        .row([t("fund.total")] + [opening, income, expense, closing, allReserved].map(\.description)))
      for e in f.events {
        out.append(
          .item(
            t(
              "report.fundLine", cal.formatTime(e.at), e.voucher, t("report.fund.\(e.kind)"), e.entry,
              lineName(e.line), e.amount.description, one(e.text), e.by)))
      }
      for e in f.awaiting {
        out.append(
          .item(
            t(
              "report.fundAwaiting", cal.format(e.at), e.id, lineName(e.line), e.amount.description, one(e.text),
              e.by)))
      }
    }
    if !r.donationDays.isEmpty {
      out.append(.heading(t("report.donations")))
      for c in r.donationDays {
        let camp = state.donations.campaigns[c.campaign]
        out.append(
          .item(
            t(
              "report.donationSummary", camp?.name ?? c.campaign, camp?.recipient ?? "", c.today.description,
              c.total.description, c.handedOver.description, (c.total - c.handedOver).description)))
        out.append(.header([t("col.unit"), t("report.donation.today"), t("report.donation.total")]))
        for u in c.units {
          out.append(.row([state.unitName(u.unit, lang), u.today.description, u.total.description]))
        }
        out.append(.row([t("fund.total"), c.today.description, c.total.description]))
        for h in c.handovers {
          out.append(
            .item(
              t(
                "report.donationHandover", cal.formatTime(h.at), h.voucher, h.amount.description, camp?.recipient ?? "",
                h.by)))
        }
      }
    }
    return out
  }

  /// The sections' CSV rows: per line, its figures; per campaign and unit, the day's and the total.
  static func fundRows(_ r: DailyReport, state: CordonState, strings t: Strings) -> [[String]] {
    var rows: [[String]] = []
    let section = t("report.fund")
    for l in r.fund?.lines ?? [] {
      let name = state.fund.lines[l.line]?.name ?? l.line
      rows += [
        ("report.fund.opening", l.opening), ("fund.col.income", l.income), ("fund.col.paid", l.expense),
        ("report.fund.closing", l.closing), ("fund.col.reserved", l.reserved),
      ].map { [section, name, t($0.0), $0.1.description] }
    }
    for c in r.donationDays {
      let name = state.donations.campaigns[c.campaign]?.name ?? c.campaign
      for u in c.units {
        rows.append([
          t("report.donations"), state.unitName(u.unit, t.language), "\(name) \(t("report.donation.today"))",
          u.today.description,
        ])
        rows.append([
          t("report.donations"), state.unitName(u.unit, t.language), "\(name) \(t("report.donation.total"))",
          u.total.description,
        ])
      }
      rows.append([t("report.donations"), "", "\(name) \(t("report.donation.total"))", c.total.description])
      rows.append([t("report.donations"), "", "\(name) \(t("fund.col.handedOver"))", c.handedOver.description])
    }
    return rows
  }
}
