import CordonModel
import CordonNotify
import Foundation
import TOMLKit

/// `[notify]`, `[[receivers]]` and `[[routes]]` in the server's config file:
///
///     [notify]
///     language = "zh"                  # zh | en: the messages' language
///     templates = "/etc/cordon/notify" # a folder with zh.toml / en.toml (optional)
///
///     [[receivers]]
///     name = "duty-wecom"
///     type = "webhook"                 # webhook | exec
///     url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
///     format = "wecom"                 # wecom | dingtalk | json
///     message = "text"                 # text | markdown (wecom, dingtalk)
///     headers = { Authorization = "Bearer …" }
///     timeout = "10s"
///     retry_initial = "1s"
///     retry_max = "5m"
///     tls_ca_file = "/etc/cordon/gw-ca.pem"   # https only: trusted instead of the system's store
///     tls_cert_file = "/etc/cordon/cordon.pem" # a client certificate…
///     tls_key_file = "/etc/cordon/cordon.key"  # …and its key, together
///     tls_verify = "full"              # full | no-hostname (with tls_ca_file)
///
///     [[receivers]]
///     name = "sms"
///     type = "exec"
///     command = ["/usr/local/bin/sms-gw", "--to", "{phone}"]
///
///     [[routes]]
///     severity = ["critical"]          # and/or rule, unit, kind: empty matches all
///     receivers = ["duty-wecom", "sms"]
///     quiet_hours = "23:00-07:00"      # holds what is not critical until the end
///     group_wait = "60s"               # what is not critical waits to be grouped
///     repeat_interval = "4h"           # an open, unacknowledged alert again after
///
/// Every mistake names the file and the key (`receivers[2].url`), and never a secret.
enum NotifyConfigLoader {
  typealias Invalid = AccessConfig.Invalid

  static let sections: Set<String> = ["notify", "receivers", "routes"]
  static let maxReceivers = 32
  static let maxRoutes = 64
  static let maxNameLength = 64

  static func parse(_ table: TOMLTable, file: String) throws -> NotifyConfig {
    var config = NotifyConfig()
    var templatesDir: String?
    if let v = table["notify"] {
      guard let t = v.table else { throw Invalid(description: "\(file): [notify] must be a table") }
      for k in t.keys {
        switch k {
        case "language":
          guard let s = t[k]?.string, let l = Language(rawValue: s) else {
            throw Invalid(description: "\(file): notify.language must be \"zh\" or \"en\"")
          }
          config.templates = .defaults(l)
        case "templates":
          guard let s = t[k]?.string, !s.isEmpty else {
            throw Invalid(description: "\(file): notify.templates must be a folder path")
          }
          templatesDir = s
        default: throw Invalid(description: "\(file): notify: unknown key '\(k)' (language, templates)")
        }
      }
    }
    if let dir = templatesDir {
      config.templates = try loadTemplates(dir: dir, language: config.templates.language)
    }
    let receiverTables = try array(table, "receivers", file: file, limit: maxReceivers)
    for (i, t) in receiverTables.enumerated() {
      let r = try receiver(t, at: "receivers[\(i + 1)]", file: file)
      if config.receivers.contains(where: { $0.name == r.name }) {
        throw Invalid(description: "\(file): receivers[\(i + 1)].name: '\(r.name)' is already used by another receiver")
      }
      config.receivers.append(r)
    }
    let names = config.receivers.map(\.name)
    var routes: [NotifyRoute] = []
    for (i, t) in try array(table, "routes", file: file, limit: maxRoutes).enumerated() {
      let route = try self.route(t, index: i + 1, receivers: names, file: file)
      if routes.contains(where: { $0.name == route.name }) {
        throw Invalid(description: "\(file): routes[\(i + 1)].name: '\(route.name)' is already used by another route")
      }
      routes.append(route)
    }
    config.routing = NotifyRouting(receivers: names, routes: routes)
    return config
  }

  static func array(_ table: TOMLTable, _ key: String, file: String, limit: Int) throws -> [TOMLTable] {
    guard let v = table[key] else { return [] }
    guard let a = v.array else { throw Invalid(description: "\(file): '\(key)' must be written [[\(key)]]") }
    guard a.count <= limit else { throw Invalid(description: "\(file): at most \(limit) [[\(key)]] entries") }
    return try a.enumerated().map { i, e in
      guard let t = e.table else { throw Invalid(description: "\(file): \(key)[\(i + 1)] must be a table") }
      return t
    }
  }

