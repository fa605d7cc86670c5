import Foundation

/// An event type whose cases carry stable numeric tags in the journal's
/// binary payload (docs/journal-format.md): the tag replaces the case name in
/// every record. `binaryTag` is an exhaustive switch, so a new case does not
/// compile until it has one; a tag, once used, names its case for ever.
public protocol BinaryTaggedEvent: Sendable {
  var binaryTag: UInt16 { get }
  /// The case name `Codable` gives the case with this tag; nil for no case.
  static func binaryCaseName(forTag tag: UInt16) -> String?
}

extension BinaryTaggedEvent {
  /// Hand-written decoders for the most frequent cases may skip `Codable`'s
  /// machinery (replay reads millions of them). They read the same bytes as
  /// the generic decoder and return nil for anything unexpected (another
  /// field order, a field added), which the generic decoder then reads.
  public static func decodeFast(tag: UInt16, body: UnsafeRawBufferPointer) -> Self? { nil }
}

/// Reads a `BinaryCoding` value field by field, in the order written, for the
/// hand-written fast decoders. Every read checks the type byte and the key
/// and returns nil (or false) when they are not the ones expected.
public struct BinaryFieldReader {
  let b: UnsafeRawBufferPointer
  var p = 0

  public init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

  /// Enters a keyed container.
  public mutating func keyed() -> Bool {
    guard p < b.count, b[p] == BinaryCoding.Tag.keyed else { return false }
    p += 1
    return true
  }

  /// Leaves a keyed container: true when no field is left in it.
  public mutating func end() -> Bool {
    guard p < b.count, b[p] == 0 else { return false }
    p += 1
    return true
  }

  /// Moves past the key `name`, when it is the next one.
  public mutating func key(_ name: StaticString) -> Bool {
    var q = p
    guard let k = BinaryCoding.readVarint(b, &q), k > 0, k - 1 == UInt64(name.utf8CodeUnitCount) else { return false }
    let n = Int(k - 1)
    guard n <= b.count - q, let base = b.baseAddress else { return false }
    guard n == 0 || memcmp(base + q, name.utf8Start, n) == 0 else { return false }
    p = q + n
    return true
  }

  public mutating func string(_ name: StaticString) -> String? {
    guard key(name), p < b.count, b[p] == BinaryCoding.Tag.string else { return nil }
    var q = p + 1
    guard let s = BinaryCoding.readString(b, &q) else { return nil }
    p = q
    return s
  }

  public mutating func int(_ name: StaticString) -> Int? {
    guard key(name), p < b.count else { return nil }
    var q = p + 1
    switch b[p] {
    case BinaryCoding.Tag.int:
      guard let z = BinaryCoding.readVarint(b, &q) else { return nil }
      p = q
      return Int(exactly: Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1))
    case BinaryCoding.Tag.uint:
      guard let u = BinaryCoding.readVarint(b, &q), let v = Int(exactly: u) else { return nil }
      p = q
      return v
    default: return nil
    }
  }

  /// Enters the keyed container under the key `name`.
  public mutating func keyed(_ name: StaticString) -> Bool { key(name) && keyed() }

  /// True when every byte was read.
  public var isAtEnd: Bool { p == b.count }
}
