import CordonModel
import CordonSession
import EventSourcing
import XCTest

@testable import CordonTUI

/// The update function alone: a model built from a state, messages in,
/// effects out. No store, no terminal, no clock.
final class ConsoleUpdateTests: XCTestCase {
  static let nine30 = FieldMappingTests.now
  static let info = SourceInfo(kind: .embedded(path: "test"), isDemo: true, actor: "duty", unit: "hq")

  static func model(
    width: Int = 80, height: Int = 24, info: SourceInfo = ConsoleUpdateTests.info, clock: Instant = nine30
  ) throws -> ConsoleModel {
    var m = ConsoleModel(state: try FieldMappingTests.state(), info: info, clock: clock, language: .zh)
    XCTAssertEqual(ConsoleUpdate.update(&m, .resized(width: width, height: height)), [])
    return m
  }

  @discardableResult
  static func keys(_ m: inout ConsoleModel, _ keys: Key...) -> [ConsoleEffect] {
    keys.flatMap { ConsoleUpdate.update(&m, .key($0)) }
  }

  @discardableResult
  static func type(_ m: inout ConsoleModel, _ text: String) -> [ConsoleEffect] {
    text.flatMap { ConsoleUpdate.update(&m, .key(.char($0))) }
  }

  func testNumberKeysAndTabMoveFocusThroughThePaneList() throws {
    var m = try Self.model()
    XCTAssertEqual(m.focus, .roster)
    Self.keys(&m, .char("3"))
    XCTAssertEqual(m.focus, .stock)
    Self.keys(&m, .tab, .tab, .tab)
    XCTAssertEqual(m.focus, .roster, "Tab wraps after the last pane")
    Self.keys(&m, .backTab)
    XCTAssertEqual(m.focus, .duty)
    XCTAssertEqual(PaneKind.allCases, [.roster, .checkpoints, .stock, .alerts, .duty])
  }

  /// The directive form has a priority field (it was JSON only): 一般 by
  /// default, 特急 two steps down, and the command carries it.
  func testTheDirectiveFormSetsThePriority() throws {
    var m = try Self.model()
    _ = m.openForm(.issueDirective)
    guard case .form(let form) = m.mode else { return XCTFail("\(m.mode)") }
    let field = try XCTUnwrap(form.fields.last)
    XCTAssertEqual(field.id, .priority)
    XCTAssertEqual(field.label, m.strings("form.field.priority"))
    XCTAssertEqual(field.value, "routine")
    Self.type(&m, "今晚加强巡查")
    Self.keys(&m, .tab, .tab, .tab, .down, .down)
    let effects = Self.keys(&m, .ctrl("s"))
    guard case .submit(let gated)? = effects.first, effects.count == 1 else {
      return XCTFail("one submit expected, got \(effects)")
    }
    guard case .issueDirective("今晚加强巡查", _, _, .immediate) = gated.command else {
      return XCTFail("\(gated.command)")
    }
  }

  func testAFormSubmitsOnceAndTheStoresAnswerLandsOnIt() throws {
    var m = try Self.model()
    Self.keys(&m, .char("2"), .char("f"), .tab)
    Self.type(&m, "张三")
    Self.keys(&m, .tab)
    Self.type(&m, "38.5")
    let effects = Self.keys(&m, .enter)
    guard case .submit(let gated)? = effects.first, effects.count == 1 else {
      return XCTFail("one submit expected, got \(effects)")
    }
    guard case .recordFever(_, "张三", Celsius(tenths: 385)) = gated.command else {
      return XCTFail("\(gated.command)")
    }
    XCTAssertEqual(Self.keys(&m, .enter), [], "a form that is saving takes no keys")
    // The store refuses: the message goes under the field the refusal names.
    _ = ConsoleUpdate.update(
      &m,
      .refused(
        .refused(Refusal("reading.outOfRange", ["38.5", "35.0", "42.0"], field: .reading)), formToken: gated.formToken))
    guard case .form(let f) = m.mode else { return XCTFail("the form closed on a refusal") }
    XCTAssertNotNil(f.fields.first { $0.id == .reading }?.error)
    XCTAssertFalse(f.submitting)
    let again = Self.keys(&m, .enter)
    guard case .submit(let second)? = again.first else { return XCTFail("\(again)") }
    _ = ConsoleUpdate.update(&m, .saved(seq: 99, formToken: second.formToken))
    XCTAssertEqual(m.mode, .normal)
    XCTAssertEqual(m.status?.text, "已保存 #99")
  }

