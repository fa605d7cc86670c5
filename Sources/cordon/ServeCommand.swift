import ArgumentParser
import CordonModel
import CordonServer
import CordonStore
import Foundation

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

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let path = SocketPath.resolve(flag: socket, environment: env).path
    let access: AccessConfig
    do {
      access = try config.map { try AccessConfig.load(path: $0) } ?? AccessConfig(source: "no --config")
    } catch {
      throw Fatal(description: "\(error)", code: 2)
    }
    let dir = location.directory(environment: env)
    let store = try openStore(at: dir, options: location.options)
    defer { store.close() }
    if demo { DemoSeeder.seedIfEmpty(store) }

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
    options.log = { line in FileHandle.standardError.write(Data("cordon serve: \(line)\n".utf8)) }
    let server = CordonServer(store: store, access: access, socketPath: path, options: options)
    do { try server.start() } catch { throw Fatal(description: "\(error)", code: 1) }
    let background = BackgroundWork(store: store, demo: demo)
    options.log("serving \(dir.path) on \(path) (access: \(access.source))")
    stop.wait()
    options.log("stopping")
    background.stop()
    server.stop()
  }
}
