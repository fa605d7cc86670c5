import Foundation
import XCTest

/// Starting without a terminal, and a data directory that outlives a run.
final class ConsoleLifecycleTests: XCTestCase {
  /// stdin from /dev/null, stdout a pipe: one line on stderr, exit 2, no
  /// output, and nothing in the terminal's way.
  func testRefusesToStartWithoutATerminal() throws {
    let binary = try CordonBinary.locate()
    let config = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-config-\(UUID())")
    let r = try Processes.run(
      binary, ["--demo"], environment: CordonBinary.cleanEnvironment(configHome: config.path), stdinPath: "/dev/null",
      stdoutToPipe: true)
    XCTAssertEqual(r.status, 2, "exit status; stderr: \(r.stderrText)")
    XCTAssertEqual(r.stdout.count, 0, "stdout must stay empty, got \(r.stdoutText.debugDescription)")
    let err = r.stderrText
    XCTAssertTrue(err.hasSuffix("\n"), "stderr must end with a newline: \(err.debugDescription)")
    let lines = err.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    XCTAssertEqual(lines.count, 1, "exactly one line on stderr: \(err.debugDescription)")
    let lower = err.lowercased()
    XCTAssertTrue(lower.contains("terminal") || lower.contains("tty"), "the line names the terminal: \(err)")
    XCTAssertFalse(err.contains("\u{1B}"), "escape sequences on stderr: \(err.debugDescription)")
  }

  /// `--data DIR`: a second start on the same directory shows the same data
  /// (a fever case recorded in the first run, once; the same roster), and
  /// `cordon fsck` finds the directory clean.
  func testDataDirectorySurvivesARestart() throws {
    let binary = try CordonBinary.locate()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-data-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("store").path

    // First run: seeds the demo, then records a fever case through the form.
    let first = try launch(width: 120, height: 36, arguments: ["--data", dir])
    try waitForConsole(first)
    let rosterBefore = try rosterCount(first, filter: "热力")
    try first.send("2")
    try first.waitFor(text: "[2 检查点状态")
    try first.send("f")
    try first.waitFor(text: "录入发热病例")
    try first.send("Tab")
    try first.type("李四")
    try first.send("Tab")
    try first.type("38.6")
    try first.waitFor(text: "38.6")
    try first.send("Enter")
    try first.waitFor(text: "已保存")
    let alertsBefore = try alertCount(first, filter: "李四")
    XCTAssertEqual(alertsBefore, 1, "one fever alert for 李四 after saving")
    try quit(first)
    first.kill()

    // Second run on the same directory: no seeding again, same data.
    let second = try launch(width: 120, height: 36, arguments: ["--data", dir])
    let s = try waitForConsole(second)
    assertEveryLineFits(s, "second start")
    XCTAssertEqual(try rosterCount(second, filter: "热力"), rosterBefore, "roster rows changed across a restart")
    XCTAssertEqual(try alertCount(second, filter: "李四"), 1, "the fever case from the first run, exactly once")
    try quit(second)

    let fsck = try Processes.run(
      binary, ["fsck", "--data", dir], environment: CordonBinary.cleanEnvironment(configHome: root.path))
    XCTAssertEqual(fsck.status, 0, "fsck: \(fsck.stdoutText)\(fsck.stderrText)")
    XCTAssertTrue(fsck.stdoutText.contains("clean"), "fsck report: \(fsck.stdoutText)")
  }

  /// Filters the roster pane and returns its "(matched/total)".
  private func rosterCount(_ t: TmuxSession, filter: String) throws -> [Int] {
    try filteredCount(t, key: "1", title: "1 值班表", filter: filter)
  }

  /// Filters the alerts pane and returns how many alerts match.
  private func alertCount(_ t: TmuxSession, filter: String) throws -> Int? {
    try filteredCount(t, key: "4", title: "4 告警队列", filter: filter).first
  }

  private func filteredCount(_ t: TmuxSession, key: String, title: String, filter: String) throws -> [Int] {
    try t.send(key)
    try t.waitFor(text: "[\(title)")
    try t.send("/")
    try t.type(filter)
    let s = try t.waitFor(text: "/\(filter) (")
    try t.send("Enter")
    try t.waitFor("the filter prompt to close") { !$0.contains("筛选：") }
    guard let line = s.lines.first(where: { $0.contains("[\(title)") && $0.contains("/\(filter) (") }),
      let range = line.range(of: #"\((\d+)/(\d+)\)"#, options: .regularExpression)
    else {
      throw E2EFailure(description: "no (matched/total) in the \(title) title\n\(s)")
    }
    return line[range].dropFirst().dropLast().split(separator: "/").compactMap { Int($0) }
  }
}
