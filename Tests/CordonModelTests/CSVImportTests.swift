import CordonModel
import EventSourcing
import XCTest

/// Imports against the seeded demo state, with commands run through the real
/// `decide` and `apply` as the store runs them.
final class CSVImportTests: XCTestCase {
  private let zh = Strings(.zh)
  private let en = Strings(.en)

  private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// Applies a plan as the CLI does; a refusal comes back as the plan's issue.
  private func apply(_ plan: CSVImportPlan, to h: inout Harness) -> CSVIssue? {
    guard let command = plan.command else { return nil }
    do {
      try h.run(command)
      return nil
    } catch {
      return plan.issue(for: error)
    }
  }

  private func issues(_ body: () throws -> CSVImportPlan) -> [CSVIssue] {
    do {
      _ = try body()
      XCTFail("the file was accepted")
      return []
    } catch let e as CSVImportError {
      return e.issues
    } catch {
      XCTFail("unexpected \(error)")
      return []
    }
  }

  // MARK: People

  func testPeopleWithBOMCRLFChineseHeadersAndCategories() throws {
    var h = Harness()
    let file =
      "\u{FEFF}类别,姓名,电话,单位\r\n志愿者;在岗,王小明,138 0000 0001,金盾护卫\r\n"
      + "\"onDuty、 partyMemberOnPost\",\"欧阳,娜娜\",,hq\r\n,,,\r\nOTHER,Li Lei,+86-139,jinyuan property\r\n"
    let plan = try CSVImport.people(bytes(file), state: h.state)
    XCTAssertEqual(plan.summary.text(en), "added 3 people")
    XCTAssertEqual(plan.summary.text(zh), "已添加 3 人")
    XCTAssertEqual(plan.entryLines, [2, 3, 5])
    XCTAssertNil(apply(plan, to: &h))
    XCTAssertEqual(
      h.state.people["p-jindun-1"],
      Person(id: "p-jindun-1", name: "王小明", unit: "jindun", phone: "138 0000 0001", categories: [.volunteer, .onPost]))
    XCTAssertEqual(h.state.people["p-hq-1"]?.name, "欧阳,娜娜")
    XCTAssertEqual(h.state.people["p-hq-1"]?.categories, [.onDuty, .partyMemberOnPost])
    XCTAssertEqual(h.state.people["p-jinyuan-1"]?.categories, [.other])

    // Ids continue after those taken; a name already in the unit is refused.
    let again = try CSVImport.people(bytes("name,unit\n王大明,jindun\n"), state: h.state)
    XCTAssertNil(apply(again, to: &h))
    XCTAssertEqual(h.state.people["p-jindun-2"]?.name, "王大明")
    let dup = issues { try CSVImport.people(bytes("name,unit\n王大明,jindun\n"), state: h.state) }
    XCTAssertEqual(
      dup.map { $0.text(file: "p.csv", strings: en) }, ["p.csv:2: column name: jindun already has someone called 王大明"])
  }

  /// Every bad row is reported with its line and column; nothing is planned.
  func testPeopleBadRowsNameLineAndColumn() {
    let h = Harness()
    let file = "姓名,单位,类别\n张一,hq,在岗\n张二,不存在,在岗\n张三,hq,放假\n,hq,\n张一,hq,\n"
    let found = issues { try CSVImport.people(bytes(file), state: h.state) }
    XCTAssertEqual(
      found.map { $0.text(file: "people.csv", strings: zh) },
      [
        "people.csv:3: 列 单位：没有这个单位：不存在",
        "people.csv:4: 列 类别：未知类别 放假（可用：值班值守人员/值班值守/onDuty, 在岗上班人员/在岗/onPost, 党员在岗/partyMemberOnPost, 志愿者在岗/志愿者/volunteer, 留观特护人员/留观/underObservation, 其余在职人员/其他/other）",
        "people.csv:5: 列 姓名：必填",
        "people.csv:6: 列 姓名：与第 2 行重复",
      ])
  }

