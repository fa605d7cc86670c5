import CordonModel
import CordonNotify
import EventSourcing
import Foundation
import XCTest

/// Bodies against the robots' documented shapes, templates, redaction, back-off.
final class MessageTests: XCTestCase {
  let calendar = CordonState().calendar
  func note(_ id: String, phone: String? = nil, kind: NotificationKind = .escalation) -> Notice {
    Notice(
      id: id, kind: kind, severity: .critical, unit: "jy", rule: .fever, subject: "fever/x",
      text: LocalizedName(zh: "发热：张三", en: "Fever: Zhang San"), person: "p1", phone: phone, route: "r",
      receivers: ["x"], due: Instant(seconds: 1_580_000_000), queuedAt: Instant(seconds: 1_580_000_000))
  }

  func object(_ data: Data) throws -> [String: Any] {
    try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  func testWeComTextAndMarkdown() throws {
    let m = Message([note("N7", phone: "13800000001")], templates: .defaults(.zh), calendar: calendar)
    let text = try object(m.body(.wecom, .text))
    XCTAssertEqual(Set(text.keys), ["msgtype", "text"])
    XCTAssertEqual(text["msgtype"] as? String, "text")
    let t = try XCTUnwrap(text["text"] as? [String: Any])
    XCTAssertEqual(t["mentioned_mobile_list"] as? [String], ["13800000001"])
    let content = try XCTUnwrap(t["content"] as? String)
    XCTAssertTrue(content.hasPrefix("【升级·紧急】jy：发热：张三"), content)
    XCTAssertTrue(content.contains("13800000001") && content.contains("N7"), content)
    let md = try object(m.body(.wecom, .markdown))
    XCTAssertEqual(md["msgtype"] as? String, "markdown")
    XCTAssertEqual((md["markdown"] as? [String: Any])?["content"] as? String, content)
  }

  func testDingTalkTextAndMarkdown() throws {
    let m = Message([note("N7", phone: "13800000001")], templates: .defaults(.en), calendar: calendar)
    let text = try object(m.body(.dingtalk, .text))
    XCTAssertEqual(Set(text.keys), ["msgtype", "text", "at"])
    XCTAssertEqual(text["msgtype"] as? String, "text")
    XCTAssertEqual(((text["text"] as? [String: Any])?["content"] as? String)?.hasPrefix("[escalated · critical]"), true)
    XCTAssertEqual((text["at"] as? [String: Any])?["atMobiles"] as? [String], ["13800000001"])
    let md = try object(m.body(.dingtalk, .markdown))
    XCTAssertEqual(md["msgtype"] as? String, "markdown")
    let body = try XCTUnwrap(md["markdown"] as? [String: Any])
    XCTAssertEqual(Set(body.keys), ["title", "text"])
  }

  /// User text in a markdown body is shown as typed: no bold, link, code,
  /// heading, quote, `<font>` or `<@all>` mention of its own; the template's markup stays.
  func testUserTextIsEscapedInMarkdownBodiesOnly() throws {
    var n = note("N9", kind: .directive)
    let hostile =
      "**全员** [点此](http://evil.example) `x` <@all> <font color=\"warning\">假</font> ~~删~~ \\*\n# 标题\n> 引用 _斜_"
    n.text = LocalizedName(zh: hostile, en: hostile)
    n.unit = "jy*"
    var templates = Templates.defaults(.zh)
    templates.byKind[.directive] = "**指令** {unit}\n{text}"
    let m = Message([n], templates: templates, calendar: calendar)
    XCTAssertEqual(m.text, "**指令** jy*\n" + hostile, "a text body carries the text as it is")
    let expected =
      ##"**指令** jy\*"## + "\n"
      + ##"\*\*全员\*\* \[点此\](http://evil.example) \`x\` ＜@all＞ ＜font color="warning"＞假＜/font＞ \~\~删\~\~ \\\* \# 标题 ＞ 引用 \_斜\_"##
    for (format, path) in [(Receiver.Format.wecom, "content"), (.dingtalk, "text")] {
      let md = try object(m.body(format, .markdown))
      let content = try XCTUnwrap((md["markdown"] as? [String: Any])?[path] as? String)
      XCTAssertEqual(content, expected, "\(format)")
      XCTAssertFalse(content.contains("<") || content.contains(">"), content)
      XCTAssertEqual(content.split(separator: "\n").count, 2, "the user's line breaks are spaces: \(content)")
      let text = try object(m.body(format, .text))
      XCTAssertEqual((text["text"] as? [String: Any])?["content"] as? String, m.text)
    }
    XCTAssertEqual(Message.markdownEscaped("38.5 °C, 张三-1"), "38.5 °C, 张三-1", "ordinary text is untouched")
  }

  func testAGroupIsOneMessageWithEveryId() throws {
    let m = Message(
      [note("N1", kind: .alert), note("N2", kind: .alert)], templates: .defaults(.en), calendar: calendar)
    XCTAssertEqual(m.ids, ["N1", "N2"])
    XCTAssertTrue(m.text.hasPrefix("Cordon: 2 notifications\n"), m.text)
    let json = try object(m.json)
    XCTAssertEqual(json["ids"] as? [String], ["N1", "N2"])
    XCTAssertEqual((json["notifications"] as? [[String: Any]])?.count, 2)
  }

  func testRedaction() {
    XCTAssertEqual(
      Redactor.url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
      "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…")
    XCTAssertEqual(Redactor.url("https://u:p@host/x"), "https://host/x")
    let line = Redactor.redact(
      "failed POST https://h/send?key=SECRETKEY (Authorization: TOKEN123)\nnext", secrets: ["TOKEN123"])
    XCTAssertEqual(line, "failed POST https://h/send?… (Authorization: …) next")
    XCTAssertEqual(
      Redactor.redact(String(repeating: "x", count: 500), secrets: []).count, DeliveryOutcome.maxErrorLength)
  }

  func testBackOffDoublesAndIsCapped() {
    let r = Receiver(
      name: "r", kind: .exec(command: ["/bin/true"]), retryInitialMilliseconds: 1000, retryMaxMilliseconds: 300_000)
    XCTAssertEqual((1...6).map { r.backoffMilliseconds(afterFailures: $0) }, [1000, 2000, 4000, 8000, 16000, 32000])
    XCTAssertEqual(r.backoffMilliseconds(afterFailures: 40), 300_000)
    XCTAssertEqual(r.backoffMilliseconds(afterFailures: Int.max), 300_000)
  }
}
