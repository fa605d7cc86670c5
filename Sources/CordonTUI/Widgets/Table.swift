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

/// A table's rows in display order, without their cells: a row is
/// formatted only when something reads it (the drawn rows, the selected
/// one), so a 10,000-row table costs what its order costs. The order, the
/// filter and the selection's lookup run on each pane's data (typed sort
/// keys, the fields it searches), never on formatted text.
public struct TableRows: RandomAccessCollection, Sendable {
  /// What one pane's rows are made from.
  final class Source: Sendable {
    let count: Int
    let id: @Sendable (Int) -> String
    let row: @Sendable (Int) -> TableRow
    /// Whether the row's data contains every (lowercased) word; each word within one field.
    let matches: @Sendable (Int, [String]) -> Bool
    /// The row with this id, found on data; nil where the pane has no faster way than a scan.
    let position: (@Sendable (String) -> Int?)?
    init(
      count: Int, id: @escaping @Sendable (Int) -> String, row: @escaping @Sendable (Int) -> TableRow,
      matches: @escaping @Sendable (Int, [String]) -> Bool, position: (@Sendable (String) -> Int?)?
    ) {
      self.count = count
      self.id = id
      self.row = row
      self.matches = matches
      self.position = position
    }
  }

  private let source: Source
  /// The source's rows the filter kept, ascending; nil when unfiltered.
  private let picked: [Int]?

  private init(source: Source, picked: [Int]?) {
    self.source = source
    self.picked = picked
  }

  /// Rows already made (small tables): the filter matches each row's search text.
  public init(_ rows: [TableRow]) {
    self.init(
      source: Source(
        count: rows.count, id: { rows[$0].id }, row: { rows[$0] },
        matches: { i, words in
          let hay = rows[i].searchText.lowercased()
          return words.allSatisfy { hay.contains($0) }
        }, position: nil),
      picked: nil)
  }

  /// Rows made on demand from `handles`, already in display order. `search`
  /// gives the fields the filter looks in (ids, names in both languages,
  /// arguments); `position` finds a row by id on data (a binary search on
  /// its sort key), or nil to scan.
  public init<Handle: Sendable>(
    _ handles: [Handle], id: @escaping @Sendable (Handle) -> String, row: @escaping @Sendable (Handle) -> TableRow,
    search: @escaping @Sendable (Handle) -> [String], position: (@Sendable (String) -> Int?)? = nil
  ) {
    self.init(
      source: Source(
        count: handles.count, id: { id(handles[$0]) }, row: { row(handles[$0]) },
        matches: { i, words in TableRows.contains(words, in: search(handles[i])) }, position: position),
      picked: nil)
  }

  /// Every word in one of `fields`, ignoring case.
  static func contains(_ words: [String], in fields: [String]) -> Bool {
    let lowered = fields.map { $0.lowercased() }
    return words.allSatisfy { w in lowered.contains { $0.contains(w) } }
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { picked?.count ?? source.count }
  public subscript(position: Int) -> TableRow { source.row(base(position)) }

  private func base(_ i: Int) -> Int { picked.map { $0[i] } ?? i }

  /// The id of the row at `i`, without formatting the row.
  public func id(at i: Int) -> String { source.id(base(i)) }

  /// Where the row with `id` is, or nil.
  public func index(ofID id: String) -> Int? {
    guard let find = source.position else { return indices.first { self.id(at: $0) == id } }
    guard let b = find(id) else { return nil }
    guard let picked else { return b }
    // Picked positions ascend: a binary search.
    var (lo, hi) = (0, picked.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if picked[mid] < b { lo = mid + 1 } else { hi = mid }
    }
    return lo < picked.count && picked[lo] == b ? lo : nil
  }

  /// The row with `id`, formatted, or nil.
  public func row(withID id: String) -> TableRow? { index(ofID: id).map { self[$0] } }

  /// The ids of every row, in order (formats nothing).
  public var ids: [String] { indices.map { id(at: $0) } }

  /// Rows whose data contains every space-separated word of `filter`, ignoring case.
  public func filtered(_ filter: String) -> TableRows {
    let words = filter.lowercased().split(separator: " ").map(String.init)
    guard !words.isEmpty else { return self }
    let kept = indices.map(base).filter { source.matches($0, words) }
    return TableRows(source: source, picked: kept)
  }
}

public struct TableData: Sendable {
  public var columns: [TableColumn]
  public var rows: TableRows
  public var footer: TableRow?
  public init(columns: [TableColumn], rows: [TableRow], footer: TableRow? = nil) {
    self.init(columns: columns, rows: TableRows(rows), footer: footer)
  }
  public init(columns: [TableColumn], rows: TableRows, footer: TableRow? = nil) {
    self.columns = columns
    self.rows = rows
    self.footer = footer
  }

  /// Rows whose data contains every space-separated word of `filter`, ignoring case.
  public func filtered(_ filter: String) -> TableRows { rows.filtered(filter) }

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
  public mutating func reconcile(rows: TableRows, visibleRows: Int) {
    if let id = selectedID, rows.indices.contains(selectedIndex), rows.id(at: selectedIndex) == id {
      // Still where it was: the common case, and the only one that must be fast.
    } else if let id = selectedID, let i = rows.index(ofID: id) {
      selectedIndex = i
    } else {
      selectedIndex = max(0, min(selectedIndex, rows.count - 1))
    }
    selectedID = rows.indices.contains(selectedIndex) ? rows.id(at: selectedIndex) : nil
    clampScroll(count: rows.count, visibleRows: visibleRows)
  }

  public mutating func move(by delta: Int, rows: TableRows, visibleRows: Int) {
    guard !rows.isEmpty else { return }
    selectedIndex = max(0, min(rows.count - 1, selectedIndex.clampedAdding(delta)))
    selectedID = rows.id(at: selectedIndex)
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
    _ data: TableData, rows: TableRows, state: TableState, focused: Bool, in rect: Rect, buffer: inout ScreenBuffer
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