  func testHeaderErrorsNameTheColumn() {
    let h = Harness()
    let unknown = issues { try CSVImport.people(bytes("Name,unit,age\n"), state: h.state) }
    XCTAssertEqual(unknown.count, 1)
    XCTAssertEqual(unknown.first?.line, 1)
    XCTAssertEqual(unknown.first?.column, "age")
    let missing = issues { try CSVImport.people(bytes("姓名,电话\n张三,1\n"), state: h.state) }
    XCTAssertEqual(
      missing.map { $0.text(file: "f.csv", strings: en) }, ["f.csv:1: column 单位/unit: the column is missing"])
    let twice = issues { try CSVImport.people(bytes("姓名,name,单位\n"), state: h.state) }
    XCTAssertEqual(twice.map { $0.column }, ["name"])
    let empty = issues { try CSVImport.people([], state: h.state) }
    XCTAssertEqual(empty.first?.line, 1)
    let gbk = issues { try CSVImport.people(bytes("姓名,单位\n") + [0xD5, 0xC5] + bytes(",hq\n"), state: h.state) }
    XCTAssertEqual(
      gbk.map { $0.text(file: "f.csv", strings: en) }, ["f.csv:2: not UTF-8 text (save it as \"CSV UTF-8\")"])
    let open = issues { try CSVImport.people(bytes("姓名,单位\n\"张三,hq\n"), state: h.state) }
    XCTAssertEqual(open.map { $0.text(file: "f.csv", strings: en) }, ["f.csv:2: a quoted field is never closed"])
  }

  // MARK: Shifts

  func testShiftsGoodFileIsOneBatchValidatedLikeTheForm() throws {
    var h = Harness()
    let before = h.state.shifts.count
    let file =
      "Unit,ROLE,Name,Start,End\r\n"
      + "jindun,officer,\(name(h, "jindun-officer-1")),2020-02-10 08:00,2020-02-10 16:00\r\n"
      + "金盾护卫,值班经理,\(name(h, "jindun-manager-1")),2020/2/10 20:00,2020-02-11 08:00:00\r\n"
      + "Jindun Security,Leader,\(name(h, "jindun-leader-1")),2020-02-10 08:00,2020-02-11 08:00\r\n"
    let plan = try CSVImport.shifts(bytes(file), state: h.state)
    XCTAssertEqual(plan.summary.text(en), "added 3 shifts")
    guard case .batch(let commands)? = plan.command else {
      return XCTFail("not a batch: \(String(describing: plan.command))")
    }
    XCTAssertEqual(commands.count, 3)
    XCTAssertNil(apply(plan, to: &h))
    XCTAssertEqual(h.state.shifts.count, before + 3)
    let manager = h.state.shifts.values.first {
      $0.person == "jindun-manager-1" && $0.role == .manager && $0.start == time(h, "2020-02-10 20:00")
    }
    XCTAssertEqual(manager?.end, time(h, "2020-02-11 08:00"))
  }

  /// Line 4 clashes with line 2 of the same file: the store refuses the
  /// batch at index 2, which maps back to line 4 and the start column, and
  /// not one shift of the file is saved.
  func testShiftRefusedByTheStoreAtLineNLeavesStateUnchanged() throws {
    var h = Harness()
    let before = h.state
    let who = name(h, "heating-officer-1")
    let file =
      "单位,岗位,姓名,开始,结束\n"
      + "heating,officer,\(who),2020-02-12 08:00,2020-02-12 16:00\n"
      + "heating,manager,\(name(h, "heating-manager-1")),2020-02-12 08:00,2020-02-12 20:00\n"
      + "heating,leader,\(who),2020-02-12 15:00,2020-02-12 23:00\n"
    let plan = try CSVImport.shifts(bytes(file), state: h.state)
    let issue = try XCTUnwrap(apply(plan, to: &h))
    XCTAssertEqual(issue.line, 4)
    XCTAssertEqual(issue.column, "开始")
    XCTAssertEqual(
      issue.text(file: "s.csv", strings: zh), "s.csv:4: 列 开始：\(who) 已有重叠班次（2020-02-12 08:00–2020-02-12 16:00）")
    XCTAssertEqual(h.state, before)

    // End not after start, at line 3: the end column.
    let backwards =
      "单位,岗位,姓名,开始,结束\n"
      + "heating,officer,\(who),2020-02-13 08:00,2020-02-13 16:00\n"
      + "heating,officer,\(name(h, "heating-officer-2")),2020-02-13 16:00,2020-02-13 16:00\n"
    let issue2 = try XCTUnwrap(apply(try CSVImport.shifts(bytes(backwards), state: h.state), to: &h))
    XCTAssertEqual(issue2.text(file: "s.csv", strings: en), "s.csv:3: column 结束: The end must be after the start")
    XCTAssertEqual(h.state, before)
  }

