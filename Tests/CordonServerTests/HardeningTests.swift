import CordonModel
import CordonServer
import CordonStore
import EventSourcing
import Foundation
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Writes events into a journal exactly as given, past every check: what a
/// journal written before the bounds existed may hold.
enum UncheckedDomain: EventSourcedModel {
  typealias Event = CordonEvent
  typealias Command = [CordonEvent]
  typealias State = CordonState
  static func initialState() -> CordonState { CordonState() }
  static func apply(_ record: EventRecord<CordonEvent>, to state: inout CordonState) { state.apply(record) }
  static func decide(_ command: [CordonEvent], context: CommandContext, state: CordonState) throws(Refusal)
    -> [CordonEvent]
  { command }
  static func housekeeping(state: CordonState, now: Instant) -> [CordonEvent] { [] }
}

/// A temporary directory for one test, removed afterwards.
func temporaryDirectory(_ tag: String) throws -> URL {
  let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdh-\(tag)-\(UUID().uuidString.prefix(8))")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  chmod(dir.path, 0o755)
  return dir
}

/// The built `cordon`, run with `args`; stdin from `input` when given.
func cordon(_ args: [String], input: String? = nil, in dir: URL) throws -> RunResult {
  var stdin = "/dev/null"
  if let input {
    let f = dir.appendingPathComponent("stdin-\(UUID().uuidString.prefix(6))")
    try Data(input.utf8).write(to: f)
    stdin = f.path
  }
  return try runProgram(try CordonBinaryLocation.find().path, args, stdin: stdin)
}

/// Runs a program with posix_spawn and waitpid, output in a file. Not
/// Foundation's `Process`: its `waitUntilExit` hangs on a `tmux` client
/// whose server daemonised (seen in the end-to-end tests).
func spawnAndWait(_ path: String, _ args: [String]) -> RunResult {
  let out = "/tmp/cdh-spawn-\(UUID().uuidString.prefix(8))"
  defer { unlink(out) }
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  func cStrings(_ list: [String]) -> [UnsafeMutablePointer<CChar>?] { list.map { strdup($0) } + [nil] }
  let argv = cStrings([path] + args)
  let env = cStrings(["PATH=/usr/bin:/bin", "LANG=C.UTF-8"])
  defer {
    for p in argv { free(p) }
    for p in env { free(p) }
  }
  var pid: pid_t = 0
  guard posix_spawn(&pid, path, &actions, nil, argv, env) == 0 else {
    return RunResult(status: -1, stdout: "", stderr: "")
  }
  var status: Int32 = 0
  while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
  return RunResult(status: (status >> 8) & 0xff, stdout: text, stderr: "")
}

/// A store in `dir`/data holding the demo organisation, closed again so the CLI can open it.
func seededStore(_ dir: URL) throws -> URL {
  let data = dir.appendingPathComponent("data")
  let store = try EventStore<CordonDomain>.open(directory: data)
  defer { store.close() }
  let cal = store.state.calendar
  let today = cal.day(of: Instant.now())
  _ = try ServerHarness.wait(store) { done in
    store.submit(
      .register(
        DemoOrganisation.registration()
          + DemoOrganisation.shifts(fromDay: today - 1, toDay: today + 1, calendar: cal, existing: [])),
      actor: "demo", unit: "hq", completion: done)
  }
  return data
}

/// Parses `cordon post`'s output lines.
func postResults(_ r: RunResult) -> [[String: Any]] {
  r.stdout.split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
}

