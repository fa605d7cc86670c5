import Foundation
import TOMLKit

/// Maps semantic tokens to colours. Loaded from `themes/*.toml`; the
/// `default`, `ansi16` and `mono` themes also exist built in, so the console
/// always has something to draw with, whatever files are missing.
public struct Theme: Sendable, Equatable {
  public var name: String
  /// Colours the theme needs: 256, 16, or 0 (attributes only).
  public var colorsNeeded: Int
  public var styles: [StyleToken: ResolvedStyle]

  public func style(_ token: StyleToken) -> ResolvedStyle {
    styles[token] ?? Theme.builtinDefault.styles[token] ?? ResolvedStyle()
  }

  public struct LoadError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
  }

  static let named16 = [
    "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
    "bright-black": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11, "bright-blue": 12,
    "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
  ]

  /// Parses a theme file. Unknown keys are errors naming the file and key;
  /// tokens the file does not mention come from the default theme.
  public static func parse(_ text: String, file: String) throws(LoadError) -> Theme {
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let e as TOMLParseError {
      throw LoadError(
        file: file, message: "line \(e.source.begin.line), column \(e.source.begin.column): \(e.description)")
    } catch {
      throw LoadError(file: file, message: "\(error)")
    }
    var theme = builtinDefault
    theme.name = (file as NSString).lastPathComponent.replacingOccurrences(of: ".toml", with: "")
    for key in table.keys {
      switch key {
      case "name":
        guard let n = table[key]?.string else { throw LoadError(file: file, message: "name must be a string") }
        theme.name = n
      case "colors":
        guard let n = table[key]?.int, [0, 16, 256].contains(n) else {
          throw LoadError(file: file, message: "colors must be 0, 16 or 256")
        }
        theme.colorsNeeded = n
      case "styles":
        guard let styles = table[key]?.table else { throw LoadError(file: file, message: "styles must be a table") }
        for tokenName in styles.keys {
          guard let token = StyleToken(rawValue: tokenName) else {
            throw LoadError(file: file, message: "unknown style key 'styles.\(tokenName)'")
          }
          guard let spec = styles[tokenName]?.table else {
            throw LoadError(file: file, message: "styles.\(tokenName) must be a table like { fg = 1, bold = true }")
          }
          theme.styles[token] = try parseStyle(spec, path: "styles.\(tokenName)", file: file)
        }
      default:
        throw LoadError(file: file, message: "unknown key '\(key)'")
      }
    }
    return theme
  }

  static func parseStyle(_ t: TOMLTable, path: String, file: String) throws(LoadError) -> ResolvedStyle {
    var s = ResolvedStyle()
    for k in t.keys {
      guard let v = t[k] else { continue }
      switch k {
      case "fg": s.fg = try parseColor(v, path: "\(path).fg", file: file)
      case "bg": s.bg = try parseColor(v, path: "\(path).bg", file: file)
      case "bold", "reverse", "dim", "underline":
        guard let b = v.bool else { throw LoadError(file: file, message: "\(path).\(k) must be true or false") }
        let a: CellAttributes = ["bold": .bold, "reverse": .reverse, "dim": .dim, "underline": .underline][k] ?? []
        if b { s.attributes.insert(a) } else { s.attributes.remove(a) }
      default:
        throw LoadError(file: file, message: "unknown key '\(path).\(k)'")
      }
    }
    return s
  }

  static func parseColor(_ v: TOMLValueConvertible, path: String, file: String) throws(LoadError) -> TerminalColor {
    if let i = v.int {
      guard (0...255).contains(i) else { throw LoadError(file: file, message: "\(path) must be 0–255") }
      return .index(i)
    }
    if let s = v.string {
      if s == "default" { return .terminalDefault }
      if let i = named16[s] { return .index(i) }
    }
    throw LoadError(file: file, message: "\(path): expected 0–255, \"default\" or a colour name such as \"red\"")
  }

  /// Chooses a theme the terminal can show: a 256-colour theme on a
  /// 16-colour terminal becomes `ansi16`, any colour theme without colours `mono`.
  public func fitted(toColors colors: Int) -> Theme {
    if colors < 8 && colorsNeeded > 0 { return Theme.builtinMono }
    if colors < 256 && colorsNeeded > 16 { return Theme.builtinAnsi16 }
    return self
  }
}

extension Theme {
  private static func s(_ fg: Int?, _ bg: Int? = nil, _ a: CellAttributes = []) -> ResolvedStyle {
    ResolvedStyle(
      fg: fg.map { .index($0) } ?? .terminalDefault, bg: bg.map { .index($0) } ?? .terminalDefault, attributes: a)
  }

