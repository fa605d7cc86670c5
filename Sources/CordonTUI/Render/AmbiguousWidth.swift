import CordonModel

/// Characters whose width the terminal decides: East Asian "ambiguous" ones
/// (box drawing, ·, ℃, ×, …) are one cell in most terminals and two in some
/// CJK setups. `DisplayWidth` counts them as one; when the terminal counts
/// two, every border after them moves. In ASCII mode the renderer draws
/// each such cell as a plain ASCII character instead, so nothing can move.
public enum AmbiguousWidth {
  static let table: [Character: Character] = [
    "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
    "–": "-", "—": "-", "·": ".", "…": "~", "×": "x", "℃": "C", "°": "o", "→": ">", "←": "<", "↑": "^", "↓": "v",
    "“": "\"", "”": "\"", "‘": "'", "’": "'", "€": "E", "Σ": "S", "▁": "_", "▂": ".", "▃": "-", "▄": "=", "▅": "+",
    "▆": "*", "▇": "%", "█": "#",
  ]

  /// Whether a one-cell character may be drawn two cells wide by a CJK terminal.
  public static func isAmbiguous(_ c: Character) -> Bool {
    guard let s = c.unicodeScalars.first, s.value >= 0x80, DisplayWidth.of(c) == 1 else { return false }
    switch s.value {
    case 0xA1, 0xA4, 0xA7, 0xA8, 0xAA, 0xAD, 0xAE, 0xB0...0xB4, 0xB6...0xBA, 0xBC...0xBF, 0xC6, 0xD0, 0xD7, 0xD8,
      0xDE...0xE1, 0xE6, 0xE8...0xEA, 0xEC, 0xED, 0xF0, 0xF2, 0xF3, 0xF7...0xFA, 0xFC, 0xFE:
      return true
    case 0x391...0x3C9, 0x401...0x451, 0x2010...0x2027, 0x2030...0x203E, 0x20AC, 0x2100...0x214F, 0x2153...0x21FF,
      0x2200...0x22FF, 0x2312, 0x2460...0x24FF, 0x2500...0x25FF, 0x2600...0x27BF, 0xE000...0xF8FF:
      return true
    default:
      return false
    }
  }

  /// The cell as drawn in ASCII mode: an ambiguous character becomes its
  /// ASCII look-alike, or "?" when it has none; everything else is kept.
  public static func ascii(_ c: Character) -> Character {
    if let a = table[c] { return a }
    return isAmbiguous(c) ? "?" : c
  }
}
