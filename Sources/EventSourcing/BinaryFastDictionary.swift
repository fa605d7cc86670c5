import Dispatch
import Foundation

/// The second half of a big table, read on another thread. Unchecked: the
/// buffer is only read, and the pairs are handed over once, after `done`.
private final class TableHalf<Key, Value>: @unchecked Sendable {
  let reader: BinaryFieldReader
  var pairs: [(Key, Value)] = []
  var ok = false
  let done = DispatchSemaphore(value: 0)
  init(_ reader: BinaryFieldReader) { self.reader = reader }
}

extension TableHalf where Key: BinaryFastDictionaryKey, Value: BinaryFastDecodable {
  func read(until end: Int, fieldNames: Bool) {
    var r = reader
    ok = r.readPairs(until: end, fieldNames: fieldNames) { pairs.append(($0, $1)) }
    done.signal()
  }
}

/// A dictionary key as `Codable` writes it: a `String` or `Int` key is the
/// field's name in a keyed container (an `Int` in decimal); any other key is
/// a value in a list of alternating keys and values. The fast reader of a
/// dictionary reads the same bytes as the standard library's `Decodable`
/// conformance, so a snapshot's tables need no container objects per entry.
public protocol BinaryFastDictionaryKey: Hashable, SendableMetatype {
  /// True for keys written as field names (`key(named:)` reads them).
  static var isFieldName: Bool { get }
  /// The key a field name stands for; nil when it is not one.
  static func key(named name: String) -> Self?
  /// The key written as a value, in the list form.
  static func readKey(_ r: inout BinaryFieldReader) -> Self?
}

extension BinaryFastDictionaryKey where Self: BinaryFastDecodable {
  public static var isFieldName: Bool { false }
  public static func key(named name: String) -> Self? { nil }
  public static func readKey(_ r: inout BinaryFieldReader) -> Self? { read(&r) }
}

extension String: BinaryFastDictionaryKey {
  public static var isFieldName: Bool { true }
  public static func key(named name: String) -> String? { name }
  public static func readKey(_ r: inout BinaryFieldReader) -> String? { nil }
}

extension Int: BinaryFastDictionaryKey {
  public static var isFieldName: Bool { true }
  /// As `Decodable` reads it (`Int(stringValue)`), so the same names are refused.
  public static func key(named name: String) -> Int? { Int(name) }
  public static func readKey(_ r: inout BinaryFieldReader) -> Int? { nil }
}

extension BinaryFieldReader {
  /// The entries of a dictionary written by `Codable`, in the order written,
  /// each handed to `insert`; false for anything unexpected (the caller then
  /// falls back to `Codable`, which says what is wrong). A key written twice
  /// keeps its last value, as `Decodable` does. `reserve` hears how many
  /// entries there are before the first is inserted, when that is known
  /// (a big table, whose entries are found first to read it in halves).
  public mutating func readEntries<Key: BinaryFastDictionaryKey, Value: BinaryFastDecodable>(
    _ key: Key.Type, _ value: Value.Type, reserve: (Int) -> Void = { _ in }, _ insert: (Key, Value) -> Void
  ) -> Bool {
    // Only the outermost table is split: the ones inside its entries are small.
    let outermost = mayReadInHalves
    mayReadInHalves = false
    defer { mayReadInHalves = outermost }
    if outermost, let split = readEntriesInHalves(Key.self, Value.self, reserve: reserve, insert) { return split }
    if Key.isFieldName {
      guard keyed() else { return false }
      while true {
        guard p < b.count else { return false }
        if b[p] == 0 {
          p += 1
          return true
        }
        guard let name = fieldName(), let k = Key.key(named: name), let v = Value.read(&self) else { return false }
        insert(k, v)
      }
    }
    guard p < b.count, b[p] == BinaryCoding.Tag.unkeyed else { return false }
    p += 1
    while true {
      guard p < b.count else { return false }
      if b[p] == BinaryCoding.Tag.end {
        p += 1
        return true
      }
      guard let k = Key.readKey(&self), p < b.count, b[p] != BinaryCoding.Tag.end, let v = Value.read(&self) else {
        return false
      }
      insert(k, v)
    }
  }

  /// The next field's name in a keyed container, moving past it: an enum's
  /// case name, say. Nil at the container's end.
  public mutating func caseName() -> String? { fieldName() }

  /// The next field's name in a keyed container, moving past it.
  mutating func fieldName() -> String? {
    var q = p
    guard let k = BinaryCoding.readVarint(b, &q), k > 0, k - 1 <= UInt64(b.count - q) else { return nil }
    let n = Int(k - 1)
    let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[q..<(q + n)]), as: UTF8.self)
    p = q + n
    return name
  }
}

