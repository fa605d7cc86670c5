import CordonModel
import CordonSession
import EventSourcing
import XCTest

@testable import CordonTUI

/// The virtualised table at its edges: rows made on demand, filtered and
/// sorted on data, the selection kept as rows come and go, and the alert
/// queue moved change by change equal to the queue sorted whole.
final class VirtualTableTests: XCTestCase {
  /// `n` rows made on demand, counting how many were formatted.
  final class Made: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func note() { lock.withLock { count += 1 } }
    var formatted: Int { lock.withLock { count } }
  }

  static func rows(_ names: [String], made: Made = Made()) -> TableRows {
    TableRows(
      Array(names.enumerated()), id: { "r\($0.offset)" },
      row: { r in
        made.note()
        return TableRow(id: "r\(r.offset)", cells: [TableCell(r.element)], searchText: "")
      }, search: { [$0.element, "#\($0.offset)"] })
  }

  func testAnEmptyTableHasNoSelectionAndMovingDoesNothing() {
    let rows = Self.rows([])
    var t = TableState()
    t.reconcile(rows: rows, visibleRows: 10)
    XCTAssertNil(t.selectedID)
    XCTAssertEqual([t.selectedIndex, t.scroll], [0, 0])
    t.move(by: 5, rows: rows, visibleRows: 10)
    t.move(by: -5, rows: rows, visibleRows: 10)
    XCTAssertNil(t.selectedID)
    XCTAssertEqual([t.selectedIndex, t.scroll], [0, 0])
    XCTAssertTrue(rows.filtered("x").isEmpty)
    XCTAssertNil(rows.index(ofID: "r0"))
  }

  func testOneRowStaysSelectedWhateverTheMove() {
    let rows = Self.rows(["甲"])
    var t = TableState()
    t.reconcile(rows: rows, visibleRows: 1)
    XCTAssertEqual(t.selectedID, "r0")
    for delta in [1, -1, Int.max, Int.min, 40] {
      t.move(by: delta, rows: rows, visibleRows: 1)
      XCTAssertEqual(t.selectedID, "r0", "by \(delta)")
      XCTAssertEqual([t.selectedIndex, t.scroll], [0, 0])
    }
  }

  func testASelectionPastTheEndAfterRowsVanishLandsOnTheLastRow() {
    var t = TableState()
    let ten = Self.rows((0..<10).map { "行\($0)" })
    t.reconcile(rows: ten, visibleRows: 4)
    t.move(by: 9, rows: ten, visibleRows: 4)
    XCTAssertEqual(t.selectedID, "r9")
    XCTAssertEqual(t.scroll, 6)
    // Seven rows go, the selected one with them.
    let three = Self.rows(["行0", "行1", "行2"])
    t.reconcile(rows: three, visibleRows: 4)
    XCTAssertEqual(t.selectedIndex, 2)
    XCTAssertEqual(t.selectedID, "r2")
    XCTAssertEqual(t.scroll, 0, "the scroll comes back within the rows")
    // All go.
    t.reconcile(rows: Self.rows([]), visibleRows: 4)
    XCTAssertNil(t.selectedID)
    XCTAssertEqual([t.selectedIndex, t.scroll], [0, 0])
  }

  func testOnlyTheRowsDrawnAreFormatted() {
    let made = Made()
    let rows = Self.rows((0..<10_000).map { "行\($0)" }, made: made)
    var t = TableState()
    t.reconcile(rows: rows, visibleRows: 20)
    t.move(by: 5_000, rows: rows, visibleRows: 20)
    XCTAssertEqual(made.formatted, 0, "selection and scroll read ids only")
    var buffer = ScreenBuffer(width: 40, height: 22)
    let data = TableData(columns: [TableColumn("名", min: 10, max: 30)], rows: rows)
    TableView.draw(
      data, rows: rows, state: t, focused: true, in: Rect(x: 0, y: 0, width: 40, height: 22), buffer: &buffer)
    XCTAssertEqual(made.formatted, 21, "the 21 body rows")
    XCTAssertTrue(buffer.line(1 + t.selectedIndex - t.scroll).hasPrefix("行5000"))
  }

  func testTheFilterMatchesEachWordWithinOneFieldAndFindsRowsById() {
    let rows = Self.rows(["东风检查站", "热力集团", "东风热力"])
    XCTAssertEqual(rows.filtered("东风").ids, ["r0", "r2"])
    XCTAssertEqual(rows.filtered("东风 热力").ids, ["r2"], "every word")
    XCTAssertEqual(rows.filtered("#1").ids, ["r1"], "any field")
    XCTAssertEqual(rows.filtered("  ").ids, ["r0", "r1", "r2"], "no words: every row")
    XCTAssertEqual(rows.filtered("风热").ids, ["r2"])
    XCTAssertEqual(rows.filtered("力#").ids, [], "a word does not span two fields")
    let hot = rows.filtered("热力")
    XCTAssertEqual(hot.index(ofID: "r2"), 1)
    XCTAssertNil(hot.index(ofID: "r0"), "filtered out")
    XCTAssertEqual(hot.row(withID: "r1")?.cells.first?.text, "热力集团")
  }

  func testADoubleWidthCellCutAtTheEdgeLeavesNoHalfCharacter() {
    let rows = TableRows([
      TableRow(id: "a", cells: [TableCell("发热发热发热"), TableCell("x")], searchText: "")
    ])
    let data = TableData(
      columns: [TableColumn("告警", min: 5, max: 5), TableColumn("数", min: 3, max: 3, right: true)], rows: rows)
    // 5: the first column alone, 5 wide; 7: still alone (the second needs 9), 7 wide; 9: both.
    for (width, shown) in [(5, "发热 "), (7, "发热发 "), (9, "发热    x")] {
      var buffer = ScreenBuffer(width: 12, height: 2)
      TableView.draw(
        data, rows: rows, state: TableState(), focused: false, in: Rect(x: 0, y: 0, width: width, height: 2),
        buffer: &buffer)
      XCTAssertTrue(buffer.isConsistent, "width \(width)")
      let line = buffer.line(1)
      XCTAssertTrue(line.hasPrefix(shown), "a 发 that does not fit whole is left out, width \(width): \(line)")
      XCTAssertEqual(DisplayWidth.of(line), 12)
    }
  }

  // MARK: The alert queue

  static let t0 = CordonState().calendar.parse("2020-02-07 08:00") ?? Instant(milliseconds: 0)

  static func apply(_ s: inout CordonState, _ e: CordonEvent, at t: Instant) {
    s.apply(EventRecord(seq: s.lastSeq + 1, time: t, actor: "t", unit: nil, commandID: nil, event: e))
  }

  static func raise(_ s: inout CordonState, _ i: Int, severity: Severity, at t: Instant) {
    let sites = ["jy-dongfeng", "heating", "north"]
    apply(
      &s,
      .alertRaised(
        AlertRaise(
          key: AlertKey(rule: i % 4 == 0 ? .roundOverdue : .fever, subject: "\(sites[i % 3])/p\(i)"),
          severity: severity, unit: "u\(i % 2)", site: sites[i % 3], args: ["人\(i)", sites[i % 3], "38.\(i % 10)"],
          occurrence: t, autoResolves: false)), at: t)
  }

  /// Random raises, acknowledgements, silences, resolutions and escalations,
  /// the queue moved after each batch: always the queue sorted whole.
  func testTheQueueMovedChangeByChangeEqualsTheQueueSortedWhole() {
    var rng = SplitMix(seed: 19)
    var s = CordonState()
    let now = Self.t0.adding(minutes: 30)
    for i in 0..<40 {
      Self.raise(&s, i, severity: i % 3 == 0 ? .critical : .warning, at: Self.t0.adding(seconds: Int64(i)))
    }
    var queue = AlertQueue(s, now: now)
    var next = 40
    for step in 0..<300 {
      for _ in 0..<(1 + Int(rng.next() % 3)) {
        let keys = s.alerts.keys.sorted()
        let key = keys[Int(rng.next() % UInt64(keys.count))]
        let at = Self.t0.adding(seconds: Int64(100 + step))
        switch rng.next() % 6 {
        case 0:
          Self.raise(&s, next, severity: rng.next() % 2 == 0 ? .critical : .info, at: at)
          next += 1
        case 1: Self.apply(&s, .alertAcknowledged(key: key), at: at)
        case 2: Self.apply(&s, .alertResolved(key: key, note: "n"), at: at)
        case 3:
          // Silenced past `now`, or already over.
          let until = rng.next() % 2 == 0 ? now.adding(minutes: 5) : now.adding(minutes: -5)
          Self.apply(&s, .alertSilenced(key: key, until: until, reason: "r"), at: at)
        case 4: Self.apply(&s, .alertSeverityChanged(key: key, severity: .critical, args: ["x"]), at: at)
        default: Self.apply(&s, .alertReopened(key: key, occurrence: at, args: ["y"]), at: at)
        }
      }
      XCTAssertTrue(queue.advance(to: s, now: now), "step \(step)")
      let whole = AlertQueue(s, now: now)
      XCTAssertEqual(queue.order.map(\.key), whole.order.map(\.key), "step \(step)")
      XCTAssertEqual(queue.active, whole.active, "step \(step)")
      XCTAssertEqual(queue.feverSites, whole.feverSites, "step \(step)")
      XCTAssertEqual(queue.activeByRule, whole.activeByRule, "step \(step)")
      XCTAssertTrue(queue.reflects(s, now: now))
    }
  }

  func testTheQueueIsBuiltWholeForAStateItCannotFollow() {
    var s = CordonState()
    Self.raise(&s, 1, severity: .critical, at: Self.t0)
    var queue = AlertQueue(s, now: Self.t0)
    XCTAssertFalse(queue.advance(to: s, now: Self.t0.adding(minutes: 1)), "another minute: silences may have ended")
    // A decoded state (a snapshot, a server's) starts a trail of its own.
    let decoded = try? JSONDecoder().decode(CordonState.self, from: JSONEncoder().encode(s))
    XCTAssertNotNil(decoded)
    if let decoded { XCTAssertFalse(queue.advance(to: decoded, now: Self.t0), "another lineage") }
    // Further than the trail reaches.
    var far = s
    for i in 0..<(ChangeTrail.capacity + 10) { Self.apply(&far, .siteClosed(site: "s\(i)"), at: Self.t0) }
    XCTAssertFalse(queue.advance(to: far, now: Self.t0))
    // Retention drops alerts wholesale.
    var pruned = s
    Self.apply(&pruned, .retentionApplied(day: s.calendar.day(of: Self.t0) + 30), at: Self.t0)
    XCTAssertFalse(queue.advance(to: pruned, now: Self.t0))
    XCTAssertEqual(
      queue.order.map(\.key), AlertQueue(s, now: Self.t0).order.map(\.key), "unchanged when it cannot follow")
  }

  /// The console's alert rows after live changes are the rows sorted whole,
  /// and the selection follows its alert as rows are inserted before it.
  func testTheConsolesAlertRowsFollowLiveChanges() throws {
    var s = CordonState()
    for i in 0..<30 { Self.raise(&s, i, severity: .warning, at: Self.t0.adding(seconds: Int64(i))) }
    let now = Self.t0.adding(minutes: 10)
    var m = ConsoleModel(state: s, info: ConsoleUpdateTests.info, clock: now, language: .zh)
    _ = ConsoleUpdate.update(&m, .resized(width: 80, height: 24))
    ConsoleUpdateTests.keys(&m, .char("4"), .down, .down, .down)
    let selected = try XCTUnwrap(m.selectedRowID)
    for i in 30..<35 {
      // Critical alerts go above the selection.
      Self.raise(&s, i, severity: .critical, at: Self.t0.adding(seconds: Int64(i)))
      _ = ConsoleUpdate.update(&m, .sourceChanged(state: s, info: ConsoleUpdateTests.info))
      XCTAssertEqual(m.visibleRows(.alerts).ids, AlertQueue(s, now: now).order.map(\.key.description))
      XCTAssertEqual(m.selectedRowID, selected, "the selection follows its alert")
    }
    XCTAssertEqual(m.tables[.alerts]?.selectedIndex, 8)
    XCTAssertTrue(m.newCritical, "a new critical alert was noticed")
  }
}

