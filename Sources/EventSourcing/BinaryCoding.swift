import Foundation

/// A compact, self-describing binary form of any `Codable` value: the
/// journal's event payload (see docs/journal-format.md) and the snapshots'.
///
/// Every value starts with one type byte:
///
/// | byte | value | then |
/// |---|---|---|
/// | 0x00 | nil | – |
/// | 0x01 / 0x02 | false / true | – |
/// | 0x03 | signed integer | zigzag LEB128 varint |
/// | 0x04 | unsigned integer | LEB128 varint |
/// | 0x05 | floating point | 8 bytes, IEEE 754 binary64, little-endian |
/// | 0x07 | string | varint byte count, UTF-8 bytes |
/// | 0x08 | keyed container | fields, each `varint (key length + 1)`, key UTF-8, value; then 0x00 |
/// | 0x09 | unkeyed container | values, then 0xFF |
///
/// Keys are written by name, so a field added, dropped or read in another
/// order decodes as it would from JSON (a missing optional is nil). Reading
/// is positional when the fields come in the order they were written (the
/// synthesised `Codable` order), and falls back to looking a key up.
public enum BinaryCoding {
  enum Tag {
    static let null: UInt8 = 0x00
    static let no: UInt8 = 0x01
    static let yes: UInt8 = 0x02
    static let int: UInt8 = 0x03
    static let uint: UInt8 = 0x04
    static let double: UInt8 = 0x05
    static let string: UInt8 = 0x07
    static let keyed: UInt8 = 0x08
    static let unkeyed: UInt8 = 0x09
    static let end: UInt8 = 0xFF
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
  }

  /// Appends the binary form of `value` to `out`.
  ///
  /// Values that are `BinaryFastEncodable` are written by their own
  /// writers, nested ones too, byte for byte what `Codable` writes;
  /// `fastPaths: false` writes everything through `Codable` (the tests'
  /// reference for those writers).
  public static func encode<T: Encodable>(_ value: T, into out: inout [UInt8], fastPaths: Bool = true) throws {
    let node = try BinaryTreeEncoder.encode(value, fastPaths: fastPaths)
    node.write(into: &out)
  }

  public static func encode<T: Encodable>(_ value: T, fastPaths: Bool = true) throws -> [UInt8] {
    var out: [UInt8] = []
    try encode(value, into: &out, fastPaths: fastPaths)
    return out
  }

  /// Decodes a `T` from the value at the start of `bytes`; `end` is set to
  /// just past it.
  ///
  /// Types that are `BinaryFastDecodable` are read by their own readers,
  /// nested ones too; `fastPaths: false` reads everything through `Codable`
  /// (the tests' reference for those readers).
  public static func decode<T: Decodable>(
    _ type: T.Type, from bytes: UnsafeRawBufferPointer, fastPaths: Bool = true
  ) throws -> T {
    let d = BinaryValueDecoder(bytes, fastPaths: fastPaths)
    return try d.decodeValue(T.self, at: 0)
  }

