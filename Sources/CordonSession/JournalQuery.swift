import CordonModel
import CordonStore
import EventSourcing

/// A read of the journal that `cordon report`, `cordon audit` and
/// `cordon export` make: locally on a store they open, or through
/// `cordon serve` (`--socket`), where the server runs it with the caller's
/// role deciding what they may see. One runner for both, so the text is the
/// same either way.
public struct JournalQuery: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable, CaseIterable {
    case report, audit, exportShifts, exportRegister, exportStock
    /// The emergency fund's ledger up to the day's end (CSVFund.swift).
    case exportFund
  }
  public var kind: Kind
  /// The local day, YYYY-MM-DD (report, export; default today).
  public var date: String?
  /// Only this unit (report, audit; an operator's reads are always its own unit's).
  public var unit: String?
  /// Report: md, txt or csv.
  public var format: String?
  /// Language of the text: zh or en.
  public var lang: String
  /// Audit: only this user, and the period (YYYY-MM-DD[ HH:MM]).
  public var actor: String?
  public var since: String?
  public var until: String?

  public init(
    kind: Kind, date: String? = nil, unit: String? = nil, format: String? = nil, lang: String = "zh",
    actor: String? = nil, since: String? = nil, until: String? = nil
  ) {
    self.kind = kind
    self.date = date
    self.unit = unit
    self.format = format
    self.lang = lang
    self.actor = actor
    self.since = since
    self.until = until
  }

  /// Whether the text is CSV (written with a BOM to a file for Excel).
  public var isCSV: Bool {
    switch kind {
    case .report: format == "csv"
    case .audit: false
    case .exportShifts, .exportRegister, .exportStock, .exportFund: true
    }
  }

  /// Every text field within `Limits.line` (a query is small; anything long is an attack).
  public func checkBounds() throws(Refusal) {
    for (field, value) in [
      ("date", date), ("unit", unit), ("format", format), ("lang", lang), ("actor", actor), ("since", since),
      ("until", until),
    ] {
      if let value { try Limits.check(value, max: Limits.name, field: field) }
    }
  }
}

public enum JournalQueryRunner {
  /// Runs `q` on `store` for `principal` (nil: the store's owner, locally,
  /// who reads everything). The text, or the refusal naming the field.
  public static func run(
    _ q: JournalQuery, store: any DomainStore, principal: Principal?, now: Instant = Instant.now()
  ) -> Result<String, Refusal> {
    do throws(Refusal) {
      return .success(try text(q, unit: try scope(q, principal), store: store, now: now))
    } catch {
      return .failure(error)
    }
  }

  /// An audit query whose lines go to `emit` as the journal is read, oldest
  /// first, instead of all at the end: the first lines of a year-long trail
  /// appear at once. `emit` gets UTF-8 chunks of whole lines, each ended by
  /// a line break: the first line alone, then at least `chunkBytes` at a
  /// time (sooner when a quarter of a second has passed since the last
  /// chunk, so a narrow query over a long period still shows what it finds);
  /// it returns false to stop the read (the reader went away). The same
  /// lines as `run` gives; their count, or the refusal.
  public static func streamAudit(
    _ q: JournalQuery, store: any DomainStore, principal: Principal?, chunkBytes: Int = 64 << 10,
    emit: ([UInt8]) -> Bool
  ) -> Result<Int, Refusal> {
    do throws(Refusal) {
      let unit = try scope(q, principal)
      var out: [UInt8] = []
      var first = true
      var last = ContinuousClock.now
      var more = true
      let count = try audit(q, unit: unit, store: store, strings: try strings(q)) { lines in
        if first, let end = lines.firstIndex(of: 0x0A) {
          first = false
          more = emit(Array(lines[...end]))
          last = ContinuousClock.now
          out.append(contentsOf: lines[(end + 1)...])
        } else {
          out.append(contentsOf: lines)
        }
        guard more else { return false }
        guard !out.isEmpty, out.count >= chunkBytes || ContinuousClock.now - last > .milliseconds(250) else {
          return true
        }
        more = emit(out)
        out.removeAll(keepingCapacity: true)
        last = ContinuousClock.now
        return more
      }
      if more, !out.isEmpty { _ = emit(out) }
      return .success(count)
    } catch {
      return .failure(error)
    }
  }

  /// The unit the query may read: what it asks, narrowed by the caller's role.
  private static func scope(_ q: JournalQuery, _ principal: Principal?) throws(Refusal) -> String? {
    try q.checkBounds()
    guard let principal else { return q.unit }
    switch Authorization.readScope(unit: q.unit, by: principal) {
    case .success(let u): return u
    case .failure(let r): throw r
    }
  }

  private static func strings(_ q: JournalQuery) throws(Refusal) -> Strings {
    guard let language = Language(rawValue: q.lang) else {
      throw Refusal("query.badLang", [q.lang], field: "lang")
    }
    return Strings(language)
  }

