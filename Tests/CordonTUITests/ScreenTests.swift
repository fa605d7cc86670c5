import CordonModel
import CordonStore
import CordonTUI
import XCTest

final class ScreenTests: XCTestCase {
  func testChineseAt80x24ShowsOnePaneWithTabsAndCounts() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    let l = f.lines
    XCTAssertEqual(l[0], " 产投集团 Cordon  2020-02-07 09:30  本地库  演示  duty@集团机关      急 2  警 0 ")
    // In pane-number order (the alert queue's tab is no longer moved to the right end).
    XCTAssertEqual(l[1], " 1 值班表  2 检查点状态  3 物资储备 !2  4 告警队列 急2 警0  5 值班              ")
    XCTAssertEqual(l[2], "┌[1 值班表]────────────────────────────────────────────────────────────────────┐")
    XCTAssertEqual(l[3], "│单位          岗位     当前在岗     剩余 下一班       0          12         23│")
    XCTAssertEqual(l[17], "│热力总公司    值班经理 李勇       10h30m 20:00 罗涛   =========#==============│")
    XCTAssertEqual(l[21], "└──────────────────────────────────────────────────────────────────────────────┘")
    XCTAssertEqual(l[23], " Tab 切换  Enter 详情  / 筛选  : 命令  ? 帮助  q 退出  a 排班  h 交接           ")
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testASCIIBordersAt80x24() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.renderer.ascii = true
    f.renderer.invalidate()
    f.renderer.draw(f.app)
    let l = f.lines
    XCTAssertEqual(l[2], "+[1 值班表]" + String(repeating: "-", count: 68) + "+")
    XCTAssertEqual(l[3], "|单位          岗位     当前在岗     剩余 下一班       0          12         23|")
    XCTAssertEqual(l[21], "+" + String(repeating: "-", count: 78) + "+")
    for y in 3..<21 {
      XCTAssertTrue(l[y].hasPrefix("|") && l[y].hasSuffix("|"), "row \(y): \(l[y])")
    }
    // Other panes and the alerts' ·, ×, → too: nothing on screen whose width the terminal decides.
    for key in ["2", "3", "4"] {
      f.press(.char(Character(key)))
      for (y, line) in f.lines.enumerated() {
        XCTAssertFalse(line.contains(where: AmbiguousWidth.isAmbiguous), "pane \(key) row \(y): \(line)")
      }
      f.assertEveryLineIsExactlyTheWidth()
    }
    XCTAssertTrue(f.lines[2].hasPrefix("+[4 告警队列"), f.lines[2])
  }

  func testAmbiguousWidthProbeReadsTheCursorReport() {
    XCTAssertEqual(AmbiguousWidthProbe.parse(Array("\u{1B}[12;2R".utf8)), false)
    XCTAssertEqual(AmbiguousWidthProbe.parse(Array("x\u{1B}[1;3R".utf8)), true)
    XCTAssertNil(AmbiguousWidthProbe.parse(Array("\u{1B}[1;9R".utf8)))
    XCTAssertNil(AmbiguousWidthProbe.parse([]), "no answer: not detected")
    XCTAssertNil(AmbiguousWidthProbe.parse(Array("\u{1B}[1;".utf8)))
    XCTAssertEqual(AmbiguousWidth.ascii("─"), "-")
    XCTAssertEqual(AmbiguousWidth.ascii("℃"), "C")
    XCTAssertEqual(AmbiguousWidth.ascii("热"), "热")
    XCTAssertEqual(AmbiguousWidth.ascii("§"), "?")
  }

  func testEnglishAt80x24() throws {
    let f = try ScreenFixture(width: 80, height: 24, language: .en)
    // The user part does not fit whole at 80 columns in English, so it is left out rather than cut.
    XCTAssertEqual(f.lines[0], " CIG Group Cordon  2020-02-07 09:30  local store  demo           CRIT 2  WARN 0 ")
    XCTAssertEqual(f.lines[1], " 1 Duty roster  2 Checkpoints  3 Supply stock !2  4 Alerts CRIT2 WARN0  5 Duty  ")
    XCTAssertTrue(f.lines[3].hasPrefix("│Unit          Role     On duty"), f.lines[3])
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testGridAt200x50ShowsAllFourPanes() throws {
    let f = try ScreenFixture(width: 200, height: 50)
    let l = f.lines
    XCTAssertTrue(l[1].hasPrefix("┌[1 值班表]"))
    XCTAssertTrue(l[1].contains("┐┌ 2 检查点状态 ─"))
    XCTAssertEqual(
      f.row(containing: "金堆城职工小区检查点")?.split(separator: "│").last.map(String.init),
      "开放   金堆城职工小区检查点   金钼物业渭南分    3 未报                  0/1                       ")
    let alertRow = try XCTUnwrap(f.row(containing: "84消毒液 低于下限"))
    XCTAssertTrue(
      alertRow.hasSuffix("││!!急     90 待处理 热力总公 热力总公司 84消毒液 低于下限 50                                 0m  ×1│"),
      alertRow)
    XCTAssertTrue(l[24].hasSuffix("┐┌ 4 告警队列 急2 警0 " + String(repeating: "─", count: 78) + "┐"), l[24])
    XCTAssertTrue(l[49].hasPrefix(" Tab 切换  Enter 详情"))
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testBelowTheMinimumSaysWhatSizeIsNeeded() throws {
    let f = try ScreenFixture(width: 59, height: 14)
    XCTAssertEqual(f.lines[0].trimmingCharacters(in: .whitespaces), "终端太小：当前 59×14，至少需要 60×15")
    f.terminal.resize(width: 80, height: 24)
    f.renderer.invalidate()
    f.renderer.draw(f.app)
    XCTAssertTrue(f.lines[1].hasPrefix(" 1 值班表"))
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testSeverityIsShownByTextAndStyleInBothThemes() throws {
    for (theme, colors) in [(Theme.builtinDefault, 256), (Theme.builtinMono, 0)] {
      let f = try ScreenFixture(width: 200, height: 50, colors: colors, theme: theme)
      let y = try XCTUnwrap(f.lines.firstIndex { $0.contains("84消毒液 低于下限") })
      let x = try XCTUnwrap(f.column(of: "!!急", row: y))
      let look = f.terminal.look(x: x, y: y)
      if colors == 0 {
        XCTAssertEqual(look, ResolvedStyle(attributes: [.bold, .underline]), "mono: attributes only")
      } else {
        XCTAssertEqual(look.bg, .index(160))
      }
      f.assertEveryLineIsExactlyTheWidth()
    }
  }

  func testEveryThemeRendersAtEveryColourDepth() throws {
    let dir = ThemeTests.themes
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".toml") }.sorted()
    XCTAssertGreaterThanOrEqual(files.count, 8)
    for file in files {
      let theme = try Theme.load(dir.appendingPathComponent(file).path, searchPaths: [])
      for colors in [Theme.directColors, 256, 16, 0] {
        let f = try ScreenFixture(width: 80, height: 24, colors: colors, theme: theme)
        f.press(.char("4"))
        let y = try XCTUnwrap(f.lines.firstIndex { $0.contains("!!急") }, "\(file) at \(colors)")
        let x = try XCTUnwrap(f.column(of: "!!急", row: y))
        let look = f.terminal.look(x: x, y: y)
        // A critical row always stands out: by colour or by attributes.
        XCTAssertTrue(look.bg != .terminalDefault || !look.attributes.isEmpty, "\(file) at \(colors)")
        if colors < 256 {
          for t in StyleToken.allCases {
            let s = f.terminal.theme.style(t)
            for c in [s.fg, s.bg] {
              if case .index(let i) = c { XCTAssertLessThan(i, max(colors, 1), "\(file) \(t) at \(colors)") }
              XCTAssertFalse(c.isTrueColour, "\(file) \(t) at \(colors)")
            }
          }
        }
        f.assertEveryLineIsExactlyTheWidth()
      }
    }
  }

  func testChineseFilterNarrowsTheFocusedPaneIncrementally() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.press(.char("2"), .char("/"))
    f.type("热")
    XCTAssertTrue(f.lines[2].hasPrefix("┌[2 检查点状态 /热 (13/32)]"), f.lines[2])
    f.type("力 第一")
    XCTAssertTrue(f.lines[2].hasPrefix("┌[2 检查点状态 /热力 第一 (1/32)]"), f.lines[2])
    XCTAssertTrue(f.lines[4].contains("第一热力站"))
    XCTAssertEqual(f.lines[22].trimmingCharacters(in: .whitespaces), "筛选：热力 第一")
    f.press(.backspace, .backspace, .backspace, .enter)
    XCTAssertTrue(f.lines[2].hasPrefix("┌[2 检查点状态 /热力 (13/32)]"), f.lines[2])
    for row in f.lines[4..<17] { XCTAssertTrue(row.contains("热力站"), row) }
    f.press(.esc)
    XCTAssertTrue(f.lines[2].hasPrefix("┌[2 检查点状态]"), f.lines[2])
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testFormRefusesAnImplausibleReadingInlineAndSavesNothing() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    let before = f.store.lastSeq
    f.press(.char("2"), .char("f"), .tab)
    f.type("张三")
    f.press(.tab)
    f.type("45.0")
    f.press(.enter)
    f.settle()
    XCTAssertNotNil(f.row(containing: "! 体温 45.0℃ 不在 35.0–42.0℃ 之间"), f.lines.joined(separator: "\n"))
    XCTAssertNotNil(f.row(containing: "张三"), "what was typed stays")
    XCTAssertEqual(f.store.lastSeq, before)
    // Correct the reading: saved, the form closes, the alert appears.
    f.press(.backspace, .backspace, .backspace, .backspace)
    f.type("38.5")
    f.press(.enter)
    f.settle()
    XCTAssertGreaterThan(f.store.lastSeq, before)
    XCTAssertNil(f.row(containing: "录入发热病例"), "the form closed")
    f.press(.char("4"))
    XCTAssertNotNil(f.row(containing: "发热：张三 在"), f.lines.joined(separator: "\n"))
    f.assertEveryLineIsExactlyTheWidth()
  }

  func testEscOnATypedFormAsksBeforeDiscarding() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.press(.char("2"), .char("r"), .tab)
    f.type("12")
    f.press(.esc)
    XCTAssertEqual(f.lines[22].trimmingCharacters(in: .whitespaces), "放弃已输入的内容？(y/n)")
    f.press(.char("n"))
    XCTAssertNotNil(f.row(containing: "录入测温"))
    f.press(.esc, .char("y"))
    XCTAssertNil(f.row(containing: "录入测温"))
  }

  func testChangesFromTheStoreAppearLive() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.press(.char("2"))
    try f.submit(.recordRound(site: "hq-dutyroom", checked: 12, fevers: 0, acceptMissingCases: false))
    XCTAssertNotNil(f.row(containing: "12人/0热 0m前"), f.lines.joined(separator: "\n"))
  }

  func testHelpListsEveryVisibleActionFromTheKeyTable() throws {
    let f = try ScreenFixture(width: 200, height: 50)
    f.press(.char("4"), .char("?"))
    let screen = f.lines.joined(separator: "\n")
    let t = Strings(.zh)
    for b in KeyMap.defaults.visible(pane: .alerts, readOnly: false) {
      XCTAssertTrue(screen.contains(t("action.\(b.action.rawValue)")), "\(b.action) missing from help")
    }
    XCTAssertFalse(screen.contains(t("action.recordRound")), "checkpoint actions are not offered on the alerts pane")
    f.press(.esc)
    XCTAssertFalse(f.lines.joined().contains(t("help.title")))
  }

  func testAnUnchangedFrameWritesNothing() throws {
    let f = try ScreenFixture(width: 200, height: 50)
    f.renderer.draw(f.app)
    XCTAssertEqual(f.renderer.lastRunCells, 0)
    f.press(.down)
    XCTAssertGreaterThan(f.renderer.lastRunCells, 0)
    XCTAssertLessThan(f.renderer.lastRunCells, 2 * 100, "moving the selection redraws two rows, not the screen")
  }
}

