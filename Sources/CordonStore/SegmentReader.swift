import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a store has learnt of its segments' indexes, by file path: an
/// archive's header and chunk table (read once: archives never change), a
/// sealed plain segment's index (from its `.idx` or built by one scan), the
/// active segment's index (extended as it grows). Derived data: dropped and
/// rebuilt whenever the frames disagree with it.
final class SegmentIndexes: Sendable {
  struct Known: Sendable {
    var index: SegmentIndex?
    var header: ArchiveFile.Header?
    var table: ArchiveFile.Table?
  }

  private let known = Mutex<[String: Known]>([:])

  subscript(path: String) -> Known? {
    get { known.withLock { $0[path] } }
    set { known.withLock { $0[path] = newValue } }
  }

  /// Forgets files no longer in the journal (archived, or removed by retention).
  func keep(only paths: Set<String>) {
    known.withLock { k in
      if k.keys.contains(where: { !paths.contains($0) }) { k = k.filter { paths.contains($0.key) } }
    }
  }
}

/// Chunks and segments one query has read, so a query that reads the same
/// place twice (a report's day, then the replay to its end) inflates it once.
final class ChunkCache {
  var kept: [String: [UInt8]] = [:]
}

/// Reads one segment's frames by seq range and time through its index:
/// only the blocks (plain) or chunks (archive) that can hold what is asked
/// are read; every frame read is checked as in a whole read.
struct SegmentReader {
  let io: FileIO
  let indexes: SegmentIndexes
  /// A record's time from its payload, without decoding the event.
  let time: (UnsafeRawBufferPointer) throws -> Int64

  typealias Visit = (_ seq: UInt64, _ time: Int64, _ payload: UnsafeRawBufferPointer, _ offset: Int) throws -> Bool
  typealias Skip = (_ earliest: Int64, _ latest: Int64) -> Bool

  private func corrupt(_ seg: SegmentFile, _ offset: UInt64, _ reason: String) -> StoreError {
    .corrupt(file: "journal/" + seg.name, offset: offset, reason: reason)
  }

