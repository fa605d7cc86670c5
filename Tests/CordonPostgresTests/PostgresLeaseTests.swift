import CordonPostgres
import CordonSession
import CordonStore
import CordonStoreTestSupport
import Dispatch
import Foundation
import Synchronization
import XCTest

/// The lease in one process, against a real server: the append checks the
/// holder and term itself, so a leader whose lease was taken appends
/// nothing even before its renewal notices; a follower follows, and takes
/// over when the holder's connection is gone.
final class PostgresLeaseTests: XCTestCase {
  typealias Store = PostgresStore<LedgerModel>

  func testALeaderWhoseLeaseWasTakenAppendsNothingAndFollows() throws {
    let cluster = try privateCluster()
    let url = try PostgresURL(try cluster.createDatabase())
    // Renewal far apart: the append statement alone has to notice.
    let a = try Store.open(
      url: url, replication: PostgresReplication(contend: true, endpoint: "/a.sock", renewSeconds: 60))
    defer { a.close() }
    XCTAssertEqual(a.role, .leader(term: 1))
    XCTAssertNoThrow(try a.submitAndWait(.open("x")).get())
    // What a takeover does: another holder, the next term (its connection
    // a live backend's, else `a` would take the lease straight back).
    try cluster.psql(
      """
      UPDATE cordon_lease SET holder = 'other', term = term + 1, endpoint = '/b.sock', expires = now() + interval '1 hour',
      backend_pid = (SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer')
      """,
      database: url.database)
    guard case .failure(.storeReadOnly(let reason)) = a.submitAndWait(.deposit("x", 5)) else {
      return XCTFail("a leader without the lease appended")
    }
    XCTAssertTrue(reason.contains("no longer holds the journal's lease"), reason)
    XCTAssertEqual(try cluster.psql("SELECT last_seq FROM cordon_head", database: url.database), "1\n")
    XCTAssertEqual(try cluster.psql("SELECT count(*) FROM cordon_events", database: url.database), "1\n")
    // It follows now, and names the leader the lease names.
    try waitUntil { a.role == .follower(leader: "/b.sock") }
    XCTAssertTrue(a.status.isWritable, "a follower serves read-write by forwarding")
    guard case .failure(.storeReadOnly(let r)) = a.submitAndWait(.deposit("x", 1)) else {
      return XCTFail("a follower appended")
    }
    XCTAssertTrue(r.contains("the leader serves at /b.sock"), r)
  }

  func testAFollowerFollowsAndTakesOverWhenTheLeaderCloses() throws {
    let cluster = try privateCluster()
    let url = try PostgresURL(try cluster.createDatabase())
    let a = try Store.open(url: url, replication: PostgresReplication(contend: true, endpoint: "/a.sock"))
    var aOpen = true
    defer { if aOpen { a.close() } }
    let b = try Store.open(url: url, replication: PostgresReplication(contend: true, endpoint: "/b.sock"))
    defer { b.close() }
    XCTAssertEqual(a.role, .leader(term: 1))
    XCTAssertEqual(b.role, .follower(leader: "/a.sock"))
    let heard = Mutex<[UInt64]>([])
    _ = b.subscribe { records, _ in heard.withLock { $0 += records.map(\.seq) } }
    XCTAssertNoThrow(try a.submitAndWait(.open("x")).get())
    for i in 1...20 { XCTAssertNoThrow(try a.submitAndWait(.deposit("x", Int64(i))).get()) }
    let applied = Mutex(false)
    let done = DispatchSemaphore(value: 0)
    b.whenApplied(through: 21, timeout: 10) { ok in
      applied.withLock { $0 = ok }
      done.signal()
    }
    done.wait()
    XCTAssertTrue(applied.withLock { $0 })
    XCTAssertEqual(b.state, a.state)
    XCTAssertEqual(heard.withLock { $0 }, Array(1...21))
    a.close()
    aOpen = false
    // Closing lets the lease go at once.
    try waitUntil(seconds: 5) { b.role == .leader(term: 2) }
    XCTAssertNoThrow(try b.submitAndWait(.deposit("x", 100)).get())
    XCTAssertEqual(b.lastSeq, 22)
    XCTAssertEqual(b.state.balances["x"], 310)
  }
}

func waitUntil(seconds: Double = 15, _ what: String = "the condition", _ condition: () throws -> Bool) throws {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try condition() { return }
    usleep(20_000)
  }
  throw ClusterError(description: "\(what) did not hold within \(seconds) s")
}

/// A private cluster, or a skip saying why there cannot be one here.
func privateCluster() throws -> PostgresCluster {
  do { return try PostgresCluster() } catch let e as PostgresCluster.Unavailable { throw XCTSkip(e.description) }
}
