import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// `cordon serve` run like a service: SIGHUP reloads, sd_notify, `status`,
/// and online backup and restore, all through the built binary.
final class ServiceTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdn-svc-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: root)
  }

  /// A `cordon serve --demo` child with stderr in a file.
  private func serve(config: String?, environment extra: [String: String] = [:]) throws -> (Process, URL, String) {
    let p = Process()
    p.executableURL = try CordonBinaryLocation.find()
    let socket = root.appendingPathComponent("s.sock").path
    p.arguments =
      ["serve", "--demo", "--data", root.appendingPathComponent("data").path, "--socket", socket]
      + (config.map { ["--config", $0] } ?? [])
    var env = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
    env.merge(extra) { $1 }
    p.environment = env
    let log = root.appendingPathComponent("serve.log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    p.standardError = try FileHandle(forWritingTo: log)
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    try eventually("server listening", timeout: 20) { (try? StatusProbe.fetch(socketPath: socket)) != nil }
    return (p, log, socket)
  }

  private func logText(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

  func testSIGHUPReloadsAGoodFileAndKeepsTheOldOneForABadFile() throws {
    let config = root.appendingPathComponent("access.toml")
    try "[users]\nzhangwei = \"command\"\n".write(to: config, atomically: true, encoding: .utf8)
    let (p, log, socket) = try serve(config: config.path)
    defer {
      p.terminate()
      p.waitUntilExit()
    }
    try
      "[users]\nzhangwei = \"command\"\nlijun = { role = \"operator\", unit = \"heating\" }\n[groups]\ncordon = \"viewer\"\n"
      .write(to: config, atomically: true, encoding: .utf8)
    kill(p.processIdentifier, SIGHUP)
    try eventually("reload logged") { logText(log).contains("SIGHUP: reloaded \(config.path): 2 user(s), 1 group(s)") }
    try "[users]\nlijun = { role = \"pilot\" }\n".write(to: config, atomically: true, encoding: .utf8)
    kill(p.processIdentifier, SIGHUP)
    try eventually("refusal logged") { logText(log).contains("SIGHUP: kept the access config in force") }
    XCTAssertTrue(logText(log).contains("pilot"), logText(log))
    // Still serving after both.
    XCTAssertEqual(try StatusProbe.fetch(socketPath: socket).store, "writable")
  }

  func testStatusJSONFields() throws {
    let (p, _, socket) = try serve(config: nil)
    defer {
      p.terminate()
      p.waitUntilExit()
    }
    let r = try runProgram(CordonBinaryLocation.find().path, ["status", "--socket", socket, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    for key in [
      "version", "seq", "clients", "store", "lastSnapshotSeq", "journalQueue", "clientQueuedBytes",
      "maxClientQueuedBytes", "uptimeSeconds", "dataDirectory", "warnings",
    ] {
      XCTAssertNotNil(object[key], "missing \(key) in \(r.stdout)")
    }
    XCTAssertEqual(object["store"] as? String, "writable")
    XCTAssertEqual(object["clients"] as? Int, 0)
    XCTAssertGreaterThan(object["seq"] as? Int ?? 0, 0, "the demo seeds events")
    XCTAssertEqual(object["dataDirectory"] as? String, root.appendingPathComponent("data").path)
    let text = try runProgram(CordonBinaryLocation.find().path, ["status", "--socket", socket])
    XCTAssertTrue(text.stdout.contains("store: writable"), text.stdout)
    let none = try runProgram(CordonBinaryLocation.find().path, ["status", "--socket", root.path + "/none.sock"])
    XCTAssertEqual(none.status, 3)
    XCTAssertTrue(none.stderr.contains("none.sock"), none.stderr)
  }

  func testSdNotifyReadyWatchdogAndStopping() throws {
    let path = root.appendingPathComponent("notify.sock").path
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer { close(fd) }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in path.utf8.enumerated() { p[i] = b }
    }
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    XCTAssertEqual(bound, 0)
    var tv = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    func receive() -> String? {
      var buf = [UInt8](repeating: 0, count: 4096)
      let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }
    let (p, _, _) = try serve(config: nil, environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "900000"])
    XCTAssertTrue(receive()?.hasPrefix("READY=1") == true)
    XCTAssertEqual(receive(), "WATCHDOG=1")
    XCTAssertEqual(receive(), "WATCHDOG=1")
    p.terminate()
    var last: String? = nil
    while let m = receive() {
      last = m
      if m == "STOPPING=1" { break }
    }
    XCTAssertEqual(last, "STOPPING=1")
    p.waitUntilExit()
  }

  /// A backup taken while a writer appends opens, passes fsck, and gives the
  /// same daily report as the source at the backup's seq; restore puts it back.
  func testBackupUnderALiveWriterAndRestore() throws {
    let binary = try CordonBinaryLocation.find().path
    let source = root.appendingPathComponent("src")
    let store = try EventStore<CordonDomain>.open(
      directory: source, options: StoreOptions(segmentBytes: 64 << 10, snapshotEveryEvents: 200))
    let cal = store.state.calendar
    let today = cal.day(of: Instant.now())
    let seed = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
    let seeded = DispatchSemaphore(value: 0)
    store.submit(
      .register(
        DemoOrganisation.registration()
          + DemoOrganisation.shifts(fromDay: today - 1, toDay: today + 1, calendar: cal, existing: [])),
      actor: "demo", unit: "hq"
    ) { r in
      seed.withLock { $0 = r }
      seeded.signal()
    }
    seeded.wait()
    let stop = Atomic<Bool>(false)
    let writer = Thread {
      var rng = SeededRandom(seed: 7)
      while !stop.load(ordering: .relaxed) {
        guard let s = DemoFeed.next(state: store.state, now: Instant.now(), rng: &rng) else { continue }
        let done = DispatchSemaphore(value: 0)
        store.submit(s.command, actor: s.actor, unit: s.unit) { _ in done.signal() }
        done.wait()
      }
    }
    writer.start()
    try eventually("some segments", timeout: 30) { store.lastSeq > 2_000 }
    let dest = root.appendingPathComponent("bk")
    let b = try runProgram(binary, ["backup", "--data", source.path, dest.path])
    let afterBackup = store.lastSeq
    stop.store(true, ordering: .relaxed)
    while !writer.isFinished { usleep(1000) }
    XCTAssertEqual(b.status, 0, b.stderr)
    let seqText = try XCTUnwrap(b.stdout.split(separator: " ").drop { $0 != "seq" }.dropFirst().first)
    let seq = try XCTUnwrap(UInt64(seqText))
    XCTAssertGreaterThan(seq, 2_000)
    XCTAssertLessThanOrEqual(seq, afterBackup)
    let fsck = try runProgram(binary, ["fsck", "--data", dest.path])
    XCTAssertEqual(fsck.status, 0, fsck.stdout)

    let records = try store.records(from: 1, through: seq)
    let end = try store.state(atSeq: seq)
    store.close()
    let expected = ReportRenderer.render(
      DailyReport(day: today, records: records, end: end, now: Instant.now()), state: end, format: .csv,
      strings: Strings(.en))
    let report = try runProgram(
      binary,
      ["report", "daily", "--data", dest.path, "--date", cal.formatDay(today), "--format", "csv", "--lang", "en"])
    XCTAssertEqual(report.status, 0, report.stderr)
    XCTAssertEqual(report.stdout, expected)

    // Restore into an empty directory; a non-empty one is refused and left alone.
    let busy = root.appendingPathComponent("busy")
    try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
    try Data("x".utf8).write(to: busy.appendingPathComponent("keep"))
    let refused = try runProgram(binary, ["restore", dest.path, "--data", busy.path])
    XCTAssertEqual(refused.status, 1)
    XCTAssertTrue(refused.stderr.contains("not empty"), refused.stderr)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: busy.path), ["keep"])
    let restored = root.appendingPathComponent("restored")
    let r = try runProgram(binary, ["restore", dest.path, "--data", restored.path])
    XCTAssertEqual(r.status, 0, r.stderr)
    let again = try EventStore<CordonDomain>.open(directory: restored)
    defer { again.close() }
    XCTAssertEqual(again.lastSeq, seq)
    XCTAssertEqual(again.state, end)
  }
}

