import EventSourcing

/// The demo organisation: the same group as `deploy/org.example.toml` (a test
/// keeps the two equal), from ../shared/DOMAIN.md: HQ and 12 subsidiaries,
/// 12 compounds, 13 heat stations, a vehicle fleet, supplies and a day of
/// shifts either side of `now`. Units the source report does not name are
/// marked `isDemo`.
public enum DemoOrganisation {
  public static let headquarters = "hq"

  public static let units: [OrgUnit] = [
    OrgUnit(id: "hq", name: .init(zh: "集团机关", en: "Group HQ"), isKey: false, isHeadquarters: true),
    OrgUnit(id: "jindun", name: .init(zh: "金盾护卫", en: "Jindun Security"), isKey: true),
    OrgUnit(id: "jinyuan", name: .init(zh: "金源物业", en: "Jinyuan Property"), isKey: true),
    OrgUnit(id: "jinmu", name: .init(zh: "产投金钼", en: "CIG Molybdenum"), isKey: true),
    OrgUnit(
      id: "jinmu-wn", name: .init(zh: "金钼物业渭南分公司", en: "Jinmu Property Weinan"), isKey: false, parent: "jinmu"),
    OrgUnit(id: "heating", name: .init(zh: "热力总公司", en: "Heating Company"), isKey: true),
    OrgUnit(id: "consult", name: .init(zh: "咨询中心", en: "Consulting Centre"), isKey: false),
    OrgUnit(id: "party", name: .init(zh: "产投直属党支部", en: "CIG Party Branch"), isKey: false),
    OrgUnit(id: "realty", name: .init(zh: "产投置业", en: "CIG Realty"), isKey: false, isDemo: true),
    OrgUnit(id: "energy", name: .init(zh: "产投能源", en: "CIG Energy"), isKey: false, isDemo: true),
    OrgUnit(id: "build", name: .init(zh: "产投建设", en: "CIG Construction"), isKey: false, isDemo: true),
    OrgUnit(id: "trade", name: .init(zh: "产投商贸", en: "CIG Trading"), isKey: false, isDemo: true),
    OrgUnit(id: "lease", name: .init(zh: "产投融资租赁", en: "CIG Leasing"), isKey: false, isDemo: true),
  ]

  static let compounds = [
    ("dongfeng", "东风", "Dongfeng"), ("chaoyang", "朝阳", "Chaoyang"), ("letian", "乐天", "Letian"),
    ("duqiao", "杜桥", "Duqiao"), ("yuhong", "育红", "Yuhong"), ("cangcheng", "仓程", "Cangcheng"),
    ("qiaonan", "桥南", "Qiaonan"), ("xinda", "信达", "Xinda"), ("fengyin", "丰荫", "Fengyin"),
    ("chongye", "崇业", "Chongye"), ("qianjin", "前进", "Qianjin"), ("xiyue", "西岳", "Xiyue"),
  ]

