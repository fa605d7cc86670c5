import CordonModel
import EventSourcing

/// The organisation view (`:org`, the command role): units, sites, people,
/// items and settings as lists, with forms that send the administration
/// commands. It is not in the tab strip; `:org` opens it and Esc leaves it.
/// What it shows (the section, the unit looked into) is part of the model's
/// pane options, so the view's rows are a pure function like every pane's.
public struct OrgPane: ConsolePane {
  public init() {}
  public var kind: PaneKind { .org }
  /// Units count their sites and people; sites show whether they are open.
  public var reads: ChangeTrail.Areas { [.organisation, .checkpoints] }

  public enum Section: String, CaseIterable, Sendable, Equatable {
    case units, sites, people, items, settings
  }

  /// What the view shows: a section and, for sites and people, one unit's only.
  public struct Scope: Sendable, Equatable {
    public var section: Section = .units
    public var unit: String?
    public init(section: Section = .units, unit: String? = nil) {
      self.section = section
      self.unit = unit
    }
  }

  public func table(_ c: PaneContext) -> TableData { Self.table(c.state, scope: c.options.org, strings: c.strings) }

  public static func table(_ state: CordonState, scope: Scope, strings t: Strings) -> TableData {
    let lang = t.language
    func yes(_ b: Bool) -> String { b ? t("answer.yes") : "" }
    switch scope.section {
    case .units:
      var sites: [String: Int] = [:]
      for s in state.orderedSites { sites[s.unit, default: 0] += 1 }
      var people: [String: Int] = [:]
      for p in state.people.values where p.retiredAt == nil { people[p.unit, default: 0] += 1 }
      let columns = [
        TableColumn(t("org.col.id"), min: 6, max: 16, priority: 8),
        TableColumn(t("org.col.name"), min: 10, max: 30, priority: 10),
        TableColumn(t("org.col.marks"), min: 6, max: 16, priority: 7),
        TableColumn(t("org.col.parent"), min: 8, max: 20, priority: 3),
        TableColumn(t("org.col.sites"), min: 4, max: 6, right: true, priority: 6),
        TableColumn(t("org.col.people"), min: 4, max: 7, right: true, priority: 5),
      ]
      let rows = state.orderedUnits.map { u in
        let marks = [
          u.isHeadquarters ? t("org.mark.headquarters") : nil, u.isKey ? t("org.mark.key") : nil,
          u.holdsReserve ? t("org.mark.reserve") : nil,
        ].compactMap { $0 }.joined(separator: " ")
        return TableRow(
          id: u.id,
          cells: [
            TableCell(u.id, .muted), TableCell(u.name.text(lang)), TableCell(marks, u.isKey ? .title : .normal),
            TableCell(u.parent.map { state.unitName($0, lang) } ?? ""), TableCell(String(sites[u.id] ?? 0)),
            TableCell(String(people[u.id] ?? 0)),
          ], searchText: "\(u.id) \(u.name.zh) \(u.name.en)")
      }
      return TableData(columns: columns, rows: rows)
    case .sites:
      let columns = [
        TableColumn(t("org.col.id"), min: 12, max: 20, priority: 8),
        TableColumn(t("org.col.name"), min: 10, max: 24, priority: 10),
        TableColumn(t("org.col.unit"), min: 8, max: 20, priority: 7),
        TableColumn(t("org.col.kind"), min: 6, max: 12, priority: 6),
        TableColumn(t("org.col.rounds"), min: 4, max: 6, right: true, priority: 5),
        TableColumn(t("org.col.disinfections"), min: 4, max: 6, right: true, priority: 4),
        TableColumn(t("org.col.interval"), min: 5, max: 8, right: true, priority: 3),
        TableColumn(t("org.col.state"), min: 4, max: 8, priority: 2),
      ]
      let rows = state.orderedSites.filter { scope.unit == nil || $0.unit == scope.unit }.map { s in
        TableRow(
          id: s.id,
          cells: [
            TableCell(s.id, .muted), TableCell(s.name.text(lang)), TableCell(state.unitName(s.unit, lang)),
            TableCell(t("kind.\(s.kind.rawValue)")), TableCell(String(s.roundsPerDay)),
            TableCell(String(s.disinfectionsPerDay)), TableCell(String(s.reportIntervalMinutes)),
            TableCell(s.isOpen ? t("site.open") : t("site.closed"), s.isOpen ? .ok : .muted),
          ], searchText: "\(s.id) \(s.name.zh) \(s.name.en) \(state.unitName(s.unit, .zh))")
      }
      return TableData(columns: columns, rows: rows)
    case .people:
      let columns = [
        TableColumn(t("org.col.id"), min: 6, max: 20, priority: 6),
        TableColumn(t("org.col.person"), min: 6, max: 16, priority: 10),
        TableColumn(t("org.col.unit"), min: 8, max: 20, priority: 8),
        TableColumn(t("org.col.phone"), min: 8, max: 16, priority: 5),
        TableColumn(t("org.col.categories"), min: 8, max: 40, priority: 4),
      ]
      // Sorted on the people's data; only the rows drawn are formatted.
      let people = state.people.values.filter { $0.retiredAt == nil && (scope.unit == nil || $0.unit == scope.unit) }
        .sorted { ($0.unit, $0.id) < ($1.unit, $1.id) }
      let rows = TableRows(
        people, id: \.id,
        row: { p in
          TableRow(
            id: p.id,
            cells: [
              TableCell(p.id, .muted), TableCell(p.name), TableCell(state.unitName(p.unit, lang)),
              TableCell(p.phone), TableCell(categories(p.categories, t)),
            ], searchText: "")
        }, search: { p in [p.id, p.name, p.phone, state.unitName(p.unit, .zh)] },
        position: { id in
          guard let p = state.people[id] else { return nil }
          var (lo, hi) = (0, people.count)
          while lo < hi {
            let mid = (lo + hi) / 2
            if (people[mid].unit, people[mid].id) < (p.unit, p.id) { lo = mid + 1 } else { hi = mid }
          }
          return lo < people.count && people[lo].id == id ? lo : nil
        })
      return TableData(columns: columns, rows: rows)
    case .items:
      let columns = [
        TableColumn(t("org.col.id"), min: 6, max: 20, priority: 8),
        TableColumn(t("org.col.name"), min: 10, max: 30, priority: 10),
        TableColumn(t("org.col.measure"), min: 4, max: 8, priority: 7),
        TableColumn(t("org.col.fractions"), min: 4, max: 8, priority: 5),
        TableColumn(t("org.col.minimum"), min: 6, max: 10, right: true, priority: 6),
      ]
      let rows = state.orderedItems.map { i in
        TableRow(
          id: i.id,
          cells: [
            TableCell(i.id, .muted), TableCell(i.name.text(lang)), TableCell(i.unitOfMeasure.text(lang)),
            TableCell(yes(!i.wholePieces)), TableCell(i.defaultMinimum.description),
          ], searchText: "\(i.id) \(i.name.zh) \(i.name.en)")
      }
      return TableData(columns: columns, rows: rows)
    case .settings:
      let columns = [
        TableColumn(t("org.col.setting"), min: 12, max: 40, priority: 10),
        TableColumn(t("org.col.value"), min: 6, max: 20, right: true, priority: 9),
      ]
      let rows = settingValues(state.settings).map { field, value in
        TableRow(
          id: field.rawValue, cells: [TableCell(t("org.setting.\(field.rawValue)")), TableCell(value)],
          searchText: "\(field.rawValue) \(t("org.setting.\(field.rawValue)"))")
      }
      return TableData(columns: columns, rows: rows)
    }
  }

