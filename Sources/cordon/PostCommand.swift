import ArgumentParser
import CordonModel
import CordonSession
import CordonStore
import CordonWire
import Foundation
import Synchronization

/// `cordon post`: JSON-lines commands on stdin, one result per line on stdout.
struct Post: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "post",
    abstract: "Run JSON-lines commands from stdin (gateways, scripts); one result per line.",
    discussion: """
      Each line is one object with a "type", e.g. {"type":"fever","site":"ht-1","person":"张三","reading":38.2}.
      Each is validated exactly like the console's forms. Output: {"line":N,"seq":S} or {"line":N,"error":"…","code":"…"}.
      Exit status 1 if any line failed. See the README for every shape.
      """
  )

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Language of error messages: zh or en.") var lang: String = "en"
  @Option(
    name: .long,
    help:
      "Send through `cordon serve` at this socket (default: $CORDON_SOCKET, else /run/cordon/cordon.sock when it exists)."
  )
  var socket: String?

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    // Through the server whenever one is chosen, so the same authorisation
    // applies as in the console; --data alone keeps the embedded store.
    if socket != nil && location.data != nil {
      throw Fatal(description: "--socket cannot be combined with --data", code: 2)
    }
    if location.data == nil, let path = SocketPath.choose(flag: socket, environment: env) {
      try runRemote(path)
      return
    }
    let store = try location.openStore()
    defer { store.close() }
    let strings = Strings(lang == "zh" ? .zh : .en)
    let user = currentUser()
    var failed = 0
    var number = 0
    while let line = readLine(strippingNewline: true) {
      number += 1
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      let result = PostRunner.run(line: line, store: store, actor: user, unit: nil)
      switch result {
      case .success(let seq): print(PostRunner.json(["line": number, "seq": Int(seq)]))
      case .failure(let refusal):
        failed += 1
        print(PostRunner.json(["line": number, "error": strings.refusal(refusal), "code": refusal.code]))
      }
    }
    if failed > 0 { throw ExitCode(1) }
  }

  /// One line at a time, each waiting for its result: results stay in input
  /// order and a later line sees the effect of an earlier one.
  private func runRemote(_ path: String) throws {
    let source = try SocketPath.connect(path)
    defer { source.close() }
    let strings = Strings(lang == "zh" ? .zh : .en)
    var failed = 0
    var number = 0
    while let line = readLine(strippingNewline: true) {
      number += 1
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      switch source.submitAndWait(lines: [line]) {
      case .success(let seq)?: print(PostRunner.json(["line": number, "seq": Int(seq)]))
      case .failure(let f)?:
        failed += 1
        print(PostRunner.json(["line": number, "error": strings.failure(f), "code": f.refusal.code]))
      case nil:
        failed += 1
        print(PostRunner.json(["line": number, "error": "no result", "code": "other"]))
      }
      // A gateway reading our stdout line by line sees each result as it happens.
      fflush(nil)
    }
    if failed > 0 { throw ExitCode(1) }
  }
}

/// Decodes, submits and waits for one JSON line.
enum PostRunner {
  static func run(line: String, store: EventStore<CordonDomain>, actor: String, unit: String?) -> Result<
    UInt64, Refusal
  > {
    let command: CordonCommand
    do { command = try CommandJSON.decode(line, calendar: store.state.calendar) } catch { return .failure(error) }
    switch submitAndWait(command, to: store, actor: actor, unit: unit) {
    case .success(let records): return .success(records.last?.seq ?? store.lastSeq)
    case .failure(let f): return .failure(f.refusal)
    }
  }

  static func json(_ object: [String: Any]) -> String {
    guard
      let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
      let s = String(data: data, encoding: .utf8)
    else { return "{}" }
    return s
  }
}
