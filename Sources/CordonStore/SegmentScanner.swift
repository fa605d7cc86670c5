#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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

/// One segment file as found in the journal directory: plain (`.seg`, the
/// active one and sealed ones not yet archived) or archived (`.segz`).
struct SegmentFile: Sendable, Equatable {
  var firstSeq: UInt64
  var name: String
  var path: String
  var archived = false

  /// Where this segment's archive lives (or will), beside the plain file.
  var archivePath: String { parentDirectory(of: path) + "/" + ArchiveFile.fileName(firstSeq: firstSeq) }
  var plainPath: String { parentDirectory(of: path) + "/" + SegmentHeader.fileName(firstSeq: firstSeq) }

  func asArchived() -> SegmentFile {
    SegmentFile(firstSeq: firstSeq, name: ArchiveFile.fileName(firstSeq: firstSeq), path: archivePath, archived: true)
  }

  /// The segment's plain bytes, inflating an archive (verified byte-exact by its
  /// CRC). A plain file archived and removed between listing and reading is
  /// read from its archive instead.
  func read(io: FileIO) throws -> [UInt8] {
    if !archived {
      do { return try io.readFile(path) } catch let e as FileIOError where e.code == ENOENT {
        guard io.fileExists(archivePath) else { throw e }
        return try asArchived().read(io: io)
      }
    }
    switch ArchiveFile.decode(try io.readFile(path)) {
    case .success(let (_, plain)): return plain
    case .failure(let p): throw StoreError.corrupt(file: "journal/" + name, offset: p.offset, reason: p.reason)
    }
  }

  /// The archive's header (nil for a plain segment), read without inflating.
  func archiveHeader(io: FileIO) throws -> ArchiveFile.Header? {
    guard archived else { return nil }
    switch ArchiveFile.header(try io.readPrefix(path, count: ArchiveFile.headerSize)[...]) {
    case .success(let h): return h
    case .failure(let p): throw StoreError.corrupt(file: "journal/" + name, offset: p.offset, reason: p.reason)
    }
  }
}

enum JournalLayout {
  /// Every segment, oldest first. A seq with both a plain file and an archive
  /// (a crash between archiving and removing the plain file) is listed once,
  /// as the plain file: it is the original; recovery removes the archive.
  static func segments(in journalDir: String, io: FileIO) throws -> [SegmentFile] {
    var bySeq: [UInt64: SegmentFile] = [:]
    for name in try io.list(journalDir) {
      if let seq = SegmentHeader.firstSeq(fromFileName: name) {
        bySeq[seq] = SegmentFile(firstSeq: seq, name: name, path: journalDir + "/" + name)
      } else if let seq = ArchiveFile.firstSeq(fromFileName: name), bySeq[seq] == nil {
        bySeq[seq] = SegmentFile(firstSeq: seq, name: name, path: journalDir + "/" + name, archived: true)
      }
    }
    return bySeq.values.sorted { $0.firstSeq < $1.firstSeq }
  }

  /// Leftovers of an archiving step cut short: temp files, archives whose
  /// plain segment is still there, and indexes whose plain segment is gone
  /// (archived). All are safe to delete.
  static func leftovers(in journalDir: String, io: FileIO) throws -> [String] {
    let names = Set(try io.list(journalDir))
    return names.filter { name in
      if name.hasSuffix(ArchiveFile.suffix + ".tmp") || name.hasSuffix(SegmentIndexFile.suffix + ".tmp") { return true }
      if name.hasSuffix(SegmentIndexFile.suffix) {
        guard let seq = UInt64(name.dropLast(SegmentIndexFile.suffix.count)) else { return false }
        return !names.contains(SegmentHeader.fileName(firstSeq: seq))
      }
      guard let seq = ArchiveFile.firstSeq(fromFileName: name) else { return false }
      return names.contains(SegmentHeader.fileName(firstSeq: seq))
    }.sorted().map { journalDir + "/" + $0 }
  }
}
