import CordonModel
import CordonServer
import EventSourcing
import Foundation
import XCTest

/// A real server with four real OS users: an operator of jinyuan, one of
/// jindun, a command-role user and an inspector assigned to jinyuan, each running the built `cordon post`
/// through `setpriv` (the duty workflow's and the handovers' server tests).
/// Needs root; the users are removed when the test ends.
struct UnitUsersServer {
  let harness: ServerHarness
  let binary: URL
  let jinyuan: String
  let jindun: String
  let hq: String
  let inspector: String

  init(_ test: XCTestCase, prefix: String) throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to create OS users (CI runs as root)") }
    for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw XCTSkip("\(tool) is missing")
    }
    let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
    let (jinyuan, jindun, hq) = ("\(prefix)\(tag)jy", "\(prefix)\(tag)jd", "\(prefix)\(tag)hq")
    let inspector = "\(prefix)\(tag)in"
    test.addTeardownBlock {
      for u in [jinyuan, jindun, hq, inspector] { _ = try? runProgram("/usr/sbin/userdel", [u]) }
    }
    for u in [jinyuan, jindun, hq, inspector] {
      try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", u]), "useradd \(u)")
    }
    let access = try AccessConfig.parse(
      """
      [users]
      \(jinyuan) = { role = "operator", unit = "jinyuan" }
      \(jindun) = { role = "operator", unit = "jindun" }
      \(hq) = "command"
      \(inspector) = { role = "inspector", units = ["jinyuan"] }
      """, file: "units.toml")
    harness = try ServerHarness(access: access)
    binary = harness.root.appendingPathComponent("cordon")
    try FileManager.default.copyItem(at: try CordonBinaryLocation.find(), to: binary)
    chmod(binary.path, 0o755)
    (self.jinyuan, self.jindun, self.hq, self.inspector) = (jinyuan, jindun, hq, inspector)
  }

  /// The lines posted as `user`; one parsed result per line.
  func post(_ user: String, _ lines: [String]) throws -> [[String: Any]] {
    try Self.post(user, lines, harness, binary)
  }

  static func post(_ user: String, _ lines: [String], _ h: ServerHarness, _ binary: URL) throws -> [[String: Any]] {
    let r = try postAs(user, lines, binary: binary, socket: h.socketPath, in: h.root)
    let results = r.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    XCTAssertEqual(results.count, lines.count, "one result per line: \(r.stdout) \(r.stderr)")
    return results
  }

  /// [code, field] of a refused line ("-" when no field is named); nil when it was accepted.
  static func refused(_ r: [String: Any]) -> [String]? {
    guard let code = r["code"] as? String else { return nil }
    return [code, r["field"] as? String ?? "-"]
  }
}
