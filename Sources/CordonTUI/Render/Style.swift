/// What a piece of text means, not how it looks: themes map these to colours
/// and attributes, so the mono theme and vt100 still show every distinction.
public enum StyleToken: String, Sendable, CaseIterable, Codable {
  case normal, title, border, borderFocused, header, hint, hintKey, selection, muted, ok, info, warning, critical
  case badge, tabActive, tabInactive, input, inputError, overlay
}

/// A resolved look: what the backend draws.
public struct CellAttributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  public static let bold = CellAttributes(rawValue: 1)
  public static let reverse = CellAttributes(rawValue: 2)
  public static let dim = CellAttributes(rawValue: 4)
  public static let underline = CellAttributes(rawValue: 8)
}

/// A terminal colour: the terminal's own default, a palette index (0–255),
/// or a 24-bit colour (drawn as such on a direct-colour terminal, as the
/// nearest palette entry on a 256-colour one).
public enum TerminalColor: Sendable, Hashable {
  case terminalDefault
  case index(Int)
  case rgb(UInt8, UInt8, UInt8)

  /// The xterm palette's colour for an index (0–255): the 16 system colours,
  /// the 6×6×6 cube and the grey ramp.
  public static func paletteRGB(_ i: Int) -> (UInt8, UInt8, UInt8) {
    let system: [(UInt8, UInt8, UInt8)] = [
      (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
      (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
      (255, 255, 255),
    ]
    let i = min(max(i, 0), 255)
    if i < 16 { return system[i] }
    if i >= 232 {
      let v = UInt8(8 + 10 * (i - 232))
      return (v, v, v)
    }
    let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
    let c = i - 16
    return (levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
  }

  /// The 256-colour palette entry (16–255) closest to a 24-bit colour.
  public static func nearestIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
    var best = 16
    var bestDistance = Int.max
    for i in 16...255 {
      let (pr, pg, pb) = paletteRGB(i)
      let dr = Int(pr) - Int(r)
      let dg = Int(pg) - Int(g)
      let db = Int(pb) - Int(b)
      let d = dr * dr + dg * dg + db * db
      if d < bestDistance {
        bestDistance = d
        best = i
      }
    }
    return best
  }
}

public struct ResolvedStyle: Sendable, Hashable {
  public var fg: TerminalColor
  public var bg: TerminalColor
  public var attributes: CellAttributes
  public init(
    fg: TerminalColor = .terminalDefault, bg: TerminalColor = .terminalDefault, attributes: CellAttributes = []
  ) {
    self.fg = fg
    self.bg = bg
    self.attributes = attributes
  }
}
