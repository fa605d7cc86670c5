import CordonModel
import EventSourcing

/// The duty room's own work: reports up waiting for HQ first, then the duty
/// log, reports and directives with their replies, the newest first.
public struct DutyPane: ConsolePane {
  public init() {}

  /// Row ids: `up:<report>`, `lg:<entry>`, `d:<directive>`.
  enum Row {
    case report(UpReport), entry(LogEntry), directive(Directive)
    var at: Instant {
      switch self {
      case .report(let r): r.sentAt
      case .entry(let e): e.at
      case .directive(let d): d.issuedAt
      }
    }
    var id: String {
      switch self {
      case .report(let r): "up:\(r.id)"
      case .entry(let e): "lg:\(e.id)"
      case .directive(let d): "d:\(d.id)"
      }
    }
  }

  static func rows(_ state: CordonState) -> [Row] {
    let waiting = state.upReports().filter { !$0.isAcknowledged }.map(Row.report)
    let rest =
      state.reports.values.filter(\.isAcknowledged).map(Row.report) + state.dutyLog.values.map(Row.entry)
      + state.directives.values.map(Row.directive)
    return waiting + rest.sorted { ($0.at, $0.id) > ($1.at, $1.id) }
  }

  public static func table(state: CordonState, now: Instant, strings t: Strings) -> TableData {
    let lang = t.language
    let cal = state.calendar
    let today = cal.day(of: now)
    let columns = [
      TableColumn(t("duty.col.time"), min: 5, max: 11, priority: 7),
      TableColumn(t("duty.col.kind"), min: 9, max: 12, priority: 9),
      TableColumn(t("duty.col.unit"), min: 8, max: 14, priority: 6),
      TableColumn(t("duty.col.text"), min: 16, max: 90, priority: 10),
      TableColumn(t("duty.col.state"), min: 8, max: 14, priority: 8),
    ]
    // Today's time, or another day's month and day first (a narrow column keeps "02-06").
    func time(_ at: Instant) -> String { cal.day(of: at) == today ? cal.formatTime(at) : cal.formatMonthDayTime(at) }
    func line(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }
    var out: [TableRow] = []
    for row in rows(state) {
      let cells: [TableCell]
      let search: String
      switch row {
      case .report(let r):
        let style: StyleToken =
          r.isAcknowledged
          ? .normal : (r.priority == .immediate ? .critical : r.priority == .urgent ? .warning : .normal)
        var text = line(r.text)
        if let reply = r.replies.last { text += "  " + t("duty.reply", line(reply.text)) }
        cells = [
          TableCell(time(r.sentAt), .muted),
          TableCell("\(t("duty.kind.report")) \(t("priority.\(r.priority.rawValue)"))", style),
          TableCell(state.unitName(r.unit, lang)), TableCell(text, style),
          TableCell(t("stage.\(r.stage.rawValue)"), r.isAcknowledged ? .ok : style),
        ]
        search = "\(r.id) \(r.text) \(r.replies.map(\.text).joined(separator: " ")) \(state.unitName(r.unit, .zh))"
      case .entry(let e):
        let (status, style) = entryState(e, now: now, t)
        cells = [
          TableCell(time(e.at), .muted),
          TableCell(
            "\(t("duty.kind.log")) \(t("channel.\(e.channel.rawValue)"))", e.isVoid ? .muted : .normal),
          TableCell(state.unitName(e.unit, lang), e.isVoid ? .muted : .normal),
          TableCell((e.significant ? "[\(t("duty.significant"))] " : "") + line(e.text), e.isVoid ? .muted : .normal),
          TableCell(status, style),
        ]
        search = "\(e.id) \(e.text) \(e.from) \(e.action) \(state.unitName(e.unit, .zh)) \(state.unitName(e.unit, .en))"
      case .directive(let d):
        let replied = d.targets.filter { d.reply(from: $0) != nil }
        var text = line(d.text)
        if let last = replied.compactMap({ u in d.reply(from: u).map { (u, $0) } }).max(by: { $0.1.at < $1.1.at }) {
          text += "  " + t("duty.replyFrom", state.unitName(last.0, lang), line(last.1.text))
        }
        cells = [
          TableCell(time(d.issuedAt), .muted),
          TableCell("\(t("duty.kind.directive")) \(t("priority.\(d.urgency.rawValue)"))"),
          TableCell(
            d.targets.count == 1 ? state.unitName(d.targets[0], lang) : t("duty.units", String(d.targets.count))),
          TableCell(text),
          TableCell(
            t("duty.replied", String(replied.count), String(d.targets.count)),
            replied.count == d.targets.count ? .ok : .muted),
        ]
        search = "\(d.id) \(d.text) " + d.targets.map { state.unitName($0, .zh) }.joined(separator: " ")
      }
      out.append(TableRow(id: row.id, cells: cells, searchText: search))
    }
    if out.isEmpty {
      out.append(
        TableRow(
          id: "help",
          cells: [TableCell(""), TableCell(""), TableCell(""), TableCell(t("duty.empty"), .muted), TableCell("")],
          searchText: ""))
    }
    return TableData(columns: columns, rows: out)
  }