  public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], fastPaths: Bool = true) throws -> T {
    try bytes.withUnsafeBytes { try decode(type, from: $0, fastPaths: fastPaths) }
  }

  /// Decodes an enum whose synthesised `Codable` form is one key (the case
  /// name) holding the case's values, from a body written as that inner
  /// value alone (`encodeEnumBody`). The case name comes from the caller
  /// (a tag table), so the journal does not repeat it in every record.
  public static func decodeEnum<T: Decodable>(
    _ type: T.Type, caseName: String, body bytes: UnsafeRawBufferPointer
  ) throws -> T {
    let d = BinaryValueDecoder(bytes)
    d.rootCase = caseName
    return try T(from: d)
  }

  /// The inner value of an enum's synthesised form and its case name: what
  /// `decodeEnum` reads back.
  public static func encodeEnumBody<T: Encodable>(_ value: T, into out: inout [UInt8]) throws -> String {
    let node = try BinaryTreeEncoder.encode(value, fastPaths: true)
    guard case .keyed(let box) = node, box.fields.count == 1 else {
      throw Failure("\(T.self) does not encode as one case key")
    }
    box.fields[0].1.write(into: &out)
    return box.fields[0].0
  }

  // MARK: Primitives

  @inline(__always)
  static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
    var v = v
    while v >= 0x80 {
      out.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    out.append(UInt8(v))
  }

  @inline(__always)
  static func appendString(_ s: String, to out: inout [UInt8]) {
    var s = s
    s.withUTF8 { u in
      appendVarint(UInt64(u.count), to: &out)
      out.append(contentsOf: u)
    }
  }

  /// Reads a varint at `p`, advancing it; nil when cut short or over 64 bits.
  @inline(__always)
  static func readVarint(_ b: UnsafeRawBufferPointer, _ p: inout Int) -> UInt64? {
    var shift: UInt64 = 0
    var v: UInt64 = 0
    while p < b.count {
      let byte = b[p]
      p += 1
      if shift == 63 && byte > 1 { return nil }
      v |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return v }
      shift += 7
      if shift > 63 { return nil }
    }
    return nil
  }

  /// A string at `p` (varint length, then UTF-8), advancing `p`.
  static func readString(_ b: UnsafeRawBufferPointer, _ p: inout Int) -> String? {
    guard let n = readVarint(b, &p), n <= UInt64(b.count - p) else { return nil }
    let s = String(decoding: UnsafeRawBufferPointer(rebasing: b[p..<(p + Int(n))]), as: UTF8.self)
    p += Int(n)
    return s
  }

  /// Steps over a string without making it; false when it is cut short.
  static func skipString(_ b: UnsafeRawBufferPointer, _ p: inout Int) -> Bool {
    guard let n = readVarint(b, &p), n <= UInt64(b.count - p) else { return false }
    p += Int(n)
    return true
  }
}

// MARK: - Encoding: a tree first (containers may be filled in any order), then bytes

final class BinaryKeyedBox {
  var fields: [(String, BinaryNode)] = []
}

final class BinaryUnkeyedBox {
  var values: [BinaryNode] = []
}

/// A value being encoded; containers are boxes so nested containers can be
/// filled after they are made, as `Codable` allows.
enum BinaryNode {
  case null
  case bool(Bool)
  case int(Int64)
  case uint(UInt64)
  case double(Double)
  case string(String)
  case keyed(BinaryKeyedBox)
  case unkeyed(BinaryUnkeyedBox)
  /// A value handed to a `superEncoder`, resolved when written.
  case deferred(BinaryTreeEncoder)
  /// A value its `BinaryFastEncodable` writer wrote.
  case raw([UInt8])

  func write(into out: inout [UInt8]) {
    switch self {
    case .null: out.append(BinaryCoding.Tag.null)
    case .bool(let b): out.append(b ? BinaryCoding.Tag.yes : BinaryCoding.Tag.no)
    case .int(let v):
      out.append(BinaryCoding.Tag.int)
      BinaryCoding.appendVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), to: &out)
    case .uint(let v):
      out.append(BinaryCoding.Tag.uint)
      BinaryCoding.appendVarint(v, to: &out)
    case .double(let d):
      out.append(BinaryCoding.Tag.double)
      var bits = d.bitPattern.littleEndian
      withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
    case .string(let s):
      out.append(BinaryCoding.Tag.string)
      BinaryCoding.appendString(s, to: &out)
    case .keyed(let box):
      out.append(BinaryCoding.Tag.keyed)
      for (key, value) in box.fields {
        var k = key
        k.withUTF8 { u in
          BinaryCoding.appendVarint(UInt64(u.count) + 1, to: &out)
          out.append(contentsOf: u)
        }
        value.write(into: &out)
      }
      out.append(0)
    case .unkeyed(let box):
      out.append(BinaryCoding.Tag.unkeyed)
      for v in box.values { v.write(into: &out) }
      out.append(BinaryCoding.Tag.end)
    case .deferred(let e):
      (e.node ?? .null).write(into: &out)
    case .raw(let bytes):
      out.append(contentsOf: bytes)
    }
  }
}

final class BinaryTreeEncoder: Encoder {
  var codingPath: [CodingKey] = []
  var userInfo: [CodingUserInfoKey: Any] { [:] }
  var node: BinaryNode?
  /// Whether nested `BinaryFastEncodable` values are written by their own writers.
  let fastPaths: Bool

  init(fastPaths: Bool) { self.fastPaths = fastPaths }

  static func encode<T: Encodable>(_ value: T, fastPaths: Bool) throws -> BinaryNode {
    if let n = scalar(value) { return n }
    if fastPaths, let fast = value as? any BinaryFastEncodable {
      var w = BinaryFieldWriter()
      fast.write(&w)
      return .raw(w.bytes)
    }
    let e = BinaryTreeEncoder(fastPaths: fastPaths)
    try value.encode(to: e)
    return e.node ?? .keyed(BinaryKeyedBox())
  }

