import CordonModel
import EventSourcing
import Foundation

/// What one delivery sends: one notification, or several grouped ones.
/// Pure: the same notifications render to the same bytes, so a retry or a
/// resend after a restart is the same message with the same ids.
public struct Message: Sendable, Equatable {
  public var ids: [String]
  public var text: String
  /// The same message for a markdown body: the templates' own markup kept,
  /// every value from the journal (user text, names) escaped (`markdownEscaped`).
  public var markdown: String
  public var notifications: [Notice]

  public init(_ group: [Notice], templates: Templates, calendar: LocalCalendar) {
    ids = group.map(\.id)
    notifications = group
    func joined(_ lines: [String]) -> String {
      lines.count == 1
        ? lines[0]
        : ([templates.group.replacingOccurrences(of: "{count}", with: String(lines.count))] + lines)
          .joined(separator: "\n")
    }
    text = joined(group.map { Self.render($0, templates, calendar) })
    markdown = joined(group.map { Self.render($0, templates, calendar, escape: Self.markdownEscaped) })
  }

  static func render(
    _ n: Notice, _ t: Templates, _ calendar: LocalCalendar, escape: (String) -> String = { $0 }
  ) -> String {
    let strings = Strings(t.language)
    let values: [String: String] = [
      "id": n.id, "severity": strings("severity.\(n.severity.name)"), "unit": n.unit,
      "text": n.text.text(t.language), "person": n.person ?? "", "phone": n.phone ?? "", "kind": n.kind.rawValue,
      "time": calendar.format(n.queuedAt), "repeat": n.isRepeat ? (t.language == .zh ? "（重复）" : "(repeat) ") : "",
    ]
    return Self.fill(t.byKind[n.kind] ?? "{text}", values.mapValues(escape))
  }

  /// Text that WeCom's and DingTalk's markdown shows as written: the
  /// characters that start emphasis, strike-through, code, links, headings
  /// and escapes get a backslash (a link needs its `[`, an image its `[` too); `<` and `>` (WeCom's `<font>` and `<@userid>` mentions, HTML,
  /// quotes) become their full-width forms; a line break becomes a space, so
  /// no user line can start a heading, a list or a quote.
  public static func markdownEscaped(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "\\", "`", "*", "_", "[", "]", "#", "~": out += "\\\(c)"
      case "<": out += "＜"
      case ">": out += "＞"
      case "\n", "\r", "\r\n": out += " "
      default: out.append(c)
      }
    }
    return out
  }

  /// Replaces `{name}` with its value; unknown names stay as written.
  static func fill(_ template: String, _ values: [String: String]) -> String {
    var out = ""
    var rest = Substring(template)
    while let open = rest.firstIndex(of: "{") {
      out += rest[..<open]
      guard let close = rest[open...].firstIndex(of: "}") else { break }
      let name = String(rest[rest.index(after: open)..<close])
      out += values[name] ?? "{\(name)}"
      rest = rest[rest.index(after: close)...]
    }
    return out + rest
  }

  /// Phones named by the notifications, for WeCom/DingTalk mentions.
  var phones: [String] {
    var seen = Set<String>()
    return notifications.compactMap(\.phone).filter { !$0.isEmpty && seen.insert($0).inserted }
  }

  /// The HTTP body for a webhook receiver, in its documented shape:
  /// WeCom `{"msgtype":"text","text":{"content":…,"mentioned_mobile_list":[…]}}`
  /// or `{"msgtype":"markdown","markdown":{"content":…}}`; DingTalk
  /// `{"msgtype":"text","text":{"content":…},"at":{"atMobiles":[…]}}` or
  /// `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`; or Cordon's JSON.
  public func body(_ format: Receiver.Format, _ type: Receiver.MessageType) -> Data {
    let object: [String: Any]
    switch (format, type) {
    case (.wecom, .text):
      var text: [String: Any] = ["content": self.text]
      if !phones.isEmpty { text["mentioned_mobile_list"] = phones }
      object = ["msgtype": "text", "text": text]
    case (.wecom, .markdown):
      object = ["msgtype": "markdown", "markdown": ["content": markdown]]
    case (.dingtalk, .text):
      var o: [String: Any] = ["msgtype": "text", "text": ["content": self.text]]
      if !phones.isEmpty { o["at"] = ["atMobiles": phones, "isAtAll": false] }
      object = o
    case (.dingtalk, .markdown):
      object = ["msgtype": "markdown", "markdown": ["title": ids.joined(separator: ","), "text": markdown]]
    case (.json, _):
      return json
    }
    return Self.encode(object)
  }

  /// Cordon's own JSON, also what an exec receiver reads on stdin.
  public var json: Data {
    Self.encode([
      "source": "cordon", "ids": ids, "text": text,
      "notifications": notifications.map { n -> [String: Any] in
        var o: [String: Any] = [
          "id": n.id, "kind": n.kind.rawValue, "severity": n.severity.name, "unit": n.unit,
          "subject": n.subject, "text": ["zh": n.text.zh, "en": n.text.en], "route": n.route,
          "queuedAt": n.queuedAt.milliseconds, "repeat": n.isRepeat,
        ]
        if let r = n.rule { o["rule"] = r.rawValue }
        if let p = n.person { o["person"] = p }
        if let p = n.phone { o["phone"] = p }
        return o
      },
    ])
  }

  static func encode(_ object: [String: Any]) -> Data {
    (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
  }

  /// An exec receiver's argv with placeholders filled from the first notification.
  public func arguments(_ command: [String]) -> [String] {
    guard let n = notifications.first else { return command }
    let values = [
      "phone": phones.joined(separator: ","), "person": n.person ?? "", "id": ids.joined(separator: ","),
      "severity": n.severity.name, "unit": n.unit, "kind": n.kind.rawValue,
    ]
    return command.map { Self.fill($0, values) }
  }
}
