import CordonModel
import CordonServer
import CordonSession
import EventSourcing
import Foundation
import XCTest

/// The emergency fund and the donation campaigns through the real server, as
/// real OS users running the built `cordon post`: the authorisation matrix of
/// the new commands, decided where they execute, and no self-approval.
final class FundServerTests: XCTestCase {
  /// Real OS users for every role (removed at teardown) and a server that knows them.
  struct Users {
    let harness: ServerHarness
    let binary: URL
    let names: [String: String]

    init(_ test: XCTestCase) throws {
      guard getuid() == 0 else { throw XCTSkip("needs root to create OS users (CI runs as root)") }
      for tool in ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"]
      where !FileManager.default.isExecutableFile(atPath: tool) {
        throw XCTSkip("\(tool) is missing")
      }
      let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
      let roles = ["leaderA", "leaderB", "clerk", "jdop", "insp", "view"]
      let names = Dictionary(uniqueKeysWithValues: roles.enumerated().map { ($1, "cdf\(tag)\($0)") })
      test.addTeardownBlock { for u in names.values { _ = try? runProgram("/usr/sbin/userdel", [u]) } }
      for u in names.values {
        try check(runProgram("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", u]), "useradd \(u)")
      }
      let n = { (k: String) in names[k] ?? k }
      let access = try AccessConfig.parse(
        """
        [users]
        \(n("leaderA")) = "command"
        \(n("leaderB")) = "command"
        \(n("clerk")) = { role = "operator", unit = "hq" }
        \(n("jdop")) = { role = "operator", unit = "jindun" }
        \(n("insp")) = { role = "inspector", units = ["jindun"] }
        \(n("view")) = "viewer"
        """, file: "fund.toml")
      harness = try ServerHarness(access: access)
      binary = harness.root.appendingPathComponent("cordon")
      try FileManager.default.copyItem(at: try CordonBinaryLocation.find(), to: binary)
      chmod(binary.path, 0o755)
      self.names = names
    }

