/// Where everything goes for a terminal size. Pure, so every size is tested.
public struct ScreenLayout: Sendable, Equatable {
  public enum Mode: Sendable, Equatable {
    /// 120x36 and larger: the first four panes at once.
    case grid
    /// Smaller, or a pane beyond the first four in focus: one pane at full size under a tab strip.
    case single
    /// Below 60x15: only a message saying what size is needed.
    case tooSmall
  }

  public static let gridMinimum = (width: 120, height: 36)
  public static let minimum = (width: 60, height: 15)

  public var mode: Mode
  public var header: Rect
  public var tabs: Rect?
  public var panes: [PaneKind: Rect]
  public var prompt: Rect
  public var hints: Rect
  /// Between the header and the prompt: where help, details and forms are drawn over the panes.
  public var body: Rect

  /// `panes`: every pane in tab order; the first four make the grid.
  public init(width: Int, height: Int, focus: PaneKind, panes kinds: [PaneKind] = PaneKind.allCases) {
    let full = Rect(x: 0, y: 0, width: width, height: height)
    guard width >= Self.minimum.width, height >= Self.minimum.height else {
      self.mode = .tooSmall
      self.header = full
      self.tabs = nil
      self.panes = [:]
      self.prompt = Rect(x: 0, y: 0, width: 0, height: 0)
      self.hints = Rect(x: 0, y: 0, width: 0, height: 0)
      self.body = Rect(x: 0, y: 0, width: 0, height: 0)
      return
    }
    header = Rect(x: 0, y: 0, width: width, height: 1)
    prompt = Rect(x: 0, y: height - 2, width: width, height: 1)
    hints = Rect(x: 0, y: height - 1, width: width, height: 1)
    body = Rect(x: 0, y: 1, width: width, height: height - 3)
    let grid = Array(kinds.prefix(4))
    if width >= Self.gridMinimum.width && height >= Self.gridMinimum.height && grid.contains(focus) {
      mode = .grid
      tabs = nil
      let top = 1
      let bodyHeight = height - 3
      let leftWidth = width / 2
      let topHeight = bodyHeight / 2
      let cells = [
        Rect(x: 0, y: top, width: leftWidth, height: topHeight),
        Rect(x: leftWidth, y: top, width: width - leftWidth, height: topHeight),
        Rect(x: 0, y: top + topHeight, width: leftWidth, height: bodyHeight - topHeight),
        Rect(x: leftWidth, y: top + topHeight, width: width - leftWidth, height: bodyHeight - topHeight),
      ]
      panes = Dictionary(uniqueKeysWithValues: zip(grid, cells).map { ($0, $1) })
    } else {
      mode = .single
      tabs = Rect(x: 0, y: 1, width: width, height: 1)
      panes = [focus: Rect(x: 0, y: 2, width: width, height: height - 4)]
    }
  }

  /// Rows of data a pane shows: its box, the column titles and any footer take the rest.
  public static func bodyRows(_ rect: Rect, hasFooter: Bool) -> Int {
    max(1, rect.height - 3 - (hasFooter ? 1 : 0))
  }
}
