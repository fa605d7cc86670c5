import Dispatch
import Synchronization

/// Work handed to the global queue's threads and taken back in the order
/// it was handed out, on the caller's thread: the caller keeps reading the
/// journal while earlier chunks are decoded, and sees their results in seq
/// order. At most `window` chunks are out at once (memory stays bounded;
/// `submit` waits for the oldest when the window is full).
final class OrderedWork<T: Sendable> {
  private final class Slot: Sendable {
    let done = DispatchSemaphore(value: 0)
    let value = Mutex<Result<T, StoreError>?>(nil)
  }

  private var slots: [Slot] = []
  private var head = 0
  private let window: Int
  private let queue = DispatchQueue.global(qos: .userInitiated)

  init(window: Int) { self.window = max(1, window) }

  /// Runs `work` on another thread, then hands every result that is ready
  /// (and, while more than `window` are out, the oldest ones, waiting for
  /// them) to `take`, in order. Returns false as soon as `take` does.
  func submit(
    _ work: @escaping @Sendable () -> Result<T, StoreError>, take: (T) throws -> Bool
  ) throws -> Bool {
    let slot = Slot()
    slots.append(slot)
    queue.async {
      let r = work()
      slot.value.withLock { $0 = r }
      slot.done.signal()
    }
    return try drain(all: false, take)
  }

  /// Hands every result still out to `take`, in order, waiting for each.
  func finish(_ take: (T) throws -> Bool) throws -> Bool { try drain(all: true, take) }

  private func drain(all: Bool, _ take: (T) throws -> Bool) throws -> Bool {
    while head < slots.count {
      let slot = slots[head]
      if all || slots.count - head > window {
        slot.done.wait()
      } else if slot.done.wait(timeout: .now()) != .success {
        break
      }
      head += 1
      if head > 64 {
        slots.removeFirst(head)
        head = 0
      }
      // Taken out of the slot, so the result goes as soon as it is handed on.
      let taken = slot.value.withLock { v -> Result<T, StoreError>? in
        let r = v
        v = nil
        return r
      }
      guard let r = taken else { continue }
      if try !take(r.get()) { return false }
    }
    return true
  }

  /// Waits for the work still out, whose results are dropped (a stopped or failed read).
  func cancel() {
    for slot in slots[head...] { slot.done.wait() }
    slots = []
    head = 0
  }
}
