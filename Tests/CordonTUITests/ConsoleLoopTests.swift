import CordonModel
import XCTest

@testable import CordonTUI

/// The real loop on the test terminal: key sequences as a terminal delivers
/// them (several keys in one read), without tmux.
final class ConsoleLoopTests: XCTestCase {
  /// Hands the loop one batch of keys per wake-up, then hangs up.
  final class ScriptedWaiter: ConsoleWaiter {
    var batches: [[Key]]
    let terminal: TestTerminal
    var waits = 0
    init(_ batches: [[Key]], terminal: TestTerminal) {
      self.batches = batches
      self.terminal = terminal
    }
    func wait(clock: Bool) -> Wakeup {
      waits += 1
      guard !batches.isEmpty else { return Wakeup(stop: true) }
      terminal.pendingKeys = batches.removeFirst()
      return Wakeup(input: true, messages: true)
    }
  }

  func testKeySequencesThroughTheLoopFilterAndQuit() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    let terminal = TestTerminal(width: 80, height: 24)
    let waiter = ScriptedWaiter(
      [[.char("2"), .char("/")], [.char("热"), .char("力")], [.enter]], terminal: terminal)
    let loop = ConsoleLoop(app: f.app, terminal: terminal, waiter: waiter)
    loop.run()
    XCTAssertTrue(terminal.screen.lines[2].hasPrefix("┌[2 检查点状态 /热力 (13/32)]"), terminal.screen.lines[2])
    XCTAssertEqual(loop.wakeups.keys, 3)
    XCTAssertFalse(f.app.wantsQuit)

    let quitting = ScriptedWaiter([[.char("q")], [.char("1")]], terminal: terminal)
    ConsoleLoop(app: f.app, terminal: terminal, waiter: quitting).run()
    XCTAssertTrue(f.app.wantsQuit)
    XCTAssertEqual(quitting.batches.count, 1, "the loop stops at q")
  }

  func testAFormSavedThroughTheLoopReachesTheStoreAndClosesTheForm() throws {
    let f = try ScreenFixture(width: 80, height: 24)
    let terminal = TestTerminal(width: 80, height: 24)
    let before = f.store.lastSeq
    let keys: [Key] = [.char("2"), .char("r"), .tab] + "12".map { .char($0) } + [.enter, .enter]
    ConsoleLoop(app: f.app, terminal: terminal, waiter: ScriptedWaiter([keys], terminal: terminal)).run()
    f.app.settleEffects()
    XCTAssertGreaterThan(f.store.lastSeq, before)
    XCTAssertEqual(f.app.mode, .normal, "the saved form closed")
    XCTAssertEqual(f.app.status?.text.hasPrefix("已保存"), true, "\(String(describing: f.app.status))")
  }
}
