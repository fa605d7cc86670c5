import CordonPostgres
import CordonStore
import CordonStoreTestSupport
import Dispatch
import Foundation
import Synchronization
import XCTest

extension PostgresStore {
  func submitAndWait(_ command: M.Command, actor: String = "tester", commandID: String? = nil) -> Result<
    [Record], StoreFailure
  > {
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<[Record], StoreFailure>?>(nil)
    submit(command, actor: actor, unit: nil, commandID: commandID) { r in
      box.withLock { $0 = r }
      done.signal()
    }
    done.wait()
    return box.withLock { $0 } ?? .failure(.io("no completion"))
  }
}

/// The PostgreSQL journal against a real server the test starts.
final class PostgresStoreTests: XCTestCase {
  typealias Store = PostgresStore<LedgerModel>

  func testAppendsFromManyWritersReplayInOrderAfterReopen() throws {
    let cluster = try privateCluster()
    let url = try PostgresURL(try cluster.createDatabase())
    let store = try Store.open(url: url, options: StoreOptions(snapshotEveryEvents: 50))
    for w in 0..<8 { XCTAssertNoThrow(try store.submitAndWait(.open("acct-\(w)")).get()) }
    let seen = Mutex<[UInt64]>([])
    let sub = store.subscribe { records, _ in seen.withLock { $0 += records.map(\.seq) } }
    DispatchQueue.concurrentPerform(iterations: 8) { w in
      for i in 1...40 {
        if case .failure(let f) = store.submitAndWait(.deposit("acct-\(w)", Int64(i)), commandID: "w\(w)-\(i)") {
          XCTFail("\(f)")
        }
      }
    }
    store.unsubscribe(sub)
    XCTAssertEqual(store.lastSeq, 8 + 8 * 40)
    // Subscribers hear every durable event once, in seq order.
    XCTAssertEqual(seen.withLock { $0 }, Array(9...UInt64(8 + 8 * 40)))
    // A repeated command id gets the original events back and appends nothing.
    let again = try store.submitAndWait(.deposit("acct-3", 7), commandID: "w3-7").get()
    XCTAssertEqual(again.map(\.seq).count, 1)
    XCTAssertEqual(again.first?.event, .deposited(account: "acct-3", amount: 7))
    XCTAssertEqual(store.lastSeq, 328)
    // A refusal appends nothing.
    guard case .failure(.refused(let r)) = store.submitAndWait(.withdraw("acct-1", 1_000_000)) else {
      return XCTFail("an overdraft was allowed")
    }
    XCTAssertEqual(r.code, "insufficient-funds")
    let live = store.state
    let all = try store.records(from: 1, through: nil)
    XCTAssertEqual(all.map(\.seq), Array(1...328))
    let mid = try store.state(atSeq: 100)
    store.close()
    // Group commit: fewer transactions than events is not visible from
    // here, but every event is a row with its own seq, and the head agrees.
    XCTAssertEqual(
      try cluster.psql("SELECT count(*), max(seq) FROM cordon_events", database: url.database), "328|328\n")
    XCTAssertEqual(try cluster.psql("SELECT last_seq FROM cordon_head", database: url.database), "328\n")
    let snapshots = try cluster.psql("SELECT count(*) FROM cordon_snapshots", database: url.database)
    XCTAssertGreaterThanOrEqual(Int(snapshots.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 1)

    let reopened = try Store.open(url: url)
    defer { reopened.close() }
    XCTAssertEqual(reopened.state, live)
    XCTAssertEqual(reopened.lastSeq, 328)
    XCTAssertEqual(try reopened.state(atSeq: 100), mid)
    var replay = LedgerModel.initialState()
    for r in all.prefix(100) { LedgerModel.apply(r, to: &replay) }
    XCTAssertEqual(mid, replay)
    // The duplicate window survives the reopen.
    XCTAssertEqual(try reopened.submitAndWait(.deposit("acct-3", 7), commandID: "w3-7").get().count, 1)
    XCTAssertEqual(reopened.lastSeq, 328)
    // Time travel by instant: everything up to the first event after it.
    let t = all[199].time
    let cut = all.firstIndex { $0.time > t } ?? all.count
    var atT = LedgerModel.initialState()
    for r in all.prefix(cut) { LedgerModel.apply(r, to: &atT) }
    XCTAssertEqual(try reopened.state(at: t), atT)
  }

  /// Fencing: two processes' stores on one journal; each decides against
  /// what it last saw. The second to append finds the journal longer than it
  /// expected, appends nothing and turns read-only; the journal holds only
  /// the winner's events.
  func testTwoWritersOnOneJournalTheStaleOneIsFencedOff() throws {
    let cluster = try privateCluster()
    let url = try PostgresURL(try cluster.createDatabase())
    let a = try Store.open(url: url)
    defer { a.close() }
    XCTAssertNoThrow(try a.submitAndWait(.open("x")).get())
    let b = try Store.open(url: url)
    defer { b.close() }
    XCTAssertEqual(b.lastSeq, 1)
    XCTAssertNoThrow(try a.submitAndWait(.deposit("x", 10)).get())
    // b still believes the journal ends at 1.
    guard case .failure(.storeReadOnly(let reason)) = b.submitAndWait(.deposit("x", 99)) else {
      return XCTFail("the stale writer appended")
    }
    XCTAssertTrue(reason.contains("fenced"), reason)
    XCTAssertFalse(b.status.isWritable)
    guard case .failure(.storeReadOnly) = b.submitAndWait(.deposit("x", 1)) else {
      return XCTFail("a fenced store accepted a command")
    }
    XCTAssertNoThrow(try a.submitAndWait(.deposit("x", 5)).get())
    XCTAssertEqual(a.state.balances["x"], 15)
    XCTAssertEqual(
      try cluster.psql("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM cordon_events", database: url.database),
      "1,2,3\n")
    let fresh = try Store.open(url: url)
    defer { fresh.close() }
    XCTAssertEqual(fresh.state, a.state)
  }

  /// The seq is the primary key besides: a row for a seq already there is
  /// refused by the database itself.
  func testTheDatabaseRefusesASecondRowForOneSeq() throws {
    let cluster = try privateCluster()
    let url = try PostgresURL(try cluster.createDatabase())
    let s = try Store.open(url: url)
    XCTAssertNoThrow(try s.submitAndWait(.open("x")).get())
    s.close()
    XCTAssertThrowsError(
      try cluster.psql("INSERT INTO cordon_events VALUES (1, 0, NULL, '{}')", database: url.database))
  }

  func testUnreachableServerAndWrongSchemaVersionAreClearErrors() throws {
    let cluster = try privateCluster()
    let url = try PostgresURL(try cluster.createDatabase())
    // Nobody listens on this socket directory.
    let nowhere = try PostgresURL("postgres:///cordon?host=/tmp/cdn-none-\(UUID().uuidString.prefix(6))&user=cordon")
    XCTAssertThrowsError(try Store.open(url: nowhere)) { e in
      XCTAssertTrue("\(e)".contains("cannot connect to PostgreSQL at postgres:///cordon?host=/tmp/cdn-none"), "\(e)")
    }
    // A database that does not exist: the server's own message.
    let missing = try PostgresURL(cluster.url("nosuchdb"))
    XCTAssertThrowsError(try Store.open(url: missing)) { e in
      XCTAssertTrue("\(e)".contains("nosuchdb"), "\(e)")
    }
    let s = try Store.open(url: url)
    s.close()
    try cluster.psql("UPDATE cordon_meta SET value = '99' WHERE key = 'schema_version'", database: url.database)
    XCTAssertThrowsError(try Store.open(url: url)) { e in
      XCTAssertTrue("\(e)".contains("schema version 99; this cordon reads version 1"), "\(e)")
    }
  }

  func testURLForms() throws {
    let socket = try PostgresURL("postgres:///cordon?host=/run/postgresql", environment: ["USER": "duty"])
    XCTAssertEqual(socket.socketPath, "/run/postgresql/.s.PGSQL.5432")
    XCTAssertEqual(socket.database, "cordon")
    XCTAssertEqual(socket.user, "duty")
    let tcp = try PostgresURL("postgresql://ops:s3cret@db.example:6543/duty")
    XCTAssertEqual(tcp.host, "db.example")
    XCTAssertEqual(tcp.port, 6543)
    XCTAssertEqual(tcp.password, "s3cret")
    XCTAssertFalse(tcp.description.contains("s3cret"), "a password in a message")
    let plain = try PostgresURL("postgres://", environment: ["USER": "duty"])
    XCTAssertEqual(plain.socketDirectory, "/var/run/postgresql")
    XCTAssertEqual(plain.database, "duty")
    for (bad, says) in [
      ("mysql://x/y", "must start with postgres://"), ("postgres://h:99999/db", "port"),
      ("postgres:///db?colour=red", "unknown parameter"), ("postgres:///db?sslmode=require", "sslmode"),
      ("postgres:///a/b", "one name"),
    ] {
      XCTAssertThrowsError(try PostgresURL(bad)) { e in XCTAssertTrue("\(e)".contains(says), "\(bad): \(e)") }
    }
  }
}