  /// Common scalars without a trip through `encode(to:)`.
  @inline(__always)
  static func scalar<T: Encodable>(_ value: T) -> BinaryNode? {
    switch value {
    case let v as String: return .string(v)
    case let v as Int: return .int(Int64(v))
    case let v as Int64: return .int(v)
    case let v as Bool: return .bool(v)
    case let v as UInt64: return .uint(v)
    case let v as Double: return .double(v)
    default: return nil
    }
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    let box: BinaryKeyedBox
    if case .keyed(let b) = node {
      box = b
    } else {
      box = BinaryKeyedBox()
      node = .keyed(box)
    }
    return KeyedEncodingContainer(BinaryKeyedEncoding<Key>(box: box, codingPath: codingPath, fastPaths: fastPaths))
  }

  func unkeyedContainer() -> UnkeyedEncodingContainer {
    let box: BinaryUnkeyedBox
    if case .unkeyed(let b) = node {
      box = b
    } else {
      box = BinaryUnkeyedBox()
      node = .unkeyed(box)
    }
    return BinaryUnkeyedEncoding(box: box, codingPath: codingPath, fastPaths: fastPaths)
  }

  func singleValueContainer() -> SingleValueEncodingContainer { BinarySingleEncoding(encoder: self) }
}

struct BinaryKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let box: BinaryKeyedBox
  var codingPath: [CodingKey]
  let fastPaths: Bool

  mutating func encodeNil(forKey key: Key) throws { box.fields.append((key.stringValue, .null)) }
  mutating func encode(_ value: Bool, forKey key: Key) throws { box.fields.append((key.stringValue, .bool(value))) }
  mutating func encode(_ value: String, forKey key: Key) throws {
    box.fields.append((key.stringValue, .string(value)))
  }
  mutating func encode(_ value: Double, forKey key: Key) throws {
    box.fields.append((key.stringValue, .double(value)))
  }
  mutating func encode(_ value: Float, forKey key: Key) throws {
    box.fields.append((key.stringValue, .double(Double(value))))
  }
  mutating func encode(_ value: Int, forKey key: Key) throws {
    box.fields.append((key.stringValue, .int(Int64(value))))
  }
  mutating func encode(_ value: Int8, forKey key: Key) throws {
    box.fields.append((key.stringValue, .int(Int64(value))))
  }
  mutating func encode(_ value: Int16, forKey key: Key) throws {
    box.fields.append((key.stringValue, .int(Int64(value))))
  }
  mutating func encode(_ value: Int32, forKey key: Key) throws {
    box.fields.append((key.stringValue, .int(Int64(value))))
  }
  mutating func encode(_ value: Int64, forKey key: Key) throws { box.fields.append((key.stringValue, .int(value))) }
  mutating func encode(_ value: UInt, forKey key: Key) throws {
    box.fields.append((key.stringValue, .uint(UInt64(value))))
  }
  mutating func encode(_ value: UInt8, forKey key: Key) throws {
    box.fields.append((key.stringValue, .uint(UInt64(value))))
  }
  mutating func encode(_ value: UInt16, forKey key: Key) throws {
    box.fields.append((key.stringValue, .uint(UInt64(value))))
  }
  mutating func encode(_ value: UInt32, forKey key: Key) throws {
    box.fields.append((key.stringValue, .uint(UInt64(value))))
  }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { box.fields.append((key.stringValue, .uint(value))) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    box.fields.append((key.stringValue, try BinaryTreeEncoder.encode(value, fastPaths: fastPaths)))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
    -> KeyedEncodingContainer<NestedKey>
  {
    let b = BinaryKeyedBox()
    box.fields.append((key.stringValue, .keyed(b)))
    return KeyedEncodingContainer(
      BinaryKeyedEncoding<NestedKey>(box: b, codingPath: codingPath + [key], fastPaths: fastPaths))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
    let b = BinaryUnkeyedBox()
    box.fields.append((key.stringValue, .unkeyed(b)))
    return BinaryUnkeyedEncoding(box: b, codingPath: codingPath + [key], fastPaths: fastPaths)
  }

  mutating func superEncoder() -> Encoder { superEncoder(named: "super") }
  mutating func superEncoder(forKey key: Key) -> Encoder { superEncoder(named: key.stringValue) }
  private func superEncoder(named name: String) -> Encoder {
    let e = BinaryTreeEncoder(fastPaths: fastPaths)
    box.fields.append((name, .deferred(e)))
    return e
  }
}

