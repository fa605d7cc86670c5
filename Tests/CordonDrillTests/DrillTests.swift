import CordonDrill
import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The demo organisation with a day of shifts, decided and applied as the store would.
struct DrillWorld {
  var state = CordonState()
  var records: [EventRecord<CordonEvent>] = []
  /// 2020-02-07 23:00 in UTC+8: a night shift.
  static let night = CordonState().calendar.parse("2020-02-07 23:00") ?? Instant(milliseconds: 0)

  init() {
    let day = state.calendar.day(of: Self.night)
    let events =
      DemoOrganisation.registration()
      + DemoOrganisation.shifts(fromDay: day - 1, toDay: day + 1, calendar: state.calendar, existing: [])
    _ = try? run(.register(events), actor: "demo", at: Self.night.adding(minutes: -60))
  }

  @discardableResult
  mutating func run(
    _ c: CordonCommand, actor: String, unit: String? = nil, at now: Instant, commandID: String? = nil
  ) throws(Refusal) -> [EventRecord<CordonEvent>] {
    let events = try CordonDomain.decide(c, context: CommandContext(actor: actor, unit: unit, now: now), state: state)
    var out: [EventRecord<CordonEvent>] = []
    for e in events {
      let r = EventRecord(seq: state.lastSeq + 1, time: now, actor: actor, unit: unit, commandID: commandID, event: e)
      state.apply(r)
      records.append(r)
      out.append(r)
    }
    return out
  }

  /// What the runner does at `now`: land the injects due, then score.
  mutating func step(_ engine: inout DrillEngine, to now: Instant) {
    for inject in engine.due(at: now) {
      let at = engine.time(of: inject)
      let line = engine.line(for: inject, at: at, calendar: state.calendar)
      do {
        let command = try CommandJSON.decode(line, calendar: state.calendar)
        let written = try run(
          command, actor: inject.actor, unit: inject.unit, at: at,
          commandID: DrillEngine.injectCommandPrefix + inject.id)
        engine.landed(inject, at: at, events: written.map(\.event), refusal: nil)
        engine.observe(written)
      } catch {
        engine.landed(inject, at: at, events: [], refusal: Strings(.en).refusal(error))
      }
    }
    engine.score(at: now)
  }

  /// A response by the duty room, seen by the engine.
  mutating func respond(
    _ engine: inout DrillEngine, _ c: CordonCommand, actor: String, unit: String? = nil, at now: Instant
  ) throws {
    let written = try run(c, actor: actor, unit: unit, at: now)
    engine.observe(written)
    engine.score(at: now)
  }
}

final class DrillTests: XCTestCase {
  static let drills = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("drills")
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

  static let script = """
    [drill]
    name = "测试演练"
    nameEn = "Test drill"

    [[inject]]
    id = "fever"
    at = "0m"
    text = "热站发热"
    command = { type = "fever", site = "ht-3", person = "演练甲", reading = 38.7 }

    [[inject]]
    id = "report"
    at = "5m"
    text = "特急上报"
    unit = "heating"
    command = { type = "reportUp", unit = "heating", priority = "immediate", text = "演练上报" }

    [[inject]]
    id = "directive"
    at = "10m"
    text = "市里的指令"
    command = { type = "directive", text = "演练指令", targets = ["heating", "jinyuan"], deadline = "+30m" }

    [[expect]]
    id = "fever-ack"
    after = "fever"
    within = "5m"
    response = "alertAcknowledged"
    alert = "fever/ht-3/"
    text = "5 分钟内确认"

    [[expect]]
    id = "report-ack"
    after = "report"
    within = "10m"
    response = "reportAcknowledged"

    [[expect]]
    id = "directive-ack"
    after = "directive"
    within = "15m"
    response = "directiveAcknowledged"

    [[expect]]
    id = "log"
    after = "fever"
    within = "15m"
    response = "logEntry"
    unit = "heating"
    """

  func scenario() throws -> DrillScenario {
    do { return try DrillScenario.parse(Self.script, file: "test.toml", strings: Strings(.en)) } catch {
      XCTFail("\(error)")
      throw error
    }
  }

