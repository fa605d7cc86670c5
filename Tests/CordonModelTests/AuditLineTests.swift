import CordonModel
import EventSourcing
import XCTest

/// The audit line as `LineWriter` writes it (kind words from the tag table,
/// one byte buffer, the minute's stamp kept) against the line as it was
/// built before, with the case's name taken by reflection: the same text,
/// byte for byte, for every event case in both languages.
final class AuditLineTests: XCTestCase {
  /// The line as the audit wrote it before the tag table: the test's oracle only.
  static func oracleLine(_ r: EventRecord<CordonEvent>, state: CordonState, strings t: Strings) -> String {
    let kind = Mirror(reflecting: r.event).children.first?.label ?? "\(r.event)"
    let label = t.has("event.\(kind)") ? t("event.\(kind)") : kind
    let detail = AuditTrail.detail(r.event, state: state, strings: t)
    let what = detail.isEmpty ? label : "\(label): \(detail)"
    return "\(state.calendar.format(r.time))  #\(r.seq)  \(r.actor)  \(what)"
  }

  private func demo() throws -> (CordonState, [EventRecord<CordonEvent>]) {
    let now = try XCTUnwrap(CordonState().calendar.parse("2020-02-07 09:30"))
    let (state, journal, _) = DemoHistoryTests.replay(DemoHistory.steps(now: now))
    return (state, journal)
  }

  func testEveryCaseWritesTheOracleLine() throws {
    let (state, _) = try demo()
    let samples = try BinaryCodecTests.samples()
    XCTAssertEqual(Set(samples.map(\.tag)), Set(CordonEventTag.allCases))
    // Times on both sides of minute and day boundaries, before the epoch too.
    let times: [Int64] = [1_580_000_000_000, 1_580_000_059_999, 1_580_000_060_000, -1, 0, -60_001, 1_580_083_199_999]
    let seqs: [UInt64] = [1, 9, 10, 123_456_789, .max]
    for lang in Language.allCases {
      let t = Strings(lang)
      var writer = AuditTrail.LineWriter(state: state, strings: t)
      for (i, e) in samples.enumerated() {
        let r = EventRecord(
          seq: seqs[i % seqs.count], time: Instant(milliseconds: times[i % times.count]),
          actor: i % 2 == 0 ? "张三" : "rl-duty", unit: nil, commandID: nil, event: e)
        let expected = Self.oracleLine(r, state: state, strings: t)
        XCTAssertEqual(AuditTrail.line(r, state: state, strings: t), expected, "\(e.tag)")
        var out: [UInt8] = []
        writer.append(r, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), expected, "\(e.tag), one writer for all")
      }
    }
  }

  /// The year's commonest cases, whose figures the writer writes itself:
  /// known and unknown sites, odd figures.
  func testWrittenCasesMatchTheirDetail() throws {
    let (state, _) = try demo()
    let site = try XCTUnwrap(state.orderedSites.first?.id)
    let at = Instant(milliseconds: 1_580_000_000_000)
    let events: [CordonEvent] = [
      .roundRecorded(site: site, round: TemperatureRound(at: at, checked: 0, fevers: -3, casesToEnter: 0, by: "x")),
      .roundRecorded(
        site: "no-such-site", round: TemperatureRound(at: at, checked: .max, fevers: .min, casesToEnter: 1, by: "")),
      .ventilationRecorded(site: site), .ventilationRecorded(site: ""), .siteClosed(site: "gone"),
      .siteOpened(site: site, staff: 4),
    ]
    for lang in Language.allCases {
      let t = Strings(lang)
      for e in events {
        let r = EventRecord(seq: 7, time: at, actor: "", unit: "u", commandID: "c", event: e)
        XCTAssertEqual(AuditTrail.line(r, state: state, strings: t), Self.oracleLine(r, state: state, strings: t))
      }
    }
  }

  /// The demo's whole journal, line by line, through one writer.
  func testDemoJournalLines() throws {
    let (state, journal) = try demo()
    XCTAssertGreaterThan(journal.count, 100)
    for lang in Language.allCases {
      let t = Strings(lang)
      var writer = AuditTrail.LineWriter(state: state, strings: t)
      for r in journal {
        var out: [UInt8] = []
        writer.append(r, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), Self.oracleLine(r, state: state, strings: t))
      }
    }
  }
}
