import CordonModel
import EventSourcing

/// One `:` command: its name and aliases, what Tab completes it to, whether
/// it changes data (then it passes the write gate before it runs), and what
/// it does with the whole line.
struct LineCommand: Sendable {
  let name: String
  var aliases: [String] = []
  var completions: [String]
  let changesData: Bool
  /// Whether words may follow the name; a command without is unknown with them.
  let takesArguments: Bool
  let run: @Sendable (inout ConsoleModel, _ words: [String], _ text: String) -> [ConsoleEffect]

  init(
    _ name: String, aliases: [String] = [], completions: [String]? = nil, changesData: Bool,
    takesArguments: Bool = false,
    _ run: @escaping @Sendable (inout ConsoleModel, _ words: [String], _ text: String) -> [ConsoleEffect]
  ) {
    self.name = name
    self.aliases = aliases
    self.completions = completions ?? [name]
    self.changesData = changesData
    self.takesArguments = takesArguments
    self.run = run
  }
}

/// The command line: the commands as data, completion from them, and what
/// their journal reads bring back.
enum LineCommands {
  static let all: [LineCommand] =
    [
      LineCommand("quit", aliases: ["q"], changesData: false) { m, _, _ in
        m.wantsQuit = true
        return [.quit]
      },
      LineCommand("help", changesData: false) { m, _, _ in
        m.mode = .help(scroll: 0)
        return []
      },
      LineCommand("lang", completions: ["lang zh", "lang en"], changesData: false, takesArguments: true) {
        m, words, _ in
        switch words.dropFirst().first {
        case "zh" where words.count == 2: m.strings = Strings(.zh)
        case "en" where words.count == 2: m.strings = Strings(.en)
        default: return usage(&m, "lang")
        }
        return []
      },
      LineCommand("round", changesData: true) { m, _, _ in
        m.focus = .checkpoints
        return m.openForm(.temperatureRound)
      },
      LineCommand("fever", changesData: true) { m, _, _ in
        m.focus = .checkpoints
        return m.openForm(.feverCase)
      },
      LineCommand("health", changesData: true) { m, _, _ in m.openForm(.healthRegister) },
      LineCommand("register", changesData: false) { m, _, _ in
        m.mode = .overlay(
          title: m.strings("view.register"),
          lines: InfoViews.register(m.state, day: m.state.calendar.day(of: m.now), strings: m.strings), scroll: 0)
        return []
      },
      LineCommand("directive", changesData: true) { m, _, _ in m.openForm(.issueDirective) },
      LineCommand("directives", changesData: false) { m, _, _ in
        m.mode = .overlay(
          title: m.strings("view.directives"), lines: InfoViews.directives(m.state, strings: m.strings), scroll: 0)
        return []
      },
      LineCommand("notify", changesData: false) { m, _, _ in
        m.mode = .overlay(
          title: m.strings("view.notify"), lines: InfoViews.notify(m.state, strings: m.strings), scroll: 0)
        return []
      },
      LineCommand("ackdir", changesData: true, takesArguments: true) { m, words, _ in
        guard words.count == 2, let unit = m.info.unit else { return m.warn("status.ackdirNeedsUnit") }
        return m.send(.acknowledgeDirective(id: words[1], unit: unit))
      },
      LineCommand("requests", changesData: false) { m, _, _ in
        m.mode = .overlay(
          title: m.strings("view.requests"), lines: InfoViews.requests(m.state, strings: m.strings), scroll: 0)
        return []
      },
      // approve ID QTY [note], reject ID note, forward ID QTY [note], received ID QTY
      request("approve") { w, q, rest in q(2).map { .approveRequest(id: w[1], quantity: $0, note: rest(3)) } },
      request("reject") { w, _, rest in w.count > 2 ? .rejectRequest(id: w[1], note: rest(2)) : nil },
      request("forward") { w, q, rest in q(2).map { .forwardRequest(id: w[1], quantity: $0, note: rest(3)) } },
      request("received") { w, q, _ in q(2).map { .receiveForRequest(id: w[1], quantity: $0) } },
      // item ID NAME UNIT-OF-MEASURE [fraction]: extends the catalogue (command role only).
      LineCommand("item", changesData: true, takesArguments: true) { m, _, text in
        let all = text.split(separator: " ").map(String.init)
        guard all.count >= 4 else { return usage(&m, "item") }
        let item = SupplyItem(
          id: all[1], name: LocalizedName(zh: all[2], en: all[2]), unitOfMeasure: LocalizedName(zh: all[3], en: all[3]),
          wholePieces: all.count < 5 || all[4] != "fraction")
        return m.send(.addItem(item))
      },
      // Today's report reads today's records only.
      LineCommand("report", changesData: false) { m, _, _ in [.loadRecords(.report, since: startOfToday(m))] },
      LineCommand("export", changesData: false) { m, _, _ in [.loadRecords(.export, since: startOfToday(m))] },
      // Words after `:audit` narrow it (actor, unit, site, anything in the
      // line). It reads the last `auditDays` days; `cordon audit --since`
      // reaches further back.
      LineCommand("audit", changesData: false, takesArguments: true) { m, _, text in
        let cal = m.state.calendar
        let since = cal.startOfDay(cal.day(of: m.now) - auditDays + 1)
        return [
          .loadRecords(.audit(filter: String(text.dropFirst(5)).trimmingCharacters(in: .whitespaces)), since: since)
        ]
      },
      // The organisation view: the command role only.
      LineCommand("org", changesData: false) { m, _, _ in m.openOrg() },
      // The emergency fund and donations: every role may look.
      LineCommand("fund", changesData: false) { m, _, _ in m.openFund() },
      // Visits and findings per unit (issue 17), and the emergency teams.
      LineCommand("inspections", changesData: false) { m, _, _ in m.openInspections() },
      LineCommand("teams", changesData: false) { m, _, _ in m.openTeams() },
      LineCommand("live", changesData: false) { m, _, _ in
        m.goLive()
        return []
      },
    ]
    // Each pane by its name and its number.
    + Panes.kinds.enumerated().map { i, kind in
      LineCommand(kind.id, aliases: [String(i + 1)], changesData: false) { m, _, _ in m.focus(kind) }
    }

