/// A key press, as the console understands it, whatever terminal sent it.
public enum Key: Hashable, Sendable, CustomStringConvertible {
  case char(Character)
  case ctrl(Character)
  case enter, esc, tab, backTab, backspace, delete
  case up, down, left, right, pageUp, pageDown, home, end
  case function(Int)
  case resize
  /// A click or the wheel: the console turns it into a `.mouse` message, never an action key.
  case mouse(MouseEvent)

  /// The name used in config files and in the help: "q", "Tab", "S-Tab", "C-l", "F1", "PgDn".
  public var description: String {
    switch self {
    case .char(" "): "Space"
    case .char(let c): String(c)
    case .ctrl(let c): "C-\(c)"
    case .enter: "Enter"
    case .esc: "Esc"
    case .tab: "Tab"
    case .backTab: "S-Tab"
    case .backspace: "Backspace"
    case .delete: "Del"
    case .up: "Up"
    case .down: "Down"
    case .left: "Left"
    case .right: "Right"
    case .pageUp: "PgUp"
    case .pageDown: "PgDn"
    case .home: "Home"
    case .end: "End"
    case .function(let n): "F\(n)"
    case .mouse: "Mouse"
    case .resize: "Resize"
    }
  }

  public init?(name: String) {
    let named: [String: Key] = [
      "Space": .char(" "), "Enter": .enter, "Esc": .esc, "Tab": .tab, "S-Tab": .backTab, "Backspace": .backspace,
      "Del": .delete, "Up": .up, "Down": .down, "Left": .left, "Right": .right, "PgUp": .pageUp, "PgDn": .pageDown,
      "Home": .home, "End": .end,
    ]
    if let k = named[name] {
      self = k
    } else if name.hasPrefix("C-"), name.count == 3, let c = name.last, c.isASCII, c.isLetter {
      self = .ctrl(Character(c.lowercased()))
    } else if name.hasPrefix("F"), let n = Int(name.dropFirst()), (1...12).contains(n) {
      self = .function(n)
    } else if name.count == 1, let c = name.first, !c.isWhitespace {
      self = .char(c)
    } else {
      return nil
    }
  }

  /// Characters that need AltGr on common European layouts: no default
  /// binding may use them, so every duty-room keyboard reaches every action.
  public static let altGrCharacters: Set<Character> = ["[", "]", "{", "}", "\\", "|", "@", "~", "€", "^", "`"]
  public var needsAltGr: Bool {
    if case .char(let c) = self { return Key.altGrCharacters.contains(c) }
    return false
  }
}
