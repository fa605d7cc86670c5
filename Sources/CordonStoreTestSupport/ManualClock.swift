import CordonStore
import Synchronization

/// A clock tests move by hand, so times in records are predictable.
public final class ManualClock: Sendable {
  private let now: Mutex<Instant>
  public init(_ start: Instant = Instant(milliseconds: 1_700_000_000_000)) { now = Mutex(start) }
  public func read() -> Instant { now.withLock { $0 } }
  public func advance(milliseconds: Int64 = 1) {
    now.withLock { $0 = Instant(milliseconds: $0.milliseconds + milliseconds) }
  }
  /// Returns the time, then moves it on by one millisecond, so each command gets its own instant.
  public func tick() -> Instant {
    now.withLock { n in
      defer { n = Instant(milliseconds: n.milliseconds + 1) }
      return n
    }
  }
}
