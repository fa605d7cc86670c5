import ArgumentParser
import CordonModel
import CordonPostgres
import CordonStore
import CordonTUI
import Foundation

@main
struct Cordon: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cordon",
    abstract: "Epidemic-prevention command console for duty rooms.",
    subcommands: [
      Console.self, Serve.self, Init.self, Org.self, Fsck.self, Post.self, Import.self, Export.self, Report.self,
      Audit.self, Watch.self, Status.self, Backup.self, Restore.self, NotifyCommands.self, Migrate.self,
      DrillCommands.self,
      Dump.self,
    ],
    defaultSubcommand: Console.self
  )

  /// One place turns failures into one clear line and an exit code. Commands
  /// throw rather than exit, so their cleanup (closing the store, removing a
  /// temporary demo directory) always runs first.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let f as Fatal {
      writeStderr("cordon: \(f.description)\n")
      Foundation.exit(f.code)
    } catch {
      // ArgumentParser's messages quote what was typed ("unexpected argument …"): sanitised like every echo.
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if code == .success {
        if !message.isEmpty { print(message) }
      } else if !message.isEmpty {
        writeStderr(message + "\n")
      }
      Foundation.exit(code.rawValue)
    }
  }
}

/// Every message the CLI writes on stderr. It often echoes user input (a
/// path, an id, a CSV cell, an option's value), so it goes through the same
/// sanitiser as the console's text: no escape, C0/C1 control or bidi
/// override reaches the terminal.
func writeStderr(_ text: String) {
  FileHandle.standardError.write(Data(UserText.echo(text).utf8))
}

/// Options every command that opens a store shares.
struct StoreLocation: ParsableArguments {
  @Option(name: .long, help: "Data directory (default: $CORDON_DATA, else ~/.local/share/cordon).")
  var data: String?
  @Option(
    name: .long,
    help:
      "The store instead of --data: a postgres:// URL (libpq's form, e.g. postgres:///cordon?host=/run/postgresql) or a data directory."
  )
  var store: String?
  @Option(
    name: .customLong("segment-mb"),
    help: "Seal a journal segment at this many MiB (1-1024, default 64); smaller files suit backup and rsync.")
  var segmentMB: Int = 64
  @Option(
    name: .customLong("retain-days"),
    help:
      "Delete archived history older than this many days (default: keep everything). Deleted days lose their audit trail, reports and time travel."
  )
  var retainDays: Int?

  func validate() throws {
    if data != nil && store != nil { throw ValidationError("--data and --store name the same thing: give one") }
    if let s = store, PostgresURL.isURL(s) {
      do { _ = try PostgresURL(s) } catch { throw ValidationError("\(error)") }
    }
    guard (1...1024).contains(segmentMB) else {
      throw ValidationError("--segment-mb must be between 1 and 1024, got \(segmentMB)")
    }
    if let d = retainDays, !(1...36_500).contains(d) {
      throw ValidationError("--retain-days must be between 1 and 36500, got \(d)")
    }
  }

  var options: StoreOptions {
    StoreOptions(segmentBytes: segmentMB << 20, retainDays: retainDays, clockToleranceSeconds: 120)
  }

  /// Whether the store was named on the command line (--data or --store).
  var isChosen: Bool { data != nil || store != nil }

  /// The PostgreSQL journal --store names; nil for a directory.
  func postgres() throws -> PostgresURL? {
    guard let s = store, PostgresURL.isURL(s) else { return nil }
    do { return try PostgresURL(s) } catch { throw Fatal(description: "\(error)", code: 2) }
  }

  /// What the store is, for messages: the directory, or the URL without its password.
  func name(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let url = try? postgres() { return url.description }
    return directory(environment: environment).path
  }

  func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
    if data == nil, let s = store, !PostgresURL.isURL(s) { return URL(fileURLWithPath: s) }
    return dataDirectory(data, environment: environment)
  }
}

/// `--data DIR`, else `$CORDON_DATA`, else `~/.local/share/cordon`.
func dataDirectory(_ data: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
  if let d = data { return URL(fileURLWithPath: d) }
  if let d = environment["CORDON_DATA"], !d.isEmpty { return URL(fileURLWithPath: d) }
  let home = environment["HOME"] ?? NSHomeDirectory()
  return URL(fileURLWithPath: home).appendingPathComponent(".local/share/cordon")
}

/// Failures that end a command with one clear line and an exit code.
struct Fatal: Error, CustomStringConvertible {
  var description: String
  var code: Int32 = 1
}

/// Who is at the keyboard: the OS user, never a name the user types.
func currentUser() -> String {
  if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
  return "uid\(getuid())"
}

/// Prints a progress bar on stderr while a store opens, when stderr is a terminal.
func progressPrinter() -> ((OpenProgress) -> Void)? {
  guard isatty(STDERR_FILENO) == 1 else { return nil }
  return { p in
    guard p.bytesTotal > 4 << 20 else { return }
    let pct = Int(p.fraction * 100)
    let bar = String(repeating: "#", count: pct / 4) + String(repeating: ".", count: 25 - pct / 4)
    FileHandle.standardError.write(Data("\r[\(bar)] \(pct)% \(p.bytesDone >> 20)/\(p.bytesTotal >> 20) MiB".utf8))
    if p.bytesDone >= p.bytesTotal { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
