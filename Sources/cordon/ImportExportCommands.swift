import ArgumentParser
import CordonModel
import CordonSession
import CordonStore
import Foundation

/// `cordon import people|shifts|stock FILE`: a CSV file becomes one
/// all-or-nothing command on the embedded store.
struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Load people, shifts, opening stock, units, sites or items from a CSV file, all or nothing.",
    discussion: """
      Files as Excel and WPS save them: UTF-8 with or without BOM, CRLF or LF. Header names in Chinese \
      or English, in any order. A bad row fails the whole file with FILE:LINE: column COL: reason, and \
      nothing is applied (exit status 1).
      """,
    subcommands: [People.self, Shifts.self, Stock.self, Units.self, Sites.self, Items.self]
  )

  struct Options: ParsableArguments {
    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "Language of messages: zh or en.") var lang: String = "zh"
    @Flag(name: .long, help: "Seed the demo organisation first when the store is empty (as `cordon --demo` does).")
    var demo = false

    func validate() throws {
      guard Language(rawValue: lang) != nil else { throw ValidationError("--lang must be zh or en") }
    }
    var language: Language { Language(rawValue: lang) ?? .zh }
  }

  struct People: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "People: 姓名/name, 单位/unit, 电话/phone, 类别/category (several separated by ; or 、).")
    @OptionGroup var options: Options
    func run() throws { try ImportRunner.run(options, plan: CSVImport.people) }
  }

  struct Shifts: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Shifts: 单位/unit, 岗位/role, 姓名/name, 开始/start, 结束/end (YYYY-MM-DD HH:MM).")
    @OptionGroup var options: Options
    func run() throws { try ImportRunner.run(options, plan: CSVImport.shifts) }
  }

  struct Stock: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Opening stock: 单位/unit, 物资/item, 数量/quantity, optional 下限/minimum.")
    @OptionGroup var options: Options
    func run() throws { try ImportRunner.run(options, plan: CSVImport.stock) }
  }
}

extension Import {
  struct Units: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Units: 编号/id, 名称/name, optional 英文名称/name_en, 重点单位/key, 集团机关/headquarters, 上级单位/parent, 储备/reserve (是/否).")
    @OptionGroup var options: Import.Options
    func run() throws { try ImportRunner.run(options, plan: CSVImport.units) }
  }

  struct Sites: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Sites: 编号/id, 名称/name, 单位/unit, 类型/kind, optional 每日测温/rounds_per_day, 每日消毒/disinfections_per_day, 报告间隔分钟/report_interval_minutes, 开放/open, 在岗人数/staff."
    )
    @OptionGroup var options: Import.Options
    func run() throws { try ImportRunner.run(options, plan: CSVImport.sites) }
  }

  struct Items: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Items: 编号/id, 名称/name, 计量单位/measure, optional 英文名称/name_en, 英文计量单位/measure_en, 可拆分/fractions, 默认下限/minimum.")
    @OptionGroup var options: Import.Options
    func run() throws { try ImportRunner.run(options, plan: CSVImport.items) }
  }
}

enum ImportRunner {
  static func run(
    _ options: Import.Options, plan makePlan: ([UInt8], CordonState) throws(CSVImportError) -> CSVImportPlan
  ) throws {
    let strings = Strings(options.language)
    let file = options.file
    // Read the file before opening the store, so a typo in the path leaves the store untouched.
    guard let data = FileManager.default.contents(atPath: file) else {
      throw Fatal(description: "cannot read \(file)", code: 1)
    }
    let store = try options.location.openStore()
    defer { store.close() }
    if options.demo { DemoSeeder.seedIfEmpty(store) }

    let plan: CSVImportPlan
    do {
      plan = try makePlan([UInt8](data), store.state)
    } catch {
      throw failure(error.issues, file: file, strings: strings)
    }
    guard let command = plan.command else {
      print(plan.summary.text(strings))
      return
    }
    switch submit(command, to: store) {
    case .success: print(plan.summary.text(strings))
    case .failure(.refused(let r)): throw failure([plan.issue(for: r)], file: file, strings: strings)
    case .failure(let other):
      throw Fatal(description: "\(file): nothing was imported: \(strings.failure(other))", code: 1)
    }
  }

