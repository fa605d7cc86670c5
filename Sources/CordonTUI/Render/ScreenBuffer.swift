import CordonModel

/// One screen cell. A double-width character sits in its first cell; the cell
/// to its right is a `continuation` and is never drawn on its own.
public struct Cell: Sendable, Equatable {
  public var character: Character
  public var style: StyleToken
  public var continuation: Bool

  public static let blank = Cell(character: " ", style: .normal, continuation: false)
  public init(character: Character, style: StyleToken, continuation: Bool = false) {
    self.character = character
    self.style = style
    self.continuation = continuation
  }
}

/// The in-memory grid views draw into. Backends write only the difference
/// from the previous frame.
public struct ScreenBuffer: Sendable, Equatable {
  public private(set) var width: Int
  public private(set) var height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: .blank, count: self.width * self.height)
  }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  public mutating func clear() {
    for i in cells.indices { cells[i] = .blank }
  }

  public mutating func fill(_ rect: Rect, style: StyleToken) {
    let r = rect.intersection(Rect(x: 0, y: 0, width: width, height: height))
    guard r.width > 0, r.height > 0 else { return }
    for y in r.y..<r.maxY {
      // A wide character cut by either edge of the rectangle goes whole,
      // as in `put`: the terminal would blank its other half anyway.
      repairWideNeighbours(x: r.x, y: y, width: r.width)
      for x in r.x..<r.maxX { self[x, y] = Cell(character: " ", style: style) }
    }
  }

  /// Writes `text` at (x, y), never past `maxWidth` cells nor the screen edge.
  /// Returns the cells used. Control characters are dropped; a wide character
  /// that does not fit is replaced by padding.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, maxWidth: Int? = nil, style: StyleToken) -> Int {
    guard y >= 0, y < height, x < width else { return 0 }
    let limit = min(maxWidth ?? width, width - max(x, 0))
    guard limit > 0 else { return 0 }
    if text.utf8.allSatisfy({ $0 < 0x80 }) { return putASCII(text, x: x, y: y, limit: limit, style: style) }
    var col = x
    var used = 0
    // One pass: measure, clip and write together. Zero-width characters
    // (controls removed, marks that cannot stand alone in a cell) are skipped.
    for ch in text {
      let w = DisplayWidth.of(ch)
      if w == 0 { continue }
      if used + w > limit {
        // A wide character that does not fit becomes padding, never half a glyph.
        while used < limit {
          if col >= 0 {
            repairWideNeighbours(x: col, y: y, width: 1)
            self[col, y] = Cell(character: " ", style: style)
          }
          col += 1
          used += 1
        }
        break
      }
      if col >= 0 {
        repairWideNeighbours(x: col, y: y, width: w)
        self[col, y] = Cell(character: ch, style: style)
        if w == 2 { self[col + 1, y] = Cell(character: " ", style: style, continuation: true) }
      }
      col += w
      used += w
    }
    return used
  }

  /// `put` for ASCII text (numbers, ids, ages, most labels in English):
  /// each byte is a character one cell wide, or a control that is dropped,
  /// so nothing is measured nor broken into graphemes.
  private mutating func putASCII(_ text: String, x: Int, y: Int, limit: Int, style: StyleToken) -> Int {
    var col = x
    var used = 0
    for b in text.utf8 where b >= 0x20 && b != 0x7F {
      guard used < limit else { break }
      if col >= 0 {
        repairWideNeighbours(x: col, y: y, width: 1)
        self[col, y] = Cell(character: Character(Unicode.Scalar(b)), style: style)
      }
      col += 1
      used += 1
    }
    return used
  }

  /// Writes `count` copies of `ch` from (x, y), as `put` would write them
  /// repeated, without measuring each: box lines. Returns the cells used.
  @discardableResult
  public mutating func putRepeated(_ ch: Character, count: Int, x: Int, y: Int, style: StyleToken) -> Int {
    guard DisplayWidth.of(ch) == 1 else {
      return put(String(repeating: String(ch), count: max(0, count)), x: x, y: y, style: style)
    }
    guard y >= 0, y < height, count > 0 else { return 0 }
    let from = max(x, 0)
    let to = min(x + count, width)
    guard from < to else { return 0 }
    // Within the run every cell is overwritten: only its two edges can cut a wide character.
    repairWideNeighbours(x: from, y: y, width: to - from)
    let cell = Cell(character: ch, style: style)
    for c in from..<to { self[c, y] = cell }
    return to - x
  }

  /// Overwriting half of a wide character leaves the other half as a blank,
  /// so no stray half-glyph is ever drawn.
  private mutating func repairWideNeighbours(x: Int, y: Int, width w: Int) {
    if self[x, y].continuation, x > 0 { self[x - 1, y] = Cell(character: " ", style: self[x - 1, y].style) }
    let after = x + w
    if after < self.width, self[after, y].continuation {
      self[after, y] = Cell(character: " ", style: self[after, y].style)
    }
  }

  /// Every wide character is followed by its continuation cell and every
  /// continuation cell follows a wide character: what a terminal can show.
  public var isConsistent: Bool {
    for y in 0..<height {
      var x = 0
      while x < width {
        let c = self[x, y]
        if c.continuation { return false }
        if DisplayWidth.of(c.character) == 2 {
          guard x + 1 < width, self[x + 1, y].continuation else { return false }
          x += 2
        } else {
          x += 1
        }
      }
    }
    return true
  }

  /// Text of one row as a terminal would show it (for tests and captures).
  public func line(_ y: Int) -> String {
    var s = ""
    for x in 0..<width where !self[x, y].continuation { s.append(self[x, y].character) }
    return s
  }

  public var lines: [String] { (0..<height).map(line) }

  /// Runs of cells that differ from `previous`, row by row, for the backend.
  /// A run never starts on a continuation cell, so a wide character is always
  /// redrawn whole.
  public func diff(from previous: ScreenBuffer?) -> [Run] {
    guard let previous, previous.width == width, previous.height == height else {
      return (0..<height).map { Run(x: 0, y: $0, cells: Array(cells[($0 * width)..<(($0 + 1) * width)])) }
    }
    var runs: [Run] = []
    for y in 0..<height {
      var x = 0
      let base = y * width
      while x < width {
        if cells[base + x] == previous.cells[base + x] {
          x += 1
          continue
        }
        var start = x
        if cells[base + start].continuation, start > 0 { start -= 1 }
        var end = x
        while end < width && cells[base + end] != previous.cells[base + end] { end += 1 }
        // Include the second half of a wide character that ends the run.
        if end < width && cells[base + end].continuation { end += 1 }
        runs.append(Run(x: start, y: y, cells: Array(cells[(base + start)..<(base + end)])))
        x = end
      }
    }
    return runs
  }

  public struct Run: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var cells: [Cell]
    public init(x: Int, y: Int, cells: [Cell]) {
      self.x = x
      self.y = y
      self.cells = cells
    }
  }
}

public struct Rect: Sendable, Equatable, CustomStringConvertible {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }
  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  public var description: String { "\(x),\(y) \(width)x\(height)" }
  public func intersection(_ o: Rect) -> Rect {
    let nx = max(x, o.x)
    let ny = max(y, o.y)
    return Rect(x: nx, y: ny, width: max(0, min(maxX, o.maxX) - nx), height: max(0, min(maxY, o.maxY) - ny))
  }
  public func inset(_ d: Int) -> Rect {
    Rect(x: x + d, y: y + d, width: max(0, width - 2 * d), height: max(0, height - 2 * d))
  }
}
