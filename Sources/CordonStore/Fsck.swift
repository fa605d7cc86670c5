import Foundation

/// What `fsck` found in a data directory.
public struct FsckReport: Sendable, Equatable {
  public struct Problem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var offset: UInt64
    public var message: String
    /// A torn tail of the last segment: the one thing `--repair` may fix.
    public var repairable: Bool
    public var repaired: Bool
    public var description: String {
      let note = repaired ? " [repaired]" : repairable ? " [repairable with --repair]" : ""
      return "\(file) at byte \(offset): \(message)\(note)"
    }
  }

  public var directory: String
  public var segments = 0
  /// Of `segments`, how many are compressed archives, and their bytes on disk.
  public var archives = 0
  public var archiveBytes: UInt64 = 0
  /// Bytes on disk (archives compressed).
  public var journalBytes: UInt64 = 0
  public var frames = 0
  public var firstSeq: UInt64?
  public var lastSeq: UInt64?
  public var validSnapshots: [UInt64] = []
  public var invalidSnapshots = 0
  public var problems: [Problem] = []

  /// Nothing wrong that is still wrong.
  public var isClean: Bool { problems.allSatisfy(\.repaired) }

  public func render() -> String {
    var lines = ["data directory: \(directory)"]
    let range = firstSeq.map { f in "seq \(f)...\(lastSeq ?? f)" } ?? "no events"
    lines.append("journal: \(segments) segment(s), \(journalBytes) bytes, \(frames) frame(s), \(range)")
    if archives > 0 { lines.append("archived: \(archives) segment(s), \(archiveBytes) bytes compressed") }
    let snaps =
      validSnapshots.isEmpty ? "none valid" : "valid at seq " + validSnapshots.map(String.init).joined(separator: ", ")
    lines.append("snapshots: \(snaps)\(invalidSnapshots > 0 ? ", \(invalidSnapshots) invalid" : "")")
    if problems.isEmpty {
      lines.append("clean")
    } else {
      lines.append("problems:")
      lines += problems.map { "  \($0)" }
      lines.append(isClean ? "clean after repair" : "NOT CLEAN: \(problems.filter { !$0.repaired }.count) problem(s)")
    }
    return lines.joined(separator: "\n")
  }
}

