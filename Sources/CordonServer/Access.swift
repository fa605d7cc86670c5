import CordonModel
import CordonNotify
import Foundation
import TOMLKit

#if canImport(Glibc)
  import Glibc
#endif

/// An OS account as the kernel vouches for it: the uid from the socket's
/// peer credentials, the rest from the user database. Never from the client.
public struct PeerIdentity: Sendable, Equatable {
  public var uid: UInt32
  public var pid: Int32
  public var user: String?
  public var groups: [String]

  public init(uid: UInt32, pid: Int32, user: String?, groups: [String]) {
    self.uid = uid
    self.pid = pid
    self.user = user
    self.groups = groups
  }

  /// Looks up `uid` with the reentrant getpwuid_r / getgrouplist / getgrgid_r:
  /// the server resolves identities on several event-loop threads at once.
  public static func lookup(uid: UInt32, pid: Int32) -> PeerIdentity {
    var pwd = passwd()
    var result: UnsafeMutablePointer<passwd>? = nil
    var buffer = [CChar](repeating: 0, count: 16384)
    guard getpwuid_r(uid, &pwd, &buffer, buffer.count, &result) == 0, result != nil, let namePtr = pwd.pw_name else {
      return PeerIdentity(uid: uid, pid: pid, user: nil, groups: [])
    }
    let name = String(cString: namePtr)
    let primary = pwd.pw_gid
    var count: Int32 = 64
    var gids = [gid_t](repeating: 0, count: Int(count))
    if getgrouplist(namePtr, primary, &gids, &count) < 0 {
      // Too small: `count` now holds the number needed.
      gids = [gid_t](repeating: 0, count: Int(max(count, 1)))
      if getgrouplist(namePtr, primary, &gids, &count) < 0 { count = 0 }
    }
    var groups: [String] = []
    for gid in gids.prefix(Int(max(count, 0))) {
      var grp = group()
      var gresult: UnsafeMutablePointer<group>? = nil
      var gbuffer = [CChar](repeating: 0, count: 16384)
      if getgrgid_r(gid, &grp, &gbuffer, gbuffer.count, &gresult) == 0, gresult != nil, let g = grp.gr_name {
        groups.append(String(cString: g))
      }
    }
    return PeerIdentity(uid: uid, pid: pid, user: name, groups: groups)
  }

  public var displayName: String { user ?? "uid \(uid)" }
}

/// Who may connect and as what: the server's `--config` file.
///
///     [users]
///     zhang = "command"                                  # duty room: every unit
///     li    = { role = "operator", unit = "jy" }         # its own unit only
///     wang  = { role = "inspector", units = ["jy", "rl"] }
///
///     [groups]
///     cordon-hq = "command"
///     cordon    = "viewer"
///
/// A `[users]` entry wins over groups. Among a user's groups the most
/// powerful role wins (command > operator > inspector > viewer), so a
/// catch-all `cordon = "viewer"` can sit beside specific groups; inspector
/// units add up; two operator groups naming different units are refused as
/// ambiguous rather than guessed. The account the server runs as is always
/// `command`: it owns the data directory anyway.
public struct AccessConfig: Sendable, Equatable {
  public struct Grant: Sendable, Equatable {
    public var role: Role
    public var units: [String]
    public init(role: Role, units: [String] = []) {
      self.role = role
      self.units = units
    }
  }

  public var users: [String: Grant] = [:]
  public var groups: [String: Grant] = [:]
  /// `[notify]`, `[[receivers]]` and `[[routes]]` (see `NotifyConfigLoader`).
  public var notify = NotifyConfig()
  /// Where it came from, for messages.
  public var source: String
  /// The line of each `[users]` / `[groups]` entry ("users.li" → 7), for
  /// messages about it (TOMLKit gives no positions).
  public var lines: [String: Int] = [:]
  /// `[server]`: `max_connections`, `max_connections_per_user` (the flags of
  /// the same names win).
  public var maxConnections: Int?
  public var maxConnectionsPerUser: Int?
  public var serverUID: UInt32

  public init(
    users: [String: Grant] = [:], groups: [String: Grant] = [:], source: String = "built-in",
    serverUID: UInt32 = getuid()
  ) {
    self.users = users
    self.groups = groups
    self.source = source
    self.serverUID = serverUID
  }

  public struct Invalid: Error, CustomStringConvertible {
    public var description: String
  }

