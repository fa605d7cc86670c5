import CordonModel
import EventSourcing
import XCTest

@testable import CordonTUI

/// `:notify`: each receiver's state and last error, from the journal.
final class NotifyViewTests: XCTestCase {
  func testEachReceiverShowsWhatItOwesAndSinceWhenItFails() throws {
    var state = CordonState()
    XCTAssertEqual(InfoViews.notify(state, strings: Strings(.en)), [Strings(.en)("view.notifyNone")])
    let routing = NotifyRouting(
      receivers: ["wecom", "sms"],
      routes: [NotifyRoute(name: "crit", severities: [.critical], receivers: ["wecom", "sms"])])
    let t0 = Instant(seconds: 1_580_000_000)
    let note = Notice(
      id: "N1", kind: .test, severity: .info, unit: "hq", rule: nil, subject: "test/sms", text: .init(zh: "测", en: "t"),
      route: "test", receivers: ["wecom", "sms"], due: t0, queuedAt: t0)
    let events: [CordonEvent] = [
      .notificationsConfigured(routing), .notificationQueued(note),
      .notificationDelivered(id: "N1", receiver: "wecom", attempt: 1),
      .notificationFailed(id: "N1", receiver: "sms", attempt: 1, error: "HTTP 502"),
    ]
    for (i, e) in events.enumerated() {
      state.apply(
        EventRecord(seq: UInt64(i + 1), time: t0, actor: "cordon-notify", unit: nil, commandID: nil, event: e))
    }
    let lines = InfoViews.notify(state, strings: Strings(.en))
    XCTAssertTrue(lines[0].hasPrefix("wecom"), lines[0])
    XCTAssertTrue(lines[0].contains("ok") && lines[0].contains("owed 0  delivered 1"), lines[0])
    XCTAssertTrue(lines[1].hasPrefix("sms") && lines[1].contains("failing") && lines[1].contains("owed 1"), lines[1])
    XCTAssertTrue(lines[2].contains("failing since") && lines[2].contains("HTTP 502"), lines[2])
    XCTAssertEqual(lines.last, "crit → wecom, sms")
    XCTAssertTrue(InfoViews.notify(state, strings: Strings(.zh))[1].contains("失败"))
  }
}
