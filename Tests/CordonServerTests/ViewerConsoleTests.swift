import CordonModel
import CordonServer
import CordonTUI
import CordonWire
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A console connected to a real server as a principal with the viewer role:
/// every data-changing key and `:` command is refused in the console with
/// the same message as in the past, and nothing reaches the store.
final class ViewerConsoleTests: XCTestCase {
  func testAViewersConsoleRefusesEveryChangeAndSendsNothing() throws {
    guard let pw = getpwuid(getuid()), let name = pw.pointee.pw_name else { throw XCTSkip("no account name") }
    let me = String(cString: name)
    // The server runs as another uid here, so this user gets only its [users] entry.
    let h = try ServerHarness(access: AccessConfig(users: [me: .init(role: .viewer)], serverUID: UInt32.max - 7))
    defer { h.shutdown() }
    let remote = RemoteSource(socketPath: h.socketPath)
    defer { remote.close() }
    try remote.connect()
    XCTAssertEqual(remote.principal?.role, .viewer)
    let app = ConsoleApp(source: remote, language: .zh)
    XCTAssertTrue(app.readOnly)
    let before = h.store.lastSeq
    let refusal = Strings(.zh)("status.readOnly")
    for (i, pane) in PaneKind.allCases.enumerated() {
      app.handle(.char(Character(String(i + 1))))
      XCTAssertEqual(app.focus, pane)
      for action in Action.allCases where action.changesData && (action.pane == nil || action.pane == pane) {
        for key in KeyMap.defaults.keys(for: action) {
          app.handle(key)
          app.settleEffects()
          XCTAssertEqual(app.status?.text, refusal, "\(action) on \(pane)")
          XCTAssertEqual(app.mode, .normal, "\(action) on \(pane) opened something")
        }
      }
    }
    for line in ["health", "round", "fever", "directive", "approve rq1 5", "item kn95 KN95 只"] {
      app.handle(.char(":"))
      for c in line { app.handle(.char(c)) }
      app.handle(.enter)
      app.settleEffects()
      XCTAssertEqual(app.status?.text, refusal, ":\(line)")
      XCTAssertEqual(app.mode, .normal, ":\(line) opened something")
    }
    XCTAssertEqual(h.store.lastSeq, before, "nothing reached the store")
  }
}
