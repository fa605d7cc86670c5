import CordonModel
import EventSourcing

/// Small shared formatters for pane cells.
enum Fmt {
  /// "5m", "2h05m", "3d" — compact ages for narrow columns.
  static func age(_ ms: Int64) -> String {
    let m = max(0, ms / 60_000)
    if m < 60 { return "\(m)m" }
    if m < 48 * 60 {
      let r = m % 60
      return r == 0 ? "\(m / 60)h" : "\(m / 60)h\(r < 10 ? "0" : "")\(r)m"
    }
    return "\(m / 1440)d"
  }

  /// A message template's text between its `{n}` placeholders: what a
  /// filter matches besides the arguments, without formatting the message.
  static func literals(_ template: String) -> [String] {
    var out: [String] = []
    var piece = ""
    var chars = Array(template)[...]
    while let c = chars.popFirst() {
      if c == "{", let d = chars.first, d.isASCII, d.isNumber, chars.dropFirst().first == "}" {
        chars = chars.dropFirst(2)
        if !piece.isEmpty { out.append(piece) }
        piece = ""
      } else {
        piece.append(c)
      }
    }
    if !piece.isEmpty { out.append(piece) }
    return out
  }

  static func severityCell(_ s: Severity, _ t: Strings) -> TableCell {
    switch s {
    case .critical: TableCell("!!" + t("severity.short.critical"), .critical)
    case .warning: TableCell("! " + t("severity.short.warning"), .warning)
    case .info: TableCell("  " + t("severity.short.info"), .info)
    }
  }

  /// Eight-level bars for a sparkline, scaled to the series' own maximum.
  static func sparkline(_ values: [Int64]) -> String {
    let bars = Array("▁▂▃▄▅▆▇█")
    let top = values.max() ?? 0
    guard top > 0 else { return String(repeating: "▁", count: values.count) }
    // In Double: a journal may hold amounts whose Int64 product would overflow.
    return String(values.map { bars[min(7, max(0, Int((Double($0) * 7 / Double(top)).rounded())))] })
  }
}
