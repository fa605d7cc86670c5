import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A failure of the harness or of a wait, carrying the last screen so the
/// test log shows what the terminal really looked like.
struct E2EFailure: Error, CustomStringConvertible {
  var description: String
}

/// What a finished child process left behind.
struct ProcessResult: Sendable {
  var status: Int32
  var stdout: Data
  var stderr: Data
  var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
  var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

enum Processes {
  /// Runs `executable` to completion with `posix_spawn` and `waitpid`.
  ///
  /// Not Foundation's `Process`: its `waitUntilExit` was seen to hang for
  /// ever on the `tmux new-session` client (left a zombie, never reaped)
  /// once the client had daemonised the server. Output goes to temporary
  /// files rather than pipes for the same reason: the server could inherit a
  /// pipe's write end, and "read until EOF" would then never end.
  /// `stdoutToPipe` gives the child a pipe for stdout instead (read to EOF:
  /// only for children that do not daemonise).
  static func run(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdinPath: String = "/dev/null",
    stdoutToPipe: Bool = false
  ) throws -> ProcessResult {
    let dir = FileManager.default.temporaryDirectory
    let outPath = dir.appendingPathComponent("cordon-e2e-out-\(UUID())").path
    let errPath = dir.appendingPathComponent("cordon-e2e-err-\(UUID())").path
    defer {
      unlink(outPath)
      unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
    var fds: [Int32] = [-1, -1]
    if stdoutToPipe {
      guard pipe(&fds) == 0 else { throw E2EFailure(description: "pipe: \(String(cString: strerror(errno)))") }
      posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
      posix_spawn_file_actions_addclose(&actions, fds[0])
      posix_spawn_file_actions_addclose(&actions, fds[1])
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

    let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    let argv = [executable.path] + arguments
    let cArgv = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer {
      for p in cArgv { free(p) }
      for p in cEnv { free(p) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable.path, &actions, nil, cArgv, cEnv)
    var piped = Data()
    if stdoutToPipe {
      close(fds[1])
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = read(fds[0], &buffer, buffer.count)
        if n > 0 {
          piped.append(contentsOf: buffer[0..<n])
        } else if n == 0 || errno != EINTR {
          break
        }
      }
      close(fds[0])
    }
    guard spawned == 0 else {
      throw E2EFailure(description: "cannot start \(executable.path): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else {
        throw E2EFailure(description: "waitpid \(pid): \(String(cString: strerror(errno)))")
      }
    }
    // WIFEXITED / WEXITSTATUS, spelled out (the macros are not imported).
    let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return ProcessResult(
      status: code,
      stdout: stdoutToPipe ? piped : FileManager.default.contents(atPath: outPath) ?? Data(),
      stderr: FileManager.default.contents(atPath: errPath) ?? Data())
  }

  /// The first executable called `name` on PATH.
  static func which(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
      let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }

  /// Direct children of `pid`, from /proc (no pgrep needed).
  static func children(of pid: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var found: [Int32] = []
    for entry in entries {
      guard let child = Int32(entry),
        let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { continue }
      // "pid (comm) state ppid ...": comm may contain spaces, so parse after the last ')'.
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      if fields.count > 1, Int32(fields[1]) == pid { found.append(child) }
    }
    return found
  }
}

/// The built `cordon` binary and the environment every run gets.
enum CordonBinary {
  /// Next to the test bundle first (that is where `swift build --build-tests`
  /// puts the products), else `.build/debug/cordon` under the package root.
  static func locate(filePath: String = #filePath) throws -> URL {
    var dirs: [URL] = []
    for bundle in [Bundle(for: TmuxSession.self), Bundle.main] {
      dirs.append(bundle.bundleURL)
      dirs.append(bundle.bundleURL.deletingLastPathComponent())
    }
    // Tests/CordonE2ETests/TmuxHarness.swift → package root.
    let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    dirs.append(root.appendingPathComponent(".build/debug"))
    for dir in dirs {
      let candidate = dir.appendingPathComponent("cordon")
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
        FileManager.default.isExecutableFile(atPath: candidate.path)
      {
        return candidate
      }
    }
    throw E2EFailure(
      description: "cordon binary not found in \(dirs.map(\.path)); build it with `swift build --build-tests`")
  }

  /// The test process's environment, minus anything that would change what
  /// cordon does (a data dir, NO_COLOR, a user config, a surrounding tmux).
  static func cleanEnvironment(configHome: String) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    for key in ["CORDON_DATA", "NO_COLOR", "TMUX", "TMUX_PANE", "LC_MESSAGES", "LANGUAGE"] {
      env.removeValue(forKey: key)
    }
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    env["XDG_CONFIG_HOME"] = configHome
    env["SHELL"] = "/bin/sh"
    return env
  }
}

/// One captured tmux pane: its lines, exactly as `capture-pane -p -N` gave them.
struct Screen: CustomStringConvertible {
  var lines: [String]
  var width: Int
  var height: Int

  var text: String { lines.joined(separator: "\n") }
  func contains(_ s: String) -> Bool { lines.contains { $0.contains(s) } }
  func firstLine(containing s: String) -> Int? { lines.firstIndex { $0.contains(s) } }

