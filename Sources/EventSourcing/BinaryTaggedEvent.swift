import Foundation

/// An event type whose cases carry stable numeric tags in the journal's
/// binary payload (docs/journal-format.md): the tag replaces the case name in
/// every record. `binaryTag` is an exhaustive switch, so a new case does not
/// compile until it has one; a tag, once used, names its case for ever.
public protocol BinaryTaggedEvent: Sendable {
  var binaryTag: UInt16 { get }
  /// The case name `Codable` gives the case with this tag; nil for no case.
  static func binaryCaseName(forTag tag: UInt16) -> String?
  /// Decoders for the most frequent cases may skip `Codable`'s machinery
  /// (replay reads millions of them). They read the same bytes as the
  /// generic decoder and return nil for anything unexpected (another field
  /// order, a field added), which the generic decoder then reads. A
  /// requirement, not only an extension method, so that `RecordCodec`, which
  /// holds the type as an existential, calls the event's own.
  static func decodeFast(tag: UInt16, body: UnsafeRawBufferPointer) -> Self?
  /// Appends the case's body exactly as `BinaryCoding.encodeEnumBody` would
  /// (BinaryFastEncoding.swift), for the most frequent cases; false, having
  /// appended nothing, for a case left to `Codable`. A requirement for the
  /// same reason as `decodeFast`.
  func encodeFast(into out: inout [UInt8]) -> Bool
}

extension BinaryTaggedEvent {
  public static func decodeFast(tag: UInt16, body: UnsafeRawBufferPointer) -> Self? { nil }
  public func encodeFast(into out: inout [UInt8]) -> Bool { false }
}

/// A value the fast decoders read straight from `BinaryCoding` bytes, type
/// byte first, without `Codable`: scalars, lists, raw-value enums, and the
/// event payloads' structs, each reading its fields in their written order.
/// `read` returns nil for anything it does not expect, never a wrong value,
/// so the caller falls back to the generic decoder.
/// Its metatype is `Sendable`: a big table is read on two threads.
public protocol BinaryFastDecodable: SendableMetatype {
  static func read(_ r: inout BinaryFieldReader) -> Self?
}

extension String: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> String? { r.readString() }
}

extension Int: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Int? { r.readInt64().flatMap { Int(exactly: $0) } }
}

extension Int64: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Int64? { r.readInt64() }
}

extension Bool: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Bool? { r.readBool() }
}

extension Instant: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Instant? { r.readInt64().map(Instant.init(milliseconds:)) }
}

extension Array: BinaryFastDecodable where Element: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> [Element]? {
    guard r.p < r.b.count, r.b[r.p] == BinaryCoding.Tag.unkeyed else { return nil }
    r.p += 1
    var out: [Element] = []
    while r.p < r.b.count, r.b[r.p] != BinaryCoding.Tag.end {
      guard let e = Element.read(&r) else { return nil }
      out.append(e)
    }
    guard r.p < r.b.count else { return nil }
    r.p += 1
    return out
  }
}

/// A raw-value enum reads its raw value; an unknown one is nil (the generic
/// decoder then throws, as `Codable` does).
extension BinaryFastDecodable where Self: RawRepresentable, RawValue: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> Self? { RawValue.read(&r).flatMap(Self.init(rawValue:)) }
}

/// Reads a `BinaryCoding` value field by field, in the order written, for the
/// hand-written fast decoders. Every read checks the type byte and the key
/// and returns nil (or false) when they are not the ones expected.
public struct BinaryFieldReader {
  let b: UnsafeRawBufferPointer
  var p = 0
  /// False inside a table's entries (`readEntries`): a table there is not split.
  var mayReadInHalves = true

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

  public mutating func string(_ name: StaticString) -> String? { key(name) ? readString() : nil }

  public mutating func int(_ name: StaticString) -> Int? { key(name) ? Int.read(&self) : nil }

  /// The field `name`, when it is the next one and reads as a `T`.
  public mutating func field<T: BinaryFastDecodable>(_ name: StaticString, as type: T.Type = T.self) -> T? {
    key(name) ? T.read(&self) : nil
  }

  /// An optional field, as the synthesised `decodeIfPresent` reads it: a
  /// field that is not next, or holds nil, is `.some(nil)`; nil (outer) when
  /// it is there but unreadable. A field that comes later after all is left
  /// unread, so the container's `end()` fails and the caller falls back.
  public mutating func optional<T: BinaryFastDecodable>(_ name: StaticString, as type: T.Type = T.self) -> T?? {
    guard key(name) else { return .some(nil) }
    if p < b.count, b[p] == BinaryCoding.Tag.null {
      p += 1
      return .some(nil)
    }
    guard let v = T.read(&self) else { return nil }
    return .some(v)
  }

  // Values at the current position, type byte first.

  public mutating func readString() -> String? {
    guard p < b.count, b[p] == BinaryCoding.Tag.string else { return nil }
    var q = p + 1
    guard let s = BinaryCoding.readString(b, &q) else { return nil }
    p = q
    return s
  }

  public mutating func readInt64() -> Int64? {
    guard p < b.count else { return nil }
    var q = p + 1
    switch b[p] {
    case BinaryCoding.Tag.int:
      guard let z = BinaryCoding.readVarint(b, &q) else { return nil }
      p = q
      return Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
    case BinaryCoding.Tag.uint:
      guard let u = BinaryCoding.readVarint(b, &q), let v = Int64(exactly: u) else { return nil }
      p = q
      return v
    default: return nil
    }
  }

  public mutating func readBool() -> Bool? {
    guard p < b.count else { return nil }
    switch b[p] {
    case BinaryCoding.Tag.yes:
      p += 1
      return true
    case BinaryCoding.Tag.no:
      p += 1
      return false
    default: return nil
    }
  }

  /// Enters the keyed container under the key `name`.
  public mutating func keyed(_ name: StaticString) -> Bool { key(name) && keyed() }

  /// True when every byte was read.
  public var isAtEnd: Bool { p == b.count }
}
