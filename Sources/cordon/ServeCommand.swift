import ArgumentParser
import CordonModel
import CordonPostgres
import CordonServer
import CordonStore
import CordonTUI
import CordonWire
import Foundation
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// `cordon serve`: owns the store and serves consoles over a Unix socket.
struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Own the store and serve consoles over a Unix socket (multi-user over SSH).",
    discussion: """
      Identity comes from the socket's peer credentials; --config maps OS users and groups to roles:

        [users]
        zhang = "command"
        li = { role = "operator", unit = "jy" }
        [groups]
        cordon = "viewer"

      Without --config only the account the server runs as may connect. See deploy/ and the README.
      """
  )

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Socket path (default: $CORDON_SOCKET, else \(SocketPath.defaultPath)).")
  var socket: String?
  @Option(name: .long, help: "Access config (TOML): users and groups to roles.") var config: String?
  @Flag(name: .long, help: "Seed the demo organisation when empty and keep a simulated feed running.")
  var demo = false
  @Option(name: .long, help: "Unsent bytes a console may fall behind by before it is disconnected.")
  var maxQueuedBytes: Int = 8 << 20
  @Option(
    name: .long,
    help:
      "Connections open at once (16-1000000; default 1000, or [server] max_connections); the last 16 are kept for the command role."
  )
  var maxConnections: Int?
  @Option(
    name: .long,
    help: "Connections one OS user may hold open (1-100000; default 64, or [server] max_connections_per_user).")
  var maxConnectionsPerUser: Int?
  @Option(
    name: .long,
    help:
      "With --store postgres://…: the socket path other servers of the journal forward commands to while this one leads (default: --socket's path, made absolute)."
  )
  var advertise: String?
  @OptionGroup var logging: LogOptions

  func validate() throws {
    if let a = advertise {
      guard location.store.map(PostgresURL.isURL) == true else {
        throw ValidationError("--advertise is for several servers on one journal: give it with --store postgres://…")
      }
      guard !a.isEmpty, a.utf8.count <= 107, a.hasPrefix("/"),
        !a.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "," })
      else {
        throw ValidationError(
          "--advertise must be an absolute socket path of at most 107 bytes, without commas or control characters")
      }
    }
    if let n = maxConnections, !Limits.connections.contains(n) {
      throw ValidationError(
        "--max-connections must be between \(Limits.connections.lowerBound) and \(Limits.connections.upperBound), got \(n)"
      )
    }
    if let n = maxConnectionsPerUser, !Limits.connectionsPerUser.contains(n) {
      throw ValidationError(
        "--max-connections-per-user must be between \(Limits.connectionsPerUser.lowerBound) and \(Limits.connectionsPerUser.upperBound), got \(n)"
      )
    }
  }

  func run() throws {
    let logger = try logging.logger()
    let env = ProcessInfo.processInfo.environment
    let path = SocketPath.resolve(flag: socket, environment: env).path
    let access: AccessConfig
    do {
      access = try config.map { try AccessConfig.load(path: $0) } ?? AccessConfig(source: "no --config")
    } catch {
      throw Fatal(description: "\(error)", code: 2)
    }
    let storeName = location.name(environment: env)
    var storeOptions = location.options
    storeOptions.observer = CordonServer.storeObserver(logger)
    let endpoint = advertise ?? URL(fileURLWithPath: path).standardizedFileURL.path
    let store = try location.openStore(
      options: storeOptions, environment: env, replication: PostgresReplication(contend: true, endpoint: endpoint))
    defer { store.close() }
    if demo { DemoSeeder.seedIfEmpty(store) }
    let problems = access.unknownUnits(known: Set(store.state.units.keys))
    guard problems.isEmpty else {
      for p in problems { writeStderr("cordon serve: \(p)\n") }
      throw Fatal(description: "\(access.source): refused: \(problems.count) unknown unit(s); nothing served", code: 2)
    }

    // SIGTERM (systemd stop) and SIGINT end the server cleanly: clients are
    // told, the store is closed with a final snapshot.
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    signal(SIGPIPE, SIG_IGN)
    let stop = DispatchSemaphore(value: 0)
    let sources = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
      let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      s.setEventHandler { stop.signal() }
      s.resume()
      return s
    }
    defer { sources.forEach { $0.cancel() } }

    var options = CordonServer.Options()
    options.isDemo = demo
    options.maxQueuedBytes = maxQueuedBytes
    if let n = maxConnections ?? access.maxConnections { options.maxConnections = n }
    if let n = maxConnectionsPerUser ?? access.maxConnectionsPerUser { options.maxConnectionsPerUser = n }
    options.dataDirectory = storeName
    options.logger = logger
    let server = CordonServer(store: store, access: access, socketPath: path, options: options)
    do { try server.start() } catch { throw Fatal(description: "\(error)", code: 1) }
    let background = BackgroundWork(store: store, demo: demo)

    // SIGHUP reloads the access config: validated first, a bad file keeps
    // the one in force and the log says why.
    signal(SIGHUP, SIG_IGN)
    let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    hangup.setEventHandler { [config] in
      guard let config else {
        logger.notice("SIGHUP: nothing to reload (started without --config)")
        return
      }
      do {
        let fresh = try AccessConfig.load(path: config)
        let problems = fresh.unknownUnits(known: Set(store.state.units.keys))
        guard problems.isEmpty else {
          logger.error(
            "SIGHUP: kept the access config in force; \(problems.joined(separator: "; "))",
            metadata: ["config": "\(config)"])
          return
        }
        server.replaceAccess(fresh)
        logger.notice(
          "SIGHUP: reloaded \(config): \(fresh.users.count) user(s), \(fresh.groups.count) group(s)",
          metadata: ["config": "\(config)"])
      } catch {
        logger.error(
          "SIGHUP: kept the access config in force; \(config) is not valid: \(error)", metadata: ["config": "\(config)"]
        )
      }
    }
    hangup.resume()
    defer { hangup.cancel() }

    // systemd: READY once the socket listens; the watchdog is fed only while
    // the server answers a status request on its own socket.
    let notify = SystemdNotify()
    var watchdog: DispatchSourceTimer? = nil
    if let interval = notify.watchdogInterval {
      let timer = DispatchSource.makeTimerSource(queue: .global())
      timer.schedule(deadline: .now() + interval / 3, repeating: interval / 3)
      timer.setEventHandler {
        do {
          _ = try StatusProbe.fetch(socketPath: path, timeoutSeconds: max(1, Int(interval / 3)))
          notify.send("WATCHDOG=1")
        } catch {
          logger.warning("watchdog: the server does not answer on its own socket: \(error)")
        }
      }
      timer.resume()
      watchdog = timer
    }
    defer { watchdog?.cancel() }
    notify.send("READY=1\nSTATUS=serving \(path)")
    let role = store.role == .sole ? "" : ", \(store.role.description)"
    logger.notice("serving \(storeName) on \(path) (access: \(access.source)\(role))")
    if !store.state.hasOrganisation {
      // The first run, in the log in both languages: consoles that connect show the same.
      for language in [Language.zh, .en] {
        for line in FirstRun.lines(.serving(dataDirectory: storeName), strings: Strings(language)) where !line.isEmpty {
          logger.notice("\(line)")
        }
      }
    }
    stop.wait()
    notify.send("STOPPING=1")
    logger.notice("stopping")
    background.stop()
    server.stop()
  }
}
