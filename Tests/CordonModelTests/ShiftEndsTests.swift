import EventSourcing
import XCTest

@testable import CordonModel

/// The chunked roster index against one sorted array, its plain form.
final class ShiftEndsTests: XCTestCase {
  typealias Entry = ShiftEnds.Entry

  /// Ends from few distinct values (so equal ends are ordered by id), in a shuffled order.
  static func entries(_ n: Int, seed: UInt64) -> [Entry] {
    var rng = SeededRandom(seed: seed)
    return (0..<n).map { i in Entry(end: Int64.random(in: 0...400, using: &rng) * 1_000, id: "s\(i)") }
  }

  /// A shift's length from its id: up to 30 hours (longer than a command allows, as a file's import may be).
  static func length(_ e: Entry) -> Int64 { Int64((Int(e.id.dropFirst()) ?? 0) * 7_919 % 30) * 3_600_000 }

  func testTheLongestShiftIsKeptAndOneThatOverflowsMakesItUnbounded() {
    var ends = ShiftEnds()
    ends.insert(Entry(end: 10, id: "a"), start: 4)
    ends.insert(Entry(end: 5, id: "b"), start: 2)
    XCTAssertEqual(ends.longest, 6)
    ends.insert(Entry(end: .max, id: "c"), start: -2)
    XCTAssertEqual(ends.longest, .max)
  }

  func testInsertingInAnyOrderKeepsEntriesSortedAndAnswersAsTheSortedArray() {
    let limit = ShiftEnds.chunkLimit
    for (n, seed) in [(0, 1), (1, 2), (limit, 3), (limit + 1, 4), (5 * limit + 17, 5)] as [(Int, UInt64)] {
      let input = Self.entries(n, seed: seed)
      var ends = ShiftEnds()
      for e in input { ends.insert(e, start: e.end - Self.length(e)) }
      let sorted = input.sorted()
      XCTAssertEqual(ends.all, sorted, "n=\(n)")
      XCTAssertEqual(ends.all.count, n)
      XCTAssertTrue(ends.chunks.allSatisfy { !$0.isEmpty && $0.count <= limit }, "n=\(n): a chunk out of bounds")
      if n > limit { XCTAssertGreaterThan(ends.chunks.count, 1, "n=\(n): never split") }
      let built = ShiftEnds(sorting: input.map { ($0, $0.end - Self.length($0)) })
      XCTAssertEqual(built.all, sorted, "n=\(n): built from a list")
      XCTAssertEqual(ends.longest, input.map(Self.length).max() ?? 0, "n=\(n)")
      XCTAssertEqual(built.longest, ends.longest, "n=\(n)")
      for t in stride(from: Int64(-1_000), through: 401_000, by: 7_000) {
        XCTAssertEqual(ends.entries(endingAfter: t), sorted.filter { $0.end > t }, "n=\(n) t=\(t)")
        var visited: [Entry] = []
        ends.forEach(endingAfter: t) { e in
          visited.append(e)
          return visited.count < 5
        }
        XCTAssertEqual(visited, Array(sorted.filter { $0.end > t }.prefix(5)), "n=\(n) t=\(t): visited")
        // Every third id "counts", as a cancelled shift does not.
        func counts(_ e: Entry) -> Bool { (Int(e.id.dropFirst()) ?? 0) % 3 == 0 }
        XCTAssertEqual(
          ends.last(endingAtOrBefore: t, where: counts), sorted.last { $0.end <= t && counts($0) }, "n=\(n) t=\(t)")
      }
    }
  }

  func testAppendingInOrderFillsChunksAndSplitsThem() {
    var ends = ShiftEnds()
    let n = 3 * ShiftEnds.chunkLimit
    for i in 0..<n { ends.insert(Entry(end: Int64(i), id: "s\(i)"), start: Int64(i)) }
    XCTAssertEqual(ends.all.map(\.end), (0..<n).map(Int64.init))
    XCTAssertTrue(ends.chunks.allSatisfy { $0.count <= ShiftEnds.chunkLimit })
    XCTAssertEqual(ends.entries(endingAfter: Int64(n - 3)).map(\.end), [Int64(n - 2), Int64(n - 1)])
  }
}
