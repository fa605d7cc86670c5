/// Little-endian integer packing shared by frames, segment headers and
/// snapshot footers (and the kept reports' headers). Written out by hand so the on-disk layout does not depend
/// on the host's byte order or on any encoder's choices.
public enum LE {
  public static func append(_ v: UInt32, to out: inout [UInt8]) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
  }

  public static func append(_ v: UInt64, to out: inout [UInt8]) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
  }

  public static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
    UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
  }

  public static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
    UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
  }
}
