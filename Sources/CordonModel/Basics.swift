import EventSourcing
import Foundation

/// The two languages of the console. Chinese first: it is what the duty rooms type and read.
public enum Language: String, Codable, Sendable, CaseIterable {
  case zh, en
}

/// A name kept in both languages, as entered.
public struct LocalizedName: Codable, Sendable, Hashable {
  public var zh: String
  public var en: String
  public init(zh: String, en: String) {
    self.zh = zh
    self.en = en
  }
  public func text(_ lang: Language) -> String { lang == .zh ? zh : (en.isEmpty ? zh : en) }
}

/// A temperature in tenths of a degree Celsius. Integers, so "exactly at the
/// threshold" means exactly, with no floating-point doubt.
public struct Celsius: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  public var tenths: Int
  public init(tenths: Int) { self.tenths = tenths }
  public static func < (a: Celsius, b: Celsius) -> Bool { a.tenths < b.tenths }
  public var description: String { "\(tenths / 10).\(abs(tenths % 10))" }

  /// Parses "37.3", "37", "37.30"; nil for anything else (including "37.35": a
  /// reading more precise than a thermometer gun shows is a typing mistake).
  public init?(parsing text: String) {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard let q = Quantity(parsing: t), q.milli % 100 == 0 else { return nil }
    self.tenths = Int(q.milli / 100)
  }

  public init(from decoder: Decoder) throws { tenths = try decoder.singleValueContainer().decode(Int.self) }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(tenths)
  }
}

/// A stock quantity in thousandths of the item's unit of measure, so litres of
/// disinfectant and boxes of masks share one exact integer type.
public struct Quantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  public var milli: Int64
  public init(milli: Int64) { self.milli = milli }
  public init(_ whole: Int64) { self.milli = whole.clampedMultiplied(by: 1000) }
  public static let zero = Quantity(milli: 0)
  public static func < (a: Quantity, b: Quantity) -> Bool { a.milli < b.milli }
  /// Sums and differences hold at the bounds of Int64 instead of trapping:
  /// the validator keeps new values far inside them (`Limits`), and a
  /// journal written before it did must still open, show and report.
  public static func + (a: Quantity, b: Quantity) -> Quantity { Quantity(milli: a.milli.clampedAdding(b.milli)) }
  public static func - (a: Quantity, b: Quantity) -> Quantity { Quantity(milli: a.milli.clampedSubtracting(b.milli)) }
  public static prefix func - (a: Quantity) -> Quantity { Quantity(milli: Int64(0).clampedSubtracting(a.milli)) }
  public var isWhole: Bool { milli % 1000 == 0 }

  /// "12", "12.5", "-3", "0.125"; at most three decimals; nil otherwise.
  public init?(parsing text: String) {
    var s = Substring(text.trimmingCharacters(in: .whitespaces))
    var negative = false
    if s.first == "-" {
      negative = true
      s = s.dropFirst()
    } else if s.first == "+" {
      s = s.dropFirst()
    }
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let intPart = parts.first, !intPart.isEmpty, intPart.count <= 13,
      intPart.allSatisfy({ $0.isASCII && $0.isNumber }), let whole = Int64(intPart)
    else { return nil }
    var frac: Int64 = 0
    if parts.count == 2 {
      let f = parts[1]
      guard !f.isEmpty, f.count <= 3, f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(f) else { return nil }
      frac = v * [1, 100, 10, 1][f.count]
    }
    let m = whole * 1000 + frac
    self.milli = negative ? -m : m
  }

  public var description: String {
    let sign = milli < 0 ? "-" : ""
    let a = milli.magnitude
    let whole = a / 1000
    var frac = a % 1000
    if frac == 0 { return "\(sign)\(whole)" }
    var digits = 3
    while frac % 10 == 0 {
      frac /= 10
      digits -= 1
    }
    let f = String(frac)
    return "\(sign)\(whole).\(String(repeating: "0", count: digits - f.count))\(f)"
  }

  public init(from decoder: Decoder) throws { milli = try decoder.singleValueContainer().decode(Int64.self) }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(milli)
  }
}

/// Local calendar arithmetic at a fixed UTC offset. The duty rooms keep one
/// clock (China Standard Time, no daylight saving), so a fixed offset is exact
/// and keeps the model free of time-zone databases.
public struct LocalCalendar: Codable, Sendable, Hashable {
  public var utcOffsetMinutes: Int
  public init(utcOffsetMinutes: Int = 480) { self.utcOffsetMinutes = utcOffsetMinutes }

  private var offsetMs: Int64 { Int64(utcOffsetMinutes).clampedMultiplied(by: 60_000) }

