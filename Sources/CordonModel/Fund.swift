import EventSourcing

/// The emergency fund (应急专项资金): budget lines, income into them and
/// expenses out of them, in exact fen. Nothing is ever deleted: a mistaken
/// entry is reversed by an entry of its own (红字冲销), with its own voucher.
///
/// The rules, decided by the validator and held by every event it admits:
/// - a line's balance (income less what was paid) is never negative;
/// - an expense above `Settings.fundApprovalThreshold` waits for the command
///   role's approval, and while it waits it reserves its amount: the line's
///   available money is its balance less what awaits approval, and a new
///   expense or an income's reversal must fit in what is available;
/// - no one approves their own expense.
public struct FundLine: Codable, Sendable, Equatable, Identifiable {
  public var id: String
  public var name: String
  /// What the line was given to spend (预算), against which spending is shown.
  public var budget: Money
  public var openedAt: Instant
  public var openedBy: String
  public init(id: String, name: String, budget: Money, openedAt: Instant, openedBy: String) {
    self.id = id
    self.name = name
    self.budget = budget
    self.openedAt = openedAt
    self.openedBy = openedBy
  }
}

/// A line's running totals, net of reversals.
public struct FundTotals: Codable, Sendable, Equatable {
  public var income = Money.zero
  public var paid = Money.zero
  /// Expenses awaiting approval.
  public var reserved = Money.zero
  public init() {}
  public var balance: Money { income - paid }
  /// What a new expense may take: the balance less what awaits approval.
  public var available: Money { balance - reserved }
  /// The budget not yet spent (negative: spent beyond the budget).
  public func unspent(of budget: Money) -> Money { budget - paid }
}

public enum FundEntryKind: String, Codable, Sendable, CaseIterable {
  case income, expense, reversal
}

public enum ExpenseStatus: String, Codable, Sendable, CaseIterable {
  case paid, awaitingApproval, rejected
}

/// Who approved or rejected an expense, when, and why.
public struct FundDecision: Codable, Sendable, Equatable {
  public var approved: Bool
  public var by: String
  public var at: Instant
  public var note: String
  public init(approved: Bool, by: String, at: Instant, note: String) {
    self.approved = approved
    self.by = by
    self.at = at
    self.note = note
  }
}

/// One movement of the fund: an income, an expense, or the reversal of one.
public struct FundEntry: Codable, Sendable, Equatable, Identifiable {
  /// fi12 (income), fe13 (expense), fr14 (reversal).
  public var id: String
  public var line: String
  public var kind: FundEntryKind
  /// Always positive; the kind says which way it moves.
  public var amount: Money
  /// The income's source, the expense's purpose, the reversal's reason.
  public var text: String
  public var voucher: String
  public var at: Instant
  public var by: String
  /// Expenses only: paid at once, awaiting approval, or rejected.
  public var status: ExpenseStatus?
  public var decision: FundDecision?
  /// A reversal: the entry it reverses and that entry's kind.
  public var reverses: String?
  public var reversedKind: FundEntryKind?
  /// The original, once reversed: the reversal's id.
  public var reversedBy: String?
  public init(
    id: String, line: String, kind: FundEntryKind, amount: Money, text: String, voucher: String, at: Instant,
    by: String, status: ExpenseStatus? = nil, reverses: String? = nil, reversedKind: FundEntryKind? = nil
  ) {
    self.id = id
    self.line = line
    self.kind = kind
    self.amount = amount
    self.text = text
    self.voucher = voucher
    self.at = at
    self.by = by
    self.status = status
    self.reverses = reverses
    self.reversedKind = reversedKind
  }
  public var isAwaitingApproval: Bool { status == .awaitingApproval }
}

/// One row of the fund's ledger (明细账): money that moved, in the order it
/// moved, with the line's balance after it. A reversal is written in red
/// ink: a negative amount in the column of what it reverses.
public struct FundLedgerRow: Codable, Sendable, Equatable {
  public var at: Instant
  public var entry: String
  public var line: String
  public var voucher: String
  public var text: String
  public var income: Money
  public var expense: Money
  public var balance: Money
}

/// The fund as it stands. Entries are few (a fund moves tens of times a day)
/// and the ledger is the clerk's book: neither leaves memory with retention.
public struct FundState: Codable, Sendable, Equatable {
  public var lines: [String: FundLine] = [:]
  public var lineOrder: [String] = []
  public var totals: [String: FundTotals] = [:]
  public var entries: [String: FundEntry] = [:]
  public var entryOrder: [String] = []
  public var ledger: [FundLedgerRow] = []
  /// Every voucher number used (fund entries and donation handovers) → what used it.
  public var vouchers: [String: String] = [:]
  public init() {}

