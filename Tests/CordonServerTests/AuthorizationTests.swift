import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Who may do what, decided by the server from the socket's peer credentials.
final class AuthorizationTests: XCTestCase {
  func testConfigMapsUsersAndGroupsToRoles() throws {
    let config = try AccessConfig.parse(
      """
      [users]
      zhang = "command"
      li = { role = "operator", unit = "heating" }
      wang = { role = "inspector", units = ["jinyuan", "heating"] }

      [groups]
      cordon = "viewer"
      cordon-jd = { role = "operator", unit = "jindun" }
      cordon-ht = { role = "operator", unit = "heating" }
      """, file: "test.toml")
    func resolve(_ user: String, _ groups: [String]) -> Result<Principal, AccessDenied> {
      config.resolve(PeerIdentity(uid: 4242, pid: 1, user: user, groups: groups))
    }
    XCTAssertEqual(try resolve("zhang", []).get(), Principal(user: "zhang", role: .command, units: []))
    XCTAssertEqual(try resolve("li", ["cordon"]).get().units, ["heating"], "a user entry wins over groups")
    XCTAssertEqual(try resolve("wang", []).get().role, .inspector)
    XCTAssertEqual(try resolve("zhao", ["cordon"]).get().role, .viewer)
    XCTAssertEqual(
      try resolve("zhao", ["cordon", "cordon-jd"]).get(), Principal(user: "zhao", role: .operator, units: ["jindun"]),
      "the most powerful group wins over the catch-all")
    guard case .failure(let ambiguous) = resolve("qian", ["cordon-jd", "cordon-ht"]) else {
      return XCTFail("two operator units accepted")
    }
    XCTAssertTrue(ambiguous.message.contains("several units"), ambiguous.message)
    guard case .failure(let unknown) = resolve("sun", ["users"]) else { return XCTFail("unknown user accepted") }
    XCTAssertTrue(unknown.message.contains("not allowed"), unknown.message)
    XCTAssertEqual(
      try config.resolve(PeerIdentity(uid: getuid(), pid: 1, user: "svc", groups: [])).get().role, .command,
      "the server's own account")

    for (bad, why) in [
      ("[users]\nx = \"admin\"", "unknown role"), ("[users]\nx = \"operator\"", "needs units"),
      ("[users]\nx = { role = \"operator\", units = [\"a\", \"b\"] }", "exactly one unit"),
      ("[people]\nx = \"viewer\"", "unknown section"),
      ("[users]\nx = { role = \"viewer\", colour = 1 }", "unknown key"),
    ] {
      XCTAssertThrowsError(try AccessConfig.parse(bad, file: "bad.toml"), why) { e in
        XCTAssertTrue("\(e)".contains(why) && "\(e)".contains("bad.toml"), "\(e)")
      }
    }
  }

  /// Real OS users created for the test, each running the built `cordon post`
  /// as itself against a real server: the kernel's peer credentials are the
  /// only identity the server sees.
  func testAuthorisationMatrixWithRealOSUsers() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create OS users (CI runs as root)") }
    for tool in [
      "/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/groupadd", "/usr/sbin/groupdel", "/usr/bin/setpriv",
    ]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
    let names = (
      op: "cdt\(tag)op", viewer: "cdt\(tag)vw", inspector: "cdt\(tag)in", hq: "cdt\(tag)hq", stranger: "cdt\(tag)no"
    )
    let groups = (view: "cdt\(tag)gv", hq: "cdt\(tag)ghq")
    addTeardownBlock {
      for u in [names.op, names.viewer, names.inspector, names.hq, names.stranger] {
        _ = try? runProgram("/usr/sbin/userdel", [u])
      }
      for g in [groups.view, groups.hq] { _ = try? runProgram("/usr/sbin/groupdel", [g]) }
    }
    for g in [groups.view, groups.hq] { try check(runProgram("/usr/sbin/groupadd", [g]), "groupadd \(g)") }
    try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", names.op]), "useradd")
    try check(
      runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", "-G", groups.view, names.viewer]), "useradd")
    try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", names.inspector]), "useradd")
    try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", "-G", groups.hq, names.hq]), "useradd")
    try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", names.stranger]), "useradd")

    let access = try AccessConfig.parse(
      """
      [users]
      \(names.op) = { role = "operator", unit = "heating" }
      \(names.inspector) = { role = "inspector", units = ["jinyuan"] }
      [groups]
      \(groups.view) = "viewer"
      \(groups.hq) = "command"
      """, file: "matrix.toml")
    let h = try ServerHarness(access: access)
    defer { h.shutdown() }
    // Other users cannot reach the build directory; a copy beside the socket they can.
    let binary = h.root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinaryLocation.find(), to: binary)
    chmod(binary.path, 0o755)

