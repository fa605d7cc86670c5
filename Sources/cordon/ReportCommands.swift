import ArgumentParser
import CordonModel
import CordonStore
import Foundation

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Reports from the journal.", subcommands: [Daily.self],
    defaultSubcommand: Daily.self)

  struct Daily: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "daily", abstract: "The group's daily report (日日报), deterministic for a data directory and date.")

    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "Local date YYYY-MM-DD (default: today).") var date: String?
    @Option(name: .long, help: "Only this unit (id).") var unit: String?
    @Option(name: .long, help: "md, txt or csv.") var format: String = "md"
    @Option(name: .long, help: "zh or en.") var lang: String = "zh"
    @Option(name: .long, help: "Write to FILE instead of stdout.") var out: String?

    func run() throws {
      guard let fmt = ReportFormat(rawValue: format) else {
        throw Fatal(description: "--format: expected md, txt or csv, got \(format)", code: 2)
      }
      let text = try JournalReader.withStore(location) { store in
        let cal = store.state.calendar
        let today = cal.day(of: Instant.now())
        var day = today
        if let date {
          guard let d = cal.parseDay(date) else {
            throw Fatal(description: "--date: expected YYYY-MM-DD, got \(date)", code: 2)
          }
          day = d
        }
        // The day's records and the state at its end (today's is the current
        // one), read in one pass over the journal.
        let (records, end) =
          day < today
          ? try store.period(since: cal.startOfDay(day), until: cal.startOfDay(day + 1))
          : (try store.records(since: cal.startOfDay(day), until: cal.startOfDay(day + 1)), store.state)
        if let unit, end.units[unit] == nil { throw Fatal(description: "--unit: no such unit \(unit)", code: 2) }
        let report = DailyReport(
          day: day, unit: unit, records: records, end: end, now: day < today ? nil : Instant.now())
        return ReportRenderer.render(report, state: end, format: fmt, strings: Strings(lang == "en" ? .en : .zh))
      }
      try JournalReader.emit(text, to: out, bom: fmt == .csv)
    }
  }
}

struct Audit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit", abstract: "Who did what and when, from the journal.")

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Only this user.") var actor: String?
  @Option(name: .long, help: "Only records concerning this unit (id).") var unit: String?
  @Option(name: .long, help: "From this local time, YYYY-MM-DD[ HH:MM].") var since: String?
  @Option(name: .long, help: "Before this local time, YYYY-MM-DD[ HH:MM].") var until: String?
  @Option(name: .long, help: "zh or en.") var lang: String = "zh"

  func run() throws {
    let text = try JournalReader.withStore(location) { store in
      let state = store.state
      let cal = state.calendar
      func time(_ s: String?, _ flag: String) throws -> Instant? {
        guard let s else { return nil }
        guard let t = cal.parse(s) else {
          throw Fatal(description: "\(flag): expected YYYY-MM-DD HH:MM, got \(s)", code: 2)
        }
        return t
      }
      let filter = AuditTrail.Filter(
        actor: actor, unit: unit, since: try time(since, "--since"), until: try time(until, "--until"))
      let strings = Strings(lang == "en" ? .en : .zh)
      let records = try store.records(since: filter.since ?? Instant(milliseconds: .min), until: filter.until)
      return AuditTrail.select(records, filter, state: state)
        .map { AuditTrail.line($0, state: state, strings: strings) }.joined(separator: "\n")
    }
    if !text.isEmpty { print(text) }
  }
}

/// Opens the store for reading a report and closes it again.
enum JournalReader {
  static func withStore<T>(_ location: StoreLocation, _ body: (EventStore<CordonDomain>) throws -> T) throws -> T {
    let dir = location.directory()
    guard FileManager.default.fileExists(atPath: dir.path) else {
      throw Fatal(description: "no data directory at \(dir.path)", code: 2)
    }
    let store = try openStore(at: dir, options: location.options)
    defer { store.close() }
    return try body(store)
  }

  static func emit(_ text: String, to path: String?, bom: Bool) throws {
    guard let path else {
      FileHandle.standardOutput.write(Data(text.utf8))
      return
    }
    var data = Data(bom ? [0xEF, 0xBB, 0xBF] : [])
    data.append(Data(text.utf8))
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
      throw Fatal(description: "cannot write \(path): \(error.localizedDescription)", code: 1)
    }
    writeStderr("cordon: wrote \(path)\n")
  }
}
