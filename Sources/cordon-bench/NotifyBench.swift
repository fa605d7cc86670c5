import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `cordon-bench notify`: a burst of critical alerts with two webhook
/// receivers, one of them hung, against the same burst with both receivers
/// hung (every notification decided, journalled and sent to the consoles,
/// none delivered: what the sender's own work adds is the difference) and on
/// a server without receivers, twice: the two servers without receivers differ
/// only by the machine's noise, which is what "unchanged" is judged against.
/// Each round runs the four in a rotated order, on fresh stores, with the
/// same two consoles' work. Two latencies, both a console's submit to the
/// server's answer through the socket: the burst's own commands (sent all at
/// once by one console, so each waits for those before it), and a second
/// console's probe command every `--probe-ms` from the burst's start, for as
/// long on every server (what a warm-up round with receivers took to have
/// everything delivered, and a quarter more), which is what a duty room
/// typing meanwhile sees. Then the time until the healthy receiver has all of
/// them. The receivers are real HTTP servers on 127.0.0.1 started here, each
/// in a child process of its own unless `--receivers in-process`: one
/// answers WeCom's `{"errcode":0}` at once, the other reads each request and
/// never answers.
enum NotifyBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> String? {
      guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
      return args[i + 1]
    }
    let alerts = Int(value("--alerts") ?? "") ?? 1000
    guard (1...100_000).contains(alerts) else { throw BenchError("--alerts must be 1–100000") }
    let timeout = Int(value("--timeout-s") ?? "") ?? 300
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-notify-bench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }

    // `--receivers child` (default): each receiver in a process of its own,
    // as a real one is on another machine, so its HTTP work does not share
    // the server's threads and allocator; `in-process` shows what sharing them costs.
    let placement = value("--receivers") ?? "child"
    guard ["child", "in-process"].contains(placement) else {
      throw BenchError("--receivers must be child or in-process")
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    func receiver(answers: Bool) throws -> NotifyBenchReceiver {
      placement == "child"
        ? try NotifyBenchReceiver(answers: answers) : try NotifyBenchReceiver(answers: answers, group: group)
    }
    let healthy = try receiver(answers: true)
    let hung = try receiver(answers: false)
    let hung2 = try receiver(answers: false)
    defer {
      healthy.close()
      hung.close()
      hung2.close()
    }
    func config(_ first: NotifyBenchReceiver) throws -> AccessConfig {
      try AccessConfig.parse(
        """
        [[receivers]]
        name = "healthy"
        type = "webhook"
        url = "http://127.0.0.1:\(first.port)/send?key=bench"
        format = "wecom"

        [[receivers]]
        name = "hung"
        type = "webhook"
        url = "http://127.0.0.1:\(hung.port)/send?key=bench"
        format = "wecom"

        [[routes]]
        severity = ["critical"]
        receivers = ["healthy", "hung"]
        """, file: "bench.toml")
    }

    let probeMs = Int(value("--probe-ms") ?? "") ?? 20
    guard (1...10_000).contains(probeMs) else { throw BenchError("--probe-ms must be 1–10000") }

    let rounds = Int(value("--rounds") ?? "") ?? 3
    guard (1...20).contains(rounds) else { throw BenchError("--rounds must be 1–20") }
    // `--only on|hung|off`: one kind of server per round, to profile it alone (no ratios then).
    let only = value("--only")
    // The sender's HTTP thread's nice value (the server's default unless given): 0 shows what the default buys.
    var options = CordonServer.Options()
    if let n = value("--sender-nice") {
      guard let v = Int32(n), (0...19).contains(v) else { throw BenchError("--sender-nice must be 0–19") }
      options.senderNice = v
    }

    print(
      "notify: receivers \(placement); sender nice \(options.senderNice); \(alerts) critical alerts in one burst (fever cases through the server's socket); a probe every \(probeMs) ms; \(rounds) round(s) of four servers in a rotating order: receivers (healthy + hung), both receivers hung (the outbox decided and journalled, nothing delivered), and twice without receivers (the second one is the bench's own noise)"
    )
    // Warms the process (the HTTP client, the allocator, the page cache) and
    // sets how long every later server is probed: as long as this one took
    // to have everything delivered and journalled, and a quarter more.
    let warm = try round(
      dir: dir.appendingPathComponent("warm"), access: try config(healthy), options: options, alerts: alerts,
      probeMs: probeMs,
      timeout: timeout, healthy: healthy)
    healthy.reset()
    let window = max(1, warm.windowSeconds * 1.25)
    print(
      String(
        format: "warm-up with receivers: %.2f s; every server is probed for at least %.2f s", warm.windowSeconds, window
      ))
    print(
      "round receivers          burst committed in   burst p50     p99 (ms)   probe p50     p99     max (ms)  probes")
    enum Variant: String, CaseIterable {
      case on, hung, off, offAgain
      var name: String {
        switch self {
        case .on: "healthy + hung"
        case .hung: "hung + hung"
        case .off: "off"
        case .offAgain: "off again"
        }
      }
    }
    var burst: [Variant: [Double]] = [:]
    var probe: [Variant: [Double]] = [:]
    var deliveredAll: [Double] = []
    for k in 1...rounds {
      // Rotated each round, so no variant always runs first or last on a shared machine.
      let all = Variant.allCases
      let order = (0..<all.count).map { all[(k - 1 + $0) % all.count] }.filter { only == nil || $0.rawValue == only }
      var results: [Variant: Round] = [:]
      for v in order {
        let sub = dir.appendingPathComponent("\(v)\(k)")
        switch v {
        case .on:
          healthy.reset()
          results[v] = try round(
            dir: sub, access: try config(healthy), options: options, alerts: alerts, probeMs: probeMs, timeout: timeout,
            healthy: healthy, window: window)
        case .hung:
          results[v] = try round(
            dir: sub, access: try config(hung2), options: options, alerts: alerts, probeMs: probeMs, timeout: timeout,
            window: window)
        case .off, .offAgain:
          results[v] = try round(
            dir: sub, access: AccessConfig(), alerts: alerts, probeMs: probeMs, timeout: timeout, window: window)
        }
      }
      for v in all {
        guard let r = results[v] else { continue }
        print(String(format: "%5d ", k) + r.row(v.name))
        burst[v, default: []].append(r.burst.p99)
        probe[v, default: []].append(r.probes.p99)
      }
      if let on = results[.on], let d = on.allDeliveredSeconds, let j = on.allJournalledSeconds {
        deliveredAll.append(d)
        print(
          String(
            format:
              "      healthy receiver: all %d received %.2f s after the burst began; all journalled delivered at %.2f s",
            alerts, d, j))
      } else {
        print("      healthy receiver: got \(healthy.ids.count) of \(alerts) within \(timeout) s")
      }
    }
    /// Median and range of a / b, round by round.
    func ratios(_ m: [Variant: [Double]], _ a: Variant, _ b: Variant) -> String {
      let r = zip(m[a] ?? [], m[b] ?? []).map { $0 / $1 }.sorted()
      guard let lo = r.first, let hi = r.last else { return "n/a" }
      return String(format: "%.2f (%.2f–%.2f)", r[r.count / 2], lo, hi)
    }
    print("p99 ratios over \(rounds) round(s), median (min–max):")
    print(
      "  off again / off  (the noise):   burst \(ratios(burst, .offAgain, .off)), probe \(ratios(probe, .offAgain, .off))"
    )
    print("  receivers / off:                burst \(ratios(burst, .on, .off)), probe \(ratios(probe, .on, .off))")
    print("  both hung / off:                burst \(ratios(burst, .hung, .off)), probe \(ratios(probe, .hung, .off))")
    print("  receivers / both hung:          burst \(ratios(burst, .on, .hung)), probe \(ratios(probe, .on, .hung))")
    let d = deliveredAll.sorted()
    if let lo = d.first, let hi = d.last {
      print(
        String(format: "healthy receiver had all of a burst after: median %.2f s (%.2f–%.2f)", d[d.count / 2], lo, hi))
    }
    print("hung receivers: \(hung.requests + hung2.requests) request(s) received, none answered")
  }

  struct Latencies {
    var sorted: [Double]
    func pct(_ p: Double) -> Double {
      sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    var p50: Double { pct(0.5) }
    var p99: Double { pct(0.99) }
    var max: Double { sorted.last ?? .nan }
  }

  struct Round {
    var burst: Latencies
    var probes: Latencies
    var refused: Int
    var burstSeconds: Double
    var windowSeconds: Double
    var allDeliveredSeconds: Double?
    var allJournalledSeconds: Double?

    func row(_ name: String) -> String {
      name.padding(toLength: 18, withPad: " ", startingAt: 0)
        + String(
          format: " %12.2f s %11.2f %7.2f %14.2f %7.2f %7.2f %7d", burstSeconds, burst.p50, burst.p99, probes.p50,
          probes.p99, probes.max, probes.sorted.count)
        + (refused > 0 ? "  (\(refused) refused)" : "")
    }
  }

  /// Collects latencies from completion handlers on any thread.
  final class Samples: Sendable {
    private let m = Mutex<(ms: [Double], refused: Int)>(([], 0))
    func add(_ r: Result<UInt64, StoreFailure>, since t0: UInt64) {
      let t = monotonicNanos()
      m.withLock { s in
        if case .success = r { s.ms.append(Double(t - t0) / 1e6) } else { s.refused += 1 }
      }
    }
    var latencies: Latencies { Latencies(sorted: m.withLock { $0.ms }.sorted()) }
    var refused: Int { m.withLock { $0.refused } }
  }

  /// One server on a fresh store: the burst, probes throughout, and (with
  /// `healthy`) the wait until it has every notification; probed for `window` seconds at least.
  static func round(
    dir: URL, access: AccessConfig, options: CordonServer.Options = .init(), alerts: Int, probeMs: Int, timeout: Int,
    healthy: NotifyBenchReceiver? = nil,
    window: Double = 0
  ) throws -> Round {
    let store = try EventStore<CordonDomain>.open(directory: dir)
    defer { store.close() }
    let seeded = DispatchSemaphore(value: 0)
    store.submit(.register(DemoOrganisation.registration()), actor: "bench", unit: nil) { _ in seeded.signal() }
    seeded.wait()
    let socket = dir.appendingPathComponent("s.sock").path
    let server = CordonServer(store: store, access: access, socketPath: socket, options: options)
    try server.start()
    defer { server.stop() }
    let client = RemoteSource(socketPath: socket, commandTimeout: .seconds(Int64(timeout)))
    try client.connect()
    defer { client.close() }
    let prober = RemoteSource(socketPath: socket, commandTimeout: .seconds(Int64(timeout)))
    try prober.connect()
    defer { prober.close() }
    let sites = store.state.orderedSites.map(\.id)
    guard !sites.isEmpty else { throw BenchError("the demo organisation has no sites") }

    let burst = Samples()
    let probes = Samples()
    let stop = Atomic<Bool>(false)
    let probesDone = DispatchSemaphore(value: 0)
    // The probe: one ventilation record at a time, every probeMs.
    let probeThread = Thread {
      var k = 0
      while !stop.load(ordering: .relaxed) {
        let answered = DispatchSemaphore(value: 0)
        let t0 = monotonicNanos()
        prober.submit(.recordVentilation(site: sites[k % sites.count])) { r in
          probes.add(r, since: t0)
          answered.signal()
        }
        _ = answered.wait(timeout: .now() + .seconds(timeout))
        k += 1
        usleep(useconds_t(probeMs * 1000))
      }
      probesDone.signal()
    }
    let done = DispatchSemaphore(value: 0)
    let start = monotonicNanos()
    probeThread.start()
    for k in 0..<alerts {
      let t0 = monotonicNanos()
      client.submit(
        .recordFever(site: sites[k % sites.count], personName: "病例\(k)", reading: Celsius(tenths: 390))
      ) { r in
        burst.add(r, since: t0)
        done.signal()
      }
    }
    for _ in 0..<alerts { _ = done.wait(timeout: .now() + .seconds(timeout)) }
    let burstSeconds = Double(monotonicNanos() - start) / 1e9

    var delivered: Double? = nil
    var journalled: Double? = nil
    let deadline = Date().addingTimeInterval(TimeInterval(timeout))
    func owed() -> Bool { store.state.notify.pending.values.contains { $0.remaining.contains("healthy") } }
    if let healthy {
      while healthy.ids.count < alerts && Date() < deadline { usleep(2_000) }
      if healthy.ids.count >= alerts, let last = healthy.lastArrival { delivered = Double(last - start) / 1e9 }
      // Every 10 ms: reading the outbox copies it, and the probes are still running.
      while Date() < deadline && owed() { usleep(10_000) }
      if !owed() { journalled = Double(monotonicNanos() - start) / 1e9 }
    }
    while Double(monotonicNanos() - start) / 1e9 < window { usleep(2_000) }
    let windowSeconds = Double(monotonicNanos() - start) / 1e9
    stop.store(true, ordering: .relaxed)
    probesDone.wait()
    return Round(
      burst: burst.latencies, probes: probes.latencies, refused: burst.refused + probes.refused,
      burstSeconds: burstSeconds, windowSeconds: windowSeconds, allDeliveredSeconds: delivered,
      allJournalledSeconds: journalled)
  }
}

