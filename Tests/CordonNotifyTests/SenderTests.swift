import CordonModel
import CordonNotify
import EventSourcing
import Foundation
import Synchronization
import XCTest

/// The journal's outbox in memory, run through the real `decide` and `apply`,
/// so the sender is tested against the domain that decides, not a mock.
final class Outbox: Sendable {
  let state = Mutex(CordonState())

  init(_ routing: NotifyRouting) {
    run(.register(DemoOrganisation.registration()))
    run(.configureNotifications(routing))
  }

  @discardableResult
  func run(_ c: CordonCommand, actor: String = "tester") -> [CordonEvent] {
    state.withLock { s in
      let now = Instant.now()
      guard let events = try? CordonDomain.decide(c, context: .init(actor: actor, unit: nil, now: now), state: s)
      else { return [] }
      for e in events {
        s.apply(EventRecord(seq: s.lastSeq + 1, time: now, actor: actor, unit: nil, commandID: nil, event: e))
      }
      return events
    }
  }

  let journal = Mutex<[DeliveryOutcome]>([])
  let logLines = Mutex<[String]>([])
  /// How many commands the sender's outcomes took.
  let commits = Mutex(0)
  /// How long each of those commands takes to commit.
  let commitMilliseconds = Mutex(0)

  var hooks: NotificationSender.Hooks {
    .init(
      state: { [self] in state.withLock { $0 } },
      record: { [self] outcomes in
        commits.withLock { $0 += 1 }
        let delay = commitMilliseconds.withLock { $0 }
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        for outcome in outcomes {
          let events = run(.recordDeliveries([outcome]), actor: "cordon-notify")
          if !events.isEmpty { journal.withLock { $0.append(outcome) } }
        }
      }, log: { [self] line in logLines.withLock { $0.append(line) } })
  }

  var pending: Int { state.withLock { $0.notify.pending.count } }
  func remaining(_ receiver: String) -> Int { state.withLock { $0.notify.queue(for: receiver).count } }

  /// Raises `n` distinct critical fever alerts.
  func fevers(_ n: Int, from: Int = 0) {
    for i in from..<(from + n) {
      run(.recordFever(site: "ht-1", personName: "发热者\(i)", reading: Celsius(tenths: 385)))
    }
  }
}

final class SenderTests: XCTestCase {
  func webhook(_ name: String, _ url: String, format: Receiver.Format = .json, timeout: Int = 2000) -> Receiver {
    Receiver(
      name: name, kind: .webhook(url: url, format: format, messageType: .text, headers: [:]),
      timeoutMilliseconds: timeout, retryInitialMilliseconds: 100, retryMaxMilliseconds: 800)
  }

  func routing(_ receivers: [String]) -> NotifyRouting {
    NotifyRouting(
      receivers: receivers, routes: [NotifyRoute(name: "all", severities: [.critical], receivers: receivers)])
  }

