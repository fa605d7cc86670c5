import ArgumentParser
import CordonModel
import CordonSession
import CordonStore
import CordonWire
import Foundation
import Synchronization

/// `cordon watch`: what changes, one line per event, appended and never
/// redrawn, for screen readers, a second monitor's `tail` and logs. It
/// follows the server as a console does (reconnecting by itself), or a local
/// store with its watchdog running.
struct Watch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watch",
    abstract: "Follow what changes as plain lines: for screen readers, tail and logs.",
    discussion:
      "One line per event in the chosen language: time, #seq, pane, who, what. No cursor movement; with --plain (or when stdout is not a terminal, or NO_COLOR is set) not a single escape sequence. Runs until Ctrl-C."
  )

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Only what one pane shows: alerts, roster, checkpoints or stock.") var pane: String?
  @Flag(name: .long, help: "Never colour: not one escape sequence, even on a terminal.") var plain = false
  @Option(
    name: .long,
    help: "Follow `cordon serve` at this socket (default: $CORDON_SOCKET, else /run/cordon/cordon.sock when it exists)."
  )
  var socket: String?
  @Option(name: .long, help: "Language: zh or en (default from LC_ALL/LANG).") var lang: String?

  func validate() throws {
    if let pane, WatchStream.Pane(rawValue: pane) == nil {
      throw ValidationError(
        "--pane must be one of \(WatchStream.Pane.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(UserText.clean(pane).prefix(40))\""
      )
    }
    if socket != nil && location.isChosen {
      throw ValidationError("--socket cannot be combined with --data (that opens a local store)")
    }
  }

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let strings = Strings(Console.language(flag: lang, environment: env))
    let colour = !plain && isatty(STDOUT_FILENO) == 1 && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    let printer = WatchPrinter(pane: pane.flatMap(WatchStream.Pane.init(rawValue:)), strings: strings, colour: colour)
    let stop = StopSignals()

    let local = SocketPath.prefersLocal(chosen: location.isChosen, socket: socket, environment: env)
    if !local, let path = SocketPath.choose(flag: socket, environment: env) {
      let source = RemoteSource(socketPath: path)
      source.observeRecords { [weak source] records in
        guard let source else { return }
        printer.records(records, state: source.state)
      }
      source.onChange { [weak source] in
        guard let source else { return }
        printer.changed(state: source.state, connection: source.connection, source: path)
      }
      do {
        try source.connect()
      } catch let e as RemoteSource.ConnectError {
        throw Fatal(description: "server \(path): \(e.message)", code: e.code == nil ? 1 : 3)
      }
      defer { source.close() }
      stop.wait()
    } else {
      let dir = location.directory(environment: env)
      if try location.postgres() == nil, !FileManager.default.fileExists(atPath: dir.path) {
        throw Fatal(description: "no data directory at \(dir.path)", code: 2)
      }
      let store = try location.openStore(environment: env, progress: nil)
      defer { store.close() }
      printer.changed(state: store.state, connection: .connected, source: location.name(environment: env))
      let subscription = store.subscribe { records, state in printer.records(records, state: state) }
      defer { store.unsubscribe(subscription) }
      // Rules (overdue rounds, escalations) raise alerts only while someone runs the watchdog.
      let background = store.status.isWritable ? BackgroundWork(store: store, demo: false) : nil
      defer { background?.stop() }
      stop.wait()
    }
  }
}

/// Turns records and connection changes into lines on stdout, in order.
final class WatchPrinter: Sendable {
  private struct Seen {
    /// The last seq written about; nil until the stream has started.
    var seq: UInt64?
    var connected = true
  }
  private let seen = Mutex(Seen())
  let pane: WatchStream.Pane?
  let strings: Strings
  let colour: Bool

  init(pane: WatchStream.Pane?, strings: Strings, colour: Bool) {
    self.pane = pane
    self.strings = strings
    self.colour = colour
  }

  /// Records as they become durable (or arrive from the server), with the state after them.
  func records(_ records: [CordonRecord], state: CordonState) {
    seen.withLock { s in
      guard var last = s.seq else { return }
      // Catching up after a reconnect: say so before the records it brings.
      if !s.connected {
        emit(notice("watch.reconnected", String(last)))
        s.connected = true
      }
      for r in records where r.seq > last {
        if r.seq > last + 1 { emit(notice("watch.resynced", String(last + 1), String(r.seq - 1))) }
        last = r.seq
        guard let line = WatchStream.line(r, pane: pane, state: state, strings: strings) else { continue }
        emit(paint(line, WatchStream.severity(of: r.event, state: state)))
      }
      s.seq = last
    }
  }

  /// The source changed: the first time, the stream starts here; later, a
  /// lost or repaired connection, or state that arrived whole, is said in a line.
  func changed(state: CordonState, connection: SourceInfo.Connection, source: String) {
    seen.withLock { s in
      let connected = connection == .connected
      guard let last = s.seq else {
        guard connected else { return }
        s.seq = state.lastSeq
        let what = pane.map { strings("pane.\($0.rawValue)") } ?? strings("watch.all")
        emit(notice("watch.started", source, what, String(state.lastSeq)))
        return
      }
      if s.connected && !connected, case .reconnecting(let why) = connection {
        emit(notice("watch.lost", why))
      }
      if !s.connected && connected { emit(notice("watch.reconnected", String(state.lastSeq))) }
      s.connected = connected
      if connected && state.lastSeq > last {
        emit(notice("watch.resynced", String(last + 1), String(state.lastSeq)))
        s.seq = state.lastSeq
      }
    }
  }

  private func notice(_ key: String, _ args: String...) -> String {
    WatchStream.notice(key, args, strings: strings)
  }

  /// Colour is SGR only, and only on a terminal without --plain: never cursor movement.
  private func paint(_ line: String, _ severity: Severity?) -> String {
    guard colour, let severity else { return line }
    switch severity {
    case .critical: return "\u{1B}[1;31m" + line + "\u{1B}[0m"
    case .warning: return "\u{1B}[33m" + line + "\u{1B}[0m"
    case .info: return line
    }
  }

  /// Written at once, unbuffered, so `tail -f` and a screen reader see each line as it happens.
  private func emit(_ line: String) {
    var bytes = Array((line + "\n").utf8)[...]
    while !bytes.isEmpty {
      let n = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      // The reader has gone (`| head`): nothing more to say to anyone.
      guard n > 0 else { Foundation.exit(0) }
      bytes = bytes.dropFirst(n)
    }
  }
}

/// Waits for Ctrl-C or SIGTERM, so the store closes and the watchdog stops cleanly.
final class StopSignals {
  private let done = DispatchSemaphore(value: 0)
  private let sources: [any DispatchSourceSignal]

  init() {
    let done = self.done
    sources = [SIGINT, SIGTERM].map { sig in
      signal(sig, SIG_IGN)
      let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      s.setEventHandler { done.signal() }
      s.resume()
      return s
    }
  }

  func wait() {
    done.wait()
    for s in sources { s.cancel() }
  }
}
