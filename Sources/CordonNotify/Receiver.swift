import CordonModel
import EventSourcing
import Foundation

/// Where a receiver sends. Its URL's query, its header values and its
/// command's arguments may hold keys and tokens: they are never printed
/// (`Redactor`), and never journalled (the journal keeps receiver names only).
public struct Receiver: Sendable, Equatable {
  public enum Format: String, Sendable, CaseIterable {
    /// WeCom (企业微信) group robot.
    case wecom
    /// DingTalk (钉钉) group robot.
    case dingtalk
    /// Cordon's own JSON: every field of every notification.
    case json
  }

  /// The WeCom/DingTalk message type.
  public enum MessageType: String, Sendable, CaseIterable {
    case text, markdown
  }

  public enum Kind: Sendable, Equatable {
    case webhook(url: String, format: Format, messageType: MessageType, headers: [String: String])
    /// argv[0] is an absolute path; `{phone}`, `{person}`, `{id}`, `{severity}`,
    /// `{unit}`, `{kind}` are substituted in each argument. Never through a shell.
    case exec(command: [String])
  }

  public var name: String
  public var kind: Kind
  /// One attempt's limit, connection and answer included.
  public var timeoutMilliseconds: Int
  /// Back-off after a failure: initial, doubled each time, capped.
  public var retryInitialMilliseconds: Int
  public var retryMaxMilliseconds: Int
  /// An https webhook's own CA, client certificate and host name check; nil:
  /// the system's trust store, no client certificate, full verification.
  public var tls: TLS?

  public static let defaultTimeoutMilliseconds = 10_000
  public static let defaultRetryInitialMilliseconds = 1_000
  public static let defaultRetryMaxMilliseconds = 300_000

  public init(
    name: String, kind: Kind, timeoutMilliseconds: Int = Receiver.defaultTimeoutMilliseconds,
    retryInitialMilliseconds: Int = Receiver.defaultRetryInitialMilliseconds,
    retryMaxMilliseconds: Int = Receiver.defaultRetryMaxMilliseconds, tls: TLS? = nil
  ) {
    self.name = name
    self.kind = kind
    self.timeoutMilliseconds = timeoutMilliseconds
    self.retryInitialMilliseconds = retryInitialMilliseconds
    self.retryMaxMilliseconds = retryMaxMilliseconds
    self.tls = tls
  }

  /// The wait before attempt `failures + 1`: initial × 2^(failures − 1), capped; never overflows.
  public func backoffMilliseconds(afterFailures failures: Int) -> Int {
    guard failures > 0 else { return 0 }
    var wait = retryInitialMilliseconds
    for _ in 1..<min(failures, 32) where wait < retryMaxMilliseconds { wait *= 2 }
    return min(wait, retryMaxMilliseconds)
  }

  /// Every configured text that may be a secret, for `Redactor`.
  public var secrets: [String] {
    switch kind {
    case .webhook(let url, _, _, let headers):
      var s = Array(headers.values)
      if let q = url.firstIndex(of: "?") { s.append(String(url[url.index(after: q)...])) }
      if let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at {
        s.append(String(url[scheme.upperBound..<at]))
      }
      return s.filter { $0.count >= 4 }
    case .exec(let command): return command.dropFirst().filter { $0.count >= 8 && !$0.contains("{") }
    }
  }

  /// What may be shown: scheme, host and path; never the query or credentials.
  public var displayTarget: String {
    switch kind {
    case .webhook(let url, _, _, _): Redactor.url(url)
    case .exec(let command): command.first ?? ""
    }
  }
}

/// Removes secrets from anything that may be shown or journalled.
public enum Redactor {
  /// `https://user:pw@host/path?key=…` → `https://host/path?…`.
  public static func url(_ url: String) -> String {
    var u = url
    if let q = u.firstIndex(of: "?") { u = String(u[..<q]) + "?…" }
    if let scheme = u.range(of: "://"), let at = u[scheme.upperBound...].firstIndex(of: "@"),
      !u[scheme.upperBound..<at].contains("/")
    {
      u.removeSubrange(scheme.upperBound...at)
    }
    return u
  }

  /// `text` with every secret (and every URL's query) replaced by "…", bounded.
  public static func redact(_ text: String, secrets: [String], limit: Int = DeliveryOutcome.maxErrorLength) -> String {
    var t = text
    for s in secrets.sorted(by: { $0.count > $1.count }) where !s.isEmpty {
      t = t.replacingOccurrences(of: s, with: "…")
    }
    // Any URL left in a library's message loses its query too.
    var out = ""
    var rest = Substring(t)
    while let r = rest.range(of: "http") {
      out += rest[..<r.lowerBound]
      let end = rest[r.lowerBound...].firstIndex(where: { $0 == " " || $0 == "\"" || $0 == ")" }) ?? rest.endIndex
      out += url(String(rest[r.lowerBound..<end]))
      rest = rest[end...]
    }
    out += rest
    // Never a control character (an answer's errmsg is a stranger's text): it reaches screens.
    let clean = String(
      out.unicodeScalars.map { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) ? " " : Character($0) })
    return clean.count > limit ? String(clean.prefix(limit - 1)) + "…" : clean
  }
}

/// The message wording per kind, in one language, from a templates file or
/// the defaults. Placeholders: {id} {severity} {unit} {text} {person} {phone}
/// {kind} {time} {repeat}.
public struct Templates: Sendable, Equatable {
  public var language: Language
  public var byKind: [NotificationKind: String]
  /// Heads a message that carries several grouped notifications: {count}.
  public var group: String

  public init(language: Language, byKind: [NotificationKind: String], group: String) {
    self.language = language
    self.byKind = byKind
    self.group = group
  }

  public static func defaults(_ language: Language) -> Templates {
    switch language {
    case .zh:
      Templates(
        language: .zh,
        byKind: [
          .alert: "【{severity}】{repeat}{unit}：{text}（{time}，编号 {id}）",
          .escalation: "【升级·{severity}】{unit}：{text}（值班电话 {phone}，编号 {id}）",
          .directive: "【指令】致{unit}：{text}（编号 {id}）",
          .handoff: "【交接提醒】{text}（电话 {phone}，编号 {id}）",
          .test: "【测试】{text}（{time}，编号 {id}）",
        ], group: "Cordon 通知 {count} 条")
    case .en:
      Templates(
        language: .en,
        byKind: [
          .alert: "[{severity}] {repeat}{unit}: {text} ({time}, id {id})",
          .escalation: "[escalated · {severity}] {unit}: {text} (on-duty phone {phone}, id {id})",
          .directive: "[directive] to {unit}: {text} (id {id})",
          .handoff: "[handoff] {text} (phone {phone}, id {id})",
          .test: "[test] {text} ({time}, id {id})",
        ], group: "Cordon: {count} notifications")
    }
  }
}

/// Everything the sender needs from the server's configuration file.
public struct NotifyConfig: Sendable, Equatable {
  public var receivers: [Receiver]
  public var routing: NotifyRouting
  public var templates: Templates
  public init(
    receivers: [Receiver] = [], routing: NotifyRouting = NotifyRouting(), templates: Templates = .defaults(.zh)
  ) {
    self.receivers = receivers
    self.routing = routing
    self.templates = templates
  }
  public var isEmpty: Bool { receivers.isEmpty && routing.routes.isEmpty }
}