  func testACriticalIsDeliveredToAWeComRobotInItsDocumentedShapeAndLeavesTheOutbox() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["wecom"]))
    let sender = NotificationSender(
      config: NotifyConfig(
        receivers: [webhook("wecom", http.url("/wecom/send?key=k"), format: .wecom)], routing: routing(["wecom"])),
      hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    let started = Date()
    outbox.fevers(1)
    XCTAssertTrue(http.wait { outbox.pending == 0 })
    XCTAssertLessThan(Date().timeIntervalSince(started), 5, "a critical leaves within 5 s")
    let request = try XCTUnwrap(http.requests.first)
    XCTAssertEqual(request.ids, ["N1"])
    XCTAssertEqual(request.json["msgtype"] as? String, "text")
    let content = try XCTUnwrap((request.json["text"] as? [String: Any])?["content"] as? String)
    XCTAssertTrue(content.contains("发热者0"), content)
    XCTAssertTrue(content.contains("N1"), content)
    XCTAssertEqual(outbox.journal.withLock { $0 }, [.delivered(id: "N1", receiver: "wecom", attempt: 1)])
  }

  func testASendGivesWayToCommitsInProgressButAtMostMaxHoldPastItsDueTime() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["a", "b"]))
    let busyA = Atomic<Bool>(true)
    var hooksA = outbox.hooks
    hooksA.busy = { busyA.load(ordering: .relaxed) }
    // "a" while commits go on and then stop; "b" under a load that never stops.
    var hooksB = outbox.hooks
    hooksB.busy = { true }
    let a = NotificationSender(
      config: NotifyConfig(receivers: [webhook("a", http.url("/ok/a"))], routing: routing(["a", "b"])), hooks: hooksA)
    let b = NotificationSender(
      config: NotifyConfig(receivers: [webhook("b", http.url("/ok/b"))], routing: routing(["a", "b"])), hooks: hooksB)
    a.start()
    b.start()
    defer {
      stop(a)
      stop(b)
    }
    let queued = Date().timeIntervalSince1970
    outbox.fevers(1)
    Thread.sleep(forTimeInterval: 0.3)
    XCTAssertEqual(http.requests.count, 0, "held while commits are in progress")
    busyA.store(false, ordering: .relaxed)
    XCTAssertTrue(http.wait(5) { outbox.pending == 0 }, "sent once quiet, and under load after the hold")
    let first = { (path: String) in http.requests(to: path).first?.t ?? 0 }
    XCTAssertGreaterThanOrEqual(first("/ok/a") - queued, 0.3, "not before the commits stopped")
    XCTAssertGreaterThanOrEqual(
      first("/ok/b") - queued, Double(NotificationSender.maxHoldMilliseconds) / 1000 - 0.05,
      "under constant load a send waits out the hold, no more")
    XCTAssertLessThan(first("/ok/b") - queued, 5, "a critical still leaves within 5 s")
  }

  func testAFailingReceiverIsRetriedWithGrowingBackOffUnderTheSameId() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["flaky"]))
    let sender = NotificationSender(
      config: NotifyConfig(receivers: [webhook("flaky", http.url("/flaky/3"))], routing: routing(["flaky"])),
      hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    outbox.fevers(1)
    XCTAssertTrue(http.wait { outbox.pending == 0 })
    let r = http.requests
    XCTAssertEqual(r.count, 4, "three 500s, then delivered")
    XCTAssertEqual(Set(r.flatMap(\.ids)), ["N1"])
    let gaps = zip(r.dropFirst(), r).map { $0.t - $1.t }
    XCTAssertGreaterThanOrEqual(gaps[0], 0.09)
    XCTAssertGreaterThanOrEqual(gaps[1], 0.19)
    XCTAssertGreaterThanOrEqual(gaps[2], 0.39)
    XCTAssertEqual(
      outbox.journal.withLock { $0 },
      [
        .failed(id: "N1", receiver: "flaky", attempt: 1, error: "HTTP 500"),
        .failed(id: "N1", receiver: "flaky", attempt: 2, error: "HTTP 500"),
        .delivered(id: "N1", receiver: "flaky", attempt: 4),
      ], "attempt 3 is not journalled: only 1, 2, 4, 8, …")
  }

  func testEachReceiverGetsItsNotificationsInOrder() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["a", "b"]))
    let sender = NotificationSender(
      config: NotifyConfig(
        receivers: [webhook("a", http.url("/ok/a")), webhook("b", http.url("/flaky/2/b"))],
        routing: routing(["a", "b"])),
      hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    outbox.fevers(15)
    XCTAssertTrue(http.wait(20) { outbox.pending == 0 })
    let expected = (1...15).map { "N\($0)" }
    XCTAssertEqual(http.requests(to: "/ok/a").flatMap(\.ids), expected)
    // Retries repeat the head; the order of first arrivals is the queue's.
    var firsts: [String] = []
    for id in http.requests(to: "/flaky/2/b").flatMap(\.ids) where !firsts.contains(id) { firsts.append(id) }
    XCTAssertEqual(firsts, expected)
  }

  func testAHungReceiverDoesNotDelayAnother() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["hung", "ok"]))
    let sender = NotificationSender(
      config: NotifyConfig(
        receivers: [webhook("hung", http.url("/hang"), timeout: 30_000), webhook("ok", http.url("/ok"))],
        routing: routing(["hung", "ok"])),
      hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    let started = Date()
    outbox.fevers(20)
    XCTAssertTrue(http.wait(5) { outbox.remaining("ok") == 0 })
    XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    XCTAssertEqual(http.requests(to: "/ok").count, 20)
    XCTAssertEqual(http.requests(to: "/hang").count, 1, "the hung one is still on its first")
    XCTAssertEqual(outbox.remaining("hung"), 20)
  }

  func testSendsDoNotWaitForCommitsAndOutcomesAreJournalledInBatches() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["ok"]))
    outbox.commitMilliseconds.withLock { $0 = 300 }
    outbox.fevers(20)
    let started = Date()
    XCTAssertTrue(
      http.deliverAll(outbox, with: NotifyConfig(receivers: [webhook("ok", http.url("/ok"))], routing: routing(["ok"])))
    )
    XCTAssertEqual(http.requests(to: "/ok").flatMap(\.ids), (1...20).map { "N\($0)" })
    let commits = outbox.commits.withLock { $0 }
    XCTAssertLessThan(commits, 10, "20 outcomes in a few commands, not one each")
    XCTAssertLessThan(Date().timeIntervalSince(started), 20 * 0.3, "not a commit's wait per send")
    XCTAssertEqual(outbox.journal.withLock { $0 }.count, 20)
  }

  func testAnExecReceiverGetsTheNotificationOnStdinAndItsArgumentsWithoutAShell() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-exec-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let script = dir.appendingPathComponent("gw.sh")
    try """
    #!/bin/sh
    printf '%s\\n' "$@" > "$0.args"
    cat > "$0.stdin"
    """.write(to: script, atomically: true, encoding: .utf8)
    chmod(script.path, 0o755)
    let outbox = Outbox(routing(["sms"]))
    let receiver = Receiver(
      name: "sms", kind: .exec(command: [script.path, "--id", "{id}", "--to", "{phone}", "$(touch pwned)"]),
      retryInitialMilliseconds: 100)
    let sender = NotificationSender(
      config: NotifyConfig(receivers: [receiver], routing: routing(["sms"])), hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    outbox.fevers(1)
    XCTAssertTrue(LoopbackReceiverWait.until { outbox.pending == 0 })
    let args = try String(contentsOf: URL(fileURLWithPath: script.path + ".args"), encoding: .utf8)
    XCTAssertEqual(args, "--id\nN1\n--to\n\n$(touch pwned)\n", "no phone on a plain alert; no shell expansion")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("pwned").path))
    let stdin = try Data(contentsOf: URL(fileURLWithPath: script.path + ".stdin"))
    let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: stdin) as? [String: Any])
    XCTAssertEqual(json["ids"] as? [String], ["N1"])
    let n = try XCTUnwrap((json["notifications"] as? [[String: Any]])?.first)
    XCTAssertEqual(n["severity"] as? String, "critical")
    XCTAssertEqual(n["rule"] as? String, "fever")
  }

  func testAnExecReceiverThatFailsIsRetriedAndItsStderrReported() throws {
    let outbox = Outbox(routing(["sms"]))
    let receiver = Receiver(
      name: "sms", kind: .exec(command: ["/bin/sh", "-c", "echo gateway down >&2; exit 3"]),
      retryInitialMilliseconds: 50, retryMaxMilliseconds: 100)
    let sender = NotificationSender(
      config: NotifyConfig(receivers: [receiver], routing: routing(["sms"])), hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    outbox.fevers(1)
    XCTAssertTrue(LoopbackReceiverWait.until { outbox.journal.withLock { $0.count } >= 2 })
    XCTAssertEqual(
      outbox.journal.withLock { $0.first },
      .failed(id: "N1", receiver: "sms", attempt: 1, error: "exit 3: gateway down "))
    XCTAssertEqual(outbox.pending, 1, "still owed")
  }

  func testSecretsNeverReachTheJournalOrTheLog() throws {
    let http = try LoopbackReceiver()
    let outbox = Outbox(routing(["robot", "gone"]))
    let secretKey = "s3cr3t-robot-key-693axxx6-7aoc"
    let token = "Bearer tok-0123456789abcdef"
    let robot = Receiver(
      name: "robot",
      kind: .webhook(
        url: http.url("/errcode/send?key=\(secretKey)"), format: .wecom, messageType: .text,
        headers: ["Authorization": token]), retryInitialMilliseconds: 50, retryMaxMilliseconds: 100)
    // Nothing listens on port 9: connection refused, with the URL in the library's error.
    let gone = Receiver(
      name: "gone",
      kind: .webhook(
        url: "http://user:pa55word@127.0.0.1:9/x?key=\(secretKey)", format: .json, messageType: .text, headers: [:]),
      retryInitialMilliseconds: 50, retryMaxMilliseconds: 100)
    let sender = NotificationSender(
      config: NotifyConfig(receivers: [robot, gone], routing: routing(["robot", "gone"])), hooks: outbox.hooks)
    sender.start()
    defer { stop(sender) }
    outbox.fevers(1)
    XCTAssertTrue(LoopbackReceiverWait.until { outbox.journal.withLock { $0.count } >= 4 })
    XCTAssertEqual(http.requests.first?.headers["Authorization"], token, "the header is sent")
    let journalled = outbox.state.withLock { s in s.notify.receivers.values.compactMap(\.lastError) }
    let everything = journalled + outbox.logLines.withLock { $0 } + [robot.displayTarget, gone.displayTarget]
    XCTAssertTrue(journalled.contains { $0.contains("errcode 93000") }, "\(journalled)")
    for line in everything {
      XCTAssertFalse(line.contains(secretKey), line)
      XCTAssertFalse(line.contains("tok-0123456789abcdef"), line)
      XCTAssertFalse(line.contains("pa55word"), line)
    }
    XCTAssertEqual(gone.displayTarget, "http://127.0.0.1:9/x?…")
  }

  func stop(_ sender: NotificationSender) {
    let done = DispatchSemaphore(value: 0)
    Task {
      await sender.stop()
      done.signal()
    }
    done.wait()
  }
}

enum LoopbackReceiverWait {
  static func until(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if condition() { return true }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
  }
}
