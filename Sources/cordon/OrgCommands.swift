import ArgumentParser
import CordonModel
import CordonStore
import CordonTUI
import Foundation

/// `cordon init --org FILE`: a new group's organisation, from one file, in one atomic batch.
struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create the organisation in an empty store from an organisation file (TOML).",
    discussion: """
      The file lists [settings], [[units]], [[sites]], [[items]] and optionally [[people]]; \
      deploy/org.example.toml is a commented example to start from. Every mistake is named as \
      FILE:LINE: KEY: reason, and nothing is written unless the whole file is right. A store that \
      already has an organisation is refused.
      """)

  @Option(name: .long, help: "The organisation file.") var org: String
  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Language of messages: zh or en.") var lang: String = "zh"

  func validate() throws {
    guard Language(rawValue: lang) != nil else { throw ValidationError("--lang must be zh or en") }
  }

  func run() throws {
    let t = Strings(Language(rawValue: lang) ?? .zh)
    // The file is read and checked before the store is opened: a bad file never creates a data directory.
    let file: OrganisationFile
    do { file = try OrganisationFile.load(path: org, strings: t) } catch {
      throw OrgRunner.failure(error.issues, strings: t)
    }
    // The store checks the batch, once, as it commits it (against the empty
    // state only an empty store has). What this command created is removed
    // when the batch is refused, so a refused file leaves no data directory
    // behind and an existing one as it was.
    let directory = location.directory()
    let existed = FileManager.default.fileExists(atPath: directory.path)
    let before = Set((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    let store = try location.openStore()
    let state = store.state
    guard !state.hasOrganisation else {
      store.close()
      throw Fatal(
        description: t("orgfile.hasOrganisation", directory.path, String(state.orderedUnits.count)), code: 1)
    }
    let outcome = submitAndWait(file.command, to: store, actor: currentUser(), unit: nil, commandID: nil)
    store.close()
    switch outcome {
    case .success:
      let c = file.counts
      print(t("orgfile.created", String(c.units), String(c.sites), String(c.items), String(c.people)))
    case .failure(.refused(let r)):
      Self.removeCreated(in: directory, existed: existed, before: before)
      throw OrgRunner.failure([file.issue(for: r, strings: t)], strings: t)
    case .failure(let other): throw Fatal(description: "\(org): \(t.refusal(other.refusal))", code: 1)
    }
  }

  /// Removes what opening the store created: the directory when it was not
  /// there before, else only the entries that were not.
  static func removeCreated(in directory: URL, existed: Bool, before: Set<String>) {
    let fm = FileManager.default
    guard existed else {
      try? fm.removeItem(at: directory)
      return
    }
    for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? [] where !before.contains(name) {
      try? fm.removeItem(at: directory.appendingPathComponent(name))
    }
  }
}

enum OrgRunner {
  /// Every issue on its own line on stderr, then one summary line.
  static func failure(_ issues: [OrganisationFile.Issue], strings t: Strings) -> Fatal {
    for issue in issues { writeStderr(issue.description + "\n") }
    return Fatal(description: t("orgfile.nothingWritten", String(issues.count)), code: 1)
  }

  static func write(_ text: String, to out: String?) throws {
    guard let out else {
      FileHandle.standardOutput.write(Data(text.utf8))
      return
    }
    do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
      throw Fatal(description: "cannot write \(out): \(error.localizedDescription)", code: 1)
    }
  }
}

/// `cordon org export`: the organisation as it stands, as a file `cordon init` reads back.
struct Org: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "org", abstract: "The organisation: export it.", subcommands: [ExportOrg.self])

  struct ExportOrg: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Write the organisation as TOML (what `cordon init --org` reads) or one table as CSV.",
      discussion: """
        TOML holds everything: settings, units, sites, items, people. CSV holds one table \
        (--table units|sites|items|people), in the columns `cordon import units|sites|items|people` reads.
        """)
    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "toml or csv.") var format: String = "toml"
    @Option(name: .long, help: "With --format csv: units, sites, items or people.") var table: String = "units"
    @Option(name: .long, help: "Write to FILE instead of stdout.") var out: String?
    @Option(name: .long, help: "CSV header and value language: zh or en.") var lang: String = "zh"

    func validate() throws {
      guard ["toml", "csv"].contains(format) else { throw ValidationError("--format must be toml or csv") }
      guard CSVExport.OrgTable(rawValue: table) != nil else {
        throw ValidationError("--table must be units, sites, items or people")
      }
      guard Language(rawValue: lang) != nil else { throw ValidationError("--lang must be zh or en") }
    }

    func run() throws {
      let store = try location.openStore()
      defer { store.close() }
      let state = store.state
      let text: String
      if format == "toml" {
        text = OrganisationExport.toml(state)
      } else {
        let rows = CSVExport.organisation(
          state, CSVExport.OrgTable(rawValue: table) ?? .units, language: Language(rawValue: lang) ?? .zh)
        text = CSVWriter.write(rows, bom: true)
      }
      try OrgRunner.write(text, to: out)
    }
  }
}
