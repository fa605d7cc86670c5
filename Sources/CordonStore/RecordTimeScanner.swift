import Foundation

/// Reads a journalled record's time without decoding its event: history
/// queries by time look at every frame of the segments they touch, and
/// decoding only the records in the period asked for is what keeps them fast.
///
/// The record is a JSON object written by `JSONEncoder`, whose key order is
/// not fixed, so this walks the object's top level (skipping strings,
/// nested objects and arrays) until it meets the key `time` with an integer
/// value. Anything it does not expect (escapes in a key, a fraction, a
/// missing key) makes it decline, and the caller decodes the time properly.
enum RecordTimeScanner {
  private static let quote = UInt8(ascii: "\"")
  private static let backslash = UInt8(ascii: "\\")

  private struct TimeOnly: Decodable {
    var time: Instant
  }

  /// The record's time: scanned when the shape is the usual one, decoded otherwise.
  static func time(_ payload: UnsafeRawBufferPointer, decoder: JSONDecoder) throws -> Int64 {
    if let t = scan(payload) { return t }
    return try decoder.decode(TimeOnly.self, from: Data(payload)).time.milliseconds
  }

  /// The top-level `"time"` integer, or nil when the bytes are not in the shape expected.
  static func scan(_ b: UnsafeRawBufferPointer) -> Int64? {
    var i = 0
    let n = b.count
    func skipSpace() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
    skipSpace()
    guard i < n, b[i] == UInt8(ascii: "{") else { return nil }
    i += 1
    while true {
      skipSpace()
      guard i < n, b[i] == quote else { return nil }
      let keyStart = i + 1
      i = keyStart
      while i < n, b[i] != quote {
        if b[i] == backslash { return nil }
        i += 1
      }
      guard i < n else { return nil }
      let isTime =
        i - keyStart == 4 && b[keyStart] == UInt8(ascii: "t") && b[keyStart + 1] == UInt8(ascii: "i")
        && b[keyStart + 2] == UInt8(ascii: "m") && b[keyStart + 3] == UInt8(ascii: "e")
      i += 1
      skipSpace()
      guard i < n, b[i] == UInt8(ascii: ":") else { return nil }
      i += 1
      skipSpace()
      if isTime { return integer(b, at: i) }
      guard skipValue(b, &i) else { return nil }
      skipSpace()
      guard i < n, b[i] == UInt8(ascii: ",") else { return nil }
      i += 1
    }
  }

  /// An integer that ends the value (followed by `,`, `}` or space), without overflow.
  private static func integer(_ b: UnsafeRawBufferPointer, at start: Int) -> Int64? {
    var i = start
    let negative = i < b.count && b[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    // The magnitude, so that Int64.min (whose magnitude Int64 cannot hold) reads too.
    var magnitude: UInt64 = 0
    var digits = 0
    while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
      let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(UInt64(b[i] - UInt8(ascii: "0")))
      guard !o1, !o2 else { return nil }
      magnitude = s
      digits += 1
      i += 1
    }
    guard digits > 0, i < b.count else { return nil }
    let next = b[i]
    guard next == UInt8(ascii: ",") || next == UInt8(ascii: "}") || next == 0x20 else { return nil }
    if negative {
      guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
      return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
    }
    guard magnitude <= UInt64(Int64.max) else { return nil }
    return Int64(magnitude)
  }

  /// Moves past one JSON value: a string, an object or array (nested), or a scalar.
  private static func skipValue(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
    let n = b.count
    guard i < n else { return false }
    switch b[i] {
    case quote:
      return skipString(b, &i)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      while i < n {
        switch b[i] {
        case quote:
          guard skipString(b, &i) else { return false }
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth -= 1
          if depth == 0 {
            i += 1
            return true
          }
        default: break
        }
        i += 1
      }
      return false
    default:
      while i < n, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "}") { i += 1 }
      return i < n
    }
  }

  /// From an opening quote to just past its closing one, honouring escapes.
  private static func skipString(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
    i += 1
    while i < b.count {
      if b[i] == backslash {
        i += 2
        continue
      }
      if b[i] == quote {
        i += 1
        return true
      }
      i += 1
    }
    return false
  }
}

extension RecordCodec {
  /// The record's time without decoding its event: at a fixed offset in the
  /// binary layout, scanned (or decoded) in a JSON record.
  static func time(_ p: UnsafeRawBufferPointer, json: JSONDecoder) throws -> Int64 {
    if let t = binaryTime(p) { return t.milliseconds }
    return try RecordTimeScanner.time(p, decoder: json)
  }
}
