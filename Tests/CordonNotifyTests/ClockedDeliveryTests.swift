import CordonModel
import CordonNotify
import CordonServer
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// Issue 18's "routing, quiet hours and repeat intervals with an injected
/// clock", end to end: the domain decides at the test's time, the real
/// sender compares due times with the same clock, and a real loopback HTTP
/// receiver shows what left and when. Then the robots' bodies as they
/// arrive, against their documented shapes, and templates from a folder.
final class ClockedDeliveryTests: XCTestCase {
  /// The test's clock, shared by the domain's decisions and the sender.
  final class Clock: Sendable {
    private let t: Mutex<Instant>
    init(_ t: Instant) { self.t = Mutex(t) }
    var now: Instant { t.withLock { $0 } }
    func set(_ n: Instant) { t.withLock { $0 = n } }
  }

  let calendar = CordonState().calendar

  /// Local time `hh:mm` on the day of the real clock, for the domain (the
  /// calendar's days begin at local midnight).
  func today(_ hour: Int, _ minute: Int = 0) -> Instant {
    calendar.startOfDay(calendar.day(of: Instant.now())).adding(minutes: Int64(hour * 60 + minute))
  }

  func webhook(_ name: String, _ url: String, format: Receiver.Format = .json) -> Receiver {
    Receiver(
      name: name, kind: .webhook(url: url, format: format, messageType: .text, headers: [:]),
      timeoutMilliseconds: 2000, retryInitialMilliseconds: 100, retryMaxMilliseconds: 800)
  }

  /// A real sender over `outbox` whose clock is `clock`.
  func start(_ outbox: Outbox, _ config: NotifyConfig, clock: Clock) -> NotificationSender {
    var hooks = outbox.hooks
    hooks.now = { clock.now }
    let sender = NotificationSender(config: config, hooks: hooks)
    sender.start()
    return sender
  }

  func stop(_ sender: NotificationSender) {
    let done = DispatchSemaphore(value: 0)
    Task {
      await sender.stop()
      done.signal()
    }
    done.wait()
  }

  /// Long enough for the sender (it looks again every 100 ms) to have sent anything it would.
  func settle() { Thread.sleep(forTimeInterval: 0.6) }

  func testQuietHoursHoldAWarningUntilTheWindowEndsAndACriticalGoesAtOnce() throws {
    let http = try LoopbackReceiver()
    let quiet = QuietHours(startMinute: 23 * 60, endMinute: 7 * 60)
    let routing = NotifyRouting(
      receivers: ["pager", "mail"],
      routes: [
        NotifyRoute(name: "crit", severities: [.critical], kinds: [.alert], receivers: ["pager"], quietHours: quiet),
        NotifyRoute(name: "night", kinds: [.directive], receivers: ["mail"], quietHours: quiet, groupWaitSeconds: 0),
      ])
    let outbox = Outbox(routing)
    let late = today(23, 30)
    let clock = Clock(late)
    try outbox.run(.recordFever(site: "ht-1", personName: "夜班发热", reading: Celsius(tenths: 390)), at: late)
    let directive = try outbox.run(
      .issueDirective(text: "夜间加强巡查", targets: ["jinyuan"], deadline: late.adding(minutes: 600)), at: late,
      actor: "hq-duty")
    let held = try XCTUnwrap(
      directive.compactMap { if case .notificationQueued(let n) = $0 { n } else { nil } }.first)
    XCTAssertEqual(calendar.format(held.due), calendar.format(today(24 + 7)), "held until 07:00 the next morning")

    let sender = start(
      outbox,
      NotifyConfig(
        receivers: [webhook("pager", http.url("/ok/pager")), webhook("mail", http.url("/ok/mail"))],
        routing: routing), clock: clock)
    defer { stop(sender) }
    XCTAssertTrue(http.wait(5) { !http.requests(to: "/ok/pager").isEmpty }, "a critical ignores quiet hours")
    settle()
    XCTAssertEqual(http.requests(to: "/ok/mail").count, 0, "23:30: inside the window")
    clock.set(today(24 + 6, 59))
    settle()
    XCTAssertEqual(http.requests(to: "/ok/mail").count, 0, "06:59: still inside")
    clock.set(today(24 + 7))
    XCTAssertTrue(http.wait(5) { !http.requests(to: "/ok/mail").isEmpty }, "07:00: the window is over")
    XCTAssertEqual(http.requests(to: "/ok/mail").flatMap(\.ids), [held.id])
    XCTAssertEqual(http.notices("/ok/mail").first?["kind"] as? String, "directive")
  }