  public static func load(path: String) throws -> AccessConfig {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw Invalid(description: "\(path): cannot read: \(error.localizedDescription)")
    }
    return try parse(text, file: path)
  }

  public static func parse(_ text: String, file: String) throws -> AccessConfig {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw Invalid(description: "\(file): \(error)") }
    var config = AccessConfig(source: file)
    config.lines = entryLines(text)
    config.notify = try NotifyConfigLoader.parse(table, file: file)
    for key in table.keys where !NotifyConfigLoader.sections.contains(key) {
      if key == "server", let section = table[key]?.table {
        try config.parseServer(section, file: file)
        continue
      }
      guard let section = table[key]?.table else {
        throw Invalid(description: "\(file): '\(key)' must be a table ([users] or [groups])")
      }
      var grants: [String: Grant] = [:]
      for name in section.keys {
        guard let value = section[name] else { continue }
        grants[name] = try grant(value, at: "\(key).\(name)", file: file)
      }
      switch key {
      case "users": config.users = grants
      case "groups": config.groups = grants
      default:
        throw Invalid(
          description:
            "\(file): unknown section [\(key)] (expected [users], [groups], [server], [notify], [[receivers]], [[routes]])"
        )
      }
    }
    return config
  }

  private static func grant(_ value: TOMLValueConvertible, at path: String, file: String) throws -> Grant {
    func role(_ s: String) throws -> Role {
      guard let r = Role(rawValue: s) else {
        throw Invalid(description: "\(file): \(path): unknown role '\(s)' (command, operator, inspector, viewer)")
      }
      return r
    }
    if let s = value.string {
      let r = try role(s)
      guard r == .command || r == .viewer else {
        throw Invalid(description: "\(file): \(path): role '\(s)' needs units: { role = \"\(s)\", unit = \"…\" }")
      }
      return Grant(role: r)
    }
    guard let t = value.table else {
      throw Invalid(description: "\(file): \(path): expected a role name or { role = …, unit(s) = … }")
    }
    guard let roleName = t["role"]?.string else { throw Invalid(description: "\(file): \(path): missing role") }
    let r = try role(roleName)
    var units: [String] = []
    for k in t.keys {
      switch k {
      case "role": break
      case "unit":
        guard let u = t[k]?.string else { throw Invalid(description: "\(file): \(path).unit must be a string") }
        units.append(u)
      case "units":
        guard let a = t[k]?.array else { throw Invalid(description: "\(file): \(path).units must be a list") }
        for v in a {
          guard let u = v.string else { throw Invalid(description: "\(file): \(path).units must list strings") }
          units.append(u)
        }
      default: throw Invalid(description: "\(file): \(path): unknown key '\(k)'")
      }
    }
    switch r {
    case .operator where units.count != 1:
      throw Invalid(description: "\(file): \(path): an operator acts for exactly one unit (unit = \"…\")")
    case .inspector where units.isEmpty:
      throw Invalid(description: "\(file): \(path): an inspector needs units = [\"…\"]")
    default: break
    }
    return Grant(role: r, units: units)
  }

  private mutating func parseServer(_ section: TOMLTable, file: String) throws {
    for key in section.keys {
      let line = lines["server.\(key)"] ?? 0
      let range: ClosedRange<Int>
      switch key {
      case "max_connections": range = Limits.connections
      case "max_connections_per_user": range = Limits.connectionsPerUser
      default:
        throw Invalid(
          description:
            "\(file):\(line): server.\(key): unknown key (expected max_connections, max_connections_per_user)")
      }
      guard let n = section[key]?.int, range.contains(n) else {
        throw Invalid(
          description:
            "\(file):\(line): server.\(key): must be a whole number from \(range.lowerBound) to \(range.upperBound)")
      }
      if key == "max_connections" { maxConnections = n } else { maxConnectionsPerUser = n }
    }
  }

  /// Every operator and inspector unit must exist in the store: a typo
  /// would otherwise admit a user who can do nothing, or the wrong unit
  /// later. Each unknown one is named as FILE:LINE: users.NAME.unit: reason.
  /// An empty store (no organisation yet) is not checked.
  public func unknownUnits(known: Set<String>) -> [String] {
    guard !known.isEmpty else { return [] }
    var problems: [(Int, String)] = []
    for (section, grants) in [("users", users), ("groups", groups)] {
      for (name, grant) in grants {
        let key = "\(section).\(name)"
        for unit in grant.units where !known.contains(unit) {
          let field = grant.role == .operator ? "\(key).unit" : "\(key).units"
          let line = lines[key] ?? 0
          problems.append(
            (
              line,
              "\(source):\(line): \(field): no unit '\(unit)' in the store (units: \(known.sorted().joined(separator: ", ")))"
            ))
        }
      }
    }
    return problems.sorted { $0 < $1 }.map(\.1)
  }

  /// `[section]` then `name = …` lines: where each entry of a table starts.
  static func entryLines(_ text: String) -> [String: Int] {
    var out: [String: Int] = [:]
    var section: String? = nil
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.hasPrefix("[[") {
        section = nil
      } else if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
        section = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
          .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
      } else if let section, !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") {
        let key = line[..<eq].trimmingCharacters(in: .whitespaces).trimmingCharacters(
          in: CharacterSet(charactersIn: "\"'"))
        if !key.isEmpty, out["\(section).\(key)"] == nil { out["\(section).\(key)"] = i + 1 }
      }
    }
    return out
  }

  /// The principal `peer` acts as, or why it may not connect (a sentence for the user).
  public func resolve(_ peer: PeerIdentity) -> Result<Principal, AccessDenied> {
    guard let user = peer.user else {
      return .failure(AccessDenied(message: "uid \(peer.uid) has no account name on the server"))
    }
    if peer.uid == serverUID { return .success(Principal(user: user, role: .command, units: [])) }
    if let g = users[user] { return .success(Principal(user: user, role: g.role, units: g.units)) }
    let matched = peer.groups.compactMap { g in groups[g].map { (g, $0) } }
    guard let best = matched.map(\.1.role).min(by: { Self.rank($0) < Self.rank($1) }) else {
      return .failure(
        AccessDenied(
          message:
            "user \(user) (uid \(peer.uid)) is not allowed to use this Cordon server: no entry for the user or its groups (\(peer.groups.joined(separator: ", "))) in \(source); ask the duty room to add one"
        ))
    }
    let top = matched.filter { $0.1.role == best }
    var units: [String] = []
    for (_, g) in top { for u in g.units where !units.contains(u) { units.append(u) } }
    if best == .operator && units.count > 1 {
      return .failure(
        AccessDenied(
          message:
            "user \(user) is an operator of several units through groups \(top.map(\.0).joined(separator: ", ")) in \(source); give the user one unit in [users]"
        ))
    }
    return .success(Principal(user: user, role: best, units: units))
  }

  private static func rank(_ r: Role) -> Int {
    switch r {
    case .command: 0
    case .operator: 1
    case .inspector: 2
    case .viewer: 3
    }
  }
}

public struct AccessDenied: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
