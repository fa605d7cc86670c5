/// Writes CSV the way Excel reads it best: CRLF after every row, fields
/// quoted only when they must be, and optionally a UTF-8 BOM (without one,
/// Excel on Windows opens UTF-8 as the local code page and garbles Chinese).
/// Every cell goes through `CSVFormula.protect`, so no text reaches a
/// spreadsheet as a formula.
public enum CSVWriter {
  public static let bom = "\u{FEFF}"

  public static func write(_ rows: [[String]], bom withBOM: Bool = false) -> String {
    var out = withBOM ? bom : ""
    for row in rows {
      out += row.map { field(CSVFormula.protect($0)) }.joined(separator: ",")
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

/// CSV formula injection, as OWASP's "CSV Injection" page describes it: a
/// cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return (or
/// the full-width ＝ ＋ － ＠ that WPS also evaluates) is run by Excel and WPS
/// as a formula. Such a cell is written with one `'` in front, which both
/// show as text. Cordon's own numbers (a negative adjustment such as `-5` or
/// `-0.5`) are plain decimals and stay numbers: a spreadsheet reads a plain
/// decimal as a number, never as a formula, whoever typed it.
///
/// The prefix is also added to a cell that already begins with quotes before
/// such a character (`'=x` is written `''=x`), so `restore` can take off
/// exactly the quote that `protect` put on and every text round-trips.
public enum CSVFormula {
  static func isTrigger(_ s: Unicode.Scalar) -> Bool {
    switch s {
    case "=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}": true
    default: false
    }
  }

  /// Whether `text`, after any leading quotes, begins with a formula trigger.
  private static func hasTrigger(afterQuotes text: String) -> Bool {
    guard let first = text.unicodeScalars.first(where: { $0 != "'" }) else { return false }
    return isTrigger(first)
  }

  /// `-?[0-9]+(\.[0-9]+)?`: what Cordon writes for a quantity or a count.
  static func isPlainNumber(_ text: String) -> Bool {
    var u = Substring(text).utf8[...]
    if u.first == UInt8(ascii: "-") { u = u.dropFirst() }
    let parts = u.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count <= 2, u.last != UInt8(ascii: ".") else { return false }
    return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }
  }

  /// The cell as it is written to a file.
  public static func protect(_ text: String) -> String {
    guard hasTrigger(afterQuotes: text), !isPlainNumber(text) else { return text }
    return "'" + text
  }

  /// The cell as `protect` was given it: one leading `'` is taken off only
  /// where `protect` would have added it.
  public static func restore(_ text: String) -> String {
    guard text.unicodeScalars.first == "'", hasTrigger(afterQuotes: text) else { return text }
    return String(text.unicodeScalars.dropFirst())
  }
}