  static func name(_ t: TOMLTable, at path: String, file: String, required: Bool) throws -> String? {
    guard let v = t["name"] else {
      if required { throw Invalid(description: "\(file): \(path).name is required") }
      return nil
    }
    guard let s = v.string, !s.isEmpty, s.count <= maxNameLength,
      s.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" })
    else {
      throw Invalid(
        description: "\(file): \(path).name must be 1–\(maxNameLength) letters, digits, '-' or '_'")
    }
    return s
  }

  static func receiver(_ t: TOMLTable, at path: String, file: String) throws -> Receiver {
    let known: Set<String> = [
      "name", "type", "url", "format", "message", "headers", "command", "timeout", "retry_initial", "retry_max",
      "tls_ca_file", "tls_cert_file", "tls_key_file", "tls_verify",
    ]
    for k in t.keys where !known.contains(k) {
      throw Invalid(description: "\(file): \(path): unknown key '\(k)' (\(known.sorted().joined(separator: ", ")))")
    }
    guard let name = try name(t, at: path, file: file, required: true) else {
      throw Invalid(description: "\(file): \(path).name is required")
    }
    func string(_ k: String) throws -> String? {
      guard let v = t[k] else { return nil }
      guard let s = v.string else { throw Invalid(description: "\(file): \(path).\(k) must be a string") }
      return s
    }
    let timeout =
      try duration(t, "timeout", at: path, file: file, range: 100...120_000) ?? Receiver.defaultTimeoutMilliseconds
    let initial =
      try duration(t, "retry_initial", at: path, file: file, range: 10...60_000)
      ?? Receiver.defaultRetryInitialMilliseconds
    let maximum =
      try duration(t, "retry_max", at: path, file: file, range: 10...3_600_000) ?? Receiver.defaultRetryMaxMilliseconds
    guard maximum >= initial else {
      throw Invalid(description: "\(file): \(path).retry_max must not be shorter than retry_initial")
    }
    let kind: Receiver.Kind
    var tls: Receiver.TLS?
    switch try string("type") {
    case "webhook"?:
      guard t["command"] == nil else { throw Invalid(description: "\(file): \(path).command is for type = \"exec\"") }
      guard let url = try string("url") else { throw Invalid(description: "\(file): \(path).url is required") }
      guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
        u.host?.isEmpty == false, url.count <= 2048
      else {
        // Never echo the URL: its query is usually the robot's key.
        throw Invalid(description: "\(file): \(path).url must be an http:// or https:// address")
      }
      let formatName = try string("format") ?? "json"
      guard let format = Receiver.Format(rawValue: formatName) else {
        throw Invalid(description: "\(file): \(path).format: unknown '\(formatName)' (wecom, dingtalk, json)")
      }
      let typeName = try string("message") ?? "text"
      guard let type = Receiver.MessageType(rawValue: typeName) else {
        throw Invalid(description: "\(file): \(path).message: unknown '\(typeName)' (text, markdown)")
      }
      var headers: [String: String] = [:]
      if let h = t["headers"] {
        guard let ht = h.table else { throw Invalid(description: "\(file): \(path).headers must be a table") }
        for k in ht.keys {
          guard let v = ht[k]?.string, !k.isEmpty, k.count <= 128, v.count <= 4096,
            !k.contains(where: { $0.isNewline || $0 == ":" }), !v.contains(where: \.isNewline)
          else {
            // The header's name may be shown; its value never.
            throw Invalid(description: "\(file): \(path).headers.\(k) must be a one-line string")
          }
          headers[k] = v
        }
      }
      kind = .webhook(url: url, format: format, messageType: type, headers: headers)
      tls = try self.tls(t, at: path, receiver: name, https: scheme == "https", file: file)
    case "exec"?:
      guard t["url"] == nil else { throw Invalid(description: "\(file): \(path).url is for type = \"webhook\"") }
      if let k = tlsKeys.first(where: { t[$0] != nil }) {
        throw Invalid(description: "\(file): \(path).\(k) is for type = \"webhook\" with an https:// url")
      }
      guard let a = t["command"]?.array, !a.isEmpty, a.count <= 64 else {
        throw Invalid(description: "\(file): \(path).command must be a list: [\"/path/to/program\", \"arg\", …]")
      }
      let argv = try a.map { v -> String in
        guard let s = v.string, !s.contains("\0") else {
          throw Invalid(description: "\(file): \(path).command must list strings")
        }
        return s
      }
      guard argv[0].hasPrefix("/") else {
        throw Invalid(description: "\(file): \(path).command[1] must be an absolute path (no shell, no PATH search)")
      }
      kind = .exec(command: argv)
    case let other?:
      throw Invalid(description: "\(file): \(path).type: unknown '\(other)' (webhook, exec)")
    case nil:
      throw Invalid(description: "\(file): \(path).type is required (webhook, exec)")
    }
    return Receiver(
      name: name, kind: kind, timeoutMilliseconds: timeout, retryInitialMilliseconds: initial,
      retryMaxMilliseconds: maximum, tls: tls)
  }

