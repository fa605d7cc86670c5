import CordonModel
import XCTest

final class CSVReaderTests: XCTestCase {
  private func read(_ text: String) throws -> [CSVRecord] { try CSVReader.read(Array(text.utf8)) }

  func testBOMAndCRLFAsExcelSavesThem() throws {
    let records = try read("\u{FEFF}姓名,单位\r\n张三,金盾护卫\r\n李四,hq\r\n")
    XCTAssertEqual(
      records,
      [
        CSVRecord(line: 1, fields: ["姓名", "单位"]), CSVRecord(line: 2, fields: ["张三", "金盾护卫"]),
        CSVRecord(line: 3, fields: ["李四", "hq"]),
      ])
    // The BOM is not part of the first header name.
    XCTAssertEqual(records[0].fields[0].unicodeScalars.first, "姓")
  }

  func testLFWithoutBOMAndWithoutFinalNewline() throws {
    XCTAssertEqual(
      try read("a,b\nc,d"), [CSVRecord(line: 1, fields: ["a", "b"]), CSVRecord(line: 2, fields: ["c", "d"])])
  }

  func testQuotedCommaDoubledQuotesAndEmptyFields() throws {
    XCTAssertEqual(
      try read("\"李,四\",\"say \"\"hi\"\"\",,\"\"\n"),
      [CSVRecord(line: 1, fields: ["李,四", "say \"hi\"", "", ""])])
  }

  /// A line break inside quotes stays in the field (as "\n") and the next
  /// record's line number counts the physical lines, as Excel shows them.
  func testQuotedNewlineKeepsLineNumbersOfLaterRecords() throws {
    let records = try read("h1,h2\r\n\"first\r\nsecond\",x\r\n\"a\nb\nc\",y\r\nlast,z\r\n")
    XCTAssertEqual(records.map(\.line), [1, 2, 4, 7])
    XCTAssertEqual(records[1].fields, ["first\nsecond", "x"])
    XCTAssertEqual(records[2].fields, ["a\nb\nc", "y"])
  }

  func testEmptyLinesAreSkippedButCounted() throws {
    let records = try read("a\n\nb\r\n\r\n\r\nc\n\n")
    XCTAssertEqual(records.map(\.line), [1, 3, 6])
    XCTAssertEqual(records.map(\.fields), [["a"], ["b"], ["c"]])
    // A line of commas is a record of empty fields, which imports skip as blank.
    let commas = try read("a,b\n,\n")
    XCTAssertEqual(commas.last, CSVRecord(line: 2, fields: ["", ""]))
    XCTAssertTrue(commas.last?.isBlank ?? false)
  }

  func testLoneCarriageReturnEndsALine() throws {
    XCTAssertEqual(try read("a\rb\r").map(\.line), [1, 2])
  }

  func testUnterminatedQuoteNamesTheLineWhereTheQuoteOpened() {
    XCTAssertThrowsError(try read("h1,h2\nok,1\nbad,\"never closed\nmore\nlines\n")) { e in
      XCTAssertEqual(e as? CSVSyntaxError, CSVSyntaxError(.unterminatedQuote, line: 3))
    }
  }

  /// A quote inside an unquoted field is a character, as Excel reads it.
  func testQuoteInsideUnquotedFieldIsLiteral() throws {
    XCTAssertEqual(try read("5\"3,x\n").first?.fields, ["5\"3", "x"])
  }

  /// A file saved as GBK (WPS's default on Chinese Windows) fails on its first Chinese line.
  func testInvalidUTF8NamesTheLine() {
    var bytes = Array("name,unit\r\nok,hq\r\n".utf8)
    bytes += [0xD5, 0xC5, 0xC8, 0xFD] + Array(",hq\r\n".utf8)  // 张三 in GBK
    XCTAssertThrowsError(try CSVReader.read(bytes)) { e in
      XCTAssertEqual(e as? CSVSyntaxError, CSVSyntaxError(.invalidUTF8, line: 3))
    }
    // A truncated sequence at the very end.
    XCTAssertThrowsError(try CSVReader.read(Array("a\n".utf8) + [0xE5, 0xBC])) { e in
      XCTAssertEqual(e as? CSVSyntaxError, CSVSyntaxError(.invalidUTF8, line: 2))
    }
  }

  func testWriterQuotesOnlyWhenNeededEndsLinesWithCRLFAndReadsBack() throws {
    let rows = [["单位", "备注"], ["hq", "a,b"], ["x", "say \"hi\""], ["y", "two\nlines"], ["", "plain"]]
    let text = CSVWriter.write(rows)
    XCTAssertEqual(text, "单位,备注\r\nhq,\"a,b\"\r\nx,\"say \"\"hi\"\"\"\r\ny,\"two\nlines\"\r\n,plain\r\n")
    XCTAssertEqual(try read(text).map(\.fields), rows)
    let withBOM = CSVWriter.write(rows, bom: true)
    XCTAssertEqual(Array(withBOM.utf8).prefix(3), [0xEF, 0xBB, 0xBF])
    XCTAssertEqual(try read(withBOM).map(\.fields), rows)
  }
}
