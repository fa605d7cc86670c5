import CordonModel

/// Boxes drawn over the panes: help, details, forms.
enum OverlayView {
  static func centred(in body: Rect, width: Int, height: Int) -> Rect {
    let w = min(body.width, width)
    let h = min(body.height, height)
    return Rect(x: body.x + (body.width - w) / 2, y: body.y + (body.height - h) / 2, width: w, height: h)
  }

  /// The help lists every action visible here with all its keys, from the key table.
  static func drawHelp(
    keymap: KeyMap, pane: PaneKind, readOnly: Bool, strings t: Strings, scroll: Int, in body: Rect,
    buffer: inout ScreenBuffer
  ) {
    var lines: [String] = []
    var seen = Set<Action>()
    let visible = keymap.visible(pane: pane, readOnly: readOnly)
    for b in visible where !seen.contains(b.action) {
      seen.insert(b.action)
      let keys = visible.filter { $0.action == b.action }.map { $0.key.description }.joined(separator: " ")
      lines.append(DisplayWidth.fit(keys, to: 14) + " " + t("action.\(b.action.rawValue)"))
    }
    lines.append("")
    lines.append(DisplayWidth.fit(":" + LineCommands.completions.joined(separator: " "), to: 200))
    drawText(title: t("help.title"), lines: lines, footer: t("help.close"), scroll: scroll, in: body, buffer: &buffer)
  }

  static func drawText(
    title: String, lines: [String], footer: String, scroll: Int, in body: Rect, buffer: inout ScreenBuffer
  ) {
    let widest = lines.map { DisplayWidth.of($0) }.max() ?? 0
    let r = centred(
      in: body, width: max(40, min(widest + 4, body.width - 4)), height: min(lines.count + 3, body.height))
    buffer.fill(r, style: .overlay)
    BoxView.draw(title: title, focused: true, in: r, buffer: &buffer)
    let inner = r.inset(1)
    let rows = max(0, inner.height - 1)
    let start = max(0, min(scroll, max(0, lines.count - rows)))
    for (i, line) in lines.dropFirst(start).prefix(rows).enumerated() {
      buffer.put(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 2, style: .overlay)
    }
    buffer.put(footer, x: inner.x + 1, y: inner.maxY - 1, maxWidth: inner.width - 2, style: .muted)
  }

  /// A form's box: two rows a field (its line, then its error), a footer.
  static func formBox(_ f: Form, in body: Rect) -> Rect {
    centred(in: body, width: 64, height: f.fields.count * 2 + 5)
  }

  /// The field whose line (or error line under it) is at (x, y), for a mouse click.
  static func formField(at x: Int, _ y: Int, _ f: Form, in body: Rect) -> Int? {
    let inner = formBox(f, in: body).inset(1)
    guard inner.contains(x: x, y: y) else { return nil }
    let i = (y - inner.y) / 2
    return f.fields.indices.contains(i) ? i : nil
  }

  /// Returns where the cursor goes: at the focused field's insertion point.
  static func drawForm(_ f: Form, strings t: Strings, in body: Rect, buffer: inout ScreenBuffer) -> (x: Int, y: Int)? {
    let labelWidth = max(8, f.fields.map { DisplayWidth.of($0.label) }.max() ?? 8) + 1
    let r = formBox(f, in: body)
    buffer.fill(r, style: .overlay)
    BoxView.draw(title: f.title, focused: true, in: r, buffer: &buffer)
    let inner = r.inset(1)
    var cursor: (x: Int, y: Int)? = nil
    for (i, field) in f.fields.enumerated() {
      let y = inner.y + i * 2
      guard y < inner.maxY else { break }
      let marker = i == f.focus ? ">" : " "
      buffer.put(
        marker + DisplayWidth.fit(field.label, to: labelWidth), x: inner.x, y: y,
        style: i == f.focus ? .title : .overlay)
      let fx = inner.x + labelWidth + 2
      let fw = max(1, inner.maxX - fx - 1)
      buffer.fill(Rect(x: fx, y: y, width: fw, height: 1), style: .input)
      var (text, cx) = field.editor.visible(width: fw)
      if case .choice = field.kind {
        let m = field.matches
        let chosen = m.indices.contains(field.choiceIndex) ? m[field.choiceIndex].label : t("form.noMatch")
        let typed = field.editor.text
        text = DisplayWidth.clip(
          (typed.isEmpty ? "" : typed + " > ") + chosen
            + (m.count > 1 ? "  (\(field.choiceIndex + 1)/\(m.count))" : ""), to: fw)
        cx = DisplayWidth.of(typed)
      }
      buffer.put(text, x: fx, y: y, maxWidth: fw, style: .input)
      if i == f.focus { cursor = (min(fx + cx, inner.maxX - 1), y) }
      if let e = field.error, y + 1 < inner.maxY {
        buffer.put("! " + e, x: fx, y: y + 1, maxWidth: fw, style: .inputError)
      }
    }
    let footerY = inner.maxY - 1
    if let e = f.error {
      buffer.put("! " + e, x: inner.x + 1, y: footerY - 1, maxWidth: inner.width - 2, style: .inputError)
    }
    let hint = f.submitting ? t("form.saving") : "\(t("form.save"))  \(t("form.cancel"))  Tab/Up/Down"
    buffer.put(hint, x: inner.x + 1, y: footerY, maxWidth: inner.width - 2, style: .muted)
    return cursor
  }
}
