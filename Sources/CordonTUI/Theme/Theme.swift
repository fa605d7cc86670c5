import Foundation
import TOMLKit

/// Maps semantic tokens to colours. Loaded from `themes/*.toml`; every
/// shipped theme also exists built in, so the console always has something to
/// draw with, whatever files are missing.
public struct Theme: Sendable, Equatable {
  public var name: String
  /// Colours the theme needs: 256, 16, or 0 (attributes only). A 256-colour
  /// theme may also use `#rrggbb` colours: exact on a direct-colour terminal,
  /// the nearest palette entry on a 256-colour one.
  public var colorsNeeded: Int
  /// The built-in theme drawn on a terminal with fewer than 256 colours.
  public var fallback: String = "ansi16"
  public var styles: [StyleToken: ResolvedStyle]

  /// The colour count ncurses reports for a direct-colour terminal (`xterm-direct`).
  public static let directColors = 1 << 24

  public init(name: String, colorsNeeded: Int, fallback: String = "ansi16", styles: [StyleToken: ResolvedStyle]) {
    self.name = name
    self.colorsNeeded = colorsNeeded
    self.fallback = fallback
    self.styles = styles
  }

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
      case "fallback":
        guard let n = table[key]?.string, let b = builtins[n], b.colorsNeeded <= 16 else {
          let names = builtins.values.filter { $0.colorsNeeded == 16 }.map(\.name).sorted()
          throw LoadError(
            file: file, message: "fallback must name a 16-colour built-in theme: \(names.joined(separator: ", "))")
        }
        theme.fallback = n
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
    if theme.colorsNeeded < 256, theme.styles.values.contains(where: { $0.fg.isTrueColour || $0.bg.isTrueColour }) {
      throw LoadError(file: file, message: "#rrggbb colours need colors = 256")
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
      if let c = hexColor(s) { return c }
    }
    throw LoadError(
      file: file, message: "\(path): expected 0–255, \"#rrggbb\", \"default\" or a colour name such as \"red\"")
  }

  static func hexColor(_ s: String) -> TerminalColor? {
    let digits = Array(s.utf8)
    guard digits.count == 7, digits[0] == UInt8(ascii: "#") else { return nil }
    guard let v = UInt32(String(decoding: digits[1...], as: UTF8.self), radix: 16) else { return nil }
    return .rgb(UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff))
  }

  /// Chooses a theme the terminal can show: on a direct-colour terminal every
  /// colour becomes 24-bit (palette indices as the xterm palette draws them);
  /// on a 256-colour one `#rrggbb` becomes the nearest index; below 256 a
  /// 256-colour theme becomes its 16-colour fallback; without colours, `mono`.
  public func fitted(toColors colors: Int) -> Theme {
    if colors < 8 && colorsNeeded > 0 { return Theme.builtinMono }
    if colors < 256 && colorsNeeded > 16 { return Theme.builtins[fallback] ?? Theme.builtinAnsi16 }
    var out = self
    for (token, style) in styles {
      var s = style
      s.fg = s.fg.fitted(toColors: colors)
      s.bg = s.bg.fitted(toColors: colors)
      out.styles[token] = s
    }
    return out
  }
}

extension TerminalColor {
  public var isTrueColour: Bool {
    if case .rgb = self { return true }
    return false
  }

  /// This colour as a terminal with `colors` colours can show it.
  func fitted(toColors colors: Int) -> TerminalColor {
    switch self {
    case .terminalDefault: return self
    case .index(let i):
      // Direct-colour terminfo (xterm-direct) keeps 0–7 as the terminal's own
      // colours and reads anything else as 24-bit.
      guard colors >= Theme.directColors, i >= 8 else { return self }
      let (r, g, b) = TerminalColor.paletteRGB(i)
      return .rgb(r, g, b)
    case .rgb(let r, let g, let b):
      return colors >= Theme.directColors ? self : .index(TerminalColor.nearestIndex(r, g, b))
    }
  }

  /// The number ncurses takes for this colour on a terminal with `colors`
  /// colours (after `fitted`): -1 for the default, a 24-bit value packed as
  /// 0xRRGGBB on a direct-colour terminal.
  public func cursesNumber(colors: Int) -> Int32 {
    switch self {
    case .terminalDefault: return -1
    case .index(let i): return Int32(i < colors ? i : i % 8)
    case .rgb(let r, let g, let b):
      // 0–7 would be read as the terminal's own colours: the darkest blues move up by a step.
      return max(Int32(r) << 16 | Int32(g) << 8 | Int32(b), 8)
    }
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

  private static func h(_ v: UInt32) -> TerminalColor {
    .rgb(UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff))
  }

  private static func c(_ fg: TerminalColor?, _ bg: TerminalColor? = nil, _ a: CellAttributes = []) -> ResolvedStyle {
    ResolvedStyle(fg: fg ?? .terminalDefault, bg: bg ?? .terminalDefault, attributes: a)
  }

