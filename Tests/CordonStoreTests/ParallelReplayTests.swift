import CordonStore
import CordonStoreTestSupport
import Dispatch
import Foundation
import XCTest

/// Replay decodes a segment's frames in chunks on several threads and
/// applies them in order: the state and records are those of a sequential
/// replay, and a bad payload deep in a later chunk is refused at its offset.
final class ParallelReplayTests: XCTestCase {
  private var dir: TemporaryDirectory!
  private var journal: String { dir.url.path + "/journal" }

  override func setUpWithError() throws { dir = try TemporaryDirectory() }
  override func tearDown() { dir.remove() }

  /// 10,000 deposits in one segment (five chunks of 2,048), no snapshot.
  private func populate(_ count: Int = 10_000) throws -> (records: [LedgerRecord], state: LedgerModel.State) {
    let store = try Ledger.open(
      directory: dir.url, options: StoreOptions(segmentBytes: 64 << 20, snapshotEveryEvents: 0))
    _ = store.submitAndWait(.open("a"))
    _ = store.submitAndWait(.open("b"))
    let done = DispatchSemaphore(value: 0)
    for i in 1...count - 2 {
      store.submit(.deposit(i % 3 == 0 ? "b" : "a", Int64(i)), actor: "t", unit: nil, commandID: "c\(i)") { _ in
        done.signal()
      }
    }
    for _ in 1...count - 2 { done.wait() }
    let all = try store.records(from: 1)
    let state = store.state
    store.close()
    try FileManager.default.removeItem(atPath: dir.url.path + "/snapshots")
    return (all, state)
  }

  func testAReplayInChunksEqualsTheJournalAndItsState() throws {
    let (all, state) = try populate()
    XCTAssertEqual(all.count, 10_000)
    let segments = try FileManager.default.contentsOfDirectory(atPath: journal).filter { $0.hasSuffix(".seg") }
    XCTAssertEqual(segments.count, 1, "one segment, so its frames are decoded in several chunks")
    let store = try Ledger.open(directory: dir.url, options: StoreOptions(snapshotEveryEvents: 0))
    XCTAssertEqual(store.lastSeq, 10_000)
    XCTAssertEqual(store.state, state)
    XCTAssertEqual(try store.records(from: 1), all)
    // The command ids came back in order too: a resent one is a duplicate.
    let again = store.submitAndWait(.deposit("a", 5), commandID: "c9000")
    XCTAssertEqual(store.lastSeq, 10_000, "\(again)")
    store.close()
  }

  func testAnUndecodablePayloadInALaterChunkIsRefusedAtItsOffset() throws {
    _ = try populate()
    let name = try XCTUnwrap(
      try FileManager.default.contentsOfDirectory(atPath: journal).first { $0.hasSuffix(".seg") })
    let path = journal + "/" + name
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    // Find frame 9,000 and give it a payload of the same length, CRC-valid,
    // in a layout no build writes.
    var offset = SegmentHeader.size
    var target: (offset: Int, count: Int)?
    while target == nil {
      let decoded = bytes.withUnsafeBytes { FrameCodec.decode($0, at: offset) }
      guard case .frame(let seq, let payload, let next) = decoded else { return XCTFail("frame at \(offset)") }
      if seq == 9_000 { target = (offset, payload.count) }
      offset = next
    }
    let t = try XCTUnwrap(target)
    let frame = FrameCodec.encode(seq: 9_000, payload: [0x7F] + Array(repeating: 0, count: t.count - 1))
    bytes.replaceSubrange(t.offset..<(t.offset + frame.count), with: frame)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try Ledger.open(directory: dir.url)) { error in
      guard case StoreError.corrupt(let file, let at, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(file, "journal/" + name)
      XCTAssertEqual(at, UInt64(t.offset))
      XCTAssertTrue(reason.contains("undecodable event"), reason)
    }
  }
}
