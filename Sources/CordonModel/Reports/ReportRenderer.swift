import EventSourcing

/// Lays a `DailyReport` out as a duty room would send it: Markdown, plain
/// text, or CSV (one row per figure, for a spreadsheet).
public enum ReportFormat: String, Sendable, CaseIterable {
  case md, txt, csv
}

public enum ReportRenderer {
  public static func render(_ r: DailyReport, state: CordonState, format: ReportFormat, strings t: Strings) -> String {
    switch format {
    case .csv: return csv(r, state: state, strings: t)
    case .md, .txt: return text(r, state: state, markdown: format == .md, strings: t)
    }
  }

  static func text(_ r: DailyReport, state: CordonState, markdown md: Bool, strings t: Strings) -> String {
    let lang = t.language
    let cal = state.calendar
    var out: [String] = []
    func heading(_ s: String, level: Int) {
      flush()
      if !out.isEmpty { out.append("") }
      out.append(md ? String(repeating: "#", count: level) + " " + markdownEscaped(s) : s)
      if !md && level == 1 { out.append(String(repeating: "=", count: 40)) }
    }
    // Plain-text tables are collected and padded when the table ends, so
    // columns line up in a terminal or a fixed-width font, Chinese included.
    var table: [[String]] = []
    func flush() {
      guard !table.isEmpty else { return }
      let widths = (0..<(table.map(\.count).max() ?? 0)).map { c in
        table.map { c < $0.count ? DisplayWidth.of($0[c]) : 0 }.max() ?? 0
      }
      for cells in table {
        let padded = cells.enumerated().map { i, cell in
          i == 0 ? DisplayWidth.fit(cell, to: widths[i]) : DisplayWidth.fitRight(cell, to: widths[i])
        }
        out.append(padded.joined(separator: "  "))
      }
      table = []
    }
    func row(_ cells: [String]) {
      if md {
        out.append("| " + cells.map { markdownEscaped($0, inCell: true) }.joined(separator: " | ") + " |")
      } else {
        table.append(cells)
      }
    }
    func header(_ cells: [String]) {
      row(cells)
      if md { out.append("|" + String(repeating: "---|", count: cells.count)) }
    }
    func item(_ s: String) {
      flush()
      out.append(md ? "- " + markdownEscaped(s) : "  " + s)
    }

    let scope = r.unitFilter.map { state.unitName($0, lang) } ?? t("app.group")
    heading(t("report.title", scope, cal.formatDay(r.day)), level: 1)

    heading(t("report.people"), level: 2)
    let cats = PersonCategory.allCases
    header([t("col.unit")] + cats.map { t("category.\($0.rawValue)") } + [t("register.missing")])
    var totals = Array(repeating: 0, count: cats.count + 1)
    for u in r.people {
      let counts = cats.map { u.byCategory[$0] ?? 0 } + [u.missing]
      for i in counts.indices { totals[i] = totals[i].clampedAdding(counts[i]) }
      row([state.unitName(u.unit, lang)] + counts.map(String.init))
    }
    row([t("register.total")] + totals.map(String.init))

    heading(t("report.temperature"), level: 2)
    item(t("report.rounds", String(r.rounds), String(r.checked), String(r.fevers)))
    if r.feverCases.isEmpty { item(t("report.noFever")) }
    for g in r.feverCasesBySite(state) {
      item(t("report.feverBySite", state.siteName(g.site, lang), String(g.count)))
    }
    if r.feverCasesGrouped { item(t("report.feverNewest", String(DailyReport.feverCasesListed))) }
    for c in r.feverCasesListedLines {
      item("\(cal.formatTime(c.at)) \(state.siteName(c.site, lang)) \(c.person) \(c.reading)℃")
    }

    heading(t("report.disinfection"), level: 2)
    header([t("col.unit"), t("report.required"), t("report.done"), t("report.compliance")])
    for d in r.disinfection {
      let pct = d.required <= 0 ? 100 : d.done.clampedMultiplied(by: 100) / d.required
      row([state.unitName(d.unit, lang), String(d.required), String(d.done), "\(pct)%"])
    }
    item(t("report.ventilations", String(r.ventilations)))

    heading(t("report.stock"), level: 2)
    item(r.stockTotals.map { "\(state.itemName($0.item, lang)) \($0.total)" }.joined(separator: t("report.separator")))
    for l in r.lowStock {
      item(
        t(
          "report.low", state.unitName(l.unit, lang), state.itemName(l.item, lang), l.balance.description,
          l.minimum.description))
    }

    heading(t("report.requests"), level: 2)
    if r.requests.isEmpty { item(t("report.none")) }
    for q in r.requests {
      item(
        "\(q.id) \(state.unitName(q.unit, lang)) \(state.itemName(q.item, lang)) \(q.quantity) \(t("request.\(q.status.rawValue)"))"
          + (q.approved.map { " (\($0))" } ?? "") + (q.finding.map { " · " + t("request.finding", $0) } ?? ""))
    }

    heading(t("report.alerts"), level: 2)
    item(
      t(
        "report.alertCounts", String(r.alertsRaised[.critical] ?? 0), String(r.alertsRaised[.warning] ?? 0),
        String(r.alertsResolved), String(r.alertsOpen.count)))
    for a in r.alertsOpen where a.severity == .critical {
      item("#\(a.number) \(a.message(state, t))")
    }

    heading(t("report.directives"), level: 2)
    if r.directives.isEmpty { item(t("report.none")) }
    for d in r.directives {
      let acked = d.targets.filter { d.isAcknowledged(by: $0) }.map { state.unitName($0, lang) }
      item(
        "\(d.id) \(d.text.replacingOccurrences(of: "\n", with: " ")) · \(t("directive.acked")) \(acked.count)/\(d.targets.count)"
      )
    }

    for line in handoverSection(r, state: state, strings: t) + dutyLogSections(r, state: state, strings: t)
      + signInSection(r, state: state, strings: t) + notificationSection(r, state: state, strings: t)
      + fundSections(r, state: state, strings: t)
      + oversightSections(r, state: state, strings: t)
    {
      switch line {
      case .heading(let h): heading(h, level: 2)
      case .item(let i): item(i)
      case .header(let cells): header(cells)
      case .row(let cells): row(cells)
      }
    }
    flush()
    return out.joined(separator: "\n") + "\n"
  }