  /// Every issue on its own line on stderr, then one summary line through `Fatal`.
  static func failure(_ issues: [CSVIssue], file: String, strings: Strings) -> Fatal {
    for issue in issues {
      writeStderr(issue.text(file: file, strings: strings) + "\n")
    }
    return Fatal(description: strings("csv.failed", file, String(issues.count)), code: 1)
  }

  static func submit(_ command: CordonCommand, to store: any DomainStore) -> Result<
    [EventRecord<CordonEvent>], StoreFailure
  > {
    submitAndWait(command, to: store, actor: currentUser(), unit: nil)
  }
}

/// `cordon export shifts|register|stock --date D`: the day as CSV, on stdout or into `--out`.
struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a day's shifts, health register or stock list as CSV.",
    subcommands: [Shifts.self, Register.self, Stock.self, Fund.self]
  )

  struct Options: ParsableArguments {
    @Option(name: .long, help: "The local day, YYYY-MM-DD (default: today).") var date: String?
    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "Write to this file instead of stdout.") var out: String?
    @Option(name: .long, help: "Header and value language: zh or en.") var lang: String = "zh"
    @Option(
      name: .long,
      help:
        "Read through `cordon serve` at this socket (an operator gets its own unit's rows only; default: $CORDON_SOCKET, else /run/cordon/cordon.sock when it exists)."
    )
    var socket: String?

    func validate() throws {
      guard Language(rawValue: lang) != nil else { throw ValidationError("--lang must be zh or en") }
      if let date, CordonState().calendar.parseDay(date) == nil {
        throw ValidationError("--date: expected YYYY-MM-DD, got \"\(date)\"")
      }
    }
    var language: Language { Language(rawValue: lang) ?? .zh }
    func query(_ kind: JournalQuery.Kind) -> JournalQuery { JournalQuery(kind: kind, date: date, lang: lang) }
  }

  struct Shifts: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Shifts starting on the day, in the shape `cordon import shifts` reads.")
    @OptionGroup var options: Options
    @Flag(name: .long, help: "Start with a UTF-8 BOM (for Excel).") var bom = false
    func run() throws { try ExportRunner.run(options, .exportShifts, bom: bom) }
  }

  struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The day's health register: everyone, with empty cells for those not yet reported.")
    @OptionGroup var options: Options
    @Flag(name: .long, help: "Start with a UTF-8 BOM (for Excel).") var bom = false
    func run() throws { try ExportRunner.run(options, .exportRegister, bom: bom) }
  }

  struct Stock: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The day's itemised stock list per unit and item, with a BOM so Excel shows Chinese.")
    @OptionGroup var options: Options
    func run() throws { try ExportRunner.run(options, .exportStock, bom: true) }
  }
}

extension Export {
  struct Fund: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "The emergency fund's ledger up to the day's end, per budget line with its running balance, as a clerk files it (BOM for Excel)."
    )
    @OptionGroup var options: Options
    func run() throws { try ExportRunner.run(options, .exportFund, bom: true) }
  }
}

enum ExportRunner {
  static func run(_ options: Export.Options, _ kind: JournalQuery.Kind, bom: Bool) throws {
    let csv = try QueryRunner.run(options.query(kind), location: options.location, socket: options.socket)
    let text = (bom ? CSVWriter.bom : "") + csv
    guard let out = options.out else {
      FileHandle.standardOutput.write(Data(text.utf8))
      return
    }
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
    } catch {
      throw Fatal(description: "cannot write \(out): \(error.localizedDescription)", code: 1)
    }
  }
}