  public static func sites() -> [SiteSpec] {
    var out: [SiteSpec] = [
      SiteSpec(
        id: "hq-dutyroom", unit: "hq", name: .init(zh: "集团总值班室", en: "Group duty room"), kind: .dutyRoom,
        reportIntervalMinutes: 480, staffOnPost: 3),
      SiteSpec(
        id: "hq-office", unit: "hq", name: .init(zh: "集团机关办公区", en: "HQ offices"), kind: .office,
        reportIntervalMinutes: 480, staffOnPost: 2),
      SiteSpec(
        id: "jd-fleet", unit: "jindun", name: .init(zh: "勤务车队", en: "Duty vehicle fleet"), kind: .vehicleFleet,
        reportIntervalMinutes: 360, staffOnPost: 6),
      SiteSpec(
        id: "jd-brigade1", unit: "jindun", name: .init(zh: "执勤一大队", en: "Duty brigade 1"), kind: .dutyRoom,
        reportIntervalMinutes: 240, staffOnPost: 8),
      SiteSpec(
        id: "jd-brigade2", unit: "jindun", name: .init(zh: "执勤二大队", en: "Duty brigade 2"), kind: .dutyRoom,
        reportIntervalMinutes: 240, staffOnPost: 8),
      SiteSpec(
        id: "jm-jdc", unit: "jinmu-wn", name: .init(zh: "金堆城职工小区检查点", en: "Jinduicheng staff compound"),
        kind: .compoundCheckpoint, reportIntervalMinutes: 240, staffOnPost: 3),
      SiteSpec(
        id: "jm-office", unit: "jinmu", name: .init(zh: "产投金钼办公区", en: "CIG Molybdenum offices"), kind: .office,
        reportIntervalMinutes: 480, staffOnPost: 2),
    ]
    for (id, zh, en) in compounds {
      out.append(
        SiteSpec(
          id: "jy-\(id)", unit: "jinyuan", name: .init(zh: "\(zh)小区检查点", en: "\(en) compound"),
          kind: .compoundCheckpoint, reportIntervalMinutes: 240, staffOnPost: 2))
    }
    let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"]
    for (i, n) in numerals.enumerated() {
      out.append(
        SiteSpec(
          id: "ht-\(i + 1)", unit: "heating", name: .init(zh: "第\(n)热力站", en: "Heat station \(i + 1)"),
          kind: .heatStation, reportIntervalMinutes: 360, staffOnPost: 2))
    }
    return out
  }

  public static let items: [SupplyItem] = [
    SupplyItem(
      id: "mask", name: .init(zh: "口罩", en: "Masks"), unitOfMeasure: .init(zh: "只", en: "pcs"), wholePieces: true,
      defaultMinimum: Quantity(500)),
    SupplyItem(
      id: "n95", name: .init(zh: "N95口罩", en: "N95 masks"), unitOfMeasure: .init(zh: "只", en: "pcs"), wholePieces: true,
      defaultMinimum: Quantity(100)),
    SupplyItem(
      id: "gloves", name: .init(zh: "手套", en: "Gloves"), unitOfMeasure: .init(zh: "副", en: "pairs"), wholePieces: true,
      defaultMinimum: Quantity(100)),
    SupplyItem(
      id: "d84", name: .init(zh: "84消毒液", en: "84 disinfectant"), unitOfMeasure: .init(zh: "升", en: "L"),
      wholePieces: false, defaultMinimum: Quantity(20)),
    SupplyItem(
      id: "alcohol", name: .init(zh: "医用酒精", en: "Medical alcohol"), unitOfMeasure: .init(zh: "升", en: "L"),
      wholePieces: false, defaultMinimum: Quantity(10)),
    SupplyItem(
      id: "thermo", name: .init(zh: "电子测温枪", en: "Thermometer guns"), unitOfMeasure: .init(zh: "把", en: "pcs"),
      wholePieces: true, defaultMinimum: Quantity(2)),
    SupplyItem(
      id: "suit", name: .init(zh: "防护服", en: "Protective suits"), unitOfMeasure: .init(zh: "套", en: "sets"),
      wholePieces: true, defaultMinimum: Quantity(20)),
    SupplyItem(
      id: "goggles", name: .init(zh: "护目镜", en: "Goggles"), unitOfMeasure: .init(zh: "副", en: "pcs"), wholePieces: true,
      defaultMinimum: Quantity(10)),
  ]

