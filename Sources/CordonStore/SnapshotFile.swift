/// Snapshot file layout: header (`CORDSNAP`, u32 version), the encoded body
/// (version 2: `BinaryCoding`; version 1, written before it: JSON, still read),
/// then a footer `u64 seq | u64 body length | u32 CRC32C | "CSNE"`.
///
/// The footer comes last so a snapshot cut short by a crash can never look
/// complete: its length and CRC would not match what precedes them.
public enum SnapshotFile {
  public static let magic: [UInt8] = Array("CORDSNAP".utf8)
  public static let endMagic: [UInt8] = Array("CSNE".utf8)
  public static let version: UInt32 = 2
  /// Versions this build reads: 1 (JSON body) and 2 (binary body).
  static let readable: ClosedRange<UInt32> = 1...2
  static let headerSize = 12
  static let footerSize = 24

  public static func fileName(seq: UInt64) -> String { paddedSeq(seq) + ".snap" }

  public static func seq(fromFileName name: String) -> UInt64? {
    guard name.hasSuffix(".snap") else { return nil }
    return UInt64(name.dropLast(5))
  }

  static func encode(seq: UInt64, body: [UInt8]) -> [UInt8] {
    var out = magic
    out.reserveCapacity(headerSize + body.count + footerSize)
    LE.append(version, to: &out)
    out.append(contentsOf: body)
    LE.append(seq, to: &out)
    LE.append(UInt64(body.count), to: &out)
    LE.append(checksum(seq: seq, body: body[...]), to: &out)
    out.append(contentsOf: endMagic)
    return out
  }

  private static func checksum(seq: UInt64, body: ArraySlice<UInt8>) -> UInt32 {
    var seqLE = seq.littleEndian
    let crc = body.withUnsafeBytes { CRC32C.checksum($0) }
    return withUnsafeBytes(of: &seqLE) { CRC32C.update(crc, $0) }
  }

  public enum Decoded: Equatable {
    /// `json`: a version 1 body, written before the binary one.
    case valid(seq: UInt64, body: ArraySlice<UInt8>, json: Bool = false)
    /// What is wrong and at which byte offset.
    case invalid(offset: UInt64, reason: String)
  }

  static func decode(_ bytes: [UInt8]) -> Decoded {
    guard bytes.count >= headerSize + footerSize else {
      return .invalid(offset: 0, reason: "snapshot truncated (\(bytes.count) bytes)")
    }
    guard Array(bytes[0..<8]) == magic else { return .invalid(offset: 0, reason: "bad snapshot magic") }
    let footer = bytes.count - footerSize
    return bytes.withUnsafeBytes { b -> Decoded in
      let v = LE.u32(b, 8)
      guard readable.contains(v) else { return .invalid(offset: 8, reason: "unsupported snapshot version \(v)") }
      guard Array(bytes[(footer + 20)...]) == endMagic else {
        return .invalid(offset: UInt64(footer), reason: "snapshot footer missing (torn write?)")
      }
      let seq = LE.u64(b, footer)
      let length = LE.u64(b, footer + 8)
      guard length == UInt64(footer - headerSize) else {
        return .invalid(offset: UInt64(footer + 8), reason: "footer length \(length) does not match the body")
      }
      let body = bytes[headerSize..<footer]
      guard checksum(seq: seq, body: body) == LE.u32(b, footer + 16) else {
        return .invalid(offset: UInt64(footer + 16), reason: "snapshot CRC mismatch")
      }
      return .valid(seq: seq, body: body, json: v == 1)
    }
  }
}

/// A snapshot file as found in the snapshots directory.
struct SnapshotRef: Sendable, Equatable {
  var seq: UInt64
  var name: String
  var path: String

  static func all(in dir: String, io: FileIO) throws -> [SnapshotRef] {
    try io.list(dir).compactMap { name in
      SnapshotFile.seq(fromFileName: name).map { SnapshotRef(seq: $0, name: name, path: dir + "/" + name) }
    }.sorted { $0.seq < $1.seq }
  }
}

/// What a snapshot holds besides the model's state: the store's own
/// bookkeeping, so duplicate detection survives a restart.
struct SnapshotBody<State: Codable & Sendable>: Codable, Sendable {
  var state: State
  /// Time of the last event folded in, so `state(at:)` can pick a snapshot.
  var lastTime: Instant?
  var commandIDs: [String]
  var commandFirstSeq: [UInt64]
  var commandCount: [UInt32]
}
