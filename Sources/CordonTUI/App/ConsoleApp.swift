import CordonModel
import CordonSession
import CordonStore
import EventSourcing
import Foundation
import Synchronization

/// The console: UI state, key dispatch, and drawing into a `ScreenBuffer`.
/// Owned by one thread (the event loop, or a test); other threads reach it
/// only through `post`, which queues a message and wakes the loop.
public final class ConsoleApp {
  public enum Mode: Equatable {
    case normal
    case filter(LineEditor)
    case command(LineEditor)
    case help(scroll: Int)
    case detail(pane: PaneKind, rowID: String, scroll: Int)
    /// A text view opened from the command line (requests, directives, the register).
    case overlay(title: String, lines: [String], scroll: Int)
    case form(Form)
    case confirmQuit(returnTo: Form?)
    case confirmDiscard(Form)
    /// A question whose "y" sends the command (close a site, acknowledge a filtered set).
    case confirm(question: String, command: CordonCommand)
  }

  public enum Message: Sendable {
    case dataChanged
    case refused(StoreFailure, formToken: Int?)
    case saved(seq: UInt64, formToken: Int?)
  }

  public let source: ConsoleSource
  public private(set) var strings: Strings
  public let keymap: KeyMap
  public let clock: @Sendable () -> Instant
  public private(set) var focus: PaneKind = .roster
  public private(set) var mode: Mode = .normal
  public private(set) var status: (text: String, style: StyleToken)?
  public private(set) var wantsQuit = false
  public var bellOnCritical = false
  /// Set when the terminal should ring (a new critical alert, with the bell on).
  public private(set) var pendingBell = false

  private var tables: [PaneKind: TableState] = [:]
  private var cache: [PaneKind: (key: CacheKey, data: TableData, rows: [TableRow])] = [:]
  private var lastSize = (width: 0, height: 0)
  private var formToken = 0
  private var knownCritical: Set<AlertKey> = []
  private var newCritical = false
  /// The only part other threads touch.
  public let inbox: ConsoleInbox

  struct CacheKey: Equatable {
    var seq: UInt64
    var minute: Int64
    var language: Language
    var filter: String
  }

  public init(
    source: ConsoleSource, language: Language, keymap: KeyMap = .defaults,
    clock: @escaping @Sendable () -> Instant = Instant.now, wake: @escaping @Sendable () -> Void = {}
  ) {
    self.source = source
    self.strings = Strings(language)
    self.keymap = keymap
    self.clock = clock
    self.inbox = ConsoleInbox(wake: wake)
    for p in PaneKind.allCases { tables[p] = TableState() }
    knownCritical = criticalKeys(state)
    source.onChange { [inbox] in inbox.post(.dataChanged) }
  }

  /// The moment shown: the past for `--at`, else the clock.
  public var now: Instant { viewAt ?? source.info.at ?? clock() }
  public var readOnly: Bool { source.info.isReadOnly || viewAt != nil }

  /// What the panes show: the live state, or the past while stepping back.
  public var state: CordonState { past ?? source.state }
  /// Set while stepping back through the day; nil is live.
  public private(set) var viewAt: Instant?
  private var past: CordonState?

  /// What the header says about the source, with the moment shown while in the past.
  var displayInfo: SourceInfo {
    var i = source.info
    if let v = viewAt { i.at = v }
    return i
  }

  /// Steps the view an hour back or forward; stepping past now returns to live.
  func travel(hours: Int) {
    let base =
      viewAt ?? Instant(milliseconds: clock().milliseconds / 3_600_000 * 3_600_000 + (hours < 0 ? 3_600_000 : 0))
    let target = base.adding(minutes: Int64(hours * 60))
    if target >= clock() {
      goLive()
      return
    }
    guard let s = source.state(at: target) else {
      status = (strings("status.noTimeTravel"), .warning)
      return
    }
    viewAt = target
    past = s
    cache.removeAll()
    countsCache = nil
  }

  func goLive() {
    viewAt = nil
    past = nil
    cache.removeAll()
    countsCache = nil
  }

  // MARK: Messages from other threads

  public func post(_ m: Message) { inbox.post(m) }

  /// Handles queued messages; returns whether anything needs redrawing.
  @discardableResult
  public func processInbox() -> Bool {
    let messages = inbox.drain()
    for m in messages { handle(m) }
    return !messages.isEmpty
  }