  public static let builtinDefault = Theme(
    name: "default", colorsNeeded: 256,
    styles: [
      .normal: s(nil), .title: s(75, nil, .bold), .border: s(240), .borderFocused: s(75, nil, .bold),
      .header: s(255, 24, .bold), .hint: s(250, 236), .hintKey: s(221, 236, .bold), .selection: s(255, 25),
      .muted: s(244), .ok: s(71), .info: s(75), .warning: s(214, nil, .bold), .critical: s(231, 160, .bold),
      .badge: s(16, 214, .bold), .tabActive: s(16, 75, .bold), .tabInactive: s(250, 238), .input: s(255, 238),
      .inputError: s(203, nil, .bold), .overlay: s(252, 235),
    ])

  public static let builtinAnsi16 = Theme(
    name: "ansi16", colorsNeeded: 16,
    styles: [
      .normal: s(nil), .title: s(6, nil, .bold), .border: s(nil, nil, .dim), .borderFocused: s(6, nil, .bold),
      .header: s(7, 4, .bold), .hint: s(nil, nil, .reverse), .hintKey: s(3, nil, [.reverse, .bold]),
      .selection: s(nil, nil, .reverse), .muted: s(nil, nil, .dim), .ok: s(2), .info: s(6), .warning: s(3, nil, .bold),
      .critical: s(7, 1, .bold), .badge: s(0, 3, .bold), .tabActive: s(0, 6, .bold), .tabInactive: s(nil, nil, .dim),
      .input: s(nil, nil, .underline), .inputError: s(1, nil, .bold), .overlay: s(nil),
    ])

  /// Attributes only: what vt100 and `NO_COLOR` get. Severity still reads
  /// from the text labels every row carries.
  public static let builtinMono = Theme(
    name: "mono", colorsNeeded: 0,
    styles: [
      .normal: s(nil), .title: s(nil, nil, .bold), .border: s(nil), .borderFocused: s(nil, nil, .bold),
      .header: s(nil, nil, .reverse), .hint: s(nil, nil, .reverse), .hintKey: s(nil, nil, [.reverse, .bold]),
      .selection: s(nil, nil, .reverse), .muted: s(nil, nil, .dim), .ok: s(nil), .info: s(nil),
      .warning: s(nil, nil, .bold), .critical: s(nil, nil, [.bold, .underline]),
      .badge: s(nil, nil, [.reverse, .bold]),
      .tabActive: s(nil, nil, [.reverse, .bold]), .tabInactive: s(nil), .input: s(nil, nil, .underline),
      .inputError: s(nil, nil, .bold), .overlay: s(nil),
    ])

  public static let builtins: [String: Theme] = [
    "default": builtinDefault, "ansi16": builtinAnsi16, "mono": builtinMono,
  ]

  /// Finds a theme by name or path: a path is read as it is; a name is looked
  /// up in the theme directories, then among the built-ins.
  public static func load(_ nameOrPath: String, searchPaths: [URL]) throws(LoadError) -> Theme {
    if nameOrPath.hasSuffix(".toml") || nameOrPath.contains("/") {
      return try loadFile(URL(fileURLWithPath: nameOrPath))
    }
    for dir in searchPaths {
      let url = dir.appendingPathComponent("\(nameOrPath).toml")
      if FileManager.default.fileExists(atPath: url.path) { return try loadFile(url) }
    }
    if let b = builtins[nameOrPath] { return b }
    throw LoadError(
      file: nameOrPath, message: "no such theme (looked in \(searchPaths.map(\.path).joined(separator: ", ")))")
  }

  static func loadFile(_ url: URL) throws(LoadError) -> Theme {
    let text: String
    do { text = try String(contentsOf: url, encoding: .utf8) } catch {
      throw LoadError(file: url.path, message: "cannot read: \(error.localizedDescription)")
    }
    return try parse(text, file: url.path)
  }

  /// Where theme files are looked for: $CORDON_THEMES, then `themes/` beside
  /// the repository the binary was built in, then the install prefix.
  public static func searchPaths(environment: [String: String], executable: URL) -> [URL] {
    var out: [URL] = []
    if let d = environment["CORDON_THEMES"] { out.append(URL(fileURLWithPath: d)) }
    var dir = executable.deletingLastPathComponent()
    for _ in 0..<4 {
      out.append(dir.appendingPathComponent("themes"))
      out.append(dir.appendingPathComponent("share/cordon/themes"))
      dir = dir.deletingLastPathComponent()
    }
    return out
  }
}