/// Verifies every segment header, frame CRC, seq continuity and snapshot
/// footer in `directory` without knowing the domain. With `repair`, cuts a
/// torn tail off the last segment (quarantining the bytes) and nothing else:
/// damage in the middle is reported, never dropped.
public func fsck(directory: URL, repair: Bool, io: FileIO = PosixFileIO()) -> FsckReport {
  let layout = StoreLayout(root: directory.path)
  var report = FsckReport(directory: layout.root)
  func problem(_ file: String, _ offset: UInt64, _ message: String, repairable: Bool = false) {
    report.problems.append(.init(file: file, offset: offset, message: message, repairable: repairable, repaired: false))
  }
  guard io.fileExists(layout.root) else {
    problem(layout.root, 0, "no such directory")
    return report
  }
  var lock: IOHandle?
  if repair {
    do {
      switch try io.lock(layout.lockFile) {
      case .acquired(let h): lock = h
      case .heldBy(let pid):
        problem("LOCK", 0, "in use by process \(pid.map(String.init) ?? "unknown"); not repairing a live store")
        return report
      }
    } catch {
      problem("LOCK", 0, "\(error)")
      return report
    }
  }
  defer { if let lock { io.unlock(lock) } }

  do {
    for ref in try SnapshotRef.all(in: layout.snapshots, io: io) {
      let bytes = try io.readFile(ref.path)
      switch SnapshotFile.decode(bytes) {
      case .valid(let seq, _, _) where seq == ref.seq: report.validSnapshots.append(seq)
      case .valid(let seq, _, _):
        report.invalidSnapshots += 1
        problem("snapshots/" + ref.name, 0, "footer says seq \(seq), file name says \(ref.seq)")
      case .invalid(let offset, let reason):
        report.invalidSnapshots += 1
        problem("snapshots/" + ref.name, offset, reason)
      }
    }
  } catch {
    if io.fileExists(layout.snapshots) { problem("snapshots", 0, "\(error)") }
  }

  let segments: [SegmentFile]
  do {
    segments = io.fileExists(layout.journal) ? try JournalLayout.segments(in: layout.journal, io: io) : []
  } catch {
    problem("journal", 0, "\(error)")
    return report
  }
  report.segments = segments.count
  var expected: UInt64?
  for (i, seg) in segments.enumerated() {
    let file = "journal/" + seg.name
    let isLast = i == segments.count - 1
    if let e = expected, seg.firstSeq != e {
      problem(file, 0, "segment starts at seq \(seg.firstSeq) but the one before it ends at \(e - 1)")
    }
    let bytes: [UInt8]
    do {
      bytes = try seg.read(io: io)
      let onDisk = seg.archived ? try io.fileSize(seg.path) : UInt64(bytes.count)
      report.journalBytes += onDisk
      if seg.archived {
        report.archives += 1
        report.archiveBytes += onDisk
      }
    } catch let StoreError.corrupt(_, offset, reason) {
      problem(file, offset, reason)
      expected = nil
      continue
    } catch {
      problem(file, 0, "\(error)")
      expected = nil
      continue
    }
    let (index, scan) = bytes.withUnsafeBytes { b in SegmentIndex.build(b, firstSeq: seg.firstSeq) { _ in 0 } }
    report.frames += scan.frames
    if scan.problem == nil {
      bytes.withUnsafeBytes { b in
        checkIndex(
          seg, b, end: index.end, sealed: !isLast, io: io, problem: { problem(file, 0, $0, repairable: $1) },
          repair: repair
        ) { report.problems[report.problems.count - 1].repaired = true }
      }
    }
    if report.firstSeq == nil { report.firstSeq = scan.firstSeq }
    if let l = scan.lastSeq { report.lastSeq = l }
    if let p = scan.problem {
      let torn = isLast && p.isTornTail && !seg.archived
      problem(
        file, UInt64(p.offset), p.reason + (torn ? " (torn tail)" : isLast ? "" : " (in a sealed segment)"),
        repairable: torn)
      if torn && repair {
        do {
          _ = try layout.cutTail(seg, bytes: bytes, at: p.offset, io: io)
          report.problems[report.problems.count - 1].repaired = true
        } catch {
          problem(file, UInt64(p.offset), "repair failed: \(error)")
        }
      }
    }
    expected = scan.lastSeq.map { $0 + 1 } ?? seg.firstSeq
  }
  if let first = segments.first?.firstSeq, first > 1 {
    let covered = report.validSnapshots.contains { $0 + 1 >= first }
    if !covered {
      problem(
        "journal/" + (segments.first?.name ?? ""), 0,
        "the journal starts at seq \(first) and no valid snapshot covers the events before it")
    }
  }
  if let newest = report.validSnapshots.last, let last = report.lastSeq, newest > last {
    problem("snapshots/" + SnapshotFile.fileName(seq: newest), 0, "snapshot is ahead of the journal (ends at \(last))")
  }
  return report
}

/// The segment's stored index against the one its frames give: an
/// archive's chunk table must match (it is part of the archive); a plain
/// segment's `.idx` is derived data, so a stale one is a repairable problem
/// (repair deletes it; the store rebuilds it when needed).
private func checkIndex(
  _ seg: SegmentFile, _ plain: UnsafeRawBufferPointer, end: UInt64, sealed: Bool, io: FileIO,
  problem: (String, Bool) -> Void, repair: Bool, repaired: () -> Void
) {
  let json = JSONDecoder()
  func regrouped(_ like: SegmentIndex) -> SegmentIndex {
    SegmentIndex.regroup(plain, like: like) { (try? RecordCodec<Int>.time($0, json: json)) ?? 0 }
  }
  if seg.archived {
    guard let prefix = try? io.readPrefix(seg.path, count: 64 << 10) else { return }
    var bytes = prefix
    if case .success(let h) = ArchiveFile.header(prefix[...]), h.version == 2,
      prefix.count >= ArchiveFile.headerSize + 4
    {
      let count = prefix.withUnsafeBytes { Int(LE.u32($0, ArchiveFile.headerSize)) }
      let need = ArchiveFile.tableSize(chunks: min(count, 1 << 24))
      if need > bytes.count, let more = try? io.readPrefix(seg.path, count: need) { bytes = more }
    }
    if case .success(let table?) = ArchiveFile.table(bytes[...]), table.index != regrouped(table.index) {
      problem("archive chunk table does not match the segment's frames (seqs or times)", false)
    }
    return
  }
  guard sealed, io.fileExists(seg.indexPath) else { return }
  let name = SegmentIndexFile.fileName(firstSeq: seg.firstSeq)
  let stored = (try? io.readFile(seg.indexPath)).flatMap {
    SegmentIndexFile.decode($0, firstSeq: seg.firstSeq, length: end)
  }
  if let stored, stored == regrouped(stored) { return }
  problem("index \(name) does not match the segment (derived data: repair deletes it, the store rebuilds it)", true)
  if repair, (try? io.remove(seg.indexPath)) != nil { repaired() }
}
