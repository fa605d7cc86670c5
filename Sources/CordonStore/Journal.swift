import Dispatch
import Foundation
import Synchronization

/// The append-only log of frames, written by one thread with group commit.
///
/// Callers enqueue already-framed bytes; the writer drains everything queued,
/// writes it with one write call, issues one fdatasync for the lot and only
/// then reports the batch as durable. The ticket is whatever the store needs
/// to finish the command (records, completion): the journal never looks at it.
final class Journal<Ticket: Sendable>: Sendable {
  struct Entry: Sendable {
    var frames: [UInt8]
    var firstSeq: UInt64
    var ticket: Ticket
  }

  struct Active: Sendable {
    var file: SegmentFile
    var handle: IOHandle
    var size: Int
    var hasFrames: Bool
  }

  private struct Queue: ~Copyable {
    var entries: [Entry] = []
    var failure: String?
    var closing = false
  }

  private struct Segments: Sendable {
    var sealed: [SegmentFile]
    var active: Active?
  }

  private let io: FileIO
  private let directory: String
  private let segmentBytes: Int
  private let queue = Mutex(Queue())
  private let segments: Mutex<Segments>
  private let wake = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)
  private let notifier = DispatchQueue(label: "cordon-journal-ack")

  typealias Durable = @Sendable ([Ticket]) -> Void
  typealias Failed = @Sendable (String, [Ticket]) -> Void

  /// `sealed` are complete segments older than `active`, which is open for
  /// append (nil when the first write must create a segment).
  init(directory: String, io: FileIO, segmentBytes: Int, sealed: [SegmentFile], active: Active?) {
    self.io = io
    self.directory = directory
    self.segmentBytes = segmentBytes
    self.segments = Mutex(Segments(sealed: sealed, active: active))
  }

  /// Starts the writer thread. The callbacks run on a serial queue, in seq
  /// order, one batch at a time; they must not call `close()`.
  func start(onDurable: @escaping Durable, onFailure: @escaping Failed) {
    // Acknowledging happens on its own serial queue, so the writer can start the
    // next batch's write and fdatasync while the last one is being applied and
    // answered; being serial, it still reports batches in seq order.
    let notify = notifier
    let thread = Thread { [self] in
      self.run({ t in notify.async { onDurable(t) } }, { r, t in notify.async { onFailure(r, t) } })
    }
    thread.name = "cordon-journal"
    thread.start()
  }

  /// Queues frames for the writer. Returns the reason when the journal no
  /// longer accepts writes; the entry is then not queued.
  func append(_ entry: Entry) -> String? {
    let refused = queue.withLock { q -> String? in
      if let f = q.failure { return f }
      if q.closing { return "the store is closed" }
      q.entries.append(entry)
      return nil
    }
    if refused == nil { wake.signal() }
    return refused
  }

  /// Asks the writer to finish what is queued and exit, without waiting for it.
  func stop() {
    queue.withLock { $0.closing = true }
    wake.signal()
  }

  /// Writes out everything queued, then stops the writer thread and closes the active segment.
  func close() {
    let first = queue.withLock { q -> Bool in
      defer { q.closing = true }
      return !q.closing
    }
    guard first else { return }
    wake.signal()
    finished.wait()
    notifier.sync {}
    segments.withLock { s in
      if let a = s.active { io.close(a.handle) }
      s.active = nil
    }
  }

  var failure: String? { queue.withLock { $0.failure } }
  var queued: Int { queue.withLock { $0.entries.count } }

  /// All segment files, oldest first.
  var files: [SegmentFile] {
    segments.withLock { s in s.sealed + (s.active.map { [$0.file] } ?? []) }
  }

  /// Sealed plain segments whose every frame has seq ≤ `seq`, oldest first,
  /// each with the seq its successor starts at. The active segment is never one.
  func plainSegments(coveredThrough seq: UInt64) -> [(file: SegmentFile, nextFirst: UInt64)] {
    segments.withLock { s in
      var out: [(SegmentFile, UInt64)] = []
      for (i, seg) in s.sealed.enumerated() {
        let nextFirst = i + 1 < s.sealed.count ? s.sealed[i + 1].firstSeq : s.active?.file.firstSeq
        guard let nextFirst, nextFirst > 0, nextFirst - 1 <= seq else { break }
        if !seg.archived { out.append((seg, nextFirst)) }
      }
      return out
    }
  }

  /// Replaces the plain segment starting at `firstSeq` with its archive, which
  /// must already be durable; then removes the plain file and makes that durable.
  func archived(firstSeq: UInt64) throws {
    let plain = segments.withLock { s -> SegmentFile? in
      guard let i = s.sealed.firstIndex(where: { $0.firstSeq == firstSeq && !$0.archived }) else { return nil }
      let old = s.sealed[i]
      s.sealed[i] = old.asArchived()
      return old
    }
    guard let plain else { return }
    try io.remove(plain.path)
    // Its index is in the archive's chunk table now.
    if io.fileExists(plain.indexPath) { try io.remove(plain.indexPath) }
    try io.syncDirectory(directory)
  }

  /// Deletes the oldest archived segments while `doomed` says so (retention),
  /// never a plain one and never past the first one it spares. Returns their names.
  func removeArchived(while doomed: (SegmentFile, _ nextFirst: UInt64) throws -> Bool) throws -> [String] {
    let candidates = segments.withLock { s -> [(SegmentFile, UInt64)] in
      var out: [(SegmentFile, UInt64)] = []
      for (i, seg) in s.sealed.enumerated() {
        guard seg.archived, let next = i + 1 < s.sealed.count ? s.sealed[i + 1].firstSeq : s.active?.file.firstSeq
        else { break }
        out.append((seg, next))
      }
      return out
    }
    var gone: [SegmentFile] = []
    for (seg, next) in candidates {
      guard try doomed(seg, next) else { break }
      gone.append(seg)
    }
    guard !gone.isEmpty else { return [] }
    segments.withLock { s in s.sealed.removeFirst(gone.count) }
    for seg in gone { try io.remove(seg.path) }
    try io.syncDirectory(directory)
    return gone.map(\.name)
  }

  private func run(_ onDurable: Durable, _ onFailure: Failed) {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    while true {
      wake.wait()
      let (batch, stop) = queue.withLock { q -> ([Entry], Bool) in
        defer { q.entries.removeAll(keepingCapacity: true) }
        return (q.entries, q.closing)
      }
      if !batch.isEmpty { write(batch, into: &buffer, onDurable, onFailure) }
      if stop && queue.withLock({ $0.entries.isEmpty }) { break }
    }
    finished.signal()
  }

  private func write(_ batch: [Entry], into buffer: inout [UInt8], _ onDurable: Durable, _ onFailure: Failed) {
    if let reason = queue.withLock({ $0.failure }) {
      onFailure(reason, batch.map(\.ticket))
      return
    }
    buffer.removeAll(keepingCapacity: true)
    do {
      try segments.withLock { s throws in
        var newSegment = false
        if s.active == nil || (s.active?.hasFrames == true && (s.active?.size ?? 0) >= segmentBytes) {
          try roll(&s, firstSeq: batch[0].firstSeq)
          buffer.append(contentsOf: SegmentHeader.bytes)
          newSegment = true
        }
        guard var active = s.active else { return }
        for e in batch { buffer.append(contentsOf: e.frames) }
        active.size += buffer.count
        active.hasFrames = true
        s.active = active
        try io.write(active.handle, buffer)
        if newSegment {
          // The file's size and its directory entry must be durable too, or a
          // crash could lose a segment whose frames were acknowledged.
          try io.sync(active.handle)
          try io.syncDirectory(directory)
        } else {
          try io.dataSync(active.handle)
        }
      }
    } catch {
      fail("\(error)", batch, onFailure)
      return
    }
    onDurable(batch.map(\.ticket))
  }

  private func roll(_ s: inout Segments, firstSeq: UInt64) throws {
    if let old = s.active {
      io.close(old.handle)
      s.sealed.append(old.file)
      s.active = nil
    }
    let name = SegmentHeader.fileName(firstSeq: firstSeq)
    let file = SegmentFile(firstSeq: firstSeq, name: name, path: directory + "/" + name)
    if io.fileExists(file.path) { try io.truncate(file.path, to: 0) }
    let handle = try io.openForAppend(file.path, create: true)
    s.active = Active(file: file, handle: handle, size: 0, hasFrames: false)
  }

  /// Never retries: after a failed fdatasync the kernel may have discarded the
  /// dirty pages, so a later success would prove nothing (PostgreSQL's fsyncgate).
  private func fail(_ reason: String, _ batch: [Entry], _ onFailure: Failed) {
    let rest = queue.withLock { q -> [Entry] in
      q.failure = reason
      defer { q.entries.removeAll() }
      return q.entries
    }
    onFailure(reason, (batch + rest).map(\.ticket))
  }
}
