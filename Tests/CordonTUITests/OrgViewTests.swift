import CordonModel
import CordonSession
import EventSourcing
import XCTest

@testable import CordonTUI

/// The organisation view's model and update alone: keys in, the view's
/// state and the commands its forms send out. No store, no terminal.
final class OrgViewTests: XCTestCase {
  typealias U = ConsoleUpdateTests

  static func open(_ m: inout ConsoleModel) {
    U.keys(&m, .char(":"))
    U.type(&m, "org")
    U.keys(&m, .enter)
  }

  static func submitted(_ effects: [ConsoleEffect]) -> GatedCommand? {
    for e in effects { if case .submit(let g) = e { return g } }
    return nil
  }

  func testTheCommandRoleOpensItAndMovesThroughItsListsAndBack() throws {
    var m = try U.model()
    U.keys(&m, .char("3"))
    Self.open(&m)
    XCTAssertEqual(m.focus, .org)
    XCTAssertEqual(m.options.org, OrgPane.Scope(section: .units))
    XCTAssertEqual(m.visibleRows(.org).map(\.id), m.state.orderedUnits.map(\.id))
    U.keys(&m, .tab, .tab)
    XCTAssertEqual(m.options.org.section, .people)
    U.keys(&m, .left, .left)
    XCTAssertEqual(m.options.org.section, .units)
    // Enter on a unit: its sites only.
    U.keys(&m, .down)
    let unit = try XCTUnwrap(m.selectedRowID)
    U.keys(&m, .enter)
    XCTAssertEqual(m.options.org, OrgPane.Scope(section: .sites, unit: unit))
    let sites = m.visibleRows(.org).map(\.id)
    XCTAssertFalse(sites.isEmpty)
    XCTAssertEqual(sites, m.state.orderedSites.filter { $0.unit == unit }.map(\.id))
    U.keys(&m, .tab)
    XCTAssertTrue(m.visibleRows(.org).allSatisfy { m.state.people[$0.id]?.unit == unit }, "people of that unit")
    // Esc: back to all units with that unit selected, then out to the pane it came from.
    U.keys(&m, .esc)
    XCTAssertEqual(m.options.org, OrgPane.Scope(section: .units))
    XCTAssertEqual(m.selectedRowID, unit)
    U.keys(&m, .esc)
    XCTAssertEqual(m.focus, .stock)
    // The hint bar and help show one action per key on the view.
    let keys = KeyMap.defaults.visible(pane: .org, readOnly: false).map(\.key)
    XCTAssertEqual(keys.count, Set(keys).count)
    XCTAssertEqual(KeyMap.defaults.action(for: .tab, on: .org), .orgNextSection)
    XCTAssertEqual(KeyMap.defaults.action(for: .tab, on: .roster), .nextPane)
    for a in OrgPane().actions {
      XCTAssertTrue(Strings(.en).has("action.\(a.id)"), "\(a.id)")
      if a.hint { XCTAssertTrue(Strings(.zh).has("hint.\(a.id)"), "\(a.id)") }
    }
  }

  func testOtherRolesAreRefusedTheView() throws {
    for role in [Role.operator, .inspector, .viewer] {
      let info = SourceInfo(
        kind: .server(path: "cordon.sock"), isDemo: false, actor: "li", unit: "heating", role: role)
      var m = try U.model(info: info)
      Self.open(&m)
      XCTAssertEqual(m.focus, .roster, "\(role)")
      XCTAssertEqual(
        m.status?.text, Strings(.zh)("org.commandOnly", Strings(.zh)("org.role.\(role.rawValue)")), "\(role)")
    }
  }

