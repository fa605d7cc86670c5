import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A private PostgreSQL cluster for one test or benchmark: `initdb` into a temporary
/// directory, `pg_ctl start` with its Unix socket in that directory, no TCP
/// (`listen_addresses=''`), fsync on. Run as the `postgres` OS user when the
/// tests run as root (initdb refuses root). Skips the test only when the
/// PostgreSQL server binaries are not installed (`scripts/setup` installs them):
/// `PostgresCluster.Unavailable`, which the tests turn into a skip.
public final class PostgresCluster: @unchecked Sendable {
  // @unchecked: immutable after init but for `running`, touched by the owner only.
  /// Why no cluster can be started here (no binaries, no postgres user).
  public struct Unavailable: Error, CustomStringConvertible {
    public var description: String
  }

  public let root: URL
  public let bin: URL
  public var socketDirectory: String { root.path }
  public var data: URL { root.appendingPathComponent("data") }
  private var running = false

  /// The binaries: $PG_BINDIR, else the newest /usr/lib/postgresql/N/bin.
  public static func binaries() -> URL? {
    let fm = FileManager.default
    if let d = ProcessInfo.processInfo.environment["PG_BINDIR"], fm.isExecutableFile(atPath: d + "/initdb") {
      return URL(fileURLWithPath: d)
    }
    let base = "/usr/lib/postgresql"
    let versions = ((try? fm.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted()
    for v in versions.reversed() where fm.isExecutableFile(atPath: "\(base)/\(v)/bin/initdb") {
      return URL(fileURLWithPath: "\(base)/\(v)/bin")
    }
    return nil
  }

  public init() throws {
    guard let bin = Self.binaries() else {
      throw Unavailable(description: "PostgreSQL server binaries (initdb, pg_ctl) are not installed: run scripts/setup")
    }
    self.bin = bin
    // Short: a Unix socket path must fit in 107 bytes.
    root = URL(fileURLWithPath: "/tmp/cdn-pg-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    if geteuid() == 0 {
      guard getpwnam("postgres") != nil else {
        throw Unavailable(description: "running as root and there is no postgres OS user to run the cluster as")
      }
      try run("/bin/chown", ["postgres:postgres", root.path], asPostgres: false)
    }
    try run(
      bin.appendingPathComponent("initdb").path,
      ["-D", data.path, "-U", "cordon", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
    try start()
  }

  public func start() throws {
    try run(
      bin.appendingPathComponent("pg_ctl").path,
      [
        "-D", data.path, "-l", root.appendingPathComponent("log").path, "-w", "-t", "60", "-o",
        "-k \(root.path) -c listen_addresses='' -p 5432 -c fsync=on -c synchronous_commit=on -c max_connections=40",
        "start",
      ])
    running = true
  }

  /// `-m immediate`: like a crash of the database server; recovery replays its WAL.
  public func stop(mode: String = "fast") {
    guard running else { return }
    _ = try? run(bin.appendingPathComponent("pg_ctl").path, ["-D", data.path, "-m", mode, "-w", "stop"])
    running = false
  }

  deinit {
    stop(mode: "immediate")
    try? FileManager.default.removeItem(at: root)
  }

  /// A new, empty database and the URL cordon opens it by.
  public func createDatabase(_ name: String = "cordon_\(UUID().uuidString.prefix(8).lowercased())") throws -> String {
    try psql("CREATE DATABASE \(name)", database: "postgres")
    return url(name)
  }

  public func url(_ database: String) -> String { "postgres:///\(database)?host=\(root.path)&user=cordon" }

  /// Runs SQL through psql; its output (tuples only, unaligned).
  @discardableResult
  public func psql(_ sql: String, database: String) throws -> String {
    try run(
      "/usr/bin/env",
      [
        bin.appendingPathComponent("psql").path, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", root.path, "-U",
        "cordon", "-d", database, "-c", sql,
      ], asPostgres: false)
  }

  /// posix_spawn and waitpid, not Foundation's Process: pg_ctl leaves a
  /// daemon behind, which Foundation's wait for the child can hang on.
  @discardableResult
  private func run(_ path: String, _ args: [String], asPostgres: Bool = true) throws -> String {
    var argv = [path] + args
    if asPostgres && geteuid() == 0 { argv = ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv }
    let out = root.appendingPathComponent("run-\(UUID().uuidString.prefix(6)).out")
    defer { try? FileManager.default.removeItem(at: out) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let env = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "PGTZ=UTC"]
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer {
      for p in cArgs { free(p) }
      for p in cEnv { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
    guard rc == 0 else { throw ClusterError(description: "cannot run \(argv[0]): errno \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    let code = (status >> 8) & 0xff
    guard exited && code == 0 else {
      throw ClusterError(description: "\(argv.joined(separator: " ")) failed (status \(status)): \(text)")
    }
    return text
  }
}

public struct ClusterError: Error, CustomStringConvertible {
  public var description: String
  public init(description: String) { self.description = description }
}
