import Foundation
import PostgresNIO

/// Where the PostgreSQL journal is: libpq's URL form,
/// `postgres://[user[:password]@][host][:port]/database[?host=/socket/dir&user=…]`.
/// A host that starts with `/` (in the authority or as `?host=`) is the
/// directory of the server's Unix socket, as libpq reads it; no host at all
/// means the Debian default socket directory, `/var/run/postgresql`.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
  public var user: String
  public var password: String?
  /// A TCP host name or address; nil when `socketDirectory` is used.
  public var host: String?
  public var port: Int
  public var socketDirectory: String?
  public var database: String

  /// Whether `text` names a PostgreSQL journal (and not a directory).
  public static func isURL(_ text: String) -> Bool {
    text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
  }

  /// Parses `text`; the error names what is wrong with it.
  public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment)
    throws(PostgresURLError)
  {
    guard text.utf8.count <= 2048 else { throw PostgresURLError("the URL is longer than 2048 bytes") }
    guard Self.isURL(text) else {
      throw PostgresURLError("it must start with postgres:// or postgresql://, got \(Self.quoted(text))")
    }
    guard let components = URLComponents(string: text) else {
      throw PostgresURLError("it is not a URL: \(Self.quoted(text))")
    }
    var query: [String: String] = [:]
    for item in components.queryItems ?? [] {
      guard let value = item.value else { throw PostgresURLError("parameter \(Self.quoted(item.name)) has no value") }
      switch item.name {
      case "host", "port", "user", "password", "dbname", "sslmode", "application_name", "connect_timeout":
        query[item.name] = value
      default:
        throw PostgresURLError("unknown parameter \(Self.quoted(item.name)) (known: host, port, user, dbname, sslmode)")
      }
    }
    if let mode = query["sslmode"], !["disable", "allow", "prefer"].contains(mode) {
      throw PostgresURLError("sslmode=\(Self.quoted(mode)) is not supported: use a Unix socket or sslmode=disable")
    }
    let hostText = query["host"] ?? components.percentEncodedHost.flatMap { $0.removingPercentEncoding }
    if let h = hostText, !h.isEmpty {
      if h.hasPrefix("/") {
        socketDirectory = h
        host = nil
      } else {
        host = h
        socketDirectory = nil
      }
    } else {
      host = nil
      socketDirectory = "/var/run/postgresql"
    }
    let portText = query["port"] ?? components.port.map(String.init)
    if let p = portText {
      guard let n = Int(p), (1...65535).contains(n) else {
        throw PostgresURLError("the port must be 1-65535, got \(Self.quoted(p))")
      }
      port = n
    } else {
      port = 5432
    }
    let fallbackUser = environment["PGUSER"] ?? environment["USER"] ?? "postgres"
    user = query["user"] ?? components.user.flatMap { $0.removingPercentEncoding } ?? fallbackUser
    password = query["password"] ?? components.password.flatMap { $0.removingPercentEncoding }
    var db = components.path
    if db.hasPrefix("/") { db.removeFirst() }
    db = query["dbname"] ?? db.removingPercentEncoding ?? db
    if db.isEmpty { db = user }
    guard !db.contains("/"), db.utf8.count <= 63 else {
      throw PostgresURLError("the database name must be one name of at most 63 bytes, got \(Self.quoted(db))")
    }
    guard !user.isEmpty, user.utf8.count <= 63 else {
      throw PostgresURLError("the user name must be 1-63 bytes")
    }
    database = db
  }

  /// The Unix socket file libpq would use: `<dir>/.s.PGSQL.<port>`.
  public var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }

  /// Where, for messages: never the password.
  public var description: String {
    if let dir = socketDirectory { return "postgres:///\(database)?host=\(dir) (user \(user), port \(port))" }
    return "postgres://\(user)@\(host ?? "")" + ":\(port)/\(database)"
  }

  var configuration: PostgresConnection.Configuration {
    if let path = socketPath {
      return PostgresConnection.Configuration(
        unixSocketPath: path, username: user, password: password, database: database)
    }
    return PostgresConnection.Configuration(
      host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .disable)
  }

  private static func quoted(_ s: String) -> String {
    let clean = s.unicodeScalars.prefix(80).map { $0.properties.generalCategory == .control ? "?" : String($0) }
    return "\"" + clean.joined() + "\""
  }
}

public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
  public var reason: String
  init(_ reason: String) { self.reason = reason }
  public var description: String { "bad --store URL: \(reason)" }
}
