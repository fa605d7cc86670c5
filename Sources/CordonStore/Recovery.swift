import Foundation

/// Rebuilds the committed state from the newest usable snapshot and the journal.
struct Recovery<M: EventSourcedModel> {
  typealias Record = EventRecord<M.Event>

  struct Base {
    var seq: UInt64 = 0
    var state: M.State = M.initialState()
    var lastTime: Instant?
    var ids: CommandIDWindow
  }

  struct Result {
    var base: Base
    var snapshotSeq: UInt64
    var sealed: [SegmentFile]
    var active: SegmentFile?
    var activeSize = 0
    var activeHasFrames = false
    var warnings: [RecoveryWarning]
    /// Set when recovery could not cut a torn tail because the disk has no
    /// room for its quarantine copy: the store opens read-only, uncut.
    var readOnlyReason: String?
  }

  let layout: StoreLayout
  let io: FileIO
  let options: StoreOptions
  /// Called on the opening thread while `run` replays, never later: a console
  /// can draw from it without crossing threads.
  let progress: ((OpenProgress) -> Void)?

  static func loadSnapshot(_ ref: SnapshotRef, io: FileIO, capacity: Int) throws -> Base {
    let bytes = try io.readFile(ref.path)
    switch SnapshotFile.decode(bytes) {
    case .invalid(let offset, let reason):
      throw StoreError.corrupt(file: "snapshots/" + ref.name, offset: offset, reason: reason)
    case .valid(let seq, let body, let json):
      guard seq == ref.seq else {
        throw StoreError.corrupt(file: "snapshots/" + ref.name, offset: 0, reason: "footer says seq \(seq)")
      }
      let decoded: SnapshotBody<M.State>
      do {
        decoded =
          json
          ? try JSONDecoder().decode(SnapshotBody<M.State>.self, from: Data(body))
          : try body.withUnsafeBytes { try BinaryCoding.decode(SnapshotBody<M.State>.self, from: $0) }
      } catch {
        throw StoreError.corrupt(
          file: "snapshots/" + ref.name, offset: UInt64(SnapshotFile.headerSize), reason: "undecodable state: \(error)")
      }
      return Base(
        seq: seq, state: decoded.state, lastTime: decoded.lastTime,
        ids: CommandIDWindow(
          capacity: capacity, ids: decoded.commandIDs, first: decoded.commandFirstSeq, count: decoded.commandCount))
    }
  }

