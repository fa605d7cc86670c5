/// Where the records of one segment lie, by seq and by time: derived data,
/// never trusted over the journal.
///
/// The frames of a segment are grouped in blocks of at most `blockBytes`
/// bytes or `blockFrames` frames; each block has its first seq, its frame
/// count, the earliest and latest record time in it, and its place in the
/// plain segment. A read by seq or by time seeks to the blocks it needs and
/// reads only those; every frame read is still checked (CRC, seq) and a block
/// whose frames disagree with its entry is a damaged index, rebuilt from the
/// segment. Record times need not rise (a clock set back), which is why a
/// block keeps both ends of its time range.
///
/// Kept in memory for every segment read (the active one extended as it
/// grows); written beside a sealed plain segment as `<seq>.idx`; inside an
/// archive, the chunk table is the index (`ArchiveFile`).
public struct SegmentIndex: Sendable, Equatable {
  public struct Block: Sendable, Equatable {
    public var firstSeq: UInt64
    public var count: UInt32
    public var minTime: Int64
    public var maxTime: Int64
    /// Offset of the block's first frame in the plain segment, and the bytes of its frames.
    public var offset: UInt64
    public var length: UInt32

    public var lastSeq: UInt64 { firstSeq &+ UInt64(count) &- 1 }
    public var end: UInt64 { offset + UInt64(length) }
  }

  public static let blockBytes = 64 << 10
  public static let blockFrames = 1024

  /// The segment's first seq (its file name's).
  public var firstSeq: UInt64
  /// Just past the last frame indexed (the header's size when none is).
  public var end: UInt64
  public var blocks: [Block] = []

  public init(firstSeq: UInt64) {
    self.firstSeq = firstSeq
    self.end = UInt64(SegmentHeader.size)
  }

  /// The seq the next frame must carry.
  public var nextSeq: UInt64 { blocks.last.map { $0.lastSeq &+ 1 } ?? firstSeq }
  public var frames: Int { blocks.reduce(0) { $0 + Int($1.count) } }

  /// Adds the frame at `offset` (`length` bytes, header included), which must follow the last one.
  public mutating func add(seq: UInt64, time: Int64, offset: UInt64, length: Int) {
    if var last = blocks.last, Int(last.length) + length <= Self.blockBytes, Int(last.count) < Self.blockFrames {
      last.count += 1
      last.length += UInt32(length)
      last.minTime = min(last.minTime, time)
      last.maxTime = max(last.maxTime, time)
      blocks[blocks.count - 1] = last
    } else {
      blocks.append(
        Block(firstSeq: seq, count: 1, minTime: time, maxTime: time, offset: offset, length: UInt32(length)))
    }
    end = offset + UInt64(length)
  }

  /// The index of a segment's bytes (from its start, header included), to its
  /// last valid frame; `time` reads a record's time from its payload.
  static func build(
    _ buffer: UnsafeRawBufferPointer, firstSeq: UInt64, time: (UnsafeRawBufferPointer) throws -> Int64
  ) rethrows -> (index: SegmentIndex, scan: SegmentScan) {
    var index = SegmentIndex(firstSeq: firstSeq)
    let scan = try SegmentScanner.scan(buffer, expectedFirst: firstSeq) { seq, payload, offset in
      index.add(
        seq: seq, time: try time(payload), offset: UInt64(offset), length: FrameCodec.headerSize + payload.count)
    }
    return (index, scan)
  }

  /// The index the frames of `buffer` give when grouped at the block
  /// offsets of `like` (a stored index, or an archive's chunks): what that
  /// one must equal, whatever block size it was written with.
  static func regroup(
    _ buffer: UnsafeRawBufferPointer, like: SegmentIndex, time: (UnsafeRawBufferPointer) -> Int64
  ) -> SegmentIndex {
    var index = SegmentIndex(firstSeq: like.firstSeq)
    let starts = Set(like.blocks.map(\.offset))
    _ = SegmentScanner.scan(buffer, expectedFirst: like.firstSeq) { seq, payload, offset in
      let t = time(payload)
      let length = FrameCodec.headerSize + payload.count
      if starts.contains(UInt64(offset)) || index.blocks.isEmpty {
        index.blocks.append(
          Block(firstSeq: seq, count: 1, minTime: t, maxTime: t, offset: UInt64(offset), length: UInt32(length)))
      } else {
        index.blocks[index.blocks.count - 1].count += 1
        index.blocks[index.blocks.count - 1].length += UInt32(length)
        index.blocks[index.blocks.count - 1].minTime = min(index.blocks[index.blocks.count - 1].minTime, t)
        index.blocks[index.blocks.count - 1].maxTime = max(index.blocks[index.blocks.count - 1].maxTime, t)
      }
      index.end = UInt64(offset + length)
    }
    return index
  }

