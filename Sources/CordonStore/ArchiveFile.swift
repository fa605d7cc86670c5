import CompressNIO
import NIOCore

/// A sealed segment kept for history, compressed: `<first seq>.segz`.
///
/// Layout: header `CORDARCH | u32 version | u64 first seq | u64 last seq |
/// i64 earliest time | i64 latest time | u64 plain length | u32 CRC32C of the
/// plain segment | u32 CRC32C of the header before it`, then the whole plain
/// segment file (header and frames, byte for byte) as one zlib stream.
///
/// The header is enough to decide whether a read needs the archive at all
/// (by seq or by time) without inflating it; the plain CRC proves the
/// inflated bytes are exactly the segment that was archived.
public enum ArchiveFile {
  public static let magic: [UInt8] = Array("CORDARCH".utf8)
  public static let version: UInt32 = 1
  public static let headerSize = 60
  public static let suffix = ".segz"

  public struct Header: Sendable, Equatable {
    public var firstSeq: UInt64
    public var lastSeq: UInt64
    /// Earliest and latest record time in the segment, in milliseconds.
    public var minTime: Int64
    public var maxTime: Int64
    public var plainLength: UInt64
    public var plainCRC: UInt32
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

  /// `header`'s seqs and times go in as given; its length and CRC are computed from `plain`.
  static func encode(plain: [UInt8], header: Header) throws -> [UInt8] {
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
    var input = ByteBuffer(bytes: plain)
    let compressed = try input.compress(with: .zlib())
    out.append(contentsOf: compressed.readableBytesView)
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
      guard v == version else { return .failure(.init(offset: 8, reason: "unsupported archive format version \(v)")) }
      guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<56])) == LE.u32(b, 56) else {
        return .failure(.init(offset: 56, reason: "archive header CRC mismatch"))
      }
      return .success(
        Header(
          firstSeq: LE.u64(b, 12), lastSeq: LE.u64(b, 20), minTime: Int64(bitPattern: LE.u64(b, 28)),
          maxTime: Int64(bitPattern: LE.u64(b, 36)), plainLength: LE.u64(b, 44), plainCRC: LE.u32(b, 52)))
    }
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
    var input = ByteBuffer(bytes: bytes[headerSize...])
    var output = ByteBufferAllocator().buffer(capacity: Int(header.plainLength))
    do {
      try input.decompress(to: &output, with: .zlib())
    } catch {
      return .failure(.init(offset: UInt64(headerSize), reason: "archive does not inflate: \(error)"))
    }
    let plain = Array(output.readableBytesView)
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
