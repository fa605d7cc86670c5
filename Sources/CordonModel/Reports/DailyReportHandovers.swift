import EventSourcing

/// The daily report's handover section (交接班): the day's handovers, who
/// handed over to whom, confirmed on time, late or not at all by the end of
/// the day, and each query with the item it was about.
extension DailyReport {
  public struct HandoverSummary: Sendable, Equatable {
    public var written = 0
    public var onTime = 0
    public var late = 0
    public var unconfirmed = 0
    public var queried = 0
    public init(written: Int = 0, onTime: Int = 0, late: Int = 0, unconfirmed: Int = 0, queried: Int = 0) {
      self.written = written
      self.onTime = onTime
      self.late = late
      self.unconfirmed = unconfirmed
      self.queried = queried
    }
  }

  /// The day's handovers as they stand at the end of the day (their confirmation).
  static func handovers(written notes: [HandoverNote], end: CordonState) -> [HandoverNote] {
    notes.map { n in n.hasChecklist ? (end.handover(n.id) ?? n) : n }
  }

  /// Counts of the day's checklist handovers (old free-text notes are owed no confirmation).
  public func handoverSummary(_ settings: Settings) -> HandoverSummary {
    var s = HandoverSummary()
    for n in handovers where n.hasChecklist {
      s.written += 1
      if let c = n.confirmation {
        if n.confirmedLate(settings) { s.late += 1 } else { s.onTime += 1 }
        s.queried += c.queries.count
      } else {
        s.unconfirmed += 1
      }
    }
    return s
  }
}

extension ReportRenderer {
  static func handoverSection(_ r: DailyReport, state: CordonState, strings t: Strings) -> [Line] {
    let lang = t.language
    let cal = state.calendar
    func one(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }
    var out: [Line] = [.heading(t("report.handovers"))]
    if r.handovers.isEmpty { return out + [.item(t("report.none"))] }
    let s = r.handoverSummary(state.settings)
    if s.written > 0 {
      out.append(
        .item(
          t(
            "report.handoverSummary", String(s.written), String(s.onTime), String(s.late), String(s.unconfirmed),
            String(s.queried))))
    }
    for n in r.handovers {
      let unit = state.unitName(n.unit, lang)
      let from = state.personName(n.author)
      guard n.hasChecklist else {
        out.append(.item("\(cal.formatTime(n.at)) \(unit) \(from): \(one(n.text))"))
        continue
      }
      let status: String
      if let c = n.confirmation {
        let who = "\(state.personName(c.by)) \(cal.formatTime(c.at))"
        status = n.confirmedLate(state.settings) ? t("report.handoverLate", who) : t("report.handoverOnTime", who)
      } else {
        status = t("report.handoverUnconfirmed")
      }
      let to = state.incoming(n).map(state.personName).joined(separator: "、")
      out.append(
        .item(
          t(
            "report.handoverLine", cal.formatTime(n.at), unit, from, to.isEmpty ? "-" : to,
            String((n.items?.count ?? 0) + n.omitted), status, one(n.text))))
      for q in n.confirmation?.queries ?? [] {
        let item = n.items.flatMap { $0.indices.contains(q.item - 1) ? $0[q.item - 1] : nil }
        out.append(
          .item(
            t(
              "report.handoverQuery", String(q.item),
              item.map { HandoverText.item($0, state: state, strings: t) } ?? "-", one(q.text))))
      }
    }
    return out
  }

  /// CSV rows: how many were written, confirmed on time, late, not confirmed, and items queried.
  static func handoverRows(_ r: DailyReport, state: CordonState, strings t: Strings) -> [[String]] {
    let s = r.handoverSummary(state.settings)
    let section = t("report.handovers")
    return [
      [section, "", t("report.csv.handoversWritten"), String(s.written)],
      [section, "", t("report.csv.handoversOnTime"), String(s.onTime)],
      [section, "", t("report.csv.handoversLate"), String(s.late)],
      [section, "", t("report.csv.handoversUnconfirmed"), String(s.unconfirmed)],
      [section, "", t("report.csv.handoversQueried"), String(s.queried)],
    ]
  }
}