  /// Extends the index over `bytes`, read from the segment at `end`, up to
  /// the first frame past `through` or the first bad one (a write in
  /// progress). Only for the active segment, whose tail grows.
  mutating func extend(
    _ bytes: UnsafeRawBufferPointer, through upper: UInt64, time: (UnsafeRawBufferPointer) throws -> Int64
  ) rethrows {
    let base = end
    var offset = 0
    while offset < bytes.count, case .frame(let seq, let payload, let next) = FrameCodec.decode(bytes, at: offset),
      seq == nextSeq, seq <= upper
    {
      let t = try time(UnsafeRawBufferPointer(rebasing: bytes[payload]))
      add(seq: seq, time: t, offset: base + UInt64(offset), length: next - offset)
      offset = next
    }
  }

  /// The blocks holding seqs `from...through`, in order.
  func blocks(from: UInt64, through upper: UInt64) -> ArraySlice<Block> {
    guard let last = blocks.last, from <= upper, from <= last.lastSeq, upper >= firstSeq else { return [] }
    // The first block whose last seq reaches `from`, by bisection.
    var lo = 0
    var hi = blocks.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if blocks[mid].lastSeq < from { lo = mid + 1 } else { hi = mid }
    }
    var end = lo
    while end < blocks.count, blocks[end].firstSeq <= upper { end += 1 }
    return blocks[lo..<end]
  }

  /// Whether the block's frames, as read, agree with its entry.
  static func agrees(_ block: Block, frames: Int, first: UInt64?, minTime: Int64, maxTime: Int64) -> Bool {
    frames == Int(block.count) && first == block.firstSeq && minTime == block.minTime && maxTime == block.maxTime
  }
}

/// `<seq>.idx`: the index of a sealed plain segment, written beside it.
///
/// `"CORDSIDX" | u32 version = 1 | u64 segment first seq | u64 segment length
/// | u32 block count | block* | u32 CRC32C of everything before it`, a block
/// being `u64 first seq | u32 frames | i64 earliest time | i64 latest time |
/// u64 offset | u32 length` (40 bytes). Used only when its CRC, first seq and
/// length match the segment and its blocks chain from the header to the
/// end; otherwise it is ignored and rebuilt.
public enum SegmentIndexFile {
  public static let magic: [UInt8] = Array("CORDSIDX".utf8)
  public static let version: UInt32 = 1
  public static let suffix = ".idx"
  static let blockSize = 40

  public static func fileName(firstSeq: UInt64) -> String { paddedSeq(firstSeq) + suffix }

  public static func encode(_ index: SegmentIndex) -> [UInt8] {
    var out = magic
    out.reserveCapacity(36 + index.blocks.count * blockSize)
    LE.append(version, to: &out)
    LE.append(index.firstSeq, to: &out)
    LE.append(index.end, to: &out)
    LE.append(UInt32(index.blocks.count), to: &out)
    for b in index.blocks {
      LE.append(b.firstSeq, to: &out)
      LE.append(b.count, to: &out)
      LE.append(UInt64(bitPattern: b.minTime), to: &out)
      LE.append(UInt64(bitPattern: b.maxTime), to: &out)
      LE.append(b.offset, to: &out)
      LE.append(b.length, to: &out)
    }
    LE.append(out.withUnsafeBytes { CRC32C.checksum($0) }, to: &out)
    return out
  }

  /// The index, when the bytes are a whole, consistent one for a segment
  /// starting at `firstSeq` that is `length` bytes long; nil otherwise.
  public static func decode(_ bytes: [UInt8], firstSeq: UInt64, length: UInt64) -> SegmentIndex? {
    bytes.withUnsafeBytes { b -> SegmentIndex? in
      guard b.count >= 36, Array(b[0..<8]) == magic, LE.u32(b, 8) == version else { return nil }
      let count = Int(LE.u32(b, 28))
      guard b.count == 32 + count * blockSize + 4,
        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<(b.count - 4)])) == LE.u32(b, b.count - 4),
        LE.u64(b, 12) == firstSeq, LE.u64(b, 20) == length
      else { return nil }
      var index = SegmentIndex(firstSeq: firstSeq)
      for i in 0..<count {
        let p = 32 + i * blockSize
        let block = SegmentIndex.Block(
          firstSeq: LE.u64(b, p), count: LE.u32(b, p + 8), minTime: Int64(bitPattern: LE.u64(b, p + 12)),
          maxTime: Int64(bitPattern: LE.u64(b, p + 20)), offset: LE.u64(b, p + 28), length: LE.u32(b, p + 36))
        guard block.count > 0, block.firstSeq == index.nextSeq, block.offset == index.end,
          block.length >= UInt32(FrameCodec.headerSize)
        else { return nil }
        index.blocks.append(block)
        index.end = block.end
      }
      return index.end == length ? index : nil
    }
  }
}
