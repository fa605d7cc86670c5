import ArgumentParser
import CordonModel
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Synchronization

/// `cordon notify`: the outbox from the command line.
struct NotifyCommands: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notify",
    abstract:
      "Notifications to WeCom/DingTalk robots, webhooks and SMS gateways (configured in `cordon serve --config`).",
    subcommands: [NotifyTest.self]
  )
}

/// `cordon notify test RECEIVER`: one test notification through the running
/// server's outbox, then waits for the receiver's outcome.
struct NotifyTest: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Send a test notification to RECEIVER through the running server and wait for the outcome.",
    discussion: "Exit status 0 when delivered, 1 when it failed or is still retrying after --wait seconds."
  )

  @Argument(help: "A receiver's name from the server's [[receivers]].") var receiver: String
  @Option(
    name: .long,
    help: "The server's socket (default: $CORDON_SOCKET, else /run/cordon/cordon.sock)."
  )
  var socket: String?
  @Option(name: .long, help: "Language of messages: zh or en.") var lang: String = "en"
  @Option(name: .long, help: "Seconds to wait for the outcome (1–600).") var wait: Int = 30

  func run() throws {
    guard (1...600).contains(wait) else {
      throw Fatal(description: "--wait must be between 1 and 600 seconds", code: 2)
    }
    let strings = Strings(lang == "zh" ? .zh : .en)
    let path = SocketPath.resolve(flag: socket, environment: ProcessInfo.processInfo.environment).path
    let source = try SocketPath.connect(path)
    defer { source.close() }
    let before = source.state.notify.receivers[receiver] ?? ReceiverHealth()
    let line = CommandJSON.encode(.testNotification(receiver: receiver), calendar: source.state.calendar) ?? ""
    switch source.submitAndWait(lines: [line]) {
    case .success?: break
    case .failure(let f)?: throw Fatal(description: strings.failure(f), code: 1)
    case nil: throw Fatal(description: "no result", code: 1)
    }
    let deadline = Date().addingTimeInterval(TimeInterval(wait))
    while Date() < deadline {
      let now = source.state.notify.receivers[receiver] ?? ReceiverHealth()
      if now.delivered > before.delivered {
        print(strings("notify.cli.delivered", receiver))
        return
      }
      if let at = now.lastErrorAt, at != before.lastErrorAt {
        throw Fatal(description: strings("notify.cli.failed", receiver, now.lastError ?? ""), code: 1)
      }
      Thread.sleep(forTimeInterval: 0.1)
    }
    throw Fatal(description: strings("notify.cli.pending", receiver, String(wait)), code: 1)
  }
}
