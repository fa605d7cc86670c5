import CordonModel
import EventSourcing
import XCTest

@testable import CordonTUI

/// The duty roster's row for a unit and role, from the roster's index.
final class RosterPaneTests: XCTestCase {
  private func row(_ s: CordonState, _ id: String, at now: Instant) throws -> TableRow {
    try XCTUnwrap(RosterPane.table(state: s, now: now, strings: Strings(.en)).rows.first { $0.id == id })
  }

  func testTheNextShiftShowsItsDayWhenItIsNotTodayAndPastShiftsLeaveTheRowAlone() throws {
    var s = VirtualTableTests.demoState()
    let now = VirtualTableTests.t0
    let unit = try XCTUnwrap(s.orderedUnits.first { $0.isKey })
    let people = s.people.values.filter { $0.unit == unit.id }.map(\.id).sorted()
    XCTAssertGreaterThanOrEqual(people.count, 2)
    // A role with nobody on it today and nobody to come.
    let empty = try XCTUnwrap(
      DutyRole.allCases.first { role in
        !s.shifts.values.contains { $0.unit == unit.id && $0.role == role && $0.end > now }
      })
    let id = "\(unit.id)/\(empty.rawValue)"
    let before = try row(s, id, at: now)

    // A shift that ended a year ago changes nothing.
    func assign(_ shift: String, _ person: String, from start: Instant, hours: Int64) {
      VirtualTableTests.apply(
        &s,
        .shiftAssigned(
          Shift(
            id: shift, unit: unit.id, site: nil, role: empty, person: person, start: start,
            end: start.adding(minutes: hours * 60), noShow: false, cancelled: false)), at: now)
    }
    assign("old", people[0], from: now.adding(minutes: -365 * 24 * 60), hours: 8)
    XCTAssertEqual(try row(s, id, at: now), before)

    // One in three days: the next column names its day, not only its time.
    let later = now.adding(minutes: 3 * 24 * 60)
    assign("later", people[1], from: later, hours: 8)
    let cal = s.calendar
    let next = try row(s, id, at: now).cells[6].text
    XCTAssertEqual(next, "\(cal.formatMonthDayTime(later)) \(s.personName(people[1]))")
    XCTAssertTrue(next.hasPrefix("02-10 08:00"), next)

    // One later today: the time alone.
    let soon = now.adding(minutes: 120)
    assign("soon", people[0], from: soon, hours: 1)
    XCTAssertEqual(try row(s, id, at: now).cells[6].text, "\(cal.formatTime(soon)) \(s.personName(people[0]))")
    XCTAssertEqual(try row(s, id, at: now).cells[7].text.filter { $0 == "-" || $0 == "=" }.count, 1)
  }
}
