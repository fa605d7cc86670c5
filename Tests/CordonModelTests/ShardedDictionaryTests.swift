import CordonModel
import EventSourcing
import Foundation
import XCTest

/// The state's sharded table reads and encodes as the dictionary it stands
/// for, and a copy keeps what it had while the original changes.
final class ShardedDictionaryTests: XCTestCase {
  /// Random sets, updates and removals, checked against a plain dictionary
  /// after each: lookups, count, keys, values, iteration and filter.
  func testItBehavesAsADictionaryUnderRandomChanges() {
    var generator = SystemRandomNumberGenerator()
    var table = ShardedDictionary<String, Int>()
    var plain: [String: Int] = [:]
    for step in 0..<3_000 {
      let key = "k\(Int.random(in: 0..<700, using: &generator))"
      switch Int.random(in: 0..<4, using: &generator) {
      case 0:
        table[key] = nil
        plain[key] = nil
      case 1:
        XCTAssertEqual(table.removeValue(forKey: key), plain.removeValue(forKey: key), "step \(step)")
      default:
        table[key] = step
        plain[key] = step
      }
      XCTAssertEqual(table[key], plain[key], "step \(step)")
      XCTAssertEqual(table.count, plain.count, "step \(step)")
      if step % 100 == 0 {
        XCTAssertEqual(table.dictionary, plain, "step \(step)")
        XCTAssertEqual(Set(table.keys), Set(plain.keys))
        XCTAssertEqual(table.values.sorted(), plain.values.sorted())
        XCTAssertEqual(Array(table).count, plain.count, "iteration visits each entry once")
        XCTAssertEqual(table.keys.count, table.keys.reduce(0) { n, _ in n + 1 })
        XCTAssertEqual(table.filter { $0.value % 2 == 0 }.dictionary, plain.filter { $0.value % 2 == 0 })
        XCTAssertTrue(table.keys.contains(plain.keys.first ?? "none") || plain.isEmpty)
        XCTAssertEqual(table.isEmpty, plain.isEmpty)
      }
      if step % 500 == 499 {
        let cut = Int.random(in: 0...step, using: &generator)
        table.removeAll { $0.value < cut }
        plain = plain.filter { $0.value >= cut }
        XCTAssertEqual(table.dictionary, plain, "step \(step): removed below \(cut)")
        XCTAssertEqual(table.count, plain.count, "step \(step)")
      }
    }
  }

  func testACopyKeepsWhatItHadAndEqualityIsByContent() {
    var a = ShardedDictionary<String, Int>()
    for i in 0..<1_000 { a["k\(i)"] = i }
    let copy = a
    a["k1"] = -1
    a["new"] = 7
    a["k2"] = nil
    XCTAssertEqual(copy["k1"], 1)
    XCTAssertNil(copy["new"])
    XCTAssertEqual(copy["k2"], 2)
    XCTAssertEqual(copy.count, 1_000)
    XCTAssertEqual(a.count, 1_000)
    XCTAssertNotEqual(a, copy)
    var b = copy
    b["k1"] = -1
    b["new"] = 7
    b["k2"] = nil
    XCTAssertEqual(a, b, "same entries, changed in another order")
    var c = a
    c.removeAll { $0.value >= 500 }
    XCTAssertEqual(c.count, 500, "k0…k499 less k2, and new")
    XCTAssertEqual(a.count, 1_000, "the copy it came from keeps them")
    XCTAssertEqual(a["k999"], 999)
    XCTAssertEqual(ShardedDictionary<String, Int>(), [:])
    XCTAssertEqual(ShardedDictionary(["x": 1]), ["x": 1])
    XCTAssertTrue(ShardedDictionary<String, Int>().isEmpty)
    XCTAssertNil(ShardedDictionary<String, Int>().first)
  }

  func testTheDictionaryCallsCodeUsesReadTheSame() {
    var t: ShardedDictionary<String, Int> = ["a": 1]
    t["b", default: 10] += 1
    t["a", default: 10] += 1
    XCTAssertEqual(t.dictionary, ["a": 2, "b": 11])
    XCTAssertEqual(t.updateValue(5, forKey: "a"), 2)
    XCTAssertNil(t.updateValue(6, forKey: "c"))
    XCTAssertEqual(t.mapValues { "\($0)" }.dictionary, ["a": "5", "b": "11", "c": "6"])
    t.reserveCapacity(100)
    XCTAssertEqual(t.count, 3)
    XCTAssertEqual(t.keys.sorted(), ["a", "b", "c"])
    XCTAssertTrue(t.keys.contains("b"))
    XCTAssertFalse(t.keys.contains("z"))
    XCTAssertEqual(t.sorted { $0.key < $1.key }.map(\.value), [5, 11, 6])
    t.removeAll()
    XCTAssertTrue(t.isEmpty)
    XCTAssertEqual(t, [:])
  }

  /// Encoded exactly as the dictionary: snapshots written before it was sharded still open.
  func testItEncodesAsTheDictionaryItStandsFor() throws {
    let plain: [AlertKey: Int] = [
      AlertKey(rule: .fever, subject: "a/1"): 1, AlertKey(rule: .stockLow, subject: "b"): 2,
    ]
    let table = ShardedDictionary(plain)
    let decoded = try JSONDecoder().decode(ShardedDictionary<AlertKey, Int>.self, from: JSONEncoder().encode(plain))
    XCTAssertEqual(decoded, table)
    let back = try JSONDecoder().decode([AlertKey: Int].self, from: JSONEncoder().encode(table))
    XCTAssertEqual(back, plain)
    // Keyed by String and by Int: the same JSON object as the dictionary's
    // (keys sorted, as the order is unspecified), and the same binary form
    // read back as a dictionary.
    let sorted = JSONEncoder()
    sorted.outputFormatting = .sortedKeys
    let names: [String: Int] = ["张三": 1, "b": 2, "a|b/c": 3]
    XCTAssertEqual(try sorted.encode(ShardedDictionary(names)), try sorted.encode(names))
    let days: [Int: String] = [3: "x", -1: "y", 20_200_207: "z"]
    XCTAssertEqual(try sorted.encode(ShardedDictionary(days)), try sorted.encode(days))
    XCTAssertEqual(
      try BinaryCoding.decode([String: Int].self, from: BinaryCoding.encode(ShardedDictionary(names))), names)
    XCTAssertEqual(
      try BinaryCoding.decode([Int: String].self, from: BinaryCoding.encode(ShardedDictionary(days))), days)
    XCTAssertEqual(try BinaryCoding.decode([AlertKey: Int].self, from: BinaryCoding.encode(table)), plain)
    XCTAssertEqual(try BinaryCoding.encode(table), try BinaryCoding.encode(table), "one table, one order")
  }
}
