import Foundation
import XCTest

/// The path a new group takes, with the built binary on a fresh data
/// directory: `cordon init --org` from its own organisation file, people and
/// shifts from CSV files written with the register's own category words, then
/// the console in tmux shows them on the roster.
final class NewGroupTests: XCTestCase {
  static let organisation = """
    # A small group, as an administrator writes it from deploy/org.example.toml.
    [settings]
    feverThreshold = 37.3

    [[units]]
    id = "hq"
    name = "集团机关"
    headquarters = true
    key = false

    [[units]]
    id = "jindun"
    name = "金盾护卫"
    nameEn = "Jindun Security"
    key = true

    [[units]]
    id = "heat"
    name = "热力总公司"
    key = true

    [[sites]]
    id = "ht-1"
    name = "一号换热站"
    unit = "heat"
    kind = "heatStation"

    [[items]]
    id = "mask"
    name = "口罩"
    measure = "个"

    """

  /// A fresh directory for the store and the files, the built binary, its environment.
  private func fresh() throws -> (binary: URL, root: URL, data: String, env: [String: String]) {
    _ = try TmuxSession.tmuxOrSkip()
    let binary = try CordonBinary.locate()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-group-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    return (
      binary, root, root.appendingPathComponent("store").path, CordonBinary.cleanEnvironment(configHome: root.path)
    )
  }

  /// The built console on `data` in tmux, as a user starts it.
  private func console(_ binary: URL, _ data: String, _ env: [String: String], width: Int, height: Int) throws
    -> TmuxSession
  {
    let line =
      [
        "env", "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", shellQuote(binary.path), "--data",
        shellQuote(data),
      ]
      .joined(separator: " ") + "; echo EXITED:$?; exec sleep 600"
    let t = try TmuxSession(command: line, width: width, height: height, environment: env)
    addTeardownBlock { t.kill() }
    return t
  }

  /// The store checks the batch once, as it commits it; a file it refuses
  /// (a site naming a unit that is not in the file) leaves no data
  /// directory behind, and an existing directory as it was.
  func testARefusedFileLeavesNoDataDirectoryAndAnExistingOneAsItWas() throws {
    let (binary, root, data, env) = try fresh()
    let bad = root.appendingPathComponent("bad.toml")
    let text = Self.organisation.replacingOccurrences(of: #"unit = "heat""#, with: #"unit = "heating""#)
    try Data(text.utf8).write(to: bad)
    let line = (text.components(separatedBy: "\n").firstIndex { $0.contains(#"unit = "heating""#) } ?? 0) + 1
    let refused = try Processes.run(
      binary, ["init", "--org", bad.path, "--data", data, "--lang", "en"], environment: env)
    XCTAssertEqual(refused.status, 1, refused.stdoutText)
    XCTAssertTrue(refused.stderrText.contains("\(bad.path):\(line): sites[1].unit"), refused.stderrText)
    XCTAssertFalse(FileManager.default.fileExists(atPath: data), "a refused file created \(data)")
    // A directory made beforehand keeps what it held, and only that.
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    try Data("mine".utf8).write(to: URL(fileURLWithPath: data).appendingPathComponent("notes.txt"))
    let again = try Processes.run(
      binary, ["init", "--org", bad.path, "--data", data, "--lang", "en"], environment: env)
    XCTAssertEqual(again.status, 1, again.stdoutText)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: data), ["notes.txt"])
    // The right file then initialises that directory.
    let good = root.appendingPathComponent("good.toml")
    try Data(Self.organisation.utf8).write(to: good)
    let done = try Processes.run(
      binary, ["init", "--org", good.path, "--data", data, "--lang", "en"], environment: env)
    XCTAssertEqual(done.status, 0, done.stderrText)
  }

  func testInitImportPeopleAndShiftsThenTheRosterShowsThem() throws {
    let (binary, root, data, env) = try fresh()
    func file(_ name: String, _ text: String) throws -> String {
      let url = root.appendingPathComponent(name)
      try Data(text.utf8).write(to: url)
      return url.path
    }
    func cordon(_ arguments: [String]) throws -> ProcessResult {
      try Processes.run(binary, arguments + ["--data", data], environment: env)
    }

    let org = try file("org.toml", Self.organisation)
    let initialised = try cordon(["init", "--org", org, "--lang", "en"])
    XCTAssertEqual(initialised.status, 0, initialised.stderrText)
    XCTAssertTrue(initialised.stdoutText.contains("3"), initialised.stdoutText)
    // A second init is refused: the store has an organisation.
    let again = try cordon(["init", "--org", org, "--lang", "en"])
    XCTAssertEqual(again.status, 1, again.stdoutText)

    // The register's own words for the categories, as a duty room writes them.
    let people = try file(
      "people.csv",
      "\u{FEFF}姓名,单位,电话,类别\r\n王卫国,金盾护卫,13800000001,值班值守人员；党员在岗\r\n"
        + "李红,热力总公司,13800000002,在岗上班人员、志愿者在岗\r\n张强,hq,,其余在职人员\r\n")
    let p = try cordon(["import", "people", people, "--lang", "en"])
    XCTAssertEqual(p.status, 0, p.stderrText)
    XCTAssertEqual(p.stdoutText, "added 3 people\n")

    let shifts = try file(
      "shifts.csv",
      "单位,岗位,姓名,开始,结束\r\n金盾护卫,值班人员,王卫国,\(local(-1)),\(local(7))\r\n"
        + "热力总公司,值班经理,李红,\(local(-2)),\(local(6))\r\n")
    let s = try cordon(["import", "shifts", shifts, "--lang", "en"])
    XCTAssertEqual(s.status, 0, s.stderrText)
    XCTAssertEqual(s.stdoutText, "added 2 shifts\n")

    let t = try console(binary, data, env, width: 120, height: 36)
    let screen = try t.waitFor("the roster with the imported people on duty") { s in
      s.contains("[1 值班表") && s.contains("王卫国") && s.contains("李红")
    }
    XCTAssertFalse(screen.contains("演示"), "not the demo:\n\(screen)")
    XCTAssertFalse(screen.contains("尚未建立组织"), "not the first run:\n\(screen)")
    let row = try XCTUnwrap(screen.lines.first { $0.contains("王卫国") }, screen.description)
    XCTAssertTrue(row.contains("金盾护卫") && row.contains("值班人员"), row)
    try t.send("q")
    try t.waitFor(text: "EXITED:0")
  }

  /// Before `cordon init`, the built console shows the first-run screen, not empty panes.
  func testAnEmptyStoreShowsTheFirstRunScreenAt80x24() throws {
    let (binary, _, data, env) = try fresh()
    let t = try console(binary, data, env, width: 80, height: 24)
    let screen = try t.waitFor("the first-run screen") { $0.contains("尚未建立组织") && $0.contains("cordon --demo") }
    XCTAssertTrue(screen.contains("deploy/org.example.toml"), screen.description)
    XCTAssertFalse(screen.contains("[1 值班表"), screen.description)
    try t.send("q")
    try t.waitFor(text: "EXITED:0")
  }
}
