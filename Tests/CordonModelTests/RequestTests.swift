import CordonModel
import EventSourcing
import XCTest

final class ShortageRequestTests: XCTestCase {
  func testApproveAllocatesFromTheReserveAsATransferInOneBatch() throws {
    var h = Harness()
    let submitted = try h.run(
      .submitRequest(unit: "heating", item: "thermo", quantity: Quantity(12), urgency: .urgent, reason: "测温枪不足"))
    guard case .requestSubmitted(let r) = submitted.first else { return XCTFail("\(submitted)") }
    let events = try h.run(.approveRequest(id: r.id, quantity: Quantity(10), note: "先拨 10 把"), actor: "office")
    XCTAssertEqual(events.prefix(3).count, 3)
    XCTAssertEqual(h.state.requests[r.id]?.status, .allocated)
    XCTAssertEqual(h.state.requests[r.id]?.received, Quantity(10))
    XCTAssertEqual(h.state.stock[StockKey(unit: "hq", item: "thermo")]?.balance, Quantity(30))
    XCTAssertEqual(h.state.stock[StockKey(unit: "heating", item: "thermo")]?.balance, Quantity(13))
    XCTAssertEqual(h.alert(.stockLow, "heating/thermo")?.state, .resolved, "13 of minimum 13 clears the shortage")
  }

  func testEveryRefusal() throws {
    var h = Harness()
    XCTAssertEqual(
      h.refusal(.submitRequest(unit: "heating", item: "thermo", quantity: Quantity(0), urgency: .routine, reason: "x"))?
        .code,
      "quantity.notPositive")
    XCTAssertEqual(
      h.refusal(.submitRequest(unit: "heating", item: "thermo", quantity: Quantity(1), urgency: .routine, reason: " "))?
        .code,
      "field.required")
    XCTAssertEqual(h.refusal(.approveRequest(id: "rq0", quantity: Quantity(1), note: ""))?.code, "request.unknown")
    try h.run(
      .submitRequest(unit: "heating", item: "thermo", quantity: Quantity(100), urgency: .critical, reason: "全站换新"))
    let id = try XCTUnwrap(h.state.requests.keys.first)
    XCTAssertEqual(h.refusal(.approveRequest(id: id, quantity: Quantity(101), note: ""))?.code, "request.moreThanAsked")
    let short = h.refusal(.approveRequest(id: id, quantity: Quantity(50), note: ""))
    XCTAssertEqual(short?.code, "request.reserveShort")
    XCTAssertEqual(short?.args, ["40", "50", "10"], "the shortfall is shown")
    XCTAssertEqual(Strings(.zh).refusal(try XCTUnwrap(short)), "储备不足：现有 40，批准 50，缺口 10")
    XCTAssertEqual(
      h.refusal(.receiveForRequest(id: id, quantity: Quantity(1)))?.code, "request.state", "not forwarded yet")
    try h.run(.forwardRequest(id: id, quantity: Quantity(60), note: "报市市场监管局"))
    XCTAssertEqual(h.refusal(.approveRequest(id: id, quantity: Quantity(1), note: ""))?.code, "request.state")
    try h.run(.receiveForRequest(id: id, quantity: Quantity(40)))
    XCTAssertEqual(h.state.requests[id]?.status, .forwarded, "40 of 60 arrived")
    try h.run(.receiveForRequest(id: id, quantity: Quantity(20)))
    XCTAssertEqual(h.state.requests[id]?.status, .received)
    XCTAssertEqual(h.state.stock[StockKey(unit: "heating", item: "thermo")]?.balance, Quantity(63))
    XCTAssertEqual(h.state.stock[StockKey(unit: "heating", item: "thermo")]?.ledger.first?.kind, .cityAllocation)
    XCTAssertEqual(h.refusal(.rejectRequest(id: id, note: "x"))?.code, "request.state")
  }

  func testOperatorsMayAskButOnlyTheCommandRoleDecides() throws {
    var h = Harness()
    let op = Principal(user: "rl", role: .operator, units: ["heating"])
    let ask = CordonCommand.submitRequest(
      unit: "heating", item: "d84", quantity: Quantity(20), urgency: .urgent, reason: "缺")
    XCTAssertNil(Authorization.check(ask, by: op, in: h.state))
    XCTAssertEqual(
      Authorization.check(
        .submitRequest(unit: "jindun", item: "d84", quantity: Quantity(1), urgency: .urgent, reason: "x"), by: op,
        in: h.state)?
        .code, "auth.otherUnit")
    try h.run(ask)
    let id = try XCTUnwrap(h.state.requests.keys.first)
    XCTAssertEqual(
      Authorization.check(.approveRequest(id: id, quantity: Quantity(1), note: ""), by: op, in: h.state)?.code,
      "auth.otherUnit")
    XCTAssertNil(
      Authorization.check(
        .approveRequest(id: id, quantity: Quantity(1), note: ""), by: Principal(user: "hq", role: .command, units: []),
        in: h.state))
    XCTAssertEqual(
      Authorization.check(ask, by: Principal(user: "v", role: .viewer, units: []), in: h.state)?.code, "auth.readOnly")
  }

