import CordonModel
import CordonPostgres
import CordonSession
import CordonStore
import CordonStoreTestSupport
import CordonWire
import Dispatch
import Foundation
import Synchronization
import XCTest

/// Real `cordon serve` processes sharing one journal in a private
/// PostgreSQL: the lease, fencing of a paused leader, `kill -9` mid-batch,
/// a follower whose connections are cut, and consoles across a failover.
final class FailoverTests: XCTestCase {
  private var servers: [ServeProcess] = []

  override func tearDown() {
    for s in servers { s.kill() }
    servers = []
  }

  /// A journal with the demo organisation; returns the URL and a site id.
  private func seeded(_ cluster: PostgresCluster) throws -> (url: String, site: String) {
    let url = try cluster.createDatabase()
    let store = try PostgresStore<CordonDomain>.open(url: try PostgresURL(url))
    _ = try waitFor(store, .register(DemoOrganisation.registration()))
    let site = try XCTUnwrap(store.state.sites.keys.sorted().first)
    store.close()
    return (url, site)
  }

  private func serve(_ cluster: PostgresCluster, _ url: String, _ name: String) throws -> ServeProcess {
    let s = try ServeProcess(binary: try PostgresCLITests.binary(), url: url, root: cluster.root, name: name)
    servers.append(s)
    return s
  }

  private func fever(_ site: String, _ person: String) -> String {
    "{\"type\":\"fever\",\"site\":\"\(site)\",\"person\":\"\(person)\",\"reading\":38.2}"
  }

