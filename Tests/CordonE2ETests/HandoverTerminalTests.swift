import Foundation
import XCTest

/// The handover with the built binary in tmux, at 80x24 and 120x36: a store
/// set up with `cordon init` and `cordon post`, then the console's day view
/// shows the chain, the confirm form lists each item with its own query, and
/// the confirmation with its query shows in the chain.
final class HandoverTerminalTests: XCTestCase {
  func testTheDayViewChainAndTheConfirmFormAt80x24And120x36() throws {
    _ = try TmuxSession.tmuxOrSkip()
    let binary = try CordonBinary.locate()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-handover-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("store").path
    let env = CordonBinary.cleanEnvironment(configHome: root.path)
    func cordon(_ arguments: [String], stdin: String = "/dev/null") throws -> ProcessResult {
      try Processes.run(binary, arguments + ["--data", data], environment: env, stdinPath: stdin)
    }
    let org = root.appendingPathComponent("org.toml")
    try Data(NewGroupTests.organisation.utf8).write(to: org)
    let initialised = try cordon(["init", "--org", org.path])
    XCTAssertEqual(initialised.status, 0, initialised.stderrText)
    let lines = [
      #"{"type":"addPerson","id":"wang","name":"王卫国","unit":"jindun","phone":"13800000001"}"#,
      #"{"type":"assignShift","unit":"jindun","role":"officer","person":"wang","start":"\#(local(-1))","end":"\#(local(7))"}"#,
      #"{"type":"logEntry","unit":"jindun","channel":"phone","from":"东门岗","text":"东门测温枪故障，待维修","followUpDue":"\#(local(2))","owner":"李明"}"#,
      #"{"type":"handover","unit":"jindun","text":"夜班平稳，东门测温枪待修"}"#,
    ]
    let input = root.appendingPathComponent("in.jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
    let posted = try cordon(["post"], stdin: input.path)
    XCTAssertEqual(posted.status, 0, posted.stdoutText + posted.stderrText)
    let id = try XCTUnwrap(
      posted.stdoutText.split(separator: "\n").last.flatMap { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
      }, posted.stdoutText)

    let command =
      [
        "env", "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", shellQuote(binary.path), "--data",
        shellQuote(data),
      ]
      .joined(separator: " ") + "; echo EXITED:$?; exec sleep 600"
    let t = try TmuxSession(command: command, width: 80, height: 24, environment: env)
    addTeardownBlock { t.kill() }
    try t.waitFor("the roster", timeout: 20) { $0.contains("[1 值班表") && $0.contains("王卫国") }

    // 80x24: the day view of jindun (its officer's row is the first) shows the handover waiting.
    try t.send("Enter")
    var s = try t.waitFor(text: "交接班", timeout: 15)
    XCTAssertTrue(s.contains("→ 王卫国") && s.contains("待确认"), "the chain\n\(s)")
    assertEveryLineFits(s, "day view 80x24")
    try t.send("Escape")
    // The confirm form: the follow-up is an item with its own query field.
    try t.send("c")
    s = try t.waitFor(text: "确认交接班", timeout: 15)
    XCTAssertTrue(s.contains(id) && s.contains("留空即确认"), "the form\n\(s)")
    XCTAssertTrue(s.contains("跟进") && s.contains("东门测温枪故障"), "the follow-up item\n\(s)")
    assertEveryLineFits(s, "confirm form 80x24")
    try t.type("已报修吗")
    try t.waitFor(text: "已报修吗", timeout: 15)
    try t.send("C-s")
    s = try t.waitFor("the form to close", timeout: 15) { !$0.contains("确认交接班") }
    try t.send("Enter")
    s = try t.waitFor(text: "? 质疑第 1 项：已报修吗", timeout: 15)
    XCTAssertTrue(s.contains("已确认"), "confirmed in the chain\n\(s)")
    assertEveryLineFits(s, "chain confirmed 80x24")
    try t.send("Escape")

    // 120x36: a second handover written here shows its checklist first, then its confirm form.
    try t.resize(width: 120, height: 36)
    try t.waitFor("the wider grid", timeout: 15) { $0.lines.count == 36 && $0.contains("[1 值班表") }
    try t.send("h")
    s = try t.waitFor(text: "交接清单", timeout: 15)
    XCTAssertTrue(s.contains("跟进") && s.contains("东门测温枪故障"), "the preview\n\(s)")
    assertEveryLineFits(s, "handover form 120x36")
    try t.send("Tab")
    try t.type("白班交接")
    try t.send("Enter")
    try t.waitFor(text: "已保存", timeout: 15)
    try t.send("c")
    s = try t.waitFor(text: "确认交接班", timeout: 15)
    XCTAssertTrue(s.contains("白班交接") && s.contains("东门测温枪故障"), "the second form\n\(s)")
    assertEveryLineFits(s, "confirm form 120x36")
    try t.send("C-s")
    try t.waitFor("the form to close", timeout: 15) { !$0.contains("确认交接班") }
    try t.send("Enter")
    s = try t.waitFor(text: "白班交接", timeout: 15)
    XCTAssertTrue(s.contains(" 交接班") && s.contains("已确认"), "the chain at 120x36\n\(s)")
    assertEveryLineFits(s, "chain 120x36")
    try t.send("Escape")
    try t.send("q")
    try t.waitFor(text: "EXITED:0", timeout: 15)
  }
}