  /// How many local days, today included, the console's audit trail covers.
  static let auditDays = 31
  /// The most lines the console's audit trail shows.
  static let auditCap = 2000

  private static func startOfToday(_ m: ConsoleModel) -> Instant {
    m.state.calendar.startOfDay(m.state.calendar.day(of: m.now))
  }

  /// What Tab completes to and the help lists, in order.
  static let completions = all.flatMap(\.completions)

  /// A request decision from its words; nil words mean wrong use.
  private static func request(
    _ name: String,
    _ make: @escaping @Sendable ([String], (Int) -> Quantity?, (Int) -> String) -> CordonCommand?
  ) -> LineCommand {
    LineCommand(name, changesData: true, takesArguments: true) { m, _, text in
      let words = text.split(separator: " ", maxSplits: 3).map(String.init)
      func q(_ i: Int) -> Quantity? { words.count > i ? Quantity(parsing: words[i]) : nil }
      func rest(_ i: Int) -> String { words.count > i ? words[i...].joined(separator: " ") : "" }
      guard let command = make(words, q, rest) else { return usage(&m, name) }
      return m.send(command)
    }
  }

  private static func usage(_ m: inout ConsoleModel, _ name: String) -> [ConsoleEffect] {
    m.status = .init(text: m.strings("command.usage", name), style: .inputError)
    return []
  }

  /// Completes to the longest common prefix of the matching commands.
  static func complete(_ text: String) -> (String, [String]) {
    let matches = completions.filter { $0.hasPrefix(text) }
    guard let first = matches.first else { return (text, []) }
    var prefix = first
    for m in matches.dropFirst() {
      while !m.hasPrefix(prefix) { prefix.removeLast() }
    }
    return (matches.count == 1 ? first : prefix, matches)
  }

  static func run(_ m: inout ConsoleModel, _ raw: String) -> [ConsoleEffect] {
    let text = raw.trimmingCharacters(in: .whitespaces)
    let words = text.split(separator: " ").map(String.init)
    guard let name = words.first else { return [] }
    guard let command = all.first(where: { $0.name == name || $0.aliases.contains(name) }),
      command.takesArguments || words.count == 1
    else {
      m.status = .init(text: m.strings("command.unknown", UserText.clean(text)), style: .inputError)
      return []
    }
    if command.changesData && !WriteGate.allows(&m) { return [] }
    return command.run(&m, words, text)
  }

  /// The journal arrived for a report, an export or the audit trail.
  static func recordsLoaded(
    _ m: inout ConsoleModel, _ purpose: RecordsPurpose, _ records: [EventRecord<CordonEvent>]?
  ) -> [ConsoleEffect] {
    guard let records else { return m.warn("status.noTimeTravel") }
    let state = m.state
    let t = m.strings
    let day = state.calendar.day(of: m.now)
    let now = m.now
    func report(_ format: ReportFormat) -> String {
      ReportRenderer.render(
        DailyReport(day: day, records: records, end: state, now: now), state: state, format: format, strings: t)
    }
    switch purpose {
    case .report:
      m.mode = .overlay(title: t("view.report"), lines: report(.txt).components(separatedBy: "\n"), scroll: 0)
    case .export:
      return [.writeFile(path: "cordon-report-\(state.calendar.formatDay(day)).md", text: report(.md))]
    case .audit(let filter):
      // Newest first.
      let words = filter.lowercased().split(separator: " ").map(String.init)
      // Capped: past the cap, a note on narrowing it (the CLI streams them all).
      var lines = Array(
        records.reversed().lazy.map { AuditTrail.line($0, state: state, strings: t) }
          .filter { line in words.allSatisfy { line.lowercased().contains($0) } }.prefix(auditCap + 1))
      if lines.count > auditCap {
        lines.removeLast()
        lines.append(t("view.auditCapped", String(auditCap)))
      }
      let since = state.calendar.formatDay(day - auditDays + 1)
      m.mode = .overlay(
        title: t("view.audit") + " " + t("view.auditSince", since) + (filter.isEmpty ? "" : " /" + filter),
        lines: lines, scroll: 0)
    }
    return []
  }
}
