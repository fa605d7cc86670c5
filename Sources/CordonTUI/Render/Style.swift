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

/// A terminal colour: the terminal's own default, or a palette index (0–255).
public enum TerminalColor: Sendable, Hashable {
  case terminalDefault
  case index(Int)
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