  static let tlsKeys = ["tls_ca_file", "tls_cert_file", "tls_key_file", "tls_verify"]

  /// `tls_ca_file`, `tls_cert_file` + `tls_key_file`, `tls_verify`: nil when
  /// none is given. The files are read and tried here, so a mistake stops the
  /// server (or the reload) with the receiver and the key, never a key's contents.
  static func tls(_ t: TOMLTable, at path: String, receiver name: String, https: Bool, file: String) throws
    -> Receiver.TLS?
  {
    func invalid(_ key: String, _ reason: String) -> Invalid {
      Invalid(description: "\(file): \(path).\(key) (receiver '\(name)') \(reason)")
    }
    guard let first = tlsKeys.first(where: { t[$0] != nil }) else { return nil }
    guard https else { throw invalid(first, "needs an https:// url") }
    func pemPath(_ k: String) throws -> String? {
      guard let v = t[k] else { return nil }
      guard let s = v.string, s.hasPrefix("/"), s.count <= 4096, !s.contains("\0") else {
        throw invalid(k, "must be an absolute path to a PEM file")
      }
      return s
    }
    var tls = Receiver.TLS(
      caFile: try pemPath("tls_ca_file"), certFile: try pemPath("tls_cert_file"), keyFile: try pemPath("tls_key_file"))
    if (tls.certFile == nil) != (tls.keyFile == nil) {
      throw invalid(
        tls.certFile == nil ? "tls_key_file" : "tls_cert_file",
        "needs \(tls.certFile == nil ? "tls_cert_file" : "tls_key_file") too: a client certificate and its key go together"
      )
    }
    if let v = t["tls_verify"] {
      let allowed = Receiver.TLS.Verify.allCases.map(\.rawValue)
      guard let s = v.string, let verify = Receiver.TLS.Verify(rawValue: s) else {
        let none = v.string == "none"
        throw invalid(
          "tls_verify",
          none
            ? "cannot be \"none\": the webhook's key would go to whoever answers; give the server's CA in tls_ca_file (and \"no-hostname\" when its certificate does not name the host)"
            : "must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))")
      }
      tls.verify = verify
    }
    if tls.verify == .noHostname, tls.caFile == nil {
      throw invalid(
        "tls_verify",
        "= \"no-hostname\" needs tls_ca_file: only a private CA's certificates may skip the host name check")
    }
    do throws(Receiver.TLS.Invalid) { try tls.validate() } catch { throw invalid(error.key, error.reason) }
    return tls
  }