  func handle(_ m: Message) {
    switch m {
    case .dataChanged:
      let crit = criticalKeys(state)
      if !crit.subtracting(knownCritical).isEmpty {
        newCritical = true
        if bellOnCritical { pendingBell = true }
      }
      knownCritical = crit
    case .saved(let seq, nil):
      status = (strings("status.saved", String(seq)), .ok)
    case .saved(let seq, let token?):
      if case .form(let f) = mode, f.submitting, token == formToken {
        mode = .normal
      }
      status = (strings("status.saved", String(seq)), .ok)
    case .refused(let failure, let token):
      let text = describe(failure)
      if let token, case .form(var f) = mode, token == formToken {
        f.submitting = false
        if case .refused(let r) = failure {
          f.show(refusal: text, field: r.commandField)
          if FormCatalog.confirmable.contains(r.code) {
            // The store asks for a confirmation: the next Enter saves with the override.
            f.error = text + " · " + strings("form.confirmOverride")
            f.override = true
          }
        } else {
          f.error = text
        }
        mode = .form(f)
      } else {
        status = (strings("status.refused", text), .inputError)
      }
    }
  }

  public func takeBell() -> Bool {
    defer { pendingBell = false }
    return pendingBell
  }

  func describe(_ f: StoreFailure) -> String { strings.failure(f) }

  private func criticalKeys(_ s: CordonState) -> Set<AlertKey> {
    Set(s.alerts.values.filter { $0.severity == .critical && $0.state == .open }.map(\.key))
  }

  // MARK: Keys

  public func handle(_ incoming: Key) {
    if incoming == .resize { return }
    // Ctrl-J is a newline only in a multi-line field; everywhere else it is Enter.
    var key = incoming
    if key == .ctrl("j") {
      if case .form(let f) = mode, f.fields.indices.contains(f.focus), f.fields[f.focus].kind == .multiline {
      } else {
        key = .enter
      }
    }
    if key != .esc { status = nil }
    switch mode {
    case .normal: handleNormal(key)
    case .filter(var editor):
      switch key {
      case .enter: mode = .normal
      case .esc:
        tables[focus]?.filter = ""
        mode = .normal
      default:
        _ = editor.handle(key)
        tables[focus]?.filter = editor.text
        mode = .filter(editor)
      }
    case .command(var editor):
      switch key {
      case .enter:
        mode = .normal
        run(command: editor.text)
      case .esc: mode = .normal
      case .tab:
        let (completed, options) = Self.complete(editor.text)
        editor.set(completed)
        mode = .command(editor)
        if options.count > 1 { status = (strings("command.completions", options.joined(separator: " ")), .muted) }
      default:
        _ = editor.handle(key)
        mode = .command(editor)
      }
    case .help(let scroll):
      mode = Self.scrolled(scroll, by: key).map { .help(scroll: $0) } ?? .normal
    case .detail(let pane, let id, let scroll):
      mode = Self.scrolled(scroll, by: key).map { .detail(pane: pane, rowID: id, scroll: $0) } ?? .normal
    case .overlay(let title, let lines, let scroll):
      mode = Self.scrolled(scroll, by: key).map { .overlay(title: title, lines: lines, scroll: $0) } ?? .normal
    case .form(var form):
      if key == .ctrl("c") {
        mode = .confirmQuit(returnTo: form)
        return
      }
      guard !form.submitting else { return }
      switch form.handle(key) {
      case .none:
        if key != .enter { form.override = false }
        mode = .form(form)
      case .cancel:
        mode = form.isDirty ? .confirmDiscard(form) : .normal
      case .submit:
        submit(form)
      }
    case .confirmQuit(let form):
      if key == .char("y") || key == .char("Y") {
        wantsQuit = true
      } else {
        mode = form.map { .form($0) } ?? .normal
      }
    case .confirmDiscard(let form):
      mode = (key == .char("y") || key == .char("Y")) ? .normal : .form(form)
    case .confirm(_, let command):
      mode = .normal
      if key == .char("y") || key == .char("Y") { send(command) }
    }
  }

