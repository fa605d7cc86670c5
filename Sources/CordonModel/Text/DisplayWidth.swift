/// The one display-width function. Every widget measures and clips with it,
/// so a row never overflows its pane and a double-width character is never
/// cut in half at a border.
///
/// Widths follow Unicode's East Asian Width (W and F are 2 cells), combining
/// and enclosing marks and zero-width format characters are 0, and control
/// and escape characters are removed before measuring: text typed by one user
/// must never drive another user's terminal.
public enum DisplayWidth {
  /// Cells a character occupies: 0, 1 or 2.
  public static func of(_ c: Character) -> Int {
    // From the scalars, not `asciiValue`: that compares every character
    // with "\r\n" first, which cost more than the rest of the measuring.
    var width = 0
    var first = true
    for s in c.unicodeScalars {
      if first {
        width = of(scalar: s)
        first = false
      } else if s.value == 0xFE0F && width == 1 {
        // Emoji presentation selector: the cluster is drawn as a wide emoji.
        width = 2
      }
    }
    return width
  }

  public static func of(_ s: String) -> Int {
    var w = 0
    // ASCII: a byte is a character, one cell unless it is a control.
    for b in s.utf8 {
      guard b < 0x80 else {
        w = 0
        for c in s { w += of(c) }
        return w
      }
      if b >= 0x20 && b != 0x7F { w += 1 }
    }
    return w
  }

  public static func of(scalar s: Unicode.Scalar) -> Int {
    let v = s.value
    if UserText.isControl(s) { return 0 }
    if v < 0x300 { return 1 }
    // What fills a Chinese screen, before the property lookup: CJK unified
    // ideographs (wide) and box drawing, blocks and shapes up to the wide
    // U+25FD (narrow). Neither range holds a mark or a format character.
    if v >= 0x4E00 && v <= 0x9FFF { return 2 }
    if v >= 0x2500 && v <= 0x25FC { return 1 }
    switch s.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if v == 0x200B || (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return 0 }
    if (0x1160...0x11FF).contains(v) { return 0 }  // Hangul medial vowels and finals join the syllable.
    return isWide(v) ? 2 : 1
  }

  /// East Asian Wide and Fullwidth ranges (Unicode 15), plus the emoji blocks
  /// terminals draw two cells wide.
  static func isWide(_ v: UInt32) -> Bool {
    if v < 0x1100 { return false }
    if v >= 0x4E00 && v <= 0x9FFF { return true }  // CJK unified ideographs: the common case here.
    // Binary search for the last range starting at or below v.
    var lo = 0
    var hi = wideRanges.count - 1
    while lo <= hi {
      let mid = (lo + hi) / 2
      if wideRanges[mid].lowerBound <= v { lo = mid + 1 } else { hi = mid - 1 }
    }
    return hi >= 0 && v <= wideRanges[hi].upperBound
  }

  static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
    0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
    0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
    0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
    0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
    0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55, 0x2E80...0x303E,
    0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
    0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
    0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF, 0x1F18E...0x1F18E,
    0x1F191...0x1F19A, 0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248, 0x1F250...0x1F251,
    0x1F260...0x1F265, 0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C, 0x1F37E...0x1F393,
    0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4, 0x1F3F8...0x1F43E,
    0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567,
    0x1F57A...0x1F57A, 0x1F595...0x1F596, 0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5,
    0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF, 0x1F6EB...0x1F6EC,
    0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0...0x1F7F0, 0x1F90C...0x1F93A, 0x1F93C...0x1F945,
    0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
  ]

  /// Removes what must never reach a terminal, then clips to `width` cells.
  /// A wide character that would straddle the edge is dropped and the gap
  /// padded, so the result is never wider than asked.
  public static func clip(_ text: String, to width: Int) -> String {
    guard width > 0 else { return "" }
    var out = ""
    var used = 0
    for c in text {
      let w = of(c)
      if w == 0 {
        if c.unicodeScalars.allSatisfy({ UserText.isControl($0) }) { continue }
        // A combining mark with no base to sit on would join the border: drop it.
        if out.isEmpty { continue }
        out.append(Character(String(String.UnicodeScalarView(c.unicodeScalars.filter { !UserText.isControl($0) }))))
        continue
      }
      if used + w > width {
        if used < width { out += String(repeating: " ", count: width - used) }
        return out
      }
      out.append(c)
      used += w
    }
    return out
  }

  /// Breaks `text` into lines of at most `width` cells: after a space when
  /// the line has one, else between any two characters (CJK has no spaces).
  /// A line's indent is kept on its continuations; what must never reach a
  /// terminal is removed as `clip` removes it.
  public static func wrap(_ text: String, to width: Int) -> [String] {
    guard width > 0 else { return [] }
    let indent = Array(text.prefix { $0 == " " })
    let hang = indent.count < width / 2 ? indent : []
    var lines: [String] = []
    var line: [Character] = []
    var used = 0
    // Where the line may break: the position of its last space after the indent.
    var lastSpace: Int? = nil
    for c in clip(text, to: Int.max) {
      let w = of(c)
      if c == " " && used + w > width && line.count > hang.count {
        // The space that would overflow is where the line breaks.
        lines.append(String(line))
        line = hang
        used = line.reduce(0) { $0 + of($1) }
        lastSpace = nil
        continue
      }
      if used + w > width && line.count > hang.count {
        if let space = lastSpace {
          lines.append(String(line[..<space]))
          line = hang + line[(space + 1)...]
        } else {
          lines.append(String(line))
          line = hang
        }
        used = line.reduce(0) { $0 + of($1) }
        lastSpace = nil
      }
      if c == " " && line.count > hang.count { lastSpace = line.count }
      line.append(c)
      used += w
    }
    if !line.isEmpty || lines.isEmpty { lines.append(String(line)) }
    return lines
  }

  /// Clips and pads with spaces to exactly `width` cells.
  public static func fit(_ text: String, to width: Int) -> String {
    let c = clip(text, to: width)
    let w = of(c)
    return w < width ? c + String(repeating: " ", count: width - w) : c
  }

  /// Right-aligns within `width` cells.
  public static func fitRight(_ text: String, to width: Int) -> String {
    let c = clip(text, to: width)
    let w = of(c)
    return w < width ? String(repeating: " ", count: width - w) + c : c
  }
}