  /// Injects land at their offsets on an injected clock; each expectation is
  /// decided at its deadline: a response exactly at it is in time, one 1 ms
  /// after is late, and with none it is missed only once the deadline has passed.
  func runScripted() throws -> DrillEngine {
    let s = try scenario()
    let t0 = DrillWorld.night
    var w = DrillWorld()
    var e = DrillEngine(scenario: s, id: "drill-test", speed: 1, start: t0)
    func at(_ seconds: Int64, _ ms: Int64 = 0) -> Instant {
      Instant(milliseconds: t0.milliseconds + seconds * 1000 + ms)
    }

    w.step(&e, to: at(0))
    XCTAssertEqual(e.log.landed.map(\.inject), ["fever"])
    XCTAssertEqual(e.log.landed.first?.at, t0)
    w.step(&e, to: at(299, 999))
    XCTAssertEqual(e.log.landed.count, 1, "the report is due at 5m, not before")
    // The fever alert acknowledged exactly at its deadline (5m): in time.
    let key = try XCTUnwrap(w.state.alerts.keys.first { $0.description.hasPrefix("fever/ht-3/") })
    try w.respond(&e, .acknowledgeAlert(key), actor: "zhang", at: at(300))
    XCTAssertEqual(e.log.results[0].outcome, .met)
    XCTAssertEqual(e.log.results[0].taken, 300)
    XCTAssertEqual(e.log.results[0].by, ["zhang"])
    w.step(&e, to: at(300))
    XCTAssertEqual(e.log.landed.map(\.inject), ["fever", "report"])
    XCTAssertEqual(e.log.landed.last?.at, at(300))
    XCTAssertNotNil(e.log.landed.last?.created)
    // The log entry: nobody writes it. Exactly at its deadline it is still open; 1 ms later it is missed.
    w.step(&e, to: at(600))
    XCTAssertEqual(e.log.landed.map(\.inject), ["fever", "report", "directive"])
    // The report acknowledged 1 ms after its deadline (5m + 10m): late.
    let report = try XCTUnwrap(e.log.landed[1].created)
    w.step(&e, to: at(900))
    XCTAssertEqual(e.log.results[3].outcome, .pending, "a deadline is decided once it has passed")
    w.step(&e, to: at(900, 1))
    XCTAssertEqual(e.log.results[3].outcome, .missed)
    XCTAssertNil(e.log.results[3].at)
    try w.respond(&e, .acknowledgeReport(id: report), actor: "li", at: at(900, 1))
    XCTAssertEqual(e.log.results[1].outcome, .missed)
    XCTAssertEqual(e.log.results[1].at, at(900, 1), "a late answer is kept, with its time")
    // The directive: met only when every target has acknowledged, and both who did are named.
    let directive = try XCTUnwrap(e.log.landed[2].created)
    try w.respond(&e, .acknowledgeDirective(id: directive, unit: "heating"), actor: "wang", at: at(1000))
    XCTAssertEqual(e.log.results[2].outcome, .pending)
    try w.respond(&e, .acknowledgeDirective(id: directive, unit: "jinyuan"), actor: "zhao", at: at(1200))
    XCTAssertEqual(e.log.results[2].outcome, .met)
    XCTAssertEqual(e.log.results[2].by, ["wang", "zhao"])
    XCTAssertEqual(e.log.results[2].taken, 600)
    XCTAssertTrue(e.isFinished)
    XCTAssertNil(e.nextWake)
    e.finish(at: at(1200), stopped: false)
    return e
  }

  func testInjectsLandAtTheirOffsetsAndResponsesAreScoredAtTheirDeadlines() throws {
    _ = try runScripted()
  }

  func testTheEngineWakesForTheNextInjectAndJustAfterEachDeadline() throws {
    let s = try scenario()
    let t0 = DrillWorld.night
    var w = DrillWorld()
    var e = DrillEngine(scenario: s, id: "d", speed: 1, start: t0)
    XCTAssertEqual(e.nextWake, t0)
    w.step(&e, to: t0)
    XCTAssertEqual(e.nextWake, t0.adding(minutes: 5))
    w.step(&e, to: t0.adding(minutes: 5))
    // The fever's 5 minutes have passed exactly now: the next look is 1 ms later.
    XCTAssertEqual(e.nextWake, Instant(milliseconds: t0.adding(minutes: 5).milliseconds + 1))
  }