  private func handleNormal(_ key: Key) {
    if key == .ctrl("c") {
      wantsQuit = true
      return
    }
    guard let action = keymap.action(for: key, on: focus) else { return }
    if action.changesData && readOnly {
      status = (strings("status.readOnly"), .warning)
      return
    }
    if let pane = action.pane, pane != focus { return }
    let rows = visibleRows(focus)
    let page = max(1, pageSize(focus))
    switch action {
    case .nextPane: focus = PaneKind(rawValue: (focus.rawValue + 1) % 4) ?? .roster
    case .prevPane: focus = PaneKind(rawValue: (focus.rawValue + 3) % 4) ?? .roster
    case .focus1: focus = .roster
    case .focus2: focus = .checkpoints
    case .focus3: focus = .stock
    case .focus4:
      focus = .alerts
      newCritical = false
    case .up: tables[focus]?.move(by: -1, rows: rows, visibleRows: page)
    case .down: tables[focus]?.move(by: 1, rows: rows, visibleRows: page)
    case .pageUp: tables[focus]?.move(by: -page, rows: rows, visibleRows: page)
    case .pageDown: tables[focus]?.move(by: page, rows: rows, visibleRows: page)
    case .home: tables[focus]?.move(by: -rows.count, rows: rows, visibleRows: page)
    case .end: tables[focus]?.move(by: rows.count, rows: rows, visibleRows: page)
    case .open:
      if let id = selectedRowID { mode = .detail(pane: focus, rowID: id, scroll: 0) }
    case .back:
      tables[focus]?.filter = ""
    case .filter: mode = .filter(LineEditor(tables[focus]?.filter ?? ""))
    case .command: mode = .command(LineEditor())
    case .help: mode = .help(scroll: 0)
    case .quit: wantsQuit = true
    case .timeBack: travel(hours: -1)
    case .timeForward: travel(hours: 1)
    case .timeLive: goLive()
    case .requestSupplies: openForm(.requestSupplies)
    case .groupByUnit:
      groupCheckpointsByUnit.toggle()
      cache[.checkpoints] = nil
    case .assignShift: openForm(.assignShift)
    case .writeHandover: openForm(.handover)
    case .swapShift, .markNoShow:
      guard let shift = currentShiftOfSelectedRow else {
        status = (strings("status.noShift"), .warning)
        return
      }
      if action == .swapShift {
        openForm(.swapShift(shift.id))
      } else {
        mode = .confirm(
          question: strings("confirm.noShow", state.personName(shift.person)),
          command: .markNoShow(shift: shift.id))
      }
    case .recordRound: openForm(.temperatureRound)
    case .recordFever: openForm(.feverCase)
    case .recordDisinfection: openForm(.disinfection)
    case .recordVentilation:
      guard let site = selectedRowID else { return }
      send(.recordVentilation(site: site))
    case .toggleSite:
      guard let id = selectedRowID, let site = state.sites[id] else { return }
      if site.isOpen {
        mode = .confirm(
          question: strings("confirm.closeSite", site.name.text(strings.language)), command: .closeSite(site: id))
      } else {
        openForm(.openSite(id))
      }
    case .issueStock: openForm(.issueStock)
    case .receiveStock: openForm(.receiveStock)
    case .transferStock: openForm(.transferStock)
    case .countStock: openForm(.countStock)
    case .acknowledge:
      guard let key = selectedAlertKey else { return }
      send(.acknowledgeAlert(key))
    case .acknowledgeFiltered:
      // Only open alerts among the rows the filter shows.
      let state = state
      let keys = visibleRows(.alerts).compactMap { AlertKey(parsing: $0.id) }.filter {
        state.alerts[$0]?.state == .open
      }
      guard !keys.isEmpty else { return }
      mode = .confirm(
        question: strings("confirm.ackFiltered", String(keys.count)),
        command: .batch(keys.map { .acknowledgeAlert($0) }))
    case .resolve:
      guard let key = selectedAlertKey else { return }
      openForm(.resolveAlert(key))
    case .silence:
      guard let key = selectedAlertKey else { return }
      openForm(.silenceAlert(key))
    case .assignAlert:
      guard let key = selectedAlertKey else { return }
      openForm(.assignAlert(key))
    }
    if focus == .alerts { newCritical = false }
  }

  private var selectedRowID: String? {
    let rows = visibleRows(focus)
    guard let t = tables[focus] else { return nil }
    return rows.indices.contains(t.selectedIndex) ? rows[t.selectedIndex].id : nil
  }