  func testAnAnswerForAnOlderFormGoesToTheStatusLine() throws {
    var m = try Self.model()
    Self.keys(&m, .char("2"), .char("v"))
    _ = ConsoleUpdate.update(&m, .refused(.storeReadOnly("disk full"), formToken: nil))
    XCTAssertEqual(m.status?.text, "未保存：存储只读：disk full")
    _ = ConsoleUpdate.update(&m, .refused(.io("pipe broke"), formToken: 7))
    XCTAssertEqual(m.status?.text, "未保存：pipe broke", "the one wording, said once")
  }

  func testSteppingBackLoadsThePastOffTheUIThreadAndIsReadOnlyFromTheFirstKey() throws {
    var m = try Self.model(clock: Self.nine30.adding(minutes: 75))
    let ten = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 10:00"))
    XCTAssertEqual(Self.keys(&m, .char("<")), [.loadPast(ten)])
    XCTAssertTrue(m.readOnly, "on the way to the past, nothing can be changed")
    XCTAssertNil(m.viewAt)
    _ = ConsoleUpdate.update(&m, .pastLoaded(at: ten.adding(minutes: -60), state: CordonState()))
    XCTAssertNil(m.viewAt, "an answer for a moment no longer wanted is dropped")
    let past = try FieldMappingTests.state()
    _ = ConsoleUpdate.update(&m, .pastLoaded(at: ten, state: past))
    XCTAssertEqual(m.viewAt, ten)
    XCTAssertEqual(m.now, ten)
    XCTAssertEqual(Self.keys(&m, .char("<")), [.loadPast(ten.adding(minutes: -60))])
    Self.keys(&m, .char("L"))
    XCTAssertNil(m.viewAt)
    XCTAssertFalse(m.readOnly)
    // A source that cannot rebuild the past says so.
    Self.keys(&m, .char("<"))
    _ = ConsoleUpdate.update(&m, .pastLoaded(at: ten, state: nil))
    XCTAssertEqual(m.status?.text, "这个数据源不能回看过去")
    XCTAssertFalse(m.readOnly)
  }

  func testReportsAndExportsReadTheJournalAsEffects() throws {
    var m = try Self.model()
    Self.keys(&m, .char(":"))
    Self.type(&m, "report")
    let cal = m.state.calendar
    let today = cal.startOfDay(cal.day(of: m.now))
    // Today's report reads today's records, by time, not the whole journal.
    XCTAssertEqual(Self.keys(&m, .enter), [.loadRecords(.report, since: today)])
    XCTAssertEqual(m.mode, .normal, "nothing is shown until the journal arrives")
    _ = ConsoleUpdate.update(&m, .recordsLoaded(.report, []))
    guard case .overlay(let title, let lines, _) = m.mode else { return XCTFail("\(m.mode)") }
    XCTAssertEqual(title, "日日报预览")
    XCTAssertTrue(lines.contains { $0.contains("2020-02-07") })
    Self.keys(&m, .esc, .char(":"))
    Self.type(&m, "export")
    XCTAssertEqual(Self.keys(&m, .enter), [.loadRecords(.export, since: today)])
    let effects = ConsoleUpdate.update(&m, .recordsLoaded(.export, []))
    guard case .writeFile(let path, let text)? = effects.first else { return XCTFail("\(effects)") }
    XCTAssertEqual(path, "cordon-report-2020-02-07.md")
    XCTAssertTrue(text.hasPrefix("#"), text)
    _ = ConsoleUpdate.update(&m, .fileWritten(path: "/tmp/x.md", error: nil))
    XCTAssertEqual(m.status?.text, "已导出到 /tmp/x.md")
    Self.keys(&m, .char(":"))
    Self.type(&m, "audit 张三")
    // The audit trail reads the last 31 days and says so in its title.
    let monthAgo = cal.startOfDay(cal.day(of: m.now) - 30)
    XCTAssertEqual(Self.keys(&m, .enter), [.loadRecords(.audit(filter: "张三"), since: monthAgo)])
    _ = ConsoleUpdate.update(&m, .recordsLoaded(.audit(filter: "张三"), []))
    guard case .overlay(let auditTitle, _, _) = m.mode else { return XCTFail("\(m.mode)") }
    XCTAssertEqual(auditTitle, "操作记录 （\(cal.formatDay(cal.day(of: m.now) - 30)) 起；更早的用 cordon audit --since） /张三")
  }

