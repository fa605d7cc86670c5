import CordonStore
import Dispatch
import Foundation
import Synchronization

extension EventStore {
  /// Submits and blocks until the completion fires; for tests and the torture child.
  public func submitAndWait(
    _ command: M.Command, actor: String = "tester", unit: String? = nil, commandID: String? = nil
  ) -> Result<[Record], StoreFailure> {
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<[Record], StoreFailure>?>(nil)
    submit(command, actor: actor, unit: unit, commandID: commandID) { r in
      box.withLock { $0 = r }
      done.signal()
    }
    done.wait()
    return box.withLock { $0 } ?? .failure(.io("no completion"))
  }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
  public let url: URL
  public init(_ label: String = "cordon-store") throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  public func remove() { try? FileManager.default.removeItem(at: url) }
}

extension LedgerModel {
  /// A random but always meaningful command over a small set of accounts.
  public static func randomCommand(_ rng: inout SeededRandom, accounts: Int = 5) -> Command {
    let a = "acct-\(Int.random(in: 0..<accounts, using: &rng))"
    let b = "acct-\(Int.random(in: 0..<accounts, using: &rng))"
    let n = Int64.random(in: 1...100, using: &rng)
    switch Int.random(in: 0..<10, using: &rng) {
    case 0: return .open(a)
    case 1...4: return .deposit(a, n)
    case 5...6: return .withdraw(a, n)
    case 7...8: return .transfer(from: a, to: b, amount: n)
    default: return .nothing
    }
  }
}
