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
    let note = Panes.pane(pane).helpNote(t)
    if !note.isEmpty { lines += [""] + note }
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

  /// Where a form's parts go. Two rows a field (its line, then its error)
  /// when they fit; else one row a field, errors on the line above the
  /// footer naming the field; and when even that does not fit, the rows
  /// scroll with the focus. A field is shown whole or not at all. Read-only
  /// intro lines (a handover's checklist) go above the fields, in the room
  /// three fields leave; the last one shown says how many more there are.
  struct FormLayout: Equatable {
    var box: Rect
    var rowsPerField: Int
    /// The first field shown and how many are.
    var first: Int
    var shown: Int
    var intro: [String] = []

    /// The row of field `i`, if it is shown.
    func y(of i: Int) -> Int? {
      guard i >= first, i < first + shown else { return nil }
      return box.y + 1 + intro.count + (i - first) * rowsPerField
    }
  }

  static func labelWidth(_ f: Form) -> Int { max(8, f.fields.map { DisplayWidth.of($0.label) }.max() ?? 8) + 1 }

  /// The text of the error line when fields take one row each: the field named, the focused one's first.
  static func fieldErrorLine(_ f: Form) -> String? {
    let faulty =
      f.fields.indices.contains(f.focus) && f.fields[f.focus].error != nil
      ? f.fields[f.focus] : f.fields.first { $0.error != nil }
    return faulty.map { "\($0.label): \($0.error ?? "")" }
  }

  static func formLayout(_ f: Form, in body: Rect) -> FormLayout {
    let n = f.fields.count
    var intro = Array(f.intro.prefix(max(0, body.height - 5 - 2 * min(n, 3))))
    if intro.count < f.intro.count, !intro.isEmpty {
      intro[intro.count - 1] = "… +\(f.intro.count - intro.count + 1)"
    }
    let k = intro.count
    let two = n * 2 + 5 + k <= body.height
    // 64 cells wide, wider (up to the screen) when a refusal would not fit whole.
    var needs = [f.error.map { DisplayWidth.of("! " + $0) } ?? 0]
    if two {
      needs += f.fields.compactMap(\.error).map { DisplayWidth.of("! " + $0) + labelWidth(f) + 3 }
    } else if let e = fieldErrorLine(f) {
      needs.append(DisplayWidth.of("! " + e))
    }
    let width = max(f.intro.isEmpty ? 64 : 76, (needs.max() ?? 0) + 4)
    if two {
      return FormLayout(
        box: centred(in: body, width: width, height: n * 2 + 5 + k), rowsPerField: 2, first: 0, shown: n, intro: intro)
    }
    // Borders, the error line and the footer take four rows.
    let box = centred(in: body, width: width, height: n + 4 + k)
    let shown = max(1, min(n, box.height - 4 - k))
    let first = max(0, min(f.focus - shown / 2, n - shown))
    return FormLayout(box: box, rowsPerField: 1, first: first, shown: shown, intro: intro)
  }

  /// A form's box, for drawing and hit-testing alike.
  static func formBox(_ f: Form, in body: Rect) -> Rect { formLayout(f, in: body).box }

  /// The field whose line (or error line under it) is at (x, y), for a mouse click.
  static func formField(at x: Int, _ y: Int, _ f: Form, in body: Rect) -> Int? {
    let l = formLayout(f, in: body)
    let inner = l.box.inset(1)
    guard inner.contains(x: x, y: y), y >= inner.y + l.intro.count else { return nil }
    let i = l.first + (y - inner.y - l.intro.count) / l.rowsPerField
    return f.fields.indices.contains(i) && l.y(of: i) != nil ? i : nil
  }

  /// Returns where the cursor goes: at the focused field's insertion point.
  static func drawForm(_ f: Form, strings t: Strings, in body: Rect, buffer: inout ScreenBuffer) -> (x: Int, y: Int)? {
    let labelWidth = labelWidth(f)
    let l = formLayout(f, in: body)
    let r = l.box
    buffer.fill(r, style: .overlay)
    BoxView.draw(title: f.title, focused: true, in: r, buffer: &buffer)
    let inner = r.inset(1)
    for (i, line) in l.intro.enumerated() {
      buffer.put(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 2, style: .overlay)
    }
    var cursor: (x: Int, y: Int)? = nil
    for (i, field) in f.fields.enumerated() {
      guard let y = l.y(of: i), y < inner.maxY else { continue }
      let marker = i == f.focus ? ">" : " "
      buffer.put(
        marker + DisplayWidth.fit(field.label, to: labelWidth), x: inner.x, y: y,
        style: field.error != nil && l.rowsPerField == 1 ? .inputError : i == f.focus ? .title : .overlay)
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
      if l.rowsPerField == 2, let e = field.error, y + 1 < inner.maxY {
        buffer.put("! " + e, x: fx, y: y + 1, maxWidth: fw, style: .inputError)
      } else if l.rowsPerField == 2, let d = field.detail, y + 1 < inner.maxY - 1 {
        // A read-only line under the field (a handover item's text).
        buffer.put(d, x: inner.x + 3, y: y + 1, maxWidth: inner.width - 4, style: .muted)
      }
    }
    let footerY = inner.maxY - 1
    // One row a field: the error line names the field (the focused one's first).
    if let e = (l.rowsPerField == 1 ? fieldErrorLine(f) : nil) ?? f.error {
      buffer.put("! " + e, x: inner.x + 1, y: footerY - 1, maxWidth: inner.width - 2, style: .inputError)
    } else if l.rowsPerField == 1, f.fields.indices.contains(f.focus), let d = f.fields[f.focus].detail {
      // One row a field: the focused field's read-only line takes the error line.
      buffer.put(d, x: inner.x + 1, y: footerY - 1, maxWidth: inner.width - 2, style: .muted)
    }
    var hint = f.submitting ? t("form.saving") : "\(t("form.save"))  \(t("form.cancel"))  Tab/Up/Down"
    if l.shown < f.fields.count {
      // Which fields are shown comes first: on a narrow screen the key hints are what gets cut.
      hint = "(\(l.first + 1)-\(l.first + l.shown)/\(f.fields.count))  " + hint
    }
    buffer.put(hint, x: inner.x + 1, y: footerY, maxWidth: inner.width - 2, style: .muted)
    return cursor
  }
}