  func testAddingASiteSendsAddSiteAndARefusalLandsUnderItsField() throws {
    var m = try U.model()
    Self.open(&m)
    U.keys(&m, .enter)  // into the first unit's sites
    let unit = try XCTUnwrap(m.options.org.unit)
    U.keys(&m, .char("a"))
    guard case .form(let blank) = m.mode else { return XCTFail("no form: \(m.mode)") }
    XCTAssertEqual(blank.fields.count, 11)
    XCTAssertEqual(blank.value(.unit), unit, "the unit looked into is chosen")
    U.type(&m, "hq-gate")
    U.keys(&m, .tab)
    U.type(&m, "东门岗")
    U.keys(&m, .tab, .tab, .tab, .tab)
    U.keys(&m, .backspace)
    U.type(&m, "99")
    let effects = U.keys(&m, .ctrl("s"))
    let gated = try XCTUnwrap(Self.submitted(effects), "\(effects)")
    guard case .addSite(let spec, open: true) = gated.command else { return XCTFail("\(gated.command)") }
    XCTAssertEqual(spec.id, "hq-gate")
    XCTAssertEqual(spec.unit, unit)
    XCTAssertEqual(spec.roundsPerDay, 99)
    // The validator's refusal, as the store sends it back, goes under that field.
    let refusal: Refusal
    do {
      _ = try CordonDomain.decide(
        gated.command, context: CommandContext(actor: "t", unit: nil, now: m.now), state: m.state)
      return XCTFail("99 rounds a day was accepted")
    } catch { refusal = error }
    XCTAssertEqual(refusal.commandField, .roundsPerDay)
    _ = ConsoleUpdate.update(&m, .refused(.refused(refusal), formToken: gated.formToken))
    guard case .form(let f) = m.mode else { return XCTFail("the form closed on a refusal") }
    XCTAssertNotNil(f.fields.first { $0.id == .roundsPerDay }?.error)
    XCTAssertEqual(f.value(.id), "hq-gate", "what was typed stays")
    // Corrected and saved: back on the view, where it was.
    U.keys(&m, .backspace, .backspace)
    U.type(&m, "4")
    let again = try XCTUnwrap(Self.submitted(U.keys(&m, .ctrl("s"))))
    _ = ConsoleUpdate.update(&m, .saved(seq: 7, formToken: again.formToken))
    XCTAssertEqual(m.mode, .normal)
    XCTAssertEqual(m.focus, .org)
    XCTAssertEqual(m.options.org, OrgPane.Scope(section: .sites, unit: unit))
  }

  func testMovingAPersonWithOpenShiftsAsksThenConfirms() throws {
    var m = try U.model()
    let shift = try XCTUnwrap(
      m.state.openShifts(at: m.now) { _ in true }.first { m.state.people[$0.person]?.unit == $0.unit })
    let person = try XCTUnwrap(m.state.people[shift.person])
    let other = try XCTUnwrap(m.state.orderedUnits.first { $0.id != person.unit })
    Self.open(&m)
    U.keys(&m, .tab, .tab)
    U.keys(&m, .char("/"))
    U.type(&m, person.id)
    U.keys(&m, .enter)
    XCTAssertEqual(m.selectedRowID, person.id)
    U.keys(&m, .char("e"))
    guard case .form(var f) = m.mode else { return XCTFail("no form") }
    let unitField = try XCTUnwrap(f.fields.firstIndex { $0.id == .unit })
    guard case .choice(let choices) = f.fields[unitField].kind else { return XCTFail("unit is not a choice") }
    f.fields[unitField].choiceIndex = try XCTUnwrap(choices.firstIndex { $0.value == other.id })
    m.mode = .form(f)
    let first = try XCTUnwrap(Self.submitted(U.keys(&m, .ctrl("s"))))
    guard case .updatePerson(person.id, let changes, confirm: false) = first.command else {
      return XCTFail("\(first.command)")
    }
    XCTAssertEqual(changes.unit, other.id)
    let refusal: Refusal
    do {
      _ = try CordonDomain.decide(
        first.command, context: CommandContext(actor: "t", unit: nil, now: m.now), state: m.state)
      return XCTFail("moved with open shifts and no question")
    } catch { refusal = error }
    XCTAssertEqual(refusal.code, "org.moveShifts")
    _ = ConsoleUpdate.update(&m, .refused(.refused(refusal), formToken: first.formToken))
    guard case .form(let asked) = m.mode else { return XCTFail("closed") }
    XCTAssertTrue(asked.override)
    XCTAssertTrue(asked.error?.contains(Strings(.zh)("form.confirmOverride")) ?? false, asked.error ?? "")
    let second = try XCTUnwrap(Self.submitted(U.keys(&m, .ctrl("s"))))
    guard case .updatePerson(person.id, _, confirm: true) = second.command else { return XCTFail("\(second.command)") }
    let events = try CordonDomain.decide(
      second.command, context: CommandContext(actor: "t", unit: nil, now: m.now), state: m.state)
    XCTAssertTrue(events.contains { if case .shiftCancelled(shift.id, _) = $0 { true } else { false } })
  }

