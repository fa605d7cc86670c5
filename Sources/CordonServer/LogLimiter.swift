import CordonModel
import Foundation
import Logging
import Synchronization

/// Rate-limits the server's per-connection refusal lines: at most `lines`
/// of one kind (an error code) per window. The rest are counted, and the
/// count is logged, once, with the first line of that kind after the window
/// (or at stop), so an attacker reconnecting in a loop cannot flood the log,
/// and nobody is left unaware that refusals went on.
final class LogLimiter: Sendable {
  private struct Window {
    var start: Int64
    var logged = 0
    var suppressed = 0
  }

  private let windows = Mutex<[String: Window]>([:])
  let lines: Int
  let windowMilliseconds: Int64
  private let clock: @Sendable () -> Int64

  init(
    lines: Int = Limits.refusalLogLines, windowSeconds: Int = Limits.refusalLogWindowSeconds,
    clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
  ) {
    self.lines = max(1, lines)
    self.windowMilliseconds = Int64(max(1, windowSeconds)) * 1000
    self.clock = clock
  }

  /// Whether a line of `kind` may be logged now, and how many of its kind
  /// were held back in the window that just ended (to be said first).
  func admit(_ kind: String) -> (log: Bool, heldBack: Int) {
    let now = clock()
    return windows.withLock { all in
      var w = all[kind] ?? Window(start: now)
      var heldBack = 0
      if now - w.start >= windowMilliseconds {
        heldBack = w.suppressed
        w = Window(start: now)
      }
      let log = w.logged < lines
      if log { w.logged += 1 } else { w.suppressed += 1 }
      all[kind] = w
      return (log, heldBack)
    }
  }

  /// Every kind's held-back count, cleared (at stop).
  func drain() -> [(kind: String, heldBack: Int)] {
    windows.withLock { all in
      defer { all = [:] }
      return all.filter { $0.value.suppressed > 0 }.map { ($0.key, $0.value.suppressed) }.sorted { $0.kind < $1.kind }
    }
  }

  /// Logs `message` at `level` unless `kind` is over its limit; first says
  /// how many of its kind the window before held back.
  func log(
    _ logger: Logger, _ kind: String, level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
    metadata: @autoclosure () -> Logger.Metadata? = nil
  ) {
    let (ok, heldBack) = admit(kind)
    if heldBack > 0 { sayHeldBack(logger, kind, heldBack) }
    if ok { logger.log(level: level, message(), metadata: metadata()) }
  }

  func sayHeldBack(_ logger: Logger, _ kind: String, _ n: Int) {
    logger.warning(
      "\(n) more line(s) of kind \(kind) were not logged: more than \(lines) in \(windowMilliseconds / 1000) s",
      metadata: ["code": "\(kind)", "suppressed": "\(n)"])
  }
}
