import CNcursesw
import Foundation

/// The real terminal, through ncursesw. Everything that calls ncurses is in
/// this file and `ConsoleLoop`.
public final class NcursesTerminal: Terminal {
  public struct NoTerminal: Error, CustomStringConvertible {
    public var description: String
  }

  private let screen: OpaquePointer
  private let output: UnsafeMutablePointer<FILE>?
  public let colors: Int
  private var styles: [StyleToken: (attr_t, Int32)] = [:]
  public private(set) var theme: Theme

  /// Starts curses on the process's terminal, or on `input`/`output` (the
  /// benchmark counts what is written). Throws instead of letting ncurses
  /// exit the process when there is no usable terminal.
  public init(
    theme requested: Theme, termName: String? = nil, input: UnsafeMutablePointer<FILE>? = nil,
    output: UnsafeMutablePointer<FILE>? = nil, mouse: Bool = false
  ) throws {
    if input == nil {
      guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
        throw NoTerminal(description: "cordon needs a terminal: stdin and stdout must be a tty (over ssh, use ssh -t)")
      }
    }
    Self.ensureUTF8Locale()
    let out = output ?? cordon_stdout()
    let made: OpaquePointer? = termName.withOptionalCString { newterm($0, out, input ?? cordon_stdin()) }
    guard let made else {
      throw NoTerminal(
        description:
          "cannot start the terminal (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "unset") unknown?)")
    }
    screen = made
    self.output = out
    set_term(screen)
    raw()
    noecho()
    nonl()
    keypad(cordon_stdscr(), true)
    nodelay(cordon_stdscr(), true)
    set_escdelay(25)
    curs_set(0)
    cordon_mouse(mouse ? 1 : 0)
    var n = 0
    if has_colors() {
      start_color()
      use_default_colors()
      n = Int(cordon_colors())
    }
    colors = n
    theme = requested.fitted(toColors: n)
    prepareStyles()
  }

  /// CJK text vanishes under the C locale: use the environment's locale if it
  /// is UTF-8, else C.UTF-8.
  static func ensureUTF8Locale() {
    setlocale(LC_ALL, "")
    let codeset = String(cString: cordon_codeset())
    if codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8" {
      setlocale(LC_ALL, "C.UTF-8")
    }
  }

  private func prepareStyles() {
    var pairs: [ResolvedStyle: Int32] = [:]
    var next: Int32 = 1
    for token in StyleToken.allCases {
      let s = theme.style(token)
      var attrs = cordon_a_normal()
      if s.attributes.contains(.bold) { attrs |= cordon_a_bold() }
      if s.attributes.contains(.reverse) { attrs |= cordon_a_reverse() }
      if s.attributes.contains(.dim) { attrs |= cordon_a_dim() }
      if s.attributes.contains(.underline) { attrs |= cordon_a_underline() }
      var pair: Int32 = 0
      if colors > 0 && (s.fg != .terminalDefault || s.bg != .terminalDefault) {
        let key = ResolvedStyle(fg: s.fg, bg: s.bg)
        if let p = pairs[key] {
          pair = p
        } else if next < cordon_color_pairs() {
          init_extended_pair(next, colorNumber(s.fg), colorNumber(s.bg))
          pairs[key] = next
          pair = next
          next += 1
        }
      }
      styles[token] = (attrs, pair)
    }
  }

  private func colorNumber(_ c: TerminalColor) -> Int32 { c.cursesNumber(colors: colors) }

  public var width: Int { Int(cordon_cols()) }
  public var height: Int { Int(cordon_lines()) }

  public func present(_ runs: [ScreenBuffer.Run], cursor: (x: Int, y: Int)?) {
    var wch = [wchar_t](repeating: 0, count: 6)
    for run in runs {
      var x = run.x
      for cell in run.cells {
        defer { x += 1 }
        if cell.continuation { continue }
        let (attrs, pair) = styles[cell.style] ?? (cordon_a_normal(), 0)
        var i = 0
        for s in cell.character.unicodeScalars where i < 5 {
          wch[i] = wchar_t(bitPattern: s.value)
          i += 1
        }
        wch[i] = 0
        _ = cordon_put_cell(Int32(run.y), Int32(x), wch, attrs, pair)
      }
    }
    if let c = cursor {
      wmove(cordon_stdscr(), Int32(c.y), Int32(c.x))
      curs_set(1)
    } else {
      curs_set(0)
    }
    wnoutrefresh(cordon_stdscr())
    doupdate()
  }

  public func readKeys() -> [Key] {
    var keys: [Key] = []
    var ch: wint_t = 0
    while true {
      let r = cordon_get_wch(&ch)
      if r == ERR { break }
      if r == KEY_CODE_YES && Int32(ch) == cordon_key_mouse() {
        if let e = Self.mouseEvent() { keys.append(.mouse(e)) }
        continue
      }
      if let k = r == KEY_CODE_YES ? Self.functionKey(Int32(ch)) : Self.characterKey(UInt32(ch)) { keys.append(k) }
    }
    return keys
  }

  static func mouseEvent() -> MouseEvent? {
    var x: Int32 = 0
    var y: Int32 = 0
    let kinds: [Int32: MouseEvent.Kind] = [1: .click, 2: .doubleClick, 3: .wheelUp, 4: .wheelDown]
    guard let kind = kinds[cordon_get_mouse(&x, &y)] else { return nil }
    return MouseEvent(x: Int(x), y: Int(y), kind: kind)
  }

  static func characterKey(_ v: UInt32) -> Key? {
    switch v {
    case 9: return .tab
    // nonl(): Enter arrives as CR; LF is Ctrl-J, a newline in multi-line fields.
    case 13: return .enter
    case 10: return .ctrl("j")
    case 27: return .esc
    case 8, 127: return .backspace
    case 1...26: return .ctrl(Character(Unicode.Scalar(v + 96) ?? "a"))
    case 0..<32: return nil
    default:
      guard let s = Unicode.Scalar(v) else { return nil }
      return .char(Character(s))
    }
  }

  static func functionKey(_ code: Int32) -> Key? {
    switch code {
    case KEY_UP: .up
    case KEY_DOWN: .down
    case KEY_LEFT: .left
    case KEY_RIGHT: .right
    case KEY_PPAGE: .pageUp
    case KEY_NPAGE: .pageDown
    case KEY_HOME: .home
    case KEY_END: .end
    case KEY_BTAB: .backTab
    case KEY_BACKSPACE: .backspace
    case KEY_DC: .delete
    case KEY_ENTER: .enter
    case cordon_key_resize(): .resize
    default:
      (1...12).first(where: { cordon_key_f(Int32($0)) == code }).map { .function($0) }
    }
  }

  public func bell() { beep() }

  /// Input read before curses started (typed while the terminal was being
  /// asked something): read first, in order.
  public func pushBack(_ bytes: [UInt8]) {
    for s in String(decoding: bytes, as: UTF8.self).unicodeScalars.reversed() {
      _ = cordon_unget_wch(wchar_t(bitPattern: s.value))
    }
  }

  /// OSC 52 straight to the terminal, after the frame: it moves no cursor,
  /// and tmux with `set-clipboard on` passes it on to the outer terminal.
  public func copyToClipboard(_ text: String) {
    guard let output else { return }
    let sequence = Clipboard.osc52(text)
    _ = sequence.withCString { fputs($0, output) }
    fflush(output)
  }

  /// Restores the terminal. Safe to call more than once.
  public func end() {
    if isendwin() == false { endwin() }
    delscreen(screen)
  }
}

extension Optional where Wrapped == String {
  func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
    switch self {
    case .some(let s): s.withCString { body($0) }
    case .none: body(nil)
    }
  }
}
