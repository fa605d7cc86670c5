import CordonModel
import CordonSession
import CordonStore
import Foundation
import Synchronization

/// Opens the store for a command; a failure is one clear line and exit 1.
func openStore(
  at dir: URL, options: StoreOptions, progress: ((OpenProgress) -> Void)? = progressPrinter()
) throws -> EventStore<CordonDomain> {
  do {
    return try EventStore<CordonDomain>.open(
      directory: dir, options: options, clock: { storeClock.now }, progress: progress)
  } catch {
    throw Fatal(description: "cannot open \(dir.path): \(error)", code: 1)
  }
}

extension StoreLocation {
  func openStore() throws -> EventStore<CordonDomain> { try cordon.openStore(at: directory(), options: options) }
}

/// Submits and waits: a command-line tool has nothing else to do until the
/// command is durable or refused.
func submitAndWait(
  _ command: CordonCommand, to store: EventStore<CordonDomain>, actor: String, unit: String?,
  commandID: String? = nil
) -> Result<[EventRecord<CordonEvent>], StoreFailure> {
  let done = DispatchSemaphore(value: 0)
  let result = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
  store.submit(command, actor: actor, unit: unit, commandID: commandID) { r in
    result.withLock { $0 = r }
    done.signal()
  }
  done.wait()
  return result.withLock { $0 } ?? .failure(.io("no result"))
}
