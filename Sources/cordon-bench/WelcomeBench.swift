import CordonModel
import CordonWire
import EventSourcing
import Foundation

/// `cordon-bench welcome`: what a console's connection costs at city size,
/// the welcome that carries the whole state. The server's encode of one
/// frame and a console's decode of it, in the wire's binary welcome
/// (version 3, `ServerMessage.frame`/`decode`) against the JSON welcome of
/// version 2 (the same message through `JSONEncoder`/`JSONDecoder`), on a
/// state built as `cordon-bench rules` builds it. The best of `--runs`.
enum WelcomeBench {
  static func run(_ args: [String]) throws {
    func value(_ flag: String) -> Int? { RenderBench.value(of: flag, in: args).flatMap { Int($0) } }
    let sites = value("--sites") ?? 5_000
    let people = value("--people") ?? 100_000
    let alerts = value("--alerts") ?? 10_000
    let runs = value("--runs") ?? 3
    guard sites > 0, people > 0, alerts >= 0, (1...20).contains(runs) else {
      throw BenchError("--sites and --people must be positive, --alerts 0 or more, --runs 1–20")
    }
    let (state, _) = RulesBench.makeState(sites: sites, people: people, shiftsPerPerson: 1, alerts: alerts)
    let welcome = ServerMessage.welcome(
      Welcome(
        version: WireProtocol.version, principal: WirePrincipal(Principal(user: "bench", role: .command, units: [])),
        seq: state.lastSeq, state: state, records: nil, demo: false, readOnlyReason: nil, warnings: []))
    print(
      "welcome: the whole state (\(state.sites.count) sites, \(state.people.count) people, \(state.alerts.count) alerts); best of \(runs) runs"
    )
    func best(_ body: () throws -> Void) rethrows -> Double {
      var b = Double.infinity
      for _ in 0..<runs {
        let t0 = monotonicNanos()
        try body()
        b = min(b, Double(monotonicNanos() - t0) / 1e6)
      }
      return b
    }
    var binary: [UInt8] = []
    let binaryEncode: Double = try best { binary = Array(try welcome.frame().readableBytesView.dropFirst(4)) }
    let binaryDecode: Double = try best {
      guard try ServerMessage.decode(payload: binary) == welcome else { throw BenchError("binary welcome differs") }
    }
    var json = Data()
    let jsonEncode: Double = try best { json = try JSONEncoder().encode(welcome) }
    let jsonDecode: Double = try best {
      guard try JSONDecoder().decode(ServerMessage.self, from: json) == welcome else {
        throw BenchError("JSON welcome differs")
      }
    }
    func row(_ name: String, _ bytes: Int, _ enc: Double, _ dec: Double) -> String {
      name.padding(toLength: 22, withPad: " ", startingAt: 0)
        + String(format: "%9.1f MB %12.1f ms %12.1f ms", Double(bytes) / 1e6, enc, dec)
    }
    print("frame                       size   server encode  console decode")
    print(row("JSON (version 2)", json.count, jsonEncode, jsonDecode))
    print(row("binary (version 3)", binary.count, binaryEncode, binaryDecode))
    print(
      String(
        format: "binary / JSON: size %.2f, encode %.2f, decode %.2f (decode includes comparing with the original)",
        Double(binary.count) / Double(json.count), binaryEncode / jsonEncode, binaryDecode / jsonDecode))
  }
}
