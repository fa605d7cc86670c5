import CordonModel
import CordonStore
import CordonStoreTestSupport
import Dispatch
import Foundation
import Synchronization
import XCTest

/// The built binary on a real PostgreSQL: `migrate` there and back, the
/// same daily report, audit and state hash from all three stores; `--store`
/// on fsck and post; clear errors for a bad URL and an unreachable server.
final class PostgresCLITests: XCTestCase {
  func testMigrationRoundTripGivesTheSameReportAuditAndStateHash() throws {
    let cluster = try privateCluster()
    let url = try cluster.createDatabase()
    let binary = try Self.binary()
    let dir = cluster.root.appendingPathComponent("embedded")
    let back = cluster.root.appendingPathComponent("back")
    let cal = CordonState().calendar
    let day = try XCTUnwrap(cal.parseDay("2025-03-04"))
    let start = cal.startOfDay(day)
    let now = Mutex(start.adding(minutes: 1))
    let store = try EventStore<CordonDomain>.open(
      directory: dir, options: StoreOptions(snapshotEveryEvents: 500), clock: { now.withLock { $0 } })
    _ = try wait(
      store,
      .register(
        DemoOrganisation.registration()
          + DemoOrganisation.shifts(fromDay: day, toDay: day + 1, calendar: cal, existing: [])), actor: "demo",
      unit: "hq"
    ).get()
    var rng = SeededRandom(seed: 7)
    var step: Int64 = 0
    while store.lastSeq < 1500 {
      step += 1
      let t = start.adding(seconds: 60 + step * 20)
      now.withLock { $0 = t }
      guard let s = DemoFeed.next(state: store.state, now: t, rng: &rng) else { continue }
      _ = wait(store, s.command, actor: s.actor, unit: s.unit)
    }
    let events = store.lastSeq
    let site = try XCTUnwrap(store.state.sites.keys.sorted().first)
    store.close()

    let there = try runProgram(binary, ["migrate", "--from", dir.path, "--to", url, "--batch", "400"])
    XCTAssertEqual(there.status, 0, there.stderr)
    let hashes = there.stdout.split(separator: "\n").map { $0.split(separator: " ").suffix(3).joined(separator: " ") }
    XCTAssertEqual(hashes.count, 2, there.stdout)
    XCTAssertEqual(hashes.first, hashes.last, there.stdout)
    XCTAssertTrue(there.stdout.contains("\(events) events"), there.stdout)
    let again = try runProgram(binary, ["migrate", "--from", dir.path, "--to", url])
    XCTAssertEqual(again.status, 2, "a second copy into a full store: \(again.stdout)")
    XCTAssertTrue(again.stderr.contains("is not empty"), again.stderr)

    let home = try runProgram(binary, ["migrate", "--from", url, "--to", back.path])
    XCTAssertEqual(home.status, 0, home.stderr)
    XCTAssertEqual(
      home.stdout.split(separator: "\n").map { $0.split(separator: " ").suffix(3).joined(separator: " ") }, hashes)

    let fsck = try runProgram(binary, ["fsck", "--store", url])
    XCTAssertEqual(fsck.status, 0, fsck.stdout + fsck.stderr)
    XCTAssertTrue(fsck.stdout.contains("events 1...\(events)"), fsck.stdout)

    for query in [
      ["report", "daily", "--date", "2025-03-04", "--format", "csv", "--lang", "en"],
      ["report", "daily", "--date", "2025-03-04", "--format", "md", "--lang", "zh"],
      ["audit", "--since", "2025-03-04 00:00", "--lang", "en"],
    ] {
      let a = try runProgram(binary, query + ["--data", dir.path])
      let b = try runProgram(binary, query + ["--store", url])
      let c = try runProgram(binary, query + ["--store", back.path])
      XCTAssertEqual(a.status, 0, a.stderr)
      XCTAssertFalse(a.stdout.isEmpty)
      XCTAssertEqual(b.status, 0, b.stderr)
      XCTAssertEqual(a.stdout, b.stdout, "\(query) differs on PostgreSQL")
      XCTAssertEqual(a.stdout, c.stdout, "\(query) differs after the copy back")
    }

    // `post --store`: a command journalled in PostgreSQL, seen by the next reader.
    let input = cluster.root.appendingPathComponent("in.jsonl")
    try Data("{\"type\":\"ventilation\",\"site\":\"\(site)\"}\n".utf8).write(to: input)
    let post = try runProgram(binary, ["post", "--store", url, "--lang", "en"], stdin: input.path)
    XCTAssertEqual(post.status, 0, post.stdout + post.stderr)
    XCTAssertEqual(post.stdout, "{\"line\":1,\"seq\":\(events + 1)}\n")
    let db = String(try XCTUnwrap(url.split(separator: "?").first).dropFirst("postgres:///".count))
    XCTAssertEqual(try cluster.psql("SELECT max(seq) FROM cordon_events", database: db), "\(events + 1)\n")
  }

