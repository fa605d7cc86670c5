import CordonStore
import CordonWire
import Foundation
import Synchronization

/// Where the console and `cordon post` look for a server.
enum SocketPath {
  /// Shared by every user on the host, so not under $XDG_RUNTIME_DIR (per user):
  /// deploy/cordon.service creates /run/cordon for it.
  static let defaultPath = "/run/cordon/cordon.sock"

  /// `--socket`, else `$CORDON_SOCKET`, else the default. `explicit` when the
  /// user named it: then a server that cannot be reached is an error, never a
  /// quiet fall back to a local store.
  static func resolve(flag: String?, environment env: [String: String]) -> (path: String, explicit: Bool) {
    if let flag { return (flag, true) }
    if let e = env["CORDON_SOCKET"], !e.isEmpty { return (e, true) }
    return (defaultPath, false)
  }

  /// Whether a command opens the local store rather than a server: it was
  /// asked for (`chosen`: --data, --demo, --at), or $CORDON_DATA is set while
  /// neither --socket nor $CORDON_SOCKET is.
  static func prefersLocal(chosen: Bool, socket: String?, environment env: [String: String]) -> Bool {
    chosen || (socket == nil && (env["CORDON_SOCKET"] ?? "").isEmpty && env["CORDON_DATA"] != nil)
  }

  /// The server to use, or nil for the embedded store: a named socket is
  /// always used; the default one only when it exists.
  static func choose(flag: String?, environment env: [String: String]) -> String? {
    let (path, explicit) = resolve(flag: flag, environment: env)
    if explicit { return path }
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// Connects and waits for the welcome; a refusal or an unreachable server
  /// becomes one clear line.
  /// `submitOnly`: a session that only sends commands (`cordon post`): no
  /// state in the welcome, no records after it.
  static func connect(_ path: String, submitOnly: Bool = false) throws -> RemoteSource {
    let source = RemoteSource(socketPath: path, submitOnly: submitOnly)
    do {
      try source.connect()
    } catch let e as RemoteSource.ConnectError {
      throw Fatal(description: "server \(path): \(e.message)", code: e.code == nil ? 1 : 3)
    }
    return source
  }
}

extension RemoteSource {
  /// Sends JSON lines (one command, or an all-or-nothing batch) and waits for the server's result.
  func submitAndWait(lines: [String]) -> Result<Committed, StoreFailure>? {
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<Committed, StoreFailure>?>(nil)
    submit(lines: lines) { r in
      box.withLock { $0 = r }
      done.signal()
    }
    done.wait()
    return box.withLock { $0 }
  }
}
