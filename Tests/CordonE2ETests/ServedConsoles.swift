import Foundation
import XCTest

/// A real `cordon serve` for consoles in tmux: an operator as a real OS user
/// (`useradd`, removed at teardown), a short world-traversable directory
/// (sun_path is small and the operator connects as itself) with its own copy
/// of the binary, a store seeded by `cordon post` JSON lines, and an
/// access file naming the operator's unit. Skips unless root with the tools.
struct ServedConsoles {
  let root: URL
  let binary: URL
  let data: String
  let socket: String
  let env: [String: String]
  /// The operator's OS user name.
  let op: String

  init(_ test: XCTestCase, prefix: String, seed lines: [String], operatorUnit: String) throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create the operator's OS user (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    _ = try TmuxSession.tmuxOrSkip()
    let op = "\(prefix)\(String(UInt32.random(in: 0..<0xFFFF), radix: 16))"
    let useradd = try Processes.run(
      URL(fileURLWithPath: "/usr/sbin/useradd"), ["-M", "-N", "-g", "nogroup", op], environment: [:])
    guard useradd.status == 0 else { throw E2EFailure(description: "useradd: \(useradd.stderrText)") }
    test.addTeardownBlock {
      _ = try? Processes.run(URL(fileURLWithPath: "/usr/sbin/userdel"), [op], environment: [:])
    }
    let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    chmod(root.path, 0o755)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let binary = root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinary.locate(), to: binary)
    chmod(binary.path, 0o755)
    self.op = op
    self.root = root
    self.binary = binary
    data = root.appendingPathComponent("data").path
    socket = root.appendingPathComponent("s.sock").path
    env = CordonBinary.cleanEnvironment(configHome: root.appendingPathComponent("config").path)

    let input = root.appendingPathComponent("org.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
    let seeded = try Processes.run(binary, ["post", "--data", data], environment: env, stdinPath: input.path)
    guard seeded.status == 0 else {
      throw E2EFailure(description: "seeding: \(seeded.stdoutText) \(seeded.stderrText)")
    }
    let access = root.appendingPathComponent("access.toml")
    try "[users]\n\(op) = { role = \"operator\", unit = \"\(operatorUnit)\" }\n".write(
      to: access, atomically: true, encoding: .utf8)

    let server = Process()
    server.executableURL = binary
    server.arguments = ["serve", "--data", data, "--socket", socket, "--config", access.path]
    server.environment = env
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try server.run()
    test.addTeardownBlock {
      if server.isRunning {
        server.terminate()
        server.waitUntilExit()
      }
    }
    let up = Date().addingTimeInterval(15)
    while !FileManager.default.fileExists(atPath: socket) && Date() < up { usleep(20_000) }
    XCTAssertTrue(FileManager.default.fileExists(atPath: socket), "server up")
  }

  /// The console's command line, as the server's own account (the command role).
  var console: String {
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \(shellQuote(binary.path)) --socket \(socket)"
  }

  /// A console of the server's own account (the command role).
  func commandConsole(_ test: XCTestCase, arguments: String = "", width: Int, height: Int) throws -> TmuxSession {
    let t = try TmuxSession(
      command: console + " " + arguments + "; exec sleep 600", width: width, height: height, environment: env)
    test.addTeardownBlock { t.kill() }
    return t
  }

  /// A console as the operator's OS user.
  func operatorConsole(_ test: XCTestCase, width: Int, height: Int) throws -> TmuxSession {
    let t = try TmuxSession(
      command:
        "/usr/bin/setpriv --reuid=\(op) --regid=nogroup --init-groups env HOME=/tmp XDG_CONFIG_HOME=/nonexistent "
        + console + "; exec sleep 600", width: width, height: height, environment: env)
    test.addTeardownBlock { t.kill() }
    return t
  }
}
