/// The writing half of the fast paths (issue 18): the most frequent event
/// payloads written straight as `BinaryCoding` bytes, without `Codable`'s
/// tree of boxes. Every writer produces exactly the bytes the generic
/// encoder produces for the same value (its synthesised field order, a nil
/// optional left out as `encodeIfPresent` leaves it), so a record reads the
/// same whichever wrote it; `BinaryCodecTests` compares the two over every
/// case's sample. A burst of a thousand critical alerts is as many alerts
/// and notices journalled and sent to the consoles: encoding them through
/// `Codable` was the largest part of what the notices added, by perf.
public protocol BinaryFastEncodable {
  func write(_ w: inout BinaryFieldWriter)
}

/// Appends `BinaryCoding` values to a byte buffer, for the hand-written
/// fast encoders: `keyed()`, then each field in the synthesised order, then `end()`.
public struct BinaryFieldWriter {
  public var bytes: [UInt8]

  public init(into bytes: [UInt8] = []) { self.bytes = bytes }

  /// Writes onto the end of `out` in place (its buffer is moved into the
  /// writer and back, not copied); what `body` wrote is taken back when it
  /// returns false.
  public static func append(to out: inout [UInt8], _ body: (inout BinaryFieldWriter) -> Bool) -> Bool {
    let start = out.count
    var w = BinaryFieldWriter(into: out)
    out = []
    let kept = body(&w)
    out = w.bytes
    if !kept { out.removeSubrange(start...) }
    return kept
  }

  /// Opens a keyed container.
  public mutating func keyed() { bytes.append(BinaryCoding.Tag.keyed) }

  /// Closes a keyed container.
  public mutating func end() { bytes.append(0) }

  /// The key `name`: the value written next is its field's.
  public mutating func key(_ name: StaticString) {
    BinaryCoding.appendVarint(UInt64(name.utf8CodeUnitCount) + 1, to: &bytes)
    bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
  }

  public mutating func field<T: BinaryFastEncodable>(_ name: StaticString, _ value: T) {
    key(name)
    value.write(&self)
  }

  /// An optional field as the synthesised `encodeIfPresent` writes it: left out when nil.
  public mutating func optional<T: BinaryFastEncodable>(_ name: StaticString, _ value: T?) {
    guard let value else { return }
    field(name, value)
  }

  /// Opens the keyed container under the key `name`.
  public mutating func keyed(_ name: StaticString) {
    key(name)
    keyed()
  }

  // Values, type byte first.

  public mutating func writeString(_ s: String) {
    bytes.append(BinaryCoding.Tag.string)
    BinaryCoding.appendString(s, to: &bytes)
  }

  public mutating func writeInt64(_ v: Int64) {
    bytes.append(BinaryCoding.Tag.int)
    BinaryCoding.appendVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), to: &bytes)
  }

  public mutating func writeBool(_ b: Bool) { bytes.append(b ? BinaryCoding.Tag.yes : BinaryCoding.Tag.no) }
}

extension String: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeString(self) }
}

extension Int: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeInt64(Int64(self)) }
}

extension Int64: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeInt64(self) }
}

extension Bool: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeBool(self) }
}

extension Instant: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { w.writeInt64(milliseconds) }
}

extension Array: BinaryFastEncodable where Element: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) {
    w.bytes.append(BinaryCoding.Tag.unkeyed)
    for e in self { e.write(&w) }
    w.bytes.append(BinaryCoding.Tag.end)
  }
}

/// A raw-value enum writes its raw value, as its synthesised `Codable` does.
extension BinaryFastEncodable where Self: RawRepresentable, RawValue: BinaryFastEncodable {
  public func write(_ w: inout BinaryFieldWriter) { rawValue.write(&w) }
}