  /// How many commands journalled events naming `person` (a fever line's
  /// events share its command id; the same line applied twice would be two).
  private func count(_ cluster: PostgresCluster, _ db: String, person: String) throws -> Int {
    Int(
      try cluster.psql(
        "SELECT count(DISTINCT coalesce(command_id, seq::text)) FROM cordon_events WHERE record LIKE '%\"\(person)\"%'",
        database: db
      ).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
  }

  /// Seqs 1...head, each once, and the head row agreeing.
  private func assertGapFree(
    _ cluster: PostgresCluster, _ db: String, file: StaticString = #filePath, line: UInt = #line
  )
    throws
  {
    let row = try cluster.psql(
      "SELECT count(*), count(DISTINCT seq), min(seq), max(seq), (SELECT last_seq FROM cordon_head) FROM cordon_events",
      database: db
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    let v = row.split(separator: "|").map { String($0) }
    XCTAssertEqual(v.count, 5, row, file: file, line: line)
    XCTAssertEqual(v[0], v[1], "a seq twice: \(row)", file: file, line: line)
    XCTAssertEqual(v[2], "1", row, file: file, line: line)
    XCTAssertEqual(v[0], v[3], "a gap: \(row)", file: file, line: line)
    XCTAssertEqual(v[3], v[4], "the head disagrees: \(row)", file: file, line: line)
  }

  func testASIGSTOPpedLeaderResumedAfterLosingItsLeaseAppendsNothing() throws {
    let cluster = try privateCluster()
    let (url, site) = try seeded(cluster)
    let db = try PostgresURL(url).database
    let a = try serve(cluster, url, "a")
    try a.waitForRole("leader")
    let b = try serve(cluster, url, "b")
    try b.waitForRole("follower of \(a.socket)")
    XCTAssertEqual(try a.post([fever(site, "before-stop")]).status, 0)
    let termBefore = try cluster.psql("SELECT term FROM cordon_lease", database: db)

    a.signal(SIGSTOP)
    let stopped = Date()
    // A paused process keeps its connections: the lease has to expire (2 s) first.
    try b.waitForRole("leader", seconds: 15)
    let takeover = Date().timeIntervalSince(stopped)
    XCTAssertLessThan(takeover, 5, "the follower took over after \(takeover) s")
    XCTAssertNotEqual(try cluster.psql("SELECT term FROM cordon_lease", database: db), termBefore)
    let onB = try b.post([fever(site, "while-stopped")])
    XCTAssertEqual(onB.status, 0, onB.stdout + onB.stderr)
    let headWhileStopped = try cluster.psql("SELECT last_seq FROM cordon_head", database: db)

    a.signal(SIGCONT)
    // Resumed, it finds its lease gone, appends nothing and follows the new leader.
    try a.waitForRole("follower of \(b.socket)", seconds: 15)
    XCTAssertEqual(try cluster.psql("SELECT last_seq FROM cordon_head", database: db), headWhileStopped)
    XCTAssertTrue(a.log.contains("role: follower"), a.log)
    // Its consoles keep writing: forwarded to the leader, answered once applied.
    let onA = try a.post([fever(site, "after-resume")])
    XCTAssertEqual(onA.status, 0, onA.stdout + onA.stderr)
    let seq = try XCTUnwrap(PostOutput.seqs(onA.stdout).first)
    XCTAssertEqual(try a.status().seq >= seq, true, "read-your-writes on the follower")
    for p in ["before-stop", "while-stopped", "after-resume"] {
      XCTAssertEqual(try count(cluster, db, person: p), 1, p)
    }
    try assertGapFree(cluster, db)
  }

  func testKill9OfTheLeaderMidBatchKeepsEveryAcknowledgedEventOnce() throws {
    let cluster = try privateCluster()
    let (url, site) = try seeded(cluster)
    let db = try PostgresURL(url).database
    let a = try serve(cluster, url, "a")
    try a.waitForRole("leader")
    let b = try serve(cluster, url, "b")
    try b.waitForRole("follower")
    let writers = 8
    let lines = 40
    let outputs = Mutex<[Int: RunResult]>([:])
    let group = DispatchGroup()
    for w in 0..<writers {
      group.enter()
      // Half start on the leader, half on the follower; each knows both servers.
      let sockets = w % 2 == 0 ? "\(a.socket),\(b.socket)" : "\(b.socket),\(a.socket)"
      let input = cluster.root.appendingPathComponent("in-\(w).jsonl")
      try Data((1...lines).map { fever(site, "k-\(w)-\($0)") + "\n" }.joined().utf8).write(to: input)
      DispatchQueue.global().async {
        let r = try? runProgram(
          try PostgresCLITests.binary(), ["post", "--socket", sockets, "--lang", "en"], stdin: input.path)
        outputs.withLock { $0[w] = r }
        group.leave()
      }
    }
    // Mid-stream: some lines acknowledged, some in the leader's batch, some not sent yet.
    try waitUntil(seconds: 20, "the first 40 events") {
      (Int(
        try cluster.psql("SELECT count(*) FROM cordon_events WHERE record LIKE '%\"k-%'", database: db)
          .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 40
    }
    a.signal(SIGKILL)
    try b.waitForRole("leader", seconds: 10)
    XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "post clients did not finish")
    var acknowledged = 0
    for w in 0..<writers {
      let out = try XCTUnwrap(outputs.withLock { $0[w] }, "writer \(w)")
      for (n, line) in out.stdout.split(separator: "\n").enumerated() {
        let person = "k-\(w)-\(n + 1)"
        let present = try count(cluster, db, person: person)
        if line.contains("\"seq\"") {
          acknowledged += 1
          XCTAssertEqual(present, 1, "\(person) acknowledged (\(line)) but present \(present) times")
        } else {
          XCTAssertLessThanOrEqual(present, 1, "\(person) refused (\(line)) but present \(present) times")
        }
      }
    }
    // The clients reconnected to the survivor and resent: nearly every line lands.
    XCTAssertGreaterThan(acknowledged, writers * lines / 2)
    try assertGapFree(cluster, db)
  }

  func testAFollowerCatchesUpAfterItsConnectionsAreKilled() throws {
    let cluster = try privateCluster()
    let (url, site) = try seeded(cluster)
    let db = try PostgresURL(url).database
    let a = try serve(cluster, url, "a")
    try a.waitForRole("leader")
    let b = try serve(cluster, url, "b")
    try b.waitForRole("follower")
    let console = RemoteSource(socketPath: b.socket)
    defer { console.close() }
    let seen = Mutex<[UInt64]>([])
    console.observeRecords { batch in seen.withLock { $0 += batch.map(\.seq) } }
    let first = try console.connect().seq
    XCTAssertEqual(try a.post((1...10).map { fever(site, "c-\($0)") }).status, 0)
    // Every PostgreSQL connection of the follower, cut by the database.
    let killed = try cluster.psql(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'cordon %/\(b.pid)/%'",
      database: db)
    XCTAssertGreaterThanOrEqual(Int(killed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 1, killed)
    let more = try a.post((11...40).map { fever(site, "c-\($0)") })
    XCTAssertEqual(more.status, 0)
    let head = try XCTUnwrap(PostOutput.seqs(more.stdout).last)
    try waitUntil(seconds: 15, "the follower's console at seq \(head)") { console.lastSeq >= head }
    XCTAssertEqual(seen.withLock { $0 }, Array((first + 1)...head), "every seq once, in order")
    XCTAssertEqual(try b.status().seq, head)
    XCTAssertTrue(try b.status().role?.hasPrefix("follower") ?? false)
    // It reconnected: a command through it still works.
    XCTAssertEqual(try b.post([fever(site, "c-41")]).status, 0)
  }

  func testConsolesOnBothServersSeeEveryEventOnceAcrossAFailover() throws {
    let cluster = try privateCluster()
    let (url, site) = try seeded(cluster)
    let db = try PostgresURL(url).database
    let a = try serve(cluster, url, "a")
    try a.waitForRole("leader")
    let b = try serve(cluster, url, "b")
    try b.waitForRole("follower")
    var consoles: [(RemoteSource, Seen, UInt64)] = []
    for sockets in ["\(a.socket),\(b.socket)", "\(b.socket),\(a.socket)"] {
      let c = RemoteSource(socketPath: sockets)
      let seen = Seen()
      c.observeRecords { batch in seen.seqs.withLock { $0 += batch.map(\.seq) } }
      let start = try c.connect().seq
      consoles.append((c, seen, start))
    }
    defer { for c in consoles { c.0.close() } }
    XCTAssertEqual(try a.post((1...15).map { fever(site, "f-\($0)") }).status, 0)
    XCTAssertEqual(try b.post((16...30).map { fever(site, "f-\($0)") }).status, 0)
    a.signal(SIGKILL)
    let killed = Date()
    try b.waitForRole("leader", seconds: 10)
    let took = Date().timeIntervalSince(killed)
    XCTAssertLessThan(took, 5, "failover took \(took) s")
    // A console's own command across the failover: sent on, applied once.
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<RemoteSource.Committed, StoreFailure>?>(nil)
    consoles[0].0.submit(lines: [fever(site, "f-console")]) { r in
      result.withLock { $0 = r }
      done.signal()
    }
    XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
    XCTAssertNoThrow(try result.withLock { $0 }?.get())
    XCTAssertEqual(try b.post((31...45).map { fever(site, "f-\($0)") }).status, 0)
    let head = try b.status().seq
    for (c, seen, start) in consoles {
      try waitUntil(seconds: 15, "a console at seq \(head)") { c.lastSeq >= head }
      XCTAssertEqual(seen.seqs.withLock { $0 }, Array((start + 1)...head), "every seq once, in order")
      XCTAssertEqual(c.connection, SourceInfo.Connection.connected)
    }
    XCTAssertEqual(consoles[0].0.state, consoles[1].0.state)
    for p in (1...45).map({ "f-\($0)" }) + ["f-console"] { XCTAssertEqual(try count(cluster, db, person: p), 1, p) }
    try assertGapFree(cluster, db)
  }
}

final class Seen: Sendable {
  let seqs = Mutex<[UInt64]>([])
}

enum PostOutput {
  static func seqs(_ stdout: String) -> [UInt64] {
    stdout.split(separator: "\n").compactMap { line in
      guard let d = String(line).data(using: .utf8),
        let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any], let s = o["seq"] as? Int
      else { return nil }
      return UInt64(s)
    }
  }
}

func waitFor(_ store: PostgresStore<CordonDomain>, _ command: CordonCommand) throws -> [EventRecord<CordonEvent>] {
  let done = DispatchSemaphore(value: 0)
  let box = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
  store.submit(command, actor: "demo", unit: "hq", commandID: nil) { r in
    box.withLock { $0 = r }
    done.signal()
  }
  done.wait()
  return try (box.withLock { $0 } ?? .failure(.io("no result"))).get()
}

/// One `cordon serve --store URL` process, its log in a file.
final class ServeProcess {
  let process = Process()
  let socket: String
  let logFile: URL
  let binary: String
  var pid: Int32 { process.processIdentifier }
  var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

  init(binary: String, url: String, root: URL, name: String, extra: [String] = []) throws {
    self.binary = binary
    socket = root.appendingPathComponent("\(name).sock").path
    logFile = root.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(4)).log")
    _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["serve", "--store", url, "--socket", socket, "--log-level", "info"] + extra
    process.environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "HOME": "/nonexistent"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: logFile)
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  func status() throws -> ServerStatus { try StatusProbe.fetch(socketPath: socket, timeoutSeconds: 3) }

  func waitForRole(_ prefix: String, seconds: Double = 20) throws {
    try waitUntil(seconds: seconds, "\(socket) as \(prefix)") {
      guard process.isRunning else { throw ClusterError(description: "\(socket) exited: \(log)") }
      return (try? status())?.role?.hasPrefix(prefix) ?? false
    }
  }

  func post(_ lines: [String]) throws -> RunResult {
    let input = URL(fileURLWithPath: socket + "-\(UUID().uuidString.prefix(6)).jsonl")
    defer { try? FileManager.default.removeItem(at: input) }
    try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: input)
    return try runProgram(binary, ["post", "--socket", socket, "--lang", "en"], stdin: input.path)
  }

  func signal(_ sig: Int32) { _ = Glibc.kill(pid, sig) }

  func kill() {
    guard process.isRunning else { return }
    signal(SIGCONT)
    signal(SIGKILL)
    process.waitUntilExit()
  }
}