  func testBatchIsAllOrNothingAndNamesTheFailingEntry() throws {
    var h = Harness()
    let before = h.state
    let batch = CordonCommand.batch([
      .issueStock(unit: "hq", item: "mask", quantity: Quantity(10), reason: ""),
      .issueStock(unit: "hq", item: "mask", quantity: Quantity(milli: 500), reason: ""),
    ])
    let r = h.refusal(batch)
    XCTAssertEqual(r?.code, "quantity.fraction")
    XCTAssertEqual(r?.batchIndex, 1)
    XCTAssertEqual(h.state, before)
    try h.run(.batch([.issueStock(unit: "hq", item: "mask", quantity: Quantity(10), reason: "")]))
    XCTAssertEqual(h.state.stock[StockKey(unit: "hq", item: "mask")]?.balance, Quantity(19_990))
  }

  func testJSONLinesDecodeToTheSameCommands() throws {
    let cal = LocalCalendar()
    XCTAssertEqual(
      try CommandJSON.decode(#"{"type":"round","site":"ht-1","checked":12,"fevers":0}"#, calendar: cal),
      .recordRound(site: "ht-1", checked: 12, fevers: 0, acceptMissingCases: false))
    XCTAssertEqual(
      try CommandJSON.decode(#"{"type":"fever","site":"ht-1","person":"张三","reading":38.2}"#, calendar: cal),
      .recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 382)))
    XCTAssertEqual(
      try CommandJSON.decode(#"{"type":"issue","unit":"hq","item":"d84","quantity":2.5}"#, calendar: cal),
      .issueStock(unit: "hq", item: "d84", quantity: Quantity(milli: 2500), reason: ""))
    for (line, code, field) in [
      (#"{"type":"round","site":"ht-1","checked":true,"fevers":0}"#, "json.field", "checked"),
      (#"{"type":"round","site":"ht-1","fevers":0}"#, "json.missing", "checked"),
      (#"{"type":"teleport"}"#, "json.type", "type"),
      (#"[1,2]"#, "json.notObject", nil),
      (#"{"type":"fever","site":"ht-1","person":"x","reading":"hot"}"#, "json.field", "reading"),
    ] as [(String, String, String?)] {
      do {
        _ = try CommandJSON.decode(line, calendar: cal)
        XCTFail("accepted \(line)")
      } catch {
        XCTAssertEqual(error.code, code, line)
        XCTAssertEqual(error.field, field, line)
      }
    }
  }

  /// A field of the wrong shape is refused in words of the reader's language:
  /// what it must be, or which values it may take.
  func testAWrongFieldSaysWhatItMustBeInEachLanguage() {
    let cal = LocalCalendar()
    for (line, en, zh) in [
      (
        #"{"type":"round","site":"ht-1","checked":true,"fevers":0}"#, "Field checked must be a whole number",
        "字段 checked 应为整数"
      ),
      (
        #"{"type":"fever","site":"ht-1","person":"x","reading":"hot"}"#,
        "Field reading must be a temperature such as 37.5", "字段 reading 应为体温，如 37.5"
      ),
      (
        #"{"type":"receive","unit":"hq","item":"d84","quantity":1,"kind":"gift"}"#,
        "Field kind must be one of purchase|donation|cityAllocation", "字段 kind 应为 purchase|donation|cityAllocation 之一"
      ),
      (
        #"{"type":"issue","unit":"hq","item":"d84","quantity":1.23456}"#,
        "Field quantity is 1.23456: it must be a number with at most three decimals from 0 to",
        "字段 quantity 为 1.23456，应为 0 到"
      ),
    ] {
      do {
        _ = try CommandJSON.decode(line, calendar: cal)
        XCTFail("accepted \(line)")
      } catch {
        XCTAssertTrue(Strings(.en).refusal(error).hasPrefix(en), Strings(.en).refusal(error))
        XCTAssertTrue(Strings(.zh).refusal(error).hasPrefix(zh), Strings(.zh).refusal(error))
      }
    }
  }
}
