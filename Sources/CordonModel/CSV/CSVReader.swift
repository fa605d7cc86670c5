/// One record of a CSV file and the physical line it starts on (1-based; the
/// header is line 1), so an error can point at the row a user sees in Excel.
public struct CSVRecord: Sendable, Equatable {
  public var line: Int
  public var fields: [String]
  public init(line: Int, fields: [String]) {
    self.line = line
    self.fields = fields
  }

  /// A row Excel leaves behind when cells are cleared: only commas or spaces.
  public var isBlank: Bool { fields.allSatisfy { $0.allSatisfy(\.isWhitespace) } }
}

/// Why a file could not be read as CSV at all, and on which line.
public struct CSVSyntaxError: Error, Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case invalidUTF8
    case unterminatedQuote
    /// A NUL byte in the cell of this column (1-based): refused, never dropped silently.
    case nul(column: Int)
  }
  public var kind: Kind
  public var line: Int
  public init(_ kind: Kind, line: Int) {
    self.kind = kind
    self.line = line
  }
}

/// An RFC 4180 reader for files as Excel and WPS save them: UTF-8 with or
/// without a BOM, CRLF or LF (or a lone CR, as old Mac Excel wrote), quoted
/// fields holding commas, doubled quotes and line breaks.
///
/// Written here rather than taken from a package: it is small, it must report
/// line numbers for the import errors, and the pure model takes no dependencies.
///
/// Lenient where Excel is (a quote in the middle of an unquoted field is a
/// character), strict where guessing would import the wrong data: invalid
/// UTF-8, a NUL byte and a quote that is never closed are errors naming the line.
public enum CSVReader {
  public static func read(_ bytes: [UInt8]) throws(CSVSyntaxError) -> [CSVRecord] {
    let start = hasBOM(bytes) ? 3 : 0
    try validateUTF8(bytes, from: start)

    var records: [CSVRecord] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var line = 1
    var recordLine = 1
    var quoteLine = 1
    var inQuotes = false
    // Whether the current field has begun (a byte or an opening quote): a
    // quote only opens a quoted field at its very start.
    var fieldStarted = false
    // Whether the current record holds anything at all, so a truly empty
    // line is skipped while a line of commas is kept as empty fields.
    var recordStarted = false

    func endField() {
      // Validated above; the split points are ASCII, never inside a sequence.
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      fieldStarted = false
    }

    var i = start
    let n = bytes.count
    while i < n {
      let b = bytes[i]
      if b == 0 { throw CSVSyntaxError(.nul(column: fields.count + 1), line: line) }
      if inQuotes {
        switch b {
        case quote:
          if i + 1 < n && bytes[i + 1] == quote {
            field.append(quote)
            i += 2
          } else {
            inQuotes = false
            i += 1
          }
        case cr, lf:
          // A line break inside a cell is kept as one "\n", whichever way the file ends its lines.
          field.append(lf)
          line += 1
          i += (b == cr && i + 1 < n && bytes[i + 1] == lf) ? 2 : 1
        default:
          field.append(b)
          i += 1
        }
        continue
      }
      switch b {
      case quote where !fieldStarted:
        inQuotes = true
        fieldStarted = true
        recordStarted = true
        quoteLine = line
      case comma:
        endField()
        recordStarted = true
      case cr, lf:
        if recordStarted {
          endField()
          records.append(CSVRecord(line: recordLine, fields: fields))
          fields.removeAll()
          recordStarted = false
        }
        if b == cr && i + 1 < n && bytes[i + 1] == lf { i += 1 }
        line += 1
        recordLine = line
      default:
        field.append(b)
        fieldStarted = true
        recordStarted = true
      }
      i += 1
    }
    if inQuotes { throw CSVSyntaxError(.unterminatedQuote, line: quoteLine) }
    if recordStarted {
      endField()
      records.append(CSVRecord(line: recordLine, fields: fields))
    }
    return records
  }

  static func hasBOM(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
  }

  /// Checks each physical line on its own, so the error names the line with
  /// the bad byte (a file saved as GBK by WPS fails on its first Chinese line).
  private static func validateUTF8(_ bytes: [UInt8], from start: Int) throws(CSVSyntaxError) {
    var line = 1
    var lineStart = start
    var i = start
    let n = bytes.count
    while i <= n {
      let atEnd = i == n
      if atEnd || bytes[i] == lf || bytes[i] == cr {
        if String(validating: bytes[lineStart..<i], as: UTF8.self) == nil {
          throw CSVSyntaxError(.invalidUTF8, line: line)
        }
        if atEnd { break }
        if bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf { i += 1 }
        line += 1
        lineStart = i + 1
      }
      i += 1
    }
  }
}

private let quote = UInt8(ascii: "\"")
private let comma = UInt8(ascii: ",")
private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
