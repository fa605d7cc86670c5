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
    // A drill's copy says so first on every screen; the banner is never cut.
    var pinned = 1
    if let drill = state.exercise {
      let name = DisplayWidth.clip(UserText.clean(drill.name.text(t.language)), to: 24)
      let key = drill.endedAt == nil ? "drill.banner" : "drill.bannerEnded"
      parts.insert((" " + t(key, name) + " ", .critical), at: 0)
      pinned = 2
    } else if let drill = state.drillUnderWay {
      // The real state's consoles: a drill is under way elsewhere, next to the product, never cut.
      let name = DisplayWidth.clip(UserText.clean(drill.name.text(t.language)), to: 24)
      parts.append((" " + t("drill.underWay", name) + " ", .badge))
      pinned = 2
    }
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
    // Each part is shown whole or not at all; the first (the product, after a drill's banner) is always there.
    for (i, (text, style)) in parts.enumerated() {
      let w = DisplayWidth.of(text)
      guard i < pinned || x + w <= limit else { continue }
      x += buffer.put(text, x: x, y: r.y, maxWidth: max(0, limit - x), style: style)
      x += 2
    }
  }

  /// Tabs naming every pane with its live counts, for the one-pane layout.
  /// Pinned tabs (the alert queue) are drawn last and right-aligned, so
  /// their counts always show; the others are cut from the right.
  static func drawTabs(counts: PaneCounts, focus: PaneKind, strings t: Strings, in r: Rect, buffer: inout ScreenBuffer)
  {
    buffer.fill(r, style: .tabInactive)
    for tab in tabs(counts: counts, strings: t, in: r) {
      let pane = Panes.pane(tab.kind)
      let style: StyleToken =
        tab.kind == focus
        ? .tabActive : (pane.pinnedTab && pane.alarming(counts[tab.kind]) ? .critical : .tabInactive)
      buffer.put(tab.text, x: tab.x, y: r.y, maxWidth: tab.width, style: style)
    }
  }

  /// Where each tab of the strip is: what draws it and what a click finds.
  struct Tab: Equatable {
    var kind: PaneKind
    var text: String
    var x: Int
    var width: Int
  }

  /// In pane-number order. A pinned tab (the alert queue's) is never cut
  /// for want of room: the room it needs is kept free, and an unpinned tab
  /// that no longer fits is shortened, or left out, instead.
  static func tabs(counts: PaneCounts, strings t: Strings, in r: Rect) -> [Tab] {
    let panes = Panes.all.enumerated().map { i, p in
      (pane: p, text: " \(i + 1) \(t(p.kind.titleKey))\(p.badge(counts[p.kind], t)) ")
    }
    let widths = panes.map { DisplayWidth.of($0.text) }
    var out: [Tab] = []
    var x = r.x
    for (i, tab) in panes.enumerated() {
      // The room the pinned tabs after this one still need.
      let reserve = panes.indices.filter { $0 > i && panes[$0].pane.pinnedTab }.reduce(0) { $0 + widths[$1] }
      let avail = r.maxX - x - (tab.pane.pinnedTab ? 0 : reserve)
      guard avail > 0 else { continue }
      let w = min(avail, widths[i])
      out.append(Tab(kind: tab.pane.kind, text: tab.text, x: x, width: w))
      x += w
    }
    return out
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
