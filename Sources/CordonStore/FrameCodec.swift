/// The journal's frame: `u32 length | u32 CRC32C | u64 seq | payload`, little-endian.
///
/// `length` counts the payload only; the CRC covers seq and payload, so a frame
/// whose seq was damaged is caught as surely as one whose payload was.
public enum FrameCodec {
  public static let headerSize = 16
  /// Bounds the length field so a damaged header cannot make a reader allocate
  /// or skip gigabytes; no single event comes near it.
  public static let maxPayload = 16 << 20

  public enum Decoded: Equatable, Sendable {
    /// A valid frame; its payload is `payload` within the buffer and the next frame starts at `next`.
    case frame(seq: UInt64, payload: Range<Int>, next: Int)
    /// Not enough bytes left for the frame the header announces (or for a header).
    case truncated
    /// The bytes cannot be a frame we wrote.
    case invalid(String)
  }

  public static func append(seq: UInt64, payload: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    var seqLE = seq.littleEndian
    let crc = withUnsafeBytes(of: &seqLE) { CRC32C.update(CRC32C.checksum($0), payload) }
    LE.append(UInt32(payload.count), to: &out)
    LE.append(crc, to: &out)
    LE.append(seq, to: &out)
    out.append(contentsOf: payload)
  }

  public static func encode(seq: UInt64, payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(headerSize + payload.count)
    payload.withUnsafeBytes { append(seq: seq, payload: $0, to: &out) }
    return out
  }

  public static func decode(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> Decoded {
    let remaining = buffer.count - offset
    guard remaining >= headerSize else { return .truncated }
    let length = Int(LE.u32(buffer, offset))
    guard length > 0 else { return .invalid("zero-length frame") }
    guard length <= maxPayload else { return .invalid("frame length \(length) exceeds the \(maxPayload)-byte limit") }
    guard remaining - headerSize >= length else { return .truncated }
    let stored = LE.u32(buffer, offset + 4)
    let covered = UnsafeRawBufferPointer(rebasing: buffer[(offset + 8)..<(offset + headerSize + length)])
    guard CRC32C.checksum(covered) == stored else { return .invalid("CRC mismatch") }
    return .frame(
      seq: LE.u64(buffer, offset + 8), payload: (offset + headerSize)..<(offset + headerSize + length),
      next: offset + headerSize + length)
  }
}

/// Segment file header: the magic `CORDJRNL` and a format version, so a reader
/// can tell our files from anything else and refuse a format it does not know.
public enum SegmentHeader {
  public static let magic: [UInt8] = Array("CORDJRNL".utf8)
  public static let version: UInt32 = 1
  public static let size = 12

  public static var bytes: [UInt8] {
    var out = magic
    LE.append(version, to: &out)
    return out
  }

  /// nil when valid, otherwise why not.
  public static func problem(_ buffer: UnsafeRawBufferPointer) -> String? {
    guard buffer.count >= size else { return "segment header truncated (\(buffer.count) of \(size) bytes)" }
    guard Array(buffer[0..<8]) == magic else { return "bad segment magic" }
    let v = LE.u32(buffer, 8)
    guard v == version else { return "unsupported segment format version \(v)" }
    return nil
  }

  public static func fileName(firstSeq: UInt64) -> String { paddedSeq(firstSeq) + ".seg" }

  public static func firstSeq(fromFileName name: String) -> UInt64? {
    guard name.hasSuffix(".seg") else { return nil }
    return UInt64(name.dropLast(4))
  }
}

func paddedSeq(_ seq: UInt64) -> String {
  let digits = String(seq)
  return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
}
