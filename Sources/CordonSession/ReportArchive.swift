import CordonModel
import CordonStore
import Foundation

/// Past days' daily reports, kept as rendered once the day has settled.
///
/// A past day's report needs the state at the day's end: the nearest older
/// snapshot and a replay of the journal after it, 1.5 s or more for a
/// city's 125 MB snapshot (issue 19), every time anybody asked for it. Once a day is
/// over its report cannot change (every later record is timed after it, and
/// later corrections are later events), so the report rendered then is the
/// report of that day for good: the server renders yesterday's reports in the
/// background once the day has settled (`prepare`), and a query for a past
/// day reads the file. A day not kept (not yet settled, a unit added since,
/// a file lost or damaged) is computed as before and kept then.
///
/// Files: `reports/v<layout>/YYYY-MM-DD/<scope>.<lang>.<format>` in the data
/// directory, written atomically (temporary file, rename); each starts with
/// a magic and the CRC-32C of the text, so a damaged file is recomputed, not
/// shown. They are derived data: deleting the directory loses nothing. Days
/// older than the store's retention are removed with the journal they came
/// from and never served.
public struct ReportArchive: Sendable {
  /// Bumped when the report's layout or wording changes, so reports kept
  /// before are rendered again rather than shown in the old shape.
  public static let layoutVersion = 1
  /// How long after midnight a day counts as over: a clock stepped back by
  /// less than this cannot put a record into a day already kept.
  public static let settleMinutes: Int64 = 15

  private static let magic: [UInt8] = Array("CRP1".utf8)

  public let directory: String
  /// The store's retention in days (nil: kept for good).
  public let retainDays: Int?

  public init(directory: String, retainDays: Int?) {
    self.directory = directory
    self.retainDays = retainDays
  }

  /// Whether `day` is over for good at `now` for a store whose state is
  /// `state`: the clock is `settleMinutes` past the day's end and the journal
  /// has moved past it. Its report may be kept. (A store whose journal has
  /// not moved past the day answers from its current state, which is cheap.)
  public static func isSettled(_ day: Int, now: Instant, state: CordonState) -> Bool {
    let end = state.calendar.startOfDay(day + 1)
    return now >= end.adding(minutes: settleMinutes) && state.latest >= end
  }

  /// The report kept for this key, if there is one intact and within retention.
  public func load(
    day: Int, unit: String?, format: ReportFormat, language: Language, calendar: LocalCalendar, now: Instant
  )
    -> String?
  {
    guard retained(day, calendar, now) else { return nil }
    guard let data = FileManager.default.contents(atPath: path(day, unit, format, language, calendar)) else {
      return nil
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 8, Array(bytes[0..<4]) == Self.magic else { return nil }
    let stored = bytes.withUnsafeBytes { LE.u32($0, 4) }
    let text = bytes[8...]
    guard Self.crc(text) == stored else { return nil }
    return String(decoding: text, as: UTF8.self)
  }

  /// Keeps `text` as this key's report. A failure (a full disk, a read-only
  /// directory) only means the next query computes it again.
  public func save(
    _ text: String, day: Int, unit: String?, format: ReportFormat, language: Language, calendar: LocalCalendar
  ) {
    let file = path(day, unit, format, language, calendar)
    let body = Array(text.utf8)
    var bytes = Self.magic
    bytes.reserveCapacity(8 + body.count)
    LE.append(Self.crc(body[...]), to: &bytes)
    bytes.append(contentsOf: body)
    let folder = (file as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try? Data(bytes).write(to: URL(fileURLWithPath: file), options: .atomic)
  }

  /// Whether `day`'s reports have all been kept by `prepare`.
  public func isPrepared(_ day: Int, calendar cal: LocalCalendar) -> Bool {
    FileManager.default.fileExists(atPath: dayFolder(day, cal) + "/" + Self.preparedMark)
  }

  /// Renders and keeps every report of `day`: the group's and each unit's,
  /// in both languages and every format, from one read of the journal.
  /// Removes the days retention has passed. Returns how many were kept.
  @discardableResult
  public func prepare(day: Int, store: any DomainStore, now: Instant) throws -> Int {
    let live = store.state
    let cal = live.calendar
    prune(calendar: cal, now: now)
    guard live.hasOrganisation, Self.isSettled(day, now: now, state: live), retained(day, cal, now) else { return 0 }
    let (records, end) = try store.period(since: cal.startOfDay(day), until: cal.startOfDay(day + 1))
    var kept = 0
    // A day without records keeps nothing (as a query of it does), only its mark.
    for unit in records.isEmpty ? [] : [nil] + end.orderedUnits.map(\.id) {
      let report = DailyReport(day: day, unit: unit, records: records, end: end)
      for language in Language.allCases {
        let strings = Strings(language)
        for format in ReportFormat.allCases {
          let text = ReportRenderer.render(report, state: end, format: format, strings: strings)
          save(text, day: day, unit: unit, format: format, language: language, calendar: cal)
          kept += 1
        }
      }
    }
    try? FileManager.default.createDirectory(atPath: dayFolder(day, cal), withIntermediateDirectories: true)
    try? Data().write(to: URL(fileURLWithPath: dayFolder(day, cal) + "/" + Self.preparedMark), options: .atomic)
    return kept
  }

  /// Prepares the days from `lookback` days ago through yesterday that have
  /// settled and are not kept yet (the server's background work calls this
  /// every ten minutes; a server down over midnight catches up when it starts).
  @discardableResult
  public func prepareDue(store: any DomainStore, now: Instant, lookback: Int = 2) -> [Int] {
    let live = store.state
    let cal = live.calendar
    let today = cal.day(of: now)
    var done: [Int] = []
    for day in (today - lookback)..<today
    where Self.isSettled(day, now: now, state: live) && !isPrepared(day, calendar: cal) {
      if (try? prepare(day: day, store: store, now: now)) != nil { done.append(day) }
    }
    return done
  }

  /// Removes the kept reports of days retention has passed.
  public func prune(calendar cal: LocalCalendar, now: Instant) {
    guard retainDays != nil else { return }
    let root = versionFolder
    for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
      guard let day = cal.parseDay(name), !retained(day, cal, now) else { continue }
      try? FileManager.default.removeItem(atPath: root + "/" + name)
    }
  }

  // MARK: Files

  private static let preparedMark = "prepared"

  private var versionFolder: String { directory + "/v\(Self.layoutVersion)" }

  private func dayFolder(_ day: Int, _ cal: LocalCalendar) -> String { versionFolder + "/" + cal.formatDay(day) }

  /// A unit's id is user text: it goes into the name as hex, never as a path.
  private func path(_ day: Int, _ unit: String?, _ format: ReportFormat, _ language: Language, _ cal: LocalCalendar)
    -> String
  {
    let scope = unit.map { "u" + $0.utf8.map { String(format: "%02x", $0) }.joined() } ?? "group"
    return dayFolder(day, cal) + "/\(scope).\(language.rawValue).\(format.rawValue)"
  }

  /// Whether `day` is still within the store's retention.
  private func retained(_ day: Int, _ cal: LocalCalendar, _ now: Instant) -> Bool {
    guard let retainDays else { return true }
    return cal.startOfDay(day + 1) > now.adding(minutes: -Int64(retainDays) * 24 * 60)
  }

  private static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    CRC32C.checksum(bytes)
  }
}
