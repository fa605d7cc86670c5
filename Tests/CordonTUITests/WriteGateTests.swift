import CordonModel
import CordonSession
import EventSourcing
import XCTest

@testable import CordonTUI

/// One write gate: in the past (stepping back, or `--at`), on a read-only
/// store and as a viewer, every data-changing key, form, confirmation and `:`
/// command is refused with the same message, and no command leaves the model.
final class WriteGateTests: XCTestCase {
  /// Models that may change nothing, each as the console would have it.
  static func readOnlyModels() throws -> [(String, ConsoleModel)] {
    var stepped = try ConsoleUpdateTests.model(clock: ConsoleUpdateTests.nine30.adding(minutes: 75))
    let effects = ConsoleUpdateTests.keys(&stepped, .char("<"))
    guard case .loadPast(let moment)? = effects.first else { throw XCTSkip("no time travel: \(effects)") }
    var onTheWay = stepped
    onTheWay.status = nil
    _ = ConsoleUpdate.update(&stepped, .pastLoaded(at: moment, state: try FieldMappingTests.state()))
    var at = ConsoleUpdateTests.info
    at.at = moment
    at.readOnlyReason = "time travel"
    var store = ConsoleUpdateTests.info
    store.readOnlyReason = "fdatasync failed: EIO"
    // What RemoteSource reports for a principal with the viewer role.
    var viewer = ConsoleUpdateTests.info
    viewer.kind = .server(path: "/run/cordon/cordon.sock")
    viewer.readOnlyReason = "viewer"
    return [
      ("stepped back", stepped), ("on the way back", onTheWay), ("--at", try ConsoleUpdateTests.model(info: at)),
      ("read-only store", try ConsoleUpdateTests.model(info: store)),
      ("viewer", try ConsoleUpdateTests.model(info: viewer)),
    ]
  }

  static let refusal = Strings(.zh)("status.readOnly")

  func testEveryDataChangingKeyIsRefusedWithTheSameMessage() throws {
    for (name, base) in try Self.readOnlyModels() {
      XCTAssertTrue(base.readOnly, name)
      let changing = ConsoleActions.all.filter(\.changesData)
      XCTAssertGreaterThan(changing.count, 15)
      for action in changing {
        for pane in action.pane.map({ [$0] }) ?? PaneKind.allCases {
          var m = base
          m.focus = pane
          for key in action.keys {
            let effects = ConsoleUpdate.update(&m, .key(key))
            XCTAssertFalse(effects.contains { if case .submit = $0 { true } else { false } }, "\(name): \(action.id)")
            XCTAssertEqual(m.mode, .normal, "\(name): \(action.id) opened something")
            XCTAssertEqual(m.status?.text, Self.refusal, "\(name): \(action.id) on \(pane)")
          }
        }
      }
    }
  }

  func testEveryFormAndConfirmationIsRefusedOnSaving() throws {
    let state = try FieldMappingTests.state()
    let key = try XCTUnwrap(state.alerts.keys.first)
    let purposes: [FormPurpose] = [
      .temperatureRound, .feverCase, .disinfection, .openSite("hq-dutyroom"), .assignShift, .handover,
      .swapShift(try XCTUnwrap(state.shifts.keys.first)), .issueStock, .receiveStock, .transferStock, .countStock,
      .requestSupplies, .healthRegister, .resolveAlert(key), .silenceAlert(key), .assignAlert(key), .issueDirective,
    ]
    for (name, base) in try Self.readOnlyModels() {
      for purpose in purposes {
        // As if it had been opened before the source turned read-only.
        var m = base
        m.mode = .form(FormCatalog.make(purpose, state: state, selection: nil, now: m.now, strings: m.strings))
        let effects = ConsoleUpdate.update(&m, .key(.ctrl("s")))
        XCTAssertFalse(effects.contains { if case .submit = $0 { true } else { false } }, "\(name): \(purpose)")
        guard case .form(let f) = m.mode else {
          XCTFail("\(name): \(purpose) closed")
          continue
        }
        if f.error != nil || f.fields.allSatisfy({ $0.error == nil }) {
          // Refused by the gate (a parse error on an empty field is the form's own, before the gate).
          XCTAssertTrue(f.error == nil || f.error == Self.refusal, "\(name): \(purpose): \(f.error ?? "")")
        }
      }
      var m = base
      m.mode = .confirm(question: "?", command: .closeSite(site: "hq-dutyroom"))
      XCTAssertEqual(ConsoleUpdate.update(&m, .key(.char("y"))), [], name)
      XCTAssertEqual(m.status?.text, Self.refusal, name)
    }
  }

  func testEveryDataChangingColonCommandIsRefusedIncludingHealth() throws {
    let lines = LineCommands.all.filter(\.changesData).map { c -> String in
      switch c.name {
      case "approve", "forward": "\(c.name) rq1 5 ok"
      case "reject": "reject rq1 no"
      case "received": "received rq1 5"
      case "ackdir": "ackdir d1"
      case "item": "item kn95 KN95 只"
      default: c.name
      }
    }
    XCTAssertTrue(lines.contains("health"), "the :health form changes data")
    for (name, base) in try Self.readOnlyModels() {
      for line in lines {
        var m = base
        m.mode = .command(LineEditor(line))
        let effects = ConsoleUpdate.update(&m, .key(.enter))
        XCTAssertEqual(effects, [], "\(name): :\(line)")
        XCTAssertEqual(m.mode, .normal, "\(name): :\(line) opened something")
        XCTAssertEqual(m.status?.text, Self.refusal, "\(name): :\(line)")
      }
      // Reading is still allowed.
      var m = base
      m.mode = .command(LineEditor("report"))
      let today = m.state.calendar.startOfDay(m.state.calendar.day(of: m.now))
      XCTAssertEqual(ConsoleUpdate.update(&m, .key(.enter)), [.loadRecords(.report, since: today)], name)
    }
  }

  /// The bug the issue found, on a real store: after `<`, `:health` opened
  /// the form and Enter wrote into the live store.
  func testHealthInThePastReachesNothingOnARealStore() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.clock.advance(minutes: 75)
    f.press(.char("<"))
    XCTAssertTrue(f.lines[0].contains("回看"), f.lines[0])
    let before = f.store.lastSeq
    f.press(.char(":"))
    f.type("health")
    f.press(.enter)
    XCTAssertEqual(f.lines[22].trimmingCharacters(in: .whitespaces), Self.refusal)
    XCTAssertNil(f.row(containing: Strings(.zh)("form.health.title")), "no form in the past")
    f.press(.enter, .enter, .char("y"))
    for key in ["r", "f", "d", "v", "o", "a", "h", "m", "s", "i", "e", "t", "c", "p", "x", "n", "A"] {
      for pane in ["1", "2", "3", "4"] {
        f.press(.char(Character(pane)), .char(Character(key)))
        f.press(.ctrl("s"), .char("y"), .esc, .char("y"))
      }
    }
    f.settle()
    XCTAssertEqual(f.store.lastSeq, before, "nothing reached the store")
  }
}