  static let surnames = Array("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
  static let givenNames = [
    "建国", "伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚",
  ]

  /// Everyone on a roster: per key unit and HQ, three people for each role.
  public static func people() -> [Person] {
    var out: [Person] = []
    var n = 0
    for unit in units where unit.isKey || unit.isHeadquarters {
      for role in DutyRole.allCases {
        for k in 0..<3 {
          let name = "\(surnames[n % surnames.count])\(givenNames[(n * 7 + k) % givenNames.count])"
          let cats: [PersonCategory] = role == .leader ? [.onDuty, .partyMemberOnPost] : [.onDuty]
          out.append(
            Person(
              id: "\(unit.id)-\(role.rawValue)-\(k + 1)", name: name, unit: unit.id,
              phone: "13\(String(900_000_000 + n * 7_919).suffix(9))", categories: cats))
          n += 1
        }
      }
    }
    return out
  }

  /// The registration batch: units, items, sites, people and opening stock.
  public static func registration() -> [CordonEvent] {
    var events: [CordonEvent] = units.map { .unitRegistered($0) }
    events += items.map { .itemRegistered($0) }
    events += sites().map { .siteRegistered($0) }
    events += people().map { .personRegistered($0) }
    events += stock()
    return events
  }

  /// Opening balances and minimum levels. The seed's shortages are kept: the
  /// heating company is short of thermometer guns and 84 disinfectant.
  static func stock() -> [CordonEvent] {
    var out: [CordonEvent] = []
    let plan: [(String, String, Int64, Int64)] = [
      ("hq", "mask", 20_000, 5_000), ("hq", "n95", 2_000, 500), ("hq", "gloves", 3_000, 1_000),
      ("hq", "d84", 400, 100), ("hq", "alcohol", 200, 50), ("hq", "thermo", 40, 10), ("hq", "suit", 300, 100),
      ("hq", "goggles", 200, 50),
      ("jindun", "mask", 1_800, 1_000), ("jindun", "d84", 60, 40), ("jindun", "thermo", 12, 8),
      ("jindun", "gloves", 400, 200),
      ("jinyuan", "mask", 2_400, 1_200), ("jinyuan", "d84", 90, 60), ("jinyuan", "thermo", 14, 12),
      ("jinyuan", "alcohol", 30, 20),
      ("jinmu", "mask", 900, 600), ("jinmu", "d84", 35, 30), ("jinmu", "thermo", 6, 4),
      ("jinmu-wn", "mask", 500, 300), ("jinmu-wn", "d84", 20, 15),
      ("heating", "mask", 1_300, 800), ("heating", "d84", 18, 50), ("heating", "thermo", 3, 13),
      ("heating", "gloves", 260, 200),
    ]
    for (unit, item, balance, minimum) in plan {
      out.append(.minimumSet(unit: unit, item: item, minimum: Quantity(minimum)))
      out.append(
        .stockMoved(
          StockMovement(unit: unit, item: item, kind: .purchase, delta: Quantity(balance), reason: "opening balance")))
    }
    return out
  }

  /// Shifts for the local days `fromDay...toDay`: officers on three 8-hour
  /// shifts, managers on two 12-hour shifts, leading cadres on 24 hours from
  /// 08:00. One gap is left on purpose at the heating company (the evening
  /// manager on the last day) so the demo shows an uncovered role.
  public static func shifts(fromDay: Int, toDay: Int, calendar: LocalCalendar, existing: Set<String>) -> [CordonEvent] {
    var out: [CordonEvent] = []
    for day in fromDay...toDay {
      let midnight = calendar.startOfDay(day)
      for unit in units where unit.isKey || unit.isHeadquarters {
        for role in DutyRole.allCases {
          let blocks: [(Int64, Int64)] =
            switch role {
            case .officer: [(0, 8), (8, 16), (16, 24)]
            case .manager: [(-4, 8), (8, 20)]
            case .leader: [(8, 32)]
            }
          for (b, (from, to)) in blocks.enumerated() {
            if unit.id == "heating" && role == .manager && b == 1 && day == toDay { continue }
            let id = "demo-\(unit.id)-\(role.rawValue)-\(day)-\(b)"
            guard !existing.contains(id) else { continue }
            // Rotate three people through the blocks so nobody works two in a row.
            let person = "\(unit.id)-\(role.rawValue)-\((day * blocks.count + b) % 3 + 1)"
            out.append(
              .shiftAssigned(
                Shift(
                  id: id, unit: unit.id, site: nil, role: role, person: person,
                  start: midnight.adding(minutes: from * 60),
                  end: midnight.adding(minutes: to * 60), noShow: false, cancelled: false)))
          }
        }
      }
    }
    return out
  }

  /// Shifts that have begun at `now` and have no sign-in yet: in the demo the
  /// person on each signs in at once.
  public static func signInsDue(in state: CordonState, at now: Instant) -> [Shift] {
    state.shifts.values.filter { $0.counts && $0.signedIn == nil && $0.covers(now) }.sorted { $0.id < $1.id }
  }
}