  var description: String {
    let rule = String(repeating: "-", count: 8)
    let body = lines.enumerated().map { i, l in String(format: "%02d|", i) + l + "|" }.joined(separator: "\n")
    return "\(rule) \(width)x\(height) \(rule)\n\(body)\n\(rule)"
  }
}

/// A private tmux server (its own socket) holding one session `s` whose only
/// pane runs the command. Every call is a separate `tmux -L socket` client.
final class TmuxSession: Sendable {
  let tmux: URL
  let socket: String
  let environment: [String: String]
  /// The server's socket file: tmux 3.3 leaves it behind after kill-server.
  let socketPath: String
  /// The exact target: session `s`, its current window and pane.
  let target = "=s:"

  /// Skips the test when tmux is missing.
  static func tmuxOrSkip() throws -> URL {
    guard let tmux = Processes.which("tmux") else {
      throw XCTSkip("tmux is not installed: the real-terminal tests need it (apt-get install tmux)")
    }
    return tmux
  }

  /// Starts the server and the session at `width`x`height` running `command`
  /// (a /bin/sh command line).
  init(command: String, width: Int, height: Int, environment: [String: String]) throws {
    tmux = try Self.tmuxOrSkip()
    socket = "cordon-e2e-\(UUID().uuidString.lowercased())"
    self.environment = environment
    let r = try Processes.run(
      tmux,
      [
        "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "s", "-x", String(width), "-y", String(height),
        command,
      ], environment: environment)
    guard r.status == 0 else {
      throw E2EFailure(description: "tmux new-session failed (\(r.status)): \(r.stderrText)")
    }
    let path = try Processes.run(
      tmux, ["-L", socket, "display-message", "-p", "#{socket_path}"], environment: environment)
    socketPath = path.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @discardableResult
  func tmuxCommand(_ arguments: [String]) throws -> String {
    let r = try Processes.run(tmux, ["-L", socket] + arguments, environment: environment)
    guard r.status == 0 else {
      throw E2EFailure(description: "tmux \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderrText)")
    }
    return r.stdoutText
  }

  /// Key names as tmux knows them: "Tab", "BTab", "Escape", "Enter", "q", "?".
  func send(_ keys: String...) throws {
    try tmuxCommand(["send-keys", "-t", target] + keys)
  }

  /// Literal text, Chinese included, as if typed.
  func type(_ text: String) throws {
    try tmuxCommand(["send-keys", "-t", target, "-l", text])
  }

  func resize(width: Int, height: Int) throws {
    try tmuxCommand(["resize-window", "-t", target, "-x", String(width), "-y", String(height)])
  }

  /// A tmux format evaluated against the pane, e.g. `#{pane_pid}`.
  func display(_ format: String) throws -> String {
    try tmuxCommand(["display-message", "-p", "-t", target, format])
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func capture() throws -> Screen {
    let size = try display("#{pane_width} #{pane_height}").split(separator: " ").compactMap { Int($0) }
    let out = try tmuxCommand(["capture-pane", "-p", "-N", "-t", target])
    var lines = out.components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return Screen(lines: lines, width: size.first ?? 0, height: size.count > 1 ? size[1] : 0)
  }

  /// The pane with its attributes as SGR escape sequences (`capture-pane -e`).
  func captureStyled() throws -> String {
    try tmuxCommand(["capture-pane", "-p", "-e", "-t", target])
  }

  /// Polls the pane until `predicate` holds; throws with the last screen after `timeout`.
  /// The default deadline is generous because CI machines are shared and a
  /// build may run beside the suite: a test that passes returns at once.
  @discardableResult
  func waitFor(
    _ what: String, timeout: TimeInterval = 20, _ predicate: (Screen) -> Bool
  ) throws -> Screen {
    let deadline = Date().addingTimeInterval(timeout)
    var last = try capture()
    while true {
      if predicate(last) {
        // The predicate can hold while a frame is still being written (tmux
        // shows output as it arrives): only a screen that stays the same for
        // one more poll is measured, so width checks never see a torn frame.
        usleep(30_000)
        let again = try capture()
        if again.lines == last.lines && again.width == last.width && again.height == last.height { return again }
        last = again
        continue
      }
      guard Date() < deadline else {
        throw E2EFailure(description: "timed out after \(timeout)s waiting for \(what); last screen:\n\(last)")
      }
      usleep(30_000)
      last = try capture()
    }
  }

  /// Waits until the screen shows `text`.
  @discardableResult
  func waitFor(text: String, timeout: TimeInterval = 20) throws -> Screen {
    try waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
  }

  /// The pid of the process the pane's shell runs (the shell's only child).
  func childOfPaneShell() throws -> Int32 {
    guard let shell = Int32(try display("#{pane_pid}")) else {
      throw E2EFailure(description: "no pane pid")
    }
    let deadline = Date().addingTimeInterval(5)
    while true {
      let kids = Processes.children(of: shell)
      if kids.count == 1, let only = kids.first { return only }
      guard Date() < deadline else {
        throw E2EFailure(description: "pane shell \(shell) has children \(kids), expected exactly one")
      }
      usleep(30_000)
    }
  }

  /// Ends the private server and everything in it. Safe to call twice.
  func kill() {
    _ = try? Processes.run(tmux, ["-L", socket, "kill-server"], environment: environment)
    if socketPath.hasSuffix("/" + socket) { unlink(socketPath) }
  }
}

/// Shell quoting for the one command line tmux hands to /bin/sh.
func shellQuote(_ s: String) -> String {
  "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