extension Dictionary: BinaryFastDecodable where Key: BinaryFastDictionaryKey, Value: BinaryFastDecodable {
  public static func read(_ r: inout BinaryFieldReader) -> [Key: Value]? {
    var d: [Key: Value] = [:]
    // Sized once: grown by doubling, a table of 500,000 shifts moved every
    // entry about twice more (a fifth of a city's open, perf).
    guard r.readEntries(Key.self, Value.self, reserve: { d.reserveCapacity($0) }, { d[$0] = $1 }) else { return nil }
    return d
  }
}

extension Optional: BinaryFastDecodable where Wrapped: BinaryFastDecodable {
  /// A value or nil, as a list element or a dictionary value holds it.
  public static func read(_ r: inout BinaryFieldReader) -> Wrapped?? {
    if r.p < r.b.count, r.b[r.p] == BinaryCoding.Tag.null {
      r.p += 1
      return .some(nil)
    }
    return Wrapped.read(&r).map { .some($0) }
  }
}

extension BinaryFieldReader {
  /// A table of at least this many bytes is read in two halves at once: a
  /// city's snapshot is mostly a few such tables (sites, the duty log,
  /// shifts, people), and opening has two cores.
  static let splitBytes = 4 << 20

  /// `readEntries` for a big table with another core to read on: the
  /// entries are found by skipping over them (a quick walk), the two halves
  /// are read at once, and the second half's entries are inserted after the
  /// first half's, in the order written. Nil when the table is small, or
  /// its bytes are not a table (the caller then reads them in one go, and
  /// fails where they fail).
  mutating func readEntriesInHalves<Key: BinaryFastDictionaryKey, Value: BinaryFastDecodable>(
    _ key: Key.Type, _ value: Value.Type, reserve: (Int) -> Void, _ insert: (Key, Value) -> Void
  ) -> Bool? {
    guard b.count - p >= Self.splitBytes, ProcessInfo.processInfo.activeProcessorCount > 1 else { return nil }
    let fieldNames = Key.isFieldName
    guard p < b.count, b[p] == (fieldNames ? BinaryCoding.Tag.keyed : BinaryCoding.Tag.unkeyed) else { return nil }
    // Where each entry starts (its key), and where the table ends.
    let skipper = BinaryValueDecoder(b)
    var starts: [Int] = []
    var q = p + 1
    while true {
      guard q < b.count else { return nil }
      if fieldNames {
        if b[q] == 0 { break }
        starts.append(q)
        var k = q
        guard let n = BinaryCoding.readVarint(b, &k), n > 0, n - 1 <= UInt64(b.count - k),
          let next = try? skipper.skip(k + Int(n - 1))
        else { return nil }
        q = next
      } else {
        if b[q] == BinaryCoding.Tag.end { break }
        starts.append(q)
        guard let afterKey = try? skipper.skip(q), afterKey < b.count, b[afterKey] != BinaryCoding.Tag.end,
          let next = try? skipper.skip(afterKey)
        else { return nil }
        q = next
      }
    }
    let end = q
    guard end - p >= Self.splitBytes, starts.count >= 2 else { return nil }
    // The entry nearest the middle by bytes.
    let middle = p + (end - p) / 2
    var lo = 0
    var hi = starts.count - 1
    while lo < hi {
      let m = (lo + hi) / 2
      if starts[m] < middle { lo = m + 1 } else { hi = m }
    }
    let cut = max(1, lo)
    reserve(starts.count)
    var second = self
    second.p = starts[cut]
    let half = TableHalf<Key, Value>(second)
    DispatchQueue.global(qos: .userInitiated).async { half.read(until: end, fieldNames: fieldNames) }
    var first = self
    first.p = starts[0]
    let firstRead = first.readPairs(until: starts[cut], fieldNames: fieldNames, insert)
    half.done.wait()
    guard firstRead, half.ok else { return false }
    for (k, v) in half.pairs { insert(k, v) }
    p = end + 1
    return true
  }

  /// Entries from `p` up to the byte `end` (the start of another entry, or
  /// the table's end marker).
  fileprivate mutating func readPairs<Key: BinaryFastDictionaryKey, Value: BinaryFastDecodable>(
    until end: Int, fieldNames: Bool, _ insert: (Key, Value) -> Void
  ) -> Bool {
    while p < end {
      if fieldNames {
        guard let name = fieldName(), let k = Key.key(named: name), let v = Value.read(&self) else { return false }
        insert(k, v)
      } else {
        guard let k = Key.readKey(&self), p < b.count, b[p] != BinaryCoding.Tag.end, let v = Value.read(&self) else {
          return false
        }
        insert(k, v)
      }
    }
    return p == end
  }
}
