import CordonModel
import CordonPostgres
import CordonStore
import CordonStoreTestSupport
import CordonWire
import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// `cordon-bench pg [--seconds S] [--kills N] [--dir DIR]`: on a private
/// PostgreSQL cluster (initdb, Unix socket, fsync and synchronous_commit on)
/// it measures durable appends/s and ack latency at 1, 16 and 50 writers,
/// PostgreSQL beside the embedded store in the same run; then failover:
/// two `cordon serve --store` processes, the leader killed with SIGKILL N
/// times (default 20), the time from the kill until the other says it leads
/// and until a command through it is durable, p50 and p99.
enum PgBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> String? {
      args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
    let seconds = value("--seconds").flatMap(Double.init) ?? 3
    let kills = value("--kills").flatMap(Int.init) ?? 20
    let base = value("--dir") ?? FileManager.default.currentDirectoryPath + "/.build-bench"
    let root = URL(fileURLWithPath: base).appendingPathComponent("pg-\(getpid())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let cluster = try PostgresCluster()
    print("cordon PostgreSQL benchmark (toy ledger model; private cluster in \(cluster.root.path), fsync on)")
    print("writers  store       appends/s   ack p50 ms  ack p99 ms")
    for writers in [1, 16, 50] {
      let dir = root.appendingPathComponent("w\(writers)")
      let embedded = try EventStore<LedgerModel>.open(directory: dir)
      let e = try StoreBench.appends(embedded, writers: writers, seconds: seconds)
      embedded.close()
      try? FileManager.default.removeItem(at: dir)
      let url = try PostgresURL(try cluster.createDatabase())
      let pg = try PostgresStore<LedgerModel>.open(url: url)
      let p = try StoreBench.appends(writers: writers, seconds: seconds) { command, done in
        pg.submit(command, actor: "bench", unit: nil) { done($0.map { _ in () }) }
      }
      pg.close()
      for (name, r) in [("embedded", e), ("postgresql", p)] {
        print(
          String(
            format: "%-8d %-11@ %-11.0f %-11.3f %-11.3f", writers, name as NSString, r.rate, r.p50 * 1000,
            r.p99 * 1000))
      }
    }
    if kills > 0 { try failover(cluster, kills: kills) }
  }

  /// The `cordon` binary beside this one.
  static func cordonBinary() throws -> String {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let path = me.deletingLastPathComponent().appendingPathComponent("cordon").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw StoreBench.Failure(description: "no cordon binary beside cordon-bench at \(path): build the package")
    }
    return path
  }

  static func failover(_ cluster: PostgresCluster, kills: Int) throws {
    let binary = try cordonBinary()
    let url = try cluster.createDatabase()
    let store = try PostgresStore<CordonDomain>.open(url: try PostgresURL(url))
    let seeded = DispatchSemaphore(value: 0)
    store.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: "hq", commandID: nil) { _ in
      seeded.signal()
    }
    seeded.wait()
    let site = store.state.sites.keys.sorted().first ?? ""
    store.close()
    let sockets = ["a", "b"].map { cluster.root.appendingPathComponent("\($0).sock").path }
    var procs: [Int: Process] = [:]
    func start(_ i: Int) throws {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: binary)
      p.arguments = ["serve", "--store", url, "--socket", sockets[i], "--log-level", "warning"]
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      procs[i] = p
    }
    defer {
      for p in procs.values where p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
      }
    }
    func role(_ i: Int) -> String? { (try? StatusProbe.fetch(socketPath: sockets[i], timeoutSeconds: 2))?.role }
    func waitRole(_ i: Int, _ prefix: String, seconds: Double = 30) throws {
      let deadline = Date().addingTimeInterval(seconds)
      while Date() < deadline {
        if role(i)?.hasPrefix(prefix) == true { return }
        usleep(5_000)
      }
      throw StoreBench.Failure(description: "server \(i) not \(prefix) within \(seconds) s")
    }
    try start(0)
    try waitRole(0, "leader")
    try start(1)
    try waitRole(1, "follower")
    var toLeader: [Double] = []
    var toDurable: [Double] = []
    var leader = 0
    let line = "{\"type\":\"fever\",\"site\":\"\(site)\",\"person\":\"bench\",\"reading\":38.2}"
    for _ in 0..<kills {
      let other = 1 - leader
      guard let p = procs[leader] else { break }
      let t0 = DispatchTime.now().uptimeNanoseconds
      kill(p.processIdentifier, SIGKILL)
      try waitRole(other, "leader")
      let t1 = DispatchTime.now().uptimeNanoseconds
      let source = RemoteSource(socketPath: sockets[other])
      try source.connect()
      let done = DispatchSemaphore(value: 0)
      source.submit(lines: [line]) { _ in done.signal() }
      done.wait()
      source.close()
      let t2 = DispatchTime.now().uptimeNanoseconds
      toLeader.append(Double(t1 - t0) / 1e9)
      toDurable.append(Double(t2 - t0) / 1e9)
      p.waitUntilExit()
      unlink(sockets[leader])
      try start(leader)
      try waitRole(leader, "follower")
      leader = other
    }
    func pct(_ xs: [Double], _ p: Double) -> Double {
      let s = xs.sorted()
      return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
    }
    print("failover over \(toLeader.count) kill -9 of the leader (two cordon serve --store, lease 2 s):")
    print(
      String(
        format: "  kill to new leader:        p50 %.3f s  p99 %.3f s  max %.3f s", pct(toLeader, 0.5),
        pct(toLeader, 0.99), toLeader.max() ?? 0))
    print(
      String(
        format: "  kill to a durable command: p50 %.3f s  p99 %.3f s  max %.3f s", pct(toDurable, 0.5),
        pct(toDurable, 0.99), toDurable.max() ?? 0))
  }
}
