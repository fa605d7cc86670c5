import Foundation
import XCTest

/// The organisation view over a real `cordon serve`, in tmux: the command
/// role adds a site to a unit in `:org`, a second console shows the new site
/// live, and an operator (a real OS user) is refused the view.
final class OrgConsolesTests: XCTestCase {
  func testTheCommandRoleAddsASiteInOrgAndASecondConsoleSeesItLive() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create the operator's OS user (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    _ = try TmuxSession.tmuxOrSkip()
    let op = "cog\(String(UInt32.random(in: 0..<0xFFFF), radix: 16))"
    let useradd = try Processes.run(
      URL(fileURLWithPath: "/usr/sbin/useradd"), ["-M", "-N", "-g", "nogroup", op], environment: [:])
    guard useradd.status == 0 else { throw E2EFailure(description: "useradd: \(useradd.stderrText)") }
    addTeardownBlock {
      _ = try? Processes.run(URL(fileURLWithPath: "/usr/sbin/userdel"), [op], environment: [:])
    }
    let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cog-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    chmod(root.path, 0o755)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let binary = root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinary.locate(), to: binary)
    chmod(binary.path, 0o755)
    let data = root.appendingPathComponent("data").path
    let socket = root.appendingPathComponent("s.sock").path
    let env = CordonBinary.cleanEnvironment(configHome: root.appendingPathComponent("config").path)

    let lines = [
      #"{"type":"addUnit","id":"hq","name":"集团机关","nameEn":"Group HQ","headquarters":true}"#,
      #"{"type":"addUnit","id":"jinyuan","name":"金源物业","nameEn":"Jinyuan Property","key":true}"#,
      #"{"type":"addSite","id":"jy-north","name":"北门岗","unit":"jinyuan","kind":"compound"}"#,
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

    // Two consoles of the command role (the server's own account) and the operator's.
    let console = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \(shellQuote(binary.path)) --socket \(socket)"
    let admin = try TmuxSession(command: console + "; exec sleep 600", width: 80, height: 24, environment: env)
    addTeardownBlock { admin.kill() }
    let watcher = try TmuxSession(
      command: console + " --lang en; exec sleep 600", width: 120, height: 36, environment: env)
    addTeardownBlock { watcher.kill() }
    let unit = try TmuxSession(
      command:
        "/usr/bin/setpriv --reuid=\(op) --regid=nogroup --init-groups env HOME=/tmp XDG_CONFIG_HOME=/nonexistent "
        + console + "; exec sleep 600", width: 80, height: 24, environment: env)
    addTeardownBlock { unit.kill() }
    for t in [admin, watcher, unit] {
      try t.waitFor("the console's first frame", timeout: 20) { s in
        s.lines.first?.contains("Cordon") == true && s.contains("└")
      }
    }
    try watcher.waitFor(text: "北门岗", timeout: 20)

    // The operator is refused the view, by its role.
    try unit.waitFor(text: "@金源物业", timeout: 20)
    try unit.send(":")
    try unit.type("org")
    try unit.send("Enter")
    try unit.waitFor(text: "组织管理仅限指挥角色（当前：操作员）")

    // The command role: :org, into 金源物业, add a site.
    try admin.send(":")
    try admin.type("org")
    try admin.send("Enter")
    try admin.waitFor(text: "[组织管理]")
    try admin.send("Down", "Enter")
    try admin.waitFor(text: "只看：金源物业")
    try admin.send("a")
    try admin.waitFor(text: "新增点位")
    try admin.type("jy-east")
    try admin.send("Tab")
    try admin.type("东门岗")
    try admin.send("Tab")
    try admin.type("East gate")
    // Enter moves field by field, and saves on the last.
    for _ in 0..<8 { try admin.send("Enter") }
    let sent = Date()
    let saved = try admin.waitFor("the new site in the view", timeout: 15) {
      $0.contains("jy-east") && !$0.contains("新增点位")
    }
    XCTAssertTrue(saved.contains("东门岗"), "\(saved)")
    XCTAssertTrue(saved.contains("只看：金源物业"), "back on the view where it was\n\(saved)")

    // The second console shows it, live, without a key pressed.
    let seen = try watcher.waitFor("the new site on the second console", timeout: 15) { $0.contains("East gate") }
    XCTAssertLessThan(Date().timeIntervalSince(sent), 15)
    assertEveryLineFits(seen, "the watcher at 120x36")
    assertEveryLineFits(try admin.capture(), "the admin at 80x24")
  }
}
