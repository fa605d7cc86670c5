import EventSourcing

/// Units, sites, items and people as CSV tables: `cordon org export --format
/// csv --table T` writes them, `cordon import units|sites|items FILE` reads
/// them back. A file becomes one all-or-nothing batch of the administration
/// commands, so a row is accepted exactly when the JSON line would be.
extension CSVFormat {
  public enum Units {
    public static let id = CSVColumn("编号", "id")
    public static let name = CSVColumn("名称", "name")
    public static let nameEn = CSVColumn("英文名称", "name_en", required: false)
    public static let key = CSVColumn("重点单位", "key", required: false)
    public static let headquarters = CSVColumn("集团机关", "headquarters", required: false)
    public static let parent = CSVColumn("上级单位", "parent", required: false)
    public static let reserve = CSVColumn("储备", "reserve", required: false)
    public static let columns = [id, name, nameEn, key, headquarters, parent, reserve]
  }

  public enum Sites {
    public static let id = CSVColumn("编号", "id")
    public static let name = CSVColumn("名称", "name")
    public static let nameEn = CSVColumn("英文名称", "name_en", required: false)
    public static let unit = CSVColumn("单位", "unit")
    public static let kind = CSVColumn("类型", "kind")
    public static let rounds = CSVColumn("每日测温", "rounds_per_day", required: false)
    public static let disinfections = CSVColumn("每日消毒", "disinfections_per_day", required: false)
    public static let interval = CSVColumn("报告间隔分钟", "report_interval_minutes", required: false)
    public static let open = CSVColumn("开放", "open", required: false)
    public static let staff = CSVColumn("在岗人数", "staff", required: false)
    public static let columns = [id, name, nameEn, unit, kind, rounds, disinfections, interval, open, staff]
  }

  public enum Items {
    public static let id = CSVColumn("编号", "id")
    public static let name = CSVColumn("名称", "name")
    public static let nameEn = CSVColumn("英文名称", "name_en", required: false)
    public static let measure = CSVColumn("计量单位", "measure")
    public static let measureEn = CSVColumn("英文计量单位", "measure_en", required: false)
    public static let fractions = CSVColumn("可拆分", "fractions", required: false)
    public static let minimum = CSVColumn("默认下限", "minimum", required: false)
    public static let columns = [id, name, nameEn, measure, measureEn, fractions, minimum]
  }

  /// 是/否, true/false, yes/no, 1/0; empty is the default.
  static func flag(_ text: String) -> Bool? {
    switch text.lowercased() {
    case "是", "true", "yes", "y", "1": true
    case "否", "false", "no", "n", "0": false
    default: nil
    }
  }
  static func flagText(_ b: Bool, _ language: Language) -> String {
    language == .zh ? (b ? "是" : "否") : (b ? "true" : "false")
  }
}

extension CSVImport {
  // MARK: Units, sites, items

  public static func units(_ bytes: [UInt8], state: CordonState) throws(CSVImportError) -> CSVImportPlan {
    typealias C = CSVFormat.Units
    let table = try CSVTable(bytes, columns: C.columns)
    let (commands, lines) = try table.entries { (row, rowIssues: inout [CSVIssue]) -> [CordonCommand] in
      let key = flag(table, row, C.key, &rowIssues) ?? false
      let hq = flag(table, row, C.headquarters, &rowIssues) ?? false
      let reserve = flag(table, row, C.reserve, &rowIssues) ?? false
      let parentText = table.value(row, C.parent)
      // A parent by name or id, as people's units are given; an unknown one is the validator's to name.
      let parent = parentText.isEmpty ? nil : (CSVFormat.unit(parentText, in: state)?.id ?? parentText)
      guard rowIssues.isEmpty else { return [] }
      return [
        .addUnit(
          OrgUnit(
            id: table.value(row, C.id),
            name: LocalizedName(zh: table.value(row, C.name), en: table.value(row, C.nameEn)), isKey: key,
            isHeadquarters: hq, parent: parent, holdsReserve: reserve))
      ]
    }
    return CSVImportPlan(
      command: commands.isEmpty ? nil : .batch(commands), entryLines: lines,
      fieldColumns: [
        "id": table.name(C.id), "name": table.name(C.name), "nameEn": table.name(C.nameEn),
        "headquarters": table.name(C.headquarters), "parent": table.name(C.parent),
      ],
      summary: .t("csv.added.units", String(commands.count)))
  }

