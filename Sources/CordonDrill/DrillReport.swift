import CordonModel
import EventSourcing

/// The after-action report (演练总结): each expected response met or missed,
/// the time it took and who responded, then the timeline of injects and
/// responses. Rendered from the drill's log alone, so it reads the same
/// whenever it is asked for.
public enum DrillReport {
  public enum Format: String, Sendable, CaseIterable { case md, txt }

  public static func render(_ log: DrillLog, format: Format, strings t: Strings) -> String {
    let calendar = LocalCalendar(utcOffsetMinutes: log.utcOffsetMinutes)
    let lang = t.language
    func clean(_ s: String) -> String {
      let c = UserText.clean(s)
      return format == .md ? c.replacingOccurrences(of: "|", with: "\\|") : c
    }
    func outcome(_ r: DrillLog.Result) -> String {
      switch r.outcome {
      case .met: t("drill.report.met")
      case .missed: r.at == nil ? t("drill.report.missed") : t("drill.report.late")
      case .notScored: t("drill.report.notScored")
      case .pending: t("drill.report.pending")
      }
    }
    var out: [String] = []
    let title = t("drill.report.title", clean(log.name.text(lang)))
    out.append(format == .md ? "# " + title : title)
    out.append("")
    out.append(
      t("drill.report.header", log.id, clean(log.scenario), String(log.speed)))
    out.append(
      t(
        "drill.report.period", calendar.format(log.startedAt),
        log.endedAt.map { calendar.format($0) } ?? t("drill.report.pending")))
    let met = log.results.filter { $0.outcome == .met }.count
    let missed = log.results.filter { $0.outcome == .missed }.count
    let other = log.results.count - met - missed
    out.append(t("drill.report.summary", String(log.results.count), String(met), String(missed), String(other)))
    if log.stopped { out.append(t("drill.report.stopped")) }
    if let before = log.stateHashBefore {
      let after = log.stateHashAfter ?? "-"
      out.append(t(before == after ? "drill.report.hashEqual" : "drill.report.hashDiffers", before, after))
    }
    out.append("")
    let heads = [
      "#", t("drill.report.col.expected"), t("drill.report.col.within"), t("drill.report.col.outcome"),
      t("drill.report.col.taken"), t("drill.report.col.by"),
    ]
    var rows: [[String]] = []
    for (i, r) in log.results.enumerated() {
      rows.append([
        String(i + 1), clean(r.expectation + (r.text.isEmpty ? "" : " " + r.text)), DrillDuration.words(r.within),
        outcome(r), r.taken.map(DrillDuration.words) ?? "-", r.by.isEmpty ? "-" : clean(r.by.joined(separator: ", ")),
      ])
    }
    section(&out, t("drill.report.expected"), heads, rows, format)
    out.append("")
    // The timeline: injects and responses in time order (injects first at the same instant).
    var events: [(Instant, Int, [String])] = []
    for l in log.landed {
      let what =
        t("drill.report.inject", clean(l.inject), clean(l.text))
        + (l.refusal.map { " " + t("drill.report.refused", clean($0)) } ?? "")
      events.append((l.at, 0, [calendar.formatTime(l.at), "+" + DrillDuration.words(l.offset), what]))
    }
    for r in log.results {
      guard let at = r.at else { continue }
      let offset = Int(at.milliseconds(since: log.startedAt) / 1000)
      events.append(
        (
          at, 1,
          [
            calendar.formatTime(at), "+" + DrillDuration.words(max(0, offset)),
            t("drill.report.response", clean(r.expectation), clean(r.by.joined(separator: ", ")), outcome(r)),
          ]
        ))
    }
    for r in log.results where r.outcome == .missed && r.at == nil {
      guard let d = r.deadline else { continue }
      let offset = Int(d.milliseconds(since: log.startedAt) / 1000)
      events.append(
        (
          d, 2,
          [
            calendar.formatTime(d), "+" + DrillDuration.words(max(0, offset)),
            t("drill.report.deadlinePassed", clean(r.expectation)),
          ]
        ))
    }
    events.sort { ($0.0, $0.1) < ($1.0, $1.1) }
    section(
      &out, t("drill.report.timeline"),
      [t("drill.report.col.time"), t("drill.report.col.offset"), t("drill.report.col.event")], events.map(\.2), format)
    return out.joined(separator: "\n") + "\n"
  }

  static func section(_ out: inout [String], _ title: String, _ heads: [String], _ rows: [[String]], _ f: Format) {
    switch f {
    case .md:
      out.append("## " + title)
      out.append("")
      out.append("| " + heads.joined(separator: " | ") + " |")
      out.append("|" + heads.map { _ in "---" }.joined(separator: "|") + "|")
      for r in rows { out.append("| " + r.joined(separator: " | ") + " |") }
    case .txt:
      out.append(title)
      var widths = heads.map { DisplayWidth.of($0) }
      for r in rows {
        for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], DisplayWidth.of(c)) }
      }
      func line(_ cells: [String]) -> String {
        var s = ""
        for (i, c) in cells.enumerated() {
          let last = i == cells.count - 1
          s += last ? c : c + String(repeating: " ", count: widths[i] - DisplayWidth.of(c) + 2)
        }
        return "  " + s
      }
      out.append(line(heads))
      for r in rows { out.append(line(r)) }
    }
  }
}
