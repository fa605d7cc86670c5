import CordonModel
import CordonServer
import CordonWire
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 14 item 3 with real sockets: connection caps per user and in all
/// (with room kept for the command role), and an accept loop that waits,
/// instead of spinning, when the process is out of file descriptors.
final class ConnectionCapTests: XCTestCase {
  private func hello(_ path: String) throws -> RawClient {
    let c = try RawClient(path: path)
    c.sendJSON(#"{"type":"hello","version":3}"#)
    return c
  }

  func testTheConnectionAfterTheUsersCapIsRefusedSayingWhy() throws {
    var options = CordonServer.Options()
    options.maxConnectionsPerUser = 3
    let h = try ServerHarness(options: options)
    defer { h.shutdown() }
    var held: [RawClient] = []
    for _ in 0..<3 {
      let c = try hello(h.socketPath)
      guard case .welcome? = c.readMessage() else { return XCTFail("no welcome") }
      held.append(c)
    }
    let refused = try hello(h.socketPath).readUntilClosed()
    XCTAssertEqual(refused?.code, WireError.tooManyConnections)
    XCTAssertTrue(
      refused?.message.contains("already has 3 connections open (limit 3 per user, --max-connections-per-user)")
        ?? false, "\(String(describing: refused))")
    // The console's own client says so too, as its reason for not connecting.
    XCTAssertThrowsError(try h.newClient()) { error in
      XCTAssertTrue("\(error)".contains("limit 3 per user"), "\(error)")
    }
    held.removeLast()
    try eventually("a slot is free again") { h.server.connectedClients == 2 }
    let again = try hello(h.socketPath)
    guard case .welcome? = again.readMessage() else { return XCTFail("no welcome after one closed") }
  }

  func testTheGlobalCapRefusesAtOnceAndKeepsRoomForTheCommandRole() throws {
    // As a viewer (the server runs as "another" account): 6 in all, 2 kept for command.
    let me = PeerIdentity.lookup(uid: getuid(), pid: 0).user ?? ""
    var options = CordonServer.Options()
    options.maxConnections = 6
    options.commandReserve = 2
    let viewer = try ServerHarness(
      access: AccessConfig(users: [me: .init(role: .viewer)], serverUID: UInt32.max - 1), options: options)
    defer { viewer.shutdown() }
    var held: [RawClient] = []
    for _ in 0..<4 {
      let c = try hello(viewer.socketPath)
      guard case .welcome? = c.readMessage() else { return XCTFail("no welcome") }
      held.append(c)
    }
    let kept = try hello(viewer.socketPath).readUntilClosed()
    XCTAssertEqual(kept?.code, WireError.tooManyConnections)
    XCTAssertTrue(
      kept?.message.contains("the last 2 of 6 are kept for the duty room (command role)") ?? false,
      "\(String(describing: kept))")

    // As the command role: up to 6; the 7th is refused before it says anything.
    let command = try ServerHarness(options: options)
    defer { command.shutdown() }
    var mine: [RawClient] = []
    for _ in 0..<6 {
      let c = try hello(command.socketPath)
      guard case .welcome? = c.readMessage() else { return XCTFail("no welcome for the command role") }
      mine.append(c)
    }
    let full = try RawClient(path: command.socketPath).readUntilClosed()
    XCTAssertEqual(full?.code, WireError.tooManyConnections)
    XCTAssertTrue(
      full?.message.contains("connections open (limit 6, --max-connections)") ?? false, "\(String(describing: full))")
    XCTAssertEqual(mine.count + held.count, 10)
  }

  /// `cordon serve` under a file-descriptor limit of 100 lowers its cap to
  /// fit (and logs it). Then its limit is cut to 40 while it runs (as when
  /// something else holds descriptors): 80 connections at once run it out,
  /// the accept loop waits instead of spinning (little CPU while they are
  /// held), and once they go it answers again.
  func testOutOfDescriptorsTheAcceptLoopBacksOff() throws {
    let dir = try temporaryDirectory("nofile")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try seededStore(dir).path
    let socket = dir.appendingPathComponent("s.sock").path
    let log = dir.appendingPathComponent("serve.log").path
    let binary = try CordonBinaryLocation.find().path
    let serve = Process()
    serve.executableURL = URL(fileURLWithPath: "/bin/sh")
    serve.arguments = [
      "-c", "ulimit -n 100 && exec \"$0\" serve --data \"$1\" --socket \"$2\" 2>\"$3\"", binary, data, socket, log,
    ]
    serve.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
    try serve.run()
    defer {
      serve.terminate()
      serve.waitUntilExit()
    }
    try eventually("the server listens", timeout: 20) { FileManager.default.fileExists(atPath: socket) }
    Thread.sleep(forTimeInterval: 0.5)
    let pid = serve.processIdentifier
    let cut = try runProgram("/usr/bin/prlimit", ["--pid", String(pid), "--nofile=40:40"])
    XCTAssertEqual(cut.status, 0, cut.stderr)

    var flood: [RawClient] = []
    for _ in 0..<80 { if let c = try? RawClient(path: socket) { flood.append(c) } }
    Thread.sleep(forTimeInterval: 0.5)
    let before = try cpuTicks(pid)
    Thread.sleep(forTimeInterval: 2)
    let spent = try cpuTicks(pid) - before
    XCTAssertLessThan(spent, 50, "CPU ticks (1/100 s) in 2 s while out of descriptors")
    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    XCTAssertTrue(text.contains("at most 36 connections (not 1000): the file-descriptor limit is 100"), text)
    XCTAssertTrue(text.contains("cannot accept a connection"), text)

    flood.removeAll()
    try eventually("the server answers again", timeout: 15) {
      let c = try? hello(socket)
      if case .welcome? = c?.readMessage() { return true }
      return false
    }
  }

  private func cpuTicks(_ pid: Int32) throws -> Int {
    let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
    // Fields after the command name in parentheses; utime and stime are 14 and 15.
    guard let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
  }
}
