import Foundation

/// What `backup` copied.
public struct BackupReport: Sendable, Equatable {
  public var destination: String
  /// The backup holds every event up to and including this seq.
  public var seq: UInt64
  public var snapshotSeq: UInt64?
  public var files: Int
  public var bytes: UInt64
  public var fsck: FsckReport
}

public enum BackupError: Error, Sendable, Equatable, CustomStringConvertible {
  case destinationNotEmpty(String)
  case notAStore(String)
  case failed(String)
  case unverified(String)

  public var description: String {
    switch self {
    case .destinationNotEmpty(let d): "\(d) already exists and is not empty; give a new or empty directory"
    case .notAStore(let d): "\(d) holds no journal: not a data directory or a backup"
    case .failed(let t): "backup failed, nothing was left at the destination: \(t)"
    case .unverified(let t): "the copy did not verify, nothing was left at the destination: \(t)"
    }
  }
}

/// A consistent copy of a data directory, safe while a writer is appending
/// to it (no lock is taken): the newest valid snapshot first, then every
/// segment and archive oldest first, the last one cut at its last whole frame.
/// Sealed segments and archives never change once written, and a snapshot
/// only ever covers events already durable, so the copy is the store as it
/// was at the copy's last seq.
///
/// The copy is built in `DEST.partial`, made durable file by file, checked
/// with `fsck`, with `verify` (the caller opens it with its domain) and fsck again;
/// only then is it renamed to `dest`. Also what restore does, from a backup
/// into an empty data directory.
public func backup(
  from source: URL, to dest: URL, io: FileIO = PosixFileIO(), verify: (URL, UInt64) throws -> Void = { _, _ in }
) throws -> BackupReport {
  let from = StoreLayout(root: source.path)
  let target = StoreLayout(root: dest.path)
  if io.fileExists(target.root) {
    guard (try? io.list(target.root))?.isEmpty == true else { throw BackupError.destinationNotEmpty(target.root) }
  }
  guard io.fileExists(from.journal) else { throw BackupError.notAStore(from.root) }
  let partial = StoreLayout(root: target.root + ".partial")
  if io.fileExists(partial.root) { try? removeTree(partial.root, io: io) }
  var report = BackupReport(
    destination: target.root, seq: 0, snapshotSeq: nil, files: 0, bytes: 0, fsck: FsckReport(directory: target.root))
  do {
    try io.makeDirectory(partial.journal)
    try io.makeDirectory(partial.snapshots)
    func put(_ path: String, _ bytes: [UInt8]) throws {
      try io.writeAtomically(path, bytes)
      report.files += 1
      report.bytes += UInt64(bytes.count)
    }
    // The snapshot before the segments: it can only cover events already in them.
    for ref in try SnapshotRef.all(in: from.snapshots, io: io).reversed() {
      let bytes = try io.readFile(ref.path)
      guard case .valid(let seq, _, _) = SnapshotFile.decode(bytes), seq == ref.seq else { continue }
      try put(partial.snapshots + "/" + ref.name, bytes)
      report.snapshotSeq = seq
      break
    }
    let segments = try JournalLayout.segments(in: from.journal, io: io)
    for (i, seg) in segments.enumerated() {
      var file = seg
      var bytes: [UInt8]
      do { bytes = try io.readFile(seg.path) } catch let e as FileIOError where e.code == ENOENT && !seg.archived {
        // Archived by the writer since the listing: copy the archive.
        file = seg.asArchived()
        bytes = try io.readFile(file.path)
      }
      if i == segments.count - 1 && !file.archived {
        // The active segment: keep whole frames only (a write may be in progress).
        let scan = bytes.withUnsafeBytes { SegmentScanner.scan($0, expectedFirst: seg.firstSeq) { _, _, _ in } }
        bytes.removeSubrange(scan.validEnd...)
      }
      try put(partial.journal + "/" + file.name, bytes)
    }
  } catch {
    try? removeTree(partial.root, io: io)
    throw BackupError.failed("\(error)")
  }
  do {
    var check = fsck(directory: URL(fileURLWithPath: partial.root), repair: false, io: io)
    guard check.isClean else { throw BackupError.unverified(check.render()) }
    report.seq = check.lastSeq ?? report.snapshotSeq ?? 0
    try verify(URL(fileURLWithPath: partial.root), report.seq)
    // Opening may have added a snapshot: the final word is a second fsck.
    check = fsck(directory: URL(fileURLWithPath: partial.root), repair: false, io: io)
    guard check.isClean, (check.lastSeq ?? report.seq) == report.seq else {
      throw BackupError.unverified(check.render())
    }
    report.fsck = check
    // rename(2) replaces an empty directory, so an empty DEST made beforehand is fine.
    try io.rename(partial.root, to: target.root)
    try io.syncDirectory(parentDirectory(of: target.root))
  } catch {
    try? removeTree(partial.root, io: io)
    if let e = error as? BackupError { throw e }
    throw BackupError.unverified("\(error)")
  }
  report.fsck.directory = target.root
  return report
}

/// Deletes a directory the backup made, and everything in it.
private func removeTree(_ path: String, io: FileIO) throws {
  for name in (try? io.list(path)) ?? [] {
    let child = path + "/" + name
    if (try? io.list(child)) != nil {
      try removeTree(child, io: io)
    } else {
      try io.remove(child)
    }
  }
  try io.remove(path)
}