  private func wrapIO<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as StoreError { throw e } catch { throw StoreError.io("\(error)") }
  }

  // MARK: Archives

  /// The archive's header and, for version 2, its chunk table: read once, then remembered.
  func archive(_ seg: SegmentFile) throws -> SegmentIndexes.Known {
    if let k = indexes[seg.path], k.header != nil { return k }
    var prefix = try wrapIO { try io.readPrefix(seg.path, count: 64 << 10) }
    var known = SegmentIndexes.Known()
    switch ArchiveFile.header(prefix[...]) {
    case .failure(let p): throw corrupt(seg, p.offset, p.reason)
    case .success(let h): known.header = h
    }
    if known.header?.version == 2, prefix.count >= ArchiveFile.headerSize + 4 {
      let count = prefix.withUnsafeBytes { Int(LE.u32($0, ArchiveFile.headerSize)) }
      let need = ArchiveFile.tableSize(chunks: min(count, 1 << 24))
      if need > prefix.count { prefix = try wrapIO { try io.readPrefix(seg.path, count: need) } }
    }
    switch ArchiveFile.table(prefix[...]) {
    case .failure(let p): throw corrupt(seg, p.offset, p.reason)
    case .success(let t):
      known.table = t
      known.index = t?.index
    }
    indexes[seg.path] = known
    return known
  }

  // MARK: Reading

  /// Visits frames `from...upper` of `seg` (whose durable frames end at
  /// `durable`: the active segment's tail may hold a write in progress), in
  /// seq order, skipping blocks that `skip` rules out by their time range,
  /// until `visit` returns false. Returns false when it stopped so.
  func read(
    _ seg: SegmentFile, sealed: Bool, from: UInt64, through upper: UInt64, durable: UInt64, cache: ChunkCache?,
    skip: Skip, visit: Visit
  ) throws -> Bool {
    if !seg.archived, sealed, !io.fileExists(seg.path), io.fileExists(seg.archivePath) {
      // Archived since the listing: the archive holds the same frames.
      return try read(
        seg.asArchived(), sealed: true, from: from, through: upper, durable: durable, cache: cache, skip: skip,
        visit: visit)
    }
    if seg.archived {
      let known = try archive(seg)
      if let h = known.header, skip(h.minTime, h.maxTime) { return true }
      if let table = known.table { return try readChunks(seg, table, from: from, through: upper, cache, skip, visit) }
      return try readWhole(seg, from: from, through: upper, cache: cache, visit: visit)
    }
    return try readPlain(seg, sealed: sealed, from: from, through: upper, durable: durable, skip: skip, visit: visit)
  }

  /// A version 1 archive (one zlib stream): inflated whole, every frame looked at.
  private func readWhole(
    _ seg: SegmentFile, from: UInt64, through upper: UInt64, cache: ChunkCache?, visit: Visit
  ) throws -> Bool {
    let bytes: [UInt8]
    if let kept = cache?.kept[seg.path] {
      bytes = kept
    } else {
      bytes = try wrapIO { try seg.read(io: io) }
      cache?.kept[seg.path] = bytes
    }
    var stopped = false
    try bytes.withUnsafeBytes { buffer in
      _ = try SegmentScanner.scan(buffer, expectedFirst: seg.firstSeq) { seq, payload, offset in
        guard !stopped, seq >= from, seq <= upper else { return }
        let t: Int64
        do { t = try time(payload) } catch { throw corrupt(seg, UInt64(offset), "\(error)") }
        if try !visit(seq, t, payload, offset) { stopped = true }
      }
    }
    return !stopped
  }

  private func readChunks(
    _ seg: SegmentFile, _ table: ArchiveFile.Table, from: UInt64, through upper: UInt64, _ cache: ChunkCache?,
    _ skip: Skip, _ visit: Visit
  ) throws -> Bool {
    for (i, c) in table.chunks.enumerated() {
      guard c.count > 0, c.firstSeq &+ UInt64(c.count) &- 1 >= from, c.firstSeq <= upper else { continue }
      if skip(c.minTime, c.maxTime) { continue }
      let key = seg.path + "#\(i)"
      let plain: [UInt8]
      if let kept = cache?.kept[key] {
        plain = kept
      } else {
        let compressed = try wrapIO { try io.read(seg.path, at: c.fileOffset, count: Int(c.compressedLength)) }
        switch ArchiveFile.inflate(chunk: c, compressed[...]) {
        case .failure(let p): throw corrupt(seg, p.offset, p.reason)
        case .success(let b): plain = b
        }
        cache?.kept[key] = plain
      }
      let start = c.plainOffset == 0 ? SegmentHeader.size : 0
      if c.plainOffset == 0, let problem = plain.withUnsafeBytes({ SegmentHeader.problem($0) }) {
        throw corrupt(seg, c.fileOffset, problem)
      }
      let block = SegmentIndex.Block(
        firstSeq: c.firstSeq, count: c.count, minTime: c.minTime, maxTime: c.maxTime,
        offset: c.plainOffset + UInt64(start), length: c.plainLength - UInt32(start))
      let outcome = try frames(
        seg, plain, start: start, block: block, from: from, through: upper, visit: visit)
      switch outcome {
      case .stopped: return false
      case .done: continue
      case .disagrees(let reason, _): throw corrupt(seg, c.fileOffset, "archive chunk table: \(reason)")
      }
    }
    return true
  }

  private enum Outcome {
    case done, stopped
    /// The block is not what its entry says; frames before `resume` were visited.
    case disagrees(String, resume: UInt64)
  }

  /// The frames of one block, from `start` in `bytes` (which begin at the
  /// block's offset, or at the segment's start for an archive's first chunk).
  private func frames(
    _ seg: SegmentFile, _ bytes: [UInt8], start: Int, block: SegmentIndex.Block, from: UInt64,
    through upper: UInt64, visit: Visit
  ) throws -> Outcome {
    try bytes.withUnsafeBytes { buffer -> Outcome in
      let end = start + Int(block.length)
      guard end <= buffer.count else {
        return .disagrees("block at seq \(block.firstSeq) runs past the bytes read", resume: from)
      }
      let region = UnsafeRawBufferPointer(rebasing: buffer[0..<end])
      var offset = start
      var expected = block.firstSeq
      var earliest = Int64.max
      var latest = Int64.min
      var stopped = false
      var resume = from
      let base = Int(block.offset) - start
      while offset < end {
        guard case .frame(let seq, let payloadRange, let next) = FrameCodec.decode(region, at: offset) else {
          return .disagrees("no whole frame at offset \(base + offset)", resume: resume)
        }
        guard seq == expected else { return .disagrees("seq \(seq) where \(expected) was expected", resume: resume) }
        let payload = UnsafeRawBufferPointer(rebasing: region[payloadRange])
        let t: Int64
        do { t = try time(payload) } catch { throw corrupt(seg, UInt64(base + offset), "\(error)") }
        earliest = min(earliest, t)
        latest = max(latest, t)
        if !stopped, seq >= from, seq <= upper {
          if try !visit(seq, t, payload, base + offset) { stopped = true }
          resume = seq &+ 1
        }
        expected = seq &+ 1
        offset = next
      }
      // A stop ends the read, but only after the block was seen whole: what
      // was visited came from a block that agrees with its entry.
      guard
        SegmentIndex.agrees(
          block, frames: Int(expected - block.firstSeq), first: block.firstSeq, minTime: earliest, maxTime: latest)
      else { return .disagrees("block at seq \(block.firstSeq) does not match its frames", resume: resume) }
      return stopped ? .stopped : .done
    }
  }

  // MARK: Plain segments

  /// The index of a plain segment: remembered, else its `.idx` (sealed), else
  /// built by a whole read (whose bytes are returned, to serve this read).
  /// The active segment's is extended to its durable end.
  private func plainIndex(_ seg: SegmentFile, sealed: Bool, durable: UInt64) throws -> (SegmentIndex, [UInt8]?) {
    // The active segment's, extended to its durable end; a sealed one learnt
    // while it was active, extended to its last frame.
    let learnt = indexes[seg.path]?.index
    if !sealed || learnt != nil {
      var index: SegmentIndex
      if let learnt {
        index = learnt
      } else {
        let head = try wrapIO { try io.readPrefix(seg.path, count: SegmentHeader.size) }
        if let problem = head.withUnsafeBytes({ SegmentHeader.problem($0) }) { throw corrupt(seg, 0, problem) }
        index = SegmentIndex(firstSeq: seg.firstSeq)
      }
      guard index.nextSeq <= durable else { return (index, nil) }
      let size = try wrapIO { try io.fileSize(seg.path) }
      guard size > index.end else { return (index, nil) }
      let tail = try wrapIO { try io.read(seg.path, at: index.end, count: Int(size - index.end)) }
      do {
        try tail.withUnsafeBytes { try index.extend($0, through: durable, time: time) }
      } catch {
        throw corrupt(seg, index.end, "\(error)")
      }
      indexes[seg.path] = .init(index: index)
      return (index, nil)
    }
    if let index = storedIndex(seg) {
      indexes[seg.path] = .init(index: index)
      return (index, nil)
    }
    let bytes = try wrapIO { try seg.read(io: io) }
    let built: SegmentIndex
    let scan: SegmentScan
    do {
      (built, scan) = try bytes.withUnsafeBytes { try SegmentIndex.build($0, firstSeq: seg.firstSeq, time: time) }
    } catch let e as StoreError {
      throw e
    } catch {
      throw corrupt(seg, 0, "\(error)")
    }
    if scan.problem == nil { indexes[seg.path] = .init(index: built) }
    return (built, bytes)
  }

  /// The `.idx` beside a sealed plain segment, if it is whole and matches the segment's length.
  func storedIndex(_ seg: SegmentFile) -> SegmentIndex? {
    let path = seg.indexPath
    guard io.fileExists(path), let size = try? io.fileSize(seg.path), let bytes = try? io.readFile(path) else {
      return nil
    }
    return SegmentIndexFile.decode(bytes, firstSeq: seg.firstSeq, length: size)
  }

  private func readPlain(
    _ seg: SegmentFile, sealed: Bool, from: UInt64, through upper: UInt64, durable: UInt64, skip: Skip,
    visit: Visit
  ) throws -> Bool {
    var (index, whole) = try plainIndex(seg, sealed: sealed, durable: durable)
    var next = from
    var rebuilt = whole != nil
    while true {
      var disagreed = false
      for block in index.blocks(from: next, through: upper) {
        if skip(block.minTime, block.maxTime) {
          next = block.lastSeq &+ 1
          continue
        }
        let bytes: [UInt8]
        let start: Int
        if let whole {
          bytes = whole
          start = Int(block.offset)
        } else {
          do {
            bytes = try io.read(seg.path, at: block.offset, count: Int(block.length))
          } catch let e as FileIOError where e.code == ENOENT && sealed {
            // Archived since the listing: the archive holds the same frames.
            return try read(
              seg.asArchived(), sealed: true, from: next, through: upper, durable: durable, cache: nil, skip: skip,
              visit: visit)
          } catch {
            throw StoreError.io("\(error)")
          }
          start = 0
        }
        let region = start == 0 ? bytes : Array(bytes[start..<min(bytes.count, start + Int(block.length))])
        switch try frames(seg, region, start: 0, block: block, from: next, through: upper, visit: visit) {
        case .stopped: return false
        case .done: next = block.lastSeq &+ 1
        case .disagrees(let reason, let resume):
          // Derived data that lies is thrown away and built again from the
          // segment, once; the frames themselves decide.
          guard !rebuilt else { throw corrupt(seg, block.offset, reason) }
          disagreed = true
          next = resume
        }
        if disagreed { break }
      }
      guard disagreed else { return true }
      rebuilt = true
      indexes[seg.path] = nil
      if sealed { try? io.remove(seg.indexPath) }
      (index, whole) = try plainIndex(seg, sealed: sealed, durable: durable)
      if whole == nil {
        // An index learnt since: read the segment whole once more.
        let bytes = try wrapIO { try seg.read(io: io) }
        whole = bytes
      }
    }
  }
}

extension SegmentReader {
  /// Writes the `.idx` of each sealed plain segment that has none (derived
  /// data: a failure to write one is not an error, the index is rebuilt
  /// when it is needed).
  func writeIndexFiles(for segments: [SegmentFile], durable: UInt64) {
    for seg in segments where !seg.archived && storedIndex(seg) == nil {
      guard let (index, _) = try? plainIndex(seg, sealed: true, durable: durable),
        let size = try? io.fileSize(seg.path), index.end == size
      else { continue }
      try? io.writeAtomically(seg.indexPath, SegmentIndexFile.encode(index))
    }
  }
}

extension SegmentFile {
  /// Where a sealed plain segment's index lives.
  var indexPath: String { parentDirectory(of: path) + "/" + SegmentIndexFile.fileName(firstSeq: firstSeq) }
}
