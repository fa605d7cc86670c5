import CordonModel
import CordonServer
import CordonSession
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import Logging
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A real server on a real Unix socket in a temporary directory, on a real
/// store seeded with the demo organisation.
final class ServerHarness: @unchecked Sendable {
  // @unchecked: the fields are set once in init; the test thread owns it.
  let root: URL
  let store: EventStore<CordonDomain>
  var server: CordonServer
  let socketPath: String
  let access: AccessConfig
  let options: CordonServer.Options
  let log = LogLines()

  init(access: AccessConfig = AccessConfig(), options: CordonServer.Options = .init()) throws {
    // Short: sun_path holds 108 bytes. World-traversable: tests connect as other OS users.
    root = URL(fileURLWithPath: "/tmp").appendingPathComponent("cdn-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    chmod(root.path, 0o755)
    let store = try EventStore<CordonDomain>.open(directory: root.appendingPathComponent("data"))
    self.store = store
    let cal = store.state.calendar
    let today = cal.day(of: Instant.now())
    _ = try Self.wait(store) { done in
      store.submit(
        .register(
          DemoOrganisation.registration()
            + DemoOrganisation.shifts(fromDay: today - 1, toDay: today + 1, calendar: cal, existing: [])),
        actor: "demo", unit: "hq", completion: done)
    }
    socketPath = root.appendingPathComponent("s.sock").path
    self.access = access
    var o = options
    let log = self.log
    o.logger = log.logger
    self.options = o
    server = CordonServer(store: store, access: access, socketPath: socketPath, options: o)
    try server.start()
  }

  /// Stops the server (clients see the connection drop) without closing the store.
  func stopServer() { server.stop() }

  func restartServer() throws {
    server = CordonServer(store: store, access: access, socketPath: socketPath, options: options)
    try server.start()
  }

  func shutdown() {
    server.stop()
    store.close()
    try? FileManager.default.removeItem(at: root)
  }

  /// Submits straight to the store, as another console would through the server.
  @discardableResult
  func submit(_ command: CordonCommand, actor: String = "test", unit: String? = nil) throws -> [CordonRecord] {
    try Self.wait(store) { done in store.submit(command, actor: actor, unit: unit, completion: done) }
  }

  static func wait<M: EventSourcedModel>(
    _ store: EventStore<M>,
    _ body: (@escaping @Sendable (Result<[EventRecord<M.Event>], StoreFailure>) -> Void) -> Void
  ) throws -> [EventRecord<M.Event>] {
    let box = Mutex<Result<[EventRecord<M.Event>], StoreFailure>?>(nil)
    let sem = DispatchSemaphore(value: 0)
    body { r in
      box.withLock { $0 = r }
      sem.signal()
    }
    guard sem.wait(timeout: .now() + 30) == .success, let r = box.withLock({ $0 }) else {
      throw HarnessError(description: "the store did not answer within 30 s")
    }
    return try r.get()
  }

  func newClient() throws -> RemoteSource {
    let c = RemoteSource(socketPath: socketPath, commandTimeout: .seconds(5))
    try c.connect()
    return c
  }
}

/// The server's connection log, kept for assertions.
/// What a server logged, as `level message key=value…` lines, through a
/// real swift-log `Logger`.
final class LogLines: Sendable {
  private let m = Mutex<[String]>([])
  func append(_ s: String) { m.withLock { $0.append(s) } }
  var lines: [String] { m.withLock { $0 } }

  /// A logger (trace and up) whose every entry lands here.
  var logger: Logger {
    var l = Logger(label: "cordon-test", factory: { [self] _ in Handler(lines: self) })
    l.logLevel = .trace
    return l
  }

  private struct Handler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
      let all = metadata.merging(event.metadata ?? [:]) { $1 }
      let meta = all.keys.sorted().map { "\($0)=\(all[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
      lines.append("\(event.level) \(event.message)" + (meta.isEmpty ? "" : " " + meta))
    }
  }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ message: String, timeout: TimeInterval = 20, _ condition: () -> Bool) throws {
  let end = Date().addingTimeInterval(timeout)
  while Date() < end {
    if condition() { return }
    usleep(5_000)
  }
  throw HarnessError(description: "timed out after \(timeout) s: \(message)")
}

/// Submits through a console source and waits for the answer.
func submitAndWait(_ source: RemoteSource, _ command: CordonCommand) -> Result<UInt64, StoreFailure>? {
  let box = Mutex<Result<UInt64, StoreFailure>?>(nil)
  let sem = DispatchSemaphore(value: 0)
  source.submit(command) { r in
    box.withLock { $0 = r }
    sem.signal()
  }
  _ = sem.wait(timeout: .now() + 10)
  return box.withLock { $0 }
}

/// A client that speaks the protocol byte by byte with plain POSIX calls, so
/// tests can send what no well-behaved client would.
final class RawClient {
  let fd: Int32

  init(path: String) throws {
    fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError(description: "socket: \(errno)") }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in bytes.enumerated() { p[i] = b }
    }
    let r = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard r == 0 else {
      close(fd)
      throw HarnessError(description: "connect \(path): errno \(errno)")
    }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
  }

  deinit { close(fd) }

  /// Writes everything; false when the server has closed the connection.
  @discardableResult
  func send(_ bytes: [UInt8]) -> Bool {
    var off = 0
    while off < bytes.count {
      let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if n <= 0 { return false }
      off += n
    }
    return true
  }

  func sendFrame(_ payload: [UInt8]) {
    let n = UInt32(payload.count)
    send([UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload)
  }

  func sendJSON(_ text: String) { sendFrame(Array(text.utf8)) }

  private func readExactly(_ count: Int) -> [UInt8]? {
    var out = [UInt8](repeating: 0, count: count)
    var off = 0
    while off < count {
      let n = out[off...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n <= 0 { return nil }
      off += n
    }
    return out
  }

  /// The next frame, or nil at EOF (or after 5 s of silence).
  func readFrame() -> [UInt8]? {
    guard let h = readExactly(4) else { return nil }
    let n = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
    return readExactly(n)
  }

  func readMessage() -> ServerMessage? {
    guard let f = readFrame() else { return nil }
    return try? ServerMessage.decode(payload: f)
  }

  /// Reads until the server closes; returns the error it sent first, if any.
  func readUntilClosed() -> (code: String, message: String)? {
    var error: (String, String)? = nil
    var frames = 0
    while let m = readMessage() {
      frames += 1
      if case .error(let c, let msg) = m, error == nil { error = (c, msg) }
      if frames > 10_000 { break }
    }
    return error
  }

  /// True when the server has closed its end (EOF within the timeout).
  func isClosedByPeer() -> Bool {
    var b: UInt8 = 0
    while true {
      let n = recv(fd, &b, 1, 0)
      if n == 0 { return true }
      if n < 0 { return false }
    }
  }
}