  private var selectedAlertKey: AlertKey? {
    guard focus == .alerts, let id = selectedRowID else { return nil }
    return AlertKey(parsing: id).flatMap { state.alerts[$0] == nil ? nil : $0 }
  }

  /// Keys in a scrollable view (help, details, reports): the new offset, or
  /// nil when the key closes the view.
  static func scrolled(_ scroll: Int, by key: Key) -> Int? {
    switch key {
    case .esc, .char("q"), .char("?"), .enter: nil
    case .down, .char("j"): scroll + 1
    case .up, .char("k"): max(0, scroll - 1)
    case .pageDown: scroll + 10
    case .pageUp: max(0, scroll - 10)
    default: scroll
    }
  }

  /// The shift on now (or next) for the selected roster row.
  private var currentShiftOfSelectedRow: Shift? {
    guard focus == .roster, let id = selectedRowID else { return nil }
    let parts = id.split(separator: "/").map(String.init)
    guard parts.count == 2 else { return nil }
    let now = self.now
    let candidates = state.shifts.values.filter {
      $0.unit == parts[0] && $0.role.rawValue == parts[1] && $0.counts && $0.end > now
    }
    return candidates.min { ($0.start, $0.id) < ($1.start, $1.id) }
  }

  public private(set) var groupCheckpointsByUnit = false

  private func send(_ command: CordonCommand) {
    guard !readOnly else {
      status = (strings("status.readOnly"), .warning)
      return
    }
    source.submit(command) { [inbox] r in inbox.post(Self.message(for: r, token: nil)) }
  }

  static func message(for r: Result<UInt64, StoreFailure>, token: Int?) -> Message {
    switch r {
    case .success(let seq): .saved(seq: seq, formToken: token)
    case .failure(let f): .refused(f, formToken: token)
    }
  }

  // MARK: Command line

  public static let commands = [
    "quit", "help", "lang zh", "lang en", "round", "fever", "health", "register", "directive", "directives", "ackdir",
    "requests", "approve", "reject", "forward", "received", "item", "report", "export", "audit", "live", "roster",
    "checkpoints", "stock", "alerts",
  ]

  /// Completes to the longest common prefix of the matching commands.
  static func complete(_ text: String) -> (String, [String]) {
    let matches = commands.filter { $0.hasPrefix(text) }
    guard let first = matches.first else { return (text, []) }
    var prefix = first
    for m in matches.dropFirst() {
      while !m.hasPrefix(prefix) { prefix.removeLast() }
    }
    return (matches.count == 1 ? first : prefix, matches)
  }

  func run(command raw: String) {
    let text = raw.trimmingCharacters(in: .whitespaces)
    switch text {
    case "": return
    case "q", "quit": wantsQuit = true
    case "help": mode = .help(scroll: 0)
    case "lang zh": strings = Strings(.zh)
    case "lang en": strings = Strings(.en)
    case "roster", "1": focus = .roster
    case "checkpoints", "2": focus = .checkpoints
    case "stock", "3": focus = .stock
    case "alerts", "4": focus = .alerts
    case "round", "fever", "directive":
      guard !readOnly else {
        status = (strings("status.readOnly"), .warning)
        return
      }
      if text != "directive" { focus = .checkpoints }
      openForm(text == "round" ? .temperatureRound : text == "fever" ? .feverCase : .issueDirective)
    case "register":
      mode = .overlay(
        title: strings("view.register"),
        lines: InfoViews.register(state, day: state.calendar.day(of: now), strings: strings), scroll: 0)
    case "directives":
      mode = .overlay(
        title: strings("view.directives"), lines: InfoViews.directives(state, strings: strings), scroll: 0)
    case "requests":
      mode = .overlay(title: strings("view.requests"), lines: InfoViews.requests(state, strings: strings), scroll: 0)
    case "health": openForm(.healthRegister)
    case "report":
      guard let text = reportText(format: .txt) else { return }
      mode = .overlay(title: strings("view.report"), lines: text.components(separatedBy: "\n"), scroll: 0)
    case "export":
      guard let text = reportText(format: .md) else { return }
      let path = "cordon-report-\(state.calendar.formatDay(state.calendar.day(of: now))).md"
      do {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let full = FileManager.default.currentDirectoryPath + "/" + path
        status = (strings("status.exported", full), .ok)
      } catch {
        status = (strings("status.exportFailed", error.localizedDescription), .inputError)
      }
    case "live": goLive()
    default:
      if text == "audit" || text.hasPrefix("audit ") {
        showAudit(filter: String(text.dropFirst(5)).trimmingCharacters(in: .whitespaces))
      } else {
        runWithArguments(text)
      }
    }
  }