final class OverflowTests: XCTestCase {
  /// Item 1: huge quantities are refused with the limit named, through the real CLI.
  func testHugeQuantitiesAreRefusedNamingTheLimit() throws {
    let dir = try temporaryDirectory("ovf")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir).path
    let lines = [
      #"{"type":"receive","unit":"heating","item":"n95","quantity":"999999999999"}"#,
      #"{"type":"receive","unit":"heating","item":"n95","quantity":1e308}"#,
      #"{"type":"count","unit":"heating","item":"n95","counted":"1000000000000","reason":"countingError"}"#,
      #"{"type":"receive","unit":"heating","item":"n95","quantity":"1"}"#,
      #"{"type":"round","site":"ht-1","checked":9223372036854775807,"fevers":0}"#,
      #"{"type":"silence","alert":"fever/ht-1/x","minutes":-1,"reason":"x"}"#,
    ]
    let r = try cordon(
      ["post", "--data", data, "--lang", "en"], input: lines.joined(separator: "\n") + "\n", in: dir)
    let out = postResults(r)
    XCTAssertEqual(out.count, lines.count, r.stdout + r.stderr)
    guard out.count == lines.count else { return }
    XCTAssertEqual(out[0]["code"] as? String, "quantity.tooLarge", "\(out[0])")
    XCTAssertTrue((out[0]["error"] as? String ?? "").contains("1000000000"), "\(out[0])")
    XCTAssertEqual(out[1]["code"] as? String, "json.range", "\(out[1])")
    XCTAssertTrue((out[1]["error"] as? String ?? "").contains("quantity"), "names the field: \(out[1])")
    XCTAssertNotNil(out[2]["seq"], "a stocktake up to the balance limit is fine: \(out[2])")
    XCTAssertEqual(out[3]["code"] as? String, "stock.balanceTooLarge", "\(out[3])")
    XCTAssertEqual(out[4]["code"] as? String, "json.range", "\(out[4])")
    XCTAssertTrue((out[4]["error"] as? String ?? "").contains("checked"), "\(out[4])")
    XCTAssertTrue((out[4]["error"] as? String ?? "").contains("100000"), "names the range: \(out[4])")
    XCTAssertEqual(out[5]["code"] as? String, "json.range", "\(out[5])")
    XCTAssertTrue((out[5]["error"] as? String ?? "").contains("minutes"), "\(out[5])")
  }

  /// Item 1: a journal that already holds amounts whose sums overflow Int64
  /// (written before the bounds) opens, and the console, the daily report and
  /// the exports all stay up on it.
  func testViewsReportsAndExportsStayUpOnAJournalHoldingHugeValues() throws {
    let dir = try temporaryDirectory("poison")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = dir.appendingPathComponent("data")
    do {
      let store = try EventStore<UncheckedDomain>.open(directory: data)
      _ = try ServerHarness.wait(store) { done in
        store.submit(DemoOrganisation.registration(), actor: "demo", unit: nil, completion: done)
      }
      let huge = Quantity(milli: 999_999_999_999_000)
      var events: [CordonEvent] = Array(
        repeating: .stockMoved(StockMovement(unit: "heating", item: "n95", kind: .purchase, delta: huge, reason: "")),
        count: 9_300)
      events += [
        .stockMoved(
          StockMovement(unit: "jinyuan", item: "n95", kind: .issued, delta: Quantity(milli: .min), reason: "")),
        .stockTransferred(
          StockTransfer(from: "hq", to: "heating", item: "n95", quantity: Quantity(milli: .max), reason: "")),
        .stockCounted(StockCount(unit: "hq", item: "mask", counted: Quantity(milli: .max), reason: .countingError)),
        .minimumSet(unit: "jinyuan", item: "n95", minimum: Quantity(milli: .max)),
        .roundRecorded(
          site: "ht-1",
          round: TemperatureRound(at: Instant.now(), checked: .max, fevers: .max, casesToEnter: 0, by: "x")
        ),
        .roundRecorded(
          site: "ht-1",
          round: TemperatureRound(at: Instant.now(), checked: .max, fevers: .max, casesToEnter: 0, by: "x")
        ),
      ]
      _ = try ServerHarness.wait(store) { done in
        store.submit(events, actor: "attacker", unit: nil, completion: done)
      }
      store.close()
    }
    // The state folds without trapping (this is what the server does at start).
    let reopened = try EventStore<CordonDomain>.open(directory: data)
    let balance = try XCTUnwrap(reopened.state.stock[StockKey(unit: "heating", item: "n95")]?.balance)
    XCTAssertEqual(balance.milli, .max, "held at the bound, not wrapped")
    reopened.close()

    for args in [
      ["report", "daily", "--data", data.path, "--lang", "en"],
      ["report", "daily", "--data", data.path, "--format", "csv"],
      ["export", "stock", "--data", data.path],
      ["audit", "--data", data.path, "--actor", "attacker"],
    ] {
      let r = try cordon(args, in: dir)
      XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
      XCTAssertFalse(r.stdout.isEmpty, "\(args)")
    }

    // The real console at 80x24: opens on the stock pane's data and survives `3`.
    let sock = "cdh\(UInt32.random(in: 0..<0xFFFF))"
    let tmux = "/usr/bin/tmux"
    guard FileManager.default.isExecutableFile(atPath: tmux) else { throw XCTSkip("tmux is missing") }
    defer { _ = spawnAndWait(tmux, ["-L", sock, "kill-server"]) }
    let binary = try CordonBinaryLocation.find().path
    try check(
      spawnAndWait(
        tmux,
        [
          "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "s", "-x", "80", "-y", "24",
          "env TERM=xterm-256color LANG=C.UTF-8 \(binary) --data \(data.path) --lang en",
        ]), "tmux new-session")
    var screen = ""
    try eventually("the console shows its panes", timeout: 20) {
      screen = spawnAndWait(tmux, ["-L", sock, "capture-pane", "-p", "-t", "=s:"]).stdout
      return screen.contains("Alerts") || screen.contains("Roster")
    }
    _ = spawnAndWait(tmux, ["-L", sock, "send-keys", "-t", "=s:", "3"])
    try eventually("the stock pane is shown", timeout: 10) {
      screen = spawnAndWait(tmux, ["-L", sock, "capture-pane", "-p", "-t", "=s:"]).stdout
      return screen.contains("Σ")
    }
    usleep(500_000)
    XCTAssertEqual(spawnAndWait(tmux, ["-L", sock, "has-session", "-t", "=s"]).status, 0, "console died:\n\(screen)")
  }
}