// MARK: The checkpoint order

extension VirtualTableTests {
  /// The demo organisation at `t0`, with a few alerts open at its sites.
  static func demoState() -> CordonState {
    var s = CordonState()
    for e in DemoOrganisation.registration() { apply(&s, e, at: t0) }
    return s
  }

  /// One random change at the demo sites: fever and other alerts raised,
  /// acknowledged, resolved, reopened, silenced, or a round, a closing or
  /// a disinfection.
  static func randomChange(_ s: inout CordonState, _ rng: inout SplitMix, step: Int, now: Instant) {
    let sites = s.siteOrder
    let site = sites[Int(rng.next() % UInt64(sites.count))]
    let at = t0.adding(seconds: Int64(60 + step))
    let keys = s.alerts.keys.sorted()
    let key = keys.isEmpty ? nil : keys[Int(rng.next() % UInt64(keys.count))]
    switch (rng.next() % 10, key) {
    case (0...2, _), (_, nil):
      let rule: RuleID = rng.next() % 3 == 0 ? .roundOverdue : .fever
      apply(
        &s,
        .alertRaised(
          AlertRaise(
            key: AlertKey(rule: rule, subject: "\(site)/p\(step)"), severity: .critical,
            unit: s.sites[site]?.unit ?? "",
            site: site, args: ["人\(step)", site, "38.5"], occurrence: at, autoResolves: false)), at: at)
    case (3, let key?): apply(&s, .alertAcknowledged(key: key), at: at)
    case (4...5, let key?): apply(&s, .alertResolved(key: key, note: "n"), at: at)
    case (6, let key?): apply(&s, .alertReopened(key: key, occurrence: at, args: ["y"]), at: at)
    case (7, let key?): apply(&s, .alertSilenced(key: key, until: now.adding(minutes: 5), reason: "r"), at: at)
    case (8, _):
      let round = TemperatureRound(at: at, checked: 10, fevers: Int(rng.next() % 2), casesToEnter: 0, by: "t")
      apply(&s, .roundRecorded(site: site, round: round), at: at)
    default:
      if rng.next() % 2 == 0 {
        apply(&s, .siteClosed(site: site), at: at)
      } else {
        apply(
          &s, .disinfectionRecorded(site: site, disinfection: Disinfection(at: at, area: "a", agent: "b", by: "t")),
          at: at)
      }
    }
  }

