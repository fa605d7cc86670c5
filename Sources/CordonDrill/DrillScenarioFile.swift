import CordonModel
import EventSourcing
import TOMLKit

/// One mistake in a scenario file: `FILE:LINE: KEY: reason`.
public typealias DrillIssue = FileIssue

public struct DrillIssues: Error, Sendable, CustomStringConvertible {
  public var issues: [DrillIssue]
  public init(_ issues: [DrillIssue]) { self.issues = issues }
  public var description: String { issues.map(\.description).joined(separator: "\n") }
}

extension DrillScenario {
  /// Every mistake of shape (unknown sections and keys, wrong types, bad
  /// durations, unknown commands or responses, references to no inject), in
  /// line order; a file without any gives the scenario.
  public static func parse(_ text: String, file: String, strings t: Strings) throws(DrillIssues) -> DrillScenario {
    guard text.utf8.count <= maxBytes else {
      throw DrillIssues([
        DrillIssue(
          file: file, line: nil, key: nil, message: t("drillfile.tooLarge", String(text.utf8.count), String(maxBytes)))
      ])
    }
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
      throw DrillIssues([DrillIssue(file: file, line: e.source.begin.line, key: nil, message: e.description)])
    } catch {
      throw DrillIssues([DrillIssue(file: file, line: nil, key: nil, message: "\(error)")])
    }
    var r = ScenarioReader(t: t, lines: TOMLKeyLines(text))
    let scenario = r.read(table, file: file)
    guard r.issues.isEmpty else {
      throw DrillIssues(
        r.issues.map { DrillIssue(file: file, line: $0.line, key: $0.key, message: $0.message) }
          .sorted { ($0.line ?? 0) < ($1.line ?? 0) })
    }
    return scenario
  }
}

struct ScenarioReader {
  let t: Strings
  let lines: TOMLKeyLines
  var issues: [(line: Int?, key: String?, message: String)] = []

  mutating func issue(_ line: Int?, _ key: String?, _ message: String) { issues.append((line, key, message)) }

  /// An entry of `[[section]]` (index ≥ 0) or the `[section]` table.
  struct Entry {
    let section: String
    let index: Int
    var name: String { index < 0 ? section : "\(section)[\(index + 1)]" }
  }

  func line(_ e: Entry, _ key: String? = nil) -> Int? {
    if e.index < 0 {
      return key.flatMap { lines.tableKeys[e.section]?[$0] } ?? lines.tableLine[e.section] ?? lines.topLevel[e.section]
    }
    return key.flatMap { lines.key(e.section, e.index, $0) } ?? lines.header(e.section, e.index)
  }