  /// Each setting as the settings form shows it, in the form's order.
  static func settingValues(_ s: Settings) -> [(CommandField, String)] {
    let c = SettingsChanges(s)
    func n(_ v: Int?) -> String { v.map(String.init) ?? "" }
    return [
      (.feverThreshold, c.feverThreshold?.description ?? ""), (.plausibleMin, c.plausibleMin?.description ?? ""),
      (.plausibleMax, c.plausibleMax?.description ?? ""), (.ackTimeoutMinutes, n(c.ackTimeoutMinutes)),
      (.maxEscalations, n(c.maxEscalations)), (.restHours, n(c.restHours)),
      (.coverageLeadMinutes, n(c.coverageLeadMinutes)), (.lowCoverDays, n(c.lowCoverDays)),
      (.signInGraceMinutes, n(c.signInGraceMinutes)), (.reportAckUrgentMinutes, n(c.reportAckUrgentMinutes)),
      (.reportAckImmediateMinutes, n(c.reportAckImmediateMinutes)),
      (.handoverConfirmMinutes, n(c.handoverConfirmMinutes)),
      (.fundApprovalThreshold, c.fundApprovalThreshold?.description ?? ""),
    ]
  }

  /// Categories in the register's words, as a person form takes them back.
  static func categories(_ cats: [PersonCategory], _ t: Strings) -> String {
    cats.map { t("category.\($0.rawValue)") }.joined(separator: t.language == .zh ? "、" : ", ")
  }

  /// One place on the line above the list: a section (or the unit looked into), where it is drawn.
  struct SectionTab: Equatable {
    var section: Section?
    var text: String
    var x: Int
    var width: Int
  }