  public static func sites(_ bytes: [UInt8], state: CordonState) throws(CSVImportError) -> CSVImportPlan {
    typealias C = CSVFormat.Sites
    let table = try CSVTable(bytes, columns: C.columns)
    let (commands, lines) = try table.entries { (row, rowIssues: inout [CSVIssue]) -> [CordonCommand] in
      let kindText = table.value(row, C.kind)
      let kind = SiteKind(word: kindText)
      if kind == nil {
        rowIssues.append(
          table.issue(
            row, C.kind,
            kindText.isEmpty
              ? .t("csv.required")
              : .t("csv.unknownKind", kindText, SiteKind.allCases.map(\.rawValue).joined(separator: ", "))))
      }
      let unitText = table.value(row, C.unit)
      let unit = unitText.isEmpty ? "" : (CSVFormat.unit(unitText, in: state)?.id ?? unitText)
      let rounds = number(table, row, C.rounds, &rowIssues)
      let disinfections = number(table, row, C.disinfections, &rowIssues)
      let interval = number(table, row, C.interval, &rowIssues)
      let staff = number(table, row, C.staff, &rowIssues)
      let open = flag(table, row, C.open, &rowIssues) ?? true
      guard rowIssues.isEmpty, let kind else { return [] }
      return [
        .addSite(
          SiteSpec(
            id: table.value(row, C.id), unit: unit,
            name: LocalizedName(zh: table.value(row, C.name), en: table.value(row, C.nameEn)), kind: kind,
            roundsPerDay: rounds ?? 2, disinfectionsPerDay: disinfections, reportIntervalMinutes: interval ?? 240,
            staffOnPost: staff ?? 2), open: open)
      ]
    }
    return CSVImportPlan(
      command: commands.isEmpty ? nil : .batch(commands), entryLines: lines,
      fieldColumns: [
        "id": table.name(C.id), "name": table.name(C.name), "nameEn": table.name(C.nameEn),
        "unit": table.name(C.unit), "roundsPerDay": table.name(C.rounds),
        "disinfectionsPerDay": table.name(C.disinfections), "reportIntervalMinutes": table.name(C.interval),
        "staff": table.name(C.staff),
      ],
      summary: .t("csv.added.sites", String(commands.count)))
  }

  public static func items(_ bytes: [UInt8], state: CordonState) throws(CSVImportError) -> CSVImportPlan {
    typealias C = CSVFormat.Items
    let table = try CSVTable(bytes, columns: C.columns)
    let (commands, lines) = try table.entries { (row, rowIssues: inout [CSVIssue]) -> [CordonCommand] in
      let fractions = flag(table, row, C.fractions, &rowIssues) ?? false
      let minimumText = table.value(row, C.minimum)
      var minimum = Quantity.zero
      if !minimumText.isEmpty {
        if let q = Quantity(parsing: minimumText) {
          minimum = q
        } else {
          rowIssues.append(table.issue(row, C.minimum, .t("csv.invalidQuantity", minimumText)))
        }
      }
      guard rowIssues.isEmpty else { return [] }
      return [
        .addItem(
          SupplyItem(
            id: table.value(row, C.id),
            name: LocalizedName(zh: table.value(row, C.name), en: table.value(row, C.nameEn)),
            unitOfMeasure: LocalizedName(zh: table.value(row, C.measure), en: table.value(row, C.measureEn)),
            wholePieces: !fractions, defaultMinimum: minimum))
      ]
    }
    return CSVImportPlan(
      command: commands.isEmpty ? nil : .batch(commands), entryLines: lines,
      fieldColumns: [
        "id": table.name(C.id), "name": table.name(C.name), "nameEn": table.name(C.nameEn),
        "measure": table.name(C.measure), "measureEn": table.name(C.measureEn), "minimum": table.name(C.minimum),
      ],
      summary: .t("csv.added.items", String(commands.count)))
  }

  private static func flag(_ table: CSVTable, _ row: CSVRecord, _ c: CSVColumn, _ issues: inout [CSVIssue]) -> Bool? {
    let text = table.value(row, c)
    guard !text.isEmpty else { return nil }
    guard let b = CSVFormat.flag(text) else {
      issues.append(table.issue(row, c, .t("csv.invalidFlag", text)))
      return nil
    }
    return b
  }

  private static func number(_ table: CSVTable, _ row: CSVRecord, _ c: CSVColumn, _ issues: inout [CSVIssue]) -> Int? {
    let text = table.value(row, c)
    guard !text.isEmpty else { return nil }
    guard text.count <= 9, let n = Int(text) else {
      issues.append(table.issue(row, c, .t("csv.invalidNumber", text)))
      return nil
    }
    return n
  }
}

extension CSVExport {
  public enum OrgTable: String, Sendable, CaseIterable { case units, sites, items, people }

  /// One table of the organisation as it stands, in the columns its import reads.
  public static func organisation(_ state: CordonState, _ table: OrgTable, language: Language) -> [[String]] {
    func flag(_ b: Bool) -> String { CSVFormat.flagText(b, language) }
    switch table {
    case .units:
      return [CSVFormat.Units.columns.map { $0.header(language) }]
        + OrganisationExport.unitsParentsFirst(state).map {
          [
            $0.id, $0.name.zh, $0.name.en, flag($0.isKey), flag($0.isHeadquarters), $0.parent ?? "",
            flag($0.holdsReserve),
          ]
        }
    case .sites:
      return [CSVFormat.Sites.columns.map { $0.header(language) }]
        + state.orderedSites.map {
          [
            $0.id, $0.name.zh, $0.name.en, $0.unit, $0.kind.rawValue, String($0.roundsPerDay),
            String($0.disinfectionsPerDay), String($0.reportIntervalMinutes), flag($0.isOpen), String($0.staffOnPost),
          ]
        }
    case .items:
      return [CSVFormat.Items.columns.map { $0.header(language) }]
        + state.orderedItems.map {
          [
            $0.id, $0.name.zh, $0.name.en, $0.unitOfMeasure.zh, $0.unitOfMeasure.en, flag(!$0.wholePieces),
            $0.defaultMinimum.description,
          ]
        }
    case .people:
      return [CSVFormat.People.columns.map { $0.header(language) }]
        + OrganisationExport.people(state).map {
          [
            $0.name, $0.unit, $0.phone,
            $0.categories.map { language == .zh ? (PersonCategory.words[$0]?.first ?? $0.rawValue) : $0.rawValue }
              .joined(separator: ";"),
          ]
        }
    }
  }
}
