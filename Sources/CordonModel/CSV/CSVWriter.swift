/// Writes CSV the way Excel reads it best: CRLF after every row, fields
/// quoted only when they must be, and optionally a UTF-8 BOM (without one,
/// Excel on Windows opens UTF-8 as the local code page and garbles Chinese).
public enum CSVWriter {
  public static let bom = "\u{FEFF}"

  public static func write(_ rows: [[String]], bom withBOM: Bool = false) -> String {
    var out = withBOM ? bom : ""
    for row in rows {
      out += row.map(field).joined(separator: ",")
      out += "\r\n"
    }
    return out
  }

  /// Quotes a field holding a comma, a quote or a line break, doubling its quotes.
  public static func field(_ text: String) -> String {
    let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
    guard needsQuotes else { return text }
    var out = "\""
    for c in text {
      if c == "\"" { out += "\"\"" } else { out.append(c) }
    }
    return out + "\""
  }
}
