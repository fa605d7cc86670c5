import CordonModel
import EventSourcing
import Foundation
import TOMLKit

/// An organisation file (`cordon init --org FILE`, `deploy/org.example.toml`):
/// `[settings]`, then `[[units]]`, `[[sites]]`, `[[items]]` and `[[people]]`
/// entries. Reading it only parses: it becomes one all-or-nothing batch of
/// the administration commands, which `CommandValidator` checks like any
/// other, and a refusal is turned back into the file's line and key.
public struct OrganisationFile: Sendable {
  /// One mistake: `FILE:LINE: KEY: reason`.
  public typealias Issue = FileIssue

  /// The batch: settings first, then units (parents before children), sites, items, people.
  public var command: CordonCommand
  /// Which entry of the file each command of the batch came from.
  var entries: [Entry]
  public var file: String
  public var counts: (units: Int, sites: Int, items: Int, people: Int)
  /// The file's text: its line numbers are worked out only when there is a
  /// mistake to name (a group of 100,000 people is an 11 MiB file).
  let text: String

  /// An entry: `[[section]]` number `index` (0-based), or the `[section]` table when negative.
  struct Entry: Sendable {
    var section: String
    var index: Int
    var name: String { index < 0 ? section : "\(section)[\(index + 1)]" }
  }

  /// Where a mistake is: a top-level key, an entry's header, or a key of an entry.
  enum Place: Sendable {
    case none
    case top(String)
    case header(Entry)
    case key(Entry, String)
  }

  /// The refused entry's line and the key at fault (the refusal's field).
  public func issue(for refusal: Refusal, strings t: Strings) -> Issue {
    let entry = refusal.batchIndex.flatMap { entries.indices.contains($0) ? entries[$0] : nil }
    guard let entry else { return Issue(file: file, line: nil, key: nil, message: t.refusal(refusal)) }
    let lines = LineMap(text)
    let named = refusal.field.flatMap { lines.written(entry, $0) != nil ? $0 : nil }
    return Issue(
      file: file, line: lines.line(named.map { .key(entry, $0) } ?? .header(entry)),
      key: named.map { "\(entry.name).\($0)" } ?? entry.name, message: t.refusal(refusal))
  }

  // MARK: Reading

  static let sections: [String: Set<String>] = [
    "settings": [
      "feverThreshold", "plausibleMin", "plausibleMax", "ackTimeoutMinutes", "maxEscalations", "restHours",
      "coverageLeadMinutes", "lowCoverDays", "signInGraceMinutes",
      "handoverConfirmMinutes", "fundApprovalThreshold",
    ],
    "units": ["id", "name", "nameEn", "key", "headquarters", "parent", "reserve"],
    "sites": [
      "id", "name", "nameEn", "unit", "kind", "roundsPerDay", "disinfectionsPerDay", "reportIntervalMinutes", "open",
      "staff", "requiredStaff",
    ],
    "items": ["id", "name", "nameEn", "measure", "measureEn", "fractions", "minimum"],
    "people": ["id", "name", "unit", "phone", "categories"],
    // What inspectors check at a site of each kind (issue 17); a kind left out has the default.
    "checklists": ["kind", "items"],
  ]