  static func entryState(_ e: LogEntry, now: Instant, _ t: Strings) -> (String, StyleToken) {
    if e.isVoid { return (t("duty.void"), .muted) }
    guard let f = e.followUp else { return (e.significant ? t("duty.significant") : "", .muted) }
    if !f.isOpen { return (t("duty.followUpDone"), .ok) }
    if f.due <= now { return ("!! " + t("duty.followUpLate"), .warning) }
    return (t("duty.followUpDue", Fmt.age(f.due.milliseconds(since: now))), .normal)
  }

  /// The most urgent report up HQ has not acknowledged, for HQ's status line
  /// (a console of HQ or of the command role); routine ones wait in the pane.
  static func waitingBanner(_ state: CordonState, unit: String?, live: Bool) -> UpReport? {
    guard live, unit == nil || unit == state.headquarters else { return nil }
    return state.upReports().first { !$0.isAcknowledged && $0.priority != .routine }
  }

  /// Reports waiting for HQ, significant entries today, follow-ups past due.
  public static func counts(_ state: CordonState, now: Instant) -> [Int] {
    let today = state.calendar.day(of: now)
    let waiting = state.reports.values.reduce(0) { $0 + ($1.isAcknowledged ? 0 : 1) }
    var significant = 0
    var late = 0
    for e in state.dutyLog.values where !e.isVoid {
      if e.significant && state.calendar.day(of: e.at) == today { significant += 1 }
      if e.hasOpenFollowUp, let due = e.followUp?.due, due <= now { late += 1 }
    }
    return [waiting, significant, late]
  }
}

extension PaneKind {
  public static let duty = PaneKind("duty")
}

extension Action {
  public static let logEntry = Action("logEntry")
  public static let reportUp = Action("reportUp")
  public static let ackReport = Action("ackReport")
  public static let replyDuty = Action("replyDuty")
  public static let closeFollowUp = Action("closeFollowUp")
  public static let voidLogEntry = Action("voidLogEntry")
}

extension DutyPane {
  public var kind: PaneKind { .duty }

  public func table(_ c: PaneContext) -> TableData { Self.table(state: c.state, now: c.now, strings: c.strings) }

  public func counts(state: CordonState, now: Instant) -> [Int] { Self.counts(state, now: now) }
  public var reads: ChangeTrail.Areas { [.duty, .organisation] }