    let state = h.store.state
    let heatingSite = try XCTUnwrap(state.orderedSites.first { $0.unit == "heating" }?.id)
    let jinyuanSite = try XCTUnwrap(state.orderedSites.first { $0.unit == "jinyuan" }?.id)
    // A jinyuan alert for the inspector to acknowledge.
    try h.submit(.recordFever(site: jinyuanSite, personName: "赵六", reading: Celsius(tenths: 390)))
    let jinyuanAlert = try XCTUnwrap(
      h.store.state.alerts.values.first { $0.unit == "jinyuan" && $0.key.rule == .fever }?.key.description)
    let deadline = state.calendar.format(Instant.now().adding(minutes: 120))

    func post(_ user: String, _ lines: [String]) throws -> (status: Int32, results: [[String: Any]], stderr: String) {
      let r = try postAs(user, lines, binary: binary, socket: h.socketPath, in: h.root)
      let results = r.stdout.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      }
      return (r.status, results, r.stderr)
    }
    func code(_ r: [String: Any]) -> String? { r["code"] as? String }

    // Operator of heating: its own unit yes; another unit, a directive: no.
    let op = try post(
      names.op,
      [
        #"{"type":"fever","site":"\#(heatingSite)","person":"王五","reading":38.5}"#,
        #"{"type":"ventilation","site":"\#(jinyuanSite)"}"#,
        #"{"type":"directive","text":"加强测温","targets":["heating"],"deadline":"\#(deadline)"}"#,
        #"{"type":"receive","unit":"jinyuan","item":"mask","quantity":10}"#,
      ])
    XCTAssertEqual(op.results.count, 4, "one result per line: \(op)")
    XCTAssertNotNil(op.results.first?["seq"], "operator records a fever at its own unit: \(op)")
    XCTAssertEqual(op.results.dropFirst().first.flatMap(code), "auth.otherUnit", "\(op)")
    XCTAssertEqual(op.results.dropFirst(2).first.flatMap(code), "auth.notPermitted", "\(op)")
    XCTAssertEqual(op.results.dropFirst(3).first.flatMap(code), "auth.otherUnit", "\(op)")
    XCTAssertEqual(op.status, 1, "a failed line makes the exit status non-zero")
    let feverSeq = try XCTUnwrap(op.results.first?["seq"] as? Int)
    let feverRecords = try h.store.records(from: UInt64(feverSeq) - 1, through: UInt64(feverSeq))
    XCTAssertTrue(
      feverRecords.allSatisfy { $0.actor == names.op && $0.unit == "heating" },
      "actor and unit come from the peer credentials: \(feverRecords.map { ($0.actor, $0.unit) })")

    // Viewer (through a group): changes nothing.
    let before = h.store.lastSeq
    let viewer = try post(
      names.viewer,
      [
        #"{"type":"ventilation","site":"\#(heatingSite)"}"#, #"{"type":"ack","alert":"\#(jinyuanAlert)"}"#,
      ])
    XCTAssertEqual(viewer.results.map(code), ["auth.readOnly", "auth.readOnly"], "\(viewer)")
    XCTAssertEqual(h.store.lastSeq, before, "the viewer changed nothing")

    // Inspector of jinyuan: acknowledges its unit's alert, changes nothing else.
    let inspector = try post(
      names.inspector,
      [
        #"{"type":"ventilation","site":"\#(jinyuanSite)"}"#, #"{"type":"ack","alert":"\#(jinyuanAlert)"}"#,
      ])
    XCTAssertEqual(inspector.results.first.flatMap(code), "auth.notPermitted", "\(inspector)")
    XCTAssertNotNil(inspector.results.dropFirst().first?["seq"], "\(inspector)")

    // Duty room (through a group): a directive to heating.
    let hq = try post(
      names.hq, [#"{"type":"directive","text":"加强测温","targets":["heating"],"deadline":"\#(deadline)"}"#])
    XCTAssertNotNil(hq.results.first?["seq"], "\(hq)")
    XCTAssertEqual(hq.status, 0)
    XCTAssertEqual(h.store.state.directives.values.first?.issuedBy, names.hq)

    // The organisation's commands: the duty room only, through the server too.
    let admin = [
      #"{"type":"addUnit","id":"lab","name":"检测中心"}"#,
      #"{"type":"updateUnit","id":"consult","name":"咨询服务中心"}"#,
      #"{"type":"addSite","id":"lab-1","unit":"heating","name":"检测点","kind":"other"}"#,
      #"{"type":"updateSite","id":"\#(heatingSite)","roundsPerDay":3}"#,
      #"{"type":"addItem","id":"soap","name":"肥皂","measure":"块","minimum":5}"#,
      #"{"type":"updateItem","id":"mask","nameEn":"Face masks"}"#,
      #"{"type":"addPerson","name":"新人","unit":"heating","categories":["志愿者在岗"]}"#,
      #"{"type":"changeSettings","restHours":10}"#,
      #"{"type":"retireItem","id":"soap"}"#,
    ]
    for user in [names.op, names.inspector, names.viewer] {
      let before = h.store.lastSeq
      let r = try post(user, admin)
      XCTAssertEqual(r.results.map(code), Array(repeating: "auth.notPermitted", count: admin.count), "\(user): \(r)")
      XCTAssertEqual(h.store.lastSeq, before, "\(user) changed nothing")
    }
    let adminBySeq = try post(names.hq, admin)
    XCTAssertEqual(adminBySeq.status, 0, "\(adminBySeq)")
    XCTAssertTrue(adminBySeq.results.allSatisfy { $0["seq"] != nil }, "\(adminBySeq)")
    let after = h.store.state
    XCTAssertEqual(after.units["lab"]?.name.zh, "检测中心")
    XCTAssertEqual(after.unitName("consult", .zh), "咨询服务中心")
    XCTAssertEqual(after.sites[heatingSite]?.roundsPerDay, 3)
    XCTAssertNotNil(after.items["soap"]?.retiredAt)
    XCTAssertEqual(after.settings.minimumRestHours, 10)
    XCTAssertTrue(after.people.values.contains { $0.name == "新人" && $0.categories == [.volunteer] })
    let adminRecords = try h.store.records(from: 1).filter { $0.actor == names.hq }
    let audit = adminRecords.map { AuditTrail.line($0, state: after, strings: Strings(.zh)) }
    for word in ["登记单位", "修改单位", "修改点位", "停用物资", "修改设置"] {
      XCTAssertTrue(audit.contains { $0.contains(word) && $0.contains(names.hq) }, "\(word) in the audit: \(audit)")
    }

    // Every command an operator may send, with each reference it carries
    // pointing at another unit's record: person, site, shift, alert,
    // request, directive, unit. All refused where authorisation is decided.
    let cal = h.store.state.calendar
    try h.submit(.submitRequest(unit: "jinyuan", item: "mask", quantity: Quantity(5), urgency: .routine, reason: "x"))
    try h.submit(.issueDirective(text: "x", targets: ["jinyuan"], deadline: Instant.now().adding(minutes: 600)))
    let now = h.store.state
    let theirPerson = try XCTUnwrap(now.people.values.filter { $0.unit == "jinyuan" }.map(\.id).min())
    let ourPerson = try XCTUnwrap(now.people.values.filter { $0.unit == "heating" }.map(\.id).min())
    let theirShift = try XCTUnwrap(now.shifts.values.filter { $0.unit == "jinyuan" && $0.counts }.map(\.id).min())
    let ourShift = try XCTUnwrap(now.shifts.values.filter { $0.unit == "heating" && $0.counts }.map(\.id).min())
    let theirRequest = try XCTUnwrap(now.requests.values.first { $0.unit == "jinyuan" }?.id)
    let theirDirective = try XCTUnwrap(now.directives.values.first { $0.targets == ["jinyuan"] }?.id)
    let start = cal.format(Instant.now().adding(minutes: 60 * 24 * 5))
    let end = cal.format(Instant.now().adding(minutes: 60 * 24 * 5 + 240))
    let crossUnit = [
      #"{"type":"assignShift","unit":"heating","role":"officer","person":"\#(theirPerson)","start":"\#(start)","end":"\#(end)","confirmShortRest":true}"#,
      #"{"type":"assignShift","unit":"heating","site":"\#(jinyuanSite)","role":"officer","person":"\#(ourPerson)","start":"\#(start)","end":"\#(end)","confirmShortRest":true}"#,
      #"{"type":"health","person":"\#(theirPerson)","date":"\#(cal.formatDay(cal.day(of: Instant.now())))","category":"onDuty"}"#,
      #"{"type":"cancelShift","shift":"\#(theirShift)","reason":"x"}"#,
      #"{"type":"noShow","shift":"\#(theirShift)"}"#,
      #"{"type":"swapShifts","a":"\#(ourShift)","b":"\#(theirShift)"}"#,
      #"{"type":"ack","alert":"\#(jinyuanAlert)"}"#,
      #"{"type":"assignAlert","alert":"\#(jinyuanAlert)","to":"x"}"#,
      #"{"type":"silence","alert":"\#(jinyuanAlert)","minutes":10,"reason":"x"}"#,
      #"{"type":"resolve","alert":"\#(jinyuanAlert)","note":"x"}"#,
      #"{"type":"approveRequest","id":"\#(theirRequest)","quantity":1}"#,
      #"{"type":"rejectRequest","id":"\#(theirRequest)","note":"x"}"#,
      #"{"type":"forwardRequest","id":"\#(theirRequest)","quantity":1}"#,
      #"{"type":"receiveForRequest","id":"\#(theirRequest)","quantity":1}"#,
      #"{"type":"ackDirective","id":"\#(theirDirective)","unit":"jinyuan"}"#,
      #"{"type":"round","site":"\#(jinyuanSite)","checked":1,"fevers":0}"#,
      #"{"type":"fever","site":"\#(jinyuanSite)","person":"x","reading":38.5}"#,
      #"{"type":"disinfection","site":"\#(jinyuanSite)","area":"x","agent":"x"}"#,
      #"{"type":"openSite","site":"\#(jinyuanSite)","staff":1}"#,
      #"{"type":"closeSite","site":"\#(jinyuanSite)"}"#,
      #"{"type":"issue","unit":"jinyuan","item":"mask","quantity":1}"#,
      #"{"type":"transfer","from":"heating","to":"jinyuan","item":"mask","quantity":1}"#,
      #"{"type":"count","unit":"jinyuan","item":"mask","counted":1,"reason":"found"}"#,
      #"{"type":"minimum","unit":"jinyuan","item":"mask","minimum":1}"#,
      #"{"type":"request","unit":"jinyuan","item":"mask","quantity":1,"reason":"x"}"#,
      #"{"type":"handover","unit":"jinyuan","text":"x"}"#,
    ]
    let beforeCross = h.store.lastSeq
    let cross = try post(names.op, crossUnit)
    XCTAssertEqual(
      cross.results.map(code), Array(repeating: "auth.otherUnit", count: crossUnit.count),
      "every cross-unit reference refused: \(cross)")
    XCTAssertEqual(h.store.lastSeq, beforeCross, "the operator changed nothing at another unit")

    // A stranger: refused at hello, with a clear message, and nothing runs.
    let stranger = try post(names.stranger, [#"{"type":"ventilation","site":"\#(heatingSite)"}"#])
    XCTAssertNotEqual(stranger.status, 0)
    XCTAssertTrue(stranger.results.isEmpty)
    XCTAssertTrue(
      stranger.stderr.contains("not allowed") && stranger.stderr.contains(names.stranger), "stderr: \(stranger.stderr)")
  }
}

/// The built `cordon`, next to the test bundle.
enum CordonBinaryLocation {
  static func find() throws -> URL {
    var dirs: [URL] = []
    for bundle in [Bundle(for: AuthorizationTests.self), Bundle.main] {
      dirs.append(bundle.bundleURL.deletingLastPathComponent())
      dirs.append(bundle.bundleURL)
    }
    for d in dirs {
      let c = d.appendingPathComponent("cordon")
      if FileManager.default.isExecutableFile(atPath: c.path) { return c }
    }
    throw HarnessError(description: "cordon binary not found in \(dirs.map(\.path))")
  }
}

struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs a program to completion with output in temporary files (no pipe deadlocks).
func runProgram(_ path: String, _ args: [String], stdin: String = "/dev/null") throws -> RunResult {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: path)
  p.arguments = args
  p.environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"]
  let tmp = FileManager.default.temporaryDirectory
  let out = tmp.appendingPathComponent("cdt-out-\(UUID())")
  let err = tmp.appendingPathComponent("cdt-err-\(UUID())")
  _ = FileManager.default.createFile(atPath: out.path, contents: nil)
  _ = FileManager.default.createFile(atPath: err.path, contents: nil)
  defer {
    try? FileManager.default.removeItem(at: out)
    try? FileManager.default.removeItem(at: err)
  }
  p.standardInput = FileHandle(forReadingAtPath: stdin)
  p.standardOutput = try FileHandle(forWritingTo: out)
  p.standardError = try FileHandle(forWritingTo: err)
  try p.run()
  p.waitUntilExit()
  return RunResult(
    status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
    stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// The built `cordon post --socket` run as another OS user, the lines on its stdin.
func postAs(_ user: String, _ lines: [String], binary: URL, socket: String, in dir: URL) throws -> RunResult {
  let input = dir.appendingPathComponent("in-\(user)-\(UUID().uuidString.prefix(4)).jsonl")
  try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
  chmod(input.path, 0o644)
  return try runProgram(
    "/usr/bin/setpriv",
    ["--reuid=\(user)", "--regid=nogroup", "--init-groups", binary.path, "post", "--socket", socket],
    stdin: input.path)
}

func check(_ r: RunResult, _ what: String) throws {
  guard r.status == 0 else { throw HarnessError(description: "\(what) failed (\(r.status)): \(r.stderr)") }
}

final class DeployFilesTests: XCTestCase {
  /// The shipped example access config parses and means what its comments say.
  func testShippedAccessConfigParses() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let config = try AccessConfig.load(path: root.appendingPathComponent("deploy/access.toml").path)
    XCTAssertEqual(config.users["lijun"], AccessConfig.Grant(role: .operator, units: ["heating"]))
    XCTAssertEqual(config.groups["cordon"], AccessConfig.Grant(role: .viewer))
  }
}
