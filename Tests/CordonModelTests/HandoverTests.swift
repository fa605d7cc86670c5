import CordonModel
import EventSourcing
import Foundation
import XCTest

/// 交接班: the checklist built from the unit's state, confirmation with
/// queries, the unconfirmed rule at its boundary, replay.
final class HandoverTests: XCTestCase {
  private func write(_ h: inout Harness, unit: String = "jinyuan", text: String = "夜班平稳", actor: String = "jy-duty")
    throws -> HandoverNote
  {
    let events = try h.run(.writeHandover(unit: unit, text: text), actor: actor, unit: unit)
    guard case .handoverWritten(let n)? = events.first else {
      XCTFail("no handover in \(events)")
      throw Refusal("test")
    }
    return n
  }

  private func ms(_ t: Instant, _ delta: Int64) -> Instant { Instant(milliseconds: t.milliseconds + delta) }

  /// A jinyuan with one of each kind of item outstanding, and heating with its own.
  private func scripted() throws -> Harness {
    var h = Harness()
    try h.run(.recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 383)), actor: "jy-duty")
    try h.run(
      .issueDirective(text: "即日起各小区封闭管理", targets: ["jinyuan", "heating"], deadline: h.now.adding(minutes: 120)))
    try h.run(
      .submitRequest(unit: "jinyuan", item: "thermo", quantity: Quantity(6), urgency: .urgent, reason: "测温枪不足"),
      actor: "jy-duty")
    try h.run(.setMinimum(unit: "jinyuan", item: "mask", minimum: Quantity(5_000)), actor: "jy-duty")
    try h.run(
      .logEntry(
        unit: "jinyuan", channel: .phone, from: "东门岗", text: "业主反映楼道消毒不到位\n第二行", action: "", significant: false,
        followUpDue: h.now.adding(minutes: 60), owner: "李明"), actor: "jy-duty")
    // Every site's interval (240 min) runs out; one jinyuan site reports in time.
    h.advance(minutes: 200)
    try h.run(.recordRound(site: "jy-dongfeng", checked: 30, fevers: 1, acceptMissingCases: false), actor: "jy-duty")
    h.advance(minutes: 41)
    // An item of another unit that must not appear.
    try h.run(.setMinimum(unit: "heating", item: "mask", minimum: Quantity(99_999)), actor: "rl-duty")
    _ = h.housekeeping()
    return h
  }

  func testTheChecklistListsEachKindOfItemOfTheUnitOnly() throws {
    let h = try scripted()
    let list = HandoverChecklist.build(unit: "jinyuan", in: h.state, at: h.now)
    XCTAssertEqual(list.omitted, 0)
    let kinds = Set(list.items.map(\.kind))
    XCTAssertEqual(kinds, Set(HandoverItemKind.allCases), "\(list.items)")
    // In the fixed order: alerts (the critical fever first), directives, requests, sites, stock, follow-ups.
    let order = list.items.map(\.kind)
    func rank(_ k: HandoverItemKind) -> Int { HandoverItemKind.allCases.firstIndex(of: k) ?? -1 }
    XCTAssertEqual(order, order.sorted { rank($0) < rank($1) })
    let first = try XCTUnwrap(list.items.first)
    XCTAssertEqual(first.ref, "fever/jy-dongfeng/赵六")
    XCTAssertEqual(first.args.first, "critical")
    let directive = try XCTUnwrap(list.items.first { $0.kind == .directive })
    XCTAssertEqual(directive.args.last, "即日起各小区封闭管理")
    let request = try XCTUnwrap(list.items.first { $0.kind == .request })
    XCTAssertEqual(Array(request.args.prefix(3)), ["thermo", "6", "submitted"])
    let sites = list.items.filter { $0.kind == .siteOverdue }.map(\.ref)
    XCTAssertFalse(sites.contains("jy-dongfeng"), "reported in time")
    XCTAssertFalse(sites.isEmpty)
    XCTAssertTrue(sites.allSatisfy { h.state.sites[$0]?.unit == "jinyuan" })
    let stock = list.items.filter { $0.kind == .stockLow }
    XCTAssertEqual(stock.map(\.ref), ["jinyuan/mask"])
    XCTAssertEqual(stock.first?.args.last, "5000")
    let follow = try XCTUnwrap(list.items.first { $0.kind == .followUp })
    XCTAssertEqual(follow.args[1], "李明")
    XCTAssertEqual(follow.args[2], "业主反映楼道消毒不到位", "the first line only")
    XCTAssertEqual(follow.args[3], "due")
    // Nothing of another unit.
    XCTAssertFalse(list.items.contains { $0.ref.hasPrefix("heating/") })
    // Every item reads in both languages with no placeholder left.
    for lang in Language.allCases {
      for item in list.items {
        let line = HandoverText.item(item, state: h.state, strings: Strings(lang))
        XCTAssertFalse(line.contains("{"), line)
        XCTAssertFalse(line.isEmpty)
      }
    }
    // A quiet unit has nothing outstanding.
    XCTAssertTrue(HandoverChecklist.build(unit: "hq", in: Harness().state, at: Harness.morning).items.isEmpty)
  }

  func testTheChecklistIsRecordedAndBoundedAndReplayShowsItAsItWas() throws {
    var h = try scripted()
    let n = try write(&h)
    XCTAssertEqual(n.items, HandoverChecklist.build(unit: "jinyuan", in: h.state, at: h.now).items)
    XCTAssertFalse(n.id.isEmpty)
    XCTAssertEqual(h.state.handover(n.id)?.items, n.items)
    // The state moves on; the recorded items do not.
    let directive = try XCTUnwrap(h.state.directives.keys.first)
    try h.run(.acknowledgeDirective(id: directive, unit: "jinyuan"), actor: "jy-duty")
    XCTAssertEqual(h.state.handover(n.id)?.items, n.items)
    // More than the limit: the first `Limits.handoverItems` are listed, the rest counted.
    var big = Harness()
    for i in 0..<(Limits.handoverItems + 7) {
      try big.run(
        .logEntry(
          unit: "heating", channel: .phone, from: "", text: "跟进 \(i)", action: "", significant: false,
          followUpDue: big.now.adding(minutes: 600), owner: ""))
    }
    let list = HandoverChecklist.build(unit: "heating", in: big.state, at: big.now)
    XCTAssertEqual(list.items.count, Limits.handoverItems)
    let others = list.items.filter { $0.kind != .followUp }.count
    XCTAssertEqual(list.items.count + list.omitted, others + Limits.handoverItems + 7, "every follow-up counted")
    // Long text is cut to the item bound.
    let long = String(repeating: "长", count: 500)
    try big.run(
      .issueDirective(text: long, targets: ["heating"], deadline: big.now.adding(minutes: 60)))
    let d = HandoverChecklist.build(unit: "heating", in: big.state, at: big.now).items.first { $0.kind == .directive }
    XCTAssertLessThanOrEqual(d?.args.last?.count ?? 999, Limits.handoverItemText)
  }

  func testConfirmationWithQueriesAndEveryRefusalNamesItsField() throws {
    var h = try scripted()
    let n = try write(&h)
    let count = try XCTUnwrap(n.items?.count)
    XCTAssertGreaterThan(count, 3)
    let before = h.state
    func refused(_ c: CordonCommand) throws -> Refusal { try XCTUnwrap(h.refusal(c), "\(c)") }
    var r = try refused(.confirmHandover(handover: "ho999", queries: []))
    XCTAssertEqual(r.code, "handover.unknown")
    XCTAssertEqual(r.commandField, .handover)
    r = try refused(.confirmHandover(handover: n.id, queries: [HandoverQuery(item: count + 1, text: "？")]))
    XCTAssertEqual(r.code, "handover.unknownItem")
    XCTAssertEqual(r.commandField, .queries)
    r = try refused(.confirmHandover(handover: n.id, queries: [HandoverQuery(item: 0, text: "？")]))
    XCTAssertEqual(r.code, "handover.unknownItem")
    r = try refused(.confirmHandover(handover: n.id, queries: [HandoverQuery(item: 2, text: "  \n ")]))
    XCTAssertEqual(r.code, "handover.queryEmpty")
    XCTAssertEqual(r.commandField, .queries)
    r = try refused(
      .confirmHandover(handover: n.id, queries: [HandoverQuery(item: 2, text: "a"), HandoverQuery(item: 2, text: "b")]))
    XCTAssertEqual(r.code, "handover.queryTwice")
    r = try refused(
      .confirmHandover(handover: n.id, queries: [HandoverQuery(item: 1, text: String(repeating: "x", count: 501))]))
    XCTAssertEqual(r.code, "handover.queryTooLong")
    XCTAssertEqual(r.commandField, .queries)
    XCTAssertEqual(h.state, before, "refusals change nothing")
    XCTAssertEqual(Strings(.zh).refusal(try refused(.confirmHandover(handover: "ho999", queries: []))), "没有交接班记录 ho999")

    h.advance(minutes: 5)
    try h.run(
      .confirmHandover(
        handover: n.id, queries: [HandoverQuery(item: 3, text: "申请批了吗？"), HandoverQuery(item: 1, text: "赵六送医了吗")]),
      actor: "jinyuan-officer-2", unit: "jinyuan")
    let c = try XCTUnwrap(h.state.handover(n.id)?.confirmation)
    XCTAssertEqual(c.by, "jinyuan-officer-2")
    XCTAssertEqual(c.at, h.now)
    XCTAssertEqual(c.queries.map(\.item), [1, 3], "kept in item order")
    XCTAssertEqual(c.queries.first?.text, "赵六送医了吗")

    let twice = try refused(.confirmHandover(handover: n.id, queries: []))
    XCTAssertEqual(twice.code, "handover.confirmedTwice")
    XCTAssertEqual(twice.commandField, .handover)
    XCTAssertEqual(
      Strings(.en).refusal(twice),
      "Handover \(n.id) was already confirmed by jinyuan-officer-2 at \(h.state.calendar.format(h.now))")

    // Audit and watch lines in both languages.
    let record = try XCTUnwrap(h.journal.last { if case .handoverConfirmed = $0.event { true } else { false } })
    let zh = AuditTrail.line(record, state: h.state, strings: Strings(.zh))
    XCTAssertTrue(zh.contains("交接班确认") && zh.contains(n.id) && zh.contains("质疑第 1,3 项"), zh)
    let en = WatchStream.line(record, pane: .roster, state: h.state, strings: Strings(.en))
    XCTAssertTrue(en?.contains("handover confirmed") == true && en?.contains("queried item 1,3") == true, en ?? "")
  }

  func testAnOperatorConfirmsOnlyItsOwnUnitsHandovers() throws {
    var h = try scripted()
    let n = try write(&h)
    let own = Principal(user: "jy-duty", role: .operator, units: ["jinyuan"])
    let other = Principal(user: "rl-duty", role: .operator, units: ["heating"])
    XCTAssertNil(Authorization.check(.confirmHandover(handover: n.id, queries: []), by: own, in: h.state))
    let r = try XCTUnwrap(Authorization.check(.confirmHandover(handover: n.id, queries: []), by: other, in: h.state))
    XCTAssertEqual(r.code, "handover.otherUnit")
    XCTAssertEqual(r.commandField, .handover)
    XCTAssertEqual(Strings(.zh).refusal(r), "rl-duty 不能确认 金源物业 的交接班 \(n.id)")
    XCTAssertNil(
      Authorization.check(.confirmHandover(handover: "ho999", queries: []), by: own, in: h.state),
      "an unknown handover is the validator's to refuse")
    XCTAssertEqual(h.refusal(.confirmHandover(handover: "ho999", queries: []))?.code, "handover.unknown")
    // In a batch too, every line is checked.
    let batch = CordonCommand.batch([
      .writeHandover(unit: "heating", text: "x"), .confirmHandover(handover: n.id, queries: []),
    ])
    XCTAssertEqual(Authorization.check(batch, by: other, in: h.state)?.code, "handover.otherUnit")
    let viewer = Principal(user: "v", role: .viewer, units: [])
    XCTAssertEqual(
      Authorization.check(.confirmHandover(handover: n.id, queries: []), by: viewer, in: h.state)?.code, "auth.readOnly"
    )
  }

  /// The shift change and the rule, 1 ms before and at N minutes.
  func testTheUnconfirmedRuleAtItsBoundaryWithTheShiftChange() throws {
    // Written at 15:40, ahead of the 16:00 change: due at 16:30.
    var h = Harness()
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-07 15:40"))
    let n = try write(&h)
    let change = try XCTUnwrap(h.state.calendar.parse("2020-02-07 16:00"))
    XCTAssertEqual(n.shiftChange, change)
    let due = change.adding(minutes: 30)
    XCTAssertEqual(n.confirmationDue(h.state.settings), due)
    h.now = ms(due, -1)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.handoverUnconfirmed, n.id), "1 ms before")
    h.now = due
    _ = h.housekeeping()
    let a = try XCTUnwrap(h.alert(.handoverUnconfirmed, n.id), "at 30 minutes")
    XCTAssertEqual(a.unit, "jinyuan")
    XCTAssertEqual(a.severity, .warning)
    XCTAssertEqual(a.message(h.state, Strings(.zh)), "金源物业 交接班 \(n.id)（jy-duty，2020-02-07 16:00 交接）未确认接收")
    // Confirmation clears it in the same batch.
    h.advance(minutes: 3)
    let events = try h.run(.confirmHandover(handover: n.id, queries: []), actor: "jinyuan-officer-3")
    XCTAssertTrue(events.contains(.alertAutoResolved(key: a.key)), "\(events)")
    XCTAssertEqual(h.alert(.handoverUnconfirmed, n.id)?.state, .resolved)
    XCTAssertEqual(h.state.handover(n.id)?.confirmedLate(h.state.settings), true)

    // Written at 16:05, after the 16:00 change (late): due 30 minutes after it was written.
    h.now = try XCTUnwrap(h.state.calendar.parse("2020-02-07 16:05"))
    let late = try write(&h)
    XCTAssertEqual(late.shiftChange, h.now)
    let lateDue = h.now.adding(minutes: 30)
    h.now = ms(lateDue, -1)
    _ = h.housekeeping()
    XCTAssertNil(h.alert(.handoverUnconfirmed, late.id))
    h.now = lateDue
    _ = h.housekeeping()
    XCTAssertNotNil(h.alert(.handoverUnconfirmed, late.id))

    // The setting moves the boundary, and is bounded.
    var s = Harness()
    try s.run(.changeSettings(SettingsChanges(handoverConfirmMinutes: 45)), actor: "hq-duty")
    XCTAssertEqual(s.state.settings.handoverConfirmMinutes, 45)
    for bad in [0, 1_441, -5] {
      XCTAssertEqual(
        s.refusal(.changeSettings(SettingsChanges(handoverConfirmMinutes: bad)))?.commandField, .handoverConfirmMinutes)
    }
    s.now = try XCTUnwrap(s.state.calendar.parse("2020-02-07 15:40"))
    let n45 = try write(&s)
    s.now = ms(change.adding(minutes: 45), -1)
    _ = s.housekeeping()
    XCTAssertNil(s.alert(.handoverUnconfirmed, n45.id))
    s.now = change.adding(minutes: 45)
    _ = s.housekeeping()
    XCTAssertNotNil(s.alert(.handoverUnconfirmed, n45.id))
  }

  func testShiftChangeIsTheNearestShiftStartOfTheUnit() throws {
    let h = Harness()
    let cal = h.state.calendar
    func change(_ at: String, unit: String = "jinyuan") throws -> String {
      cal.format(HandoverChecklist.shiftChange(unit: unit, in: h.state, at: try XCTUnwrap(cal.parse(at))))
    }
    // Officers change at 00, 08, 16; managers at 08 and 20.
    XCTAssertEqual(try change("2020-02-07 07:30"), "2020-02-07 08:00")
    XCTAssertEqual(try change("2020-02-07 08:00"), "2020-02-07 08:00")
    XCTAssertEqual(try change("2020-02-07 08:20"), "2020-02-07 08:20", "written after the change")
    XCTAssertEqual(try change("2020-02-07 19:10"), "2020-02-07 20:00")
    // A unit with no roster: the handover's own time.
    XCTAssertEqual(try change("2020-02-07 07:30", unit: "jinmu-wn"), "2020-02-07 07:30")
  }

  func testOldHandoversDecodeAndAreNeverOwedAConfirmation() throws {
    let old =
      #"{"handoverWritten":{"_0":{"unit":"jinyuan","at":1581033600000,"author":"jy-duty","text":"旧记录"}}}"#
    let event = try JSONDecoder().decode(CordonEvent.self, from: Data(old.utf8))
    guard case .handoverWritten(let n) = event else { return XCTFail("\(event)") }
    XCTAssertEqual(n.id, "")
    XCTAssertNil(n.items)
    XCTAssertFalse(n.hasChecklist)
    var h = Harness()
    h.append([event], actor: "jy-duty", unit: "jinyuan")
    h.advance(minutes: 600)
    _ = h.housekeeping()
    XCTAssertFalse(h.state.alerts.keys.contains { $0.rule == .handoverUnconfirmed })
    XCTAssertEqual(h.refusal(.confirmHandover(handover: "", queries: []))?.code, "handover.unknown")
  }

  func testJSONLinesRoundTripAndNameTheirFields() throws {
    let cal = CordonState().calendar
    let commands: [CordonCommand] = [
      .writeHandover(unit: "jinyuan", text: "夜班\n平稳"),
      .confirmHandover(handover: "ho12", queries: []),
      .confirmHandover(
        handover: "ho12", queries: [HandoverQuery(item: 2, text: "\"为何\"未批？"), HandoverQuery(item: 5, text: "x")]),
      .changeSettings(SettingsChanges(handoverConfirmMinutes: 20)),
    ]
    try assertJSONRoundTrips(commands, calendar: cal)
    func field(_ line: String) -> String? { refusedField(line, calendar: cal) }
    XCTAssertEqual(field(#"{"type":"confirmHandover"}"#), "handover")
    XCTAssertEqual(field(#"{"type":"confirmHandover","handover":"ho1","queries":"all"}"#), "queries")
    XCTAssertEqual(
      field(#"{"type":"confirmHandover","handover":"ho1","queries":[{"item":"1","text":"x"}]}"#), "queries")
    XCTAssertEqual(field(#"{"type":"confirmHandover","handover":"ho1","queries":[{"item":1}]}"#), "queries")
    XCTAssertEqual(
      field(#"{"type":"confirmHandover","handover":"ho1","queries":[{"item":1,"text":"x","z":1}]}"#), "queries")
    XCTAssertEqual(field(#"{"type":"changeSettings","handoverConfirmMinutes":"x"}"#), "handoverConfirmMinutes")
    // The id of a handover is what `cordon post` prints.
    var h = Harness()
    let events = try h.run(.writeHandover(unit: "jinyuan", text: "x"))
    XCTAssertEqual(CordonEvent.createdID(events), h.state.handovers.first?.id)
  }

  func testReplayAndSnapshotOfHandoversEqualTheLiveState() throws {
    var h = Harness()
    var rng = SeededRandom(seed: 2)
    for step in 0..<200 {
      h.advance(minutes: Int64.random(in: 0...20, using: &rng))
      let unit = ["jinyuan", "jindun", "heating"].randomElement(using: &rng) ?? "jinyuan"
      let open = h.state.handovers.filter { !$0.isConfirmed && $0.hasChecklist }
      let command: CordonCommand? =
        switch Int.random(in: 0..<6, using: &rng) {
        case 0, 1: .writeHandover(unit: unit, text: "交接 \(step)")
        case 2:
          open.randomElement(using: &rng).map {
            .confirmHandover(
              handover: $0.id,
              queries: ($0.items?.isEmpty ?? true) ? [] : [HandoverQuery(item: 1, text: "问 \(step)")])
          }
        case 3: open.randomElement(using: &rng).map { .confirmHandover(handover: $0.id, queries: []) }
        case 4:
          .logEntry(
            unit: unit, channel: .phone, from: "", text: "记录 \(step)", action: "", significant: false,
            followUpDue: h.now.adding(minutes: 30), owner: "")
        default: nil
        }
      if let command { _ = try? h.run(command, actor: "p\(step % 5)") }
      if Int.random(in: 0..<3, using: &rng) == 0 { _ = h.housekeeping() }
    }
    XCTAssertTrue(h.state.handovers.contains { $0.isConfirmed })
    XCTAssertTrue(h.state.handovers.contains { $0.confirmation?.queries.isEmpty == false })
    XCTAssertTrue(h.state.alerts.keys.contains { $0.rule == .handoverUnconfirmed })
    // Rebuilt from the journal, also through its JSON form (the durable format).
    var replayed = CordonState()
    for r in h.journal { replayed.apply(r) }
    XCTAssertEqual(replayed, h.state)
    let decoded = try JSONDecoder().decode(
      [EventRecord<CordonEvent>].self, from: try JSONEncoder().encode(h.journal))
    var fromDisk = CordonState()
    for r in decoded { fromDisk.apply(r) }
    XCTAssertEqual(fromDisk, h.state)
    let cut = h.journal.count / 2
    var head = CordonState()
    for r in h.journal[..<cut] { head.apply(r) }
    var restored = try JSONDecoder().decode(CordonState.self, from: try JSONEncoder().encode(head))
    for r in h.journal[cut...] { restored.apply(r) }
    XCTAssertEqual(restored, h.state)
  }
}
