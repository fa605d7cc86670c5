import EventSourcing

extension CSVExport {
  /// The fund's ledger as an accounting clerk files it (明细账): one block per
  /// budget line in the line's order, its movements in the order they
  /// happened up to the end of `day`, each with the line's running balance;
  /// a reversal is written in red ink, a negative amount in the column of
  /// what it reverses. Each block ends with the line's totals and closing
  /// balance, and the file with the fund's. Columns: 日期, 凭证号, 科目, 摘要,
  /// 收入, 支出, 余额, 记录号. User text goes out through the CSV writer, which
  /// neutralises formulas.
  public static func fund(state: CordonState, through day: Int, language: Language) -> [[String]] {
    let t = Strings(language)
    let cal = state.calendar
    var rows: [[String]] = [
      [
        t("csv.fund.date"), t("fund.col.voucher"), t("fund.col.line"), t("fund.col.text"), t("fund.col.income"),
        t("fund.col.paid"), t("fund.col.balance"), t("csv.fund.entry"),
      ]
    ]
    var allIncome = Money.zero
    var allExpense = Money.zero
    var allBalance = Money.zero
    for line in state.fund.orderedLines {
      var income = Money.zero
      var expense = Money.zero
      var balance = Money.zero
      for r in state.fund.ledger where r.line == line.id && cal.day(of: r.at) <= day {
        income += r.income
        expense += r.expense
        balance = r.balance
        rows.append([
          cal.formatDay(cal.day(of: r.at)), r.voucher, line.name, UserText.clean(r.text),
          r.income == .zero ? "" : r.income.description, r.expense == .zero ? "" : r.expense.description,
          r.balance.description, r.entry,
        ])
      }
      rows.append([
        "", "", line.name, t("csv.fund.lineTotal"), income.description, expense.description, balance.description, "",
      ])
      allIncome += income
      allExpense += expense
      allBalance += balance
    }
    rows.append([
      "", "", "", t("csv.fund.total"), allIncome.description, allExpense.description, allBalance.description, "",
    ])
    return rows
  }
}