  func run() throws -> Result {
    var warnings: [RecoveryWarning] = []
    for name in try io.list(layout.snapshots) where name.hasSuffix(".tmp") {
      try io.remove(layout.snapshots + "/" + name)
    }
    var base = Base(ids: CommandIDWindow(capacity: options.commandIDWindow))
    for ref in try SnapshotRef.all(in: layout.snapshots, io: io).reversed() {
      do {
        base = try Self.loadSnapshot(ref, io: io, capacity: options.commandIDWindow)
        break
      } catch let StoreError.corrupt(file, offset, reason) {
        warnings.append(
          RecoveryWarning(file: file, offset: offset, message: "snapshot unusable (\(reason)); trying an older one"))
      }
    }
    let snapshotSeq = base.seq

    // An archiving step cut short leaves a temp file or an archive beside
    // its still-present plain segment: the plain file is the original.
    let leftovers = try JournalLayout.leftovers(in: layout.journal, io: io)
    for path in leftovers { try io.remove(path) }
    if !leftovers.isEmpty { try io.syncDirectory(layout.journal) }

    let segments = try JournalLayout.segments(in: layout.journal, io: io)
    // Segments wholly covered by the snapshot are history: not read to open.
    func covered(_ i: Int) -> Bool { i + 1 < segments.count && segments[i + 1].firstSeq - 1 <= base.seq }
    var total: UInt64 = 0
    for (i, s) in segments.enumerated() where !covered(i) { total += try io.fileSize(s.path) }
    var done: UInt64 = 0
    progress?(OpenProgress(bytesDone: 0, bytesTotal: total))

    var expected: UInt64? = nil
    var result = Result(base: base, snapshotSeq: snapshotSeq, sealed: [], active: nil, warnings: [])
    for (i, seg) in segments.enumerated() {
      let isLast = i == segments.count - 1
      let file = "journal/" + seg.name
      if let e = expected, seg.firstSeq != e {
        throw StoreError.corrupt(
          file: file, offset: 0, reason: "segment starts at seq \(seg.firstSeq) but the one before it ends at \(e - 1)")
      }
      if expected == nil && seg.firstSeq > base.seq + 1 {
        throw StoreError.corrupt(
          file: file, offset: 0,
          reason:
            "the journal starts at seq \(seg.firstSeq) but no usable snapshot covers seq \(base.seq + 1)...\(seg.firstSeq - 1)"
        )
      }
      if covered(i) {
        result.sealed.append(seg)
        expected = segments[i + 1].firstSeq
        continue
      }
      let bytes = try seg.read(io: io)
      var lastReported = done
      // Decoded on every core, applied here in seq order (ParallelReplay).
      let scan = try ParallelReplay.replay(bytes, expectedFirst: seg.firstSeq, after: base.seq, file: file) {
        (record: Record, offset: Int) in
        M.apply(record, to: &base.state)
        if let id = record.commandID { base.ids.record(id, seq: record.seq) }
        base.seq = record.seq
        base.lastTime = record.time
        if let progress, UInt64(offset) + done - lastReported >= 4 << 20 {
          lastReported = UInt64(offset) + done
          progress(OpenProgress(bytesDone: lastReported, bytesTotal: total))
        }
      }
      done += UInt64(bytes.count)
      var validEnd = scan.validEnd
      var removed = false
      if let p = scan.problem {
        guard isLast && p.isTornTail else {
          let place = isLast ? "" : " (a sealed segment: only the tail of the last one may be torn)"
          throw StoreError.corrupt(file: file, offset: UInt64(p.offset), reason: p.reason + place)
        }
        validEnd = p.offset
        do {
          result.warnings.append(try layout.cutTail(seg, bytes: bytes, at: p.offset, io: io))
          removed = p.offset < SegmentHeader.size
        } catch let e as FileIOError where e.isDiskFull {
          // No room to keep a copy of the tail, and cutting without one could
          // destroy the only copy of a wrong guess: serve what is intact,
          // read-only, and leave the file as it is until there is room.
          let torn = bytes.count - p.offset
          let reason =
            "disk full: no room to quarantine the torn tail of \(file) (\(torn) bytes at byte \(p.offset)); opened read-only without cutting it: free space and restart"
          result.readOnlyReason = reason
          result.warnings.append(
            RecoveryWarning(
              file: file, offset: UInt64(p.offset),
              message: "torn tail of \(torn) bytes not cut: no room to quarantine it (\(e)); opened read-only"))
        }
      }
      expected = scan.lastSeq.map { $0 + 1 } ?? seg.firstSeq
      if isLast && !seg.archived {
        if !removed {
          result.active = seg
          result.activeSize = validEnd
          result.activeHasFrames = scan.frames > 0
        }
      } else {
        result.sealed.append(seg)
      }
    }
    if let e = expected, e - 1 < base.seq, let last = segments.last {
      throw StoreError.corrupt(
        file: "journal/" + last.name, offset: UInt64(result.activeSize),
        reason:
          "the journal ends at seq \(e - 1) but the snapshot covers through \(base.seq): acknowledged events are missing"
      )
    }
    if let e = expected, base.seq + 1 != e, segments.count > 0 {
      // Unreachable given the checks above; kept so a future change cannot silently append after a gap.
      throw StoreError.corrupt(
        file: "journal/" + (segments.last?.name ?? ""), offset: 0,
        reason: "replay ended at \(base.seq), journal at \(e - 1)")
    }
    progress?(OpenProgress(bytesDone: total, bytesTotal: total))
    result.base = base
    result.warnings.insert(contentsOf: warnings, at: 0)
    return result
  }
}
