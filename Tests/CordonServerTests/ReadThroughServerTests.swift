import CordonModel
import CordonServer
import CordonSession
import EventSourcing
import Foundation
import XCTest

/// Issue 14 item 10: `cordon report`, `audit` and `export` with `--socket`
/// read through the running server (which holds the data directory), as
/// real OS users: the operator gets its own unit's data only, the command
/// role everything, and the text is the one a local read gives.
final class ReadThroughServerTests: XCTestCase {
  func testReportAuditAndExportThroughTheServerAsTheCallersRoleAllows() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create OS users (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
    let (op, hq, viewer) = ("crq\(tag)op", "crq\(tag)hq", "crq\(tag)vw")
    addTeardownBlock { for u in [op, hq, viewer] { _ = try? runProgram("/usr/sbin/userdel", [u]) } }
    for u in [op, hq, viewer] {
      try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", u]), "useradd \(u)")
    }
    let access = try AccessConfig.parse(
      """
      [users]
      \(op) = { role = "operator", unit = "jinyuan" }
      \(hq) = "command"
      \(viewer) = "viewer"
      """, file: "read.toml")
    let h = try ServerHarness(access: access)
    defer { h.shutdown() }
    let binary = h.root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinaryLocation.find(), to: binary)
    chmod(binary.path, 0o755)
    try h.submit(.writeHandover(unit: "heating", text: "热力站交接：=HYPERLINK(\"x\")"), actor: "hq-duty")
    try h.submit(.writeHandover(unit: "jinyuan", text: "金源交接"), actor: "jy-duty", unit: "jinyuan")
    try h.submit(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 383)), actor: "hq-duty")
    try h.submit(.recordFever(site: "jy-dongfeng", personName: "李四", reading: Celsius(tenths: 385)), actor: "jy-duty")

    func run(_ user: String, _ args: [String]) throws -> RunResult {
      try runProgram(
        "/usr/bin/setpriv",
        ["--reuid=\(user)", "--regid=nogroup", "--init-groups", binary.path] + args + ["--socket", h.socketPath])
    }
    func local(_ q: JournalQuery, unit: String?) throws -> String {
      var scoped = q
      scoped.unit = unit
      return try JournalQueryRunner.run(scoped, store: h.store, principal: nil).get()
    }

    // The daily report: the operator's is the jinyuan report, the duty room's the whole group's.
    let report = JournalQuery(kind: .report, format: "txt", lang: "en")
    let opReport = try run(op, ["report", "daily", "--format", "txt", "--lang", "en"])
    XCTAssertEqual(opReport.status, 0, opReport.stderr)
    XCTAssertEqual(opReport.stdout, try local(report, unit: "jinyuan"))
    XCTAssertTrue(opReport.stdout.contains("Jinyuan Property"), opReport.stdout)
    XCTAssertFalse(opReport.stdout.contains("Heat station 1"), "another unit's site: \(opReport.stdout)")
    let hqReport = try run(hq, ["report", "daily", "--format", "txt", "--lang", "en"])
    XCTAssertEqual(hqReport.status, 0, hqReport.stderr)
    XCTAssertEqual(hqReport.stdout, try local(report, unit: nil))
    XCTAssertTrue(hqReport.stdout.contains("Heat station 1"))
    let viewed = try run(viewer, ["report", "daily", "--format", "txt", "--lang", "en", "--unit", "heating"])
    XCTAssertEqual(viewed.stdout, try local(report, unit: "heating"), viewed.stderr)

    // Another unit asked for by name is refused, naming it; a unit that does not exist is named too.
    let other = try run(op, ["report", "daily", "--unit", "heating"])
    XCTAssertEqual(other.status, 3)
    XCTAssertTrue(
      other.stderr.contains("\(op) may read only its own unit's records, not heating's"), other.stderr)
    XCTAssertEqual(other.stdout, "")
    let nosuch = try run(hq, ["report", "daily", "--unit", "heatng"])
    XCTAssertEqual(nosuch.status, 2)
    XCTAssertTrue(nosuch.stderr.contains("--unit: no such unit heatng"), nosuch.stderr)
    let badDate = try run(hq, ["report", "daily", "--date", "2020-13-40"])
    XCTAssertEqual(badDate.status, 2)
    XCTAssertTrue(badDate.stderr.contains("--date: expected YYYY-MM-DD, got 2020-13-40"), badDate.stderr)

    // The audit trail: the operator sees its unit's records only.
    let audit = JournalQuery(kind: .audit, lang: "en")
    let opAudit = try run(op, ["audit", "--lang", "en"])
    XCTAssertEqual(opAudit.status, 0, opAudit.stderr)
    XCTAssertEqual(opAudit.stdout, try local(audit, unit: "jinyuan") + "\n")
    XCTAssertTrue(opAudit.stdout.contains("jy-duty"), opAudit.stdout)
    XCTAssertFalse(opAudit.stdout.contains("hq-duty"), "another unit's records: \(opAudit.stdout)")
    let hqAudit = try run(hq, ["audit", "--lang", "en"])
    XCTAssertEqual(hqAudit.stdout, try local(audit, unit: nil) + "\n")
    XCTAssertTrue(hqAudit.stdout.contains("hq-duty"))

    // Exports: the operator's rows are its unit's; CSV cells stay formula-safe; the BOM is the client's.
    for (kind, name) in [
      (JournalQuery.Kind.exportShifts, "shifts"), (.exportRegister, "register"), (.exportStock, "stock"),
    ] {
      let q = JournalQuery(kind: kind, lang: "zh")
      let mine = try run(op, ["export", name])
      XCTAssertEqual(mine.status, 0, mine.stderr)
      // (Reading stdout as a String drops a leading BOM: the stock list's is not compared here.)
      XCTAssertEqual(mine.stdout, try local(q, unit: "jinyuan"), name)
      XCTAssertFalse(mine.stdout.contains("热力总公司"), "\(name): another unit's rows")
      let all = try run(hq, ["export", name])
      XCTAssertEqual(all.stdout, try local(q, unit: nil), name)
      XCTAssertTrue(all.stdout.contains("热力总公司"), "\(name): the duty room sees every unit")
    }

    // --socket names the server; --data beside it is a mistake, said at once.
    let both = try runProgram(binary.path, ["audit", "--socket", h.socketPath, "--data", h.root.path])
    XCTAssertEqual(both.status, 2)
    XCTAssertTrue(both.stderr.contains("--socket cannot be combined with --data"), both.stderr)
  }
}
