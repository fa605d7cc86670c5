import CompressNIO
import NIOCore

/// A sealed segment kept for history, compressed: `<first seq>.segz`.
///
/// Header (60 bytes, both versions): `CORDARCH | u32 version | u64 first seq
/// | u64 last seq | i64 earliest time | i64 latest time | u64 plain length |
/// u32 CRC32C of the plain segment | u32 CRC32C of the header before it`.
///
/// Version 2 (written now) compresses the segment in independent chunks, so
/// a read inflates only the chunks it needs: after the header, `u32 chunk
/// count`, the chunk table (48 bytes a chunk: `u64 first seq | u32 frames |
/// i64 earliest time | i64 latest time | u64 plain offset | u32 plain length
/// | u32 compressed length | u32 CRC32C of the chunk's plain bytes`), `u32
/// CRC32C of the count and the table`, then the chunks, each its own zlib
/// stream, in order. The chunks' plain bytes, end to end, are the plain
/// segment byte for byte (the first chunk holds the segment header); the
/// table is the segment's index (`SegmentIndex`), one chunk a block.
///
/// Version 1 (written before) holds the whole plain segment as one zlib
/// stream after the header; it is still read.
///
/// The header is enough to decide whether a read needs the archive at all
/// (by seq or by time) without inflating it; the plain CRC proves the
/// inflated bytes are exactly the segment that was archived.
public enum ArchiveFile {
  public static let magic: [UInt8] = Array("CORDARCH".utf8)
  /// The version written; 1 is still read.
  public static let version: UInt32 = 2
  public static let headerSize = 60
  public static let suffix = ".segz"
  static let chunkEntrySize = 48

  public struct Header: Sendable, Equatable {
    public var firstSeq: UInt64
    public var lastSeq: UInt64
    /// Earliest and latest record time in the segment, in milliseconds.
    public var minTime: Int64
    public var maxTime: Int64
    public var plainLength: UInt64
    public var plainCRC: UInt32
    public var version: UInt32 = ArchiveFile.version
  }

  /// One independently compressed chunk of a version 2 archive.
  public struct Chunk: Sendable, Equatable {
    public var firstSeq: UInt64
    public var count: UInt32
    public var minTime: Int64
    public var maxTime: Int64
    public var plainOffset: UInt64
    public var plainLength: UInt32
    public var compressedLength: UInt32
    public var crc: UInt32
    /// Where its compressed bytes start in the archive file.
    public var fileOffset: UInt64 = 0
  }

  /// A version 2 archive's table: its header and chunks, read without inflating.
  public struct Table: Sendable, Equatable {
    public var header: Header
    public var chunks: [Chunk]

    /// The chunks as the segment's index: each chunk's frames, offsets into the plain segment.
    var index: SegmentIndex {
      var index = SegmentIndex(firstSeq: header.firstSeq)
      for c in chunks where c.count > 0 {
        let start = max(c.plainOffset, UInt64(SegmentHeader.size))
        index.blocks.append(
          .init(
            firstSeq: c.firstSeq, count: c.count, minTime: c.minTime, maxTime: c.maxTime, offset: start,
            length: UInt32(c.plainOffset + UInt64(c.plainLength) - start)))
      }
      index.end = header.plainLength
      return index
    }
  }

  public static func fileName(firstSeq: UInt64) -> String { paddedSeq(firstSeq) + suffix }

  public static func firstSeq(fromFileName name: String) -> UInt64? {
    guard name.hasSuffix(suffix) else { return nil }
    return UInt64(name.dropLast(suffix.count))
  }

  /// The plain segment an archive holds, verified; for tools and tests.
  public static func inflate(_ archive: [UInt8]) throws -> [UInt8] {
    switch decode(archive) {
    case .success(let (_, plain)): return plain
    case .failure(let p): throw StoreError.corrupt(file: "archive", offset: p.offset, reason: p.reason)
    }
  }

