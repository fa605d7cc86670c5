import ArgumentParser
import CordonModel
import CordonStore
import CordonWire
import Foundation
import Logging

/// `cordon status --socket S [--json]`: the running server's health.
struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "The running server's health: seq, clients, store state, last snapshot, queue depths.",
    discussion:
      "Exit status 0 when the server answers and its store is writable, 1 when it is read-only, 3 when unreachable."
  )

  @Option(name: .long, help: "Server socket (default: $CORDON_SOCKET, else \(SocketPath.defaultPath)).")
  var socket: String?
  @Flag(name: .long, help: "One JSON object (fields in the README).") var json = false

  func run() throws {
    let path = SocketPath.resolve(flag: socket, environment: ProcessInfo.processInfo.environment).path
    let st: ServerStatus
    do { st = try StatusProbe.fetch(socketPath: path) } catch {
      throw Fatal(description: "server \(path): \(error)", code: 3)
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(st), as: UTF8.self))
    } else {
      print(Self.render(st, socket: path))
    }
    if st.store != "writable" { throw ExitCode(1) }
  }

  static func render(_ st: ServerStatus, socket: String) -> String {
    let cal = CordonState().calendar
    var lines = [
      "server: \(socket) (protocol \(st.version), up \(st.uptimeSeconds) s)",
      "store: \(st.store)\(st.readOnlyReason.map { ": \($0)" } ?? "")",
      "seq: \(st.seq)",
      "clients: \(st.clients) (queued to them: \(st.clientQueuedBytes) bytes, most behind: \(st.maxClientQueuedBytes))",
      "journal queue: \(st.journalQueue) batch(es)",
      "last snapshot: seq \(st.lastSnapshotSeq)"
        + (st.lastSnapshotTime.map { ", written \(cal.format(Instant(milliseconds: $0)))" }
          ?? ", none written since start"),
    ]
    if let r = st.role { lines.append("role: \(r)") }
    if let d = st.dataDirectory { lines.append("data: \(d)") }
    lines += st.warnings.map { "warning: \($0)" }
    return lines.joined(separator: "\n")
  }
}

/// `cordon backup`: a consistent copy of the store, safe while it is written.
struct Backup: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Copy the store (snapshot + journal + archives) to a new directory, verified before it says done.",
    discussion: """
      Takes no lock: run it while `cordon serve` or a console writes. The copy holds every event up to the seq \
      it prints, is checked with fsck and opened before it is renamed into place, and is itself a data \
      directory (`cordon restore` puts it back). With --socket the running server names its data directory; \
      run it as the server's account (or root), which can read it.
      """
  )

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Ask the server at this socket where its data is (instead of --data).")
  var socket: String?
  @Argument(help: "The backup's directory: new, or empty.") var destination: String
  @OptionGroup var logging: LogOptions

  func run() throws {
    let logger = try logging.logger()
    if socket != nil && location.isChosen {
      throw Fatal(description: "--socket cannot be combined with --data", code: 2)
    }
    var source = location.directory()
    if let socket {
      let st: ServerStatus
      do { st = try StatusProbe.fetch(socketPath: socket) } catch {
        throw Fatal(description: "server \(socket): \(error)", code: 3)
      }
      guard let dir = st.dataDirectory else {
        throw Fatal(
          description:
            "server \(socket) names its data directory only to its own account and root; run the backup as that account",
          code: 2)
      }
      source = URL(fileURLWithPath: dir)
    }
    logger.info("backup of \(source.path) into \(destination) started")
    let report: BackupReport
    do { report = try copyVerified(from: source, to: URL(fileURLWithPath: destination)) } catch {
      logger.error("backup of \(source.path) into \(destination) failed: \(error)")
      throw error
    }
    logger.notice(
      "backup of \(source.path) at seq \(report.seq) in \(report.destination): \(report.files) file(s), \(report.bytes) bytes, fsck clean",
      metadata: ["seq": "\(report.seq)"])
    print(
      "backup of \(source.path) at seq \(report.seq) in \(report.destination): \(report.files) file(s), "
        + "\(report.bytes) bytes, fsck clean")
  }
}

/// `cordon restore BACKUP --data DIR`: a backup back into an empty data directory.
struct Restore: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Put a backup into a new or empty data directory, verified (fsck, then opened) before it says done."
  )

  @Argument(help: "A directory made by `cordon backup`.") var backup: String
  @OptionGroup var location: StoreLocation

  func run() throws {
    let report = try copyVerified(from: URL(fileURLWithPath: backup), to: location.directory())
    print("restored \(backup) into \(report.destination): every event up to seq \(report.seq), fsck clean")
  }
}

/// Copies with `CordonStore.backup`, and before the copy is renamed into
/// place opens it with the domain: it must replay to the seq fsck counted.
private func copyVerified(from source: URL, to dest: URL) throws -> BackupReport {
  guard FileManager.default.fileExists(atPath: source.path) else {
    throw Fatal(description: "no data directory at \(source.path)", code: 2)
  }
  do {
    return try CordonStore.backup(from: source, to: dest) { partial, seq in
      let store = try EventStore<CordonDomain>.open(directory: partial)
      let opened = store.lastSeq
      store.close()
      try? FileManager.default.removeItem(at: partial.appendingPathComponent("LOCK"))
      guard opened == seq else {
        throw BackupError.unverified("the copy opens at seq \(opened), fsck counted \(seq)")
      }
    }
  } catch let e as BackupError {
    throw Fatal(description: "\(e)", code: 1)
  }
}
