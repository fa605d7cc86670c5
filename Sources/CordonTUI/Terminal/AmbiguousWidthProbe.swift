import Foundation

/// Finds out whether the terminal draws East Asian ambiguous characters two
/// cells wide, the way vim sets 'ambiwidth': print "·" at the start of the
/// line, ask where the cursor is (DSR, `ESC [ 6 n`), and read the answer
/// `ESC [ row ; col R`. Column 2: narrow; column 3: wide. Terminals that do
/// not answer within the timeout give nil (not detected), and nothing
/// changes: `--ascii` or `ascii = true` still chooses ASCII borders.
/// Keys typed before the answer are returned, for the console to read first.
public enum AmbiguousWidthProbe {
  public static func drawsAmbiguousWide(timeoutMilliseconds: Int32 = 250) -> (wide: Bool?, typeAhead: [UInt8]) {
    let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
    guard fd >= 0 else { return (nil, []) }
    defer { close(fd) }
    var saved = termios()
    guard tcgetattr(fd, &saved) == 0 else { return (nil, []) }
    var raw = saved
    cfmakeraw(&raw)
    guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return (nil, []) }
    // TCSANOW, not TCSAFLUSH: keys typed after the answer stay for the console.
    defer { _ = tcsetattr(fd, TCSANOW, &saved) }
    let probe = Array("\r\u{B7}\u{1B}[6n".utf8)
    guard write(fd, probe, probe.count) == probe.count else { return (nil, []) }
    var reply: [UInt8] = []
    let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
    var byte: UInt8 = 0
    while reply.count < 32, reply.last != UInt8(ascii: "R") {
      let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard left > 0, poll(&p, 1, left) == 1, read(fd, &byte, 1) == 1 else { break }
      reply.append(byte)
    }
    let erase = Array("\r   \r".utf8)
    _ = write(fd, erase, erase.count)
    let answer = reply.lastIndex(of: 0x1B).map { Array(reply[$0...]) } ?? []
    let typed = reply.lastIndex(of: 0x1B).map { Array(reply[..<$0]) } ?? reply
    return (parse(answer), typed)
  }

  /// The column in a cursor-position report decides: 2 narrow, 3 wide, else nil.
  public static func parse(_ reply: [UInt8]) -> Bool? {
    guard let esc = reply.lastIndex(of: 0x1B), reply.last == UInt8(ascii: "R") else { return nil }
    let body = String(decoding: reply[(esc + 1)...].dropLast(), as: UTF8.self)
    guard body.hasPrefix("["), let col = body.dropFirst().split(separator: ";").last.flatMap({ Int($0) }) else {
      return nil
    }
    switch col {
    case 2: return false
    case 3: return true
    default: return nil
    }
  }
}