/// What a bench receiver has been sent: the notification ids of each request
/// (`X-Cordon-Notice-Id`), how many requests, and when the last new id came.
final class ReceivedLog: Sendable {
  private struct Seen {
    var ids = Set<String>()
    var requests = 0
    var last: UInt64?
  }
  private let seen = Mutex(Seen())

  var ids: Set<String> { seen.withLock { $0.ids } }
  var requests: Int { seen.withLock { $0.requests } }
  var lastArrival: UInt64? { seen.withLock { $0.last } }

  /// `at`: monotonic nanoseconds (CLOCK_MONOTONIC is one clock for every process).
  func arrived(_ header: Substring, at now: UInt64) {
    seen.withLock { s in
      s.requests += 1
      for id in header.split(separator: ",") where s.ids.insert(String(id)).inserted { s.last = now }
    }
  }

  /// Forgets what it received (each round's store numbers its notifications from N1).
  func reset() { seen.withLock { $0 = Seen() } }
}

/// A real HTTP receiver on 127.0.0.1 (NIOHTTP1) that answers WeCom's success
/// at once, or reads the request and never answers; `arrived` hears of each
/// request's ids. The bench runs it in a child process (`NotifyBenchReceiver`), or in this one.
final class BenchReceiver: Sendable {
  private let channel: Channel
  let port: Int

  init(answers: Bool, group: EventLoopGroup, arrived: @escaping @Sendable (String) -> Void) throws {
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap {
          channel.pipeline.addHandler(Handler(answers: answers, arrived: arrived))
        }
      }
    channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
    port = channel.localAddress?.port ?? 0
  }

  func close() { try? channel.close().wait() }

  private final class Handler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: confined to its channel's event loop, as NIO handlers are.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let answers: Bool
    let arrived: @Sendable (String) -> Void
    var ids = ""

    init(answers: Bool, arrived: @escaping @Sendable (String) -> Void) {
      self.answers = answers
      self.arrived = arrived
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch unwrapInboundIn(data) {
      case .head(let head): ids = head.headers.first(name: "X-Cordon-Notice-Id") ?? ""
      case .body: break
      case .end:
        arrived(ids)
        guard answers else { return }
        let body = ByteBuffer(string: #"{"errcode":0,"errmsg":"ok"}"#)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(
          wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
      }
    }
  }
}
