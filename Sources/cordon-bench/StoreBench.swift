import CordonStore
import CordonStoreTestSupport
import Dispatch
import Foundation
import Synchronization

/// `cordon-bench store [--dir DIR] [--seconds S] [--events N]`: durable append
/// throughput and ack latency with 1, 16 and 50 writers, replay rate, time to
/// open a large store with and without a snapshot, and resident memory after.
enum StoreBench {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// CRC32C over 64 MiB, best of five: the checksum every frame and snapshot pays.
  static func crcThroughput() {
    let data = [UInt8](repeating: 0x5A, count: 64 << 20)
    var best = Double.infinity
    var c: UInt32 = 0
    for _ in 0..<5 {
      let start = DispatchTime.now().uptimeNanoseconds
      c ^= data.withUnsafeBytes { CRC32C.checksum($0) }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    print(String(format: "CRC32C: %.2f GB/s over 64 MiB (checksum %08x)", Double(data.count) / best / 1e9, c))
  }

  static func run(_ args: [String]) throws {
    if let i = args.firstIndex(of: "--measure-open"), i + 1 < args.count {
      return try measureOpen(args[i + 1])
    }
    func value(_ flag: String) -> String? {
      args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
    if args.contains("--crc") { return crcThroughput() }
    let seconds = value("--seconds").flatMap(Double.init) ?? 3
    let events = value("--events").flatMap(Int.init) ?? 1_000_000
    let base = value("--dir") ?? FileManager.default.currentDirectoryPath + "/.build-bench"
    let root = URL(fileURLWithPath: base).appendingPathComponent("store-\(getpid())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    print("cordon store benchmark (toy ledger model, data in \(root.path))")
    print("writers  appends/s   ack p50 ms  ack p99 ms")
    for writers in [1, 16, 50] {
      let dir = root.appendingPathComponent("w\(writers)")
      let store = try EventStore<LedgerModel>.open(directory: dir)
      let r = try appends(store, writers: writers, seconds: seconds)
      store.close()
      print(
        String(format: "%-8d %-11.0f %-11.3f %-11.3f", writers, r.rate, r.p50 * 1000, r.p99 * 1000))
      try? FileManager.default.removeItem(at: dir)
    }

    let big = root.appendingPathComponent("big")
    let fill = Date()
    let store = try EventStore<LedgerModel>.open(directory: big, options: StoreOptions(snapshotEveryEvents: 0))
    _ = try appends(store, writers: 50, seconds: .infinity, limit: events)
    let count = store.lastSeq
    store.close()
    print(String(format: "filled %llu events in %.1f s", count, Date().timeIntervalSince(fill)))
    let journalBytes = try directoryBytes(big.appendingPathComponent("journal"))
    print(String(format: "journal: %.1f MB", Double(journalBytes) / 1e6))
    print("open with snapshot:    " + (try child(big)))
    try FileManager.default.removeItem(at: big.appendingPathComponent("snapshots"))
    print("open without snapshot: " + (try child(big)) + " (full replay)")
  }

  /// Latencies and rate of `writers` independent submitters, each submitting
  /// its next command from the previous one's completion.
  static func appends(
    _ store: EventStore<LedgerModel>, writers: Int, seconds: Double, limit: Int = .max
  ) throws -> (rate: Double, p50: Double, p99: Double) {
    try appends(writers: writers, seconds: seconds, limit: limit) { command, done in
      store.submit(command, actor: "bench", unit: nil) { done($0.map { _ in () }) }
    }
  }

  /// The same through any store's submit (`cordon-bench pg`: PostgreSQL beside the embedded store).
  static func appends(
    writers: Int, seconds: Double, limit: Int = .max,
    submit: @escaping @Sendable (LedgerModel.Command, @escaping @Sendable (Result<Void, StoreFailure>) -> Void) -> Void
  ) throws -> (rate: Double, p50: Double, p99: Double) {
    for w in 0..<writers {
      let done = DispatchSemaphore(value: 0)
      submit(.open("acct-\(w)")) { _ in done.signal() }
      done.wait()
    }
    let latencies = Mutex<[UInt64]>([])
    let issued = Mutex(0)
    let failure = Mutex<StoreFailure?>(nil)
    let group = DispatchGroup()
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = seconds.isFinite ? start + UInt64(seconds * 1e9) : .max
    @Sendable func next(_ w: Int) {
      let go = issued.withLock { n in
        defer { n += 1 }
        return n < limit
      }
      guard go, DispatchTime.now().uptimeNanoseconds < deadline else { return group.leave() }
      let t0 = DispatchTime.now().uptimeNanoseconds
      submit(.deposit("acct-\(w)", 1)) { result in
        let t1 = DispatchTime.now().uptimeNanoseconds
        if case .failure(let f) = result {
          failure.withLock { $0 = f }
          return group.leave()
        }
        if seconds.isFinite { latencies.withLock { $0.append(t1 - t0) } }
        // Like a client on its own connection: the next command is built and
        // encoded off the journal's writer thread, as in the console.
        DispatchQueue.global().async { next(w) }
      }
    }
    for w in 0..<writers {
      group.enter()
      next(w)
    }
    group.wait()
    if let f = failure.withLock({ $0 }) { throw Failure(description: "append failed: \(f)") }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let sorted = latencies.withLock { $0 }.sorted()
    func pct(_ p: Double) -> Double {
      sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e9
    }
    return (Double(sorted.count) / elapsed, pct(0.5), pct(0.99))
  }

  /// Opens in a fresh process so the resident memory is that of opening alone.
  static func child(_ dir: URL) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    p.arguments = ["store", "--measure-open", dir.path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func measureOpen(_ path: String) throws {
    let t0 = Date()
    let store = try EventStore<LedgerModel>.open(directory: URL(fileURLWithPath: path))
    let secs = Date().timeIntervalSince(t0)
    let n = store.lastSeq
    let rss = residentBytes()
    // Not close(): that would write a snapshot and change what the next run measures.
    print(
      String(
        format: "%llu events in %.3f s (%.0f events/s), RSS %.1f MB", n, secs, Double(n) / secs, Double(rss) / 1e6))
    exit(0)
  }

  static func residentBytes() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
      let kb = line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
      return kb * 1024
    }
    return 0
  }

  static func directoryBytes(_ url: URL) throws -> UInt64 {
    var total: UInt64 = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
      let attrs = try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)
      total += (attrs[.size] as? NSNumber)?.uint64Value ?? 0
    }
    return total
  }
}
