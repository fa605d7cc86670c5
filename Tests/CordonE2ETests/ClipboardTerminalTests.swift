import Foundation
import XCTest

/// `y` in the built binary: the OSC 52 sequence in the raw bytes of a pty
/// (`script` records them), and tmux with `set-clipboard on` taking it into
/// its own buffer, as it would pass it to the terminal outside.
final class ClipboardTerminalTests: XCTestCase {
  func testYSendsOSC52ThroughAPtyAndTmuxTakesIt() throws {
    guard let script = Processes.which("script") else { throw XCTSkip("script(1) is not installed (util-linux)") }
    _ = try TmuxSession.tmuxOrSkip()
    let binary = try CordonBinary.locate()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-clip-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    let raw = dir.appendingPathComponent("raw.out")
    let inner = ["env", "TERM=xterm-256color", shellQuote(binary.path), "--demo"].joined(separator: " ")
    let line = [script.path, "-qfec", shellQuote(inner), shellQuote(raw.path)].joined(separator: " ")
    let t = try TmuxSession(
      command: line + "; exec sleep 600", width: 80, height: 24,
      environment: CordonBinary.cleanEnvironment(configHome: dir.path))
    addTeardownBlock { t.kill() }
    try t.tmuxCommand(["set-option", "-s", "set-clipboard", "on"])
    try t.waitFor("the console") { $0.lines.first?.contains("Cordon") == true && $0.contains("└") }
    try t.send("2")
    try t.waitFor(text: "[2 检查点状态")
    try t.send("y")
    let s = try t.waitFor(text: "已复制到剪贴板：")
    let status = try XCTUnwrap(s.lines.first { $0.contains("已复制到剪贴板：") })

    // The raw bytes the console wrote: ESC ] 52 ; c ; base64 BEL, and the text it carries.
    let deadline = Date().addingTimeInterval(5)
    var copied: String?
    while copied == nil && Date() < deadline {
      let bytes = (try? Data(contentsOf: raw)) ?? Data()
      copied = Self.osc52Payloads(bytes).last
      if copied == nil { usleep(50_000) }
    }
    let text = try XCTUnwrap(copied, "no OSC 52 sequence in the pty output")
    // The selected (first) checkpoint row: its site is on the screen.
    let site = try XCTUnwrap(text.components(separatedBy: "  ").dropFirst().first, text)
    XCTAssertTrue(s.contains(site), "\(site) not on the screen\n\(s)")
    XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "control characters copied")
    XCTAssertTrue(status.contains(String(text.prefix(8))), "the status names what was copied: \(status) / \(text)")
    // tmux, with set-clipboard on, made it a paste buffer.
    XCTAssertEqual(try t.tmuxCommand(["show-buffer"]), text)
    try t.send("q")
  }

  /// Every OSC 52 payload in `bytes`, decoded.
  static func osc52Payloads(_ bytes: Data) -> [String] {
    let b = [UInt8](bytes)
    let start = Array("\u{1B}]52;c;".utf8)
    var out: [String] = []
    var i = 0
    while i + start.count <= b.count {
      guard Array(b[i..<(i + start.count)]) == start else {
        i += 1
        continue
      }
      let from = i + start.count
      guard let end = b[from...].firstIndex(where: { $0 == 0x07 || $0 == 0x1B }) else { break }
      if let d = Data(base64Encoded: Data(b[from..<end])), let s = String(data: d, encoding: .utf8) { out.append(s) }
      i = end
    }
    return out
  }
}
