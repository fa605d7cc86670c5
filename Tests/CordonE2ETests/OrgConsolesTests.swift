import Foundation
import XCTest

/// The organisation view over a real `cordon serve`, in tmux: the command
/// role adds a site to a unit in `:org`, a second console shows the new site
/// live, and an operator (a real OS user) is refused the view.
final class OrgConsolesTests: XCTestCase {
  func testTheCommandRoleAddsASiteInOrgAndASecondConsoleSeesItLive() throws {
    let served = try ServedConsoles(
      self, prefix: "cog",
      seed: [
        #"{"type":"addUnit","id":"hq","name":"集团机关","nameEn":"Group HQ","headquarters":true}"#,
        #"{"type":"addUnit","id":"jinyuan","name":"金源物业","nameEn":"Jinyuan Property","key":true}"#,
        #"{"type":"addSite","id":"jy-north","name":"北门岗","unit":"jinyuan","kind":"compound"}"#,
      ], operatorUnit: "jinyuan")
    // Two consoles of the command role (the server's own account) and the operator's.
    let admin = try served.commandConsole(self, width: 80, height: 24)
    let watcher = try served.commandConsole(self, arguments: "--lang en", width: 120, height: 36)
    let unit = try served.operatorConsole(self, width: 80, height: 24)
    for t in [admin, watcher, unit] {
      try t.waitFor("the console's first frame", timeout: 20) { s in
        s.lines.first?.contains("Cordon") == true && s.contains("└")
      }
    }
    try watcher.waitFor(text: "北门岗", timeout: 20)

    // The operator is refused the view, by its role.
    try unit.waitFor(text: "@金源物业", timeout: 20)
    try unit.send(":")
    try unit.type("org")
    try unit.send("Enter")
    try unit.waitFor(text: "组织管理仅限指挥角色（当前：操作员）")

    // The command role: :org, into 金源物业, add a site.
    try admin.send(":")
    try admin.type("org")
    try admin.send("Enter")
    try admin.waitFor(text: "[组织管理]")
    try admin.send("Down", "Enter")
    try admin.waitFor(text: "只看：金源物业")
    try admin.send("a")
    try admin.waitFor(text: "新增点位")
    try admin.type("jy-east")
    try admin.send("Tab")
    try admin.type("东门岗")
    try admin.send("Tab")
    try admin.type("East gate")
    // Enter moves field by field, and saves on the last.
    for _ in 0..<9 { try admin.send("Enter") }
    let sent = Date()
    let saved = try admin.waitFor("the new site in the view", timeout: 15) {
      $0.contains("jy-east") && !$0.contains("新增点位")
    }
    XCTAssertTrue(saved.contains("东门岗"), "\(saved)")
    XCTAssertTrue(saved.contains("只看：金源物业"), "back on the view where it was\n\(saved)")

    // The second console shows it, live, without a key pressed.
    let seen = try watcher.waitFor("the new site on the second console", timeout: 15) { $0.contains("East gate") }
    XCTAssertLessThan(Date().timeIntervalSince(sent), 15)
    assertEveryLineFits(seen, "the watcher at 120x36")
    assertEveryLineFits(try admin.capture(), "the admin at 80x24")
  }
}
