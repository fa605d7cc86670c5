import EventSourcing

/// An amount of money in fen (分, 0.01 yuan), exact: an integer, never a
/// floating-point number. Written as yuan with two decimals ("10000.00").
/// Sums in the state hold at the bounds of Int64 instead of trapping; the
/// validator keeps every new amount far inside them (`Limits.money`,
/// `Limits.fundBalance`), so the bound is never reached by data it admitted.
public struct Money: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  public var fen: Int64
  public init(fen: Int64) { self.fen = fen }
  /// Whole yuan.
  public init(yuan: Int64) { self.fen = yuan.clampedMultiplied(by: 100) }
  public static let zero = Money(fen: 0)
  public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }
  public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen.clampedAdding(b.fen)) }
  public static func - (a: Money, b: Money) -> Money { Money(fen: a.fen.clampedSubtracting(b.fen)) }
  public static prefix func - (a: Money) -> Money { Money(fen: Int64(0).clampedSubtracting(a.fen)) }
  public static func += (a: inout Money, b: Money) { a = a + b }
  public static func -= (a: inout Money, b: Money) { a = a - b }

  /// `self + other`, or nil when the exact sum does not fit: for checks that
  /// must never rely on a clamped result.
  public func adding(exactly other: Money) -> Money? {
    let (r, overflow) = fen.addingReportingOverflow(other.fen)
    return overflow ? nil : Money(fen: r)
  }

  /// "10000.00", "-3.05": yuan with exactly two decimals, no grouping.
  public var description: String {
    let sign = fen < 0 ? "-" : ""
    let a = fen.magnitude
    let cents = a % 100
    return "\(sign)\(a / 100).\(cents < 10 ? "0" : "")\(cents)"
  }

  /// Why a text is not an amount.
  public enum ParseError: Error, Sendable, Equatable {
    /// Empty, or not digits with at most one decimal point.
    case malformed
    /// A minus sign: amounts are never negative (a correction is its own entry).
    case negative
    /// More than two decimals ("12.345", also "12.500"): money is written to the fen.
    case fractionOfFen
    /// More than `Limits.money`.
    case tooLarge
  }

  /// Parses yuan: "12", "12.5", "12.50", "0.01", with an optional leading
  /// "+". Refuses a minus sign, more than two decimals, anything beyond
  /// `Limits.money`, and anything else that is not plain digits (no grouping
  /// commas, no exponent, no currency sign), naming which.
  public static func parse(_ text: String) -> Result<Money, ParseError> {
    var s = Substring(text.trimmingCharacters(in: .whitespaces))
    if s.first == "-" || s.first == "－" { return .failure(.negative) }
    if s.first == "+" { s = s.dropFirst() }
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else {
      return .failure(.malformed)
    }
    var frac = Substring("")
    if parts.count == 2 {
      frac = parts[1]
      guard !frac.isEmpty, frac.allSatisfy(\.isASCIIDigit) else { return .failure(.malformed) }
      // A third decimal is a fraction of a fen, even "12.500": money is written to the fen.
      guard frac.count <= 2 else { return .failure(.fractionOfFen) }
    }
    // Leading zeros carry no value; more digits than the bound has is too large.
    let digits = whole.drop { $0 == "0" }
    let limitYuan = Limits.money.fen / 100
    guard digits.count <= String(limitYuan).count, let yuan = Int64(digits.isEmpty ? "0" : digits) else {
      return .failure(.tooLarge)
    }
    let cents = Int64(frac.isEmpty ? "0" : String(frac)).map { frac.count == 1 ? $0 * 10 : $0 } ?? 0
    let (scaled, o1) = yuan.multipliedReportingOverflow(by: 100)
    let (fen, o2) = scaled.addingReportingOverflow(cents)
    guard !o1, !o2, fen <= Limits.money.fen else { return .failure(.tooLarge) }
    return .success(Money(fen: fen))
  }

  /// The refusal for a text that is not an amount, naming `field`.
  public static func refusal(_ error: ParseError, text: String, field: CommandField) -> Refusal {
    switch error {
    case .malformed: Refusal("money.malformed", [field.rawValue, text], field: field)
    case .negative: Refusal("money.negative", [field.rawValue, text], field: field)
    case .fractionOfFen: Refusal("money.fractionOfFen", [field.rawValue, text], field: field)
    case .tooLarge: Refusal("money.tooLarge", [field.rawValue, text, Limits.money.description], field: field)
    }
  }

  /// The amount `text` says, or the refusal naming `field`.
  public static func parse(_ text: String, field: CommandField) throws(Refusal) -> Money {
    switch parse(text) {
    case .success(let m): return m
    case .failure(let e): throw refusal(e, text: String(text.prefix(40)), field: field)
    }
  }

  public init(from decoder: Decoder) throws { fen = try decoder.singleValueContainer().decode(Int64.self) }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(fen)
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
