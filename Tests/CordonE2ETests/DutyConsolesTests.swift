import Foundation
import XCTest

/// Two consoles on one `cordon serve`, each in its own tmux: a subsidiary's
/// operator (a real OS user) sends HQ a 特急 report up, HQ's console shows it
/// within a second, HQ replies from its console, and the subsidiary's console
/// shows the reply.
final class DutyConsolesTests: XCTestCase {
  func testAnImmediateReportUpReachesHQLiveAndTheReplyComesBack() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create the operator's OS user (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    _ = try TmuxSession.tmuxOrSkip()
    let op = "cde\(String(UInt32.random(in: 0..<0xFFFF), radix: 16))"
    let useradd = try Processes.run(
      URL(fileURLWithPath: "/usr/sbin/useradd"), ["-M", "-N", "-g", "nogroup", op], environment: [:])
    guard useradd.status == 0 else { throw E2EFailure(description: "useradd: \(useradd.stderrText)") }
    addTeardownBlock {
      _ = try? Processes.run(URL(fileURLWithPath: "/usr/sbin/userdel"), [op], environment: [:])
    }

    // Short and world-traversable: sun_path is small and the operator connects as itself.
    let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cde-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    chmod(root.path, 0o755)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let binary = root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinary.locate(), to: binary)
    chmod(binary.path, 0o755)
    let data = root.appendingPathComponent("data").path
    let socket = root.appendingPathComponent("s.sock").path
    let env = CordonBinary.cleanEnvironment(configHome: root.appendingPathComponent("config").path)

    // The organisation: HQ and one subsidiary.
    let lines = [
      #"{"type":"addUnit","id":"hq","name":"集团机关","nameEn":"Group HQ","headquarters":true}"#,
      #"{"type":"addUnit","id":"jinyuan","name":"金源物业","nameEn":"Jinyuan Property","key":true}"#,
    ]
    let input = root.appendingPathComponent("org.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
    let seeded = try Processes.run(binary, ["post", "--data", data], environment: env, stdinPath: input.path)
    guard seeded.status == 0 else {
      throw E2EFailure(description: "seeding: \(seeded.stdoutText) \(seeded.stderrText)")
    }
    let access = root.appendingPathComponent("access.toml")
    try "[users]\n\(op) = { role = \"operator\", unit = \"jinyuan\" }\n".write(
      to: access, atomically: true, encoding: .utf8)

    let server = Process()
    server.executableURL = binary
    server.arguments = ["serve", "--data", data, "--socket", socket, "--config", access.path]
    server.environment = env
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try server.run()
    addTeardownBlock {
      if server.isRunning {
        server.terminate()
        server.waitUntilExit()
      }
    }
    let up = Date().addingTimeInterval(15)
    while !FileManager.default.fileExists(atPath: socket) && Date() < up { usleep(20_000) }
    XCTAssertTrue(FileManager.default.fileExists(atPath: socket), "server up")

    // HQ: the server's own account, the command role, at 120x36.
    let console = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \(shellQuote(binary.path)) --socket \(socket)"
    let hq = try TmuxSession(command: console + "; exec sleep 600", width: 120, height: 36, environment: env)
    addTeardownBlock { hq.kill() }
    // The subsidiary's operator, as its own OS user, at 80x24.
    let unit = try TmuxSession(
      command:
        "/usr/bin/setpriv --reuid=\(op) --regid=nogroup --init-groups env HOME=/tmp XDG_CONFIG_HOME=/nonexistent "
        + console + "; exec sleep 600", width: 80, height: 24, environment: env)
    addTeardownBlock { unit.kill() }
    for t in [hq, unit] { try waitForConsole(t) }
    try unit.waitFor(text: "@金源物业")

    // The operator opens the duty pane and sends a 特急 report up.
    try unit.send("5")
    try unit.waitFor(text: "5 值班")
    try unit.send("u")
    try unit.waitFor(text: "下情上报")
    try unit.send("Tab")
    try unit.type("特急")
    try unit.send("Tab")
    try unit.type("东风小区发现发热人员")
    try unit.send("Enter", "Enter")
    try unit.waitFor(text: "待签收")

    // HQ hears of it within a second, on the status line of the grid.
    let sent = Date()
    let heard = try hq.waitFor("the report on HQ's console", timeout: 1) { $0.contains("东风小区发现发热人员") }
    XCTAssertLessThan(Date().timeIntervalSince(sent), 1.0, "HQ's console showed the report within a second")
    XCTAssertTrue(heard.contains("特急上报"), "\(heard)")

    // HQ replies from its own console: the duty pane, the report selected first.
    try hq.send("5")
    try hq.waitFor(text: "待签收")
    try hq.send("r")
    try hq.waitFor(text: "回复报告")
    try hq.type("收到，车辆十分钟到")
    try hq.send("Enter")
    try hq.waitFor(text: "已回复")

    // The subsidiary's console shows the reply: in the row, cut to what 80
    // columns hold, and whole in the row's detail.
    let replied = try unit.waitFor("the reply on the unit's console", timeout: 2) {
      $0.contains("回复：收到，车辆十分钟") && $0.contains("已回复")
    }
    XCTAssertFalse(replied.contains("待签收"), "\(replied)")
    try unit.send("Enter")
    try unit.waitFor(text: "收到，车辆十分钟到")
    for (t, name) in [(hq, "HQ at 120x36"), (unit, "the unit at 80x24")] {
      assertEveryLineFits(try t.capture(), name)
    }
  }
}
