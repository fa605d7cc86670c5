import CordonModel
import CordonStore

/// What the console shows while a large store is being opened: a bar that
/// fills as the journal is replayed, drawn before the panes exist. Used on
/// the thread that opens the store (the store calls progress there).
public final class OpenProgressScreen {
  private let renderer: Renderer
  private var lastPercent = -1
  private let strings: Strings

  public init(terminal: Terminal, strings: Strings) {
    self.renderer = Renderer(terminal: terminal)
    self.strings = strings
  }

  /// Suitable as the store's `progress` callback. Stores under a few MiB open
  /// too fast to need a bar, and a redraw happens only when the percent changes.
  public func update(_ p: OpenProgress) {
    guard p.bytesTotal > 4 << 20 else { return }
    let percent = Int(p.fraction * 100)
    guard percent != lastPercent else { return }
    lastPercent = percent
    var buffer = ScreenBuffer(width: renderer.terminal.width, height: renderer.terminal.height)
    Self.draw(percent: percent, strings: strings, into: &buffer)
    renderer.present(buffer, cursor: nil)
  }

  static func draw(percent: Int, strings t: Strings, into b: inout ScreenBuffer) {
    let y = b.height / 2
    let width = max(10, min(60, b.width - 4))
    let x = max(0, (b.width - width) / 2)
    b.put(t("open.progress", String(percent)), x: x, y: y - 1, maxWidth: width, style: .title)
    let filled = width * min(100, max(0, percent)) / 100
    // '#' and '.' so the bar reads on vt100 and in mono as well as in colour.
    b.put(String(repeating: "#", count: filled), x: x, y: y, style: .ok)
    b.put(String(repeating: ".", count: width - filled), x: x + filled, y: y, style: .muted)
  }
}