final class UnitSandboxTests: XCTestCase {
  private let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy")

  /// `systemd-analyze security --offline=yes` rates every shipped unit 2.0 or better.
  func testShippedUnitsAreSandboxed() throws {
    guard
      let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: {
        FileManager.default.isExecutableFile(atPath: $0)
      })
    else {
      throw XCTSkip("systemd-analyze is not installed here: the unit's rating was not checked")
    }
    for unit in ["cordon.service", "cordon-backup.service"] {
      let r = try runProgram(analyze, ["security", "--offline=yes", deploy.appendingPathComponent(unit).path])
      let line = try XCTUnwrap(
        (r.stdout + r.stderr).split(separator: "\n").first { $0.contains("Overall exposure level") }, r.stdout)
      let value = try XCTUnwrap(
        String(line).components(separatedBy: unit + ": ").last?.split(separator: " ").first.flatMap { Double($0) },
        String(line))
      XCTAssertLessThanOrEqual(value, 2.0, "\(unit): \(line)")
    }
  }

  /// The server's socket is the one the sshd snippet pins consoles to.
  func testForceCommandUsesTheServersSocket() throws {
    let service = try String(contentsOf: deploy.appendingPathComponent("cordon.service"), encoding: .utf8)
    let sshd = try String(contentsOf: deploy.appendingPathComponent("sshd_cordon.conf"), encoding: .utf8)
    XCTAssertTrue(service.contains("--socket /run/cordon/cordon.sock"))
    XCTAssertTrue(sshd.contains("ForceCommand /usr/local/bin/cordon --socket /run/cordon/cordon.sock"))
    XCTAssertTrue(service.contains("Type=notify") && service.contains("WatchdogSec="))
    XCTAssertTrue(service.contains("RuntimeDirectory=cordon"))
  }

  /// Under ForceCommand only `post` may be asked for.
  func testSSHOriginalCommandAllowList() throws {
    let binary = try CordonBinaryLocation.find().path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.environment = ["PATH": "/usr/bin:/bin", "SSH_ORIGINAL_COMMAND": "sh -c 'id; \u{1B}[2J'"]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 2)
    XCTAssertTrue(text.contains("runs `post`"), text)
    XCTAssertFalse(text.contains("\u{1B}"), "control characters reached the terminal: \(text)")
  }
}
