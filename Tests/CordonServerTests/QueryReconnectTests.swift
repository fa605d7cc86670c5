import CordonModel
import CordonSession
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A console's query (`cordon audit|report|export --socket`, the remote
/// source's `query`) outlives a server restart: the built `cordon serve`
/// is stopped with the query unanswered in its socket, killed, and started
/// again on the same data, and the query is sent again after the next
/// welcome and answered; so is one asked while the console is reconnecting.
final class QueryReconnectTests: XCTestCase {
  var root: URL!

  override func setUpWithError() throws {
    root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdn-q-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: root)
  }

  var data: URL { root.appendingPathComponent("data") }
  var socket: String { root.appendingPathComponent("s.sock").path }

  func serve(_ binary: URL) throws -> Process {
    let p = Process()
    p.executableURL = binary
    p.arguments = ["serve", "--data", data.path, "--socket", socket]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    // Up when it answers a status request (a socket file left by a killed server says nothing).
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      if (try? StatusProbe.fetch(socketPath: socket, timeoutSeconds: 1)) != nil { return p }
      usleep(50_000)
    }
    p.terminate()
    throw HarnessError(description: "cordon serve did not come up on \(socket)")
  }

  /// A query run on a thread of its own, and its answer once it came.
  final class Asked: Sendable {
    let done = DispatchSemaphore(value: 0)
    private let answer = Mutex<Result<String, Refusal>?>(nil)

    init(_ body: @escaping @Sendable () -> Result<String, Refusal>) {
      Thread { [self] in
        let r = body()
        answer.withLock { $0 = r }
        done.signal()
      }.start()
    }

    var result: Result<String, Refusal>? { answer.withLock { $0 } }
  }

  func testAQueryUnansweredWhenTheServerDiesIsSentAgainAfterTheRestartAndAnswered() throws {
    let binary = try CordonBinaryLocation.find()
    do {
      let store = try EventStore<CordonDomain>.open(directory: data)
      defer { store.close() }
      let done = DispatchSemaphore(value: 0)
      store.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: nil) { _ in done.signal() }
      done.wait()
    }
    var server = try serve(binary)
    defer {
      kill(server.processIdentifier, SIGCONT)
      server.terminate()
      server.waitUntilExit()
    }
    let source = RemoteSource(socketPath: socket)
    try source.connect()
    defer { source.close() }
    let audit = JournalQuery(kind: .audit, lang: "en")
    let before = try source.query(audit, timeout: .seconds(30)).get()
    XCTAssertTrue(before.contains("demo"), before)

    // Stopped: the query reaches its socket and nobody answers it.
    kill(server.processIdentifier, SIGSTOP)
    let inFlight = Asked { source.query(audit, timeout: .seconds(60)) }
    XCTAssertEqual(inFlight.done.wait(timeout: .now() + 1), .timedOut, "no answer from a stopped server")
    kill(server.processIdentifier, SIGKILL)
    server.waitUntilExit()
    XCTAssertTrue(
      LoopbackWait.until(10) { source.connection != .connected }, "the console saw the connection drop")

    // Asked while reconnecting: waits for the next server instead of failing at once.
    let report = JournalQuery(kind: .report, format: "txt", lang: "en")
    let whileDown = Asked { source.query(report, timeout: .seconds(60)) }
    XCTAssertEqual(whileDown.done.wait(timeout: .now() + 0.5), .timedOut, "no server to answer yet")

    server = try serve(binary)
    XCTAssertEqual(inFlight.done.wait(timeout: .now() + 30), .success, "the query sent again was answered")
    let again = try XCTUnwrap(try inFlight.result?.get())
    XCTAssertTrue(
      again.hasPrefix(before), "the same audit trail (and whatever the clock added), read by the new server")
    XCTAssertEqual(whileDown.done.wait(timeout: .now() + 30), .success)
    let text = try XCTUnwrap(try whileDown.result?.get())
    XCTAssertTrue(text.contains("daily epidemic-prevention report"), text)
    XCTAssertEqual(source.connection, .connected)

    // Closed for good: a query is refused at once.
    source.close()
    guard case .failure(let refusal) = source.query(audit, timeout: .seconds(5)) else {
      return XCTFail("a closed source answered a query")
    }
    XCTAssertEqual(refusal.code, "server.unreachable")
  }
}

/// Polls `condition` every 50 ms for up to `seconds`.
enum LoopbackWait {
  static func until(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if condition() { return true }
      usleep(50_000)
    }
    return condition()
  }
}