  /// Random alert changes at the sites, rounds, disinfections and closings:
  /// the order moved after each batch is always the order built whole,
  /// grouped by unit or not.
  func testTheCheckpointOrderMovedChangeByChangeEqualsTheOrderBuiltWhole() {
    var rng = SplitMix(seed: 23)
    var s = Self.demoState()
    let now = Self.t0.adding(minutes: 30)
    var orders = [false, true].map {
      CheckpointOrder(s, now: now, grouped: $0, feverSites: AlertQueue(s, now: now).feverSites)
    }
    var moved = 0
    for step in 0..<400 {
      for _ in 0..<(1 + Int(rng.next() % 3)) { Self.randomChange(&s, &rng, step: step, now: now) }
      let fever = AlertQueue(s, now: now).feverSites
      for i in orders.indices {
        let grouped = orders[i].grouped
        if orders[i].advance(to: s, now: now, grouped: grouped, feverSites: fever) {
          moved += 1
        } else {
          orders[i] = CheckpointOrder(s, now: now, grouped: grouped, feverSites: fever)
        }
        let whole = CheckpointOrder(s, now: now, grouped: grouped, feverSites: fever)
        XCTAssertEqual(orders[i].order.map(\.site), whole.order.map(\.site), "step \(step), grouped \(grouped)")
        XCTAssertEqual(orders[i].places, whole.places, "step \(step), grouped \(grouped)")
        XCTAssertTrue(orders[i].reflects(s, now: now, grouped: grouped))
        for id in s.siteOrder.prefix(5) {
          XCTAssertEqual(
            orders[i].position(ofSite: id).map { orders[i].order[$0].site }, whole.places[id].map { _ in id })
        }
      }
    }
    XCTAssertEqual(moved, 800, "alerts, rounds, disinfections and closings are followed, not rebuilt")
    var stale = orders[0]
    XCTAssertFalse(stale.advance(to: s, now: now.adding(minutes: 1), grouped: false, feverSites: [:]), "another minute")
    XCTAssertFalse(stale.advance(to: s, now: now, grouped: true, feverSites: [:]), "grouped the other way")
    // A new site: the organisation changed, the order is built whole.
    var spec = DemoOrganisation.sites()[0]
    spec.id = "new-site"
    Self.apply(&s, .siteRegistered(spec), at: now)
    XCTAssertFalse(stale.advance(to: s, now: now, grouped: false, feverSites: [:]))
    XCTAssertTrue(
      CheckpointOrder(s, now: now, grouped: false, feverSites: [:]).order.contains { $0.site == "new-site" })
  }