  /// The audit trail's lines for `q`, each ended by a line break, handed
  /// to `emit` a chunk of records at a time, in order, until it returns
  /// false. The records are decoded and their lines written on other
  /// threads (`forEachRecordChunk`) while the journal is read; another
  /// user's records are passed over by their header, undecoded. The number
  /// of lines handed out.
  private static func audit(
    _ q: JournalQuery, unit: String?, store: any DomainStore, strings: Strings, emit: ([UInt8]) -> Bool
  ) throws(Refusal) -> Int {
    let live = store.state
    let cal = live.calendar
    if let unit, live.units[unit] == nil { throw Refusal("query.noUnit", [unit], field: "unit") }
    func time(_ s: String?, _ flag: String) throws(Refusal) -> Instant? {
      guard let s else { return nil }
      guard let t = cal.parse(s) else {
        throw Refusal("query.badTime", [flag, s], field: String(flag.dropFirst(2)))
      }
      return t
    }
    let filter = AuditTrail.Filter(
      actor: q.actor, unit: unit, since: try time(q.since, "--since"), until: try time(q.until, "--until"))
    let writer = AuditTrail.LineWriter(state: live, strings: strings)
    var byActor: (@Sendable (RecordHeader) -> Bool)? = nil
    if let actor = filter.actor { byActor = { $0.actor == actor } }
    var count = 0
    do {
      try store.forEachRecordChunk(
        since: filter.since ?? Instant(milliseconds: .min), until: filter.until, where: byActor, chunkFrames: 1024,
        transform: { (records: [EventRecord<CordonEvent>]) -> ([UInt8], Int) in
          var w = writer
          var out: [UInt8] = []
          out.reserveCapacity(records.count * 100)
          var lines = 0
          for r in records where AuditTrail.matches(r, filter, state: live) {
            w.append(r, to: &out)
            out.append(0x0A)
            lines += 1
          }
          return (out, lines)
        }
      ) { (chunk: ([UInt8], Int)) -> Bool in
        let (lines, n) = chunk
        guard n > 0 else { return true }
        count += n
        return emit(lines)
      }
    } catch {
      throw Refusal("query.journal", ["\(error)"])
    }
    return count
  }

  private static func text(_ q: JournalQuery, unit: String?, store: any DomainStore, now: Instant)
    throws(Refusal) -> String
  {
    let strings = try strings(q)
    let language = strings.language
    let live = store.state
    let cal = live.calendar
    if let unit, live.units[unit] == nil { throw Refusal("query.noUnit", [unit], field: "unit") }
    var day = cal.day(of: now)
    if let date = q.date {
      guard let d = cal.parseDay(date) else { throw Refusal("query.badDate", ["--date", date], field: "date") }
      day = d
    }
    do {
      switch q.kind {
      case .report:
        let format = q.format ?? "md"
        guard let fmt = ReportFormat(rawValue: format) else {
          throw Refusal("query.badFormat", [format], field: "format")
        }
        let today = cal.day(of: now)
        // A settled day's report is kept once rendered (`ReportArchive`).
        let archive = ReportArchive.isSettled(day, now: now, state: live) ? store.reportArchive : nil
        if let kept = archive?.load(day: day, unit: unit, format: fmt, language: language, calendar: cal, now: now) {
          return kept
        }
        // The day's records and the state at its end (today's is the current
        // one), read in one pass over the journal.
        let (records, end) =
          day < today
          ? try store.period(since: cal.startOfDay(day), until: cal.startOfDay(day + 1))
          : (try store.records(since: cal.startOfDay(day), until: cal.startOfDay(day + 1)), live)
        let report = DailyReport(day: day, unit: unit, records: records, end: end, now: day < today ? nil : now)
        let text = ReportRenderer.render(report, state: end, format: fmt, strings: strings)
        // A day without records is not kept: the files stay bounded by the
        // days the journal holds, whatever dates a caller asks for.
        if !records.isEmpty {
          archive?.save(text, day: day, unit: unit, format: fmt, language: language, calendar: cal)
        }
        return text
      case .audit:
        var out: [UInt8] = []
        _ = try audit(q, unit: unit, store: store, strings: strings) {
          out.append(contentsOf: $0)
          return true
        }
        return String(decoding: out.dropLast(), as: UTF8.self)
      case .exportShifts:
        return CSVWriter.write(
          CSVExport.shifts(state: try state(store, covering: day), day: day, language: language, unit: unit), bom: false
        )
      case .exportRegister:
        return CSVWriter.write(
          CSVExport.register(state: try state(store, covering: day), day: day, language: language, unit: unit),
          bom: false)
      case .exportStock:
        // The state as the burn rate's 7 days begin, and the records from
        // there to the day's end: read by time, not the whole journal.
        let since = cal.startOfDay(day - 6)
        let start = try store.state(at: Instant(milliseconds: max(since.milliseconds, .min + 1) - 1))
        var records: [EventRecord<CordonEvent>] = []
        let stockTags = Set(CSVExport.stockEventTags.map(\.rawValue))
        try store.forEachRecord(
          since: since, until: cal.startOfDay(day + 1), where: { $0.tag.map(stockTags.contains) ?? true }
        ) {
          records.append($0)
          return true
        }
        return CSVWriter.write(
          CSVExport.stock(state: live, start: start, records: records, day: day, language: language, unit: unit),
          bom: false)
      case .exportFund:
        // Headquarters' books: an operator of another unit reads none of it.
        if let unit, unit != live.headquarters { throw Refusal("query.fundOtherUnit", [unit], field: "unit") }
        let end = day < cal.day(of: now) ? try store.state(at: cal.startOfDay(day + 1)) : live
        return CSVWriter.write(CSVExport.fund(state: end, through: day, language: language), bom: false)
      }
    } catch let r as Refusal {
      throw r
    } catch {
      throw Refusal("query.journal", ["\(error)"])
    }
  }

  /// The state holding `day`'s shifts and register. The live state keeps
  /// only the last `retentionDays`; an older day is read as the store was a
  /// week after it (health entries may be filed up to 7 days late).
  static func state(_ store: any DomainStore, covering day: Int) throws -> CordonState {
    let live = store.state
    guard let from = live.retainedFromDay, day < from else { return live }
    return try store.state(at: live.calendar.startOfDay(day + 8))
  }
}
