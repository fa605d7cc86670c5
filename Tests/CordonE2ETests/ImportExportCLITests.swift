import Foundation
import XCTest

/// `cordon import` and `cordon export` as a user runs them: the built binary
/// against a temporary `--data` directory, seeded by `cordon import --demo`
/// and `cordon post`.
final class ImportExportCLITests: XCTestCase {
  private struct Run {
    let binary: URL
    let data: String
    let root: URL
    let environment: [String: String]

    func cordon(_ arguments: [String], stdin: String = "/dev/null") throws -> ProcessResult {
      try Processes.run(binary, arguments + ["--data", data], environment: environment, stdinPath: stdin)
    }

    func file(_ name: String, _ text: String) throws -> String {
      let url = root.appendingPathComponent(name)
      try Data(text.utf8).write(to: url)
      return url.path
    }
  }

  private func setUpRun() throws -> Run {
    let binary = try CordonBinary.locate()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-e2e-csv-\(UUID())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    return Run(
      binary: binary, data: root.appendingPathComponent("store").path, root: root,
      environment: CordonBinary.cleanEnvironment(configHome: root.path))
  }

  /// A local (UTC+8) date `days` from today, as the CLI reads it.
  private func date(_ days: Int) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: Date().addingTimeInterval(Double(days) * 86_400))
  }

  /// `cordon dump`: one JSON record a line, in seq order, from `--from`.
  func testDumpPrintsTheJournalAsJSONLines() throws {
    let run = try setUpRun()
    let people = try run.file("people.csv", "姓名,单位\n测试\u{202E}甲,金盾护卫\n")
    let p = try run.cordon(["import", "people", people, "--demo", "--lang", "en"])
    XCTAssertEqual(p.status, 0, p.stderrText)
    let all = try run.cordon(["dump"])
    XCTAssertEqual(all.status, 0, all.stderrText)
    let lines = all.stdoutText.split(separator: "\n")
    XCTAssertGreaterThan(lines.count, 20)
    var seqs: [Int] = []
    for line in lines {
      let object = try XCTUnwrap(
        JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
      seqs.append(try XCTUnwrap(object["seq"] as? Int))
      XCTAssertNotNil(object["time"] as? Int)
      XCTAssertNotNil(object["actor"] as? String)
      XCTAssertEqual((object["event"] as? [String: Any])?.count, 1, "one case key")
    }
    XCTAssertEqual(seqs, Array(1...lines.count))
    XCTAssertTrue(all.stdoutText.contains(#""personRegistered""#))
    // The import strips the override; nothing live reaches the terminal either way.
    XCTAssertFalse(all.stdoutText.unicodeScalars.contains("\u{202E}"))
    XCTAssertTrue(all.stdoutText.contains("测试甲"))

    let tail = try run.cordon(["dump", "--from", "5"])
    XCTAssertEqual(tail.status, 0, tail.stderrText)
    XCTAssertEqual(tail.stdoutText.split(separator: "\n"), Array(lines.dropFirst(4)))
    let none = try run.cordon(["dump", "--from", String(lines.count + 1)])
    XCTAssertEqual(none.status, 0)
    XCTAssertEqual(none.stdoutText, "")
    let bad = try Processes.run(
      run.binary, ["dump", "--data", run.root.appendingPathComponent("nothing").path], environment: run.environment)
    XCTAssertEqual(bad.status, 2)
    XCTAssertTrue(bad.stderrText.contains("no journal in"), bad.stderrText)
  }

  func testPeopleAndShiftsImportExportAndAFailedImportChangesNothing() throws {
    let run = try setUpRun()
    let d = date(20)
    let next = date(21)

    // People, as Excel saves them: BOM, CRLF, a quoted comma; the demo organisation seeded first.
    let people = try run.file(
      "people.csv", "\u{FEFF}姓名,单位,电话,类别\r\n测试甲,金盾护卫,13800000001,志愿者\r\n\"测试,乙\",hq,,在岗、党员在岗\r\n")
    let p = try run.cordon(["import", "people", people, "--demo", "--lang", "en"])
    XCTAssertEqual(p.status, 0, p.stderrText)
    XCTAssertEqual(p.stdoutText, "added 2 people\n")

    let shifts = try run.file(
      "shifts.csv",
      "单位,岗位,姓名,开始,结束\r\n金盾护卫,值班人员,测试甲,\(d) 08:00,\(d) 20:00\r\nhq,带班领导,\"测试,乙\",\(d) 08:00,\(next) 08:00\r\n")
    let s = try run.cordon(["import", "shifts", shifts])
    XCTAssertEqual(s.status, 0, s.stderrText)
    XCTAssertEqual(s.stdoutText, "已添加 2 个班次\n")

    let exported = try run.cordon(["export", "shifts", "--date", d])
    XCTAssertEqual(exported.status, 0, exported.stderrText)
    XCTAssertEqual(
      exported.stdoutText,
      "单位,岗位,姓名,开始,结束\r\n集团机关,带班领导,\"测试,乙\",\(d) 08:00,\(next) 08:00\r\n"
        + "金盾护卫,值班人员,测试甲,\(d) 08:00,\(d) 20:00\r\n")
    let english = try run.cordon(["export", "shifts", "--date", d, "--lang", "en"])
    XCTAssertTrue(english.stdoutText.hasPrefix("unit,role,name,start,end\r\nGroup HQ,leader,"), english.stdoutText)

    // Line 2 is fine on its own; line 3 overlaps it: the store refuses the batch, nothing is saved.
    let bad = try run.file(
      "bad.csv",
      "unit,role,name,start,end\njindun,officer,测试甲,\(next) 08:00,\(next) 16:00\n"
        + "jindun,manager,测试甲,\(next) 12:00,\(next) 20:00\n")
    let b = try run.cordon(["import", "shifts", bad, "--lang", "en"])
    XCTAssertEqual(b.status, 1)
    XCTAssertEqual(b.stdoutText, "")
    XCTAssertTrue(
      b.stderrText.hasPrefix("\(bad):3: column start: 测试甲 already has an overlapping shift (\(next) 08:00–"),
      b.stderrText)
    XCTAssertTrue(b.stderrText.hasSuffix("cordon: \(bad): nothing was imported (errors: 1)\n"), b.stderrText)
    XCTAssertEqual(try run.cordon(["export", "shifts", "--date", d]).stdoutText, exported.stdoutText)
    XCTAssertEqual(try run.cordon(["export", "shifts", "--date", next]).stdoutText, "单位,岗位,姓名,开始,结束\r\n")

    // A row that cannot be read: every such row is reported, in Chinese by default.
    let unknown = try run.file(
      "unknown.csv", "单位,岗位,姓名,开始,结束\n金盾护卫,值班人员,无名氏,\(next) 08:00,\(next) 16:00\nhq,厨师,测试甲,x,\n")
    let u = try run.cordon(["import", "shifts", unknown])
    XCTAssertEqual(u.status, 1)
    let lines = u.stderrText.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "\(unknown):2: 列 姓名：金盾护卫 没有叫 无名氏 的人")
    XCTAssertEqual(lines.count, 6, u.stderrText)
    XCTAssertEqual(lines.last, "cordon: \(unknown)：未导入任何内容（5 处错误）")
    XCTAssertEqual(try run.cordon(["export", "shifts", "--date", next]).stdoutText, "单位,岗位,姓名,开始,结束\r\n")

    let missing = try run.cordon(["import", "shifts", run.root.appendingPathComponent("nope.csv").path])
    XCTAssertEqual(missing.status, 1)
  }

  func testStockAndRegisterExportsAfterADayOfMovements() throws {
    let run = try setUpRun()
    let today = date(0)

    let stock = try run.file("stock.csv", "单位,物资,数量,下限\r\nconsult,口罩,300,100\r\n咨询中心,84消毒液,12.5,\r\n")
    let s = try run.cordon(["import", "stock", stock, "--demo"])
    XCTAssertEqual(s.status, 0, s.stderrText)
    XCTAssertEqual(s.stdoutText, "已录入 2 条期初库存，1 个下限\n")

    let post = try run.file(
      "moves.jsonl",
      """
      {"type":"receive","unit":"consult","item":"mask","quantity":50,"kind":"donation"}
      {"type":"issue","unit":"consult","item":"mask","quantity":20,"reason":"日常领用"}
      {"type":"transfer","from":"hq","to":"consult","item":"mask","quantity":100,"reason":"补缺"}
      {"type":"count","unit":"consult","item":"mask","counted":425,"reason":"lost"}
      {"type":"health","person":"jindun-officer-1","date":"\(today)","category":"onDuty","morningCheck":36.6}

      """)
    let posted = try run.cordon(["post"], stdin: post)
    XCTAssertEqual(posted.status, 0, posted.stdoutText + posted.stderrText)

    let out = run.root.appendingPathComponent("stock-out.csv").path
    let e = try run.cordon(["export", "stock", "--date", today, "--out", out])
    XCTAssertEqual(e.status, 0, e.stderrText)
    XCTAssertEqual(e.stdoutText, "")
    let bytes = try XCTUnwrap(FileManager.default.contents(atPath: out))
    XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF], "a BOM, so Excel shows Chinese")
    let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
    let rows = text.components(separatedBy: "\r\n").dropLast().map { $0.components(separatedBy: ",") }
    XCTAssertEqual(rows.first, ["单位", "物资", "计量单位", "期初结存", "入库", "发放", "调入", "调出", "盘点调整", "期末结存", "可用天数"])
    XCTAssertGreaterThan(rows.count, 20)
    for r in rows.dropFirst() {
      let n = r[3...9].map { Decimal(string: $0) ?? .nan }
      XCTAssertEqual(n[0] + n[1] + n[3] - n[2] - n[4] + n[5], n[6], "\(r)")
    }
    XCTAssertEqual(
      rows.first { $0[0] == "咨询中心" && $0[1] == "口罩" },
      ["咨询中心", "口罩", "只", "0", "350", "20", "100", "0", "-5", "425", "148.8"])
    XCTAssertEqual(rows.first { $0[0] == "集团机关" && $0[1] == "口罩" }?[7], "100")

    // Half a protective suit at line 3: the store refuses the batch, and line 2's gloves are not loaded either.
    let before = try run.cordon(["export", "stock", "--date", today]).stdout
    let bad = try run.file("bad-stock.csv", "unit,item,quantity\nconsult,gloves,10\nconsult,suit,1.5\n")
    let b = try run.cordon(["import", "stock", bad, "--lang", "en"])
    XCTAssertEqual(b.status, 1)
    XCTAssertTrue(b.stderrText.hasPrefix("\(bad):3: column quantity: suit comes in whole pieces only\n"), b.stderrText)
    XCTAssertEqual(try run.cordon(["export", "stock", "--date", today]).stdout, before)

    let register = try run.cordon(["export", "register", "--date", today, "--lang", "en"])
    XCTAssertEqual(register.status, 0, register.stderrText)
    let reg = register.stdoutText.components(separatedBy: "\r\n")
    XCTAssertEqual(reg.first, "name,unit,category,morning check,traveller contact,remarks")
    XCTAssertTrue(reg.contains { $0.hasSuffix(",Jindun Security,onDuty,36.6,no,") }, register.stdoutText)
    XCTAssertTrue(reg.contains { $0.hasSuffix(",Jindun Security,,,,") }, "people not yet reported")
  }
}