  func testRetiringAsksFirstAndNamesTheOpenShifts() throws {
    var m = try U.model()
    let shift = try XCTUnwrap(m.state.openShifts(at: m.now) { _ in true }.first)
    let person = try XCTUnwrap(m.state.people[shift.person])
    let open = m.state.openShifts(at: m.now) { $0.person == person.id }.count
    Self.open(&m)
    U.keys(&m, .tab, .tab, .char("/"))
    U.type(&m, person.id)
    U.keys(&m, .enter, .char("x"))
    guard case .confirm(let question, .retirePerson(person.id, confirm: true)) = m.mode else {
      return XCTFail("\(m.mode)")
    }
    XCTAssertEqual(question, Strings(.zh)("org.retire.personShifts", person.name, person.id, String(open)))
    XCTAssertEqual(U.keys(&m, .char("n")), [])
    XCTAssertEqual(m.focus, .org, "a question answered no returns to the view")
    U.keys(&m, .char("x"))
    let gated = try XCTUnwrap(Self.submitted(U.keys(&m, .char("y"))))
    XCTAssertEqual(gated.command, .retirePerson(id: person.id, confirm: true))
    XCTAssertEqual(m.focus, .org)
  }

  func testSettingsAreEditedInOneFormAndParseErrorsNameTheField() throws {
    var m = try U.model()
    Self.open(&m)
    U.keys(&m, .backTab)
    XCTAssertEqual(m.options.org.section, .settings)
    // Every setting `changeSettings` takes, one row each.
    let all = OrgPane.settingValues(m.state.settings).map(\.0)
    XCTAssertEqual(m.visibleRows(.org).map(\.id), all.map(\.rawValue))
    XCTAssertEqual(Set(all).count, 13)
    XCTAssertEqual(
      all.count, Mirror(reflecting: SettingsChanges()).children.count, "a setting the view and its form leave out")
    U.keys(&m, .char("e"))
    guard case .form(let f) = m.mode else { return XCTFail("no form") }
    XCTAssertEqual(f.fields.map(\.id), all)
    XCTAssertEqual(f.value(.feverThreshold), m.state.settings.feverThreshold.description)
    U.keys(&m, .backspace, .backspace, .backspace, .backspace)
    U.type(&m, "hot")
    XCTAssertNil(Self.submitted(U.keys(&m, .ctrl("s"))))
    guard case .form(let refused) = m.mode else { return XCTFail("closed") }
    XCTAssertNotNil(refused.fields.first { $0.id == .feverThreshold }?.error)
    U.keys(&m, .backspace, .backspace, .backspace)
    U.type(&m, "37.5")
    let gated = try XCTUnwrap(Self.submitted(U.keys(&m, .ctrl("s"))))
    guard case .changeSettings(let c) = gated.command else { return XCTFail("\(gated.command)") }
    XCTAssertEqual(c.feverThreshold, Celsius(tenths: 375))
  }

  func testCategoryWordsOfTheRegisterAndTheViewAreTakenBack() throws {
    let t = Strings(.en)
    XCTAssertEqual(
      try OrgForms.categories("值班值守人员、志愿者在岗, on duty; volunteer", t),
      [.onDuty, .volunteer, .onDuty, .volunteer])
    for lang in [Language.zh, .en] {
      let all = PersonCategory.allCases
      XCTAssertEqual(try OrgForms.categories(OrgPane.categories(all, Strings(lang)), t), all)
    }
    XCTAssertThrowsError(try OrgForms.categories("值班, 神仙", t)) {
      XCTAssertEqual(($0 as? FormCatalog.FieldError)?.field, .categories)
    }
  }

  /// A form with more fields than fit shows one row a field; smaller still,
  /// it scrolls with the focus, and every field is shown whole when focused.
  func testLongFormsFitOneRowAFieldAndScrollWithoutCuttingAField() throws {
    let state = try FieldMappingTests.state()
    let t = Strings(.zh)
    for purpose in [FormPurpose.addSite(unit: nil), .changeSettings, .addUnit, .addPerson(unit: nil)] {
      var f = OrgForms.make(purpose, state: state, strings: t)
      for (w, h) in [(80, 24), (120, 36), (60, 15)] {
        let body = ScreenLayout(width: w, height: h, focus: .org).body
        for focus in f.fields.indices {
          f.focus = focus
          let l = OverlayView.formLayout(f, in: body)
          XCTAssertLessThanOrEqual(l.box.maxY, body.maxY, "\(purpose) \(w)x\(h)")
          let y = try XCTUnwrap(l.y(of: focus), "\(purpose) \(w)x\(h): the focused field is not shown")
          XCTAssertLessThan(y, l.box.maxY - 3, "\(purpose) \(w)x\(h): field \(focus) under the error line")
          XCTAssertEqual(OverlayView.formField(at: l.box.x + 3, y, f, in: body), focus)
          if w == 80 && h == 24 { XCTAssertEqual(l.shown, f.fields.count, "\(purpose): every field at 80x24") }
        }
      }
    }
  }
}
