import CordonModel

/// A column of a pane's table. Columns shrink to their minimum and, when
/// even that does not fit, the lowest-priority ones are dropped whole.
public struct TableColumn: Sendable, Equatable {
  public var title: String
  public var minWidth: Int
  public var maxWidth: Int
  public var alignRight: Bool
  /// Higher stays longer as the pane narrows.
  public var priority: Int
  public init(_ title: String, min: Int, max: Int, right: Bool = false, priority: Int = 5) {
    self.title = title
    self.minWidth = min
    self.maxWidth = max
    self.alignRight = right
    self.priority = priority
  }
}

public struct TableCell: Sendable, Equatable {
  public var text: String
  public var style: StyleToken
  public init(_ text: String, _ style: StyleToken = .normal) {
    self.text = text
    self.style = style
  }
}

public struct TableRow: Sendable, Equatable {
  /// Stable identity: selection follows the row as live data reorders it.
  public var id: String
  public var cells: [TableCell]
  /// What `/` matches against (both languages' names, ids).
  public var searchText: String
  public init(id: String, cells: [TableCell], searchText: String) {
    self.id = id
    self.cells = cells
    self.searchText = searchText
  }
}

public struct TableData: Sendable, Equatable {
  public var columns: [TableColumn]
  public var rows: [TableRow]
  public var footer: TableRow?
  public init(columns: [TableColumn], rows: [TableRow], footer: TableRow? = nil) {
    self.columns = columns
    self.rows = rows
    self.footer = footer
  }

  /// Rows whose search text contains every space-separated word of `filter`, ignoring case.
  public func filtered(_ filter: String) -> [TableRow] {
    let words = filter.lowercased().split(separator: " ").map(String.init)
    guard !words.isEmpty else { return rows }
    return rows.filter { row in
      let hay = row.searchText.lowercased()
      return words.allSatisfy { hay.contains($0) }
    }
  }

  /// Column widths for `width` cells (one space between columns); dropped columns get 0.
  public func layout(width: Int) -> [Int] {
    var active = Array(columns.indices)
    func needed(_ idx: [Int]) -> Int { idx.reduce(0) { $0 + columns[$1].minWidth } + max(0, idx.count - 1) }
    while needed(active) > width && active.count > 1 {
      // Drop the lowest priority; among equals, the rightmost.
      guard let drop = active.min(by: { (columns[$0].priority, -$0) < (columns[$1].priority, -$1) }) else { break }
      active.removeAll { $0 == drop }
    }
    var widths = Array(repeating: 0, count: columns.count)
    for i in active { widths[i] = columns[i].minWidth }
    var spare = width - needed(active)
    // Spare cells go to the most important columns first, each up to its maximum.
    let byPriority = active.sorted { (columns[$0].priority, -$0) > (columns[$1].priority, -$1) }
    for i in byPriority where spare > 0 {
      let give = min(spare, columns[i].maxWidth - widths[i])
      widths[i] += give
      spare -= give
    }
    if active.count == 1, let only = active.first { widths[only] = min(width, max(widths[only], width)) }
    return widths
  }
}

/// Selection, scroll and filter of one table: the only mutable part of a pane.
public struct TableState: Sendable, Equatable {
  public var selectedID: String?
  public var selectedIndex = 0
  public var scroll = 0
  public var filter = ""
  public init() {}

  /// Re-finds the selected row after the data changed.
  public mutating func reconcile(rows: [TableRow], visibleRows: Int) {
    if let id = selectedID, rows.indices.contains(selectedIndex), rows[selectedIndex].id == id {
      // Still where it was: the common case, and the only one that must be fast.
    } else if let id = selectedID, let i = rows.firstIndex(where: { $0.id == id }) {
      selectedIndex = i
    } else {
      selectedIndex = min(selectedIndex, max(0, rows.count - 1))
    }
    selectedID = rows.indices.contains(selectedIndex) ? rows[selectedIndex].id : nil
    clampScroll(count: rows.count, visibleRows: visibleRows)
  }

  public mutating func move(by delta: Int, rows: [TableRow], visibleRows: Int) {
    guard !rows.isEmpty else { return }
    selectedIndex = max(0, min(rows.count - 1, selectedIndex + delta))
    selectedID = rows[selectedIndex].id
    clampScroll(count: rows.count, visibleRows: visibleRows)
  }

  mutating func clampScroll(count: Int, visibleRows: Int) {
    let v = max(1, visibleRows)
    if selectedIndex < scroll { scroll = selectedIndex }
    if selectedIndex >= scroll + v { scroll = selectedIndex - v + 1 }
    scroll = max(0, min(scroll, max(0, count - v)))
  }
}

/// Draws a table into a rectangle: a title row of column names, the visible
/// rows with the selection highlighted, and the footer on the last line.
public enum TableView {
  public static func draw(
    _ data: TableData, rows: [TableRow], state: TableState, focused: Bool, in rect: Rect, buffer: inout ScreenBuffer
  ) {
    guard rect.width > 0, rect.height > 0 else { return }
    let widths = data.layout(width: rect.width)
    drawRow(
      data.columns.map { TableCell($0.title, .title) }, data: data, widths: widths, x: rect.x, y: rect.y,
      width: rect.width, rowStyle: nil, buffer: &buffer)
    let footerLines = data.footer == nil ? 0 : 1
    let body = max(0, rect.height - 1 - footerLines)
    for i in 0..<body {
      let index = state.scroll + i
      guard index < rows.count else { break }
      let selected = index == state.selectedIndex
      drawRow(
        rows[index].cells, data: data, widths: widths, x: rect.x, y: rect.y + 1 + i, width: rect.width,
        rowStyle: selected ? (focused ? .selection : .muted) : nil, buffer: &buffer)
    }
    // The footer (totals) is one line across the whole width, not columns.
    if let footer = data.footer, rect.height >= 2 {
      let text = footer.cells.map(\.text).joined(separator: " ")
      buffer.put(text, x: rect.x, y: rect.maxY - 1, maxWidth: rect.width, style: footer.cells.first?.style ?? .title)
    }
  }

  static func drawRow(
    _ cells: [TableCell], data: TableData, widths: [Int], x: Int, y: Int, width: Int, rowStyle: StyleToken?,
    buffer: inout ScreenBuffer
  ) {
    if let rowStyle { buffer.fill(Rect(x: x, y: y, width: width, height: 1), style: rowStyle) }
    var col = x
    for (i, w) in widths.enumerated() where w > 0 {
      let cell = i < cells.count ? cells[i] : TableCell("")
      // A selected row keeps its severity colours on the severity cell only, so the selection stays visible.
      let style: StyleToken =
        rowStyle.map { cell.style == .critical || cell.style == .warning ? cell.style : $0 } ?? cell.style
      let room = min(w, x + width - col)
      // The whole cell takes the cell's style (a critical cell is red across
      // its width); the text goes left, or right for numbers.
      if style != .normal && rowStyle == nil || rowStyle != nil && style != rowStyle {
        buffer.fill(Rect(x: col, y: y, width: room, height: 1), style: style)
      }
      let offset = data.columns[i].alignRight ? max(0, room - DisplayWidth.of(cell.text)) : 0
      buffer.put(cell.text, x: col + offset, y: y, maxWidth: room - offset, style: style)
      col += w + 1
      if col >= x + width { break }
    }
  }
}
