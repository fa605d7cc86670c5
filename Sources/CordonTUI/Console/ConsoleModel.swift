import CordonModel
import CordonSession
import EventSourcing

/// Everything the console shows and remembers, as a value. Only
/// `ConsoleUpdate.update` changes it; `ConsoleView` draws it and changes
/// nothing. No store, no terminal, no clock: what they say arrives as messages.
public struct ConsoleModel {
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

  public struct Status: Equatable, Sendable {
    public var text: String
    public var style: StyleToken
  }

  public var strings: Strings
  public var keymap: KeyMap
  public var focus: PaneKind = Panes.kinds[0]
  public var mode: Mode = .normal
  public var status: Status?
  public var wantsQuit = false
  public var bellOnCritical = false
  public var options = PaneOptions()

  /// The source's committed state and what it says about itself, as of the last `.sourceChanged`.
  public private(set) var live: CordonState
  public private(set) var info: SourceInfo
  /// The wall clock, as of the last `.clock`.
  public private(set) var clock: Instant
  /// Set while stepping back through the day; nil is live.
  public private(set) var viewAt: Instant?
  var past: CordonState?
  /// A moment whose state is being loaded: the view stays read-only until it arrives.
  var travelTarget: Instant?

  public internal(set) var size = (width: 0, height: 0)
  var tables: [PaneKind: TableState] = [:]
  /// The pane the organisation view returns to when it is left.
  var orgReturn: PaneKind?
  /// The pane the inspections view (`:inspections`) returns to.
  var inspectionsReturn: PaneKind?
  var formToken = 0
  var knownCritical: Set<AlertKey>
  /// A critical alert arrived since the alert queue was last looked at.
  public internal(set) var newCritical = false

  /// Derived from the rest by `refresh()` at the end of every update, so the
  /// view only draws: each visible pane's rows, and the counts.
  var derived: [PaneKind: PaneTable] = [:]
  var counts: (key: DerivedKey, value: PaneCounts)?
  /// The alert queue's order and counts, moved change by change (`AlertQueue`).
  var alertQueue: AlertQueue?
  /// The checkpoint pane's order, moved change by change while the pane is on screen (`CheckpointOrder`).
  var checkpointOrder: CheckpointOrder?

  struct DerivedKey: Equatable {
    var seq: UInt64
    var lineage: UInt64
    var viewAt: Instant?
    var minute: Int64
    var language: Language
    var options: PaneOptions
    var filter: String

    /// What changed since `earlier`, when only the data did; nil when anything else did or the trail cannot say.
    func changes(since earlier: DerivedKey, in state: CordonState) -> ChangeTrail.Changes? {
      var same = earlier
      same.seq = seq
      guard same == self, earlier.seq <= seq else { return nil }
      return state.changeTrail.changes(since: earlier.seq, lineage: earlier.lineage)
    }
  }

  struct PaneTable {
    var key: DerivedKey
    var data: TableData
    var rows: TableRows
  }

  public init(state: CordonState, info: SourceInfo, clock: Instant, language: Language, keymap: KeyMap = .defaults) {
    self.strings = Strings(language)
    self.keymap = keymap
    self.live = state
    self.info = info
    self.clock = clock
    self.knownCritical = Self.criticalKeys(state)
    refresh()
  }

  // MARK: What is shown

  /// What the panes show: the live state, or the past while stepping back.
  public var state: CordonState { past ?? live }
  /// The moment shown: the past while stepping back or for `--at`, else the clock.
  public var now: Instant { viewAt ?? info.at ?? clock }
  /// What the header says about the source, with the moment shown while in the past.
  public var displayInfo: SourceInfo {
    var i = info
    if let v = viewAt { i.at = v }
    return i
  }
  /// Nothing may be changed: the write gate's one question.
  public var readOnly: Bool { WriteGate.refusal(self) != nil }

  var layout: ScreenLayout { ScreenLayout(width: size.width, height: size.height, focus: focus) }

  func context() -> PaneContext {
    PaneContext(
      state: state, now: now, strings: strings, options: options, alertQueue: alertQueue,
      checkpointOrder: checkpointOrder)
  }

  /// The focused pane's rows after its filter: what selection moves over.
  public func visibleRows(_ pane: PaneKind) -> TableRows { tableData(pane).rows }