final class ViewTests: XCTestCase {
  func testSteppingBackAnHourShowsThePastReadOnlyAndLReturnsToLive() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.clock.advance(minutes: 75)  // 10:45
    f.press(.char("2"))
    try f.submit(.recordRound(site: "hq-dutyroom", checked: 12, fevers: 0, acceptMissingCases: false))
    XCTAssertNotNil(f.row(containing: "12人/0热"))
    f.press(.char("<"))
    XCTAssertTrue(f.lines[0].contains("回看 2020-02-07 10:00"), f.lines[0])
    XCTAssertTrue(f.lines[0].contains("只读"), f.lines[0])
    XCTAssertNil(f.row(containing: "12人/0热"), "at 10:00 the 10:45 round had not happened")
    let atTen = try f.store.state(at: try XCTUnwrap(CordonState().calendar.parse("2020-02-07 10:00")))
    XCTAssertEqual(f.app.state, atTen, "the past shown is the store's state at that moment")
    f.press(.char("r"))
    XCTAssertEqual(f.lines[22].trimmingCharacters(in: .whitespaces), "只读模式，不能修改")
    f.press(.char("L"))
    XCTAssertFalse(f.lines[0].contains("回看"))
    XCTAssertNotNil(f.row(containing: "12人/0热"))
  }

  func testRegisterViewCountsByCategoryAndMissing() throws {
    let f = try ScreenFixture(width: 120, height: 36)
    let day = CordonState().calendar.day(of: ScreenFixture.moment)
    try f.submit(
      .registerHealth(
        person: "jindun-officer-1", day: day, category: .onPost, morningCheck: Celsius(tenths: 375),
        travellerContact: false,
        remarks: ""))
    f.press(.char(":"))
    f.type("register")
    f.press(.enter)
    let jindun = try XCTUnwrap(
      f.lines.first { $0.contains("金盾护卫") && $0.contains(" / ") }, f.lines.joined(separator: "\n"))
    XCTAssertTrue(jindun.contains("金盾护卫        0 / 1 / 0 / 0 / 0 / 0 / 8"), jindun)
    XCTAssertTrue(f.lines.contains { $0.contains("合计") && $0.contains("0 / 1 / 0 / 0 / 0 / 0 / 44") })
    XCTAssertTrue(
      f.lines.contains { $0.contains("!! ") && $0.contains(" 37.5") }, "a fever in the register is called out")
  }

  func testPendingDirectiveStaysOnTheTargetConsoleUntilAcknowledged() throws {
    let f = try ScreenFixture(width: 80, height: 24, unit: "jindun")
    try f.submit(
      .issueDirective(
        text: "今晚起小区实行封闭管理", targets: ["jindun", "jinyuan"], deadline: ScreenFixture.moment.adding(minutes: 60)))
    XCTAssertTrue(f.lines[22].contains("今晚起小区实行封闭管理"), f.lines[22])
    f.press(.char(":"))
    f.type("ackdir d\(f.store.state.directives.values.first.map { $0.id.dropFirst() } ?? "")")
    f.press(.enter)
    f.settle()
    XCTAssertFalse(f.lines[22].contains("今晚起小区实行封闭管理"), f.lines[22])
    XCTAssertEqual(f.store.state.directives.values.first?.acknowledgements["jindun"]?.by, "duty")
  }
}