  /// The sections, then the unit looked into: what draws the strip and what a click finds.
  static func sectionTabs(_ scope: Scope, state: CordonState, strings t: Strings, in r: Rect) -> [SectionTab] {
    var parts: [(Section?, String)] = Section.allCases.map { ($0, " \(t("org.section.\($0.rawValue)")) ") }
    if let u = scope.unit, scope.section == .sites || scope.section == .people {
      parts.append((nil, "  " + t("org.scope.unit", state.unitName(u, t.language))))
    }
    var out: [SectionTab] = []
    var x = r.x
    for (section, text) in parts {
      let w = min(max(0, r.maxX - x), DisplayWidth.of(text))
      guard w > 0 else { break }
      out.append(SectionTab(section: section, text: text, x: x, width: w))
      x += w
    }
    return out
  }

  static func drawSections(
    _ scope: Scope, state: CordonState, strings t: Strings, in r: Rect, buffer: inout ScreenBuffer
  ) {
    for tab in sectionTabs(scope, state: state, strings: t, in: r) {
      let style: StyleToken = tab.section == nil ? .title : tab.section == scope.section ? .selection : .muted
      buffer.put(tab.text, x: tab.x, y: r.y, maxWidth: tab.width, style: style)
    }
  }

  public func detail(rowID: String, _ c: PaneContext) -> (String, [String]) {
    let state = c.state
    let t = c.strings
    let lang = t.language
    let cal = state.calendar
    var out: [String] = []
    switch c.options.org.section {
    case .units:
      guard let u = state.units[rowID] else { break }
      out = [
        "\(t("org.col.id")): \(u.id)", "\(t("form.field.name")): \(u.name.zh)",
        "\(t("form.field.nameEn")): \(u.name.en)",
        "\(t("org.col.parent")): \(u.parent.map { state.unitName($0, lang) } ?? "-")",
        "\(t("org.col.marks")): "
          + [
            u.isHeadquarters ? t("org.mark.headquarters") : nil, u.isKey ? t("org.mark.key") : nil,
            u.holdsReserve ? t("org.mark.reserve") : nil,
          ].compactMap { $0 }.joined(separator: " "),
      ]
    case .sites:
      guard let s = state.sites[rowID] else { break }
      out = [
        "\(t("org.col.id")): \(s.id)", "\(t("form.field.name")): \(s.name.zh) / \(s.name.en)",
        "\(t("org.col.unit")): \(state.unitName(s.unit, lang))",
        "\(t("org.col.kind")): \(t("kind.\(s.kind.rawValue)"))",
        "\(t("form.field.roundsPerDay")): \(s.roundsPerDay)",
        "\(t("form.field.disinfectionsPerDay")): \(s.disinfectionsPerDay)",
        "\(t("form.field.reportInterval")): \(s.reportIntervalMinutes)", "\(t("form.field.staff")): \(s.staffOnPost)",
        "\(t("org.col.registered")): \(cal.format(s.registeredAt))",
      ]
    case .people:
      guard let p = state.people[rowID] else { break }
      let open = state.openShifts(at: c.now) { $0.person == p.id }
      out = [
        "\(t("org.col.id")): \(p.id)", "\(t("org.col.person")): \(p.name)",
        "\(t("org.col.unit")): \(state.unitName(p.unit, lang))", "\(t("org.col.phone")): \(p.phone)",
        "\(t("org.col.categories")): \(Self.categories(p.categories, t))", t("org.openShifts", String(open.count)),
      ]
    case .items:
      guard let i = state.items[rowID] else { break }
      out = [
        "\(t("org.col.id")): \(i.id)", "\(t("form.field.name")): \(i.name.zh) / \(i.name.en)",
        "\(t("org.col.measure")): \(i.unitOfMeasure.zh) / \(i.unitOfMeasure.en)",
        "\(t("org.col.fractions")): \(i.wholePieces ? t("answer.no") : t("answer.yes"))",
        "\(t("org.col.minimum")): \(i.defaultMinimum)",
      ]
    case .settings:
      out = Self.settingValues(state.settings).map { "\(t("org.setting.\($0.0.rawValue)")): \($0.1)" }
    }
    guard !out.isEmpty else { return (t("detail.title"), [t("view.empty")]) }
    return (t("detail.title"), out + ["", t("org.help.correct")])
  }

  public func helpNote(_ t: Strings) -> [String] { [t("org.help.correct"), t("org.help.audit")] }

