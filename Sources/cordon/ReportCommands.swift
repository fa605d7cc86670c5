import ArgumentParser
import CordonModel
import CordonSession
import CordonStore
import Foundation

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Reports from the journal.", subcommands: [Daily.self],
    defaultSubcommand: Daily.self)

  struct Daily: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "daily", abstract: "The group's daily report (日日报), deterministic for a data directory and date.")

    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "Local date YYYY-MM-DD (default: today).") var date: String?
    @Option(name: .long, help: "Only this unit (id).") var unit: String?
    @Option(name: .long, help: "md, txt or csv.") var format: String = "md"
    @Option(name: .long, help: "zh or en.") var lang: String = "zh"
    @Option(name: .long, help: "Write to FILE instead of stdout.") var out: String?
    @Option(name: .long, help: QueryRunner.socketHelp) var socket: String?

    func run() throws {
      let q = JournalQuery(kind: .report, date: date, unit: unit, format: format, lang: lang == "en" ? "en" : "zh")
      let text = try QueryRunner.run(q, location: location, socket: socket)
      try JournalReader.emit(text, to: out, bom: q.isCSV)
    }
  }
}

struct Audit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit", abstract: "Who did what and when, from the journal.")

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Only this user.") var actor: String?
  @Option(name: .long, help: "Only records concerning this unit (id).") var unit: String?
  @Option(name: .long, help: "From this local time, YYYY-MM-DD[ HH:MM].") var since: String?
  @Option(name: .long, help: "Before this local time, YYYY-MM-DD[ HH:MM].") var until: String?
  @Option(name: .long, help: "zh or en.") var lang: String = "zh"
  @Option(name: .long, help: QueryRunner.socketHelp) var socket: String?

  func run() throws {
    let q = JournalQuery(
      kind: .audit, unit: unit, lang: lang == "en" ? "en" : "zh", actor: actor, since: since, until: until)
    if try QueryRunner.streamLocally(q, location: location, socket: socket) { return }
    // Through the server, its parts are written as they come; a server that
    // sends the whole text at the end answers with it instead.
    let stdout = FileHandle.standardOutput
    let text = try QueryRunner.run(q, location: location, socket: socket) { stdout.write(Data($0.utf8)) }
    if !text.isEmpty { print(text) }
  }
}

/// `report`, `audit` and `export`: through `cordon serve` when one is
/// chosen (`--socket`, `$CORDON_SOCKET`, or the default socket when it
/// exists, as `post` chooses), where the caller's role decides what they may
/// see; else on the data directory, opened for the read and closed again.
/// One runner either way (`JournalQueryRunner`), so the text is the same.
enum QueryRunner {
  static let socketHelp = ArgumentHelp(
    "Read through `cordon serve` at this socket, as your role allows (an operator sees its own unit only; default: $CORDON_SOCKET, else /run/cordon/cordon.sock when it exists)."
  )

  /// The query's text; with `parts`, what a server streams goes there first
  /// and the text is what is left after it.
  static func run(
    _ q: JournalQuery, location: StoreLocation, socket: String?, parts: (@Sendable (String) -> Void)? = nil
  ) throws -> String {
    if let path = try serverSocket(location: location, socket: socket) {
      let source = try SocketPath.connect(path)
      defer { source.close() }
      return try text(source.query(q, onPart: parts))
    }
    return try JournalReader.withStore(location) { store in
      try text(JournalQueryRunner.run(q, store: store, principal: nil))
    }
  }

  /// The server's socket when the query goes through `cordon serve`; nil to read the store here.
  private static func serverSocket(location: StoreLocation, socket: String?) throws -> String? {
    let env = ProcessInfo.processInfo.environment
    if socket != nil && location.isChosen {
      throw Fatal(description: "--socket cannot be combined with --data", code: 2)
    }
    guard !SocketPath.prefersLocal(chosen: location.isChosen, socket: socket, environment: env) else { return nil }
    return SocketPath.choose(flag: socket, environment: env)
  }

  /// An audit read here streams: each line is written as its record is read
  /// (the first at once, then in 64 KiB writes), so a year-long trail starts
  /// showing before the query ends. False when the query goes to a server
  /// (which streams it too, in `answerPart`s).
  static func streamLocally(_ q: JournalQuery, location: StoreLocation, socket: String?) throws -> Bool {
    guard try serverSocket(location: location, socket: socket) == nil else { return false }
    try JournalReader.withStore(location) { store in
      let stdout = FileHandle.standardOutput
      let result = JournalQueryRunner.streamAudit(q, store: store, principal: nil) {
        stdout.write(Data($0))
        return true
      }
      _ = try text(result.map { _ in "" })
    }
    return true
  }

  /// The text, or the refusal in words (exit 2 for a bad flag, 3 when the
  /// role may not see it, 1 when the journal or the server failed).
  static func text(_ result: Result<String, Refusal>) throws -> String {
    switch result {
    case .success(let text): return text
    case .failure(let r):
      let code: Int32 =
        r.code.hasPrefix("auth.") ? 3 : r.code == "query.journal" || r.code.hasPrefix("server.") ? 1 : 2
      throw Fatal(description: Strings(.en).refusal(r), code: code)
    }
  }
}

/// Opens the store for reading a report and closes it again.
enum JournalReader {
  static func withStore<T>(_ location: StoreLocation, _ body: (any DomainStore) throws -> T) throws -> T {
    let dir = location.directory()
    if try location.postgres() == nil, !FileManager.default.fileExists(atPath: dir.path) {
      throw Fatal(description: "no data directory at \(dir.path)", code: 2)
    }
    let store = try location.openStore()
    defer { store.close() }
    return try body(store)
  }

  static func emit(_ text: String, to path: String?, bom: Bool) throws {
    guard let path else {
      FileHandle.standardOutput.write(Data(text.utf8))
      return
    }
    var data = Data(bom ? [0xEF, 0xBB, 0xBF] : [])
    data.append(Data(text.utf8))
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
      throw Fatal(description: "cannot write \(path): \(error.localizedDescription)", code: 1)
    }
    writeStderr("cordon: wrote \(path)\n")
  }
}