final class AlertReplayTests: XCTestCase {
  /// The queue rebuilt from the journal on reopening equals the queue seen live.
  func testAlertQueueAfterReopeningEqualsTheLiveQueue() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    try f.submit(.recordFever(site: "ht-1", personName: "张三", reading: Celsius(tenths: 385)))
    f.clock.advance(minutes: 6)
    f.store.tick()
    try f.submit(.acknowledgeAlert(AlertKey(rule: .stockLow, subject: "heating/d84")))
    f.clock.advance(minutes: 300)
    f.store.tick()
    try f.submit(.issueStock(unit: "jindun", item: "d84", quantity: Quantity(30), reason: "消毒"))
    let live = f.store.state.alerts
    XCTAssertGreaterThan(live.count, 5)
    XCTAssertEqual(
      live[AlertKey(rule: .fever, subject: "ht-1/张三")]?.escalationLevel, 2,
      "one step per watchdog tick past the timeout")
    f.store.close()
    let clock = f.clock
    let reopened = try EventStore<CordonDomain>.open(directory: f.dir, clock: { clock.now })
    defer { reopened.close() }
    XCTAssertEqual(reopened.state.alerts, live)
    var replay = CordonState()
    for r in try reopened.records(from: 1) { replay.apply(r) }
    XCTAssertEqual(replay.alerts, live, "from the journal alone, without the snapshot")
  }
}