  public static func load(path: String, strings t: Strings) throws(IssueList) -> OrganisationFile {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw IssueList([
        Issue(file: path, line: nil, key: nil, message: t("orgfile.unreadable", "\(error.localizedDescription)"))
      ])
    }
    return try parse(text, file: path, strings: t)
  }

  /// Every mistake the file's shape shows (unknown keys, wrong types, missing
  /// keys, no headquarters), in line order; a file without any gives the batch.
  public static func parse(_ text: String, file: String, strings t: Strings) throws(IssueList) -> OrganisationFile {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
      throw IssueList([Issue(file: file, line: e.source.begin.line, key: nil, message: e.description)])
    } catch {
      throw IssueList([Issue(file: file, line: nil, key: nil, message: "\(error)")])
    }
    // One walk over the parsed tables; the order of the batch does not depend on it.
    var reader = Reader(t: t)
    for key in table.keys.sorted() {
      guard let known = sections[key] else {
        reader.issue(
          .top(key), key: key, t("orgfile.unknownSection", key, sections.keys.sorted().joined(separator: ", ")))
        continue
      }
      guard let value = table[key] else { continue }
      if key == "settings" {
        guard let s = value.table else {
          reader.issue(.top(key), key: key, t("orgfile.notTable", key))
          continue
        }
        reader.settings(s, known: known)
      } else {
        guard let array = value.array else {
          reader.issue(.top(key), key: key, t("orgfile.notEntries", key))
          continue
        }
        for (i, element) in array.enumerated() {
          guard let entry = element.table else {
            let e = Entry(section: key, index: i)
            reader.issue(.header(e), key: e.name, t("orgfile.notTable", key))
            continue
          }
          reader.entry(key, i, entry, known: known)
        }
      }
    }
    reader.finish()
    if !reader.issues.isEmpty {
      let lines = LineMap(text)
      let issues = reader.issues.map { Issue(file: file, line: lines.line($0.place), key: $0.key, message: $0.message) }
      throw IssueList(issues.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
    }
    let batch = reader.commands.map(\.0)
    return OrganisationFile(
      command: .batch(batch), entries: reader.commands.map(\.1), file: file,
      counts: (reader.unitCount, reader.siteCount, reader.itemCount, reader.peopleCount), text: text)
  }

  public struct IssueList: Error, Sendable, CustomStringConvertible {
    public var issues: [Issue]
    init(_ issues: [Issue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
  }

  /// Where keys are written (`TOMLKeyLines`): TOMLKit gives values, not positions.
  struct LineMap {
    let index: TOMLKeyLines
    init(_ text: String) { index = TOMLKeyLines(text) }

    /// The line of a place: a key's own line, else its entry's header.
    func line(_ place: Place) -> Int? {
      switch place {
      case .none: return nil
      case .top(let k): return index.topLevel[k]
      case .header(let e):
        return e.index < 0 ? index.tableLine[e.section] ?? index.topLevel[e.section] : index.header(e.section, e.index)
      case .key(let e, let k): return written(e, k) ?? line(.header(e))
      }
    }
    /// Where the entry wrote `key`, if it did.
    func written(_ e: Entry, _ key: String) -> Int? {
      e.index < 0 ? index.tableKeys[e.section]?[key] : index.key(e.section, e.index, key)
    }
  }

  /// Reads entries into commands, collecting every issue.
  struct Reader {
    let t: Strings
    /// Mistakes by place; their lines are looked up only if there are any.
    var issues: [(place: Place, key: String?, message: String)] = []
    var commands: [(CordonCommand, Entry)] = []
    var settingsCommand: (CordonCommand, Entry)?
    var units: [(OrgUnit, Entry)] = []
    var sites: [(CordonCommand, Entry)] = []
    var items: [(CordonCommand, Entry)] = []
    var people: [(CordonCommand, Entry)] = []
    var checklists: [(CordonCommand, Entry)] = []
    var unitCount: Int { units.count }
    var siteCount: Int { sites.count }
    var itemCount: Int { items.count }
    var peopleCount: Int { people.count }

    mutating func issue(_ place: Place, key: String?, _ message: String) {
      issues.append((place, key, message))
    }

    /// Typed access to one entry; a wrong type or a missing key is an issue.
    struct Fields {
      let table: TOMLTable
      let entry: Entry
      let name: String
      var issues: [(Place, String, String)] = []
      let t: Strings

      func line(_ k: String) -> Place { .key(entry, k) }
      mutating func wrong(_ k: String, _ expected: String) {
        issues.append((line(k), "\(name).\(k)", t("orgfile.wrongType", expected)))
      }
      mutating func string(_ k: String, required: Bool = false) -> String? {
        guard let v = table[k] else {
          if required { issues.append((.header(entry), "\(name).\(k)", t("orgfile.missing", k))) }
          return nil
        }
        guard let s = v.string else {
          wrong(k, "string")
          return nil
        }
        return s
      }
      mutating func bool(_ k: String) -> Bool? {
        guard let v = table[k] else { return nil }
        guard let b = v.bool else {
          wrong(k, "true/false")
          return nil
        }
        return b
      }
      mutating func int(_ k: String) -> Int? {
        guard let v = table[k] else { return nil }
        guard let i = v.int else {
          wrong(k, "whole number")
          return nil
        }
        return i
      }
      /// A TOML float or integer, read through its decimal text.
      private func decimal(_ k: String) -> String? {
        guard let v = table[k] else { return nil }
        if let i = v.int { return String(i) }
        if let d = v.double { return String(d) }
        return v.string
      }
      mutating func celsius(_ k: String) -> Celsius? {
        guard table[k] != nil else { return nil }
        guard let text = decimal(k), let c = Celsius(parsing: text) else {
          wrong(k, "temperature such as 37.3")
          return nil
        }
        return c
      }
      /// Yuan, to the fen: "5000.00" or 5000.
      mutating func money(_ k: String) -> Money? {
        guard table[k] != nil else { return nil }
        guard let text = decimal(k), case .success(let m) = Money.parse(text) else {
          wrong(k, "amount in yuan such as 5000.00")
          return nil
        }
        return m
      }
      mutating func quantity(_ k: String) -> Quantity? {
        guard table[k] != nil else { return nil }
        guard let text = decimal(k), let q = Quantity(parsing: text) else {
          wrong(k, "number")
          return nil
        }
        return q
      }
      mutating func strings(_ k: String) -> [String]? {
        guard let v = table[k] else { return nil }
        if let one = v.string { return [one] }
        guard let a = v.array else {
          wrong(k, "list of strings")
          return nil
        }
        var out: [String] = []
        for e in a {
          guard let s = e.string else {
            wrong(k, "list of strings")
            return nil
          }
          out.append(s)
        }
        return out
      }
    }

    mutating func fields(_ section: String, _ i: Int, _ table: TOMLTable, known: Set<String>) -> Fields {
      let entry = Entry(section: section, index: i)
      // TOMLKit copies every key out of the table on each `keys`: once an entry.
      let unknown = table.keys.filter { !known.contains($0) }
      for k in unknown.sorted() {
        issue(
          .key(entry, k), key: "\(entry.name).\(k)", t("orgfile.unknownKey", k, known.sorted().joined(separator: ", ")))
      }
      return Fields(table: table, entry: entry, name: entry.name, t: t)
    }

    mutating func collect(_ f: Fields) {
      for (place, key, message) in f.issues { issue(place, key: key, message) }
    }

    mutating func settings(_ table: TOMLTable, known: Set<String>) {
      var f = fields("settings", -1, table, known: known)
      let c = SettingsChanges(
        feverThreshold: f.celsius("feverThreshold"), plausibleMin: f.celsius("plausibleMin"),
        plausibleMax: f.celsius("plausibleMax"), ackTimeoutMinutes: f.int("ackTimeoutMinutes"),
        maxEscalations: f.int("maxEscalations"), restHours: f.int("restHours"),
        coverageLeadMinutes: f.int("coverageLeadMinutes"), lowCoverDays: f.int("lowCoverDays"),
        signInGraceMinutes: f.int("signInGraceMinutes"), handoverConfirmMinutes: f.int("handoverConfirmMinutes"),
        fundApprovalThreshold: f.money("fundApprovalThreshold"))
      collect(f)
      settingsCommand = (.changeSettings(c), f.entry)
    }

    mutating func entry(_ section: String, _ i: Int, _ table: TOMLTable, known: Set<String>) {
      var f = fields(section, i, table, known: known)
      switch section {
      case "units":
        let u = OrgUnit(
          id: f.string("id", required: true) ?? "",
          name: LocalizedName(zh: f.string("name", required: true) ?? "", en: f.string("nameEn") ?? ""),
          isKey: f.bool("key") ?? false, isHeadquarters: f.bool("headquarters") ?? false, parent: f.string("parent"),
          holdsReserve: f.bool("reserve") ?? false)
        units.append((u, f.entry))
      case "sites":
        let kindText = f.string("kind", required: true)
        var kind = SiteKind.other
        if let kindText {
          if let k = SiteKind(word: kindText) {
            kind = k
          } else {
            f.issues.append(
              (
                f.line("kind"), "\(f.name).kind",
                t("orgfile.unknownKind", kindText, SiteKind.allCases.map(\.rawValue).joined(separator: ", "))
              ))
          }
        }
        let spec = SiteSpec(
          id: f.string("id", required: true) ?? "", unit: f.string("unit", required: true) ?? "",
          name: LocalizedName(zh: f.string("name", required: true) ?? "", en: f.string("nameEn") ?? ""), kind: kind,
          roundsPerDay: f.int("roundsPerDay") ?? 2, disinfectionsPerDay: f.int("disinfectionsPerDay"),
          reportIntervalMinutes: f.int("reportIntervalMinutes") ?? 240, staffOnPost: f.int("staff") ?? 2,
          requiredStaff: f.int("requiredStaff"))
        sites.append((.addSite(spec, open: f.bool("open") ?? true), f.entry))
      case "items":
        let item = SupplyItem(
          id: f.string("id", required: true) ?? "",
          name: LocalizedName(zh: f.string("name", required: true) ?? "", en: f.string("nameEn") ?? ""),
          unitOfMeasure: LocalizedName(zh: f.string("measure", required: true) ?? "", en: f.string("measureEn") ?? ""),
          wholePieces: !(f.bool("fractions") ?? false), defaultMinimum: f.quantity("minimum") ?? .zero)
        items.append((.addItem(item), f.entry))
      case "checklists":
        let kindText = f.string("kind", required: true) ?? ""
        let kind = SiteKind(word: kindText)
        if kind == nil, !kindText.isEmpty {
          f.issues.append(
            (
              f.line("kind"), "\(f.name).kind",
              t("orgfile.unknownKind", kindText, SiteKind.allCases.map(\.rawValue).joined(separator: ", "))
            ))
        }
        let list = f.strings("items") ?? []
        if f.table["items"] == nil {
          f.issues.append((.header(f.entry), "\(f.name).items", t("orgfile.missing", "items")))
        }
        checklists.append((.setChecklist(kind: kind ?? .other, items: list), f.entry))
      default:
        var categories: [PersonCategory] = []
        for w in f.strings("categories") ?? [] {
          if let c = PersonCategory(word: w) {
            categories.append(c)
          } else {
            f.issues.append(
              (
                f.line("categories"), "\(f.name).categories",
                t("orgfile.unknownCategory", w, PersonCategory.knownWords)
              ))
          }
        }
        let p = Person(
          id: f.string("id") ?? "", name: f.string("name", required: true) ?? "",
          unit: f.string("unit", required: true) ?? "", phone: f.string("phone") ?? "", categories: categories)
        people.append((.addPerson(p), f.entry))
      }
      collect(f)
    }

    /// Headquarters (exactly one: the validator refuses a second), and the
    /// units in an order where each parent comes before its children.
    mutating func finish() {
      if !units.isEmpty, !units.contains(where: { $0.0.isHeadquarters }) {
        issue(.top("units"), key: "units.headquarters", t("orgfile.noHeadquarters"))
      }
      if units.isEmpty { issue(.none, key: "units", t("orgfile.noUnits")) }
      // In file order, each unit once its parent is placed; by entry, not by
      // id, so a duplicate id still reaches the validator, which names it.
      var placed = Set<String>()
      var done = Set<Int>()
      var ordered: [(OrgUnit, Entry)] = []
      let ids = Set(units.map(\.0.id))
      var progress = true
      while progress && done.count < units.count {
        progress = false
        for i in units.indices where !done.contains(i) {
          guard units[i].0.parent.map({ !ids.contains($0) || placed.contains($0) }) ?? true else { continue }
          placed.insert(units[i].0.id)
          done.insert(i)
          ordered.append(units[i])
          progress = true
        }
      }
      for i in units.indices where !done.contains(i) {
        let e = units[i].1
        issue(
          .key(e, "parent"), key: "\(e.name).parent",
          t("orgfile.parentCycle", units[i].0.id))
      }
      if let s = settingsCommand { commands.append(s) }
      commands += ordered.map { (.addUnit($0.0), $0.1) }
      commands += sites + items + people + checklists
    }
  }
}
