import Foundation
import Synchronization

/// The kernel's clock, read from /proc (boot time plus uptime), which no
/// per-process clock interposition follows. A process whose own clock is
/// wrong (run under `faketime`, a time namespace, a container with another
/// clock) stamps its events with that clock; comparing the two catches the
/// skew before one event from the far future is journalled. Nil where /proc
/// is not there: the check is then skipped.
final class KernelClock: Sendable {
  private let bootTime = Mutex<Int64?>(nil)

  init?() {
    guard Self.readBootTime() != nil, Self.readUptime() != nil else { return nil }
  }

  /// Now by the kernel. `fresh` re-reads the boot time, which moves when the
  /// system clock is stepped (by NTP, or by hand).
  func now(fresh: Bool = false) -> Instant? {
    let boot = bootTime.withLock { b -> Int64? in
      if fresh || b == nil { b = Self.readBootTime() }
      return b
    }
    guard let boot, let up = Self.readUptime() else { return nil }
    return Instant(milliseconds: boot * 1000 + up)
  }

  private static func read(_ path: String) -> String? {
    guard let h = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? h.close() }
    return (try? h.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Seconds since the epoch at boot ("btime" in /proc/stat).
  private static func readBootTime() -> Int64? {
    guard let text = read("/proc/stat"), let line = text.split(separator: "\n").first(where: { $0.hasPrefix("btime ") })
    else { return nil }
    return Int64(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
  }

  /// Milliseconds since boot (/proc/uptime).
  private static func readUptime() -> Int64? {
    guard let text = read("/proc/uptime"), let first = text.split(separator: " ").first, let s = Double(first) else {
      return nil
    }
    return Int64(s * 1000)
  }

  /// "2027-01-05 10:00 UTC".
  static func format(_ t: Instant) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
    return f.string(from: Date(timeIntervalSince1970: Double(t.milliseconds) / 1000))
  }
}