  /// Days since 1970-01-01 in local time.
  public func day(of t: Instant) -> Int {
    Int(floorDiv(t.milliseconds.clampedAdding(offsetMs), 86_400_000))
  }
  public func startOfDay(_ day: Int) -> Instant {
    Instant(milliseconds: Int64(day).clampedMultiplied(by: 86_400_000).clampedSubtracting(offsetMs))
  }
  /// Minutes since local midnight.
  public func minuteOfDay(_ t: Instant) -> Int {
    Int(t.milliseconds.clampedAdding(offsetMs).clampedSubtracting(Int64(day(of: t)) * 86_400_000) / 60_000)
  }

  public struct Parts: Sendable, Equatable {
    public var year, month, day, hour, minute: Int
  }

  public func parts(_ t: Instant) -> Parts {
    let d = day(of: t)
    let (y, m, dd) = Self.civil(fromDays: d)
    let mod = minuteOfDay(t)
    return Parts(year: y, month: m, day: dd, hour: mod / 60, minute: mod % 60)
  }

  /// `n` as `String(format: "%0<width>d")` writes it, without Foundation's
  /// formatter: the console's header formats the time on every frame.
  static func pad(_ n: Int, _ width: Int = 2) -> String {
    let digits = String(n.magnitude)
    let sign = n < 0 ? "-" : ""
    let zeros = width - sign.count - digits.count
    return zeros > 0 ? sign + String(repeating: "0", count: zeros) + digits : sign + digits
  }

  /// "2020-02-07 08:00".
  public func format(_ t: Instant) -> String {
    let p = parts(t)
    return "\(Self.pad(p.year, 4))-\(Self.pad(p.month))-\(Self.pad(p.day)) \(Self.pad(p.hour)):\(Self.pad(p.minute))"
  }
  /// "02-07 08:00": for a time on another day where the year goes without
  /// saying; cut to five cells it still reads as the month and day.
  public func formatMonthDayTime(_ t: Instant) -> String {
    let p = parts(t)
    return "\(Self.pad(p.month))-\(Self.pad(p.day)) \(Self.pad(p.hour)):\(Self.pad(p.minute))"
  }
  public func formatTime(_ t: Instant) -> String {
    let p = parts(t)
    return "\(Self.pad(p.hour)):\(Self.pad(p.minute))"
  }
  public func formatDay(_ day: Int) -> String {
    let (y, m, d) = Self.civil(fromDays: day)
    return "\(Self.pad(y, 4))-\(Self.pad(m))-\(Self.pad(d))"
  }

  /// Parses "YYYY-MM-DD HH:MM" (or with "T", or a bare date meaning 00:00) as local time.
  public func parse(_ text: String) -> Instant? {
    let t = text.trimmingCharacters(in: .whitespaces)
    let halves = t.split(whereSeparator: { $0 == " " || $0 == "T" }).map(String.init)
    guard halves.count == 1 || halves.count == 2, let day = parseDay(halves[0]) else { return nil }
    var minutes = 0
    if halves.count == 2 {
      let hm = halves[1].split(separator: ":")
      guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
        (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440
      else { return nil }
      minutes = h * 60 + m
    }
    return startOfDay(day).adding(minutes: Int64(minutes))
  }

  /// Parses "YYYY-MM-DD" into a local day number.
  public func parseDay(_ text: String) -> Int? {
    let ymd = text.split(separator: "-")
    guard ymd.count == 3, ymd[0].count == 4, let y = Int(ymd[0]), let m = Int(ymd[1]), let d = Int(ymd[2]),
      (1...12).contains(m), (1...31).contains(d)
    else { return nil }
    let days = Self.days(fromCivil: y, m, d)
    // Reject 2020-02-31 and the like: the round trip must land on the same date.
    guard Self.civil(fromDays: days) == (y, m, d) else { return nil }
    return days
  }

  // Howard Hinnant's civil-from-days algorithms: exact for the proleptic Gregorian calendar.
  static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }
  static func civil(fromDays z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp + (mp < 10 ? 3 : -9)
    return (m <= 2 ? y + 1 : y, m, d)
  }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
  let q = a / b
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Text typed by one user is shown on other users' terminals: control and
/// escape characters never survive into the state. Newlines and tabs are kept
/// only where a field is multi-line.
public enum UserText {
  public static func clean(_ text: String, multiline: Bool = false) -> String {
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars {
      if multiline && s == "\n" {
        out.append(s)
        continue
      }
      if s == "\t" {
        out.append(" ")
        continue
      }
      if isControl(s) { continue }
      out.append(s)
    }
    let str = String(out)
    return multiline ? str : str.trimmingCharacters(in: .whitespaces)
  }

  /// User input echoed in a message (an argument of a string-table wording,
  /// a line on stderr): the same cleaning as `clean`, keeping line breaks and
  /// spaces as they are. Returns `text` itself when there is nothing to remove.
  public static func echo(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" }) else { return text }
    return clean(text, multiline: true)
  }

  /// C0, DEL, C1, and the bidirectional overrides that can make a line lie about its order.
  public static func isControl(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return true }
    if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return true }
    return false
  }
}
