import XCTest

@testable import CordonStore

final class FrameCodecTests: XCTestCase {
  func testCRC32CKnownAnswer() {
    XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
      let a = data[..<split].withUnsafeBytes { CRC32C.checksum($0) }
      let whole = data[split...].withUnsafeBytes { CRC32C.update(a, $0) }
      XCTAssertEqual(whole, CRC32C.checksum(data), "split at \(split)")
    }
  }

  /// The CPU's instruction and slicing-by-8 agree on every length and
  /// alignment (the instruction's loop works in 8-byte words, with a byte tail),
  /// and so does the known answer through the software path.
  func testTheHardwareCRCEqualsTheTableDrivenOne() {
    XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32C.softwareUpdate(0, $0) }, 0xE306_9283)
    var rng = SystemRandomNumberGenerator()
    let data = (0..<4099).map { _ in UInt8.random(in: 0...255, using: &rng) }
    data.withUnsafeBytes { all in
      for start in 0..<9 {
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4090] where start + count <= all.count {
          let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])
          let seed = UInt32.random(in: 0...UInt32.max, using: &rng)
          XCTAssertEqual(
            CRC32C.update(seed, slice), CRC32C.softwareUpdate(seed, slice), "start \(start), \(count) bytes")
        }
      }
    }
    #if arch(x86_64)
      // Every x86-64 machine this runs on has SSE4.2; if the check says no, the fast path is lost.
      XCTAssertTrue(CRC32C.hardware, "SSE4.2 CRC-32C not detected")
    #endif
  }

  func testFrameRoundTrip() {
    for (seq, payload) in [
      (1 as UInt64, [UInt8](repeating: 7, count: 1)), (.max, Array("héllo".utf8)),
      (42, Array(repeating: 0, count: 4096)),
    ] {
      let frame = FrameCodec.encode(seq: seq, payload: payload)
      XCTAssertEqual(frame.count, FrameCodec.headerSize + payload.count)
      frame.withUnsafeBytes { b in
        guard case .frame(let s, let range, let next) = FrameCodec.decode(b, at: 0) else {
          return XCTFail("not decoded")
        }
        XCTAssertEqual(s, seq)
        XCTAssertEqual(Array(frame[range]), payload)
        XCTAssertEqual(next, frame.count)
      }
    }
  }

  func testEverySingleBitFlipIsDetected() {
    let payload = Array(#"{"seq":5,"event":{"deposited":{"account":"a","amount":12}}}"#.utf8)
    let frame = FrameCodec.encode(seq: 5, payload: payload)
    for bit in 0..<(frame.count * 8) {
      var damaged = frame
      damaged[bit / 8] ^= 1 << (bit % 8)
      damaged.withUnsafeBytes { b in
        if case .frame = FrameCodec.decode(b, at: 0) { XCTFail("flip of bit \(bit) went undetected") }
      }
    }
  }

  func testTruncationAtEveryLengthIsNotAFrame() {
    let frame = FrameCodec.encode(seq: 9, payload: Array(repeating: 0xAB, count: 40))
    for n in 0..<frame.count {
      Array(frame[..<n]).withUnsafeBytes { b in
        if case .frame = FrameCodec.decode(b, at: 0) { XCTFail("prefix of \(n) bytes decoded") }
      }
    }
  }

  func testSegmentHeader() {
    SegmentHeader.bytes.withUnsafeBytes { XCTAssertNil(SegmentHeader.problem($0)) }
    var bad = SegmentHeader.bytes
    bad[8] = 9
    bad.withUnsafeBytes { XCTAssertNotNil(SegmentHeader.problem($0)) }
    XCTAssertEqual(SegmentHeader.fileName(firstSeq: 1), "00000000000000000001.seg")
    XCTAssertEqual(SegmentHeader.firstSeq(fromFileName: "00000000000000000447.seg"), 447)
  }
}