  static func route(_ t: TOMLTable, index: Int, receivers: [String], file: String) throws -> NotifyRoute {
    let path = "routes[\(index)]"
    let known: Set<String> = [
      "name", "severity", "rule", "unit", "kind", "receivers", "quiet_hours", "group_wait", "repeat_interval",
    ]
    for k in t.keys where !known.contains(k) {
      throw Invalid(description: "\(file): \(path): unknown key '\(k)' (\(known.sorted().joined(separator: ", ")))")
    }
    func list(_ k: String) throws -> [String] {
      guard let v = t[k] else { return [] }
      if let s = v.string { return [s] }
      guard let a = v.array, a.count <= 256 else {
        throw Invalid(description: "\(file): \(path).\(k) must be a list of strings")
      }
      return try a.map {
        guard let s = $0.string else { throw Invalid(description: "\(file): \(path).\(k) must be a list of strings") }
        return s
      }
    }
    func parsed<T>(_ k: String, _ make: (String) -> T?, _ allowed: [String]) throws -> [T] {
      try list(k).map {
        guard let v = make($0) else {
          throw Invalid(
            description: "\(file): \(path).\(k): unknown '\($0)' (\(allowed.joined(separator: ", ")))")
        }
        return v
      }
    }
    let severities = try parsed(
      "severity", { s in Severity.allCases.first { "\($0)" == s } }, Severity.allCases.map { "\($0)" })
    let rules = try parsed("rule", RuleID.init(rawValue:), RuleID.allCases.map(\.rawValue))
    let kinds = try parsed("kind", NotificationKind.init(rawValue:), NotificationKind.allCases.map(\.rawValue))
    let units = try list("unit")
    let targets = try list("receivers")
    guard !targets.isEmpty else {
      throw Invalid(description: "\(file): \(path).receivers must name at least one receiver")
    }
    for r in targets where !receivers.contains(r) {
      throw Invalid(
        description:
          "\(file): \(path).receivers: no receiver named '\(r)' (defined: \(receivers.joined(separator: ", ")))")
    }
    var quiet: QuietHours?
    if let v = t["quiet_hours"] {
      guard let s = v.string, let q = quietHours(s) else {
        throw Invalid(description: "\(file): \(path).quiet_hours must be \"HH:MM-HH:MM\", e.g. \"23:00-07:00\"")
      }
      quiet = q
    }
    let groupWait = try duration(t, "group_wait", at: path, file: file, range: 0...600_000)
    let repeatInterval = try duration(t, "repeat_interval", at: path, file: file, range: 60_000...86_400_000)
    return NotifyRoute(
      name: try name(t, at: path, file: file, required: false) ?? "route-\(index)", severities: severities,
      rules: rules, units: units, kinds: kinds, receivers: targets, quietHours: quiet,
      groupWaitSeconds: groupWait.map { $0 / 1000 } ?? NotifyRoute.defaultGroupWaitSeconds,
      repeatIntervalMinutes: repeatInterval.map { $0 / 60_000 } ?? NotifyRoute.defaultRepeatIntervalMinutes)
  }

  /// "23:00-07:00" → minutes of the day.
  static func quietHours(_ s: String) -> QuietHours? {
    let parts = s.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, let a = minute(parts[0]), let b = minute(parts[1]), a != b else { return nil }
    return QuietHours(startMinute: a, endMinute: b)
  }

  static func minute(_ s: String) -> Int? {
    let hm = s.split(separator: ":")
    guard hm.count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h),
      (0..<60).contains(m)
    else { return nil }
    return h * 60 + m
  }

  /// "500ms", "10s", "5m", "4h" → milliseconds, within `range`.
  static func duration(_ t: TOMLTable, _ k: String, at path: String, file: String, range: ClosedRange<Int>) throws
    -> Int?
  {
    guard let v = t[k] else { return nil }
    let bad = Invalid(
      description:
        "\(file): \(path).\(k) must be a duration like \"500ms\", \"10s\", \"5m\" or \"4h\" between \(show(range.lowerBound)) and \(show(range.upperBound))"
    )
    guard let s = v.string else { throw bad }
    let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
    for (suffix, scale) in units where s.hasSuffix(suffix) {
      guard let n = Int(s.dropLast(suffix.count)), n >= 0, n <= range.upperBound / scale, range.contains(n * scale)
      else { throw bad }
      return n * scale
    }
    throw bad
  }

  static func show(_ ms: Int) -> String {
    ms % 3_600_000 == 0 && ms > 0
      ? "\(ms / 3_600_000)h"
      : ms % 60_000 == 0 && ms > 0 ? "\(ms / 60_000)m" : ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
  }

  /// `dir/zh.toml` or `dir/en.toml`: one template per kind, and `group`.
  static func loadTemplates(dir: String, language: Language) throws -> Templates {
    let file = (dir as NSString).appendingPathComponent("\(language.rawValue).toml")
    let text: String
    do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
      throw Invalid(description: "\(file): cannot read: \(error.localizedDescription)")
    }
    return try parseTemplates(text, language: language, file: file)
  }

  static func parseTemplates(_ text: String, language: Language, file: String) throws -> Templates {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw Invalid(description: "\(file): \(error)") }
    var t = Templates.defaults(language)
    for k in table.keys {
      guard let s = table[k]?.string, s.count <= 2000 else {
        throw Invalid(description: "\(file): \(k) must be a string of at most 2000 characters")
      }
      if k == "group" {
        t.group = s
      } else if let kind = NotificationKind(rawValue: k) {
        t.byKind[kind] = s
      } else {
        let allowed = NotificationKind.allCases.map(\.rawValue) + ["group"]
        throw Invalid(description: "\(file): unknown key '\(k)' (\(allowed.joined(separator: ", ")))")
      }
    }
    return t
  }
}