  /// For light terminal backgrounds: dark text; bars and selections paint their own background.
  public static let builtinLight = Theme(
    name: "light", colorsNeeded: 256, fallback: "light-16",
    styles: [
      .normal: s(nil), .title: s(25, nil, .bold), .border: s(246), .borderFocused: s(25, nil, .bold),
      .header: s(231, 25, .bold), .hint: s(236, 253), .hintKey: s(18, 253, .bold), .selection: s(16, 153),
      .muted: s(242), .ok: s(28), .info: s(25), .warning: s(130, nil, .bold), .critical: s(231, 160, .bold),
      .badge: s(231, 130, .bold), .tabActive: s(231, 25, .bold), .tabInactive: s(238, 252), .input: s(16, 254),
      .inputError: s(160, nil, .bold), .overlay: s(235, 255),
    ])

  /// `light` on 16 colours: no yellow or white text, which vanish on a light background.
  public static let builtinLight16 = Theme(
    name: "light-16", colorsNeeded: 16,
    styles: [
      .normal: s(nil), .title: s(4, nil, .bold), .border: s(nil), .borderFocused: s(4, nil, .bold),
      .header: s(7, 4, .bold), .hint: s(nil, nil, .reverse), .hintKey: s(nil, nil, [.reverse, .bold]),
      .selection: s(nil, nil, .reverse), .muted: s(nil, nil, .dim), .ok: s(2), .info: s(4), .warning: s(5, nil, .bold),
      .critical: s(7, 1, .bold), .badge: s(7, 5, .bold), .tabActive: s(7, 4, .bold), .tabInactive: s(nil, nil, .dim),
      .input: s(nil, nil, .underline), .inputError: s(1, nil, .bold), .overlay: s(nil),
    ])

  /// For colour-blind users: the Okabe–Ito palette; "ok" is sky blue, never
  /// green, and warning and critical differ in shape as well as colour.
  public static let builtinColorblind = Theme(
    name: "colorblind", colorsNeeded: 256, fallback: "colorblind-16",
    styles: [
      .normal: s(nil), .title: c(h(0x56b4e9), nil, .bold), .border: s(240), .borderFocused: c(h(0x56b4e9), nil, .bold),
      .header: c(.index(255), h(0x0072b2), .bold), .hint: s(250, 236), .hintKey: c(h(0xf0e442), .index(236), .bold),
      .selection: s(255, 25), .muted: s(244), .ok: c(h(0x56b4e9)), .info: s(252),
      .warning: c(h(0xe69f00), nil, .bold), .critical: c(.index(231), h(0xd55e00), .bold),
      .badge: c(.index(16), h(0xf0e442), .bold), .tabActive: c(.index(16), h(0x56b4e9), .bold),
      .tabInactive: s(250, 238), .input: s(255, 238), .inputError: c(h(0xe69f00), nil, [.bold, .underline]),
      .overlay: s(252, 235),
    ])

  /// `colorblind` on 16 colours: "ok" is cyan, never green.
  public static let builtinColorblind16 = Theme(
    name: "colorblind-16", colorsNeeded: 16,
    styles: [
      .normal: s(nil), .title: s(6, nil, .bold), .border: s(nil, nil, .dim), .borderFocused: s(6, nil, .bold),
      .header: s(7, 4, .bold), .hint: s(nil, nil, .reverse), .hintKey: s(3, nil, [.reverse, .bold]),
      .selection: s(nil, nil, .reverse), .muted: s(nil, nil, .dim), .ok: s(6), .info: s(nil),
      .warning: s(3, nil, .bold), .critical: s(7, 1, .bold), .badge: s(0, 3, .bold), .tabActive: s(0, 6, .bold),
      .tabInactive: s(nil, nil, .dim), .input: s(nil, nil, .underline), .inputError: s(3, nil, [.bold, .underline]),
      .overlay: s(nil),
    ])

  public static let builtins: [String: Theme] = [
    "default": builtinDefault, "ansi16": builtinAnsi16, "mono": builtinMono, "light": builtinLight,
    "light-16": builtinLight16, "colorblind": builtinColorblind, "colorblind-16": builtinColorblind16,
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

  /// The terminfo entry to draw true colour with, when `COLORTERM` says the
  /// terminal has it (`truecolor` or `24bit`) but `TERM` names a 256-colour
  /// entry: `xterm-direct` for xterm-likes, `tmux-direct` inside tmux. Nil
  /// when COLORTERM says nothing (it is often lost over SSH: then 256, 16 or
  /// mono as the TERM entry has them), when TERM is already a direct entry,
  /// or when TERM is something else whose direct twin would be a guess.
  public static func directColorTerm(environment env: [String: String]) -> String? {
    guard let ct = env["COLORTERM"]?.lowercased(), ct == "truecolor" || ct == "24bit" else { return nil }
    let term = env["TERM"] ?? ""
    if term.hasSuffix("-direct") { return nil }
    if term.hasPrefix("xterm") { return "xterm-direct" }
    if term.hasPrefix("tmux") { return "tmux-direct" }
    return nil
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
