/// A mouse event in cells, as ncurses reports it (the terminal sends SGR 1006
/// reports; ncurses decodes them). Only what the console acts on.
public struct MouseEvent: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    case click, doubleClick, wheelUp, wheelDown
  }
  public var x: Int
  public var y: Int
  public var kind: Kind
  public init(x: Int, y: Int, kind: Kind) {
    self.x = x
    self.y = y
    self.kind = kind
  }
}
