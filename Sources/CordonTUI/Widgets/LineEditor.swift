import CordonModel

/// One line of typed text with a cursor. Moves and deletes by whole
/// characters, so a Chinese character or an accented letter is never split.
public struct LineEditor: Sendable, Equatable {
  public private(set) var characters: [Character] = []
  public private(set) var cursor = 0
  public var multiline = false

  public init(_ text: String = "", multiline: Bool = false) {
    characters = Array(text)
    cursor = characters.count
    self.multiline = multiline
  }

  public var text: String { String(characters) }
  public var isEmpty: Bool { characters.isEmpty }

  /// Applies an editing key; returns false when the key is not an edit.
  public mutating func handle(_ key: Key) -> Bool {
    switch key {
    case .char(let c):
      // Control characters never enter the text, whatever the terminal sends.
      guard !c.unicodeScalars.allSatisfy({ UserText.isControl($0) }) else { return true }
      characters.insert(c, at: cursor)
      cursor += 1
    case .ctrl("j") where multiline:
      characters.insert("\n", at: cursor)
      cursor += 1
    case .backspace:
      if cursor > 0 {
        characters.remove(at: cursor - 1)
        cursor -= 1
      }
    case .delete:
      if cursor < characters.count { characters.remove(at: cursor) }
    case .left: cursor = max(0, cursor - 1)
    case .right: cursor = min(characters.count, cursor + 1)
    case .home, .ctrl("a"): cursor = 0
    case .end, .ctrl("e"): cursor = characters.count
    case .ctrl("u"):
      characters.removeSubrange(0..<cursor)
      cursor = 0
    case .ctrl("k"):
      characters.removeSubrange(cursor..<characters.count)
    default:
      return false
    }
    return true
  }

  public mutating func set(_ text: String) {
    characters = Array(text)
    cursor = characters.count
  }

  /// The visible slice for a field `width` cells wide, scrolled so the
  /// cursor shows, and the cursor's cell offset within it.
  public func visible(width: Int) -> (text: String, cursorX: Int) {
    guard width > 1 else { return ("", 0) }
    let shown = characters.map { $0 == "\n" ? Character("␤") : $0 }
    var start = 0
    var before = DisplayWidth.of(String(shown[0..<cursor]))
    while before > width - 1 && start < cursor {
      before -= DisplayWidth.of(shown[start])
      start += 1
    }
    return (DisplayWidth.clip(String(shown[start...]), to: width), before)
  }
}
