import CordonModel
import CordonSession
import EventSourcing

/// The header line, the tab strip of the small layout, and the hint bar.
enum HeaderView {
  static func draw(
    state: CordonState, info: SourceInfo, now: Instant, counts all: PaneCounts, strings t: Strings,
    newCritical: Bool, in r: Rect, buffer: inout ScreenBuffer
  ) {
    let counts = all.bySeverity
    buffer.fill(r, style: .header)
    // Alert counts are pinned to the right edge: they survive any width.
    var right =
      " \(t("severity.short.critical")) \(counts[.critical] ?? 0)  \(t("severity.short.warning")) \(counts[.warning] ?? 0) "
    if newCritical { right = " !!" + right }
    let rightWidth = DisplayWidth.of(right)
    buffer.put(right, x: r.maxX - rightWidth, y: r.y, style: (counts[.critical] ?? 0) > 0 ? .critical : .header)
    var parts: [(String, StyleToken)] = [(" \(t("app.group")) Cordon", .header)]
    if let at = info.at {
      parts.append((" " + t("header.at", state.calendar.format(at)) + " ", .badge))
    } else {
      parts.append((state.calendar.format(now), .header))
    }
    switch info.kind {
    case .embedded: parts.append((t("header.embedded"), .header))
    case .server:
      parts.append((t("header.server"), .header))
      if case .reconnecting = info.connection { parts.append((" " + t("header.reconnecting") + " ", .badge)) }
    }
    if info.isDemo { parts.append((t("header.demo"), .header)) }
    parts.append(("\(info.actor)\(info.unit.map { "@" + state.unitName($0, t.language) } ?? "")", .header))
    if info.isReadOnly { parts.append((" " + t("header.readOnly") + " ", .badge)) }
    if !info.warnings.isEmpty { parts.append((" ! " + t("header.warning") + " ", .badge)) }
    var x = r.x
    let limit = r.maxX - rightWidth - 1
    // Each part is shown whole or not at all; the first (the product) is always there.
    for (i, (text, style)) in parts.enumerated() {
      let w = DisplayWidth.of(text)
      guard i == 0 || x + w <= limit else { continue }
      x += buffer.put(text, x: x, y: r.y, maxWidth: max(0, limit - x), style: style)
      x += 2
    }
  }

  /// Tabs naming all four panes with live counts, for the one-pane layout.
  static func drawTabs(
    state: CordonState, now: Instant, counts all: PaneCounts, focus: PaneKind, strings t: Strings, in r: Rect,
    buffer: inout ScreenBuffer
  ) {
    buffer.fill(r, style: .tabInactive)
    let counts = all.bySeverity
    let (gaps, late, low) = (all.gaps, all.overdue, all.lowStock)
    let labels: [(PaneKind, String)] = [
      (.roster, gaps > 0 ? " !\(gaps)" : ""),
      (.checkpoints, late > 0 ? " !\(late)" : ""),
      (.stock, low > 0 ? " !\(low)" : ""),
      (
        .alerts,
        " \(t("severity.short.critical"))\(counts[.critical] ?? 0) \(t("severity.short.warning"))\(counts[.warning] ?? 0)"
      ),
    ]
    // The alerts tab is drawn last and right-aligned so its counts always show.
    let alertText = " 4 \(t(PaneKind.alerts.titleKey))\(labels[3].1) "
    let alertWidth = DisplayWidth.of(alertText)
    var x = r.x
    for (pane, extra) in labels.prefix(3) {
      let text = " \(pane.rawValue + 1) \(t(pane.titleKey))\(extra) "
      let avail = r.maxX - alertWidth - x
      guard avail > 0 else { break }
      x += buffer.put(text, x: x, y: r.y, maxWidth: avail, style: pane == focus ? .tabActive : .tabInactive)
    }
    let ax = max(x, r.maxX - alertWidth)
    buffer.put(
      alertText, x: ax, y: r.y, maxWidth: r.maxX - ax,
      style: focus == .alerts ? .tabActive : ((counts[.critical] ?? 0) > 0 ? .critical : .tabInactive))
  }

  /// The hint bar: the most useful keys for where the user is, from the key table.
  static func drawHints(
    keymap: KeyMap, pane: PaneKind, readOnly: Bool, strings t: Strings, in r: Rect, buffer: inout ScreenBuffer
  ) {
    buffer.fill(r, style: .hint)
    var x = r.x
    var shown = Set<Action>()
    for b in keymap.visible(pane: pane, readOnly: readOnly) where b.action.inHintBar && !shown.contains(b.action) {
      shown.insert(b.action)
      let key = " \(b.key) "
      let label = t("hint.\(b.action.rawValue)") + " "
      guard x + DisplayWidth.of(key) + DisplayWidth.of(label) <= r.maxX else { break }
      x += buffer.put(key, x: x, y: r.y, style: .hintKey)
      x += buffer.put(label, x: x, y: r.y, style: .hint)
    }
  }
}
