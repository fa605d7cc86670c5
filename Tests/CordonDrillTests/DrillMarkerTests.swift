import CordonModel
import EventSourcing
import XCTest

/// The drill's markers in the domain: the command role only, one drill at a
/// time, the real state's content unchanged by start and end, and the
/// 演练 prefix on every notification a drill's copy queues.
final class DrillMarkerTests: XCTestCase {
  static let marker = DrillMarker(
    id: "drill-1", name: LocalizedName(zh: "夜间热站发热", en: "Night fever"), scenario: "x.toml", speed: 10,
    exercise: false)

  func testStartAndEndLeaveTheRealStatesContentAsItWas() throws {
    var w = DrillWorld()
    let before = w.state.contentHash
    try w.run(.startDrill(Self.marker), actor: "zhang", at: DrillWorld.night)
    XCTAssertEqual(w.state.drillUnderWay?.id, "drill-1")
    XCTAssertEqual(w.state.drillUnderWay?.startedAt, DrillWorld.night, "the time is the command's, not the client's")
    XCTAssertNil(w.state.exercise)
    XCTAssertEqual(
      Harness.refusal(w, .startDrill(Self.marker))?.code, "drill.underWay", "one drill at a time")
    try w.run(.endDrill(id: "drill-1"), actor: "zhang", at: DrillWorld.night.adding(minutes: 30))
    XCTAssertNil(w.state.drillUnderWay)
    XCTAssertEqual(w.state.contentHash, before)
    XCTAssertEqual(Harness.refusal(w, .endDrill(id: "drill-1"))?.code, "drill.notUnderWay")
    // Any change to the domain changes the hash.
    try w.run(.recordVentilation(site: "ht-3"), actor: "zhang", at: DrillWorld.night.adding(minutes: 31))
    XCTAssertNotEqual(w.state.contentHash, before)
  }

  func testTheHashDoesNotDependOnInsertionOrder() {
    let w = DrillWorld()
    var a = w.state
    var b = w.state
    let keys = Array(a.stock.keys)
    a.stock = [:]
    b.stock = [:]
    for k in keys { a.stock[k] = w.state.stock[k] }
    for k in keys.reversed() { b.stock[k] = w.state.stock[k] }
    XCTAssertEqual(a.contentHash, b.contentHash)
    XCTAssertEqual(a.contentHash, w.state.contentHash)
  }

  func testOnlyTheCommandRoleStartsOrEndsADrill() {
    let w = DrillWorld()
    for role in [Role.operator, .inspector, .viewer] {
      let p = Principal(user: "li", role: role, units: ["heating"])
      XCTAssertNotNil(Authorization.check(.startDrill(Self.marker), by: p, in: w.state), "\(role)")
      XCTAssertNotNil(Authorization.check(.endDrill(id: "drill-1"), by: p, in: w.state), "\(role)")
    }
    let command = Principal(user: "zhang", role: .command, units: [])
    XCTAssertNil(Authorization.check(.startDrill(Self.marker), by: command, in: w.state))
  }

  func testTheMarkersRoundTripAsJSONLines() throws {
    let calendar = CordonState().calendar
    for c in [CordonCommand.startDrill(Self.marker), .endDrill(id: "drill-1")] {
      let line = try XCTUnwrap(CommandJSON.encode(c, calendar: calendar))
      XCTAssertEqual(try CommandJSON.decode(line, calendar: calendar), c, line)
    }
    XCTAssertThrowsError(
      try CommandJSON.decode(
        #"{"type":"drillStart","id":"d","name":"x","scenario":"s","speed":601}"#, calendar: calendar))
  }

  func testNotificationsFromADrillsCopyCarryTheExercisePrefix() throws {
    var w = DrillWorld()
    let routing = NotifyRouting(
      receivers: ["sms"], routes: [NotifyRoute(name: "criticals", severities: [.critical], receivers: ["sms"])])
    try w.run(.configureNotifications(routing), actor: "cordon", at: DrillWorld.night)
    var real = w
    var exercise = Self.marker
    exercise.exercise = true
    try w.run(.startDrill(exercise), actor: "drill", at: DrillWorld.night)
    XCTAssertTrue(w.state.isExercise)
    let fever = CordonCommand.recordFever(site: "ht-3", personName: "演练甲", reading: Celsius(tenths: 387))
    let drilled = try w.run(fever, actor: "drill", at: DrillWorld.night.adding(minutes: 1))
    let plain = try real.run(fever, actor: "drill", at: DrillWorld.night.adding(minutes: 1))
    func texts(_ rs: [EventRecord<CordonEvent>]) -> [LocalizedName] {
      rs.compactMap { if case .notificationQueued(let n) = $0.event { n.text } else { nil } }
    }
    let d = texts(drilled)
    let p = texts(plain)
    XCTAssertEqual(d.count, 1)
    XCTAssertEqual(p.count, 1)
    XCTAssertEqual(d.first?.zh, "【演练】" + (p.first?.zh ?? ""))
    XCTAssertEqual(d.first?.en, "[EXERCISE] " + (p.first?.en ?? ""))
    XCTAssertFalse(p.first?.zh.contains("演练】") == true)
  }
}

enum Harness {
  static func refusal(_ w: DrillWorld, _ c: CordonCommand) -> Refusal? {
    do {
      _ = try CordonDomain.decide(
        c, context: CommandContext(actor: "t", unit: nil, now: DrillWorld.night), state: w.state)
      return nil
    } catch { return error }
  }
}
