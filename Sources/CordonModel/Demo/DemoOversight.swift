import EventSourcing

extension DemoOversight {
  /// The vanguard's 50 members (先锋突击队), party members from across the
  /// group, registered on the first day; not on any roster.
  static func vanguard() -> [Person] {
    let units = DemoOrganisation.units.map(\.id)
    let surnames = Array("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张")
    let given = ["国强", "志刚", "海燕", "立新", "红梅", "卫东", "晓峰", "丽娟", "建军", "文博"]
    return (0..<50).map { i in
      Person(
        id: String(format: "vg-%02d", i + 1), name: "\(surnames[i % surnames.count])\(given[(i * 3) % given.count])",
        unit: units[i % units.count], phone: "135\(String(20_000_000 + i * 7_331).suffix(8))",
        categories: [.partyMemberOnPost])
    }
  }
}

/// The demo's oversight: committee members' visits with their findings (one
/// reopened then accepted, one awaiting verification, one overdue, one open
/// that raised a shortage request for the heating company's thermometer
/// guns), the group's 20-person emergency team, and the 50-member vanguard
/// deployed to the 12 compounds for temperature checks and disinfection,
/// one deployment recalled. Fixed by the day, not the random generator, so
/// the rest of the demo is as before.
enum DemoOversight {
  static let committee = "demo-committee"
}

extension DemoHistory.Simulation {
  /// Oversight's steps for the hour, after the hour's batch (at `t`, its end).
  mutating func oversight(dayIndex: Int, minute: Int, at t: Instant) {
    let day = firstDay + dayIndex
    func at(_ d: Int, _ h: Int64) -> Instant { cal.startOfDay(d).adding(minutes: h * 60) }
    func step(_ c: CordonCommand, actor: String = DemoOversight.committee, unit: String? = nil) {
      guard t <= now else { return }
      steps.append(.command(at: t, actor: actor, unit: unit, c))
    }
    switch (dayIndex, minute) {
    case (0, 600):
      // The group's team: HQ's and the key units' duty people; the vanguard.
      let group = DemoOrganisation.people().filter { $0.id.hasSuffix("-1") || $0.id.hasSuffix("-2") }.prefix(20)
        .map(\.id)
      step(
        .batch(
          [.formTeam(id: "group", name: "集团应急队伍", leader: "hq-leader-1", members: Array(group))]
            + DemoOversight.vanguard().map { .addPerson($0) }
            + [
              .formTeam(
                id: "vanguard", name: "先锋突击队", leader: "vg-01", members: DemoOversight.vanguard().map(\.id))
            ]), actor: "demo-hq", unit: "hq")
    case (0, 840):
      // Four or five to each compound, for three weeks.
      let compounds = DemoOrganisation.compounds.map { "jy-\($0.0)" }
      let start = t
      let end = at(day + 21, 8)
      step(
        .batch(
          DemoOversight.vanguard().enumerated().map { i, p in
            .deploy(team: "vanguard", person: p.id, site: compounds[i % compounds.count], start: start, end: end)
          }), actor: "demo-hq", unit: "hq")
    case (9, 600):
      // One member called back to their own unit: the correction is a recall.
      if let d = state.oversight.deployments.values.first(where: { $0.person == "vg-50" && $0.recalledAt == nil }) {
        step(.recallDeployment(id: d.id, reason: "调回本单位值守"), actor: "demo-hq", unit: "hq")
      }
    case (2, 600):
      step(
        .batch([
          .recordInspection(
            id: "in1", unit: "jinyuan", sites: ["jy-dongfeng", "jy-chaoyang"], checked: nil, notes: "夜查东风、朝阳小区检查点"),
          .raiseFinding(
            id: "f1", inspection: "in1", unit: "jinyuan", text: "朝阳小区检查点消毒记录不全", severity: .minor,
            deadline: at(day + 2, 18), request: nil),
        ]))
    case (3, 600): step(.rectifyFinding(finding: "f1", note: "已补记录"), actor: "demo-jinyuan", unit: "jinyuan")
    case (3, 960): step(.verifyFinding(finding: "f1", accepted: false, note: "登记表仍缺 2 月 3 日晚班"))
    case (4, 600):
      step(.rectifyFinding(finding: "f1", note: "已补齐，小区负责人签字"), actor: "demo-jinyuan", unit: "jinyuan")
    case (5, 600): step(.verifyFinding(finding: "f1", accepted: true, note: "同意销号"))
    case (8, 600):
      step(
        .batch([
          .recordInspection(
            id: "in2", unit: "jindun", sites: ["jd-brigade1"], checked: ["防护用品佩戴", "值守人员在岗"], notes: ""),
          .raiseFinding(
            id: "f2", inspection: "in2", unit: "jindun", text: "执勤一大队防护用品佩戴不规范", severity: .major,
            deadline: at(day + 2, 18), request: nil),
        ]))
    case (11, 600):
      // The seed's shortage: the heating company's thermometer guns, raised with the finding.
      step(
        .batch([
          .recordInspection(
            id: "in3", unit: "heating", sites: ["ht-1", "ht-2", "ht-3"], checked: nil, notes: "第一至第三热力站"),
          .raiseFinding(
            id: "f3", inspection: "in3", unit: "heating", text: "第一、二热力站电子测温枪不足，门岗无法逐人测温",
            severity: .major, deadline: at(day + 6, 18), request: FindingRequest(item: "thermo", quantity: Quantity(10))
          ),
        ]))
    case (13, 600):
      step(
        .batch([
          .recordInspection(id: "in4", unit: "jinmu-wn", sites: ["jm-jdc"], checked: nil, notes: ""),
          .raiseFinding(
            id: "f4", inspection: "in4", unit: "jinmu-wn", text: "金堆城小区检查点出入登记不全", severity: .minor,
            deadline: at(day + 3, 18), request: nil),
        ]))
    case (13, 900):
      step(.rectifyFinding(finding: "f4", note: "已安排专人登记"), actor: "demo-jinmu-wn", unit: "jinmu-wn")
    default: break
    }
  }
}