  public var orderedLines: [FundLine] { lineOrder.compactMap { lines[$0] } }
  public func totals(_ line: String) -> FundTotals { totals[line] ?? FundTotals() }
  /// Every line's totals added up.
  public var total: FundTotals {
    var t = FundTotals()
    for v in totals.values {
      t.income += v.income
      t.paid += v.paid
      t.reserved += v.reserved
    }
    return t
  }
  public var budget: Money { lines.values.reduce(Money.zero) { $0 + $1.budget } }
  /// Expenses awaiting approval, oldest first.
  public var awaitingApproval: [FundEntry] { entryOrder.compactMap { entries[$0] }.filter(\.isAwaitingApproval) }
  /// Entries of one line (nil: all), newest first.
  public func entries(line: String? = nil) -> [FundEntry] {
    entryOrder.reversed().compactMap { entries[$0] }.filter { line == nil || $0.line == line }
  }

  mutating func apply(_ event: CordonEvent, _ record: EventRecord<CordonEvent>) {
    let now = record.time
    switch event {
    case .fundLineOpened(let l):
      if lines[l.id] == nil { lineOrder.append(l.id) }
      lines[l.id] = l
      totals[l.id] = totals[l.id] ?? FundTotals()
    case .fundIncomeRecorded(let e):
      add(e)
      totals[e.line, default: FundTotals()].income += e.amount
      post(e, income: e.amount, expense: .zero, at: now)
    case .fundExpenseRecorded(let e):
      add(e)
      if e.isAwaitingApproval {
        totals[e.line, default: FundTotals()].reserved += e.amount
      } else if e.status == .paid {
        totals[e.line, default: FundTotals()].paid += e.amount
        post(e, income: .zero, expense: e.amount, at: now)
      }
    case .fundExpenseApproved(let id, let note), .fundExpenseRejected(let id, let note):
      guard var e = entries[id], e.isAwaitingApproval else { return }
      let approved: Bool
      if case .fundExpenseApproved = event { approved = true } else { approved = false }
      e.status = approved ? .paid : .rejected
      e.decision = FundDecision(approved: approved, by: record.actor, at: now, note: note)
      entries[id] = e
      totals[e.line, default: FundTotals()].reserved -= e.amount
      if approved {
        totals[e.line, default: FundTotals()].paid += e.amount
        post(e, income: .zero, expense: e.amount, at: now)
      }
    case .fundEntryReversed(let r):
      add(r)
      guard let original = r.reverses else { return }
      entries[original]?.reversedBy = r.id
      if r.reversedKind == .income {
        totals[r.line, default: FundTotals()].income -= r.amount
        post(r, income: -r.amount, expense: .zero, at: now)
      } else {
        totals[r.line, default: FundTotals()].paid -= r.amount
        post(r, income: .zero, expense: -r.amount, at: now)
      }
    case .donationsHandedOver(let h):
      vouchers[h.voucher] = h.id
    default: break
    }
  }

  private mutating func add(_ e: FundEntry) {
    if entries[e.id] == nil { entryOrder.append(e.id) }
    entries[e.id] = e
    vouchers[e.voucher] = e.id
  }

  private mutating func post(_ e: FundEntry, income: Money, expense: Money, at: Instant) {
    ledger.append(
      FundLedgerRow(
        at: at, entry: e.id, line: e.line, voucher: e.voucher, text: e.text, income: income, expense: expense,
        balance: totals(e.line).balance))
  }
}

extension CommandValidator {
  /// The emergency fund's commands.
  func fund(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    let fund = state.fund
    switch command {
    case .openFundLine(let id, let name, let budget):
      guard Self.isIdentifier(id) else {
        throw Refusal("org.badID", [String(id.prefix(Limits.identifier))], field: .id)
      }
      guard fund.lines[id] == nil else { throw Refusal("fund.lineExists", [id], field: .id) }
      let n = try required(name, .name, max: Limits.name)
      try checkAmount(budget, .budget, allowZero: true)
      return [
        .fundLineOpened(FundLine(id: id, name: n, budget: budget, openedAt: context.now, openedBy: context.actor))
      ]

    case .recordFundIncome(let line, let amount, let source, let voucher):
      let t = try requireLine(line)
      try checkAmount(amount, .amount)
      guard let after = t.income.adding(exactly: amount), after <= Limits.fundBalance else {
        throw Refusal(
          "fund.balanceTooLarge", [t.income.description, amount.description, Limits.fundBalance.description],
          field: .amount)
      }
      let s = try required(source, .source)
      let v = try newVoucher(voucher)
      return [
        .fundIncomeRecorded(
          FundEntry(
            id: "fi\(state.serial + 1)", line: line, kind: .income, amount: amount, text: s, voucher: v,
            at: context.now, by: context.actor))
      ]

    case .recordFundExpense(let line, let amount, let purpose, let voucher):
      let t = try requireLine(line)
      try checkAmount(amount, .amount)
      try checkCovered(amount, by: t, code: "fund.shortfall")
      let p = try required(purpose, .purpose)
      let v = try newVoucher(voucher)
      let status: ExpenseStatus = amount > state.settings.fundApprovalThreshold ? .awaitingApproval : .paid
      return [
        .fundExpenseRecorded(
          FundEntry(
            id: "fe\(state.serial + 1)", line: line, kind: .expense, amount: amount, text: p, voucher: v,
            at: context.now, by: context.actor, status: status))
      ]

    case .approveExpense(let id, let note):
      let e = try requireAwaiting(id)
      guard e.by != context.actor else { throw Refusal("fund.selfApproval", [context.actor, id], field: .id) }
      // The reservation covers it; checked again so no event can take a line below zero.
      var t = fund.totals(e.line)
      t.reserved -= e.amount
      try checkCovered(e.amount, by: t, code: "fund.shortfall")
      return [.fundExpenseApproved(id: id, note: try optional(note, .note))]

    case .rejectExpense(let id, let note):
      _ = try requireAwaiting(id)
      return [.fundExpenseRejected(id: id, note: try required(note, .note))]

    case .reverseFundEntry(let id, let voucher, let reason):
      let e = try requireEntry(id)
      guard e.kind != .reversal else { throw Refusal("fund.reverseReversal", [id], field: .id) }
      if let by = e.reversedBy { throw Refusal("fund.alreadyReversed", [id, by], field: .id) }
      switch e.status {
      case .awaitingApproval?: throw Refusal("fund.reverseAwaiting", [id], field: .id)
      case .rejected?: throw Refusal("fund.reverseRejected", [id], field: .id)
      default: break
      }
      // The reversal's amount is the entry's: the refusal names the entry.
      if e.kind == .income {
        try checkCovered(e.amount, by: fund.totals(e.line), code: "fund.reversalShortfall", field: .id)
      }
      let r = try required(reason, .reason)
      let v = try newVoucher(voucher)
      return [
        .fundEntryReversed(
          FundEntry(
            id: "fr\(state.serial + 1)", line: e.line, kind: .reversal, amount: e.amount, text: r, voucher: v,
            at: context.now, by: context.actor, reverses: id, reversedKind: e.kind))
      ]

    default:
      return []
    }
  }