  func testInjectsByTheDrillAreNeverCountedAsResponses() throws {
    // The directive inject itself is a directive; a log-entry expectation
    // answered by a logEntry inject would be met by the drill: it is not.
    let text = """
      [drill]
      name = "x"
      [[inject]]
      id = "a"
      at = "0m"
      command = { type = "logEntry", unit = "heating", channel = "phone", from = "市指", text = "演练" }
      [[expect]]
      id = "log"
      after = "a"
      within = "1m"
      response = "logEntry"
      """
    let s = try DrillScenario.parse(text, file: "x.toml", strings: Strings(.en))
    var w = DrillWorld()
    var e = DrillEngine(scenario: s, id: "d", speed: 1, start: DrillWorld.night)
    w.step(&e, to: DrillWorld.night)
    XCTAssertNil(e.log.landed.first?.refusal)
    XCTAssertEqual(e.log.results[0].outcome, .pending)
    w.step(&e, to: DrillWorld.night.adding(seconds: 61))
    XCTAssertEqual(e.log.results[0].outcome, .missed)
  }

  func testTheAfterActionReportMatchesGoldenFiles() throws {
    var e = try runScripted()
    e.finish(at: DrillWorld.night.adding(minutes: 20), stopped: false)
    var log = e.log
    log.stateHashBefore = "0123456789abcdef"
    log.stateHashAfter = "0123456789abcdef"
    let update = ProcessInfo.processInfo.environment["CORDON_UPDATE_GOLDEN"] == "1"
    for (lang, format) in [(Language.zh, DrillReport.Format.md), (.en, .txt), (.zh, .txt), (.en, .md)] {
      let text = DrillReport.render(log, format: format, strings: Strings(lang))
      let file = Self.golden.appendingPathComponent("after-action.\(lang.rawValue).\(format.rawValue)")
      if update { try text.write(to: file, atomically: true, encoding: .utf8) }
      let expected = try String(contentsOf: file, encoding: .utf8)
      XCTAssertEqual(
        text, expected, "\(file.lastPathComponent) differs; CORDON_UPDATE_GOLDEN=1 rewrites it after review")
    }
  }

  func testTheLogRoundTripsAsJSON() throws {
    let log = try runScripted().log
    let data = try JSONEncoder().encode(log)
    XCTAssertEqual(try JSONDecoder().decode(DrillLog.self, from: data), log)
  }

  // MARK: Scenario files

