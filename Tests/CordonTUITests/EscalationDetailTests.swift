import CordonModel
import EventSourcing
import XCTest

@testable import CordonTUI

/// The alert queue's detail (Enter) shows the escalation step along the
/// roster: whom it reached, with their phone, and the history line of it.
final class EscalationDetailTests: XCTestCase {
  func testTheAlertDetailNamesThePersonOnDutyAndTheirPhone() throws {
    var s = try FieldMappingTests.state()
    let at = FieldMappingTests.now.adding(minutes: Int64(s.settings.ackTimeoutMinutes))
    for e in CordonDomain.housekeeping(state: s, now: at) {
      s.apply(EventRecord(seq: s.lastSeq + 1, time: at, actor: "system", unit: nil, commandID: nil, event: e))
    }
    let key = AlertKey(rule: .fever, subject: "ht-1/张三")
    let alert = try XCTUnwrap(s.alerts[key])
    XCTAssertEqual(alert.escalationLevel, 1)
    let step = try XCTUnwrap(alert.escalation)
    XCTAssertEqual(step.tier, .officer)
    let person = try XCTUnwrap(step.person.flatMap { s.people[$0] })
    for lang in Language.allCases {
      let t = Strings(lang)
      let (_, lines) = AlertPane().detail(
        rowID: key.description, PaneContext(state: s, now: at, strings: t, options: PaneOptions()))
      let words = step.words(level: 1, state: s, strings: t)
      XCTAssertTrue(words.contains(person.name) && words.contains(person.phone), words)
      XCTAssertTrue(lines.contains("\(t("detail.escalation")): \(words)"), lines.joined(separator: "\n"))
      XCTAssertTrue(lines.contains { $0.hasSuffix("system  \(words)") }, lines.joined(separator: "\n"))
    }
  }
}