  public var actions: [ConsoleAction] {
    [
      ConsoleAction(.orgNextSection, pane: .org, keys: [.tab, .right], changesData: false, hint: true) { m in
        m.orgSection(by: 1)
      },
      ConsoleAction(.orgPrevSection, pane: .org, keys: [.backTab, .left], changesData: false) { m in
        m.orgSection(by: -1)
      },
      ConsoleAction(.orgOpen, pane: .org, keys: [.enter], changesData: false, hint: true) { m in m.orgOpen() },
      ConsoleAction(.orgAdd, pane: .org, keys: [.char("a")], changesData: true, hint: true) { m in m.orgAdd() },
      ConsoleAction(.orgEdit, pane: .org, keys: [.char("e")], changesData: true, hint: true) { m in m.orgEdit() },
      ConsoleAction(.orgRetire, pane: .org, keys: [.char("x")], changesData: true, hint: true) { m in m.orgRetire() },
      ConsoleAction(.orgDetail, pane: .org, keys: [.char("d")], changesData: false) { m in
        if let id = m.selectedRowID { m.mode = .detail(pane: .org, rowID: id, scroll: 0) }
        return []
      },
      ConsoleAction(.orgBack, pane: .org, keys: [.esc], changesData: false, hint: true) { m in m.orgBack() },
    ]
  }
}

extension PaneKind {
  /// The organisation view: a pane outside the tab strip.
  public static let org = PaneKind("org")
}

extension Action {
  public static let orgNextSection = Action("orgNextSection")
  public static let orgPrevSection = Action("orgPrevSection")
  public static let orgOpen = Action("orgOpen")
  public static let orgAdd = Action("orgAdd")
  public static let orgEdit = Action("orgEdit")
  public static let orgRetire = Action("orgRetire")
  public static let orgDetail = Action("orgDetail")
  public static let orgBack = Action("orgBack")
}

extension ConsoleModel {
  /// `:org`: the command role only (the server decides again on every command).
  mutating func openOrg() -> [ConsoleEffect] {
    guard info.role == .command else {
      status = Status(text: strings("org.commandOnly", strings("org.role.\(info.role.rawValue)")), style: .warning)
      return []
    }
    if focus != .org { orgReturn = focus }
    focus = .org
    return []
  }

  mutating func orgSection(by step: Int) -> [ConsoleEffect] {
    let all = OrgPane.Section.allCases
    let i = all.firstIndex(of: options.org.section) ?? 0
    options.org.section = all[((i + step) % all.count + all.count) % all.count]
    return []
  }

  /// Enter: into a unit's sites; on anything else, its edit form.
  mutating func orgOpen() -> [ConsoleEffect] {
    if options.org.section == .units, let id = selectedRowID {
      options.org = OrgPane.Scope(section: .sites, unit: id)
      return []
    }
    guard WriteGate.allows(&self) else { return [] }
    return orgEdit()
  }

  /// Esc: out of the unit looked into, then the filter, then the view.
  mutating func orgBack() -> [ConsoleEffect] {
    if let u = options.org.unit {
      options.org = OrgPane.Scope(section: .units, unit: nil)
      tables[.org, default: TableState()].selectedID = u
      return []
    }
    if !(tables[.org]?.filter ?? "").isEmpty {
      tables[.org]?.filter = ""
      return []
    }
    focus = orgReturn ?? Panes.kinds[0]
    return []
  }

  mutating func orgAdd() -> [ConsoleEffect] {
    let unit = options.org.unit
    switch options.org.section {
    case .units: return openForm(.addUnit)
    case .sites: return openForm(.addSite(unit: unit))
    case .people: return openForm(.addPerson(unit: unit))
    case .items: return openForm(.addItem)
    case .settings: return openForm(.changeSettings)
    }
  }

  mutating func orgEdit() -> [ConsoleEffect] {
    if options.org.section == .settings { return openForm(.changeSettings) }
    guard let id = selectedRowID else { return warn("org.nothingSelected") }
    switch options.org.section {
    case .units: return openForm(.editUnit(id))
    case .sites: return openForm(.editSite(id))
    case .people: return openForm(.editPerson(id))
    case .items: return openForm(.editItem(id))
    case .settings: return openForm(.changeSettings)
    }
  }

  /// Retiring asks first, naming what it does; the question's "y" sends the command.
  mutating func orgRetire() -> [ConsoleEffect] {
    guard let id = selectedRowID else { return warn("org.nothingSelected") }
    let lang = strings.language
    switch options.org.section {
    case .units:
      mode = .confirm(
        question: strings("org.retire.unit", state.unitName(id, lang), id), command: .retireUnit(id: id))
    case .sites:
      mode = .confirm(
        question: strings("org.retire.site", state.siteName(id, lang), id), command: .retireSite(id: id))
    case .people:
      let open = state.openShifts(at: now) { $0.person == id }.count
      mode = .confirm(
        question: open == 0
          ? strings("org.retire.person", state.personName(id), id)
          : strings("org.retire.personShifts", state.personName(id), id, String(open)),
        command: .retirePerson(id: id, confirm: true))
    case .items:
      mode = .confirm(
        question: strings("org.retire.item", state.itemName(id, lang), id), command: .retireItem(id: id))
    case .settings:
      return warn("org.settingsNotRetired")
    }
    return []
  }
}
