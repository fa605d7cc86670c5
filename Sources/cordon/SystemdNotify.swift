import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// systemd's readiness and watchdog protocol (`sd_notify`): one datagram per
/// message to the Unix socket named by `$NOTIFY_SOCKET` (a path, or `@name`
/// for the abstract namespace). Without the variable every call does nothing,
/// so `cordon serve` behaves the same outside systemd.
struct SystemdNotify: Sendable {
  let socketPath: String?

  init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    let usec = environment["WATCHDOG_USEC"].flatMap { UInt64($0) }
    // WATCHDOG_PID, when set, must be us: the variable may be inherited.
    let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
    watchdogInterval = usec.flatMap { $0 > 0 && pidMatches ? Double($0) / 1_000_000 : nil }
  }

  /// Seconds systemd waits for a WATCHDOG=1 before restarting us (nil: no watchdog).
  let watchdogInterval: Double?

  /// Sends `state` (e.g. "READY=1"); returns false when it could not be sent.
  @discardableResult
  func send(_ state: String) -> Bool {
    guard let socketPath else { return false }
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    var path = Array(socketPath.utf8)
    if path.first == UInt8(ascii: "@") { path[0] = 0 }
    guard path.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in path.enumerated() { p[i] = b }
    }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
    let message = Array(state.utf8)
    let sent = withUnsafePointer(to: &addr) { a in
      a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
        message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
      }
    }
    return sent == message.count
  }
}
