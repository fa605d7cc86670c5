import Foundation
import XCTest

/// `cordon drill run` with the built binary on a demo store: a console that
/// joins the drill shows the 演练 banner, a console on the real store shows
/// that a drill is under way, the real state's hash is the same after the
/// drill, and the after-action report is kept for `cordon drill report`.
final class DrillTerminalTests: XCTestCase {
  static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("drills")

  /// A demo store in a short directory (the drill's socket lives under it; sun_path is small).
  func demoStore() throws -> (root: URL, data: String, env: [String: String], binary: URL) {
    _ = try TmuxSession.tmuxOrSkip()
    let binary = try CordonBinary.locate()
    let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdrill-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("d").path
    let env = CordonBinary.cleanEnvironment(configHome: root.appendingPathComponent("config").path)
    let socket = root.appendingPathComponent("s.sock").path
    let server = Process()
    server.executableURL = binary
    server.arguments = ["serve", "--demo", "--data", data, "--socket", socket]
    server.environment = env
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    let up = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: socket) && Date() < up && server.isRunning { usleep(50_000) }
    server.terminate()
    server.waitUntilExit()
    XCTAssertTrue(FileManager.default.fileExists(atPath: data + "/journal"), "demo store seeded")
    return (root, data, env, binary)
  }

  func testTheBannerOnADrillsConsolesTheMarkerOnRealOnesAndTheRealStateUnchanged() throws {
    let (root, data, env, binary) = try demoStore()
    let out = root.appendingPathComponent("drill.out")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    let runner = Process()
    runner.executableURL = binary
    runner.arguments = [
      "drill", "run", Self.scenarios.appendingPathComponent("heat-station-fever-night.toml").path, "--data", data,
      "--speed", "1",
    ]
    runner.environment = env
    runner.standardOutput = try FileHandle(forWritingTo: out)
    runner.standardError = runner.standardOutput
    try runner.run()
    addTeardownBlock {
      if runner.isRunning {
        runner.terminate()
        runner.waitUntilExit()
      }
    }
    // The runner says where to join once the copy is served.
    var socket: String? = nil
    let deadline = Date().addingTimeInterval(30)
    while socket == nil && Date() < deadline && runner.isRunning {
      let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
      if let r = text.range(of: "cordon --socket ") {
        socket = text[r.upperBound...].split(whereSeparator: \.isWhitespace).first.map(String.init)
      }
      if socket == nil { usleep(50_000) }
    }
    let drillSocket = try XCTUnwrap(socket, (try? String(contentsOf: out, encoding: .utf8)) ?? "")

    // A console joining the drill: the banner, and the fever the first inject raised.
    let console =
      "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \(shellQuote(binary.path)) --socket \(shellQuote(drillSocket))"
    let drill = try TmuxSession(command: console + "; exec sleep 600", width: 80, height: 24, environment: env)
    addTeardownBlock { drill.kill() }
    var s = try drill.waitFor("the exercise banner") { $0.lines.first?.contains("演练 夜间热站发热") == true }
    try drill.send("4")
    try drill.waitFor("the inject's fever alert") { $0.contains("演练-外来人员甲") }
    // Every screen: the help overlay keeps the header's banner.
    try drill.send("?")
    s = try drill.waitFor("help with the banner") { $0.lines.first?.contains("演练") == true && $0.lines.count > 3 }
    XCTAssertTrue(s.lines.first?.contains("演练 夜间热站发热") == true, "\(s)")
    try drill.send("Escape")
    // 120x36: the banner still first.
    try drill.resize(width: 120, height: 36)
    s = try drill.waitFor("the banner at 120x36") { $0.width == 120 && $0.lines.first?.contains("演练") == true }

    // A console on the real store (the runner holds it only for the markers): a drill is under way.
    let real = try TmuxSession(
      command:
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \(shellQuote(binary.path)) --data \(shellQuote(data))"
        + "; exec sleep 600", width: 120, height: 36, environment: env)
    addTeardownBlock { real.kill() }
    s = try real.waitFor("the drill-under-way marker") { $0.lines.first?.contains("演练进行中：夜间热站发热") == true }
    XCTAssertFalse(s.contains("演练-外来人员甲"), "the real store has no inject\n\(s)")
    XCTAssertFalse(s.lines.first?.contains("演练 夜间热站发热") == true, "no exercise banner on the real store\n\(s)")
    real.kill()

    // Ctrl-C ends the drill early: what is still open is not scored; the real state is as it was.
    kill(runner.processIdentifier, SIGINT)
    let end = Date().addingTimeInterval(60)
    while runner.isRunning && Date() < end { usleep(50_000) }
    XCTAssertFalse(runner.isRunning, "the runner ends on SIGINT")
    let text = try String(contentsOf: out, encoding: .utf8)
    XCTAssertEqual(runner.terminationStatus, 0, text)
    XCTAssertTrue(text.contains("真实数据未受影响"), text)
    let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("状态指纹") })
    let hashes = line.split { !$0.isHexDigit }.filter { $0.count == 16 }
    XCTAssertEqual(hashes.count, 2, String(line))
    XCTAssertEqual(hashes.first, hashes.last, "the real state's hash before and after the drill")

    // Kept for later: the report reads the same from result.json.
    let report = try Processes.run(
      binary, ["drill", "report", "--data", data, "--format", "md", "--lang", "en"], environment: env)
    XCTAssertEqual(report.status, 0, report.stderrText)
    XCTAssertTrue(
      report.stdoutText.hasPrefix("# After-action report: Fever at a heat station at night"), report.stdoutText)
    XCTAssertTrue(report.stdoutText.contains("| inject fever"), report.stdoutText)
    XCTAssertTrue(report.stdoutText.contains("not scored"), report.stdoutText)

  }

  /// A response through the drill's own server is scored met, naming who
  /// sent it, and the drill ends as soon as every expectation is decided.
  func testAResponseThroughTheDrillsServerIsMetAndNamed() throws {
    let binary = try CordonBinary.locate()
    let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdrr-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("d").path
    let env = CordonBinary.cleanEnvironment(configHome: root.appendingPathComponent("config").path)
    let org = root.appendingPathComponent("org.jsonl")
    try """
    {"type":"addUnit","id":"hq","name":"集团机关","headquarters":true}
    {"type":"addUnit","id":"jinyuan","name":"金源物业","key":true}

    """.write(to: org, atomically: true, encoding: .utf8)
    let seeded = try Processes.run(binary, ["post", "--data", data], environment: env, stdinPath: org.path)
    XCTAssertEqual(seeded.status, 0, seeded.stdoutText + seeded.stderrText)
    let scenario = root.appendingPathComponent("s.toml")
    try """
    [drill]
    name = "日志演练"
    [[inject]]
    id = "call"
    at = "0m"
    text = "市里来电"
    command = { type = "directive", text = "演练：报告测温情况", targets = ["jinyuan"], deadline = "+1h" }
    [[expect]]
    id = "logged"
    after = "call"
    within = "30m"
    response = "logEntry"
    unit = "jinyuan"
    """.write(to: scenario, atomically: true, encoding: .utf8)
    let out = root.appendingPathComponent("drill.out")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    let runner = Process()
    runner.executableURL = binary
    runner.arguments = ["drill", "run", scenario.path, "--data", data, "--speed", "60", "--lang", "en"]
    runner.environment = env
    runner.standardOutput = try FileHandle(forWritingTo: out)
    runner.standardError = runner.standardOutput
    try runner.run()
    addTeardownBlock {
      if runner.isRunning {
        runner.terminate()
        runner.waitUntilExit()
      }
    }
    var socket: String? = nil
    let deadline = Date().addingTimeInterval(30)
    while socket == nil && Date() < deadline && runner.isRunning {
      let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
      if let r = text.range(of: "cordon --socket ") {
        socket = text[r.upperBound...].split(whereSeparator: \.isWhitespace).first.map(String.init)
      }
      if socket == nil { usleep(50_000) }
    }
    let drillSocket = try XCTUnwrap(socket, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    let line = root.appendingPathComponent("log.jsonl")
    try #"{"type":"logEntry","unit":"jinyuan","channel":"phone","from":"市指","text":"已记录"}"#.appending("\n")
      .write(to: line, atomically: true, encoding: .utf8)
    let posted = try Processes.run(
      binary, ["post", "--socket", drillSocket], environment: env, stdinPath: line.path)
    XCTAssertEqual(posted.status, 0, posted.stdoutText + posted.stderrText)
    let end = Date().addingTimeInterval(30)
    while runner.isRunning && Date() < end { usleep(50_000) }
    XCTAssertFalse(runner.isRunning, "the drill ends once its one expectation is decided")
    let text = try String(contentsOf: out, encoding: .utf8)
    XCTAssertEqual(runner.terminationStatus, 0, text)
    let me = String(cString: getpwuid(getuid()).pointee.pw_name)
    let row = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("logged") && $0.contains("30m") }, text)
    XCTAssertTrue(row.contains(" met ") && row.hasSuffix(me), String(row))
    XCTAssertTrue(text.contains("Expected responses 1: met 1, missed 0, not scored 0"), text)
    // The real store never saw the log entry.
    let audit = try Processes.run(binary, ["audit", "--data", data, "--lang", "en"], environment: env)
    XCTAssertFalse(audit.stdoutText.contains("已记录"), audit.stdoutText)
    XCTAssertTrue(
      audit.stdoutText.contains("drill started") && audit.stdoutText.contains("drill ended"), audit.stdoutText)
  }

  func testABadScenarioIsRefusedWithFileLineAndKeyAndNothingIsCreated() throws {
    let binary = try CordonBinary.locate()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-drill-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let bad = root.appendingPathComponent("bad.toml")
    try "[drill]\nname = \"x\"\n\n[[inject]]\nid = \"a\"\nat = \"0m\"\nverb = 1\ncommand = { type = \"fly\" }\n".write(
      to: bad, atomically: true, encoding: .utf8)
    let data = root.appendingPathComponent("d").path
    let env = CordonBinary.cleanEnvironment(configHome: root.path)
    let r = try Processes.run(binary, ["drill", "run", bad.path, "--data", data, "--lang", "en"], environment: env)
    XCTAssertEqual(r.status, 2)
    XCTAssertTrue(r.stderrText.contains("bad.toml:7: inject[1].verb: unknown key verb"), r.stderrText)
    XCTAssertTrue(r.stderrText.contains("bad.toml:8: inject[1].command.type: Unknown type fly"), r.stderrText)
    XCTAssertFalse(FileManager.default.fileExists(atPath: data), "nothing created")
  }
}