struct BinaryUnkeyedEncoding: UnkeyedEncodingContainer {
  let box: BinaryUnkeyedBox
  var codingPath: [CodingKey]
  let fastPaths: Bool
  var count: Int { box.values.count }

  mutating func encodeNil() throws { box.values.append(.null) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    box.values.append(try BinaryTreeEncoder.encode(value, fastPaths: fastPaths))
  }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    let b = BinaryKeyedBox()
    box.values.append(.keyed(b))
    return KeyedEncodingContainer(BinaryKeyedEncoding<NestedKey>(box: b, codingPath: codingPath, fastPaths: fastPaths))
  }
  mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
    let b = BinaryUnkeyedBox()
    box.values.append(.unkeyed(b))
    return BinaryUnkeyedEncoding(box: b, codingPath: codingPath, fastPaths: fastPaths)
  }
  mutating func superEncoder() -> Encoder {
    let e = BinaryTreeEncoder(fastPaths: fastPaths)
    box.values.append(.deferred(e))
    return e
  }
}

struct BinarySingleEncoding: SingleValueEncodingContainer {
  let encoder: BinaryTreeEncoder
  var codingPath: [CodingKey] { encoder.codingPath }
  mutating func encodeNil() throws { encoder.node = .null }
  mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
  mutating func encode(_ value: String) throws { encoder.node = .string(value) }
  mutating func encode(_ value: Double) throws { encoder.node = .double(value) }
  mutating func encode(_ value: Float) throws { encoder.node = .double(Double(value)) }
  mutating func encode(_ value: Int) throws { encoder.node = .int(Int64(value)) }
  mutating func encode(_ value: Int8) throws { encoder.node = .int(Int64(value)) }
  mutating func encode(_ value: Int16) throws { encoder.node = .int(Int64(value)) }
  mutating func encode(_ value: Int32) throws { encoder.node = .int(Int64(value)) }
  mutating func encode(_ value: Int64) throws { encoder.node = .int(value) }
  mutating func encode(_ value: UInt) throws { encoder.node = .uint(UInt64(value)) }
  mutating func encode(_ value: UInt8) throws { encoder.node = .uint(UInt64(value)) }
  mutating func encode(_ value: UInt16) throws { encoder.node = .uint(UInt64(value)) }
  mutating func encode(_ value: UInt32) throws { encoder.node = .uint(UInt64(value)) }
  mutating func encode(_ value: UInt64) throws { encoder.node = .uint(value) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    encoder.node = try BinaryTreeEncoder.encode(value, fastPaths: encoder.fastPaths)
  }
}

// MARK: - Decoding: straight from the bytes

/// One decoder per top-level value; nested values are decoded by the same
/// object, positioned at the value (`at`) before `init(from:)` runs.
final class BinaryValueDecoder: Decoder {
  let b: UnsafeRawBufferPointer
  /// Where the next container or single value is read.
  var at = 0
  var codingPath: [CodingKey] = []
  var userInfo: [CodingUserInfoKey: Any] { [:] }
  /// Set for `decodeEnum`: the root is a virtual keyed container holding one
  /// key, this case name, whose value is the whole buffer.
  var rootCase: String?
  /// False only in tests that check the fast readers against `Codable`.
  let fastPaths: Bool

  init(_ b: UnsafeRawBufferPointer, fastPaths: Bool = true) {
    self.b = b
    self.fastPaths = fastPaths
  }

  func fail(_ what: String, _ p: Int) -> BinaryCoding.Failure {
    BinaryCoding.Failure("binary payload: \(what) at byte \(p)")
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    if let name = rootCase {
      rootCase = nil
      let c = BinaryKeyedDecoding<Key>(decoder: self, start: -1)
      c.index = [name: at]
      c.order = [name]
      return KeyedDecodingContainer(c)
    }
    guard at < b.count, b[at] == BinaryCoding.Tag.keyed else { throw fail("expected a keyed container", at) }
    return KeyedDecodingContainer(BinaryKeyedDecoding<Key>(decoder: self, start: at + 1))
  }

