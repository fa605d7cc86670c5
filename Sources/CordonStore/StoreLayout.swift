/// Where things live inside a data directory.
struct StoreLayout: Sendable {
  let root: String
  var journal: String { root + "/journal" }
  var snapshots: String { root + "/snapshots" }
  var quarantine: String { root + "/quarantine" }
  var lockFile: String { root + "/LOCK" }

  init(root: String) {
    var r = root
    while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
    self.root = r
  }

  /// Copies the bytes a tail cut removes into `quarantine/`, durably, before the
  /// cut: a wrong guess about what is torn must never destroy the only copy.
  func quarantine(_ bytes: ArraySlice<UInt8>, from segment: String, offset: Int, io: FileIO) throws -> String {
    try io.makeDirectory(quarantine)
    let path = quarantine + "/\(segment)-\(offset).bin"
    do {
      try io.writeAtomically(path, Array(bytes))
    } catch {
      // A half-written copy (a full disk) is of no use and holds the room.
      try? io.remove(path + ".tmp")
      throw error
    }
    return path
  }

  /// Cuts the tail of the last segment at `offset` (quarantining the bytes) and
  /// makes the cut durable. A segment whose header itself is torn is removed.
  func cutTail(_ segment: SegmentFile, bytes: [UInt8], at offset: Int, io: FileIO) throws -> RecoveryWarning {
    let q = try quarantine(bytes[offset...], from: segment.name, offset: offset, io: io)
    if offset < SegmentHeader.size {
      try io.remove(segment.path)
    } else {
      try io.truncate(segment.path, to: UInt64(offset))
      let h = try io.openForAppend(segment.path, create: false)
      defer { io.close(h) }
      try io.sync(h)
    }
    try io.syncDirectory(journal)
    return RecoveryWarning(
      file: "journal/" + segment.name, offset: UInt64(offset),
      message: "torn tail of \(bytes.count - offset) bytes cut; kept in \(q)")
  }
}
