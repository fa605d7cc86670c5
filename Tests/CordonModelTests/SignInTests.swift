import CordonModel
import EventSourcing
import XCTest

/// 接班签到 / 交班签退: who may, when, and the alert when nobody does.
final class SignInTests: XCTestCase {
  /// The 16:00 officer shift at jinyuan: not yet signed in by the harness.
  func evening(_ h: Harness) throws -> Shift {
    let day = h.state.calendar.day(of: h.now)
    return try XCTUnwrap(h.state.shifts["demo-jinyuan-officer-\(day)-2"])
  }

  func testSignInRecordsWhoAndRefusesTwiceOutsideTheWindowAndSignOutFollows() throws {
    var h = Harness()
    let s = try evening(h)
    XCTAssertEqual(h.refusal(.signIn(shift: s.id))?.code, "signIn.window", "eight hours early")
    XCTAssertEqual(h.refusal(.signIn(shift: s.id))?.commandField, .shift)
    XCTAssertEqual(h.refusal(.signIn(shift: "nope"))?.code, "shift.unknown")
    XCTAssertEqual(h.refusal(.signOut(shift: s.id))?.code, "signOut.notSignedIn")
    h.now = s.start.adding(minutes: -60)
    try h.run(.signIn(shift: s.id), actor: s.person)
    let signed = try XCTUnwrap(h.state.shifts[s.id]?.signedIn)
    XCTAssertEqual(signed, SignIn(shift: s.id, person: s.person, at: h.now, by: s.person, forOther: false))
    let before = h.state
    let twice = try XCTUnwrap(h.refusal(.signIn(shift: s.id)))
    XCTAssertEqual(twice.code, "signIn.twice")
    XCTAssertEqual(twice.commandField, .shift)
    XCTAssertEqual(h.state, before, "a refusal changes nothing")
    h.advance(minutes: 8 * 60)
    try h.run(.signOut(shift: s.id), actor: s.person)
    XCTAssertEqual(h.state.shifts[s.id]?.signedOutAt, h.now)
    XCTAssertEqual(h.state.shifts[s.id]?.isSignedIn, false)
    XCTAssertEqual(h.refusal(.signOut(shift: s.id))?.code, "signOut.twice")
    let zh = Strings(.zh)
    XCTAssertEqual(
      zh.refusal(twice), "王芳 已于 2020-02-07 15:00 签到".replacingOccurrences(of: "王芳", with: h.state.personName(s.person)))
  }

  func testTheCommandRoleSigningInForSomeoneIsRecordedAsDoingSo() throws {
    var h = Harness()
    let s = try evening(h)
    h.now = s.start
    try h.run(.signIn(shift: s.id), actor: "hq-duty")
    XCTAssertEqual(h.state.shifts[s.id]?.signedIn?.forOther, true)
    XCTAssertEqual(h.state.shifts[s.id]?.signedIn?.by, "hq-duty")
    let record = try XCTUnwrap(h.journal.last)
    let line = AuditTrail.line(record, state: h.state, strings: Strings(.zh))
    XCTAssertTrue(line.contains("接班签到") && line.contains("由 hq-duty 代签"), line)
    let en = AuditTrail.line(record, state: h.state, strings: Strings(.en))
    XCTAssertTrue(en.contains("signed in") && en.contains("entered by hq-duty"), en)
  }

  func testAuthorisationAnOperatorOnlyForItsUnitAndOnlyAsThePersonOnTheShift() throws {
    let h = Harness()
    let s = try evening(h)
    let own = Principal(user: s.person, role: .operator, units: ["jinyuan"])
    XCTAssertNil(Authorization.check(.signIn(shift: s.id), by: own, in: h.state))
    let colleague = Principal(user: "jy-duty", role: .operator, units: ["jinyuan"])
    let r = try XCTUnwrap(Authorization.check(.signIn(shift: s.id), by: colleague, in: h.state))
    XCTAssertEqual(r.code, "signIn.notOnShift")
    XCTAssertEqual(r.commandField, .shift)
    XCTAssertEqual(Authorization.check(.signOut(shift: s.id), by: colleague, in: h.state)?.code, "signIn.notOnShift")
    let other = Principal(user: s.person, role: .operator, units: ["heating"])
    XCTAssertEqual(Authorization.check(.signIn(shift: s.id), by: other, in: h.state)?.code, "auth.otherUnit")
    let hq = Principal(user: "hq-duty", role: .command, units: [])
    XCTAssertNil(Authorization.check(.signIn(shift: s.id), by: hq, in: h.state))
    let viewer = Principal(user: s.person, role: .viewer, units: [])
    XCTAssertEqual(Authorization.check(.signIn(shift: s.id), by: viewer, in: h.state)?.code, "auth.readOnly")
  }