  func unkeyedContainer() throws -> UnkeyedDecodingContainer {
    guard at < b.count, b[at] == BinaryCoding.Tag.unkeyed else { throw fail("expected a list", at) }
    return BinaryUnkeyedDecoding(decoder: self, cursor: at + 1)
  }

  func singleValueContainer() throws -> SingleValueDecodingContainer { BinarySingleDecoding(decoder: self, at: at) }

  // Scalars at p: the value and the position after it.

  @inline(__always)
  func int(at p: Int) throws -> (Int64, Int) {
    var q = p + 1
    guard p < b.count else { throw fail("missing value", p) }
    switch b[p] {
    case BinaryCoding.Tag.int:
      guard let z = BinaryCoding.readVarint(b, &q) else { throw fail("bad varint", p) }
      return (Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1), q)
    case BinaryCoding.Tag.uint:
      guard let u = BinaryCoding.readVarint(b, &q), u <= UInt64(Int64.max) else { throw fail("integer too large", p) }
      return (Int64(u), q)
    default: throw fail("expected an integer", p)
    }
  }

  @inline(__always)
  func uint(at p: Int) throws -> (UInt64, Int) {
    guard p < b.count else { throw fail("missing value", p) }
    if b[p] == BinaryCoding.Tag.uint {
      var q = p + 1
      guard let u = BinaryCoding.readVarint(b, &q) else { throw fail("bad varint", p) }
      return (u, q)
    }
    let (v, q) = try int(at: p)
    guard v >= 0 else { throw fail("negative value for an unsigned integer", p) }
    return (UInt64(v), q)
  }

  func integer<T: FixedWidthInteger>(_ type: T.Type, at p: Int) throws -> (T, Int) {
    if T.isSigned {
      let (v, q) = try int(at: p)
      guard let t = T(exactly: v) else { throw fail("\(v) does not fit \(T.self)", p) }
      return (t, q)
    }
    let (v, q) = try uint(at: p)
    guard let t = T(exactly: v) else { throw fail("\(v) does not fit \(T.self)", p) }
    return (t, q)
  }

  @inline(__always)
  func string(at p: Int) throws -> (String, Int) {
    guard p < b.count, b[p] == BinaryCoding.Tag.string else { throw fail("expected a string", p) }
    var q = p + 1
    guard let s = BinaryCoding.readString(b, &q) else { throw fail("string cut short", p) }
    return (s, q)
  }

  func bool(at p: Int) throws -> (Bool, Int) {
    guard p < b.count else { throw fail("missing value", p) }
    switch b[p] {
    case BinaryCoding.Tag.yes: return (true, p + 1)
    case BinaryCoding.Tag.no: return (false, p + 1)
    default: throw fail("expected a Boolean", p)
    }
  }

  func double(at p: Int) throws -> (Double, Int) {
    guard p < b.count else { throw fail("missing value", p) }
    if b[p] == BinaryCoding.Tag.double {
      guard p + 9 <= b.count else { throw fail("number cut short", p) }
      var bits: UInt64 = 0
      withUnsafeMutableBytes(of: &bits) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[(p + 1)..<(p + 9)])) }
      return (Double(bitPattern: UInt64(littleEndian: bits)), p + 9)
    }
    let (v, q) = try int(at: p)
    return (Double(v), q)
  }

  /// Decodes any value at `p`. Returns the value; `skip` finds where it ends.
  @inline(__always)
  func decodeValue<T: Decodable>(_ type: T.Type, at p: Int) throws -> T {
    try decodeValueAndEnd(T.self, at: p).0
  }

  /// Decodes any value at `p`, and where it ends when that is known without
  /// a `skip` (a scalar, or a value read by its `BinaryFastDecodable` reader).
  @inline(__always)
  func decodeValueAndEnd<T: Decodable>(_ type: T.Type, at p: Int, fast: Bool = true) throws -> (T, Int?) {
    // Same type, checked: the cast is exact.
    if T.self == String.self {
      let (s, q) = try string(at: p)
      return (unsafeBitCast(s, to: T.self), q)
    }
    if T.self == Int.self {
      let (v, q) = try integer(Int.self, at: p)
      return (unsafeBitCast(v, to: T.self), q)
    }
    if T.self == Int64.self {
      let (v, q) = try int(at: p)
      return (unsafeBitCast(v, to: T.self), q)
    }
    if T.self == Bool.self {
      let (v, q) = try bool(at: p)
      return (unsafeBitCast(v, to: T.self), q)
    }
    if fast, let v = decodeFast(T.self, at: p) { return v }
    let saved = at
    at = p
    defer { at = saved }
    return (try T(from: self), nil)
  }

  /// The value at `p` read by its type's `BinaryFastDecodable` reader, and
  /// where it ends; nil when the type has none or the reader did not expect
  /// these bytes (then `Codable` reads them, and reports what is wrong). A
  /// snapshot's tables are read this way without a container object, a
  /// coding path or a `skip` per value.
  @inline(__always)
  func decodeFast<T>(_ type: T.Type, at p: Int) -> (T, Int)? {
    guard fastPaths, let reader = T.self as? BinaryFastDecodable.Type else { return nil }
    return Self.read(reader, as: T.self, b, at: p)
  }

  private static func read<F: BinaryFastDecodable, T>(
    _ reader: F.Type, as type: T.Type, _ b: UnsafeRawBufferPointer, at p: Int
  ) -> (T, Int)? {
    var r = BinaryFieldReader(b)
    r.p = p
    guard let v = F.read(&r) as? T else { return nil }
    return (v, r.p)
  }

  /// The position just past the value at `p`.
  func skip(_ p: Int) throws -> Int {
    guard p < b.count else { throw fail("missing value", p) }
    var q = p + 1
    switch b[p] {
    case BinaryCoding.Tag.null, BinaryCoding.Tag.no, BinaryCoding.Tag.yes: return q
    case BinaryCoding.Tag.int, BinaryCoding.Tag.uint:
      guard BinaryCoding.readVarint(b, &q) != nil else { throw fail("bad varint", p) }
      return q
    case BinaryCoding.Tag.double:
      guard p + 9 <= b.count else { throw fail("number cut short", p) }
      return p + 9
    case BinaryCoding.Tag.string:
      guard let n = BinaryCoding.readVarint(b, &q), n <= UInt64(b.count - q) else { throw fail("string cut short", p) }
      return q + Int(n)
    case BinaryCoding.Tag.keyed:
      while true {
        guard let k = BinaryCoding.readVarint(b, &q) else { throw fail("container cut short", p) }
        if k == 0 { return q }
        guard k - 1 <= UInt64(b.count - q) else { throw fail("key cut short", q) }
        q = try skip(q + Int(k - 1))
      }
    case BinaryCoding.Tag.unkeyed:
      while true {
        guard q < b.count else { throw fail("list cut short", p) }
        if b[q] == BinaryCoding.Tag.end { return q + 1 }
        q = try skip(q)
      }
    default: throw fail("unknown value type \(b[p])", p)
    }
  }
}