  static func csv(_ r: DailyReport, state: CordonState, strings t: Strings) -> String {
    let lang = t.language
    var rows: [[String]] = [
      [t("report.csv.section"), t("report.csv.unit"), t("report.csv.metric"), t("report.csv.value")]
    ]
    for u in r.people {
      for c in PersonCategory.allCases {
        rows.append([
          t("report.people"), state.unitName(u.unit, lang), t("category.\(c.rawValue)"), String(u.byCategory[c] ?? 0),
        ])
      }
      rows.append([t("report.people"), state.unitName(u.unit, lang), t("register.missing"), String(u.missing)])
    }
    rows.append([t("report.temperature"), "", t("report.csv.rounds"), String(r.rounds)])
    rows.append([t("report.temperature"), "", t("report.csv.checked"), String(r.checked)])
    rows.append([t("report.temperature"), "", t("report.csv.fevers"), String(r.fevers)])
    for g in r.feverCasesBySite(state) {
      rows.append([
        t("report.temperature"), state.unitName(state.sites[g.site]?.unit ?? "", lang),
        t("report.csv.feversAt", state.siteName(g.site, lang)), String(g.count),
      ])
    }
    for d in r.disinfection {
      rows.append([t("report.disinfection"), state.unitName(d.unit, lang), t("report.required"), String(d.required)])
      rows.append([t("report.disinfection"), state.unitName(d.unit, lang), t("report.done"), String(d.done)])
    }
    for s in r.stockTotals { rows.append([t("report.stock"), "", state.itemName(s.item, lang), s.total.description]) }
    rows.append([t("report.alerts"), "", t("severity.critical"), String(r.alertsRaised[.critical] ?? 0)])
    rows.append([t("report.alerts"), "", t("severity.warning"), String(r.alertsRaised[.warning] ?? 0)])
    rows.append([t("report.alerts"), "", t("state.resolved"), String(r.alertsResolved)])
    rows.append([t("report.alerts"), "", t("state.open"), String(r.alertsOpen.count)])
    rows += handoverRows(r, state: state, strings: t)
    rows.append([t("report.dutyLog"), "", t("duty.significant"), String(r.significantEntries.count)])
    rows.append([t("report.dutyLog"), "", t("duty.badge.followUps"), String(r.openFollowUps.count)])
    for p in DutyPriority.allCases {
      rows.append([
        t("report.reportsUp"), "", t("priority.\(p.rawValue)"), String(r.reportsUp.filter { $0.priority == p }.count),
      ])
    }
    rows.append([t("report.directiveReplies"), "", t("stage.replied"), String(r.directiveReplies.count)])
    rows += signInRows(r, state: state, strings: t)
    rows += notificationRows(r, strings: t)
    rows += fundRows(r, state: state, strings: t)
    rows += oversightRows(r, state: state, strings: t)
    return CSVWriter.write(rows)
  }
}

