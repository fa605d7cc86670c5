import ArgumentParser
import CordonModel
import Foundation
import Logging

/// The process's log (swift-log), for the commands that run as services:
/// `serve` and `backup`. One logger, made once by the command and handed to
/// what logs; it writes to stderr (under systemd, the journal), never to a
/// console's terminal, which never logs.
struct LogOptions: ParsableArguments {
  @Option(
    name: .long,
    help: "Log level: trace, debug, info, notice, warning, error or critical (default info). The log goes to stderr.")
  var logLevel: String = "info"

  func logger() throws -> Logger {
    guard let level = Logger.Level(rawValue: logLevel) else {
      throw Fatal(
        description:
          "--log-level: expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \(logLevel)",
        code: 2)
    }
    var logger = Logger(label: "cordon", factory: { StreamLogHandler(label: $0, stream: CleanStderr()) })
    logger.logLevel = level
    return logger
  }
}

/// Stderr for log lines: each line is written whole, with control
/// characters and line breaks inside it removed, so nothing in a message
/// (a user name, a path, an error's text) can forge a line of its own or
/// drive the terminal it lands on.
struct CleanStderr: TextOutputStream, Sendable {
  mutating func write(_ string: String) {
    let line = string.hasSuffix("\n") ? String(string.dropLast()) : string
    FileHandle.standardError.write(Data((UserText.clean(line) + "\n").utf8))
  }
}