final class BinaryKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let decoder: BinaryValueDecoder
  let codingPath: [CodingKey]
  /// Just past the type byte; -1 for the virtual root of `decodeEnum`.
  let start: Int
  /// Where the next field's key is, while fields are read in written order
  /// (once `pending` is stepped over).
  var cursor: Int
  /// The value of the field just found, not yet stepped over: the decode
  /// that reads it usually learns where it ends (`settle`), so a nested
  /// table is not walked once to skip it and again to read it.
  var pending: Int?
  /// Key → value position, built the first time a key is not the next one.
  var index: [String: Int]?
  var order: [String] = []

  init(decoder: BinaryValueDecoder, start: Int) {
    self.decoder = decoder
    self.codingPath = decoder.codingPath
    self.start = start
    self.cursor = start
  }

  var allKeys: [Key] {
    guard (try? buildIndex()) != nil else { return [] }
    return order.compactMap { Key(stringValue: $0) }
  }

  private func buildIndex() throws -> [String: Int] {
    if let index { return index }
    var idx: [String: Int] = [:]
    let b = decoder.b
    var q = start
    while true {
      guard let k = BinaryCoding.readVarint(b, &q) else { throw decoder.fail("container cut short", q) }
      if k == 0 { break }
      guard k - 1 <= UInt64(b.count - q) else { throw decoder.fail("key cut short", q) }
      let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[q..<(q + Int(k - 1))]), as: UTF8.self)
      q += Int(k - 1)
      if idx[name] == nil { order.append(name) }
      idx[name] = q
      q = try decoder.skip(q)
    }
    index = idx
    return idx
  }

  /// Where the value of `key` is, or nil when the container has no such key.
  @inline(__always)
  private func find(_ key: Key) throws -> Int? {
    if index == nil {
      let b = decoder.b
      if let p = pending {
        cursor = try decoder.skip(p)
        pending = nil
      }
      var q = cursor
      if let k = BinaryCoding.readVarint(b, &q), k > 0, k - 1 <= UInt64(b.count - q), let base = b.baseAddress {
        let n = Int(k - 1)
        var name = key.stringValue
        let same = name.withUTF8 { u in
          guard u.count == n else { return false }
          guard n > 0, let ub = u.baseAddress else { return true }
          return memcmp(ub, base + q, n) == 0
        }
        if same {
          let valueAt = q + n
          pending = valueAt
          return valueAt
        }
      }
    }
    return try buildIndex()[key.stringValue]
  }

  /// The field whose value is at `p` ends at `end`: the next key is there.
  @inline(__always)
  private func settle(_ p: Int, end: Int?) {
    if let end, pending == p {
      cursor = end
      pending = nil
    }
  }

  private func value(_ key: Key) throws -> Int {
    guard let p = try find(key) else {
      throw DecodingError.keyNotFound(
        key, .init(codingPath: codingPath, debugDescription: "binary payload: no field \(key.stringValue)"))
    }
    return p
  }

  // Neither moves the cursor: the decode that follows reads the same field.
  func contains(_ key: Key) -> Bool {
    let saved = (cursor, pending)
    defer { (cursor, pending) = saved }
    return ((try? find(key)) ?? nil) != nil
  }

  func decodeNil(forKey key: Key) throws -> Bool {
    let saved = (cursor, pending)
    defer { (cursor, pending) = saved }
    guard let p = try find(key) else { return true }
    return decoder.b[p] == BinaryCoding.Tag.null
  }

  /// A scalar field: read at its value, then the cursor moves past it.
  @inline(__always)
  private func scalar<T>(_ key: Key, _ read: (Int) throws -> (T, Int)) throws -> T {
    let p = try value(key)
    let (v, end) = try read(p)
    settle(p, end: end)
    return v
  }

  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(key, decoder.bool) }
  func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(key, decoder.string) }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(key, decoder.double) }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try scalar(key, decoder.double)) }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
    try scalar(key) { try decoder.integer(Int.self, at: $0) }
  }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
    try scalar(key) { try decoder.integer(Int8.self, at: $0) }
  }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
    try scalar(key) { try decoder.integer(Int16.self, at: $0) }
  }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
    try scalar(key) { try decoder.integer(Int32.self, at: $0) }
  }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(key, decoder.int) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
    try scalar(key) { try decoder.integer(UInt.self, at: $0) }
  }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
    try scalar(key) { try decoder.integer(UInt8.self, at: $0) }
  }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
    try scalar(key) { try decoder.integer(UInt16.self, at: $0) }
  }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
    try scalar(key) { try decoder.integer(UInt32.self, at: $0) }
  }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scalar(key, decoder.uint) }
  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try nested(T.self, at: value(key), key)
  }

  /// A nested value: its fast reader when it has one, else `Codable` with
  /// the key on the coding path (for the error's message).
  @inline(__always)
  private func nested<T: Decodable>(_ type: T.Type, at p: Int, _ key: Key) throws -> T {
    if let (v, end) = decoder.decodeFast(T.self, at: p) {
      settle(p, end: end)
      return v
    }
    decoder.codingPath.append(key)
    defer { decoder.codingPath.removeLast() }
    let (v, end) = try decoder.decodeValueAndEnd(T.self, at: p, fast: false)
    settle(p, end: end)
    return v
  }

  func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
    guard let p = try find(key), decoder.b[p] != BinaryCoding.Tag.null else { return nil }
    let (s, end) = try decoder.string(at: p)
    settle(p, end: end)
    return s
  }
  func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
    guard let p = try find(key), decoder.b[p] != BinaryCoding.Tag.null else { return nil }
    let (v, end) = try decoder.integer(Int.self, at: p)
    settle(p, end: end)
    return v
  }
  func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
    guard let p = try find(key), decoder.b[p] != BinaryCoding.Tag.null else { return nil }
    let (v, end) = try decoder.bool(at: p)
    settle(p, end: end)
    return v
  }
  func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
    guard let p = try find(key), decoder.b[p] != BinaryCoding.Tag.null else { return nil }
    return try nested(T.self, at: p, key)
  }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    let p = try value(key)
    guard decoder.b[p] == BinaryCoding.Tag.keyed else { throw decoder.fail("expected a keyed container", p) }
    return KeyedDecodingContainer(BinaryKeyedDecoding<NestedKey>(decoder: decoder, start: p + 1))
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
    let p = try value(key)
    guard decoder.b[p] == BinaryCoding.Tag.unkeyed else { throw decoder.fail("expected a list", p) }
    return BinaryUnkeyedDecoding(decoder: decoder, cursor: p + 1)
  }

  func superDecoder() throws -> Decoder { try superDecoder(named: "super") }
  func superDecoder(forKey key: Key) throws -> Decoder { try superDecoder(named: key.stringValue) }
  private func superDecoder(named name: String) throws -> Decoder {
    guard let p = try buildIndex()[name] else { throw decoder.fail("no field \(name)", start) }
    let d = BinaryValueDecoder(decoder.b, fastPaths: decoder.fastPaths)
    d.at = p
    return d
  }
}