final class SizeLimitTests: XCTestCase {
  /// Item 6: every text and id is bounded, and the refusal names the field and the limit.
  func testTextsAndIdsAreBoundedNamingTheLimit() throws {
    let dir = try temporaryDirectory("size")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir).path
    let lines = [
      #"{"type":"handover","unit":"heating","text":"\#(String(repeating: "x", count: 200_000))"}"#,
      #"{"type":"handover","unit":"heating","text":"\#(String(repeating: "班", count: 4_001))"}"#,
      #"{"type":"receive","unit":"heating","item":"n95","quantity":"1","reason":"\#(String(repeating: "r", count: 501))"}"#,
      #"{"type":"ventilation","site":"\#(String(repeating: "s", count: 65))"}"#,
      #"{"type":"handover","unit":"heating","text":"\#(String(repeating: "班", count: 4_000))"}"#,
    ]
    let r = try cordon(["post", "--data", data, "--lang", "en"], input: lines.joined(separator: "\n") + "\n", in: dir)
    let out = postResults(r)
    XCTAssertEqual(out.count, lines.count, r.stdout + r.stderr)
    guard out.count == lines.count else { return }
    XCTAssertEqual(out[0]["code"] as? String, "json.tooLong", "\(out[0])")
    XCTAssertTrue((out[0]["error"] as? String ?? "").contains("65536"), "names the limit: \(out[0])")
    for (i, field, limit) in [(1, "text", "4000"), (2, "reason", "500"), (3, "site", "64")] {
      XCTAssertEqual(out[i]["code"] as? String, "field.tooLong", "\(out[i])")
      let message = out[i]["error"] as? String ?? ""
      XCTAssertTrue(message.contains(field) && message.contains(limit), "names \(field) and \(limit): \(message)")
    }
    XCTAssertNotNil(out[4]["seq"], "exactly at the limit is fine: \(out[4])")
  }

  /// Item 6: a command id is bounded through the real server, and the
  /// welcome counts against a client's budget: a client that never reads is
  /// cut off at its next batch instead of holding the whole state in memory.
  func testServerBoundsCommandIDsAndCountsTheWelcome() throws {
    var options = CordonServer.Options()
    options.maxQueuedBytes = 1 << 20
    let h = try ServerHarness(options: options)
    defer { h.shutdown() }
    var raw: RawClient? = try RawClient(path: h.socketPath)
    try XCTUnwrap(raw).sendJSON(#"{"type":"hello","version":3}"#)
    guard case .welcome? = raw?.readMessage() else { return XCTFail("no welcome") }
    let id = String(repeating: "i", count: 900_000)
    raw?.sendJSON(
      #"{"type":"command","id":1,"commandID":"\#(id)","lines":["{\"type\":\"ventilation\",\"site\":\"ht-1\"}"]}"#)
    guard case .result(1, nil, .refused(let refusal), nil)? = raw?.readMessage() else {
      return XCTFail("a 900 KB command id was not refused")
    }
    XCTAssertEqual(refusal.code, "field.tooLong")
    XCTAssertEqual(refusal.field, "commandID")
    raw = nil
    try eventually("the first client is gone") { h.server.connectedClients == 0 }

    // A welcome bigger than the budget: 400 notes of 3,000 characters.
    let note = String(repeating: "n", count: 3_000)
    try h.submit(.batch(Array(repeating: .writeHandover(unit: "heating", text: note), count: 400)))
    let idle = try RawClient(path: h.socketPath)
    idle.sendJSON(#"{"type":"hello","version":3}"#)
    try eventually("the idle client is registered") { h.server.connectedClients == 1 }
    try h.submit(.writeHandover(unit: "heating", text: "one more"))
    XCTAssertNoThrow(
      try eventually("the client that never reads is cut off", timeout: 10) {
        h.log.lines.contains { $0.contains("tooSlow") }
      }, h.log.lines.joined(separator: "\n"))
  }
}

final class ClockTests: XCTestCase {
  /// Item 2: `cordon post` under a clock 400 days ahead (Debian's faketime)
  /// is refused with the reason, and nothing is journalled or pruned; a store
  /// idle for weeks still takes writes from a correct clock.
  func testACommandFromAClockFarAheadIsRefused() throws {
    let faketime = "/usr/bin/faketime"
    guard FileManager.default.isExecutableFile(atPath: faketime) else {
      throw XCTSkip("faketime is missing (scripts/setup installs it)")
    }
    let dir = try temporaryDirectory("clock")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir)
    func snapshot() throws -> (seq: UInt64, shifts: Int, alerts: Int) {
      let s = try EventStore<CordonDomain>.open(directory: data)
      defer { s.close() }
      return (s.lastSeq, s.state.shifts.count, s.state.alerts.count)
    }
    let before = try snapshot()
    let input = dir.appendingPathComponent("handover.jsonl")
    try Data(#"{"type":"handover","unit":"heating","text":"x"}"#.utf8 + [0x0A]).write(to: input)
    let binary = try CordonBinaryLocation.find().path
    let ahead = try runProgram(
      faketime, ["-f", "+400d", binary, "post", "--data", data.path, "--lang", "en"], stdin: input.path)
    let out = postResults(ahead)
    XCTAssertEqual(out.first?["code"] as? String, "clock.skew", ahead.stdout + ahead.stderr)
    XCTAssertTrue((out.first?["error"] as? String ?? "").contains("system clock"), "\(out)")
    XCTAssertEqual(ahead.status, 1)
    let mid = try snapshot()
    XCTAssertEqual(mid.seq, before.seq, "nothing journalled")

    let normal = try runProgram(binary, ["post", "--data", data.path], stdin: input.path)
    XCTAssertNotNil(postResults(normal).first?["seq"], normal.stdout + normal.stderr)
    let after = try snapshot()
    XCTAssertEqual(after.shifts, before.shifts, "no shift lost")
    XCTAssertEqual(after.alerts, before.alerts, "no alert raised by a future clock")

    // A store whose last entry is five weeks old takes a write at once.
    let idle = dir.appendingPathComponent("idle")
    do {
      let weeksAgo = Instant.now().adding(minutes: -35 * 24 * 60)
      let s = try EventStore<CordonDomain>.open(directory: idle, clock: { weeksAgo })
      _ = try ServerHarness.wait(s) { done in
        s.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: "hq", completion: done)
      }
      s.close()
    }
    let late = try runProgram(binary, ["post", "--data", idle.path], stdin: input.path)
    XCTAssertNotNil(postResults(late).first?["seq"], late.stdout + late.stderr)
  }
}

final class EncodingTests: XCTestCase {
  /// Item 7: a line that is not UTF-8 is refused, naming the line and the
  /// byte, with a hint that the input may be GBK; nothing is stored.
  func testInvalidUTF8IsRefusedNamingTheLine() throws {
    let dir = try temporaryDirectory("utf8")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir)
    let input = dir.appendingPathComponent("in.jsonl")
    var bytes = Array(#"{"type":"ventilation","site":"ht-1"}"#.utf8) + [0x0A]
    bytes += Array(#"{"type":"handover","unit":"heating","text":"bad "#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
    bytes += [0x0A] + Array(#"{"type":"handover","unit":"heating","text":""#.utf8) + [0xB0, 0xE0] + Array(#""}"#.utf8)
    bytes += [0x0A]
    try Data(bytes).write(to: input)
    let r = try runProgram(
      try CordonBinaryLocation.find().path, ["post", "--data", data.path, "--lang", "en"], stdin: input.path)
    let out = postResults(r)
    XCTAssertEqual(out.count, 3, r.stdout + r.stderr)
    guard out.count == 3 else { return }
    XCTAssertNotNil(out[0]["seq"])
    for (i, offset) in [(1, "49"), (2, "45")] {
      XCTAssertEqual(out[i]["line"] as? Int, i + 1)
      XCTAssertEqual(out[i]["code"] as? String, "json.notUTF8", "\(out[i])")
      let message = out[i]["error"] as? String ?? ""
      XCTAssertTrue(message.contains("GBK") && message.contains("byte \(offset)"), message)
    }
    let store = try EventStore<CordonDomain>.open(directory: data)
    defer { store.close() }
    XCTAssertFalse(store.state.handovers.contains { $0.text.contains("\u{FFFD}") }, "nothing stored")
  }
}