  /// A version 2 archive of `plain`, one chunk per block of `index` (which
  /// must cover the whole segment). `header`'s seqs and times go in as
  /// given; its length and CRC are computed from `plain`.
  static func encode(plain: [UInt8], header: Header, index: SegmentIndex) throws -> [UInt8] {
    var chunks: [Chunk] = []
    var start: UInt64 = 0
    for (i, b) in index.blocks.enumerated() {
      let end = i + 1 == index.blocks.count ? UInt64(plain.count) : b.end
      chunks.append(
        Chunk(
          firstSeq: b.firstSeq, count: b.count, minTime: b.minTime, maxTime: b.maxTime, plainOffset: start,
          plainLength: UInt32(end - start), compressedLength: 0, crc: 0))
      start = end
    }
    if chunks.isEmpty {
      chunks.append(
        Chunk(
          firstSeq: header.firstSeq, count: 0, minTime: 0, maxTime: 0, plainOffset: 0,
          plainLength: UInt32(plain.count), compressedLength: 0, crc: 0))
    }
    var compressed: [UInt8] = []
    compressed.reserveCapacity(plain.count / 4)
    for i in chunks.indices {
      let range = Int(chunks[i].plainOffset)..<Int(chunks[i].plainOffset + UInt64(chunks[i].plainLength))
      var input = ByteBuffer(bytes: plain[range])
      let out = try input.compress(with: .zlib())
      chunks[i].compressedLength = UInt32(out.readableBytes)
      chunks[i].crc = plain[range].withUnsafeBytes { CRC32C.checksum($0) }
      compressed.append(contentsOf: out.readableBytesView)
    }
    var out = headerBytes(plain: plain, header: header, version: 2)
    let tableStart = out.count
    LE.append(UInt32(chunks.count), to: &out)
    for c in chunks {
      LE.append(c.firstSeq, to: &out)
      LE.append(c.count, to: &out)
      LE.append(UInt64(bitPattern: c.minTime), to: &out)
      LE.append(UInt64(bitPattern: c.maxTime), to: &out)
      LE.append(c.plainOffset, to: &out)
      LE.append(c.plainLength, to: &out)
      LE.append(c.compressedLength, to: &out)
      LE.append(c.crc, to: &out)
    }
    LE.append(out[tableStart...].withUnsafeBytes { CRC32C.checksum($0) }, to: &out)
    out.append(contentsOf: compressed)
    return out
  }

  /// Version 1, one zlib stream: how archives were written before chunks.
  /// Kept only so tests can make old archives and prove they still read.
  static func encodeSingleStream(plain: [UInt8], header: Header) throws -> [UInt8] {
    var out = headerBytes(plain: plain, header: header, version: 1)
    var input = ByteBuffer(bytes: plain)
    let compressed = try input.compress(with: .zlib())
    out.append(contentsOf: compressed.readableBytesView)
    return out
  }

  private static func headerBytes(plain: [UInt8], header: Header, version: UInt32) -> [UInt8] {
    var out = magic
    out.reserveCapacity(headerSize + plain.count / 4)
    LE.append(version, to: &out)
    LE.append(header.firstSeq, to: &out)
    LE.append(header.lastSeq, to: &out)
    LE.append(UInt64(bitPattern: header.minTime), to: &out)
    LE.append(UInt64(bitPattern: header.maxTime), to: &out)
    LE.append(UInt64(plain.count), to: &out)
    LE.append(plain.withUnsafeBytes { CRC32C.checksum($0) }, to: &out)
    LE.append(out.withUnsafeBytes { CRC32C.checksum($0) }, to: &out)
    return out
  }