  func testWarningsWaitForTheirGroupAndLeaveAsOneMessage() throws {
    let http = try LoopbackReceiver()
    let routing = NotifyRouting(
      receivers: ["mail"],
      routes: [NotifyRoute(name: "dirs", kinds: [.directive], receivers: ["mail"], groupWaitSeconds: 60)])
    let outbox = Outbox(routing)
    let t0 = today(10)
    let clock = Clock(t0)
    try outbox.run(
      .issueDirective(text: "上报口罩库存", targets: ["jinyuan", "heating"], deadline: t0.adding(minutes: 120)), at: t0,
      actor: "hq-duty")
    let sender = start(
      outbox, NotifyConfig(receivers: [webhook("mail", http.url("/ok/mail"))], routing: routing), clock: clock)
    defer { stop(sender) }
    // 20 s on, another directive joins the group still waiting.
    clock.set(t0.adding(seconds: 20))
    try outbox.run(
      .issueDirective(text: "核对值班表", targets: ["jindun"], deadline: t0.adding(minutes: 120)),
      at: t0.adding(seconds: 20), actor: "hq-duty")
    settle()
    clock.set(t0.adding(seconds: 59))
    settle()
    XCTAssertEqual(http.requests.count, 0, "a warning waits for its group (60 s)")
    clock.set(t0.adding(seconds: 60))
    XCTAssertTrue(http.wait(5) { outbox.pending == 0 })
    let requests = http.requests(to: "/ok/mail")
    XCTAssertEqual(requests.count, 1, "one message for the group")
    XCTAssertEqual(requests.first?.ids, ["N1", "N2", "N3"])
    XCTAssertEqual(http.notices("/ok/mail").compactMap { $0["unit"] as? String }, ["jinyuan", "heating", "jindun"])
    XCTAssertTrue((requests.first?.json["text"] as? String)?.hasPrefix("Cordon 通知 3 条\n") ?? false, "\(requests)")

    // After the group left, the next directive starts a group of its own.
    let t1 = t0.adding(seconds: 90)
    clock.set(t1)
    try outbox.run(
      .issueDirective(text: "复查消毒记录", targets: ["jinyuan"], deadline: t0.adding(minutes: 120)), at: t1,
      actor: "hq-duty")
    settle()
    XCTAssertEqual(http.requests(to: "/ok/mail").count, 1)
    clock.set(t1.adding(seconds: 60))
    XCTAssertTrue(http.wait(5) { http.requests(to: "/ok/mail").count == 2 })
    XCTAssertEqual(http.requests(to: "/ok/mail").last?.ids, ["N4"])
  }

  func testAnOpenAlertIsSentAgainAfterTheRepeatIntervalAndNotBefore() throws {
    let http = try LoopbackReceiver()
    let routing = NotifyRouting(
      receivers: ["pager"],
      routes: [
        // Fevers only: whatever else the clock raises stays out of the count.
        NotifyRoute(
          name: "crit", severities: [.critical], rules: [.fever], kinds: [.alert], receivers: ["pager"],
          repeatIntervalMinutes: 60)
      ])
    let outbox = Outbox(routing)
    let t0 = today(9)
    let clock = Clock(t0)
    try outbox.run(.recordFever(site: "ht-1", personName: "王五", reading: Celsius(tenths: 392)), at: t0)
    let sender = start(
      outbox, NotifyConfig(receivers: [webhook("pager", http.url("/ok/pager"))], routing: routing), clock: clock)
    defer { stop(sender) }
    XCTAssertTrue(http.wait(5) { outbox.pending == 0 })
    for minutes in [30, 59] {
      clock.set(t0.adding(minutes: Int64(minutes)))
      try outbox.run(nil, at: clock.now, actor: "cordon")
    }
    settle()
    XCTAssertEqual(http.requests.flatMap(\.ids), ["N1"], "not before the interval")
    clock.set(t0.adding(minutes: 60))
    try outbox.run(nil, at: clock.now, actor: "cordon")
    XCTAssertTrue(http.wait(5) { http.requests.count == 2 })
    let notices = http.notices("/ok/pager")
    XCTAssertEqual(notices.map { $0["repeat"] as? Bool }, [false, true])
    XCTAssertEqual(notices[0]["subject"] as? String, notices[1]["subject"] as? String, "the same alert")
    XCTAssertTrue((http.requests.last?.json["text"] as? String)?.contains("（重复）") ?? false, "\(http.requests)")
    // Once per interval.
    clock.set(t0.adding(minutes: 90))
    try outbox.run(nil, at: clock.now, actor: "cordon")
    settle()
    XCTAssertEqual(http.requests.count, 2)
  }

  /// One delivery's outcome, from the task that made it.
  final class Delivery: Sendable {
    let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Void, NotificationSender.Failure>?>(nil)
    func set(_ r: Result<Void, NotificationSender.Failure>) {
      outcome.withLock { $0 = r }
      done.signal()
    }
    var result: Result<Void, NotificationSender.Failure>? { outcome.withLock { $0 } }
  }

  /// The keys and value types of a JSON body; `msgtype`'s value as it is.
  func shape(_ v: Any, key: String = "") -> String {
    if let s = v as? String { return key == "msgtype" ? "\"\(s)\"" : "string" }
    if let a = v as? [Any] { return "[" + (a.first.map { shape($0) } ?? "") + "]" }
    if let o = v as? [String: Any] {
      return "{" + o.keys.sorted().map { "\($0):\(shape(o[$0] ?? "", key: $0))" }.joined(separator: ",") + "}"
    }
    if v is Bool { return "bool" }
    return "number"
  }

