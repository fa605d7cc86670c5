import CCRC32C

/// CRC-32C (Castagnoli), the checksum every frame and snapshot footer carries.
///
/// Castagnoli rather than the zlib polynomial because it detects more error
/// patterns in the frame sizes we write and is what Kafka, ext4 and iSCSI use,
/// so its behaviour on torn and bit-rotted data is well studied.
///
/// The CPU's CRC-32C instruction does the work where there is one (x86-64
/// SSE4.2, ARMv8 CRC; the small C target `CCRC32C`): a full replay checks every
/// byte of the journal twice (the archive's CRC, then each frame's), and with
/// slicing-by-8 that was about 9 % of its time (perf). Slicing-by-8 in Swift
/// stays as the fallback and as the tests' oracle.
public enum CRC32C {
  /// Checked once: whether `update` may use the CPU's instruction.
  static let hardware = cordon_crc32c_hardware() != 0

  private static let polynomial: UInt32 = 0x82F6_3B78

  /// Eight 256-entry tables laid out contiguously, table k at offset k * 256.
  private static let tables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 8 * 256)
    for i in 0..<256 {
      var c = UInt32(i)
      for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1 }
      t[i] = c
    }
    for k in 1..<8 {
      for i in 0..<256 {
        let prev = t[(k - 1) * 256 + i]
        t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
      }
    }
    return t
  }()

  /// Continues `crc` (a finished checksum, 0 for none) over `buffer`, so a
  /// frame's checksum can cover its seq and payload without copying them together.
  public static func update(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
    guard hardware else { return softwareUpdate(crc, buffer) }
    guard let p = buffer.baseAddress, buffer.count > 0 else { return crc }
    return ~cordon_crc32c_update(~crc, p, buffer.count)
  }

  /// Slicing-by-8: the fallback, and what the tests check the instruction against.
  static func softwareUpdate(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
    var c = ~crc
    guard var p = buffer.baseAddress, buffer.count > 0 else { return crc }
    var n = buffer.count
    tables.withUnsafeBufferPointer { tb in
      guard let t = tb.baseAddress else { return }
      while n >= 8 {
        let one = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
        let two = UInt32(littleEndian: (p + 4).loadUnaligned(as: UInt32.self))
        c =
          t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
          ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
          ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
          ^ t[1 * 256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
        p += 8
        n -= 8
      }
      while n > 0 {
        c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
        p += 1
        n -= 1
      }
    }
    return ~c
  }

  public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 { update(0, buffer) }

  public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
    if let r = bytes.withContiguousStorageIfAvailable({ update(0, UnsafeRawBufferPointer($0)) }) { return r }
    return Array(bytes).withUnsafeBytes { update(0, $0) }
  }
}
