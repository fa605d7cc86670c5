import CordonModel
import CordonNotify
import CordonServer
import XCTest

/// `[[receivers]]` and `[[routes]]` beside `[users]`: every mistake names the
/// file and the key, and never echoes a secret.
final class NotifyConfigTests: XCTestCase {
  let good = """
    [users]
    zhang = "command"

    [notify]
    language = "en"

    [[receivers]]
    name = "duty-wecom"
    type = "webhook"
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY"
    format = "wecom"
    message = "markdown"
    headers = { Authorization = "Bearer TOKEN" }
    timeout = "5s"

    [[receivers]]
    name = "sms"
    type = "exec"
    command = ["/usr/local/bin/sms-gw", "--to", "{phone}"]
    retry_initial = "500ms"
    retry_max = "2m"

    [[routes]]
    severity = ["critical"]
    receivers = ["duty-wecom", "sms"]

    [[routes]]
    name = "night-warnings"
    severity = "warning"
    rule = ["stockLow", "roundOverdue"]
    unit = ["jy"]
    kind = ["alert"]
    receivers = ["duty-wecom"]
    quiet_hours = "23:00-07:00"
    group_wait = "30s"
    repeat_interval = "2h"
    """

  func testAFullConfigParses() throws {
    let c = try AccessConfig.parse(good, file: "cordon.toml")
    XCTAssertEqual(c.users["zhang"]?.role, .command)
    let n = c.notify
    XCTAssertEqual(n.templates.language, .en)
    XCTAssertEqual(n.receivers.map(\.name), ["duty-wecom", "sms"])
    XCTAssertEqual(
      n.receivers[0].kind,
      .webhook(
        url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY", format: .wecom, messageType: .markdown,
        headers: ["Authorization": "Bearer TOKEN"]))
    XCTAssertEqual(n.receivers[0].timeoutMilliseconds, 5000)
    XCTAssertEqual(n.receivers[1].kind, .exec(command: ["/usr/local/bin/sms-gw", "--to", "{phone}"]))
    XCTAssertEqual(n.receivers[1].retryInitialMilliseconds, 500)
    XCTAssertEqual(n.receivers[1].retryMaxMilliseconds, 120_000)
    XCTAssertEqual(n.routing.receivers, ["duty-wecom", "sms"])
    let r = n.routing.routes
    XCTAssertEqual(r[0].name, "route-1")
    XCTAssertEqual(r[0].severities, [.critical])
    XCTAssertEqual(r[0].groupWaitSeconds, 60)
    XCTAssertEqual(r[0].repeatIntervalMinutes, 240)
    XCTAssertEqual(r[1].name, "night-warnings")
    XCTAssertEqual(r[1].severities, [.warning])
    XCTAssertEqual(r[1].rules, [.stockLow, .roundOverdue])
    XCTAssertEqual(r[1].units, ["jy"])
    XCTAssertEqual(r[1].kinds, [.alert])
    XCTAssertEqual(r[1].quietHours, QuietHours(startMinute: 23 * 60, endMinute: 7 * 60))
    XCTAssertEqual(r[1].groupWaitSeconds, 30)
    XCTAssertEqual(r[1].repeatIntervalMinutes, 120)
  }

  func testEveryMistakeNamesTheFileAndTheKeyAndNoSecret() {
    let cases: [(String, String)] = [
      ("[[receivers]]\ntype = \"webhook\"\nurl = \"https://h/x\"", "f.toml: receivers[1].name is required"),
      ("[[receivers]]\nname = \"a b\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]", "receivers[1].name must be"),
      ("[[receivers]]\nname = \"a\"\ntype = \"smtp\"", "receivers[1].type: unknown 'smtp' (webhook, exec)"),
      ("[[receivers]]\nname = \"a\"\ntype = \"webhook\"", "receivers[1].url is required"),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"webhook\"\nurl = \"ftp://h/x?key=SECRET-KEY\"",
        "receivers[1].url must be an http:// or https:// address"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"webhook\"\nurl = \"https://h/x\"\nformat = \"slack\"",
        "receivers[1].format: unknown 'slack' (wecom, dingtalk, json)"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"webhook\"\nurl = \"https://h/x\"\ntimeout = \"10 minutes\"",
        "receivers[1].timeout must be a duration"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"webhook\"\nurl = \"https://h/x\"\nheaders = { X = \"SECRET-KEY\\nY\" }",
        "receivers[1].headers.X must be a one-line string"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"sms-gw\"]",
        "receivers[1].command[1] must be an absolute path"
      ),
      ("[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = \"/bin/sms\"", "receivers[1].command must be a list"),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]\nport = 1",
        "receivers[1]: unknown key 'port'"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]\n[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]",
        "receivers[2].name: 'a' is already used"
      ),
      ("[[routes]]\nreceivers = [\"ghost\"]", "routes[1].receivers: no receiver named 'ghost'"),
      ("[[routes]]\nseverity = [\"critical\"]", "routes[1].receivers must name at least one receiver"),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]\n[[routes]]\nreceivers = [\"a\"]\nseverity = [\"urgent\"]",
        "routes[1].severity: unknown 'urgent' (info, warning, critical)"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]\n[[routes]]\nreceivers = [\"a\"]\nquiet_hours = \"25:00-07:00\"",
        "routes[1].quiet_hours must be \"HH:MM-HH:MM\""
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]\n[[routes]]\nreceivers = [\"a\"]\nrepeat_interval = \"30s\"",
        "routes[1].repeat_interval must be a duration like \"500ms\", \"10s\", \"5m\" or \"4h\" between 1m and 24h"
      ),
      (
        "[[receivers]]\nname = \"a\"\ntype = \"exec\"\ncommand = [\"/bin/a\"]\n[[routes]]\nreceivers = [\"a\"]\ngroup_wait = \"99999999999999999999s\"",
        "routes[1].group_wait must be a duration"
      ),
      ("[notify]\nlanguage = \"fr\"", "notify.language must be \"zh\" or \"en\""),
      ("[receivers]\nname = \"a\"", "'receivers' must be written [[receivers]]"),
    ]
    for (text, expected) in cases {
      XCTAssertThrowsError(try AccessConfig.parse(text, file: "f.toml"), expected) { error in
        let message = "\(error)"
        XCTAssertTrue(message.hasPrefix("f.toml: "), message)
        XCTAssertTrue(message.contains(expected), "\(message)\n  expected: \(expected)")
        XCTAssertFalse(message.contains("SECRET-KEY"), message)
      }
    }
  }

  func testTheShippedTemplatesLoadAndEveryKindHasOne() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("deploy/notify")
    for lang in Language.allCases {
      let text = """
        [notify]
        language = "\(lang.rawValue)"
        templates = "\(dir.path)"
        """
      let t = try AccessConfig.parse(text, file: "f.toml").notify.templates
      XCTAssertEqual(t.language, lang)
      XCTAssertEqual(Set(t.byKind.keys), Set(NotificationKind.allCases))
      XCTAssertEqual(t, Templates.defaults(lang), "the shipped files are the built-in defaults, to edit")
    }
  }
}