extension ReportRenderer {
  /// Markdown's inline syntax in a line that carries names and notes (a
  /// link, emphasis, code, raw HTML) shown as typed, not rendered: a duty-log
  /// note cannot put a link or markup into the group's report. In a table
  /// cell a `|` too, which would end the cell and shift the row's columns.
  static func markdownEscaped(_ s: String, inCell: Bool = false) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
      switch c {
      case "\\", "`", "*", "_", "[", "]", "<", ">", "~": out.append("\\")
      case "|" where inCell: out.append("\\")
      default: break
      }
      out.append(c)
    }
    return out
  }

  enum Line { case heading(String), item(String), header([String]), row([String]) }

  /// Significant duty-log entries and open follow-ups, reports up and their
  /// replies, directive replies: headings and items, for either text format.
  static func dutyLogSections(_ r: DailyReport, state: CordonState, strings t: Strings) -> [Line] {
    let lang = t.language
    let cal = state.calendar
    func one(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }
    var out: [Line] = [.heading(t("report.dutyLog"))]
    if r.significantEntries.isEmpty && r.openFollowUps.isEmpty { out.append(.item(t("report.none"))) }
    for e in r.significantEntries {
      out.append(
        .item(
          t(
            "report.dutyLogLine", cal.formatTime(e.at), e.id, state.unitName(e.unit, lang),
            t("channel.\(e.channel.rawValue)"), e.from.isEmpty ? "-" : e.from, one(e.text))
            + (e.action.isEmpty ? "" : " · " + one(e.action))))
    }
    for e in r.openFollowUps {
      out.append(
        .item(t("report.dutyFollowUp", cal.format(e.followUp?.due ?? e.at), e.id, e.followUp?.owner ?? "", one(e.text)))
      )
    }
    out.append(.heading(t("report.reportsUp")))
    if r.reportsUp.isEmpty { out.append(.item(t("report.none"))) }
    for u in r.reportsUp {
      out.append(
        .item(
          t(
            "report.reportUpLine", cal.formatTime(u.sentAt), u.id, state.unitName(u.unit, lang),
            t("priority.\(u.priority.rawValue)"), t("stage.\(u.stage.rawValue)"), one(u.text))))
      for reply in u.replies {
        out.append(.item(t("report.replyLine", cal.formatTime(reply.at), reply.by, one(reply.text))))
      }
    }
    out.append(.heading(t("report.directiveReplies")))
    if r.directiveReplies.isEmpty { out.append(.item(t("report.none"))) }
    for d in r.directiveReplies {
      out.append(
        .item(
          t("report.directiveReplyLine", cal.formatTime(d.at), d.directive, state.unitName(d.unit, lang), one(d.text))))
    }
    return out
  }
}
