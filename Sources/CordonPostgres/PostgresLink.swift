import CordonStore
import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// One connection to PostgreSQL that comes back when it is lost (a restart
/// of the database, `pg_terminate_backend`): the next use reconnects.
final class PostgresLink: Sendable {
  let url: PostgresURL
  /// The connection's application_name, so `pg_stat_activity` tells who it is.
  let name: String
  let logger: Logger
  private let current: Mutex<PostgresConnection?>

  init(url: PostgresURL, name: String, logger: Logger, connection: PostgresConnection? = nil) {
    self.url = url
    self.name = name
    self.logger = logger
    current = Mutex(connection)
  }

  /// The open connection, or a new one when it was closed.
  func connection() async throws -> PostgresConnection {
    if let c = current.withLock({ $0 }), !c.isClosed { return c }
    let fresh = try await Self.connect(url, name: name, logger: logger)
    let old = current.withLock { c -> PostgresConnection? in
      defer { c = fresh }
      return c
    }
    if let old, old !== fresh { _ = try? await old.close() }
    return fresh
  }

  func close() async {
    let c = current.withLock { c -> PostgresConnection? in
      defer { c = nil }
      return c
    }
    _ = try? await c?.close()
  }

  static func connect(_ url: PostgresURL, name: String, logger: Logger) async throws -> PostgresConnection {
    do {
      var configuration = url.configuration
      configuration.options.additionalStartupParameters = [("application_name", String(name.prefix(63)))]
      return try await PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger
      ).get()
    } catch {
      throw StoreError.unavailable("cannot connect to PostgreSQL at \(url): \(PostgresStoreErrors.describe(error))")
    }
  }
}
