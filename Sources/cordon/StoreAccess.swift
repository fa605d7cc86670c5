import CordonModel
import CordonPostgres
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

/// Opens the PostgreSQL journal; a failure (an unreachable server, a wrong
/// schema version) is one clear line and exit 1.
func openStore(url: PostgresURL, options: StoreOptions, replication: PostgresReplication = .init()) throws
  -> PostgresStore<CordonDomain>
{
  do {
    return try PostgresStore<CordonDomain>.open(
      url: url, options: options, clock: { storeClock.now }, replication: replication)
  } catch {
    throw Fatal(description: "cannot open \(url): \(error)", code: 1)
  }
}

extension StoreLocation {
  /// The store --store or --data names: a postgres:// URL or a directory.
  /// `replication`: how a PostgreSQL journal's lease is taken (`serve` contends).
  func openStore(
    options: StoreOptions? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
    progress: ((OpenProgress) -> Void)? = progressPrinter(), replication: PostgresReplication = .init()
  ) throws -> any DomainStore {
    if let url = try postgres() {
      return try cordon.openStore(url: url, options: options ?? self.options, replication: replication)
    }
    return try cordon.openStore(
      at: directory(environment: environment), options: options ?? self.options, progress: progress)
  }
}

/// Submits and waits: a command-line tool has nothing else to do until the
/// command is durable or refused.
func submitAndWait(
  _ command: CordonCommand, to store: any DomainStore, actor: String, unit: String?,
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