  func testTheShippedScenariosParseAndRehearseCleanlyOnTheDemoOrganisation() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.drills.path).filter { $0.hasSuffix(".toml") }
      .sorted()
    XCTAssertEqual(files, ["heat-station-fever-night.toml", "thermometer-shortage.toml"])
    let w = DrillWorld()
    for f in files {
      let text = try String(contentsOf: Self.drills.appendingPathComponent(f), encoding: .utf8)
      let s: DrillScenario
      do { s = try DrillScenario.parse(text, file: f, strings: Strings(.en)) } catch {
        XCTFail("\(error)")
        continue
      }
      XCTAssertGreaterThanOrEqual(s.injects.count, 4, f)
      XCTAssertGreaterThanOrEqual(s.expectations.count, 4, f)
      let issues = DrillEngine.rehearse(s, on: w.state, start: DrillWorld.night, strings: Strings(.en))
      XCTAssertEqual(issues, [], f)
    }
  }

  func issues(_ text: String, lang: Language = .en) -> [String] {
    do {
      _ = try DrillScenario.parse(text, file: "bad.toml", strings: Strings(lang))
      return []
    } catch { return error.issues.map(\.description) }
  }

  func testBadScenarioFilesAreRefusedNamingFileLineAndKey() {
    let bad = """
      [drill]
      name = "坏脚本"
      colour = "red"

      [[inject]]
      id = "a"
      at = "5 minutes"
      command = { type = "fever", site = "ht-3", person = "甲", reading = 38.7 }

      [[inject]]
      id = "b"
      at = "1m"
      when = "now"
      command = { type = "explode", site = "ht-3" }

      [[inject]]
      id = "c"
      at = "2m"
      command = { type = "fever", site = "ht-3", reading = 38.7 }

      [[inject]]
      id = "d"
      at = "25h"
      command = { type = "noShow", shift = "@zz" }

      [[expect]]
      id = "x"
      after = "nope"
      within = "5m"
      response = "applause"

      [extra]
      k = 1
      """
    let got = issues(bad)
    XCTAssertEqual(
      got,
      [
        "bad.toml:3: drill.colour: unknown key colour (known: description, name, nameEn)",
        "bad.toml:7: inject[1].at: a duration is written 90s, 5m or 1h30m, got 5 minutes",
        "bad.toml:13: inject[2].when: unknown key when (known: actor, at, command, id, text, unit)",
        "bad.toml:14: inject[2].command.type: Unknown type explode (known: "
          + CommandJSON.types.joined(separator: " ") + ")",
        "bad.toml:19: inject[3].command.person: Missing field person",
        "bad.toml:23: inject[4].at: duration 25h is outside 0s-24h",
        "bad.toml:24: inject[4].command: no inject zz (injects before this one: a, b, c)",
        "bad.toml:28: expect[1].after: no inject nope (injects before this one: a, b, c, d)",
        "bad.toml:30: expect[1].response: unknown response applause (known: "
          + DrillScenario.ResponseKind.allCases.map(\.rawValue).joined(separator: ", ") + ")",
        "bad.toml:32: extra: unknown section extra (known: drill, expect, inject)",
      ])
  }

  func testTheDrillsOwnMarkersAndHugeFilesAreRefused() {
    let marker = """
      [drill]
      name = "x"
      [[inject]]
      id = "a"
      at = "0m"
      command = { type = "drillEnd", id = "drill-1" }
      """
    XCTAssertEqual(
      issues(marker), ["bad.toml:6: inject[1].command.type: drillEnd is the drill's own marker, not an inject"])
    let huge = "[drill]\nname = \"x\"\n# " + String(repeating: "x", count: DrillScenario.maxBytes) + "\n"
    XCTAssertEqual(issues(huge).count, 1)
    XCTAssertTrue(issues(huge).first?.contains("too large") == true)
  }

  func testASyntaxErrorNamesItsLine() {
    let got = issues("[drill]\nname = \"x\"\n[[inject]]\nid = \n")
    XCTAssertEqual(got.count, 1)
    XCTAssertTrue(got.first?.hasPrefix("bad.toml:4: ") == true, "\(got)")
  }

  func testAnInjectTheOrganisationWouldRefuseIsNamedBeforeTheDrillRuns() throws {
    let text = """
      [drill]
      name = "x"

      [[inject]]
      id = "a"
      at = "0m"
      command = { type = "fever", site = "no-such-site", person = "甲", reading = 38.7 }
      """
    let s = try DrillScenario.parse(text, file: "x.toml", strings: Strings(.en))
    let got = DrillEngine.rehearse(s, on: DrillWorld().state, start: DrillWorld.night, strings: Strings(.en))
    XCTAssertEqual(got.count, 1)
    XCTAssertEqual(got.first?.line, 7)
    XCTAssertEqual(got.first?.key, "inject[1].command.site")
  }

  func testDurations() {
    XCTAssertEqual(DrillDuration.seconds("0"), 0)
    XCTAssertEqual(DrillDuration.seconds("90s"), 90)
    XCTAssertEqual(DrillDuration.seconds("1h30m"), 5400)
    XCTAssertNil(DrillDuration.seconds("5"))
    XCTAssertNil(DrillDuration.seconds("m"))
    XCTAssertNil(DrillDuration.seconds("-5m"))
    XCTAssertNil(DrillDuration.seconds("99999999h"))
    XCTAssertEqual(DrillDuration.words(5400), "1h30m")
    XCTAssertEqual(DrillDuration.words(90), "1m30s")
  }
}
