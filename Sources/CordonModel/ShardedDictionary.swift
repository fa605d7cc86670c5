import EventSourcing

/// A dictionary kept in shards, for the state's big tables (the alerts): a
/// copy of the state shares every shard, and a change then copies one shard
/// (1/256 of the entries) instead of the whole table. The store applies each
/// durable record to its committed state under its lock while a console or a
/// server connection holds the state from before, so with a plain
/// dictionary every change copied all 10,000 alerts on the writer's path.
///
/// Reads like a dictionary: `[key]`, `keys`, `values`, `count`, iteration as
/// `(key:, value:)`, `filter` keeping the type; encoded as a dictionary, so
/// snapshots and the wire read the same. Iteration order is unspecified, as
/// a dictionary's is.
public struct ShardedDictionary<Key: Hashable, Value> {
  static var shardCount: Int { 256 }
  /// Empty until the first entry, so an empty table allocates nothing.
  private var shards: [[Key: Value]] = []
  public private(set) var count = 0

  public init() {}

  public init(_ entries: [Key: Value]) {
    for (k, v) in entries { self[k] = v }
  }

  private static func shard(_ key: Key) -> Int { Int(UInt(bitPattern: key.hashValue) % UInt(shardCount)) }

  public subscript(key: Key) -> Value? {
    get { shards.isEmpty ? nil : shards[Self.shard(key)][key] }
    set {
      if shards.isEmpty {
        guard newValue != nil else { return }
        shards = Array(repeating: [:], count: Self.shardCount)
      }
      let i = Self.shard(key)
      let before = shards[i].count
      shards[i][key] = newValue
      count += shards[i].count - before
    }
  }

  public subscript(key: Key, default value: @autoclosure () -> Value) -> Value {
    get { self[key] ?? value() }
    set { self[key] = newValue }
  }

  @discardableResult
  public mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
    let old = self[key]
    self[key] = value
    return old
  }

  /// Changes the value for `key` where it sits in its shard, without moving it
  /// out and back in (which would copy what it holds); false when there is none.
  @discardableResult
  public mutating func modifyValue(forKey key: Key, _ change: (inout Value) throws -> Void) rethrows -> Bool {
    guard !shards.isEmpty else { return false }
    let s = Self.shard(key)
    guard let i = shards[s].index(forKey: key) else { return false }
    try change(&shards[s].values[i])
    return true
  }

  /// Shards grow as they fill: nothing to reserve up front (kept so code written for a dictionary reads the same).
  public mutating func reserveCapacity(_ minimumCapacity: Int) {}

  public mutating func removeAll() { self = ShardedDictionary() }

  public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> ShardedDictionary<Key, T> {
    var out = ShardedDictionary<Key, T>()
    for (k, v) in self { out[k] = try transform(v) }
    return out
  }

  @discardableResult
  public mutating func removeValue(forKey key: Key) -> Value? {
    let old = self[key]
    if old != nil { self[key] = nil }
    return old
  }

  public var isEmpty: Bool { count == 0 }

  /// The entries `isIncluded` keeps, as a table of the same kind.
  public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> ShardedDictionary {
    var out = ShardedDictionary()
    for e in self {
      if try isIncluded(e) { out[e.key] = e.value }
    }
    return out
  }

  /// Removes the entries `shouldBeRemoved` picks, in place: a shard with
  /// none of them is only read, so it stays shared with any copy of the state.
  public mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
    for s in shards.indices {
      guard try shards[s].contains(where: shouldBeRemoved) else { continue }
      let before = shards[s].count
      shards[s] = try shards[s].filter { try !shouldBeRemoved($0) }
      count -= before - shards[s].count
    }
  }

  /// The entries as a plain dictionary.
  public var dictionary: [Key: Value] {
    var d: [Key: Value] = [:]
    d.reserveCapacity(count)
    for (k, v) in self { d[k] = v }
    return d
  }
}

extension ShardedDictionary: Collection {
  public typealias Element = (key: Key, value: Value)

  public struct Index: Comparable {
    fileprivate let shard: Int
    /// Nil only at the end.
    fileprivate let inner: [Key: Value].Index?

    public static func < (a: Index, b: Index) -> Bool {
      if a.shard != b.shard { return a.shard < b.shard }
      switch (a.inner, b.inner) {
      case (let x?, let y?): return x < y
      case (.some, nil): return true
      default: return false
      }
    }
  }

  /// The first entry in `shard` or after it.
  private func first(fromShard shard: Int) -> Index {
    var s = shard
    while s < shards.count {
      if !shards[s].isEmpty { return Index(shard: s, inner: shards[s].startIndex) }
      s += 1
    }
    return endIndex
  }