  func testANewCriticalAlertRingsOnlyWithTheBellOn() throws {
    var m = try Self.model()
    var state = m.live
    let t = Self.nine30
    let events = try CordonDomain.decide(
      .recordFever(site: "ht-2", personName: "王五", reading: Celsius(tenths: 390)),
      context: CommandContext(actor: "t", unit: nil, now: t), state: state)
    for e in events {
      state.apply(EventRecord(seq: state.lastSeq + 1, time: t, actor: "t", unit: nil, commandID: nil, event: e))
    }
    var quiet = m
    XCTAssertEqual(ConsoleUpdate.update(&quiet, .sourceChanged(state: state, info: Self.info)), [])
    XCTAssertTrue(quiet.newCritical)
    m.bellOnCritical = true
    XCTAssertEqual(ConsoleUpdate.update(&m, .sourceChanged(state: state, info: Self.info)), [.bell])
    XCTAssertEqual(ConsoleUpdate.update(&m, .sourceChanged(state: state, info: Self.info)), [], "once")
    Self.keys(&m, .char("4"))
    XCTAssertFalse(m.newCritical, "looking at the queue clears the marker")
  }

  func testTheViewChangesNothing() throws {
    let m = try Self.model(width: 200, height: 50)
    var a = ScreenBuffer(width: 200, height: 50)
    var b = ScreenBuffer(width: 200, height: 50)
    ConsoleView.draw(m, into: &a)
    ConsoleView.draw(m, into: &b)
    XCTAssertEqual(a.lines, b.lines)
    XCTAssertTrue(a.lines[0].contains("Cordon"))
  }
}

/// The layout comes from the list of panes: the first four make the grid,
/// a fifth is shown full size under the tab strip when it has the focus.
final class PaneListLayoutTests: XCTestCase {
  func testAFifthPaneIsReachedThroughTheTabStripAtEverySize() {
    let fifth = PaneKind("org")
    let kinds = PaneKind.allCases + [fifth]
    let grid = ScreenLayout(width: 200, height: 50, focus: .alerts, panes: kinds)
    XCTAssertEqual(grid.mode, .grid)
    XCTAssertEqual(Set(grid.panes.keys), [.roster, .checkpoints, .stock, .alerts])
    XCTAssertEqual(grid, ScreenLayout(width: 200, height: 50, focus: .alerts), "four panes: as before")
    let big = ScreenLayout(width: 200, height: 50, focus: fifth, panes: kinds)
    XCTAssertEqual(big.mode, .single)
    XCTAssertNotNil(big.tabs)
    XCTAssertEqual(big.panes, [fifth: Rect(x: 0, y: 2, width: 200, height: 46)])
    let small = ScreenLayout(width: 80, height: 24, focus: fifth, panes: kinds)
    XCTAssertEqual(small.panes, [fifth: Rect(x: 0, y: 2, width: 80, height: 20)])
  }

  func testEveryPaneHasItsNumberKeyItsCommandAndItsTitle() {
    let t = Strings(.zh)
    for (i, kind) in PaneKind.allCases.enumerated() {
      XCTAssertEqual(KeyMap.defaults.action(for: .char(Character(String(i + 1))), on: .roster), .focus(i + 1))
      XCTAssertTrue(LineCommands.completions.contains(kind.id), kind.id)
      XCTAssertTrue(t.has(kind.titleKey), kind.titleKey)
      for a in Panes.pane(kind).actions {
        XCTAssertEqual(a.pane, kind, "\(a.id) is registered by \(kind) for another pane")
        XCTAssertTrue(t.has("action.\(a.id)"), "action.\(a.id) has no words for the help")
        if a.hint { XCTAssertTrue(t.has("hint.\(a.id)"), "hint.\(a.id)") }
      }
    }
    XCTAssertEqual(Set(Action.allCases).count, Action.allCases.count, "one literal per action")
  }
}