  /// WeCom: https://developer.work.weixin.qq.com/document/path/91770 (text:
  /// content, mentioned_mobile_list; markdown: content). DingTalk:
  /// https://open.dingtalk.com/document/robots/custom-robot-access (text:
  /// content, at.atMobiles, at.isAtAll; markdown: title, text). What arrives
  /// at a real HTTP receiver, headers included, has exactly those fields.
  func testRobotBodiesArriveInTheirDocumentedShapes() throws {
    let http = try LoopbackReceiver()
    let sender = NotificationSender(
      config: NotifyConfig(), hooks: .init(state: { CordonState() }, record: { _ in }))
    let t = Instant(seconds: 1_580_000_000)
    let escalation = Notice(
      id: "N7", kind: .escalation, severity: .critical, unit: "jinyuan", rule: .fever, subject: "fever/x",
      text: LocalizedName(zh: "发热：张三 38.9℃", en: "Fever: Zhang San 38.9 °C"), person: "p1", phone: "13800000001",
      route: "crit", receivers: ["x"], due: t, queuedAt: t)
    let message = Message([escalation], templates: .defaults(.zh), calendar: calendar)
    let expected: [(Receiver.Format, Receiver.MessageType, String)] = [
      (.wecom, .text, #"{msgtype:"text",text:{content:string,mentioned_mobile_list:[string]}}"#),
      (.wecom, .markdown, #"{markdown:{content:string},msgtype:"markdown"}"#),
      (.dingtalk, .text, #"{at:{atMobiles:[string],isAtAll:bool},msgtype:"text",text:{content:string}}"#),
      (.dingtalk, .markdown, #"{markdown:{text:string,title:string},msgtype:"markdown"}"#),
    ]
    for (i, (format, type, want)) in expected.enumerated() {
      let path = "/wecom/\(format.rawValue)-\(type.rawValue)"
      let r = Receiver(
        name: "r\(i)", kind: .webhook(url: http.url(path), format: format, messageType: type, headers: [:]),
        timeoutMilliseconds: 5000)
      let outcome = Delivery()
      Task {
        outcome.set(await sender.deliver(message, to: r))
      }
      XCTAssertEqual(outcome.done.wait(timeout: .now() + 10), .success, "\(format) \(type): no outcome")
      if case .failure(let f)? = outcome.result { XCTFail("\(format) \(type): \(f.message)") }
      let request = try XCTUnwrap(http.requests(to: path).first)
      let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(request.body.utf8)))
      XCTAssertEqual(shape(body), want, "\(format) \(type)")
      XCTAssertEqual(request.headers["Content-Type"], "application/json; charset=utf-8")
      XCTAssertEqual(request.ids, ["N7"])
      let o = try XCTUnwrap(body as? [String: Any])
      if type == .text {
        let content = try XCTUnwrap((o["text"] as? [String: Any])?["content"] as? String)
        XCTAssertTrue(content.contains("发热：张三 38.9℃") && content.contains("13800000001"), content)
      }
      if format == .dingtalk {
        if type == .text { XCTAssertEqual((o["at"] as? [String: Any])?["isAtAll"] as? Bool, false) }
        if type == .markdown { XCTAssertEqual((o["markdown"] as? [String: Any])?["title"] as? String, "N7") }
      }
    }
    stop(sender)
  }

  func testTemplatesFromAFolderShapeWhatIsSent() throws {
    let http = try LoopbackReceiver()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-tpl-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try #"alert = "值班提醒 {id}｜{unit}｜{text}""#.write(
      to: dir.appendingPathComponent("zh.toml"), atomically: true, encoding: .utf8)
    try #"alert = "Duty note {id} | {unit} | {text}""#.write(
      to: dir.appendingPathComponent("en.toml"), atomically: true, encoding: .utf8)
    for lang in ["zh", "en"] {
      let config = try AccessConfig.parse(
        """
        [notify]
        language = "\(lang)"
        templates = "\(dir.path)"

        [[receivers]]
        name = "robot"
        type = "webhook"
        url = "\(http.url("/wecom/\(lang)"))"
        format = "wecom"

        [[routes]]
        severity = ["critical"]
        receivers = ["robot"]
        """, file: "cordon.toml"
      ).notify
      let outbox = Outbox(config.routing)
      outbox.fevers(1)
      XCTAssertTrue(http.deliverAll(outbox, with: config))
      let content = try XCTUnwrap(
        (http.requests(to: "/wecom/\(lang)").first?.json["text"] as? [String: Any])?["content"] as? String)
      if lang == "zh" {
        XCTAssertTrue(content.hasPrefix("值班提醒 N1｜heating｜发热"), content)
      } else {
        XCTAssertTrue(content.hasPrefix("Duty note N1 | heating | Fever"), content)
      }
      XCTAssertTrue(content.contains("发热者0"), content)
    }
  }
}