/// Through `cordon serve`, the server decides who may run a drill: an
/// operator (a real OS user) is refused and nothing of the drill is left;
/// the command role runs it and the served state's hash is the same after.
final class DrillServerTests: XCTestCase {
  func testAnOperatorIsRefusedTheCommandRoleRunsItThroughTheServer() throws {
    let served = try ServedConsoles(
      self, prefix: "cdo",
      seed: [
        #"{"type":"addUnit","id":"hq","name":"集团机关","nameEn":"Group HQ","headquarters":true}"#,
        #"{"type":"addUnit","id":"jinyuan","name":"金源物业","nameEn":"Jinyuan Property","key":true}"#,
      ], operatorUnit: "jinyuan")
    let scenario = served.root.appendingPathComponent("s.toml")
    try """
    [drill]
    name = "上报演练"
    [[inject]]
    id = "up"
    at = "0m"
    unit = "jinyuan"
    command = { type = "reportUp", unit = "jinyuan", priority = "urgent", text = "演练上报" }
    [[expect]]
    id = "ack"
    after = "up"
    within = "1m"
    response = "reportAcknowledged"
    """.write(to: scenario, atomically: true, encoding: .utf8)
    chmod(scenario.path, 0o644)
    let drills = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdo-drills-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: drills, withIntermediateDirectories: true)
    chmod(drills.path, 0o777)
    addTeardownBlock { try? FileManager.default.removeItem(at: drills) }

