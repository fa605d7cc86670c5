import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// The log lines the real `cordon serve` binary writes on stderr (swift-log,
/// one line each): timestamp, level, label, metadata as key=value, the
/// module, the message. Operators grep and journald stores these; a change
/// of shape breaks their alerts, so the shape is pinned here.
final class ServeLogFormatTests: XCTestCase {
  /// `2026-12-02T03:50:28+0000 info cordon: pid=3768 role=command [CordonServer] connected …`
  private static let line = try! NSRegularExpression(
    pattern:
      #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} (trace|debug|info|notice|warning|error|critical) cordon:( [A-Za-z]+=[^ \[]*)* \[[A-Za-z]+\] \S.*$"#
  )

  private func matches(_ s: String) -> Bool {
    Self.line.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
  }

  func testServeLogsConnectionsRefusalsAndSnapshotsInOneLineFormat() throws {
    let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdn-log-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    // Others must reach the socket for the refusal below.
    chmod(root.path, 0o755)
    let binary = try CordonBinaryLocation.find().path
    let socket = root.appendingPathComponent("s.sock").path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = ["serve", "--demo", "--data", root.appendingPathComponent("data").path, "--socket", socket]
    p.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
    let log = root.appendingPathComponent("serve.log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    p.standardError = try FileHandle(forWritingTo: log)
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    var stopped = false
    defer {
      if !stopped {
        p.terminate()
        p.waitUntilExit()
      }
    }
    func text() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    try eventually("serving", timeout: 30) { text().contains("serving ") }

    // A connection: `post` says hello (a submit-only session: no state), sends a line, leaves.
    let input = root.appendingPathComponent("in.jsonl")
    try "{\"type\":\"nonsense\"}\n".write(to: input, atomically: true, encoding: .utf8)
    _ = try runProgram(binary, ["post", "--socket", socket], stdin: input.path)
    let me = String(cString: getpwuid(getuid()).pointee.pw_name)
    try eventually("connection logged") { text().contains("disconnected \(me)") }

    // A refusal: an OS user the server does not know (needs root to become one).
    var refused = false
    if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser"), getpwnam("nobody") != nil {
      // `nobody` cannot reach a build directory inside a private (0700) checkout,
      // so it runs a copy of the binary beside the socket.
      let copy = root.appendingPathComponent("cordon")
      try FileManager.default.copyItem(at: URL(fileURLWithPath: binary), to: copy)
      chmod(copy.path, 0o755)
      _ = try runProgram("/usr/sbin/runuser", ["-u", "nobody", "--", copy.path, "status", "--socket", socket])
      try eventually("refusal logged") { text().contains("refused status to nobody") }
      refused = true
    }

    // A snapshot: the final one, written as the server stops.
    p.terminate()
    p.waitUntilExit()
    stopped = true
    let lines = text().split(separator: "\n").map(String.init)
    XCTAssertFalse(lines.isEmpty)
    for l in lines { XCTAssertTrue(matches(l), "not in the log-line format: \(l)") }
    func one(_ what: String, _ pattern: String) {
      let re = try? NSRegularExpression(pattern: pattern)
      XCTAssertTrue(
        lines.contains { l in re?.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)) != nil },
        "no \(what) line like \(pattern) in:\n\(lines.joined(separator: "\n"))")
    }
    one("start", #" notice cordon: \[cordon\] serving \S+ on \S+s\.sock \(access: no --config\)$"#)
    one(
      "connection",
      #" info cordon: pid=\d+ role=command seq=\d+ user=\#(me) \[CordonServer\] connected \#(me) as command \(pid \d+\); submit-only at seq \d+$"#
    )
    one("disconnection", #" info cordon: pid=\d+ user=\#(me) \[CordonServer\] disconnected \#(me) \(pid \d+\)$"#)
    if refused {
      one(
        "refusal",
        #" notice cordon: pid=\d+ user=nobody \[CordonServer\] refused status to nobody \(pid \d+\): user nobody \(uid \d+\) is not allowed"#
      )
    }
    one("stop", #" notice cordon: \[cordon\] stopping$"#)
    one("snapshot", #" info cordon: seq=(\d+) \[CordonServer\] snapshot written at seq \1 \(\d+ bytes\)$"#)
  }
}
