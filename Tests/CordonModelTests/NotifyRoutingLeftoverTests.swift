import EventSourcing
import Foundation
import XCTest

@testable import CordonModel

/// Issue 18's leftovers in the domain: a removed receiver is owed nothing.
final class NotifyRoutingLeftoverTests: XCTestCase {
  func testARemovedReceiverIsOwedNothingAndTheDropIsJournalled() throws {
    var h = Harness()
    try h.run(.configureNotifications(NotifierTests.routing), actor: "cordon-notify")
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 395)))
    let owed = h.state.notify.queue(for: "sms").map(\.id)
    XCTAssertFalse(owed.isEmpty, "a critical fever notifies sms")
    XCTAssertEqual(h.state.notify.queue(for: "wecom").map(\.id), owed)
    // sms leaves the configuration: each notice it was owed is dropped, with the reason; wecom keeps them.
    var routing = NotifierTests.routing
    routing.receivers = ["wecom", "mail"]
    routing.routes = routing.routes.map { r in
      var r = r
      r.receivers.removeAll { $0 == "sms" }
      return r
    }
    let events = try h.run(.configureNotifications(routing), actor: "cordon-notify")
    let about = owed.compactMap { h.state.notify.pending[$0]?.notification }.map { ($0.kind, $0.subject) }
    XCTAssertEqual(about.map(\.0), [.alert])
    let drops: [CordonEvent] = zip(owed, about).map {
      .notificationDropped(id: $0, receiver: "sms", reason: "receiverRemoved", kind: $1.0, subject: $1.1)
    }
    XCTAssertEqual(Array(events.dropFirst()), drops)
    XCTAssertEqual(h.state.notify.queue(for: "sms"), [])
    XCTAssertEqual(h.state.notify.queue(for: "wecom").map(\.id), owed)
    // Delivered to wecom, the notices leave the outbox entirely.
    for id in owed { try h.run(.recordDeliveries([.delivered(id: id, receiver: "wecom", attempt: 1)])) }
    XCTAssertTrue(h.state.notify.pending.isEmpty)
    // The audit trail says why, and what the notice was about, in both languages.
    let record = try XCTUnwrap(h.journal.first { if case .notificationDropped = $0.event { true } else { false } })
    let alert = try XCTUnwrap(AlertKey(parsing: about[0].1).flatMap { h.state.alerts[$0] })
    XCTAssertEqual(
      AuditTrail.describe(record.event, state: h.state, strings: Strings(.en)),
      "notification dropped: \(owed[0]) (alert #\(alert.number) \(alert.message(h.state, Strings(.en)))) "
        + "is no longer owed to sms: the receiver was removed from the configuration")
    let zh = AuditTrail.describe(record.event, state: h.state, strings: Strings(.zh))
    XCTAssertEqual(
      zh,
      "通知不再发送: \(owed[0])（告警 #\(alert.number) \(alert.message(h.state, Strings(.zh)))） 不再发给 sms：该接收方已从配置中删除")
    XCTAssertTrue(zh.contains("张三"), zh)
    // So does `cordon watch`.
    let watch = try XCTUnwrap(WatchStream.line(record, pane: nil, state: h.state, strings: Strings(.zh)))
    XCTAssertTrue(watch.contains("告警 #\(alert.number)"), watch)
    XCTAssertTrue(watch.contains("不再发给 sms"), watch)
    // A record journalled before the notice's kind and subject were kept still reads, by its id alone.
    let old = CordonEvent.notificationDropped(id: owed[0], receiver: "sms", reason: "receiverRemoved")
    XCTAssertEqual(
      AuditTrail.describe(old, state: h.state, strings: Strings(.en)),
      "notification dropped: \(owed[0]) is no longer owed to sms: the receiver was removed from the configuration")
  }

  /// Records of the three-field `notificationDropped`, binary and JSON-era,
  /// decode with no kind and no subject.
  func testADroppedNoticeJournalledBeforeItsSubjectWasKeptStillDecodes() throws {
    struct OldBody: Encodable {
      var id = "N7"
      var receiver = "sms"
      var reason = "receiverRemoved"
    }
    let expected = EventRecord(
      seq: 3, time: Instant(milliseconds: 1_580_000_000_000), actor: "a", unit: nil, commandID: nil,
      event: CordonEvent.notificationDropped(id: "N7", receiver: "sms", reason: "receiverRemoved"))
    let codec = RecordCodec<CordonEvent>()
    let current = try codec.encode(expected)
    // The old layout: the same header, the tag, the three fields, the end byte.
    var old: [UInt8] = Array(current.prefix(10))
    old += [1, UInt8(ascii: "a"), UInt8(CordonEventTag.notificationDropped.rawValue)]
    try BinaryCoding.encode(OldBody(), into: &old)
    old.append(0xEC)
    XCTAssertEqual(old, current, "a drop without kind and subject is written as before")
    XCTAssertEqual(try old.withUnsafeBytes { try codec.decode(seq: 3, payload: $0, json: JSONDecoder()) }, expected)
    let json = #"{"notificationDropped":{"id":"N7","receiver":"sms","reason":"receiverRemoved"}}"#
    XCTAssertEqual(try JSONDecoder().decode(CordonEvent.self, from: Data(json.utf8)), expected.event)
    // With them, both ways round.
    let full = EventRecord(
      seq: 4, time: expected.time, actor: "a", unit: nil, commandID: nil,
      event: CordonEvent.notificationDropped(
        id: "N8", receiver: "sms", reason: "receiverRemoved", kind: .directive, subject: "D2/jinyuan"))
    let bytes = try codec.encode(full)
    XCTAssertEqual(try bytes.withUnsafeBytes { try codec.decode(seq: 4, payload: $0, json: JSONDecoder()) }, full)
    XCTAssertEqual(try JSONDecoder().decode(EventRecord<CordonEvent>.self, from: JSONEncoder().encode(full)), full)
  }

  /// The daily report's notifications section: per receiver, queued,
  /// delivered, failed, dropped and still pending, in zh and en, and CSV.
  func testTheDailyReportCountsNotificationsPerReceiver() throws {
    var h = Harness()
    try h.run(.configureNotifications(NotifierTests.routing), actor: "cordon-notify")
    try h.run(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 395)))
    try h.run(.recordFever(site: "jy-dongfeng", personName: "李四", reading: Celsius(tenths: 396)))
    let ids = h.state.notify.queue(for: "wecom").map(\.id)
    XCTAssertEqual(ids.count, 2)
    try h.run(.recordDeliveries([.delivered(id: ids[0], receiver: "wecom", attempt: 1)]))
    try h.run(.recordDeliveries([.failed(id: ids[1], receiver: "wecom", attempt: 1, error: "HTTP 500")]))
    try h.run(.recordDeliveries([.failed(id: ids[1], receiver: "wecom", attempt: 2, error: "HTTP 500")]))
    try h.run(.recordDeliveries([.delivered(id: ids[0], receiver: "sms", attempt: 1)]))
    let cal = h.state.calendar
    let day = cal.day(of: h.now)
    let report = DailyReport(day: day, records: h.journal, end: h.state, now: h.now)
    let byName = Dictionary(uniqueKeysWithValues: report.notifications.map { ($0.receiver, $0) })
    XCTAssertEqual(report.notifications.map(\.receiver), ["wecom", "sms", "mail"], "in the configuration's order")
    XCTAssertEqual(
      byName["wecom"].map { [$0.queued, $0.delivered, $0.failed, $0.dropped, $0.pending] }, [2, 1, 1, 0, 1])
    XCTAssertEqual(
      byName["sms"].map { [$0.queued, $0.delivered, $0.failed, $0.dropped, $0.pending] }, [2, 1, 0, 0, 1])
    XCTAssertEqual(byName["mail"].map { [$0.queued, $0.pending] }, [0, 0])
    // One unit's report counts that unit's notices only.
    let heating = DailyReport(day: day, unit: "heating", records: h.journal, end: h.state, now: h.now)
    XCTAssertEqual(heating.notifications.first { $0.receiver == "wecom" }.map { [$0.queued, $0.delivered] }, [1, 1])
    let en = ReportRenderer.render(report, state: h.state, format: .md, strings: Strings(.en))
    XCTAssertTrue(en.contains("Notifications"), en)
    XCTAssertTrue(en.contains("| wecom | 2 | 1 | 1 | 0 | 1 |"), en)
    let zh = ReportRenderer.render(report, state: h.state, format: .txt, strings: Strings(.zh))
    XCTAssertTrue(zh.contains("通知发送"), zh)
    let csv = ReportRenderer.render(report, state: h.state, format: .csv, strings: Strings(.en))
    XCTAssertTrue(csv.contains("Notifications,wecom,Failed,1"), csv)
    // Without receivers, and nothing notified that day, there is no section.
    let plain = Harness()
    let none = DailyReport(day: day, records: plain.journal, end: plain.state, now: plain.now)
    XCTAssertTrue(none.notifications.isEmpty)
  }
}
