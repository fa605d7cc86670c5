import Dispatch
import Synchronization

/// The consoles' commands the server is deciding and committing right now.
/// The notification sender holds its sends while there are any, and for a
/// moment after the last (the gap between two commands of a burst), so that
/// a burst of alerts is committed before its notifications go out and
/// delivering never competes with a duty room's commands; the sender's own
/// outcome commits are not counted (they would hold it up on itself).
final class CommandLoad: Sendable {
  private let inFlight = Atomic<Int>(0)
  private let lastFinished = Atomic<UInt64>(0)
  /// Quiet for this long after the last command: back-to-back commands of one burst are one busy spell.
  static let quietNanoseconds: UInt64 = 5_000_000

  func begin() { inFlight.add(1, ordering: .relaxed) }

  func end() {
    lastFinished.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    inFlight.subtract(1, ordering: .relaxed)
  }

  var busy: Bool {
    if inFlight.load(ordering: .relaxed) > 0 { return true }
    let last = lastFinished.load(ordering: .relaxed)
    return last > 0 && DispatchTime.now().uptimeNanoseconds &- last < Self.quietNanoseconds
  }
}
