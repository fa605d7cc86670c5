import Foundation
import XCTest

/// Issue 17 with the built binary: an organisation file with its checklists
/// and a site's required staff, visits, findings and a deployment posted as
/// JSON lines, then the console in tmux at 80x24 shows the inspections view,
/// a unit's findings, and the checkpoint's staff figure with the deployed member.
final class InspectionsTerminalTests: XCTestCase {
  static let organisation = """
    [[units]]
    id = "hq"
    name = "集团机关"
    headquarters = true

    [[units]]
    id = "jy"
    name = "金源物业"
    key = true

    [[sites]]
    id = "jy-gate"
    name = "东风小区检查点"
    unit = "jy"
    kind = "compoundCheckpoint"
    staff = 2
    requiredStaff = 4

    [[items]]
    id = "thermo"
    name = "电子测温枪"
    measure = "把"

    [[people]]
    id = "wang"
    name = "王卫国"
    unit = "jy"

    [[checklists]]
    kind = "compoundCheckpoint"
    items = ["出入登记", "体温检测开展"]

    """

  func testTheInspectionsViewAndTheStaffFigureInTmuxAt80x24() throws {
    _ = try TmuxSession.tmuxOrSkip()
    let binary = try CordonBinary.locate()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-insp-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("store").path
    let env = CordonBinary.cleanEnvironment(configHome: root.path)
    let org = root.appendingPathComponent("org.toml")
    try Data(Self.organisation.utf8).write(to: org)
    let initialised = try Processes.run(binary, ["init", "--org", org.path, "--data", data], environment: env)
    XCTAssertEqual(initialised.status, 0, initialised.stderrText)

    let lines = [
      #"{"type":"inspection","id":"in1","unit":"jy","sites":["jy-gate"],"checked":["体温检测开展"],"notes":"夜查"}"#,
      #"{"type":"inspection","id":"in2","unit":"jy","sites":["jy-gate"],"checked":["防护用品佩戴"]}"#,
      #"{"type":"finding","id":"f1","inspection":"in1","unit":"jy","text":"门岗测温枪不足","severity":"major","deadline":"\#(local(24))","requestItem":"thermo","requestQuantity":4}"#,
      #"{"type":"team","id":"vg","name":"先锋突击队","leader":"wang"}"#,
      #"{"type":"deploy","team":"vg","person":"wang","site":"jy-gate","start":"\#(local(-1))","end":"\#(local(8))"}"#,
    ]
    let input = root.appendingPathComponent("lines.jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
    let posted = try Processes.run(
      binary, ["post", "--data", data, "--lang", "en"], environment: env, stdinPath: input.path)
    XCTAssertEqual(posted.status, 1, "the second visit names an item not on the checklist: \(posted.stdoutText)")
    let results = posted.stdoutText.split(separator: "\n").map(String.init)
    XCTAssertEqual(results.count, 5, posted.stdoutText)
    XCTAssertTrue(results[1].contains(#""code":"inspection.notOnChecklist""#), results[1])
    XCTAssertTrue(results[1].contains("出入登记、体温检测开展"), results[1])
    XCTAssertTrue(results[2].contains(#""id":"f1""#), results[2])

    let command =
      [
        "env", "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", shellQuote(binary.path), "--data",
        shellQuote(data),
      ]
      .joined(separator: " ") + "; echo EXITED:$?; exec sleep 600"
    let t = try TmuxSession(command: command, width: 80, height: 24, environment: env)
    addTeardownBlock { t.kill() }
    try t.waitFor(text: "[1 值班表")
    // The checkpoint pane: 2 on post and the deployed member.
    try t.send("2")
    let checkpoints = try t.waitFor("the checkpoint row") { $0.contains("东风小区检查点") }
    let row = try XCTUnwrap(checkpoints.lines.first { $0.contains("东风小区检查点") }, checkpoints.description)
    XCTAssertTrue(row.contains(" 3 "), "2 on post + 1 deployed: \(row)")
    try t.send(":")
    try t.type("inspections")
    try t.send("Enter")
    let view = try t.waitFor("the inspections view") { $0.contains("[督查]") && $0.contains("金源物业") }
    let unit = try XCTUnwrap(view.lines.first { $0.contains("金源物业") }, view.description)
    XCTAssertTrue(unit.contains("f1") && unit.contains("门岗"), "the finding due first: \(unit)")
    try t.send("Enter")
    let detail = try t.waitFor("the unit's findings") { $0.contains("督查问题（1）") }
    XCTAssertTrue(detail.contains("物资申请 rq"), detail.description)
    XCTAssertTrue(detail.contains("检查：体温检测开展"), detail.description)
    try t.send("Escape")
    try t.send("Escape")
    try t.waitFor("back on the checkpoints") { !$0.contains("[督查]") && $0.contains("东风小区检查点") }
    try t.send("q")
    try t.waitFor(text: "EXITED:0")
  }
}