    func post(_ role: String, _ lines: [String]) throws -> [[String: Any]] {
      try UnitUsersServer.post(names[role] ?? role, lines, harness, binary)
    }
  }

  func testTheFundsAuthorisationMatrixAndNoSelfApprovalThroughTheServer() throws {
    let u = try Users(self)
    let h = u.harness
    defer { h.shutdown() }
    func refused(_ r: [[String: Any]]) -> [[String]?] { r.map(UnitUsersServer.refused) }

    // The HQ clerk keeps the fund; the leading group approves.
    let setup = try u.post(
      "clerk",
      [
        #"{"type":"fundLine","id":"epi","name":"防疫物资","budget":"50000"}"#,
        #"{"type":"fundIncome","line":"epi","amount":"10000","source":"集团拨款","voucher":"记-001"}"#,
        #"{"type":"fundExpense","line":"epi","amount":"20000.00","purpose":"采购口罩","voucher":"记-002"}"#,
        #"{"type":"fundExpense","line":"epi","amount":"6000","purpose":"防护服","voucher":"记-002"}"#,
        #"{"type":"startCampaign","id":"rc","name":"抗疫捐款","recipient":"渭南市红十字会"}"#,
      ])
    XCTAssertEqual(refused(setup), [nil, nil, ["fund.shortfall", "amount"], nil, nil], "\(setup)")
    let expense = try XCTUnwrap(setup[3]["id"] as? String, "post names the expense it created: \(setup)")
    XCTAssertTrue(expense.hasPrefix("fe"))
    XCTAssertEqual(h.store.state.fund.entries[expense]?.status, .awaitingApproval)
    XCTAssertEqual(h.store.state.fund.entries[expense]?.by, u.names["clerk"], "the actor is the peer's OS identity")

    // Everyone else, line by line: nothing changes.
    let before = h.store.lastSeq
    let lines = [
      #"{"type":"fundIncome","line":"epi","amount":"1","source":"x","voucher":"v-1"}"#,
      #"{"type":"fundExpense","line":"epi","amount":"1","purpose":"x","voucher":"v-2"}"#,
      #"{"type":"approveExpense","id":"\#(expense)","note":"同意"}"#,
      #"{"type":"rejectExpense","id":"\#(expense)","note":"否"}"#,
      #"{"type":"fundLine","id":"x","name":"x","budget":"0"}"#,
      #"{"type":"handOverDonations","campaign":"rc","amount":"1","voucher":"v-3"}"#,
    ]
    XCTAssertEqual(
      refused(try u.post("jdop", lines)),
      [
        ["fund.notHeadquarters", "-"], ["fund.notHeadquarters", "-"], ["fund.approvalRole", "id"],
        ["fund.approvalRole", "id"], ["fund.notHeadquarters", "-"], ["fund.notHeadquarters", "-"],
      ])
    XCTAssertEqual(
      refused(try u.post("clerk", [lines[2], lines[3]])), [["fund.approvalRole", "id"], ["fund.approvalRole", "id"]],
      "an HQ operator enters but never approves")
    XCTAssertEqual(refused(try u.post("insp", lines)), Array(repeating: ["auth.notPermitted", "-"], count: 6))
    XCTAssertEqual(refused(try u.post("view", lines)), Array(repeating: ["auth.readOnly", "-"], count: 6))
    XCTAssertEqual(h.store.lastSeq, before, "no refused line changed anything")

    // A command-role user who entered an expense may not approve it; another may.
    let own = try u.post(
      "leaderA",
      [
        #"{"type":"fundIncome","line":"epi","amount":10000,"source":"上级拨款","voucher":"记-004"}"#,
        #"{"type":"fundExpense","line":"epi","amount":"5000.01","purpose":"消毒液","voucher":"记-003"}"#,
      ])
    let ownID = try XCTUnwrap(own[1]["id"] as? String, "\(own)")
    XCTAssertEqual(
      refused(try u.post("leaderA", [#"{"type":"approveExpense","id":"\#(ownID)","note":""}"#])),
      [["fund.selfApproval", "id"]])
    let decided = try u.post(
      "leaderB",
      [
        #"{"type":"approveExpense","id":"\#(ownID)","note":""}"#,
        #"{"type":"approveExpense","id":"\#(expense)","note":"同意"}"#,
        #"{"type":"approveExpense","id":"\#(expense)","note":"同意"}"#,
      ])
    XCTAssertEqual(refused(decided), [nil, nil, ["fund.alreadyPaid", "id"]], "\(decided)")
    let state = h.store.state
    XCTAssertEqual(state.fund.entries[expense]?.status, .paid)
    XCTAssertEqual(state.fund.entries[expense]?.decision?.by, u.names["leaderB"])
    XCTAssertEqual(state.fund.totals("epi").balance, Money(fen: 899_999), "20000 - 6000 - 5000.01")

    // Donations: a unit's operator enters its own unit's, not another's.
    let gifts = try u.post(
      "jdop",
      [
        #"{"type":"donation","campaign":"rc","unit":"jindun","amount":"3500"}"#,
        #"{"type":"donation","campaign":"rc","unit":"hq","amount":"1"}"#,
        #"{"type":"donation","campaign":"rc","unit":"jindun","amount":"-5"}"#,
      ])
    XCTAssertEqual(refused(gifts), [nil, ["auth.otherUnit", "-"], ["money.negative", "amount"]])
    let dn = try XCTUnwrap(gifts[0]["id"] as? String)
    XCTAssertEqual(
      refused(try u.post("clerk", [#"{"type":"handOverDonations","campaign":"rc","amount":"3500","voucher":"付-1"}"#])),
      [nil])
    XCTAssertEqual(
      refused(try u.post("jdop", [#"{"type":"voidDonation","id":"\#(dn)","reason":"重复"}"#])),
      [["donation.voidHandedOver", "id"]])
    XCTAssertEqual(h.store.state.donations.totals("rc").handedOver, Money(yuan: 3_500))

    // The clerk's ledger through the server: headquarters' books, read as the caller's role allows.
    func export(_ role: String) throws -> RunResult {
      try runProgram(
        "/usr/bin/setpriv",
        ["--reuid=\(u.names[role] ?? role)", "--regid=nogroup", "--init-groups", u.binary.path]
          + ["export", "fund", "--lang", "en", "--socket", h.socketPath])
    }
    let local = try JournalQueryRunner.run(
      JournalQuery(kind: .exportFund, lang: "en"), store: h.store, principal: nil
    ).get()
    XCTAssertTrue(local.hasPrefix("Date,Voucher,Line,Particulars,Income,Expense,Balance,Entry"), local)
    XCTAssertTrue(local.contains(",,防疫物资,Line total,20000.00,11000.01,8999.99,"), local)
    for role in ["clerk", "leaderB", "view"] {
      let r = try export(role)
      XCTAssertEqual(r.status, 0, "\(role): \(r.stderr)")
      // Reading stdout as a String drops the leading BOM the client writes.
      XCTAssertEqual(r.stdout, local, role)
    }
    let other = try export("jdop")
    XCTAssertNotEqual(other.status, 0)
    XCTAssertEqual(other.stdout, "")
    XCTAssertTrue(other.stderr.contains("may not read it"), other.stderr)
  }
}