final class CommandLineTests: XCTestCase {
  func testCatalogueIsExtendableAndWrongUseIsExplained() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.press(.char(":"))
    f.type("item kn95 KN95口罩 只")
    f.press(.enter)
    f.settle()
    XCTAssertEqual(f.store.state.items["kn95"]?.wholePieces, true)
    XCTAssertEqual(f.store.state.items["kn95"]?.name.zh, "KN95口罩")
    f.press(.char(":"))
    f.type("approve rq1")
    f.press(.enter)
    XCTAssertTrue(f.lines[22].hasPrefix("用法不对：approve"), f.lines[22])
    f.press(.char(":"))
    f.type("teleport")
    f.press(.enter)
    XCTAssertTrue(f.lines[22].hasPrefix("未知命令：teleport"), f.lines[22])
  }

  func testTabCompletesCommands() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    f.press(.char(":"))
    f.type("rep")
    f.press(.tab)
    XCTAssertTrue(f.lines[22].contains("命令：report"), f.lines[22])
    f.press(.enter)
    XCTAssertNotNil(f.row(containing: "产投集团疫情防控日日报（2020-02-07）"), f.lines.joined(separator: "\n"))
  }
}

final class AlertPaneTests: XCTestCase {
  func testAcknowledgeTheFilteredSetAfterConfirmation() throws {
    let f = try ScreenFixture(width: 120, height: 36)
    try f.submit(.recordFever(site: "jy-dongfeng", personName: "赵六", reading: Celsius(tenths: 383)))
    f.press(.char("4"), .char("/"))
    f.type("热力")
    f.press(.enter, .char("A"))
    let prompt = f.lines[34].trimmingCharacters(in: .whitespaces)
    XCTAssertEqual(prompt, "确认当前筛选出的 2 条待处理告警？ (y/n)")
    f.press(.char("n"))
    XCTAssertTrue(f.store.state.alerts.values.allSatisfy { $0.state == .open }, "n changes nothing")
    f.press(.char("A"), .char("y"))
    f.settle()
    let acked = f.store.state.alerts.values.filter { $0.state == .acknowledged }.map(\.key.subject).sorted()
    XCTAssertEqual(acked, ["heating/d84", "heating/thermo"])
    XCTAssertEqual(
      f.store.state.alerts[AlertKey(rule: .fever, subject: "jy-dongfeng/赵六")]?.state, .open, "outside the filter")
  }

