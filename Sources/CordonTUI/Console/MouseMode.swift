import CordonModel

/// Mouse events in the update function. Nothing needs the mouse: each event
/// does what a key already does. On the panes: a click on the tab strip
/// switches panes, a click in a pane focuses it and selects the row under
/// the pointer, a double click opens that row's detail, the wheel moves the
/// selection. In help, details and reports the wheel scrolls. Elsewhere
/// (forms, prompts, questions) the mouse does nothing.
enum MouseMode {
  static let wheelStep = 3

  static func event(_ m: inout ConsoleModel, _ e: MouseEvent) -> [ConsoleEffect] {
    switch m.mode {
    case .normal: return onPanes(&m, e)
    case .help(let scroll):
      m.mode = .help(scroll: wheel(scroll, e))
    case .detail(let pane, let id, let scroll):
      m.mode = .detail(pane: pane, rowID: id, scroll: wheel(scroll, e))
    case .overlay(let title, let lines, let scroll):
      m.mode = .overlay(title: title, lines: lines, scroll: wheel(scroll, e))
    case .form(var f):
      // A click on a field's line focuses it, as Tab would; nothing else in a form reacts to the mouse.
      guard e.kind == .click || e.kind == .doubleClick, !f.submitting,
        let i = OverlayView.formField(at: e.x, e.y, f, in: m.layout.body)
      else { return [] }
      f.focus = i
      m.mode = .form(f)
    default: break
    }
    return []
  }

  private static func wheel(_ scroll: Int, _ e: MouseEvent) -> Int {
    switch e.kind {
    case .wheelUp: max(0, scroll - wheelStep)
    case .wheelDown: scroll + wheelStep
    case .click, .doubleClick: scroll
    }
  }

  private static func onPanes(_ m: inout ConsoleModel, _ e: MouseEvent) -> [ConsoleEffect] {
    let layout = m.layout
    if let strip = layout.tabs, strip.contains(x: e.x, y: e.y) {
      guard e.kind == .click || e.kind == .doubleClick else { return [] }
      if m.focus == .org {
        // The organisation view's strip holds its sections.
        let tabs = OrgPane.sectionTabs(m.options.org, state: m.state, strings: m.strings, in: strip)
        if let tab = tabs.first(where: { e.x >= $0.x && e.x < $0.x + $0.width }), let s = tab.section {
          m.options.org.section = s
        }
        return []
      }
      if m.focus == .fund {
        let tabs = FundPane.sectionTabs(m.options.fund, state: m.state, strings: m.strings, in: strip)
        if let tab = tabs.first(where: { e.x >= $0.x && e.x < $0.x + $0.width }) { m.options.fund = tab.section }
        return []
      }
      let tabs = HeaderView.tabs(counts: m.paneCounts(), strings: m.strings, in: strip)
      if let tab = tabs.first(where: { e.x >= $0.x && e.x < $0.x + $0.width }) { return m.focus(tab.kind) }
      return []
    }
    guard let hit = layout.panes.first(where: { $0.value.contains(x: e.x, y: e.y) }) else { return [] }
    let (pane, rect) = (hit.key, hit.value)
    _ = m.focus(pane)
    switch e.kind {
    case .wheelUp: return m.moveSelection(by: -wheelStep)
    case .wheelDown: return m.moveSelection(by: wheelStep)
    case .click, .doubleClick:
      // Rows start under the box's top edge and the column titles.
      let rows = m.visibleRows(pane)
      let index = (m.tables[pane]?.scroll ?? 0) + (e.y - rect.y - 2)
      guard e.y >= rect.y + 2, e.y < rect.y + 2 + m.pageSize(pane), rows.indices.contains(index) else { return [] }
      let current = m.tables[pane]?.selectedIndex ?? 0
      _ = m.moveSelection(by: index - current)
      if e.kind == .doubleClick, let id = m.selectedRowID { m.mode = .detail(pane: pane, rowID: id, scroll: 0) }
      return []
    }
  }
}

extension Rect {
  func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
}