    let refused = try Processes.run(
      URL(fileURLWithPath: "/usr/bin/setpriv"),
      [
        "--reuid=\(served.op)", "--regid=nogroup", "--init-groups", "env", "HOME=/tmp", served.binary.path, "drill",
        "run", scenario.path, "--socket", served.socket, "--drills", drills.path, "--lang", "en",
      ], environment: served.env)
    XCTAssertEqual(refused.status, 3, refused.stdoutText + refused.stderrText)
    XCTAssertTrue(refused.stderrText.contains("may not do this"), refused.stderrText)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: drills.path), [], "nothing of the drill left")

    let ran = try Processes.run(
      served.binary,
      [
        "drill", "run", scenario.path, "--socket", served.socket, "--drills", drills.path, "--speed", "600", "--lang",
        "en",
      ],
      environment: served.env)
    XCTAssertEqual(ran.status, 0, ran.stdoutText + ran.stderrText)
    XCTAssertTrue(ran.stdoutText.contains("The real data was not touched"), ran.stdoutText)
    XCTAssertTrue(ran.stdoutText.contains("missed"), ran.stdoutText)
    let kept = try FileManager.default.contentsOfDirectory(atPath: drills.path).filter { $0.hasPrefix("drill-") }
    XCTAssertEqual(kept.count, 1)
    // The marker ended: a second drill may start.
    let again = try Processes.run(
      served.binary,
      ["drill", "run", scenario.path, "--socket", served.socket, "--drills", drills.path, "--speed", "600"],
      environment: served.env)
    XCTAssertEqual(again.status, 0, again.stdoutText + again.stderrText)
  }
}