  /// The day's report for the moment shown, from the journal.
  private func reportText(format: ReportFormat) -> String? {
    guard let records = source.records(from: 1) else {
      status = (strings("status.noTimeTravel"), .warning)
      return nil
    }
    let report = DailyReport(day: state.calendar.day(of: now), records: records, end: state)
    return ReportRenderer.render(report, state: state, format: format, strings: strings)
  }

  /// Newest first; words after `:audit` narrow it (actor, unit, site, anything in the line).
  private func showAudit(filter: String) {
    guard let records = source.records(from: 1) else {
      status = (strings("status.noTimeTravel"), .warning)
      return
    }
    let words = filter.lowercased().split(separator: " ").map(String.init)
    let lines = records.reversed().lazy.map { AuditTrail.line($0, state: self.state, strings: self.strings) }
      .filter { line in words.allSatisfy { line.lowercased().contains($0) } }.prefix(2000)
    mode = .overlay(
      title: strings("view.audit") + (filter.isEmpty ? "" : " /" + filter), lines: Array(lines), scroll: 0)
  }

  /// `approve ID QTY [note]`, `reject ID note`, `forward ID QTY [note]`, `received ID QTY`, `ackdir ID`.
  private func runWithArguments(_ text: String) {
    let words = text.split(separator: " ", maxSplits: 3).map(String.init)
    func q(_ i: Int) -> Quantity? { words.count > i ? Quantity(parsing: words[i]) : nil }
    func rest(_ i: Int) -> String { words.count > i ? words[i...].joined(separator: " ") : "" }
    let command: CordonCommand?
    switch words.first {
    case "approve": command = q(2).map { .approveRequest(id: words[1], quantity: $0, note: rest(3)) }
    case "forward": command = q(2).map { .forwardRequest(id: words[1], quantity: $0, note: rest(3)) }
    case "received": command = q(2).map { .receiveForRequest(id: words[1], quantity: $0) }
    case "reject": command = words.count > 2 ? .rejectRequest(id: words[1], note: rest(2)) : nil
    case "item":
      // item ID NAME UNIT-OF-MEASURE [fraction]: extends the catalogue (command role only).
      let all = text.split(separator: " ").map(String.init)
      command =
        all.count >= 4
        ? .register([
          .itemRegistered(
            SupplyItem(
              id: all[1], name: LocalizedName(zh: all[2], en: all[2]),
              unitOfMeasure: LocalizedName(zh: all[3], en: all[3]),
              wholePieces: all.count < 5 || all[4] != "fraction"))
        ]) : nil
    case "ackdir":
      guard words.count == 2, let unit = source.info.unit else {
        status = (strings("status.ackdirNeedsUnit"), .warning)
        return
      }
      command = .acknowledgeDirective(id: words[1], unit: unit)
    default:
      status = (strings("command.unknown", UserText.clean(text)), .inputError)
      return
    }
    guard let command else {
      status = (strings("command.usage", words.first ?? ""), .inputError)
      return
    }
    send(command)
  }

  // MARK: Forms

  func openForm(_ purpose: FormPurpose) {
    let selection: String? = selectedRowID
    mode = .form(FormCatalog.make(purpose, state: state, selection: selection, now: now, strings: strings))
  }

  private func submit(_ form: Form) {
    var f = form
    let override = f.override
    f.clearErrors()
    f.override = override
    let command: CordonCommand
    do {
      command = try FormCatalog.command(f, state: state, now: now, strings: strings)
    } catch {
      f.show(refusal: error.message, field: error.field)
      mode = .form(f)
      return
    }
    formToken += 1
    let token = formToken
    f.submitting = true
    mode = .form(f)
    source.submit(command) { [inbox] r in inbox.post(Self.message(for: r, token: token)) }
  }

  // MARK: Data for panes

