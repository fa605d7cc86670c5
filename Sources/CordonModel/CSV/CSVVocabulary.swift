import EventSourcing

/// The columns and cell values of the CSV formats. Like the column names,
/// the Chinese labels of roles and categories are part of the file format:
/// a file saved last year must still import.
public enum CSVFormat {
  public enum People {
    public static let name = CSVColumn("姓名", "name")
    public static let unit = CSVColumn("单位", "unit")
    public static let phone = CSVColumn("电话", "phone", required: false)
    public static let category = CSVColumn("类别", "category", required: false)
    public static let columns = [name, unit, phone, category]
  }

  public enum Shifts {
    public static let unit = CSVColumn("单位", "unit")
    public static let role = CSVColumn("岗位", "role")
    public static let name = CSVColumn("姓名", "name")
    public static let start = CSVColumn("开始", "start")
    public static let end = CSVColumn("结束", "end")
    public static let columns = [unit, role, name, start, end]
  }

  public enum Stock {
    public static let unit = CSVColumn("单位", "unit")
    public static let item = CSVColumn("物资", "item")
    public static let quantity = CSVColumn("数量", "quantity")
    public static let minimum = CSVColumn("下限", "minimum", required: false)
    public static let columns = [unit, item, quantity, minimum]
  }

  public enum Register {
    public static let columns = [
      CSVColumn("姓名", "name"), CSVColumn("单位", "unit"), CSVColumn("类别", "category"),
      CSVColumn("晨检体温", "morning check"), CSVColumn("接触史", "traveller contact"), CSVColumn("备注", "remarks"),
    ]
  }

  public enum StockDay {
    public static let columns = [
      CSVColumn("单位", "unit"), CSVColumn("物资", "item"), CSVColumn("计量单位", "measure"),
      CSVColumn("期初结存", "opening"), CSVColumn("入库", "received"), CSVColumn("发放", "issued"),
      CSVColumn("调入", "transferred in"), CSVColumn("调出", "transferred out"), CSVColumn("盘点调整", "adjustments"),
      CSVColumn("期末结存", "closing"), CSVColumn("可用天数", "days of cover"),
    ]
  }

  static let roleLabels: [DutyRole: String] = [.officer: "值班人员", .manager: "值班经理", .leader: "带班领导"]

  static let categoryLabels: [PersonCategory: String] = [
    .onDuty: "值班值守", .onPost: "在岗", .partyMemberOnPost: "党员在岗", .volunteer: "志愿者",
    .underObservation: "留观", .other: "其他",
  ]

  /// Chinese label in a Chinese file, the raw value (which imports back) in an English one.
  public static func label(_ role: DutyRole, _ language: Language) -> String {
    language == .zh ? roleLabels[role] ?? role.rawValue : role.rawValue
  }
  public static func label(_ category: PersonCategory, _ language: Language) -> String {
    language == .zh ? categoryLabels[category] ?? category.rawValue : category.rawValue
  }

  static func role(_ text: String) -> DutyRole? {
    DutyRole.allCases.first { $0.rawValue.lowercased() == text.lowercased() || roleLabels[$0] == text }
  }
  static func category(_ text: String) -> PersonCategory? { PersonCategory(word: text) }
  static func knownRoles() -> String {
    DutyRole.allCases.map { "\(roleLabels[$0] ?? "")/\($0.rawValue)" }.joined(separator: ", ")
  }
  static func knownCategories() -> String {
    PersonCategory.allCases.map { c in
      var words: [String] = []
      for w in [PersonCategory.words[c]?.first, categoryLabels[c], c.rawValue] {
        if let w, !words.contains(w) { words.append(w) }
      }
      return words.joined(separator: "/")
    }.joined(separator: ", ")
  }

  /// A unit by id, Chinese name or English name (any case).
  static func unit(_ text: String, in state: CordonState) -> OrgUnit? {
    if let u = state.units[text] { return u }
    let lower = text.lowercased()
    return state.orderedUnits.first { $0.name.zh == text || $0.name.en.lowercased() == lower }
  }
  /// An item by id, Chinese name or English name (any case).
  static func item(_ text: String, in state: CordonState) -> SupplyItem? {
    if let i = state.items[text] { return i }
    let lower = text.lowercased()
    return state.orderedItems.first { $0.name.zh == text || $0.name.en.lowercased() == lower }
  }

  /// "YYYY-MM-DD HH:MM", also as Excel rewrites it after an edit
  /// ("2020/2/7 8:00", or with ":00" seconds), as local time.
  static func time(_ text: String, calendar: LocalCalendar) -> Instant? {
    var t = String(text.map { $0 == "/" ? "-" : $0 })
    let parts = t.split(separator: " ")
    if parts.count == 2 {
      let hms = parts[1].split(separator: ":")
      if hms.count == 3, hms[2] == "00" { t = "\(parts[0]) \(hms[0]):\(hms[1])" }
    }
    // A bare date would silently mean midnight: a shift needs its hour.
    guard parts.count == 2 else { return nil }
    return calendar.parse(t)
  }
}
