import CordonModel

/// What the console needs from a terminal. The ncurses backend is the real
/// one; `TestTerminal` keeps the screen in memory for tests and benchmarks.
public protocol Terminal: AnyObject {
  var width: Int { get }
  var height: Int { get }
  /// Colours the terminal has: 0 (none, e.g. vt100), 8, 16, 256 …
  var colors: Int { get }
  /// Draws the changed runs and moves the cursor (hidden when nil).
  func present(_ runs: [ScreenBuffer.Run], cursor: (x: Int, y: Int)?)
  /// Keys typed since the last call, without waiting.
  func readKeys() -> [Key]
  func bell()
  /// Sends `text` to the user's clipboard (OSC 52, see `Clipboard`).
  func copyToClipboard(_ text: String)
}

/// Builds frames and sends only what changed since the previous one.
public final class Renderer {
  public let terminal: Terminal
  private var previous: ScreenBuffer?
  public private(set) var lastRunCells = 0
  /// Draws ambiguous-width characters (box lines, ·, ℃, …) as ASCII, for
  /// terminals that make them two cells wide (`--ascii`).
  public var ascii = false

  public init(terminal: Terminal) { self.terminal = terminal }

  public func draw(_ app: ConsoleApp) {
    app.prepareFrame(width: terminal.width, height: terminal.height)
    var buffer = ScreenBuffer(width: terminal.width, height: terminal.height)
    let cursor = app.render(into: &buffer)
    present(buffer, cursor: cursor)
  }

  /// Sends what differs between `buffer` and the previous frame.
  public func present(_ buffer: ScreenBuffer, cursor: (x: Int, y: Int)?) {
    var runs = buffer.diff(from: previous)
    if ascii {
      for r in runs.indices {
        for c in runs[r].cells.indices { runs[r].cells[c].character = AmbiguousWidth.ascii(runs[r].cells[c].character) }
      }
    }
    lastRunCells = runs.reduce(0) { $0 + $1.cells.count }
    terminal.present(runs, cursor: cursor)
    previous = buffer
  }

  /// Forgets the previous frame, so the next one is drawn whole (after a resize).
  public func invalidate() { previous = nil }
}

/// A terminal in memory: the screen as the user would see it.
public final class TestTerminal: Terminal {
  public private(set) var width: Int
  public private(set) var height: Int
  public let colors: Int
  public private(set) var screen: ScreenBuffer
  public private(set) var cursor: (x: Int, y: Int)?
  public private(set) var cellsWritten = 0
  public private(set) var bells = 0
  public var pendingKeys: [Key] = []

  /// The theme the cells would be drawn with, fitted to `colors`.
  public let theme: Theme

  public init(width: Int, height: Int, colors: Int = 256, theme: Theme = .builtinDefault) {
    self.width = width
    self.height = height
    self.colors = colors
    self.theme = theme.fitted(toColors: colors)
    screen = ScreenBuffer(width: width, height: height)
  }

  /// How the cell at (x, y) would look on this terminal.
  public func look(x: Int, y: Int) -> ResolvedStyle { theme.style(screen[x, y].style) }

  public func resize(width: Int, height: Int) {
    self.width = width
    self.height = height
    screen = ScreenBuffer(width: width, height: height)
  }

  /// Applies the runs as a terminal would, including what a real terminal
  /// does when half of a wide glyph is overwritten: the other half goes blank,
  /// so screen tests see the glyphs a user would, not the ones we meant.
  public func present(_ runs: [ScreenBuffer.Run], cursor: (x: Int, y: Int)?) {
    for run in runs {
      for (i, cell) in run.cells.enumerated() where run.x + i < width && run.y < height {
        let x = run.x + i
        let y = run.y
        if cell.continuation {
          // The wide character before it was written with it; only its marker changes.
          screen[x, y] = cell
          continue
        }
        if screen[x, y].continuation, x > 0 { screen[x - 1, y] = Cell(character: " ", style: screen[x - 1, y].style) }
        let wide = DisplayWidth.of(cell.character) == 2
        let after = x + (wide ? 2 : 1)
        if after < width, screen[after, y].continuation {
          screen[after, y] = Cell(character: " ", style: screen[after, y].style)
        }
        screen[x, y] = cell
        if wide, x + 1 < width { screen[x + 1, y] = Cell(character: " ", style: cell.style, continuation: true) }
        cellsWritten += 1
      }
    }
    self.cursor = cursor
  }

  public func readKeys() -> [Key] {
    defer { pendingKeys = [] }
    return pendingKeys
  }

  public func bell() { bells += 1 }

  /// What was sent to the clipboard, in order.
  public private(set) var copied: [String] = []
  public func copyToClipboard(_ text: String) { copied.append(text) }
}
