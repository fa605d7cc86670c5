/// A pane's frame with its title in the top edge. Box characters are drawn as
/// Unicode here; the ncurses backend swaps them for the terminal's own
/// line-drawing set, so vt100 shows real lines too.
public enum BoxView {
  public static let horizontal: Character = "─"
  public static let vertical: Character = "│"
  public static let corners: [Character] = ["┌", "┐", "└", "┘"]

  public static func draw(title: String, focused: Bool, in r: Rect, buffer: inout ScreenBuffer) {
    guard r.width >= 2, r.height >= 2 else { return }
    let style: StyleToken = focused ? .borderFocused : .border
    for (y, left, right) in [(r.y, corners[0], corners[1]), (r.maxY - 1, corners[2], corners[3])] {
      buffer.putRepeated(left, count: 1, x: r.x, y: y, style: style)
      buffer.putRepeated(horizontal, count: r.width - 2, x: r.x + 1, y: y, style: style)
      buffer.putRepeated(right, count: 1, x: r.maxX - 1, y: y, style: style)
    }
    for y in (r.y + 1)..<(r.maxY - 1) {
      buffer.putRepeated(vertical, count: 1, x: r.x, y: y, style: style)
      buffer.putRepeated(vertical, count: 1, x: r.maxX - 1, y: y, style: style)
    }
    // Focus is shown by text as well as colour: the focused title is bracketed.
    let decorated = focused ? "[\(title)]" : " \(title) "
    buffer.put(decorated, x: r.x + 1, y: r.y, maxWidth: r.width - 2, style: focused ? .title : style)
  }
}
