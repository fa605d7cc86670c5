/// Walks the frames of one segment file, checking CRCs and seq continuity,
/// and classifies where and why it stops. Shared by recovery, reads and fsck so
/// they can never disagree about what is valid.
struct SegmentScan {
  struct Problem: Equatable {
    var offset: Int
    var reason: String
    /// True when nothing valid follows the bad bytes: the signature of a write
    /// cut short by a crash, as opposed to damage to data that was acknowledged.
    var isTornTail: Bool
  }

  var frames = 0
  var firstSeq: UInt64?
  var lastSeq: UInt64?
  /// Offset just past the last valid frame (the header size for an empty segment).
  var validEnd = 0
  var problem: Problem?
}

enum SegmentScanner {
  /// `expectedFirst` is the seq the first frame must carry (the file name's seq).
  /// `visit` gets each valid frame's seq, payload and offset, in order.
  static func scan(
    _ buffer: UnsafeRawBufferPointer, expectedFirst: UInt64,
    visit: (UInt64, UnsafeRawBufferPointer, Int) throws -> Void
  ) rethrows -> SegmentScan {
    var result = SegmentScan()
    if let headerProblem = SegmentHeader.problem(buffer) {
      result.problem = .init(offset: 0, reason: headerProblem, isTornTail: buffer.count < SegmentHeader.size)
      return result
    }
    var offset = SegmentHeader.size
    result.validEnd = offset
    var expected = expectedFirst
    while offset < buffer.count {
      switch FrameCodec.decode(buffer, at: offset) {
      case .frame(let seq, let payload, let next):
        guard seq == expected else {
          result.problem = .init(
            offset: offset, reason: "seq \(seq) where \(expected) was expected (gap or reordering)",
            isTornTail: false)
          return result
        }
        try visit(seq, UnsafeRawBufferPointer(rebasing: buffer[payload]), offset)
        if result.firstSeq == nil { result.firstSeq = seq }
        result.lastSeq = seq
        result.frames += 1
        expected = seq &+ 1
        offset = next
        result.validEnd = offset
      case .truncated:
        result.problem = .init(
          offset: offset, reason: "frame truncated (\(buffer.count - offset) bytes left)", isTornTail: true)
        return result
      case .invalid(let reason):
        let torn = !hasValidFrame(buffer, after: offset, minimumSeq: expected)
        result.problem = .init(offset: offset, reason: reason, isTornTail: torn)
        return result
      }
    }
    return result
  }

  /// Looks for any CRC-valid frame with a plausible seq beyond `offset`. A torn
  /// write leaves only garbage, zeros or a prefix after the bad frame; finding a
  /// valid frame there means acknowledged data was damaged in the middle.
  static func hasValidFrame(_ buffer: UnsafeRawBufferPointer, after offset: Int, minimumSeq: UInt64) -> Bool {
    var p = offset + 1
    while p + FrameCodec.headerSize < buffer.count {
      let length = Int(LE.u32(buffer, p))
      if length > 0, length <= FrameCodec.maxPayload, p + FrameCodec.headerSize + length <= buffer.count {
        let seq = LE.u64(buffer, p + 8)
        if seq >= minimumSeq, seq - minimumSeq < 1 << 32, case .frame = FrameCodec.decode(buffer, at: p) {
          return true
        }
      }
      p += 1
    }
    return false
  }
}

/// One segment file as found in the journal directory.
struct SegmentFile: Sendable, Equatable {
  var firstSeq: UInt64
  var name: String
  var path: String
}

enum JournalLayout {
  static func segments(in journalDir: String, io: FileIO) throws -> [SegmentFile] {
    try io.list(journalDir).compactMap { name in
      SegmentHeader.firstSeq(fromFileName: name).map {
        SegmentFile(firstSeq: $0, name: name, path: journalDir + "/" + name)
      }
    }.sorted { $0.firstSeq < $1.firstSeq }
  }
}
