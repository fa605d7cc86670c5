import Foundation
import XCTest

/// The modules match the parts: the server is built from the store, the
/// model and the wire protocol, and never from the terminal. Read from the
/// package's own description (`swift package dump-package`), so a dependency
/// added to Package.swift fails here, not in review.
final class DependencyTests: XCTestCase {
  struct Target {
    var targets: [String]
    var products: [String]
  }

  func testServerDependsOnStoreModelAndWireOnlyNeverTheTerminal() throws {
    let graph = try Self.dumpPackage()
    let server = try XCTUnwrap(graph["CordonServer"])
    // CordonSession is named because the server answers report, audit and
    // export over --socket with the journal query runner local reads use.
    XCTAssertEqual(
      Set(server.targets), ["CordonModel", "CordonStore", "CordonSession", "CordonWire", "CordonNotify"],
      "the server's own modules")
    XCTAssertEqual(Set(server.products), ["NIOCore", "NIOPosix", "TOMLKit", "Logging"])
    // swift-log is the server's and the executable's: the model stays pure,
    // the store tells an observer, the console never logs.
    for name in ["CordonModel", "CordonStore", "CordonTUI", "CordonSession", "CordonWire", "CordonNotify"] {
      XCTAssertFalse(try XCTUnwrap(graph[name]).products.contains("Logging"), "\(name) links swift-log")
    }
    XCTAssertTrue(try XCTUnwrap(graph["cordon"]).products.contains("Logging"))
    for name in ["CordonServer", "CordonWire", "CordonSession"] {
      let reach = Self.closure(of: name, in: graph)
      XCTAssertFalse(reach.contains("CordonTUI"), "\(name) reaches CordonTUI: \(reach.sorted())")
      XCTAssertFalse(reach.contains("CNcursesw"), "\(name) reaches ncursesw: \(reach.sorted())")
    }
    // The console's data source and its remote client are where the issue put them.
    XCTAssertEqual(Set(try XCTUnwrap(graph["CordonSession"]).targets), ["CordonModel", "CordonStore"])
    XCTAssertTrue(try XCTUnwrap(graph["CordonWire"]).targets.contains("CordonSession"))
    XCTAssertFalse(Self.closure(of: "CordonModel", in: graph).contains("CordonStore"), "the model has no I/O")
    // The HTTP client is the sender's alone: never in the model, the store, the terminal or the wire.
    let notify = try XCTUnwrap(graph["CordonNotify"])
    XCTAssertEqual(Set(notify.targets), ["CordonModel"])
    XCTAssertTrue(notify.products.contains("AsyncHTTPClient"))
    for (name, target) in graph where name != "CordonNotify" && !target.products.isEmpty {
      XCTAssertFalse(target.products.contains("AsyncHTTPClient"), "\(name) links AsyncHTTPClient directly")
      // A receiver's own CA and client certificate are the sender's business too.
      XCTAssertFalse(target.products.contains("NIOSSL"), "\(name) links NIOSSL directly")
    }
    XCTAssertTrue(notify.products.contains("NIOSSL"))
    for name in ["CordonModel", "CordonStore", "CordonTUI", "CordonSession", "CordonWire"] {
      XCTAssertFalse(Self.closure(of: name, in: graph).contains("CordonNotify"), "\(name) reaches CordonNotify")
    }
  }

  /// postgres-nio (and the crypto and TLS it brings) is the PostgreSQL
  /// journal's alone: only the executable, the bench and its own tests link
  /// CordonPostgres; the server reaches the journal through the store seam.
  func testPostgresClientStaysInItsOwnModule() throws {
    let graph = try Self.dumpPackage()
    let pg = try XCTUnwrap(graph["CordonPostgres"])
    XCTAssertTrue(pg.products.contains("PostgresNIO"))
    XCTAssertFalse(Self.closure(of: "CordonPostgres", in: graph).contains("CordonTUI"))
    for (name, target) in graph where name != "CordonPostgres" {
      XCTAssertFalse(target.products.contains("PostgresNIO"), "\(name) links PostgresNIO directly")
    }
    let allowed: Set = ["cordon", "cordon-bench", "CordonPostgresTests", "CordonPostgres"]
    for (name, _) in graph where !allowed.contains(name) {
      XCTAssertFalse(
        try XCTUnwrap(graph[name]).targets.contains("CordonPostgres"), "\(name) depends on CordonPostgres")
    }
    for name in ["CordonModel", "CordonStore", "CordonSession", "CordonWire", "CordonServer", "CordonTUI"] {
      XCTAssertFalse(Self.closure(of: name, in: graph).contains("CordonPostgres"), "\(name) reaches CordonPostgres")
    }
  }

  /// Every target reachable from `name` through target dependencies.
  static func closure(of name: String, in graph: [String: Target]) -> Set<String> {
    var seen = Set<String>()
    var queue = graph[name]?.targets ?? []
    while let next = queue.popLast() {
      guard seen.insert(next).inserted else { continue }
      queue += graph[next]?.targets ?? []
    }
    return seen
  }

  /// Targets by name with their target and product dependencies, from
  /// `swift package dump-package` run on this package (its own scratch
  /// directory, so it never waits for the build that is running the tests).
  static func dumpPackage() throws -> [String: Target] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-dump-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["swift", "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "swift package dump-package failed")
    let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var graph: [String: Target] = [:]
    for t in json["targets"] as? [[String: Any]] ?? [] {
      guard let name = t["name"] as? String else { continue }
      var target = Target(targets: [], products: [])
      for d in t["dependencies"] as? [[String: Any]] ?? [] {
        if let byName = d["byName"] as? [Any], let n = byName.first as? String {
          // A bare name is a target of this package, or else a product.
          target.targets.append(n)
        } else if let tgt = d["target"] as? [Any], let n = tgt.first as? String {
          target.targets.append(n)
        } else if let prod = d["product"] as? [Any], let n = prod.first as? String {
          target.products.append(n)
        }
      }
      graph[name] = target
    }
    return graph
  }
}