  mutating func read(_ table: TOMLTable, file: String) -> DrillScenario {
    var scenario = DrillScenario(
      file: file, name: LocalizedName(zh: "", en: ""), description: "", injects: [], expectations: [])
    let known = DrillScenario.sections
    for key in table.keys.sorted() where known[key] == nil {
      issue(
        lines.topLevel[key], key, t("orgfile.unknownSection", key, known.keys.sorted().joined(separator: ", ")))
    }
    if let d = table["drill"] {
      if let dt = d.table {
        let e = Entry(section: "drill", index: -1)
        unknownKeys(dt, e)
        scenario.name = LocalizedName(
          zh: string(dt, e, "name", required: true, max: Limits.name) ?? "",
          en: string(dt, e, "nameEn", max: Limits.name) ?? "")
        scenario.description = string(dt, e, "description", max: Limits.text) ?? ""
      } else {
        issue(lines.topLevel["drill"], "drill", t("orgfile.notTable", "drill"))
      }
    } else {
      issue(nil, "drill", t("orgfile.missing", "[drill]"))
    }
    var injectIDs: [String: Int] = [:]
    for (i, entry) in entries(table, "inject").enumerated() {
      let e = Entry(section: "inject", index: i)
      guard let it = entry else { continue }
      guard i < DrillScenario.maxInjects else {
        issue(line(e), e.name, t("drillfile.tooMany", "inject", String(DrillScenario.maxInjects)))
        break
      }
      unknownKeys(it, e)
      let id = string(it, e, "id", required: true, max: Limits.identifier) ?? ""
      if !id.isEmpty {
        if injectIDs[id] != nil { issue(line(e, "id"), "\(e.name).id", t("drillfile.duplicateID", id)) }
        injectIDs[id] = i
      }
      let at = duration(it, e, "at", required: true, range: 0...DrillScenario.maxOffsetSeconds) ?? 0
      let text = string(it, e, "text", max: Limits.name) ?? ""
      let actor = string(it, e, "actor", max: Limits.identifier) ?? "drill"
      let unit = string(it, e, "unit", max: Limits.identifier)
      var template = CommandTemplate(fields: [])
      if let c = it["command"] {
        if let ct = c.table {
          template = CommandTemplate(fields: Self.fields(ct))
          check(template, e, earlier: injectIDs.filter { $0.value < i })
        } else {
          issue(line(e, "command"), "\(e.name).command", t("orgfile.notTable", "command"))
        }
      } else {
        issue(line(e), "\(e.name).command", t("orgfile.missing", "command"))
      }
      scenario.injects.append(
        DrillScenario.Inject(
          id: id, offset: at, text: text, actor: actor, unit: unit, command: template, line: line(e, "command"),
          index: i))
    }
    if scenario.injects.isEmpty && table["inject"] == nil { issue(nil, "inject", t("orgfile.missing", "[[inject]]")) }
    var expectIDs = Set<String>()
    for (i, entry) in entries(table, "expect").enumerated() {
      let e = Entry(section: "expect", index: i)
      guard let et = entry else { continue }
      guard i < DrillScenario.maxExpectations else {
        issue(line(e), e.name, t("drillfile.tooMany", "expect", String(DrillScenario.maxExpectations)))
        break
      }
      unknownKeys(et, e)
      let id = string(et, e, "id", required: true, max: Limits.identifier) ?? ""
      if !id.isEmpty, !expectIDs.insert(id).inserted {
        issue(line(e, "id"), "\(e.name).id", t("drillfile.duplicateID", id))
      }
      let after = string(et, e, "after", required: true, max: Limits.identifier) ?? ""
      if !after.isEmpty, injectIDs[after] == nil {
        issue(
          line(e, "after"), "\(e.name).after",
          t("drillfile.unknownInject", after, injectIDs.keys.sorted().joined(separator: ", ")))
      }
      let within = duration(et, e, "within", required: true, range: 1...DrillScenario.maxOffsetSeconds) ?? 1
      var kind = DrillScenario.ResponseKind.logEntry
      if let word = string(et, e, "response", required: true, max: Limits.identifier) {
        if let k = DrillScenario.ResponseKind(rawValue: word) {
          kind = k
        } else {
          issue(
            line(e, "response"), "\(e.name).response",
            t(
              "drillfile.unknownResponse", word,
              DrillScenario.ResponseKind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
      }
      let alert = string(et, e, "alert", max: Limits.name)
      if [.alertAcknowledged, .alertResolved].contains(kind), alert == nil, et["alert"] == nil {
        issue(line(e, "response"), "\(e.name).alert", t("orgfile.missing", "alert"))
      }
      let item = string(et, e, "item", max: Limits.identifier)
      if kind == .stockReceived, item == nil, et["item"] == nil {
        issue(line(e, "response"), "\(e.name).item", t("orgfile.missing", "item"))
      }
      if [.requestDecided, .directiveAcknowledged, .reportAcknowledged].contains(kind),
        let j = injectIDs[after], let type = scenario.injects[j].command.type,
        type != Self.creates[kind]
      {
        issue(
          line(e, "response"), "\(e.name).response",
          t("drillfile.responseNeeds", kind.rawValue, Self.creates[kind] ?? "", after, type))
      }
      scenario.expectations.append(
        DrillScenario.Expectation(
          id: id, after: after, within: within, response: kind, text: string(et, e, "text", max: Limits.name) ?? "",
          alert: alert, unit: string(et, e, "unit", max: Limits.identifier), item: item, line: line(e)))
    }
    // Stable: among equal offsets, the file's order.
    scenario.injects = scenario.injects.enumerated().sorted {
      ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset)
    }
    .map(\.element)
    return scenario
  }

  /// The command type whose inject an expectation about it must follow.
  static let creates: [DrillScenario.ResponseKind: String] = [
    .requestDecided: "request", .directiveAcknowledged: "directive", .reportAcknowledged: "reportUp",
  ]

  /// The entries of `[[section]]`, nil for one that is not a table (named as an issue).
  mutating func entries(_ table: TOMLTable, _ section: String) -> [TOMLTable?] {
    guard let v = table[section] else { return [] }
    guard let array = v.array else {
      issue(lines.topLevel[section], section, t("orgfile.notEntries", section))
      return []
    }
    var out: [TOMLTable?] = []
    for (i, element) in array.enumerated() {
      if let table = element.table {
        out.append(table)
      } else {
        let e = Entry(section: section, index: i)
        issue(line(e), e.name, t("orgfile.notTable", section))
        out.append(nil)
      }
    }
    return out
  }

  mutating func unknownKeys(_ table: TOMLTable, _ e: Entry) {
    let known = DrillScenario.sections[e.section] ?? []
    for k in table.keys.sorted() where !known.contains(k) {
      issue(line(e, k), "\(e.name).\(k)", t("orgfile.unknownKey", k, known.sorted().joined(separator: ", ")))
    }
  }

  mutating func string(_ table: TOMLTable, _ e: Entry, _ key: String, required: Bool = false, max: Int) -> String? {
    guard let v = table[key] else {
      if required { issue(line(e), "\(e.name).\(key)", t("orgfile.missing", key)) }
      return nil
    }
    guard let s = v.string else {
      issue(line(e, key), "\(e.name).\(key)", t("orgfile.wrongType", "string"))
      return nil
    }
    if required && s.isEmpty {
      issue(line(e, key), "\(e.name).\(key)", t("orgfile.missing", key))
      return nil
    }
    guard s.count <= max else {
      issue(line(e, key), "\(e.name).\(key)", t("refusal.field.tooLong", key, String(max), String(s.count)))
      return nil
    }
    return UserText.clean(s)
  }

  mutating func duration(_ table: TOMLTable, _ e: Entry, _ key: String, required: Bool, range: ClosedRange<Int>)
    -> Int?
  {
    guard let v = table[key] else {
      if required { issue(line(e), "\(e.name).\(key)", t("orgfile.missing", key)) }
      return nil
    }
    guard let s = v.string, let n = DrillDuration.seconds(s) else {
      issue(line(e, key), "\(e.name).\(key)", t("drillfile.badDuration", v.string ?? "\(v)"))
      return nil
    }
    guard range.contains(n) else {
      issue(
        line(e, key), "\(e.name).\(key)",
        t("drillfile.durationRange", s, DrillDuration.words(range.lowerBound), DrillDuration.words(range.upperBound)))
      return nil
    }
    return n
  }

  /// The inline table as command fields, `type` first, the rest by name.
  static func fields(_ table: TOMLTable) -> [(String, CommandTemplate.Value)] {
    let keys = table.keys.sorted { ($0 == "type" ? "" : $0) < ($1 == "type" ? "" : $1) }
    return keys.compactMap { k in table[k].map { (k, value($0)) } }
  }

  static func value(_ v: TOMLValueConvertible) -> CommandTemplate.Value {
    if let b = v.bool { return .bool(b) }
    if let i = v.int { return .number(String(i)) }
    if let d = v.double { return .number(d.description) }
    if let s = v.string { return .string(s) }
    if let a = v.array { return .array(a.map { value($0) }) }
    if let t = v.table { return .table(fields(t)) }
    // Dates and times: written as the text the JSON shapes read ("2026-12-01 08:00").
    return .string("\(v)")
  }

  /// The command decoded as `cordon post` would (fixed clock, references
  /// filled with a stand-in): an unknown type, a missing field or a wrong
  /// type is named at the command's line now, not when the drill reaches it.
  mutating func check(_ template: CommandTemplate, _ e: Entry, earlier: [String: Int]) {
    for r in template.references where earlier[r] == nil {
      issue(
        line(e, "command"), "\(e.name).command",
        t("drillfile.unknownInject", r, earlier.keys.sorted().joined(separator: ", ")))
    }
    if let type = template.type, CommandJSON.drillTypes.contains(type) {
      issue(line(e, "command"), "\(e.name).command.type", t("drillfile.markerCommand", type))
      return
    }
    let calendar = LocalCalendar(utcOffsetMinutes: 480)
    let stand = Dictionary(uniqueKeysWithValues: earlier.keys.map { ($0, "x") })
    let json = template.render(at: Instant(milliseconds: 1_767_225_600_000), calendar: calendar, created: stand)
    do {
      _ = try CommandJSON.decode(json, calendar: calendar)
    } catch {
      let key = "\(e.name).command" + (error.field.map { ".\($0)" } ?? "")
      issue(line(e, "command"), key, t.refusal(error))
    }
  }
}
