import CordonModel
import CordonStore
import EventSourcing
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// The built `cordon serve` with receivers in its config, killed with SIGKILL
/// mid-delivery and started again: every notification arrives, and only the
/// send in flight at the kill arrives twice, with the same id (with the one
/// before it when its outcome was still being committed: exactly what the
/// journal had not confirmed).
final class ServeCrashTests: XCTestCase {
  var root: URL!
  var binary: URL!

  override func setUpWithError() throws {
    root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdn-n-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    binary = try Self.locateBinary()
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: root)
  }

  static func locateBinary(filePath: String = #filePath) throws -> URL {
    let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    for dir in [Bundle.main.bundleURL.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
      let c = dir.appendingPathComponent("cordon")
      if FileManager.default.isExecutableFile(atPath: c.path) { return c }
    }
    throw XCTSkip("the cordon binary is not built")
  }

  var data: URL { root.appendingPathComponent("data") }
  var socket: String { root.appendingPathComponent("s.sock").path }

  func seed() throws {
    let store = try EventStore<CordonDomain>.open(directory: data)
    defer { store.close() }
    let done = DispatchSemaphore(value: 0)
    store.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: nil) { _ in done.signal() }
    done.wait()
  }

  func serve(config: URL) throws -> Process {
    let p = Process()
    p.executableURL = binary
    p.arguments = ["serve", "--data", data.path, "--socket", socket, "--config", config.path]
    // The server's log, appended across restarts (the file must exist for FileHandle to open it).
    let log = root.appendingPathComponent("serve.log").path
    if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
    let handle = try XCTUnwrap(FileHandle(forWritingAtPath: log))
    handle.seekToEndOfFile()
    p.standardError = handle
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    // Up when it answers `cordon status`: a socket file left by a killed server says nothing.
    XCTAssertTrue(
      LoopbackReceiverWait.until(20) { p.isRunning && (try? cordon(["status", "--socket", socket]))?.status == 0 },
      "server up")
    return p
  }

  @discardableResult
  func cordon(_ args: [String], stdin: String = "") throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    let input = Pipe()
    let out = Pipe()
    let err = Pipe()
    p.standardInput = input
    p.standardOutput = out
    p.standardError = err
    try p.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }

  func testKill9MidDeliveryThenRestartDeliversEverythingWithOnlyTheInFlightOneTwice() throws {
    let http = try LoopbackReceiver()
    try seed()
    let config = root.appendingPathComponent("cordon.toml")
    try """
    [[receivers]]
    name = "slow"
    type = "webhook"
    url = "\(http.url("/slow/send?key=robot-secret-key"))"
    format = "wecom"
    retry_initial = "100ms"

    [[routes]]
    severity = ["critical"]
    receivers = ["slow"]
    """.write(to: config, atomically: true, encoding: .utf8)
    let count = 12
    var server = try serve(config: config)
    let lines = (0..<count).map { #"{"type":"fever","site":"ht-1","person":"病例\#($0)","reading":38.6}"# }
    let posted = try cordon(["post", "--socket", socket], stdin: lines.joined(separator: "\n") + "\n")
    XCTAssertEqual(posted.status, 0, posted.out + posted.err)
    XCTAssertTrue(http.wait(15) { http.requests.count >= 4 })
    // A request is in flight: the receiver holds each for 0.3 s.
    Thread.sleep(forTimeInterval: 0.1)
    kill(server.processIdentifier, SIGKILL)
    server.waitUntilExit()
    let before = http.requests.flatMap(\.ids)
    XCTAssertLessThan(before.count, count, "killed mid-delivery")
    // What the journal still owes the receiver at the kill: the send in
    // flight, and any delivered a moment before whose outcome was still
    // being committed (outcomes are journalled behind the worker's back).
    let owed: Set<String> = try {
      let store = try EventStore<CordonDomain>.open(directory: data)
      defer { store.close() }
      return Set(store.state.notify.pending.values.filter { $0.remaining.contains("slow") }.map(\.notification.id))
    }()
    let unconfirmed = before.filter(owed.contains)
    XCTAssertFalse(unconfirmed.isEmpty, "a send was in flight at the kill: \(before), owed \(owed.sorted())")
    XCTAssertEqual(unconfirmed, Array(before.suffix(unconfirmed.count)), "only the last sends can be unconfirmed")

    server = try serve(config: config)
    defer {
      server.terminate()
      server.waitUntilExit()
    }
    let expected = Set((1...count).map { "N\($0)" })
    XCTAssertTrue(http.wait(30) { Set(http.requests.flatMap(\.ids)) == expected }, "\(http.requests.flatMap(\.ids))")
    let all = http.requests.flatMap(\.ids)
    let twice = Set(all.filter { id in all.filter { $0 == id }.count > 1 })
    XCTAssertEqual(twice, Set(unconfirmed), "again only what the journal had not confirmed: \(all)")
    XCTAssertEqual(all.count, count + twice.count, "each of them once more, no more")
    // In order, across the restart.
    var firsts: [String] = []
    for id in all where !firsts.contains(id) { firsts.append(id) }
    XCTAssertEqual(firsts, (1...count).map { "N\($0)" })

    // `cordon notify test` through the same server.
    let ok = try cordon(["notify", "test", "slow", "--socket", socket])
    XCTAssertEqual(ok.status, 0, ok.out + ok.err)
    XCTAssertTrue(ok.out.contains("slow: test notification delivered"), ok.out)
    XCTAssertEqual(http.requests.last?.json["msgtype"] as? String, "text")
    let unknown = try cordon(["notify", "test", "nope", "--socket", socket])
    XCTAssertEqual(unknown.status, 1)
    XCTAssertTrue(unknown.err.contains("No notification receiver named nope (configured: slow)"), unknown.err)
    let log = (try? String(contentsOf: root.appendingPathComponent("serve.log"), encoding: .utf8)) ?? ""
    XCTAssertFalse(log.contains("robot-secret-key"), log)
  }
}
