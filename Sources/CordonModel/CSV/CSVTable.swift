import EventSourcing

/// A column of an import or export file. Its names are part of the file
/// format, not of the interface's wording, so they live here rather than in
/// the string tables: editing a translation must never break a saved file.
public struct CSVColumn: Sendable, Hashable {
  /// The English name, lower case; also the key refusal fields map to.
  public let en: String
  public let zh: String
  public let required: Bool
  public init(_ zh: String, _ en: String, required: Bool = true) {
    self.zh = zh
    self.en = en
    self.required = required
  }
  public func header(_ language: Language) -> String { language == .zh ? zh : en }
  /// How a message names the column when the file does not (it is missing).
  public var bothNames: String { "\(zh)/\(en)" }
}

/// Text in the user's language, kept as a string-table key and its arguments
/// until it is shown; a store refusal keeps its own code.
public enum CSVMessage: Sendable, Equatable {
  case text(String, [String])
  case refusal(Refusal)

  /// Builds a message from a string-table key. Named `t` so the strings test,
  /// which looks for `t("key")` in the sources, checks every key used here.
  static func t(_ key: String, _ args: String...) -> CSVMessage { .text(key, args) }

  public func text(_ strings: Strings) -> String {
    switch self {
    case .text(let key, let args): strings.format(key, args)
    case .refusal(let r): strings.refusal(r)
    }
  }
}

/// One thing wrong with an import file: the line (nil when it is about the
/// whole file), the column as the file's header names it, and why.
public struct CSVIssue: Error, Sendable, Equatable {
  public var line: Int?
  public var column: String?
  public var message: CSVMessage
  public init(line: Int?, column: String?, _ message: CSVMessage) {
    self.line = line
    self.column = column
    self.message = message
  }

  /// "FILE:LINE: column COL: reason", in the strings' language.
  public func text(file: String, strings: Strings) -> String {
    let reason = message.text(strings)
    switch (line, column) {
    case (let line?, let column?): return strings("csv.error.column", file, String(line), column, reason)
    case (let line?, nil): return strings("csv.error.line", file, String(line), reason)
    case (nil, _): return strings("csv.error.file", file, reason)
    }
  }
}

/// An import that was refused before anything was applied. Parse errors are
/// all collected, so one round of corrections fixes the whole file.
public struct CSVImportError: Error, Sendable, Equatable {
  public var issues: [CSVIssue]
  public init(_ issues: [CSVIssue]) { self.issues = issues }

  init(_ e: CSVSyntaxError) {
    switch e.kind {
    case .invalidUTF8: issues = [CSVIssue(line: e.line, column: nil, .t("csv.invalidUTF8"))]
    case .unterminatedQuote: issues = [CSVIssue(line: e.line, column: nil, .t("csv.unterminatedQuote"))]
    case .nul(let column): issues = [CSVIssue(line: e.line, column: String(column), .t("csv.nul"))]
    }
  }
}

/// A file's header matched against the columns a format knows, and typed
/// access to each row by column.
struct CSVTable {
  let columns: [CSVColumn]
  /// Column (by English name) → index of its field in each row.
  private var index: [String: Int] = [:]
  /// Column → its header as written in the file, for messages.
  private var written: [String: String] = [:]
  let rows: [CSVRecord]

