import EventSourcing
import Foundation
import XCTest

@testable import CordonModel

/// The state's fast writers (StateFastEncoding.swift, and the events' in
/// CordonEventFastEncoding.swift) against `Codable`: the state the fast
/// readers are tested on, with an outbox added, written both ways is the
/// same bytes; and the generic encoder does hand a nested value to its writer.
final class StateFastEncodingTests: XCTestCase {
  func testStateWrittenFastIsTheBytesCodableWrites() throws {
    var state = try StateFastDecodingTests.state()
    let at = Instant(milliseconds: 1_580_000_000_000)
    for (i, person) in [("N1", "p-1"), ("N2", nil)].enumerated() {
      let notice = Notice(
        id: person.0, kind: .escalation, severity: .critical, unit: "jinyuan", rule: i == 0 ? .fever : nil,
        subject: "fever/x", text: LocalizedName(zh: "发热", en: "Fever"), person: person.1,
        phone: person.1.map { _ in "138" },
        route: "duty", receivers: ["wecom", "sms"], due: at, queuedAt: at, isRepeat: i == 1)
      state.notify.pending[notice.id] = PendingNotification(
        notification: notice, remaining: ["sms"], attempts: i == 0 ? ["sms": 4] : [:])
    }
    let fast = try BinaryCoding.encode(state)
    let reference = try BinaryCoding.encode(state, fastPaths: false)
    XCTAssertEqual(fast.count, reference.count)
    XCTAssertTrue(fast == reference, "the fast writers write other bytes than Codable")
    XCTAssertEqual(try BinaryCoding.decode(CordonState.self, from: fast), state)
    // Table by table, so a failure names the table.
    for (name, f, r) in [
      ("people", try BinaryCoding.encode(state.people), try BinaryCoding.encode(state.people, fastPaths: false)),
      ("sites", try BinaryCoding.encode(state.sites), try BinaryCoding.encode(state.sites, fastPaths: false)),
      ("alerts", try BinaryCoding.encode(state.alerts), try BinaryCoding.encode(state.alerts, fastPaths: false)),
      ("stock", try BinaryCoding.encode(state.stock), try BinaryCoding.encode(state.stock, fastPaths: false)),
      ("shifts", try BinaryCoding.encode(state.shifts), try BinaryCoding.encode(state.shifts, fastPaths: false)),
      ("notify", try BinaryCoding.encode(state.notify), try BinaryCoding.encode(state.notify, fastPaths: false)),
    ] {
      XCTAssertTrue(f == r, "\(name): the fast writers write other bytes than Codable")
    }
  }

  /// A value whose writer writes other bytes than its `Codable` on purpose:
  /// the generic encoder uses the writer wherever the value sits (a keyed
  /// field, a list, a single value), and `Codable` with `fastPaths: false`.
  func testTheGenericEncoderHandsNestedValuesToTheirWriters() throws {
    struct Marked: Encodable, BinaryFastEncodable {
      func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode("codable")
      }
      func write(_ w: inout BinaryFieldWriter) { w.writeString("writer") }
    }
    struct Holder: Encodable {
      var one = Marked()
      var list = [Marked(), Marked()]
      var maybe: Marked? = Marked()
    }
    func strings(_ bytes: [UInt8]) -> [String] {
      ["writer", "codable"].filter { word in
        bytes.count >= word.utf8.count
          && (0...(bytes.count - word.utf8.count)).contains {
            Array(bytes[$0..<($0 + word.utf8.count)]) == Array(word.utf8)
          }
      }
    }
    let fast = try BinaryCoding.encode(Holder())
    let reference = try BinaryCoding.encode(Holder(), fastPaths: false)
    XCTAssertEqual(strings(fast), ["writer"])
    XCTAssertEqual(strings(reference), ["codable"])
    XCTAssertEqual(fast.count, reference.count + 4 * ("writer".utf8.count - "codable".utf8.count))
  }
}
