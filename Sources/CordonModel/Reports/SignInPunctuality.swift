import EventSourcing

/// The daily report's sign-in punctuality (接班签到): every shift of the day
/// that counts, whether and when its person signed in, and who entered it.
extension DailyReport {
  public struct SignInLine: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
      /// Signed in no later than the grace period after the start (the same
      /// tolerance the no-sign-in alert uses).
      case onTime
      /// Signed in after the grace period; minutes counted from the start.
      case late(minutes: Int)
      /// No sign-in, and the grace period has passed.
      case missing
      /// The shift's sign-in is not due yet (today's report, a later shift).
      case notDue
    }
    public var shift: String
    public var unit: String
    public var role: DutyRole
    public var person: String
    public var start: Instant
    public var signIn: SignIn?
    public var noShow: Bool
    public var status: Status
  }

  public struct SignInCounts: Sendable, Equatable {
    public var unit: String
    public var onTime = 0
    public var late = 0
    public var missing = 0
    public var forOther = 0
    public var notDue = 0
  }

  /// The shifts starting on the report's day, by start, then unit and role.
  /// `now` is when the report is written: a later shift's sign-in is not due.
  mutating func collectSignIns(end: CordonState, now: Instant, keep: (String?) -> Bool) {
    let cal = end.calendar
    let from = cal.startOfDay(day)
    let to = cal.startOfDay(day + 1)
    let grace = Int64(end.settings.signInGraceMinutes)
    let unitOrder = Dictionary(end.unitOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let roleOrder = Dictionary(DutyRole.allCases.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    func rank(_ s: Shift) -> (Int64, Int, Int, String) {
      (s.start.milliseconds, unitOrder[s.unit] ?? Int.max, roleOrder[s.role] ?? Int.max, s.id)
    }
    signIns = end.shifts.values.filter { !$0.cancelled && $0.start >= from && $0.start < to && keep($0.unit) }
      .sorted { rank($0) < rank($1) }
      .map { s in
        let due = s.start.adding(minutes: grace)
        let status: SignInLine.Status
        if let i = s.signedIn {
          status = i.at <= due ? .onTime : .late(minutes: Int(clamping: i.at.milliseconds(since: s.start) / 60_000))
        } else {
          status = due <= now || s.noShow ? .missing : .notDue
        }
        return SignInLine(
          shift: s.id, unit: s.unit, role: s.role, person: s.person, start: s.start, signIn: s.signedIn,
          noShow: s.noShow, status: status)
      }
  }

  /// Per unit, in the organisation's order; units with no shift that day left out.
  public var signInCounts: [SignInCounts] {
    var byUnit: [String: SignInCounts] = [:]
    var order: [String] = []
    for l in signIns {
      if byUnit[l.unit] == nil { order.append(l.unit) }
      var c = byUnit[l.unit] ?? SignInCounts(unit: l.unit)
      switch l.status {
      case .onTime: c.onTime += 1
      case .late: c.late += 1
      case .missing: c.missing += 1
      case .notDue: c.notDue += 1
      }
      if l.signIn?.forOther == true { c.forOther += 1 }
      byUnit[l.unit] = c
    }
    return order.compactMap { byUnit[$0] }
  }
}

extension ReportRenderer {
  /// The sign-in section: a table per unit, then every exception by name
  /// (late by how much, not signed in, signed in for by someone else).
  static func signInSection(_ r: DailyReport, state: CordonState, strings t: Strings) -> [Line] {
    let lang = t.language
    let cal = state.calendar
    var out: [Line] = [.heading(t("report.signIns"))]
    let counts = r.signInCounts
    guard !counts.isEmpty else { return out + [.item(t("report.none"))] }
    out.append(
      .header([
        t("col.unit"), t("report.signIn.onTime"), t("report.signIn.late"), t("report.signIn.missing"),
        t("report.signIn.forOther"), t("report.signIn.notDue"),
      ]))
    for c in counts {
      out.append(
        .row(
          [state.unitName(c.unit, lang)]
            + [c.onTime, c.late, c.missing, c.forOther, c.notDue].map(String.init)))
    }
    for l in r.signIns {
      let who = t(
        "report.signIn.who", cal.formatTime(l.start), state.unitName(l.unit, lang), t("role.\(l.role.rawValue)"),
        state.personName(l.person))
      switch l.status {
      case .late(let minutes):
        out.append(.item(t("report.signIn.lateLine", who, String(minutes), cal.formatTime(l.signIn?.at ?? l.start))))
      case .missing:
        out.append(.item(t(l.noShow ? "report.signIn.noShowLine" : "report.signIn.missingLine", who)))
      case .onTime, .notDue: break
      }
      if let i = l.signIn, i.forOther {
        out.append(.item(t("report.signIn.forOtherLine", who, i.by, cal.formatTime(i.at))))
      }
    }
    return out
  }

  /// The sign-in section's CSV rows: per unit, each count.
  static func signInRows(_ r: DailyReport, state: CordonState, strings t: Strings) -> [[String]] {
    r.signInCounts.flatMap { c -> [[String]] in
      let unit = state.unitName(c.unit, t.language)
      return [
        ("report.signIn.onTime", c.onTime), ("report.signIn.late", c.late), ("report.signIn.missing", c.missing),
        ("report.signIn.forOther", c.forOther), ("report.signIn.notDue", c.notDue),
      ].map { [t("report.signIns"), unit, t($0.0), String($0.1)] }
    }
  }
}
