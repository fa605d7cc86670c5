import ArgumentParser
import CordonModel
import CordonPostgres
import CordonSession
import CordonStore
import Foundation

/// `cordon migrate --from A --to B`: copies every event of one store into an
/// empty other one, each side a data directory or a postgres:// URL, and
/// checks that both then hold the same state.
struct Migrate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Copy a store into an empty one: a data directory to PostgreSQL (postgres://…) or back.",
    discussion:
      "Stop the server on the source first (an embedded store is locked while it runs). Every event is copied with its seq, time and actor; the destination must be empty. Both sides' state hash is printed and must agree."
  )

  @Option(name: .long, help: "The store to copy: a data directory or a postgres:// URL.") var from: String
  @Option(name: .long, help: "The empty store to copy into: a data directory or a postgres:// URL.") var to: String
  @Option(name: .long, help: "Events per transaction (1-100000, default 5000).") var batch: Int = 5000

  func validate() throws {
    guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1-100000, got \(batch)") }
    guard from != to else { throw ValidationError("--from and --to name the same store") }
    for (flag, value) in [("--from", from), ("--to", to)] where PostgresURL.isURL(value) {
      do { _ = try PostgresURL(value) } catch { throw ValidationError("\(flag): \(error)") }
    }
  }

  func run() throws {
    let source = try Self.open(from, creating: false)
    defer { source.close() }
    let destination = try Self.open(to, creating: true)
    defer { destination.close() }
    guard destination.lastSeq == 0 else {
      throw Fatal(
        description:
          "\(Self.name(to)) is not empty (it ends at seq \(destination.lastSeq)): migrate only into a new store",
        code: 2)
    }
    let last = source.lastSeq
    var next: UInt64 = 1
    while next <= last {
      let upper = min(last, next + UInt64(batch) - 1)
      do {
        try destination.append(verbatim: try source.records(from: next, through: upper))
      } catch {
        throw Fatal(description: "migrate: events \(next)...\(upper): \(error)", code: 1)
      }
      next = upper + 1
    }
    do { try destination.snapshot() } catch { throw Fatal(description: "migrate: \(error)", code: 1) }
    let a = source.state
    let b = destination.state
    print("from \(Self.name(from)): \(last) events, state hash \(a.contentHash)")
    print("to   \(Self.name(to)): \(destination.lastSeq) events, state hash \(b.contentHash)")
    guard a == b, destination.lastSeq == last else {
      throw Fatal(description: "migrate: the two stores' states differ after the copy", code: 1)
    }
  }

  static func name(_ s: String) -> String {
    (try? PostgresURL(s)).map(\.description) ?? s
  }

  static func open(_ s: String, creating: Bool) throws -> any DomainStore {
    if PostgresURL.isURL(s) {
      do { return try openStore(url: try PostgresURL(s), options: StoreOptions()) } catch let e as Fatal {
        throw e
      } catch {
        throw Fatal(description: "\(error)", code: 2)
      }
    }
    let dir = URL(fileURLWithPath: s)
    if !creating, !FileManager.default.fileExists(atPath: dir.path) {
      throw Fatal(description: "no data directory at \(dir.path)", code: 2)
    }
    return try openStore(at: dir, options: StoreOptions(), progress: nil)
  }
}