  /// " 报2 重1 跟1": only what is not zero.
  public func badge(_ counts: [Int], _ t: Strings) -> String {
    let keys = ["duty.badge.reports", "duty.badge.significant", "duty.badge.followUps"]
    return zip(keys, counts).filter { $0.1 > 0 }.map { " \(t($0.0))\($0.1)" }.joined()
  }
  public func titleSuffix(_ counts: [Int], _ t: Strings) -> String { badge(counts, t) }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.logEntry, pane: .duty, keys: [.char("n")], changesData: true, hint: true) { m in
        m.openForm(.logEntry(unit: m.dutyUnit))
      },
      ConsoleAction(.reportUp, pane: .duty, keys: [.char("u")], changesData: true, hint: true) { m in
        let ref = m.selectedDutyRow.flatMap { $0.hasPrefix("lg:") ? String($0.dropFirst(3)) : nil }
        return m.openForm(.reportUp(unit: m.dutyUnit, ref: ref))
      },
      ConsoleAction(.ackReport, pane: .duty, keys: [.char("a")], changesData: true, hint: true) { m in
        guard let row = m.selectedDutyRow else { return m.warn("duty.noSelection") }
        if row.hasPrefix("up:") { return m.send(.acknowledgeReport(id: String(row.dropFirst(3)))) }
        if row.hasPrefix("d:") {
          guard let unit = m.info.unit else { return m.warn("duty.needsUnit") }
          return m.send(.acknowledgeDirective(id: String(row.dropFirst(2)), unit: unit))
        }
        return m.warn("duty.notReport")
      },
      ConsoleAction(.replyDuty, pane: .duty, keys: [.char("r")], changesData: true, hint: true) { m in
        guard let row = m.selectedDutyRow else { return m.warn("duty.noSelection") }
        if row.hasPrefix("up:") { return m.openForm(.replyReport(String(row.dropFirst(3)))) }
        if row.hasPrefix("d:") {
          guard let unit = m.info.unit else { return m.warn("duty.needsUnit") }
          return m.openForm(.replyDirective(String(row.dropFirst(2)), unit: unit))
        }
        return m.warn("duty.notReport")
      },
      ConsoleAction(.closeFollowUp, pane: .duty, keys: [.char("c")], changesData: true) { m in
        guard let row = m.selectedDutyRow, row.hasPrefix("lg:") else { return m.warn("duty.notLog") }
        return m.openForm(.closeFollowUp(String(row.dropFirst(3))))
      },
      ConsoleAction(.voidLogEntry, pane: .duty, keys: [.char("v")], changesData: true) { m in
        guard let row = m.selectedDutyRow, row.hasPrefix("lg:") else { return m.warn("duty.notLog") }
        return m.openForm(.voidLogEntry(String(row.dropFirst(3))))
      },
    ]
  }

  /// Everything about the row: the whole text, who, the follow-up, the thread of replies.
  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let (state, t) = (c.state, c.strings)
    let lang = t.language
    let cal = state.calendar
    func text(_ s: String) -> [String] { s.split(separator: "\n").map { "  " + $0 } }
    if rowID.hasPrefix("lg:"), let e = state.dutyLog[String(rowID.dropFirst(3))] {
      var out = ["\(e.id) · \(state.unitName(e.unit, lang)) · \(cal.format(e.at))"]
      out.append(t("duty.detail.from", t("channel.\(e.channel.rawValue)"), e.from))
      out.append(t("duty.detail.by", e.by))
      if e.significant { out.append("[\(t("duty.significant"))]") }
      out += text(e.text)
      if !e.action.isEmpty { out.append(t("duty.detail.action", e.action)) }
      if let f = e.followUp {
        out.append(t("duty.detail.followUp", cal.format(f.due), f.owner))
        if let at = f.closedAt { out.append(t("duty.detail.closed", cal.format(at), f.closedBy ?? "", f.note ?? "")) }
      }
      if let v = e.voided { out.append(t("duty.detail.void", cal.format(v.at), v.by, v.reason)) }
      return (e.id, out)
    }
    if rowID.hasPrefix("up:"), let r = state.reports[String(rowID.dropFirst(3))] {
      var out = [
        "\(r.id) · \(state.unitName(r.unit, lang)) · \(t("priority.\(r.priority.rawValue)"))",
        t("duty.detail.sent", cal.format(r.sentAt), r.sentBy),
      ]
      if let ref = r.ref { out.append(t("duty.detail.ref", ref)) }
      out += text(r.text)
      if let at = r.acknowledgedAt { out.append(t("duty.detail.acknowledged", cal.format(at), r.acknowledgedBy ?? "")) }
      for reply in r.replies {
        out.append(t("duty.detail.reply", cal.format(reply.at), reply.by))
        out += text(reply.text)
      }
      return (r.id, out)
    }
    if rowID.hasPrefix("d:"), let d = state.directives[String(rowID.dropFirst(2))] {
      var out = [t("duty.detail.directive", d.id, t("priority.\(d.urgency.rawValue)"), cal.format(d.deadline))]
      out += text(d.text)
      for u in d.targets {
        out.append(t("duty.detail.unitStage", state.unitName(u, lang), t("stage.\(d.stage(of: u).rawValue)")))
        if let reply = d.reply(from: u) {
          out.append(t("duty.detail.reply", cal.format(reply.at), reply.by))
          out += text(reply.text).map { "  " + $0 }
        }
      }
      return (d.id, out)
    }
    return (t("detail.title"), [t("duty.empty")])
  }
}

extension ConsoleModel {
  /// The selected row of the duty pane, when it is focused.
  var selectedDutyRow: String? { focus == .duty ? selectedRowID.flatMap { $0 == "help" ? nil : $0 } : nil }
  /// The unit a new entry or report is for: the operator's own, else the selected row's.
  var dutyUnit: String? {
    if let u = info.unit { return u }
    guard let row = selectedDutyRow else { return nil }
    if row.hasPrefix("lg:") { return state.dutyLog[String(row.dropFirst(3))]?.unit }
    if row.hasPrefix("up:") { return state.reports[String(row.dropFirst(3))]?.unit }
    return nil
  }
}