  func tableData(_ pane: PaneKind) -> (data: TableData, rows: TableRows) {
    if let d = derived[pane], d.key == key(for: pane) { return (d.data, d.rows) }
    let data = Panes.pane(pane).table(context())
    return (data, data.filtered(tables[pane]?.filter ?? ""))
  }

  func paneCounts() -> PaneCounts {
    if let c = counts, c.key == key(for: nil) { return c.value }
    return PaneCounts(
      state: state, now: now,
      queue: alertQueue.flatMap { $0.reflects(state, now: now) ? $0 : nil }
        ?? AlertQueue(state, now: now))
  }

  func pageSize(_ pane: PaneKind) -> Int {
    guard let rect = layout.panes[pane] else { return 10 }
    return max(1, ScreenLayout.bodyRows(rect, hasFooter: tableData(pane).data.footer != nil))
  }

  var selectedRowID: String? {
    let rows = visibleRows(focus)
    guard let t = tables[focus] else { return rows.isEmpty ? nil : rows.id(at: 0) }
    return rows.indices.contains(t.selectedIndex) ? rows.id(at: t.selectedIndex) : nil
  }

  var selectedAlertKey: AlertKey? {
    guard focus == .alerts, let id = selectedRowID else { return nil }
    return AlertKey(parsing: id).flatMap { state.alerts[$0] == nil ? nil : $0 }
  }

  /// The shift on now (or next) for the selected roster row.
  var currentShiftOfSelectedRow: Shift? {
    guard focus == .roster, let id = selectedRowID else { return nil }
    let parts = id.split(separator: "/").map(String.init)
    guard parts.count == 2 else { return nil }
    let now = self.now
    let candidates = state.shifts.values.filter {
      $0.unit == parts[0] && $0.role.rawValue == parts[1] && $0.counts && $0.end > now
    }
    return candidates.min { ($0.start, $0.id) < ($1.start, $1.id) }
  }

  /// The selected row's shift whose person is signed in and not yet out.
  var signedInShiftOfSelectedRow: Shift? {
    guard focus == .roster, let id = selectedRowID else { return nil }
    let parts = id.split(separator: "/").map(String.init)
    guard parts.count == 2 else { return nil }
    return state.shifts.values.filter { $0.unit == parts[0] && $0.role.rawValue == parts[1] && $0.isSignedIn }
      .min { ($0.start, $0.id) < ($1.start, $1.id) }
  }

  // MARK: Changes the reducers share

  mutating func focus(_ pane: PaneKind) -> [ConsoleEffect] {
    focus = pane
    return []
  }

  mutating func moveSelection(by delta: Int) -> [ConsoleEffect] {
    let rows = visibleRows(focus)
    let page = pageSize(focus)
    tables[focus, default: TableState()].move(by: delta, rows: rows, visibleRows: page)
    return []
  }

  mutating func warn(_ key: String) -> [ConsoleEffect] {
    status = Status(text: strings(key), style: .warning)
    return []
  }

  /// Opens a form. Every form saves a command, so it passes the write gate first.
  mutating func openForm(_ purpose: FormPurpose) -> [ConsoleEffect] {
    guard WriteGate.allows(&self) else { return [] }
    mode = .form(FormCatalog.make(purpose, state: state, selection: selectedRowID, now: now, strings: strings))
    return []
  }

  /// Sends a command through the write gate.
  mutating func send(_ command: CordonCommand, formToken: Int? = nil) -> [ConsoleEffect] {
    WriteGate.submit(command, formToken: formToken, model: &self)
  }

  /// Steps the view an hour back or forward; stepping past now returns to live.
  mutating func travel(hours: Int) -> [ConsoleEffect] {
    let base =
      travelTarget ?? viewAt
      ?? Instant(milliseconds: clock.milliseconds / 3_600_000 * 3_600_000 + (hours < 0 ? 3_600_000 : 0))
    let target = base.adding(minutes: Int64(hours * 60))
    if target >= clock {
      goLive()
      return []
    }
    travelTarget = target
    return [.loadPast(target)]
  }

  mutating func goLive() {
    viewAt = nil
    past = nil
    travelTarget = nil
  }

  mutating func arrived(past s: CordonState?, at moment: Instant) {
    guard moment == travelTarget else { return }
    travelTarget = nil
    guard let s else {
      status = Status(text: strings("status.noTimeTravel"), style: .warning)
      return
    }
    viewAt = moment
    past = s
  }