  /// The header, or why the bytes are not one of ours.
  static func header(_ bytes: ArraySlice<UInt8>) -> Result<Header, ArchiveProblem> {
    guard bytes.count >= headerSize else {
      return .failure(.init(offset: 0, reason: "archive header truncated (\(bytes.count) of \(headerSize) bytes)"))
    }
    return bytes.withUnsafeBytes { b -> Result<Header, ArchiveProblem> in
      guard Array(b[0..<8]) == magic else { return .failure(.init(offset: 0, reason: "bad archive magic")) }
      let v = LE.u32(b, 8)
      guard v == 1 || v == 2 else {
        return .failure(.init(offset: 8, reason: "unsupported archive format version \(v)"))
      }
      guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<56])) == LE.u32(b, 56) else {
        return .failure(.init(offset: 56, reason: "archive header CRC mismatch"))
      }
      return .success(
        Header(
          firstSeq: LE.u64(b, 12), lastSeq: LE.u64(b, 20), minTime: Int64(bitPattern: LE.u64(b, 28)),
          maxTime: Int64(bitPattern: LE.u64(b, 36)), plainLength: LE.u64(b, 44), plainCRC: LE.u32(b, 52), version: v))
    }
  }

  /// Bytes of a version 2 archive's header and chunk table, given its chunk count.
  static func tableSize(chunks: Int) -> Int { headerSize + 4 + chunks * chunkEntrySize + 4 }

  /// The chunk table of a version 2 archive from its first bytes (at least
  /// the whole table); `.success(nil)` when it is version 1. A table that
  /// does not chain (seqs, plain offsets) or add up to the header is refused.
  static func table(_ bytes: ArraySlice<UInt8>) -> Result<Table?, ArchiveProblem> {
    let header: Header
    switch Self.header(bytes) {
    case .failure(let p): return .failure(p)
    case .success(let h): header = h
    }
    guard header.version == 2 else { return .success(nil) }
    return bytes.withUnsafeBytes { b -> Result<Table?, ArchiveProblem> in
      guard b.count >= headerSize + 4 else {
        return .failure(.init(offset: UInt64(headerSize), reason: "archive chunk table truncated"))
      }
      let count = Int(LE.u32(b, headerSize))
      guard count >= 1, count <= 1 << 24 else {
        return .failure(.init(offset: UInt64(headerSize), reason: "archive claims \(count) chunks"))
      }
      let end = tableSize(chunks: count)
      guard b.count >= end else {
        return .failure(.init(offset: UInt64(headerSize), reason: "archive chunk table truncated"))
      }
      guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[headerSize..<(end - 4)])) == LE.u32(b, end - 4) else {
        return .failure(.init(offset: UInt64(end - 4), reason: "archive chunk table CRC mismatch"))
      }
      var chunks: [Chunk] = []
      chunks.reserveCapacity(count)
      var plainAt: UInt64 = 0
      var fileAt = UInt64(end)
      var nextSeq = header.firstSeq
      for i in 0..<count {
        let p = headerSize + 4 + i * chunkEntrySize
        let c = Chunk(
          firstSeq: LE.u64(b, p), count: LE.u32(b, p + 8), minTime: Int64(bitPattern: LE.u64(b, p + 12)),
          maxTime: Int64(bitPattern: LE.u64(b, p + 20)), plainOffset: LE.u64(b, p + 28),
          plainLength: LE.u32(b, p + 36), compressedLength: LE.u32(b, p + 40), crc: LE.u32(b, p + 44),
          fileOffset: fileAt)
        guard c.plainOffset == plainAt, c.count == 0 || c.firstSeq == nextSeq else {
          return .failure(.init(offset: UInt64(p), reason: "archive chunk \(i) does not follow the one before it"))
        }
        plainAt += UInt64(c.plainLength)
        fileAt += UInt64(c.compressedLength)
        nextSeq = c.firstSeq &+ UInt64(c.count)
        chunks.append(c)
      }
      guard plainAt == header.plainLength, nextSeq == header.lastSeq &+ 1 || chunks.allSatisfy({ $0.count == 0 })
      else {
        return .failure(.init(offset: UInt64(headerSize), reason: "archive chunk table does not cover the segment"))
      }
      return .success(Table(header: header, chunks: chunks))
    }
  }

  /// One chunk's plain bytes from its compressed ones, verified by its CRC.
  static func inflate(chunk c: Chunk, _ compressed: ArraySlice<UInt8>) -> Result<[UInt8], ArchiveProblem> {
    guard compressed.count == Int(c.compressedLength) else {
      return .failure(.init(offset: c.fileOffset, reason: "archive chunk at seq \(c.firstSeq) cut short"))
    }
    var input = ByteBuffer(bytes: compressed)
    var output = ByteBufferAllocator().buffer(capacity: Int(c.plainLength))
    do { try input.decompress(to: &output, with: .zlib()) } catch {
      return .failure(
        .init(offset: c.fileOffset, reason: "archive chunk at seq \(c.firstSeq) does not inflate: \(error)"))
    }
    let plain = Array(output.readableBytesView)
    guard plain.count == Int(c.plainLength), plain.withUnsafeBytes({ CRC32C.checksum($0) }) == c.crc else {
      return .failure(
        .init(offset: c.fileOffset, reason: "archive chunk at seq \(c.firstSeq) CRC mismatch: not the bytes archived"))
    }
    return .success(plain)
  }

  /// The plain segment bytes, verified against the header's length and CRC.
  static func decode(_ bytes: [UInt8]) -> Result<(Header, [UInt8]), ArchiveProblem> {
    let header: Header
    switch Self.header(bytes[...]) {
    case .failure(let p): return .failure(p)
    case .success(let h): header = h
    }
    // A segment is never larger than a few segment sizes; refuse absurd lengths
    // before allocating for them.
    guard header.plainLength <= 1 << 34 else {
      return .failure(.init(offset: 44, reason: "archive claims \(header.plainLength) bytes"))
    }
    var plain: [UInt8]
    if header.version == 2 {
      let table: Table
      switch Self.table(bytes[...]) {
      case .failure(let p): return .failure(p)
      case .success(let t?): table = t
      case .success(nil): return .failure(.init(offset: 8, reason: "archive version mismatch"))
      }
      plain = []
      plain.reserveCapacity(Int(header.plainLength))
      for c in table.chunks {
        let start = Int(c.fileOffset)
        let end = start + Int(c.compressedLength)
        guard end <= bytes.count else {
          return .failure(.init(offset: c.fileOffset, reason: "archive chunk at seq \(c.firstSeq) cut short"))
        }
        switch inflate(chunk: c, bytes[start..<end]) {
        case .failure(let p): return .failure(p)
        case .success(let part): plain.append(contentsOf: part)
        }
      }
    } else {
      var input = ByteBuffer(bytes: bytes[headerSize...])
      var output = ByteBufferAllocator().buffer(capacity: Int(header.plainLength))
      do {
        try input.decompress(to: &output, with: .zlib())
      } catch {
        return .failure(.init(offset: UInt64(headerSize), reason: "archive does not inflate: \(error)"))
      }
      plain = Array(output.readableBytesView)
    }
    guard UInt64(plain.count) == header.plainLength else {
      return .failure(
        .init(offset: 44, reason: "archive inflates to \(plain.count) bytes, header says \(header.plainLength)"))
    }
    guard plain.withUnsafeBytes({ CRC32C.checksum($0) }) == header.plainCRC else {
      return .failure(.init(offset: 52, reason: "archive CRC mismatch: the inflated segment is not the one archived"))
    }
    return .success((header, plain))
  }
}

struct ArchiveProblem: Error, Equatable {
  var offset: UInt64
  var reason: String
}