  func testSilenceFormRefusesAZeroDurationInline() throws {
    let f = try ScreenFixture(width: 120, height: 36)
    f.press(.char("4"), .char("s"))
    f.press(.backspace, .backspace)
    f.type("0")
    f.press(.tab)
    f.type("处理中")
    f.press(.enter)
    f.settle()
    XCTAssertNotNil(f.row(containing: "! 静默时长须在 1 分钟到 7 天之间"), f.lines.joined(separator: "\n"))
  }
}

final class OpenProgressTests: XCTestCase {
  func testABarFillsAsALargeStoreOpensAndSmallStoresDrawNothing() {
    let terminal = TestTerminal(width: 80, height: 24)
    let screen = OpenProgressScreen(terminal: terminal, strings: Strings(.zh))
    screen.update(OpenProgress(bytesDone: 100, bytesTotal: 1 << 20))
    XCTAssertEqual(terminal.cellsWritten, 0, "a small store opens without a bar")
    screen.update(OpenProgress(bytesDone: 37 << 20, bytesTotal: 100 << 20))
    let lines = terminal.screen.lines
    XCTAssertEqual(lines[11].trimmingCharacters(in: .whitespaces), "正在打开数据库 37%")
    XCTAssertEqual(
      lines[12], "          " + String(repeating: "#", count: 22) + String(repeating: ".", count: 38) + "          ")
    let written = terminal.cellsWritten
    screen.update(OpenProgress(bytesDone: (37 << 20) + 5, bytesTotal: 100 << 20))
    XCTAssertEqual(terminal.cellsWritten, written, "the same percent is not redrawn")
  }
}

final class WideCharacterRedrawTests: XCTestCase {
  /// Closing an overlay redraws what its edge cut, and no half glyph is left
  /// on screen. (The regression this guards was only visible through
  /// ncurses in a real terminal; the tmux test
  /// testClosingAnOverlayRedrawsTheWideCharactersItCut reproduces it.)
  func testClosingTheHelpRedrawsTheTitleItsEdgeCut() throws {
    let f = try ScreenFixture(width: 100, height: 30)
    f.press(.char("4"), .char("?"))
    XCTAssertTrue(f.lines.joined().contains("按键帮助"))
    f.press(.esc)
    XCTAssertTrue(f.lines[3].hasPrefix("│级别"), f.lines[3])
    for y in 0..<30 {
      var screenIsSound = true
      for x in 0..<100 where f.terminal.screen[x, y].continuation {
        if x == 0 || DisplayWidth.of(f.terminal.screen[x - 1, y].character) != 2 { screenIsSound = false }
      }
      XCTAssertTrue(screenIsSound, "row \(y): \(f.lines[y])")
    }
  }
}