  func testNoSignInAlertExactlyAtTheGraceAndClearedBySigningIn() throws {
    var h = Harness()
    let s = try evening(h)
    let key = AlertKey(rule: .signInMissing, subject: s.id)
    XCTAssertEqual(h.state.settings.signInGraceMinutes, 15)
    h.now = Instant(milliseconds: s.start.adding(minutes: 15).milliseconds - 1)
    _ = h.housekeeping()
    XCTAssertNil(h.state.alerts[key], "1 ms before the grace")
    h.now = s.start.adding(minutes: 15)
    _ = h.housekeeping()
    let a = try XCTUnwrap(h.state.alerts[key], "at the grace")
    XCTAssertEqual(a.unit, "jinyuan")
    XCTAssertEqual(a.severity, .warning)
    XCTAssertTrue(a.message(h.state, Strings(.zh)).contains("未接班签到"), a.message(h.state, Strings(.zh)))
    try h.run(.signIn(shift: s.id), actor: s.person)
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved, "signing in clears it in the same batch")
  }

  func testTheGraceIsAnOrganisationSettingWithBounds() throws {
    var h = Harness()
    let s = try evening(h)
    let key = AlertKey(rule: .signInMissing, subject: s.id)
    try h.run(.changeSettings(SettingsChanges(signInGraceMinutes: 30)), actor: "hq-duty")
    XCTAssertEqual(h.state.settings.signInGraceMinutes, 30)
    for bad in [0, 241] {
      let r = h.refusal(.changeSettings(SettingsChanges(signInGraceMinutes: bad)))
      XCTAssertEqual(r?.commandField, .signInGraceMinutes, "\(bad)")
    }
    h.now = s.start.adding(minutes: 15)
    _ = h.housekeeping()
    XCTAssertNil(h.state.alerts[key])
    h.now = s.start.adding(minutes: 30)
    _ = h.housekeeping()
    XCTAssertNotNil(h.state.alerts[key])
    // A no-show marked by hand replaces it with its own alert.
    try h.run(.markNoShow(shift: s.id), actor: "hq-duty")
    XCTAssertEqual(h.state.alerts[key]?.state, .resolved)
    XCTAssertEqual(h.alert(.noShow, s.id)?.state, .open)
    XCTAssertEqual(h.refusal(.signIn(shift: s.id))?.code, "shift.unknown", "a no-show is not signed into")
  }

  func testSettingsFromBeforeTheGraceDecodeWithTheDefault() throws {
    var s = Settings()
    s.signInGraceMinutes = 40
    // Sorted keys: the key removed below is never the first (JSONEncoder's order is not fixed on Linux).
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var json = try XCTUnwrap(String(data: try encoder.encode(s), encoding: .utf8))
    json = json.replacingOccurrences(of: #","signInGraceMinutes":40"#, with: "")
    XCTAssertFalse(json.contains("signInGraceMinutes"), json)
    XCTAssertEqual(try JSONDecoder().decode(Settings.self, from: Data(json.utf8)), Settings())
  }

  func testJSONLines() throws {
    let cal = CordonState().calendar
    try assertJSONRoundTrips([.signIn(shift: "sh1"), .signOut(shift: "sh1")], calendar: cal)
    XCTAssertEqual(try CommandJSON.decode(#"{"type":"signIn","shift":"sh9"}"#, calendar: cal), .signIn(shift: "sh9"))
    do {
      _ = try CommandJSON.decode(#"{"type":"signOut"}"#, calendar: cal)
      XCTFail("no shift")
    } catch {
      XCTAssertEqual(error.commandField, .shift)
    }
  }
}