  func testBadURLAndUnreachableServerAreOneClearLine() throws {
    let binary = try Self.binary()
    let bad = try runProgram(binary, ["report", "daily", "--store", "postgres://h:99999/db"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("bad --store URL: the port must be 1-65535"), bad.stderr)
    let nowhere = "postgres:///cordon?host=/tmp/cdn-none-\(UUID().uuidString.prefix(6))&user=cordon"
    let down = try runProgram(binary, ["audit", "--store", nowhere])
    XCTAssertEqual(down.status, 1, down.stderr)
    XCTAssertTrue(
      down.stderr.contains("cannot connect to PostgreSQL at postgres:///cordon?host=/tmp/cdn-none"), down.stderr)
    let both = try runProgram(binary, ["audit", "--store", nowhere, "--data", "/tmp"])
    XCTAssertNotEqual(both.status, 0)
    XCTAssertTrue(both.stderr.contains("--data and --store"), both.stderr)
  }

  static func binary(filePath: String = #filePath) throws -> String {
    var dirs: [URL] = []
    for bundle in [Bundle(for: PostgresCLITests.self), Bundle.main] {
      dirs.append(bundle.bundleURL.deletingLastPathComponent())
      dirs.append(bundle.bundleURL)
    }
    for d in dirs where FileManager.default.isExecutableFile(atPath: d.appendingPathComponent("cordon").path) {
      return d.appendingPathComponent("cordon").path
    }
    throw ClusterError(description: "cordon binary not found in \(dirs.map(\.path))")
  }

  private func wait(_ store: EventStore<CordonDomain>, _ command: CordonCommand, actor: String, unit: String?)
    -> Result<[EventRecord<CordonEvent>], StoreFailure>
  {
    let box = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
    let sem = DispatchSemaphore(value: 0)
    store.submit(command, actor: actor, unit: unit) { r in
      box.withLock { $0 = r }
      sem.signal()
    }
    sem.wait()
    return box.withLock { $0 } ?? .failure(.io("no result"))
  }
}

struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs a program to completion with output in temporary files (no pipe deadlocks).
func runProgram(_ path: String, _ args: [String], stdin: String = "/dev/null") throws -> RunResult {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: path)
  p.arguments = args
  p.environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "HOME": "/nonexistent"]
  let tmp = FileManager.default.temporaryDirectory
  let out = tmp.appendingPathComponent("cdn-pg-out-\(UUID().uuidString)")
  let err = tmp.appendingPathComponent("cdn-pg-err-\(UUID().uuidString)")
  _ = FileManager.default.createFile(atPath: out.path, contents: nil)
  _ = FileManager.default.createFile(atPath: err.path, contents: nil)
  defer {
    try? FileManager.default.removeItem(at: out)
    try? FileManager.default.removeItem(at: err)
  }
  p.standardOutput = try FileHandle(forWritingTo: out)
  p.standardError = try FileHandle(forWritingTo: err)
  p.standardInput = FileHandle(forReadingAtPath: stdin)
  try p.run()
  p.waitUntilExit()
  return RunResult(
    status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
    stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}