  /// The focused pane's rows after its filter: what selection moves over.
  public func visibleRows(_ pane: PaneKind) -> [TableRow] { tableData(pane).rows }

  private func pageSize(_ pane: PaneKind) -> Int {
    let layout = ScreenLayout(width: lastSize.width, height: lastSize.height, focus: focus)
    guard let rect = layout.panes[pane] else { return 10 }
    return ScreenLayout.bodyRows(rect, hasFooter: tableData(pane).data.footer != nil)
  }

  /// The header's and tabs' counts, once per data change and minute.
  func paneCounts() -> PaneCounts {
    let state = state
    let now = self.now
    let key = CacheKey(seq: state.lastSeq, minute: now.milliseconds / 60_000, language: strings.language, filter: "")
    if let c = countsCache, c.key == key { return c.counts }
    let counts = PaneCounts(state: state, now: now)
    countsCache = (key, counts)
    return counts
  }
  private var countsCache: (key: CacheKey, counts: PaneCounts)?

  /// Tables are rebuilt only when the data, the minute, the language or the
  /// filter changed: a frame only draws the visible rows of what is cached.
  func tableData(_ pane: PaneKind) -> (data: TableData, rows: [TableRow]) {
    let state = state
    let now = self.now
    let key = CacheKey(
      seq: state.lastSeq, minute: now.milliseconds / 60_000, language: strings.language,
      filter: tables[pane]?.filter ?? "")
    if let c = cache[pane], c.key == key { return (c.data, c.rows) }
    let data: TableData =
      switch pane {
      case .roster: RosterPane.table(state: state, now: now, strings: strings)
      case .checkpoints:
        CheckpointPane.table(state: state, now: now, strings: strings, groupByUnit: groupCheckpointsByUnit)
      case .stock: StockPane.table(state: state, now: now, strings: strings)
      case .alerts: AlertPane.table(state: state, now: now, strings: strings)
      }
    let rows = data.filtered(key.filter)
    cache[pane] = (key, data, rows)
    return (data, rows)
  }

  // MARK: Drawing