  func testShiftRowsThatCannotBeReadAreAllReported() {
    let h = Harness()
    let file =
      "单位,岗位,姓名,开始,结束\n"
      + "hq,officer,无此人,2020-02-12 08:00,2020-02-12 16:00\n"
      + "hq,cook,\(name(h, "hq-officer-1")),2020-02-12 08:00,2020-02-12 16:00\n"
      + "hq,officer,\(name(h, "hq-officer-1")),2020-02-12,2020-02-12 25:00\n"
    let found = issues { try CSVImport.shifts(bytes(file), state: h.state) }
    XCTAssertEqual(found.map(\.line), [2, 3, 4, 4])
    XCTAssertEqual(found.map(\.column), ["姓名", "岗位", "开始", "结束"])
    XCTAssertEqual(found[0].text(file: "s.csv", strings: en), "s.csv:2: column 姓名: no one called 无此人 in hq")
  }

  // MARK: Stock

  func testStockOpeningBalancesAndMinimums() throws {
    var h = Harness()
    let file = "unit,item,quantity,minimum\nconsult,mask,500,200\n咨询中心,84消毒液,12.5,\nConsulting Centre,Goggles,0,5\n"
    let plan = try CSVImport.stock(bytes(file), state: h.state)
    XCTAssertEqual(plan.summary.text(en), "loaded 3 opening balances and 2 minimum levels")
    XCTAssertNil(apply(plan, to: &h))
    XCTAssertEqual(h.state.stock[StockKey(unit: "consult", item: "mask")]?.balance, Quantity(500))
    XCTAssertEqual(h.state.stock[StockKey(unit: "consult", item: "mask")]?.minimum, Quantity(200))
    XCTAssertEqual(h.state.stock[StockKey(unit: "consult", item: "d84")]?.balance, Quantity(milli: 12_500))
    XCTAssertEqual(h.state.stock[StockKey(unit: "consult", item: "goggles")]?.minimum, Quantity(5))
    XCTAssertEqual(h.state.stock[StockKey(unit: "consult", item: "mask")]?.ledger.first?.reason, "opening balance")

    // Loading the same file again would double the stock: refused, naming the line.
    let twice = issues { try CSVImport.stock(bytes(file), state: h.state) }
    XCTAssertEqual(twice.map(\.line), [2, 3])
    XCTAssertEqual(twice.first?.column, "quantity")
  }

  /// Half a mask: refused by the validator at batch index 2 (line 3's receipt), quantity column.
  func testStockFractionOfWholePieceItemIsRefusedAtItsLine() throws {
    var h = Harness()
    let before = h.state
    let file = "单位,物资,数量,下限\nconsult,d84,10,4\nconsult,mask,10.5,\n"
    let plan = try CSVImport.stock(bytes(file), state: h.state)
    let issue = try XCTUnwrap(apply(plan, to: &h))
    XCTAssertEqual(issue.text(file: "stock.csv", strings: zh), "stock.csv:3: 列 数量：mask 只能是整数")
    XCTAssertEqual(h.state, before)
    let bad = issues {
      try CSVImport.stock(bytes("单位,物资,数量\nconsult,mask,-3\nconsult,口罩,1\nconsult,无,1\n"), state: h.state)
    }
    XCTAssertEqual(bad.map(\.line), [2, 3, 4])
    XCTAssertEqual(bad.map(\.column), ["数量", "物资", "物资"])
  }

  // MARK: Helpers

  private func name(_ h: Harness, _ id: String) -> String { h.state.people[id]?.name ?? id }
  private func time(_ h: Harness, _ text: String) -> Instant? { h.state.calendar.parse(text) }
}