  /// The console at 200x50 taking random live changes: every pane on screen
  /// shows the rows a console opened on the same state shows, row for row
  /// and cell for cell, and the screen drawn (from the top) equals that console's.
  func testEveryPaneOnScreenAfterLiveChangesEqualsAPaneBuiltWhole() {
    var rng = SplitMix(seed: 29)
    var s = Self.demoState()
    let now = Self.t0.adding(minutes: 30)
    let info = ConsoleUpdateTests.info
    for grouped in [false, true] {
      var m = ConsoleModel(state: s, info: info, clock: now, language: .zh)
      m.options.groupCheckpointsByUnit = grouped
      _ = ConsoleUpdate.update(&m, .resized(width: 200, height: 50))
      for step in 0..<150 {
        Self.randomChange(&s, &rng, step: step, now: now)
        _ = ConsoleUpdate.update(&m, .sourceChanged(state: s, info: info))
        var whole = ConsoleModel(state: s, info: info, clock: now, language: .zh)
        whole.options.groupCheckpointsByUnit = grouped
        _ = ConsoleUpdate.update(&whole, .resized(width: 200, height: 50))
        for pane in m.layout.panes.keys {
          XCTAssertEqual(Array(m.visibleRows(pane)), Array(whole.visibleRows(pane)), "step \(step), \(pane)")
        }
        if step % 10 == 0 {
          var a = ScreenBuffer(width: 200, height: 50)
          var b = ScreenBuffer(width: 200, height: 50)
          // Selections apart (the live one follows its row as rows move), from
          // the top; and the live one's "new critical" mark, which only it saw arrive.
          var (live, fresh) = (m, whole)
          (live.tables, fresh.tables) = ([:], [:])
          live.newCritical = false
          ConsoleView.draw(live, into: &a)
          ConsoleView.draw(fresh, into: &b)
          XCTAssertEqual(a.lines, b.lines, "step \(step)")
        }
      }
    }
  }
}

/// A small deterministic generator for the property tests.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