  /// A positive amount (or zero, for a budget) within `Limits.money`.
  func checkAmount(_ m: Money, _ field: CommandField, allowZero: Bool = false) throws(Refusal) {
    guard m.fen >= 0 else { throw Refusal("money.negative", [field.rawValue, m.description], field: field) }
    guard allowZero || m.fen > 0 else { throw Refusal("money.notPositive", [field.rawValue], field: field) }
    guard m <= Limits.money else {
      throw Refusal("money.tooLarge", [field.rawValue, m.description, Limits.money.description], field: field)
    }
  }

  /// A voucher number, cleaned, bounded, and not used before.
  func newVoucher(_ voucher: String) throws(Refusal) -> String {
    let v = try required(voucher, .voucher, max: Limits.voucher)
    if let used = state.fund.vouchers[v] { throw Refusal("fund.voucherUsed", [v, used], field: .voucher) }
    return v
  }

  /// `amount` fits in what the line has available; else the shortfall, exactly.
  private func checkCovered(_ amount: Money, by t: FundTotals, code: String, field: CommandField = .amount)
    throws(Refusal)
  {
    let available = t.available
    guard amount > available else { return }
    let gap = (amount - available).description
    if t.reserved > .zero {
      throw Refusal(
        code + "Reserved", [available.description, amount.description, gap, t.reserved.description], field: field)
    }
    throw Refusal(code, [available.description, amount.description, gap], field: field)
  }

  private func requireLine(_ id: String) throws(Refusal) -> FundTotals {
    try Limits.check(id, max: Limits.identifier, field: .line)
    guard state.fund.lines[id] != nil else {
      throw Refusal("fund.unknownLine", [id, state.fund.lineOrder.joined(separator: ", ")], field: .line)
    }
    return state.fund.totals(id)
  }

  private func requireEntry(_ id: String) throws(Refusal) -> FundEntry {
    try Limits.check(id, max: Limits.identifier, field: .id)
    guard let e = state.fund.entries[id] else { throw Refusal("fund.unknownEntry", [id], field: .id) }
    return e
  }

  private func requireAwaiting(_ id: String) throws(Refusal) -> FundEntry {
    let e = try requireEntry(id)
    guard e.kind == .expense else { throw Refusal("fund.notExpense", [id], field: .id) }
    guard e.isAwaitingApproval else {
      throw Refusal(e.status == .rejected ? "fund.alreadyRejected" : "fund.alreadyPaid", [id], field: .id)
    }
    return e
  }
}

extension Authorization {
  /// The fund belongs to the group: its lines, income, expenses and
  /// reversals are kept by the command role or an operator of headquarters
  /// (the group office's clerk); only the command role (the leading group)
  /// approves or rejects an expense. Nil: the general per-unit check decides.
  static func fund(_ command: CordonCommand, by p: Principal, in state: CordonState) -> Verdict? {
    switch command {
    case .approveExpense, .rejectExpense:
      return Verdict(refusal: Refusal("fund.approvalRole", [p.user, p.role.rawValue], field: .id))
    case .openFundLine, .recordFundIncome, .recordFundExpense, .reverseFundEntry, .startCampaign, .handOverDonations:
      let atHQ = state.headquarters.map(p.units.contains) ?? false
      return Verdict(refusal: atHQ ? nil : Refusal("fund.notHeadquarters", [p.user]))
    default: return nil
    }
  }
}
