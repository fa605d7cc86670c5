import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Asks a running server for its `ServerStatus`: one blocking request on a
/// plain Unix socket, for `cordon status`, backups and health checks.
public enum StatusProbe {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    /// The server's error code when it refused us (e.g. `unknownUser`).
    public var code: String?
  }

  public static func fetch(socketPath: String, timeoutSeconds: Int = 10) throws -> ServerStatus {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(socketPath.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
      throw Failure(description: "socket path is too long (\(bytes.count) bytes): \(socketPath)")
    }
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in bytes.enumerated() { p[i] = b }
    }
    let r = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard r == 0 else {
      throw Failure(description: "cannot connect to \(socketPath): \(String(cString: strerror(errno)))")
    }
    let request = try JSONEncoder().encode(ClientMessage.status)
    var frame: [UInt8] = []
    withUnsafeBytes(of: UInt32(request.count).bigEndian) { frame.append(contentsOf: $0) }
    frame.append(contentsOf: request)
    try writeAll(fd, frame)
    let header = try readExactly(fd, 4)
    let length = header.reduce(0) { $0 << 8 | Int($1) }
    guard length <= 1 << 20 else { throw Failure(description: "the server sent a \(length)-byte status") }
    let payload = try readExactly(fd, length)
    switch try ServerMessage.decode(payload: payload) {
    case .status(let s): return s
    case .error(let code, let message): throw Failure(description: message, code: code)
    default: throw Failure(description: "the server answered with something other than a status")
    }
  }

  private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var done = 0
    while done < bytes.count {
      let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw Failure(description: "write: \(String(cString: strerror(errno)))") }
      done += n
    }
  }

  private static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = out[done...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n == 0 { throw Failure(description: "the server closed the connection") }
      guard n > 0 else { throw Failure(description: "no answer: \(String(cString: strerror(errno)))") }
      done += n
    }
    return out
  }
}