  /// Takes the source's new state; returns whether a new critical alert appeared.
  mutating func sourceChanged(state: CordonState, info: SourceInfo) -> Bool {
    let before = live
    live = state
    self.info = info
    var fresh = false
    if state.lastSeq >= before.lastSeq,
      let changes = state.changeTrail.changes(since: before.lastSeq, lineage: before.changeTrail.lineage),
      !changes.areas.contains(.wholesale)
    {
      // Only the alerts the new records changed.
      for key in changes.alerts {
        if let a = state.alerts[key], a.severity == .critical, a.state == .open {
          fresh = fresh || knownCritical.insert(key).inserted
        } else {
          knownCritical.remove(key)
        }
      }
    } else {
      let crit = Self.criticalKeys(state)
      fresh = !crit.subtracting(knownCritical).isEmpty
      knownCritical = crit
    }
    if fresh { newCritical = true }
    return fresh
  }

  mutating func setClock(_ t: Instant) { clock = t }

  static func criticalKeys(_ s: CordonState) -> Set<AlertKey> {
    Set(s.alerts.values.filter { $0.severity == .critical && $0.state == .open }.map(\.key))
  }

  // MARK: Derived data

  func key(for pane: PaneKind?) -> DerivedKey {
    DerivedKey(
      seq: state.lastSeq, lineage: state.changeTrail.lineage, viewAt: viewAt, minute: now.milliseconds / 60_000,
      language: strings.language, options: options, filter: pane.flatMap { tables[$0]?.filter } ?? "")
  }

  /// Rebuilds what changed for the panes on screen (and the focused one),
  /// and keeps each visible table's selection and scroll within its rows.
  mutating func refresh() {
    let (state, now) = (self.state, self.now)
    if alertQueue?.reflects(state, now: now) != true {
      // In place: the tables holding the old order go first, so it is not copied.
      for pane in derived.keys where Panes.pane(pane).reads.contains(.alerts) { derived[pane] = nil }
      var queue = alertQueue
      alertQueue = nil
      if queue?.advance(to: state, now: now) != true { queue = AlertQueue(state, now: now) }
      alertQueue = queue
    }
    let layout = self.layout
    var shown = Set(layout.panes.keys)
    shown.insert(focus)
    if !shown.contains(.checkpoints) {
      checkpointOrder = nil
    } else if checkpointOrder?.reflects(state, now: now, grouped: options.groupCheckpointsByUnit) != true {
      // In place, as the alert queue: the table holding the old order goes first.
      derived[.checkpoints] = nil
      var order = checkpointOrder
      checkpointOrder = nil
      let fever = alertQueue?.feverSites ?? CheckpointOrder.feverSites(state)
      let grouped = options.groupCheckpointsByUnit
      if order?.advance(to: state, now: now, grouped: grouped, feverSites: fever) != true {
        order = CheckpointOrder(state, now: now, grouped: grouped, feverSites: fever)
      }
      checkpointOrder = order
    }
    let countsKey = key(for: nil)
    if let old = counts, old.key != countsKey {
      let changes = countsKey.changes(since: old.key, in: state)
      counts = (
        countsKey,
        PaneCounts(
          state: state, now: now, queue: alertQueue ?? AlertQueue(state, now: now), previous: old.value,
          changes: changes)
      )
    } else if counts == nil {
      counts = (countsKey, PaneCounts(state: state, now: now, queue: alertQueue ?? AlertQueue(state, now: now)))
    }
    for pane in shown {
      let k = key(for: pane)
      if let d = derived[pane], d.key != k {
        if let changes = k.changes(since: d.key, in: state), !changes.touch(Panes.pane(pane).reads) {
          // Nothing the pane reads changed: its rows stand.
          derived[pane]?.key = k
        } else {
          derived[pane] = nil
        }
      }
      if derived[pane] == nil {
        let data = Panes.pane(pane).table(context())
        derived[pane] = PaneTable(key: k, data: data, rows: data.filtered(k.filter))
      }
      guard let rect = layout.panes[pane], let d = derived[pane] else { continue }
      tables[pane, default: TableState()].reconcile(
        rows: d.rows, visibleRows: ScreenLayout.bodyRows(rect, hasFooter: d.data.footer != nil))
    }
  }
}
