import EventSourcing

/// A newest-first list kept in append order: adding the newest is O(1),
/// where an array's `insert(_:at: 0)` moves every element (a site's 96
/// rounds, 4.6 KB, on every round replayed; 10,000 fever cases, 800 KB, on
/// every fever recorded), and dropping the oldest is amortised O(1).
///
/// Readers see the newest-first list, index 0 the newest. It is equal,
/// encoded and decoded exactly as that array, so states and snapshots are
/// unchanged, whichever encoder.
public struct NewestFirst<Element>: RandomAccessCollection, MutableCollection {
  /// Oldest first; the first `dropped` are no longer in the list.
  private var storage: [Element]
  private var dropped = 0

  public init() { storage = [] }

  /// The list `newestFirst` is.
  public init(_ newestFirst: some Sequence<Element>) { storage = newestFirst.reversed() }

  public var startIndex: Int { 0 }
  public var endIndex: Int { storage.count - dropped }

  public subscript(position: Int) -> Element {
    get {
      precondition(position >= 0 && position < endIndex, "NewestFirst index out of range")
      return storage[storage.count - 1 - position]
    }
    set {
      precondition(position >= 0 && position < endIndex, "NewestFirst index out of range")
      storage[storage.count - 1 - position] = newValue
    }
  }

  /// Adds `element` as the newest.
  public mutating func prepend(_ element: Element) { storage.append(element) }

  /// Drops the oldest beyond the newest `limit`.
  public mutating func keepNewest(_ limit: Int) {
    let extra = count - Swift.max(0, limit)
    guard extra > 0 else { return }
    dropped += extra
    // Moved once the dead part is as long as the live one: amortised O(1).
    if dropped >= storage.count - dropped { compact() }
  }

  /// Removes the elements `shouldRemove` picks; the rest keep their order.
  public mutating func removeAll(where shouldRemove: (Element) throws -> Bool) rethrows {
    compact()
    try storage.removeAll(where: shouldRemove)
  }

  private mutating func compact() {
    guard dropped > 0 else { return }
    storage.removeFirst(dropped)
    dropped = 0
  }
}

extension NewestFirst: ExpressibleByArrayLiteral {
  public init(arrayLiteral newestFirst: Element...) { self.init(newestFirst) }
}

extension NewestFirst: Equatable where Element: Equatable {
  public static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }
}

extension NewestFirst: Sendable where Element: Sendable {}

extension NewestFirst: CustomStringConvertible {
  public var description: String { Array(self).description }
}

extension NewestFirst: Encodable where Element: Encodable {
  /// As the newest-first array.
  public func encode(to encoder: Encoder) throws { try Array(self).encode(to: encoder) }
}

extension NewestFirst: Decodable where Element: Decodable {
  public init(from decoder: Decoder) throws { self.init(try [Element](from: decoder)) }
}

extension NewestFirst: BinaryFastDecodable where Element: BinaryFastDecodable {
  /// As the newest-first array it is written as, turned round in place.
  public static func read(_ r: inout BinaryFieldReader) -> NewestFirst? {
    guard var elements = [Element].read(&r) else { return nil }
    elements.reverse()
    var list = NewestFirst()
    list.storage = elements
    return list
  }
}
