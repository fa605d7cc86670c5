import CordonModel
import CordonSession
import CordonStore
import CordonTUI
import Foundation
import Synchronization
import XCTest

/// A console on a real store in a temporary directory, at a fixed moment,
/// drawn into an in-memory terminal.
final class ScreenFixture {
  static let moment = CordonState().calendar.parse("2020-02-07 09:30") ?? Instant(milliseconds: 0)
  let dir: URL
  let store: EventStore<CordonDomain>
  let app: ConsoleApp
  let terminal: TestTerminal
  let renderer: Renderer

  /// The clock the store and the console read; tests move it.
  let clock = TestClock(ScreenFixture.moment)

  init(
    width: Int, height: Int, language: Language = .zh, colors: Int = 256, theme: Theme = .builtinDefault,
    unit: String? = "hq", organisation: CordonCommand? = nil, empty: Bool = false
  ) throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-screen-\(UUID().uuidString)")
    let moment = Self.moment
    let clock = self.clock
    store = try EventStore<CordonDomain>.open(directory: dir, clock: { clock.now })
    let cal = store.state.calendar
    let day = cal.day(of: moment)
    let events =
      DemoOrganisation.registration()
      + DemoOrganisation.shifts(fromDay: day - 1, toDay: day + 1, calendar: cal, existing: [])
    // An organisation file's batch instead of the demo: the console as a new group first sees it.
    // `empty`: nothing at all, as a group sees its first run.
    if !empty {
      // The demo's people on duty signed in at the shift change, in the same batch.
      let signIns = events.compactMap { e -> CordonCommand? in
        guard case .shiftAssigned(let s) = e, s.covers(moment) else { return nil }
        return .signIn(shift: s.id)
      }
      let done = DispatchSemaphore(value: 0)
      store.submit(organisation ?? .batch([.register(events)] + signIns), actor: "demo", unit: "hq") { _ in
        done.signal()
      }
      done.wait()
    }
    let source = EmbeddedSource(
      store: store, path: dir.path, isDemo: organisation == nil && !empty, actor: "duty", unit: unit)
    app = ConsoleApp(source: source, language: language, clock: { clock.now })
    terminal = TestTerminal(width: width, height: height, colors: colors, theme: theme)
    renderer = Renderer(terminal: terminal)
    renderer.draw(app)
  }

  deinit {
    store.close()
    try? FileManager.default.removeItem(at: dir)
  }

  var lines: [String] { terminal.screen.lines }

  /// Presses keys as a user would, then lets what they started (a history
  /// read, a file written, a command sent) come back before the next frame.
  func press(_ keys: Key...) {
    for k in keys { app.handle(k) }
    app.settleEffects()
    renderer.draw(app)
  }

  func type(_ text: String) {
    for c in text { app.handle(.char(c)) }
    app.settleEffects()
    renderer.draw(app)
  }

  /// Runs a command through the real store and waits until the console has seen it.
  func submit(_ c: CordonCommand) throws {
    let done = DispatchSemaphore(value: 0)
    store.submit(c, actor: "tester", unit: nil) { _ in done.signal() }
    done.wait()
    settle()
  }

  /// Handles messages from the store until none arrive for a moment.
  func settle(timeout: TimeInterval = 2) {
    let deadline = Date().addingTimeInterval(timeout)
    var quiet = 0
    while Date() < deadline && quiet < 5 {
      if app.processInbox() { quiet = 0 } else { quiet += 1 }
      Thread.sleep(forTimeInterval: 0.01)
    }
    renderer.draw(app)
  }

  func assertEveryLineIsExactlyTheWidth(file: StaticString = #filePath, line: UInt = #line) {
    for (i, l) in lines.enumerated() {
      XCTAssertEqual(DisplayWidth.of(l), terminal.width, "row \(i): \(l)", file: file, line: line)
    }
  }

  func row(containing text: String) -> String? { lines.first { $0.contains(text) } }

  /// Column of `text` in row `y`, in cells.
  func column(of text: String, row y: Int) -> Int? {
    let line = lines[y]
    guard let r = line.range(of: text) else { return nil }
    return DisplayWidth.of(String(line[..<r.lowerBound]))
  }
}

/// A clock tests set by hand.
final class TestClock: Sendable {
  private let value: Mutex<Instant>
  init(_ start: Instant) { value = Mutex(start) }
  var now: Instant { value.withLock { $0 } }
  func advance(minutes: Int64) { value.withLock { $0 = $0.adding(minutes: minutes) } }
}