  /// Header names in Chinese or English, any order; English in any case.
  /// Unknown, repeated and missing required columns are all reported.
  init(_ bytes: [UInt8], columns: [CSVColumn]) throws(CSVImportError) {
    self.columns = columns
    let records: [CSVRecord]
    do { records = try CSVReader.read(bytes) } catch { throw CSVImportError(error) }
    guard let header = records.first(where: { !$0.isBlank }) else {
      throw CSVImportError([CSVIssue(line: 1, column: nil, .t("csv.empty"))])
    }
    var issues: [CSVIssue] = []
    let known = columns.map { "\($0.zh)/\($0.en)" }.joined(separator: ", ")
    for (i, raw) in header.fields.enumerated() {
      let name = raw.csvTrimmed
      // Excel keeps trailing empty header cells when a column was deleted.
      if name.isEmpty { continue }
      guard let c = columns.first(where: { $0.zh == name || $0.en == name.lowercased() }) else {
        issues.append(CSVIssue(line: header.line, column: name, .t("csv.unknownColumn", known)))
        continue
      }
      if index[c.en] != nil {
        issues.append(CSVIssue(line: header.line, column: name, .t("csv.duplicateColumn")))
        continue
      }
      index[c.en] = i
      written[c.en] = name
    }
    for c in columns where c.required && index[c.en] == nil {
      issues.append(CSVIssue(line: header.line, column: c.bothNames, .t("csv.missingColumn")))
    }
    if !issues.isEmpty { throw CSVImportError(issues) }
    rows = records.filter { $0.line > header.line && !$0.isBlank }
  }

  func has(_ column: CSVColumn) -> Bool { index[column.en] != nil }

  /// The header text naming `column` in this file (both names when absent).
  func name(_ column: CSVColumn) -> String { written[column.en] ?? column.bothNames }

  /// The trimmed value of `column` in `row`, without the quote an export
  /// put before a formula-like cell; "" when the column or the cell is absent.
  func value(_ row: CSVRecord, _ column: CSVColumn) -> String {
    guard let i = index[column.en], i < row.fields.count else { return "" }
    return CSVFormula.restore(UserText.clean(row.fields[i]))
  }

  /// Cells beyond the header's last named column are a sign of a shifted row.
  func extraCellIssue(_ row: CSVRecord) -> CSVIssue? {
    let width = (index.values.max() ?? -1) + 1
    guard let last = row.fields.lastIndex(where: { !$0.csvTrimmed.isEmpty }), last >= width else { return nil }
    return CSVIssue(line: row.line, column: nil, .t("csv.extraCells", String(last + 1), String(width)))
  }

  func issue(_ row: CSVRecord, _ column: CSVColumn, _ message: CSVMessage) -> CSVIssue {
    CSVIssue(line: row.line, column: name(column), message)
  }
}

extension CSVTable {
  /// The loop every importer shares: each row (checked for cells past the
  /// header first) gives its entries and reports its issues; a row with an
  /// issue gives nothing, every issue of the file is collected, and the file
  /// is refused when any row had one. Each entry keeps its row's line.
  func entries<Entry>(_ entries: (CSVRecord, inout [CSVIssue]) -> [Entry]) throws(CSVImportError) -> (
    entries: [Entry], lines: [Int]
  ) {
    var issues: [CSVIssue] = []
    var all: [Entry] = []
    var lines: [Int] = []
    for row in rows {
      var rowIssues: [CSVIssue] = []
      if let e = extraCellIssue(row) { rowIssues.append(e) }
      let made = entries(row, &rowIssues)
      guard rowIssues.isEmpty else {
        issues += rowIssues
        continue
      }
      all += made
      lines += Array(repeating: row.line, count: made.count)
    }
    if !issues.isEmpty { throw CSVImportError(issues) }
    return (all, lines)
  }
}

extension String {
  var csvTrimmed: String {
    var s = Substring(self)
    while let f = s.first, f.isWhitespace { s = s.dropFirst() }
    while let l = s.last, l.isWhitespace { s = s.dropLast() }
    return String(s)
  }
}

extension CSVTable {
  /// The unit a cell names (by id or name) and the cell's text; an empty or
  /// unknown unit is reported on that cell.
  func unit(_ row: CSVRecord, _ column: CSVColumn, in state: CordonState, issues: inout [CSVIssue]) -> (
    String, OrgUnit?
  ) {
    let text = value(row, column)
    let unit = text.isEmpty ? nil : CSVFormat.unit(text, in: state)
    if text.isEmpty {
      issues.append(issue(row, column, .t("csv.required")))
    } else if unit == nil {
      issues.append(issue(row, column, .t("csv.unknownUnit", text)))
    }
    return (text, unit)
  }
}
