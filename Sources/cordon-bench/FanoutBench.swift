import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// `cordon-bench fanout`: commit-to-render-ready latency with N connected
/// headless consoles, and the server's resident memory per console.
///
/// The server runs in a child process (`cordon-bench fanout-server`), so its
/// memory is its own; it prints the CLOCK_MONOTONIC time at which each record
/// became durable (its store subscriber), which is comparable across
/// processes on Linux. A headless console is a `RemoteSource` with no
/// terminal; "render-ready" is the moment the record has been applied to its
/// local state (its `observeRecords` hook). A separate writer console commits
/// one event every `--interval-ms`.
enum FanoutBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> String? {
      guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
      return args[i + 1]
    }
    let counts = (value("--clients") ?? "10,50,200").split(separator: ",").compactMap { Int($0) }
    let events = Int(value("--events") ?? "") ?? 300
    let interval = Double(value("--interval-ms") ?? "") ?? 10
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-fanout-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let socket = dir.appendingPathComponent("s.sock").path

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    defer { try? group.syncShutdownGracefully() }
    print("fan-out: \(events) events, one every \(interval) ms; a fresh server process for each row")
    print("clients  commit→applied p50    p99    max   submit→applied p50    p99   server RSS/client")
    for n in counts {
      // A fresh server each round, so its memory reflects only this round's consoles.
      let (child, commits) = try startServer(dir: dir.appendingPathComponent("data-\(n)"), socket: socket)
      defer {
        child.terminate()
        child.waitUntilExit()
      }
      let before = residentKiB(pid: child.processIdentifier)
      let arrivals = Arrivals()
      var clients: [RemoteSource] = []
      for i in 0..<n {
        let c = RemoteSource(socketPath: socket, group: group)
        try c.connect(timeout: .seconds(30))
        c.observeRecords { records in
          let now = monotonicNanos()
          arrivals.add(client: i, seqs: records.map(\.seq), at: now)
        }
        clients.append(c)
      }
      // Let the welcome buffers settle before reading the server's memory.
      Thread.sleep(forTimeInterval: 0.5)
      let after = residentKiB(pid: child.processIdentifier)

      let writer = RemoteSource(socketPath: socket, group: group)
      try writer.connect()
      let submitted = CommitTimes()
      let done = DispatchSemaphore(value: 0)
      for k in 0..<events {
        let t0 = monotonicNanos()
        writer.submit(.recordVentilation(site: k % 2 == 0 ? "ht-1" : "ht-2")) { r in
          if case .success(let seq) = r { submitted.set(seq, t0) }
          done.signal()
        }
        Thread.sleep(forTimeInterval: interval / 1000)
      }
      for _ in 0..<events { _ = done.wait(timeout: .now() + 30) }
      let last = writer.lastSeq
      let deadline = Date().addingTimeInterval(30)
      while clients.contains(where: { $0.lastSeq < last }) && Date() < deadline { usleep(10_000) }
      Thread.sleep(forTimeInterval: 0.2)

      var fromCommit: [Double] = []
      var fromSubmit: [Double] = []
      let seqs = submitted.all()
      for (seq, t0) in seqs {
        guard let tc = commits.get(seq) else { continue }
        for t in arrivals.times(of: seq) {
          fromCommit.append(Double(Int64(t) - Int64(tc)) / 1e6)
          fromSubmit.append(Double(Int64(t) - Int64(t0)) / 1e6)
        }
      }
      fromCommit.sort()
      fromSubmit.sort()
      func pct(_ a: [Double], _ p: Double) -> Double {
        a.isEmpty ? .nan : a[min(a.count - 1, Int(Double(a.count) * p))]
      }
      let perClient = n > 0 ? Double(after - before) / Double(n) : 0
      print(
        String(
          format: "%7d  %18.2f %6.2f %6.2f   %18.2f %6.2f   %8.0f KiB   (%d samples, expected %d)", n,
          pct(fromCommit, 0.5), pct(fromCommit, 0.99), fromCommit.last ?? .nan, pct(fromSubmit, 0.5),
          pct(fromSubmit, 0.99), perClient, fromCommit.count, seqs.count * n))
      writer.close()
      for c in clients { c.close() }
      Thread.sleep(forTimeInterval: 0.5)
    }
  }

  static func startServer(dir: URL, socket: String) throws -> (Process, CommitTimes) {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    child.arguments = ["fanout-server", dir.path, socket]
    let out = Pipe()
    child.standardOutput = out
    try child.run()
    let commits = CommitTimes()
    let ready = DispatchSemaphore(value: 0)
    let reader = Thread {
      let h = out.fileHandleForReading
      var pending = Data()
      while true {
        let chunk = h.availableData
        if chunk.isEmpty { break }
        pending.append(chunk)
        while let nl = pending.firstIndex(of: 0x0A) {
          let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
          pending.removeSubrange(pending.startIndex...nl)
          if line == "ready" {
            ready.signal()
            continue
          }
          let parts = line.split(separator: " ")
          if parts.count == 2, let seq = UInt64(parts[0]), let t = UInt64(parts[1]) { commits.set(seq, t) }
        }
      }
    }
    reader.start()
    guard ready.wait(timeout: .now() + 60) == .success else { throw BenchError("the server did not start") }

    return (child, commits)
  }

  /// The child: a store with the demo organisation and a server on `socket`;
  /// prints "seq monotonic-ns" for each durable record.
  static func serve(_ args: [String]) throws {
    guard args.count == 2 else { throw BenchError("usage: cordon-bench fanout-server DIR SOCKET") }
    let store = try EventStore<CordonDomain>.open(directory: URL(fileURLWithPath: args[0]))
    let sem = DispatchSemaphore(value: 0)
    store.submit(.register(DemoOrganisation.registration()), actor: "bench", unit: nil) { _ in sem.signal() }
    sem.wait()
    let out = FileHandle.standardOutput
    _ = store.subscribe { records, _ in
      let now = monotonicNanos()
      out.write(Data(records.map { "\($0.seq) \(now)\n" }.joined().utf8))
    }
    var options = CordonServer.Options()
    options.helloTimeout = .seconds(60)
    let server = CordonServer(store: store, access: AccessConfig(), socketPath: args[1], options: options)
    try server.start()
    out.write(Data("ready\n".utf8))
    // Until the parent terminates us.
    while true { sleep(60) }
  }

  static func residentKiB(pid: Int32) -> Int {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
      return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
  }
}

func monotonicNanos() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

final class CommitTimes: Sendable {
  private let m = Mutex<[UInt64: UInt64]>([:])
  func set(_ seq: UInt64, _ t: UInt64) { m.withLock { $0[seq] = t } }
  func get(_ seq: UInt64) -> UInt64? { m.withLock { $0[seq] } }
  func all() -> [(UInt64, UInt64)] { m.withLock { $0.map { ($0.key, $0.value) } } }
}

final class Arrivals: Sendable {
  private let m = Mutex<[UInt64: [UInt64]]>([:])
  func add(client: Int, seqs: [UInt64], at t: UInt64) {
    m.withLock { d in for s in seqs { d[s, default: []].append(t) } }
  }
  func times(of seq: UInt64) -> [UInt64] { m.withLock { $0[seq] ?? [] } }
}