struct BinaryUnkeyedDecoding: UnkeyedDecodingContainer {
  let decoder: BinaryValueDecoder
  var cursor: Int
  var codingPath: [CodingKey] { decoder.codingPath }
  var count: Int? { nil }
  var currentIndex = 0
  var isAtEnd: Bool { cursor >= decoder.b.count || decoder.b[cursor] == BinaryCoding.Tag.end }

  init(decoder: BinaryValueDecoder, cursor: Int) {
    self.decoder = decoder
    self.cursor = cursor
  }

  private mutating func next() throws -> Int {
    guard !isAtEnd else { throw decoder.fail("list ended", cursor) }
    let p = cursor
    cursor = try decoder.skip(p)
    currentIndex += 1
    return p
  }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, decoder.b[cursor] == BinaryCoding.Tag.null else { return false }
    cursor += 1
    currentIndex += 1
    return true
  }

  mutating func decode(_ type: String.Type) throws -> String {
    guard !isAtEnd else { throw decoder.fail("list ended", cursor) }
    let (s, q) = try decoder.string(at: cursor)
    cursor = q
    currentIndex += 1
    return s
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    guard !isAtEnd else { throw decoder.fail("list ended", cursor) }
    let p = cursor
    let (v, end) = try decoder.decodeValueAndEnd(T.self, at: p)
    cursor = try end ?? decoder.skip(p)
    currentIndex += 1
    return v
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    let p = try next()
    guard decoder.b[p] == BinaryCoding.Tag.keyed else { throw decoder.fail("expected a keyed container", p) }
    return KeyedDecodingContainer(BinaryKeyedDecoding<NestedKey>(decoder: decoder, start: p + 1))
  }

  mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
    let p = try next()
    guard decoder.b[p] == BinaryCoding.Tag.unkeyed else { throw decoder.fail("expected a list", p) }
    return BinaryUnkeyedDecoding(decoder: decoder, cursor: p + 1)
  }

  mutating func superDecoder() throws -> Decoder {
    let p = try next()
    let d = BinaryValueDecoder(decoder.b, fastPaths: decoder.fastPaths)
    d.at = p
    return d
  }
}

struct BinarySingleDecoding: SingleValueDecodingContainer {
  let decoder: BinaryValueDecoder
  let at: Int
  var codingPath: [CodingKey] { decoder.codingPath }

  func decodeNil() -> Bool { at >= decoder.b.count || decoder.b[at] == BinaryCoding.Tag.null }
  func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(at: at).0 }
  func decode(_ type: String.Type) throws -> String { try decoder.string(at: at).0 }
  func decode(_ type: Double.Type) throws -> Double { try decoder.double(at: at).0 }
  func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double(at: at).0) }
  func decode(_ type: Int.Type) throws -> Int { try decoder.integer(Int.self, at: at).0 }
  func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(Int8.self, at: at).0 }
  func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(Int16.self, at: at).0 }
  func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(Int32.self, at: at).0 }
  func decode(_ type: Int64.Type) throws -> Int64 { try decoder.int(at: at).0 }
  func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(UInt.self, at: at).0 }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(UInt8.self, at: at).0 }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(UInt16.self, at: at).0 }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(UInt32.self, at: at).0 }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.uint(at: at).0 }
  func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self, at: at) }
}
