import CordonModel
import CordonSession
import EventSourcing

/// Draws the model into a buffer. Pure: the model is read, never changed.
public enum ConsoleView {
  /// Draws the whole screen. Returns where the cursor belongs, if anywhere.
  @discardableResult
  public static func draw(_ m: ConsoleModel, into buffer: inout ScreenBuffer) -> (x: Int, y: Int)? {
    buffer.clear()
    let strings = m.strings
    let layout = ScreenLayout(width: buffer.width, height: buffer.height, focus: m.focus)
    if layout.mode == .tooSmall {
      // Even here a drill's copy says it is an exercise first.
      let drill = m.state.isExercise ? strings("drill.banner", "") : ""
      drawTooSmall(drill + strings("size.tooSmall", String(buffer.width), String(buffer.height)), into: &buffer)
      return nil
    }
    let state = m.state
    let info = m.displayInfo
    let now = m.now
    let counts = m.paneCounts()
    HeaderView.draw(
      state: state, info: info, now: now, counts: counts, strings: strings, newCritical: m.newCritical,
      in: layout.header, buffer: &buffer)
    let body = layout.body
    if FirstRun.applies(m) {
      // No organisation: what to do, not four empty panes.
      FirstRun.draw(m, in: body, buffer: &buffer)
    } else {
      if let tabs = layout.tabs {
        if m.focus == .org {
          OrgPane.drawSections(m.options.org, state: state, strings: strings, in: tabs, buffer: &buffer)
        } else if m.focus == .fund {
          FundPane.drawSections(m.options.fund, state: state, strings: strings, in: tabs, buffer: &buffer)
        } else {
          HeaderView.drawTabs(counts: counts, focus: m.focus, strings: strings, in: tabs, buffer: &buffer)
        }
      }
      for (pane, rect) in layout.panes.sorted(by: { $0.key.index < $1.key.index }) {
        drawPane(m, pane, counts: counts, in: rect, buffer: &buffer)
      }
    }
    let readOnly = m.readOnly
    HeaderView.drawHints(
      keymap: m.keymap, pane: m.focus, readOnly: readOnly, strings: strings, in: layout.hints, buffer: &buffer)
    var cursor: (x: Int, y: Int)? = nil
    switch m.mode {
    case .filter(let e): cursor = drawPrompt(strings("filter.prompt"), e, layout.prompt, &buffer)
    case .command(let e): cursor = drawPrompt(strings("command.prompt"), e, layout.prompt, &buffer)
    case .confirmQuit: buffer.put(strings("quit.confirm"), x: 0, y: layout.prompt.y, style: .warning)
    case .confirmDiscard: buffer.put(strings("form.discard"), x: 0, y: layout.prompt.y, style: .warning)
    case .confirm(let question, _): buffer.put(question + " (y/n)", x: 0, y: layout.prompt.y, style: .warning)
    default: drawStatusLine(m, info: info, in: layout.prompt, buffer: &buffer)
    }
    switch m.mode {
    case .help(let scroll):
      OverlayView.drawHelp(
        keymap: m.keymap, pane: m.focus, readOnly: readOnly, strings: strings, scroll: scroll, in: body,
        buffer: &buffer)
    case .detail(let pane, let id, let scroll):
      let (title, lines) = Panes.pane(pane).detail(rowID: id, m.context())
      OverlayView.drawText(
        title: title, lines: lines, footer: strings("help.close"), scroll: scroll, in: body, buffer: &buffer)
    case .overlay(let title, let lines, let scroll):
      OverlayView.drawText(
        title: title, lines: lines, footer: strings("help.close"), scroll: scroll, in: body, buffer: &buffer)
    case .form(let f), .confirmQuit(let f?), .confirmDiscard(let f):
      cursor = OverlayView.drawForm(f, strings: strings, in: body, buffer: &buffer)
    default: break
    }
    return cursor
  }

  /// The status, else a pending directive, else a recovery warning, else a store error.
  private static func drawStatusLine(_ m: ConsoleModel, info: SourceInfo, in r: Rect, buffer: inout ScreenBuffer) {
    let strings = m.strings
    let state = m.state
    if let s = m.status {
      buffer.put(s.text, x: 0, y: r.y, style: s.style)
    } else if let unit = info.unit, m.viewAt == nil,
      let d = state.directives.values.filter({ $0.targets.contains(unit) && !$0.isAcknowledged(by: unit) })
        .min(by: { $0.deadline < $1.deadline })
    {
      // A directive stays on its target's console until that unit acknowledges it.
      buffer.put(
        strings(
          "directive.banner", d.id, d.text.replacingOccurrences(of: "\n", with: " "), state.calendar.format(d.deadline)),
        x: 0, y: r.y, style: .badge)
    } else if let r0 = DutyPane.waitingBanner(state, unit: info.unit, live: m.viewAt == nil) {
      // HQ's console hears of an urgent or immediate report up at once, whatever pane is shown.
      let text = strings(
        "duty.banner", strings("priority.\(r0.priority.rawValue)"), r0.id, state.unitName(r0.unit, strings.language),
        DutyLogText.excerpt(r0.text))
      buffer.put(text, x: 0, y: r.y, style: r0.priority == .immediate ? .critical : .warning)
    } else if let w = info.warnings.first {
      buffer.put(strings("header.recovered", w), x: 0, y: r.y, style: .warning)
    } else if let reason = info.readOnlyReason, info.at == nil {
      buffer.put(strings("header.storeError", reason), x: 0, y: r.y, style: .critical)
    }
  }

  private static func drawTooSmall(_ message: String, into buffer: inout ScreenBuffer) {
    for (y, line) in DisplayWidth.wrap(message, to: buffer.width).prefix(buffer.height).enumerated() {
      buffer.put(line, x: 0, y: y, style: .warning)
    }
  }

  private static func drawPrompt(_ label: String, _ e: LineEditor, _ rect: Rect, _ buffer: inout ScreenBuffer) -> (
    x: Int, y: Int
  ) {
    let used = buffer.put(label, x: rect.x, y: rect.y, style: .title)
    let width = rect.width - used
    let (text, cx) = e.visible(width: width)
    buffer.fill(Rect(x: rect.x + used, y: rect.y, width: width, height: 1), style: .input)
    buffer.put(text, x: rect.x + used, y: rect.y, maxWidth: width, style: .input)
    return (rect.x + used + cx, rect.y)
  }

  private static func drawPane(
    _ m: ConsoleModel, _ pane: PaneKind, counts: PaneCounts, in rect: Rect, buffer: inout ScreenBuffer
  ) {
    let (data, rows) = m.tableData(pane)
    let focused = pane == m.focus
    let spec = Panes.pane(pane)
    // A view outside the tab strip (the organisation) has no number key.
    let number = Panes.kinds.contains(pane) ? "\(pane.index + 1) " : ""
    var title = number + m.strings(pane.titleKey) + spec.titleSuffix(counts[pane], m.strings)
    let filter = m.tables[pane]?.filter ?? ""
    if !filter.isEmpty { title += " /\(filter) (\(rows.count)/\(data.rows.count))" }
    BoxView.draw(title: title, focused: focused, in: rect, buffer: &buffer)
    // The update function kept the selection within these rows; a pane on
    // screen for the first time (no update since) starts at the top.
    var t = m.tables[pane] ?? TableState()
    t.reconcile(rows: rows, visibleRows: ScreenLayout.bodyRows(rect, hasFooter: data.footer != nil))
    TableView.draw(data, rows: rows, state: t, focused: focused, in: rect.inset(1), buffer: &buffer)
  }
}