  public var startIndex: Index { first(fromShard: 0) }
  public var endIndex: Index { Index(shard: shards.count, inner: nil) }

  public subscript(position: Index) -> Element {
    guard let inner = position.inner else { preconditionFailure("the end index of a ShardedDictionary") }
    return shards[position.shard][inner]
  }

  public func index(after i: Index) -> Index {
    guard let inner = i.inner else { return endIndex }
    let next = shards[i.shard].index(after: inner)
    return next == shards[i.shard].endIndex ? first(fromShard: i.shard + 1) : Index(shard: i.shard, inner: next)
  }

  public struct Iterator: IteratorProtocol {
    fileprivate var outer: IndexingIterator<[[Key: Value]]>
    fileprivate var inner: [Key: Value].Iterator?
    public mutating func next() -> Element? {
      while true {
        if let e = inner?.next() { return e }
        guard let shard = outer.next() else { return nil }
        inner = shard.makeIterator()
      }
    }
  }

  public func makeIterator() -> Iterator { Iterator(outer: shards.makeIterator(), inner: nil) }

  /// The keys; `contains` looks the key up.
  public struct Keys: Collection {
    public typealias Index = ShardedDictionary.Index
    fileprivate let base: ShardedDictionary
    public var startIndex: Index { base.startIndex }
    public var endIndex: Index { base.endIndex }
    public var count: Int { base.count }
    public var isEmpty: Bool { base.isEmpty }
    public subscript(position: Index) -> Key { base[position].key }
    public func index(after i: Index) -> Index { base.index(after: i) }
    public func contains(_ key: Key) -> Bool { base[key] != nil }
  }

  public struct Values: Collection {
    public typealias Index = ShardedDictionary.Index
    fileprivate let base: ShardedDictionary
    public var startIndex: Index { base.startIndex }
    public var endIndex: Index { base.endIndex }
    public var count: Int { base.count }
    public var isEmpty: Bool { base.isEmpty }
    public subscript(position: Index) -> Value { base[position].value }
    public func index(after i: Index) -> Index { base.index(after: i) }
  }

  public var keys: Keys { Keys(base: self) }
  public var values: Values { Values(base: self) }
}

extension ShardedDictionary: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (Key, Value)...) {
    for (k, v) in elements { self[k] = v }
  }
}

extension ShardedDictionary: Equatable where Value: Equatable {
  public static func == (a: ShardedDictionary, b: ShardedDictionary) -> Bool {
    a.count == b.count && a.allSatisfy { b[$0.key] == $0.value }
  }
}

extension ShardedDictionary: Sendable where Key: Sendable, Value: Sendable {}

extension ShardedDictionary: Codable where Key: Codable, Value: Codable {
  /// As the dictionary it stands for.
  public init(from decoder: Decoder) throws {
    self.init(try [Key: Value](from: decoder))
  }
  /// As `Dictionary` encodes itself (a keyed container for `String` and
  /// `Int` keys, else keys and values alternating in a list), straight from
  /// the shards: no dictionary of every entry is built first, and one table
  /// is written in the same order each time it is written.
  public func encode(to encoder: Encoder) throws {
    if Key.self == String.self || Key.self == Int.self {
      var c = encoder.container(keyedBy: EntryKey.self)
      for (k, v) in self {
        if let s = k as? String {
          try c.encode(v, forKey: EntryKey(stringValue: s))
        } else if let i = k as? Int {
          try c.encode(v, forKey: EntryKey(intValue: i))
        }
      }
    } else {
      var c = encoder.unkeyedContainer()
      for (k, v) in self {
        try c.encode(k)
        try c.encode(v)
      }
    }
  }
}

/// A dictionary entry's key as `Dictionary`'s own coding key has it.
private struct EntryKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(stringValue: String) { self.stringValue = stringValue }
  init(intValue: Int) {
    stringValue = "\(intValue)"
    self.intValue = intValue
  }
}

extension ShardedDictionary: CustomStringConvertible {
  public var description: String { dictionary.description }
}

extension ShardedDictionary: BinaryFastDecodable where Key: BinaryFastDictionaryKey, Value: BinaryFastDecodable {
  /// As the dictionary it is written as, straight into the shards (a
  /// snapshot's 10,000 alerts are not put in a dictionary first).
  public static func read(_ r: inout BinaryFieldReader) -> ShardedDictionary? {
    var d = ShardedDictionary()
    guard r.readEntries(Key.self, Value.self, { d[$0] = $1 }) else { return nil }
    return d
  }
}