  /// Draws the whole screen. Returns where the cursor belongs, if anywhere.
  @discardableResult
  public func render(into buffer: inout ScreenBuffer) -> (x: Int, y: Int)? {
    lastSize = (buffer.width, buffer.height)
    buffer.clear()
    let layout = ScreenLayout(width: buffer.width, height: buffer.height, focus: focus)
    if layout.mode == .tooSmall {
      let msg = strings("size.tooSmall", String(buffer.width), String(buffer.height))
      var y = 0
      var rest = Array(msg)
      while !rest.isEmpty && y < buffer.height {
        var line = ""
        while let c = rest.first, DisplayWidth.of(line) + DisplayWidth.of(c) <= buffer.width {
          line.append(c)
          rest.removeFirst()
        }
        if line.isEmpty { break }
        buffer.put(line, x: 0, y: y, style: .warning)
        y += 1
      }
      return nil
    }
    let state = state
    let info = displayInfo
    let now = self.now
    let counts = paneCounts()
    HeaderView.draw(
      state: state, info: info, now: now, counts: counts, strings: strings, newCritical: newCritical,
      in: layout.header, buffer: &buffer)
    if let tabs = layout.tabs {
      HeaderView.drawTabs(
        state: state, now: now, counts: counts, focus: focus, strings: strings, in: tabs, buffer: &buffer)
    }
    for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
      drawPane(pane, in: rect, buffer: &buffer)
    }
    HeaderView.drawHints(
      keymap: keymap, pane: focus, readOnly: readOnly, strings: strings, in: layout.hints, buffer: &buffer)
    var cursor: (x: Int, y: Int)? = nil
    switch mode {
    case .filter(let e): cursor = drawPrompt(strings("filter.prompt"), e, layout.prompt, &buffer)
    case .command(let e): cursor = drawPrompt(strings("command.prompt"), e, layout.prompt, &buffer)
    case .confirmQuit: buffer.put(strings("quit.confirm"), x: 0, y: layout.prompt.y, style: .warning)
    case .confirmDiscard: buffer.put(strings("form.discard"), x: 0, y: layout.prompt.y, style: .warning)
    case .confirm(let question, _): buffer.put(question + " (y/n)", x: 0, y: layout.prompt.y, style: .warning)
    default:
      if let s = status {
        buffer.put(s.text, x: 0, y: layout.prompt.y, style: s.style)
      } else if let unit = info.unit, viewAt == nil,
        let d = state.directives.values.filter({ $0.targets.contains(unit) && !$0.isAcknowledged(by: unit) })
          .min(by: { $0.deadline < $1.deadline })
      {
        // A directive stays on its target's console until that unit acknowledges it.
        buffer.put(
          strings(
            "directive.banner", d.id, d.text.replacingOccurrences(of: "\n", with: " "),
            state.calendar.format(d.deadline)),
          x: 0, y: layout.prompt.y, style: .badge)
      } else if let w = info.warnings.first {
        buffer.put(strings("header.recovered", w), x: 0, y: layout.prompt.y, style: .warning)
      } else if let r = info.readOnlyReason, info.at == nil {
        buffer.put(strings("header.storeError", r), x: 0, y: layout.prompt.y, style: .critical)
      }
    }
    let body = Rect(x: 0, y: 1, width: buffer.width, height: buffer.height - 3)
    switch mode {
    case .help(let scroll):
      OverlayView.drawHelp(
        keymap: keymap, pane: focus, readOnly: readOnly, strings: strings, scroll: scroll, in: body, buffer: &buffer)
    case .detail(let pane, let id, let scroll):
      let (title, lines) = DetailView.lines(pane: pane, rowID: id, state: state, now: now, strings: strings)
      OverlayView.drawText(
        title: title, lines: lines, footer: strings("help.close"), scroll: scroll, in: body, buffer: &buffer)
    case .overlay(let title, let lines, let scroll):
      OverlayView.drawText(
        title: title, lines: lines, footer: strings("help.close"), scroll: scroll, in: body, buffer: &buffer)
    case .form(let f), .confirmQuit(let f?), .confirmDiscard(let f):
      cursor = OverlayView.drawForm(f, strings: strings, in: body, buffer: &buffer)
    default: break
    }
    return cursor
  }

  private func drawPrompt(_ label: String, _ e: LineEditor, _ rect: Rect, _ buffer: inout ScreenBuffer) -> (
    x: Int, y: Int
  ) {
    let used = buffer.put(label, x: rect.x, y: rect.y, style: .title)
    let width = rect.width - used
    let (text, cx) = e.visible(width: width)
    buffer.fill(Rect(x: rect.x + used, y: rect.y, width: width, height: 1), style: .input)
    buffer.put(text, x: rect.x + used, y: rect.y, maxWidth: width, style: .input)
    return (rect.x + used + cx, rect.y)
  }

  private func drawPane(_ pane: PaneKind, in rect: Rect, buffer: inout ScreenBuffer) {
    let (data, rows) = tableData(pane)
    let focused = pane == focus
    var title = "\(pane.rawValue + 1) \(strings(pane.titleKey))"
    if pane == .alerts {
      let c = paneCounts().bySeverity
      title +=
        " \(strings("severity.short.critical"))\(c[.critical] ?? 0) \(strings("severity.short.warning"))\(c[.warning] ?? 0)"
    }
    let filter = tables[pane]?.filter ?? ""
    if !filter.isEmpty { title += " /\(filter) (\(rows.count)/\(data.rows.count))" }
    BoxView.draw(title: title, focused: focused, in: rect, buffer: &buffer)
    let inner = rect.inset(1)
    var t = tables[pane] ?? TableState()
    t.reconcile(rows: rows, visibleRows: ScreenLayout.bodyRows(rect, hasFooter: data.footer != nil))
    tables[pane] = t
    TableView.draw(data, rows: rows, state: t, focused: focused, in: inner, buffer: &buffer)
  }
}

/// Messages from other threads (store notifications, command results) wait
/// here until the console's own thread takes them.
public final class ConsoleInbox: Sendable {
  private let messages = Mutex<[ConsoleApp.Message]>([])
  private let wake: @Sendable () -> Void
  init(wake: @escaping @Sendable () -> Void) { self.wake = wake }

  public func post(_ m: ConsoleApp.Message) {
    messages.withLock { $0.append(m) }
    wake()
  }

  func drain() -> [ConsoleApp.Message] {
    messages.withLock { box in
      defer { box.removeAll() }
      return box
    }
  }
}
