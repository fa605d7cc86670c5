import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The journal's binary payload over every event case: a round trip gives
/// the same record, the JSON records of older journals still decode, and a
/// case without a sample here fails the test (a case without a tag does not
/// compile: `CordonEvent.tag` is an exhaustive switch).
final class BinaryCodecTests: XCTestCase {
  /// The demo's fourteen days, then the cases it never produces.
  static func samples() throws -> [CordonEvent] {
    let now = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 09:30"))
    let (_, journal, _) = DemoHistoryTests.replay(DemoHistory.steps(now: now))
    var seen = Set<CordonEventTag>()
    var out: [CordonEvent] = []
    var unit: OrgUnit?
    var person: Person?
    var site: SiteSpec?
    var item: SupplyItem?
    var key: AlertKey?
    for r in journal {
      switch r.event {
      case .unitRegistered(let u): unit = unit ?? u
      case .personRegistered(let p): person = person ?? p
      case .siteRegistered(let s): site = site ?? s
      case .itemRegistered(let i): item = item ?? i
      case .alertRaised(let a): key = key ?? a.key
      default: break
      }
      if seen.insert(r.event.tag).inserted { out.append(r.event) }
    }
    let at = Instant(milliseconds: 1_580_000_000_000)
    let k = key ?? AlertKey(rule: .fever, subject: "f-1")
    var settings = Settings()
    settings.coverWarningDays = 2.5
    settings.signInGraceMinutes = 20
    var entry = LogEntry(
      id: "L1", unit: "jinyuan", at: at, by: "张三", channel: .phone, from: "市防控办", text: "通知：\"加强\"巡查\n第二行",
      action: "已转达", significant: true, followUp: FollowUp(due: at.adding(minutes: 60), owner: "李四"))
    entry.voided = nil
    var report = UpReport(
      id: "R1", unit: "jinyuan", priority: .urgent, text: "发热 1 例", ref: nil, sentBy: "张三", sentAt: at)
    report.replies = [DutyReply(by: "hq", at: at, text: "收到")]
    let route = NotifyRoute(
      name: "crit", severities: [.critical], rules: [.fever], units: ["jinyuan"], kinds: [.alert, .escalation],
      receivers: ["hook"], quietHours: QuietHours(startMinute: 1380, endMinute: 420))
    let notice = Notice(
      id: "N1", kind: .alert, severity: .critical, unit: "jinyuan", rule: .fever, subject: "f-1",
      text: LocalizedName(zh: "发热", en: "Fever"), person: "李四", phone: "13800000000", route: "crit",
      receivers: ["hook"], due: at, queuedAt: at, isRepeat: true)
    var more: [CordonEvent] = [
      .settingsChanged(settings), .shiftCancelled(shift: "s-1", reason: "调休"), .noShowMarked(shift: "s-2"),
      .shiftsSwapped("s-1", "s-2"), .signedOut(shift: "s-1", at: at, by: "张三"), .siteOpened(site: "c-1", staff: 3),
      .siteClosed(site: "c-1"), .stockCounted(StockCount(unit: "hq", item: "mask", counted: .zero, reason: .found)),
      .requestRejected(id: "Q1", note: "库存充足"), .alertRepeated(key: k, occurrence: at, args: ["38.5", ""]),
      .alertAssigned(key: k, to: "李四"), .alertSilenced(key: k, until: at.adding(minutes: 30), reason: "检修"),
      .logEntered(entry), .logEntryVoided(entry: "L1", reason: "录错"), .followUpClosed(entry: "L1", note: "已办"),
      .reportSent(report), .reportAcknowledged(id: "R1"), .reportReplied(id: "R1", text: "已阅"),
      .directiveReplied(id: "D1", unit: "jinyuan", text: "已落实"),
      .notificationsConfigured(NotifyRouting(receivers: ["hook"], routes: [route])), .notificationQueued(notice),
      .notificationDelivered(id: "N1", receiver: "hook", attempt: 1),
      .notificationFailed(id: "N1", receiver: "hook", attempt: 2, error: "HTTP 500"),
      .notificationDropped(
        id: "N1", receiver: "hook", reason: "receiverRemoved", kind: .alert, subject: "fever/ht-1/张三"),
    ]
    // The emergency fund and donations (issue 17).
    var expense = FundEntry(
      id: "fe2", line: "fl1", kind: .expense, amount: Money(fen: 123_456), text: "口罩采购", voucher: "记-002", at: at,
      by: "张三", status: .awaitingApproval)
    expense.decision = FundDecision(approved: true, by: "hq", at: at, note: "同意")
    var donation = Donation(
      id: "dn1", campaign: "dc1", unit: "jinyuan", amount: Money(fen: 5_000), donor: "", at: at, by: "张三")
    donation.voided = try JSONDecoder().decode(
      Voiding.self, from: Data(#"{"at":1580000000000,"by":"李四","reason":"重复"}"#.utf8))
    more += [
      .fundLineOpened(FundLine(id: "fl1", name: "防疫专项", budget: Money(yuan: 100_000), openedAt: at, openedBy: "hq")),
      .fundIncomeRecorded(
        FundEntry(
          id: "fi1", line: "fl1", kind: .income, amount: Money(fen: 1), text: "拨款", voucher: "记-001", at: at, by: "hq")),
      .fundExpenseRecorded(expense), .fundExpenseApproved(id: "fe2", note: "同意"),
      .fundExpenseRejected(id: "fe2", note: "超预算"),
      .fundEntryReversed(
        FundEntry(
          id: "fr3", line: "fl1", kind: .reversal, amount: Money(fen: 123_456), text: "录错", voucher: "记-003", at: at,
          by: "hq", reverses: "fe2", reversedKind: .expense)),
      .campaignStarted(DonationCampaign(id: "dc1", name: "爱心捐款", recipient: "市红十字会", startedAt: at, startedBy: "hq")),
      .donationRecorded(donation), .donationVoided(id: "dn1", reason: "重复"),
      .donationsHandedOver(
        DonationHandover(id: "dh1", campaign: "dc1", amount: Money(fen: 5_000), voucher: "转-001", at: at, by: "hq")),
    ]
    // Drills (issue 21).
    more += [
      .drillStarted(
        DrillMarker(
          id: "d1", name: LocalizedName(zh: "发热演练", en: "Fever drill"), scenario: "fever.toml", speed: 10,
          exercise: true, startedAt: at, endedAt: nil)),
      .drillEnded(id: "d1"),
    ]
    // Inspections and emergency teams (issue 17).
    var finding = Finding(
      id: "f1", inspection: "in1", unit: "jinyuan", text: "测温枪不足", severity: .major, deadline: at.adding(minutes: 60),
      raisedBy: "wei", raisedAt: at, request: "rq9")
    finding.steps = [FindingStep(kind: .reopened, at: at, by: "wei", note: "仍缺")]
    var deployment = Deployment(
      id: "dp1", team: "vg", person: "p1", site: "jy-dongfeng", start: at, end: at.adding(minutes: 600), by: "hq",
      at: at)
    deployment.recalledAt = at.adding(minutes: 30)
    deployment.recallReason = "调回"
    more += [
      .checklistSet(kind: .compoundCheckpoint, items: ["出入登记", "体温检测开展"]),
      .inspectionRecorded(
        Inspection(
          id: "in1", unit: "jinyuan", sites: ["jy-dongfeng"], at: at, by: "wei", checked: ["出入登记"], notes: "夜查")),
      .findingRaised(finding), .findingRectified(finding: "f1", note: "已补"),
      .findingVerified(finding: "f1", accepted: false, note: "仍缺"),
      .teamFormed(
        EmergencyTeam(id: "vg", name: "先锋突击队", leader: "p1", members: ["p1", "p2"], formedAt: at, formedBy: "hq")),
      .memberDeployed(deployment), .deploymentRecalled(id: "dp1", reason: "调回"),
    ]
    if let unit { more += [.unitUpdated(unit), .unitRetired(id: unit.id)] }
    if let person { more += [.personUpdated(person), .personRetired(id: person.id)] }
    if let site { more += [.siteUpdated(site), .siteRetired(id: site.id)] }
    if let item { more += [.itemUpdated(item), .itemRetired(id: item.id)] }
    for e in more where seen.insert(e.tag).inserted { out.append(e) }
    return out
  }

  func testEveryEventCaseRoundTripsThroughTheBinaryPayload() throws {
    let samples = try Self.samples()
    let missing = Set(CordonEventTag.allCases).subtracting(samples.map(\.tag))
    XCTAssertEqual(
      missing, [], "event cases with no sample in BinaryCodecTests.samples: \(missing.map { "\($0)" }.sorted())")
    let codec = RecordCodec<CordonEvent>()
    // Records go through the event's own functions, not the per-record existential.
    XCTAssertTrue(codec.usesTypedFastPath)
    // Cases with payloads over 81 bytes are `indirect` (CordonEvent's comment).
    XCTAssertLessThanOrEqual(
      MemoryLayout<CordonEvent>.size, 82, "a new case with a big inline payload: make it indirect")
    let json = JSONDecoder()
    for (i, e) in samples.enumerated() {
      for (unit, id) in [(nil, nil), ("jinyuan", "cmd-1")] as [(String?, String?)] {
        let r = EventRecord(
          seq: UInt64(i + 1), time: Instant(milliseconds: 1_580_000_000_000 + Int64(i)), actor: "张三", unit: unit,
          commandID: id, event: e)
        let bytes = try codec.encode(r)
        XCTAssertEqual(bytes.first, 1, "layout version")
        let back = try bytes.withUnsafeBytes { try codec.decode(seq: r.seq, payload: $0, json: json) }
        XCTAssertEqual(back, r, "\(e.tag)")
        // The JSON record an older journal holds for it decodes to the same.
        let old = Array(try JSONEncoder().encode(r))
        let fromJSON = try old.withUnsafeBytes { try codec.decode(seq: r.seq, payload: $0, json: json) }
        XCTAssertEqual(fromJSON, r, "\(e.tag) from JSON")
        XCTAssertLessThan(bytes.count, old.count, "\(e.tag): binary is smaller")
      }
    }
  }

  func testTheDemoStateRoundTripsThroughTheBinarySnapshotBody() throws {
    let now = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 09:30"))
    let (state, _, _) = DemoHistoryTests.replay(DemoHistory.steps(now: now))
    let bytes = try BinaryCoding.encode(state)
    XCTAssertEqual(try BinaryCoding.decode(CordonState.self, from: bytes), state)
    XCTAssertLessThan(bytes.count, try JSONEncoder().encode(state).count)
  }

  /// The checkpoint events' hand-written decoders read what the generic
  /// one reads, and a body in another field order (or with a field more)
  /// falls back to the generic decoder with the same result.
  func testFastDecodersAgreeAndFallBackOnAnotherShape() throws {
    struct Permuted: Encodable {
      var round: TemperatureRound
      var extra = 7
      var site: String
    }
    let round = TemperatureRound(
      at: Instant(milliseconds: 1_580_000_000_000), checked: 321, fevers: 2, casesToEnter: 1, by: "王五")
    let event = CordonEvent.roundRecorded(site: "c-1", round: round)
    let codec = RecordCodec<CordonEvent>()
    let r = EventRecord(seq: 3, time: round.at, actor: "a", unit: nil, commandID: nil, event: event)
    let bytes = try codec.encode(r)
    XCTAssertEqual(try bytes.withUnsafeBytes { try codec.decode(seq: 3, payload: $0, json: JSONDecoder()) }, r)
    // The same record with its fields in another order and one field more.
    var odd: [UInt8] = Array(bytes.prefix(10))  // layout, time, flags
    odd += [1, UInt8(ascii: "a"), UInt8(CordonEventTag.roundRecorded.rawValue)]
    try BinaryCoding.encode(Permuted(round: round, site: "c-1"), into: &odd)
    odd.append(0xEC)
    odd.withUnsafeBytes { raw in
      let start = 13
      XCTAssertNil(
        CordonEvent.decodeFast(
          tag: CordonEventTag.roundRecorded.rawValue,
          body: UnsafeRawBufferPointer(rebasing: raw[start..<(raw.count - 1)])))
    }
    XCTAssertEqual(try odd.withUnsafeBytes { try codec.decode(seq: 3, payload: $0, json: JSONDecoder()) }, r)
  }

  /// Every case's sample, read by the fast path where it has one: the same
  /// event as the generic decoder's, and the cases it claims do take it,
  /// also through the existential `RecordCodec` holds (a fast decoder that
  /// is only an extension method would never be called there).
  func testFastDecodersEqualTheGenericDecoderOverEveryCase() throws {
    let tagged: any BinaryTaggedEvent.Type = CordonEvent.self
    var fast = Set<CordonEventTag>()
    for e in try Self.samples() {
      var body: [UInt8] = []
      let name = try BinaryCoding.encodeEnumBody(e, into: &body)
      try body.withUnsafeBytes { raw in
        let generic = try BinaryCoding.decodeEnum(CordonEvent.self, caseName: name, body: raw)
        XCTAssertEqual(generic, e, "\(e.tag): generic")
        let viaExistential = tagged.decodeFast(tag: e.binaryTag, body: raw) as? CordonEvent
        XCTAssertEqual(viaExistential, CordonEvent.decodeFast(tag: e.binaryTag, body: raw), "\(e.tag)")
        guard let quick = CordonEvent.decodeFast(tag: e.binaryTag, body: raw) else { return }
        XCTAssertEqual(quick, generic, "\(e.tag): the fast decoder reads another event than the generic one")
        fast.insert(e.tag)
        // Cut short anywhere, the fast path declines rather than misreads.
        for n in 0..<raw.count {
          XCTAssertNil(CordonEvent.decodeFast(tag: e.binaryTag, body: UnsafeRawBufferPointer(rebasing: raw[0..<n])))
        }
      }
    }
    XCTAssertEqual(fast, CordonEvent.fastDecodedTags, "cases with a fast decoder that their sample does not take")
  }

  /// The optional fields the samples leave empty, set (a shift signed in
  /// and out, a log entry with a closed follow-up and voided, an alert
  /// without a site, a health entry with a morning check, a notice with no
  /// rule, person or phone).
  static func optionalsSet() throws -> [CordonEvent] {
    let at = Instant(milliseconds: 1_580_000_000_000)
    var shift = Shift(
      id: "s1", unit: "u", site: nil, role: .leader, person: "p", start: at, end: at.adding(minutes: 60), noShow: false,
      cancelled: true)
    shift.signedIn = SignIn(shift: "s1", person: "p", at: at, by: "q", forOther: true)
    shift.signedOutAt = at.adding(minutes: 61)
    var follow = FollowUp(due: at, owner: "李四")
    follow.closedAt = at
    follow.closedBy = "王五"
    var entry = LogEntry(
      id: "L9", unit: "u", at: at, by: "b", channel: .phone, from: "f", text: "t", action: "", significant: false,
      followUp: follow)
    entry.voided = try JSONDecoder().decode(
      Voiding.self, from: Data(#"{"at":1580000000000,"by":"v","reason":"r"}"#.utf8))
    return [
      .shiftAssigned(shift),
      .logEntered(entry),
      .alertRaised(
        AlertRaise(
          key: AlertKey(rule: .fever, subject: "x"), severity: .critical, unit: "u", site: nil, args: [],
          occurrence: at, autoResolves: true)),
      .healthRegistered(
        HealthEntry(
          person: "p", day: 3, category: .onDuty, morningCheck: Celsius(tenths: 372), travellerContact: true,
          remarks: "")),
      .stockMoved(StockMovement(unit: "u", item: "i", kind: .issued, delta: Quantity(milli: -1500), reason: "r")),
      // A notice with no rule, person or phone (a directive's).
      .notificationQueued(
        Notice(
          id: "N7", kind: .directive, severity: .warning, unit: "u", rule: nil, subject: "D1/u",
          text: LocalizedName(zh: "指令", en: "Directive"), route: "all", receivers: ["a", "b"], due: at,
          queuedAt: at)),
    ]
  }

  /// The fast decoders read the optional fields set and unset too.
  func testFastDecodersReadOptionalFieldsSetAndUnset() throws {
    for e in try Self.optionalsSet() {
      var body: [UInt8] = []
      _ = try BinaryCoding.encodeEnumBody(e, into: &body)
      body.withUnsafeBytes { XCTAssertEqual(CordonEvent.decodeFast(tag: e.binaryTag, body: $0), e, "\(e.tag)") }
    }
  }

  /// The hand-written encoders write what the generic encoder writes, byte
  /// for byte, for every case that has a fast decoder, with the optional
  /// fields set and unset; every other case is declined with nothing
  /// appended, and `Codable` writes it.
  func testFastEncodersWriteTheGenericEncodersBytes() throws {
    var fast = Set<CordonEventTag>()
    for e in try Self.samples() + Self.optionalsSet() {
      var generic: [UInt8] = []
      _ = try BinaryCoding.encodeEnumBody(e, into: &generic)
      var quick: [UInt8] = [0xAB]
      if e.encodeFast(into: &quick) {
        XCTAssertEqual(quick.first, 0xAB, "\(e.tag): appended, not replaced")
        XCTAssertEqual(Array(quick.dropFirst()), generic, "\(e.tag): other bytes than the generic encoder's")
        fast.insert(e.tag)
      } else {
        XCTAssertEqual(quick, [0xAB], "\(e.tag): declined, and appended nothing")
      }
    }
    XCTAssertEqual(fast, CordonEvent.fastDecodedTags, "cases written by hand and read by hand are the same")
  }

  func testTagsAreDenseAndNameTheirCases() {
    let tags = CordonEventTag.allCases.map(\.rawValue)
    XCTAssertEqual(tags, Array(1...UInt16(tags.count)), "tags run 1, 2, 3, … in order; never renumbered")
    for t in CordonEventTag.allCases {
      XCTAssertEqual(CordonEvent.binaryCaseName(forTag: t.rawValue), "\(t)")
    }
    XCTAssertNil(CordonEvent.binaryCaseName(forTag: 0))
    XCTAssertNil(CordonEvent.binaryCaseName(forTag: UInt16(tags.count + 1)))
  }
}
