import Dispatch
import EventSourcing
import Foundation
import Synchronization

/// Replay's decoding on every core, its applying on one (issue 19): a
/// segment's frames are checked first (CRCs, seq order: `SegmentScanner`),
/// then decoded in chunks by worker threads while the caller applies the
/// records in seq order, chunk after chunk, as each is ready.
///
/// The workers share only Sendable values: the segment's bytes (an array,
/// copied by reference), the frame table, and a `Chunks` box of locks,
/// counters and semaphores. They take a window permit before a chunk, so at
/// most `window` decoded chunks wait in memory, and the lowest chunk not yet
/// applied always holds one (no deadlock). Every worker has ended when
/// `replay` returns or throws.
enum ParallelReplay {
  /// Frames per chunk; a chunk is the unit of work handed to a worker.
  static let chunkFrames = 2048

  struct Frame: Sendable {
    var seq: UInt64
    var start: Int
    var count: Int
    var offset: Int
  }

  enum Chunk<Event: Codable & Sendable & Equatable>: Sendable {
    case records([EventRecord<Event>])
    /// The frame offset and why its payload did not decode.
    case failed(Int, String)
  }

  final class Chunks<Event: Codable & Sendable & Equatable>: Sendable {
    let next = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    let done = Mutex<[Int: Chunk<Event>]>([:])
    let ready: [DispatchSemaphore]
    let window: DispatchSemaphore

    init(count: Int, window: Int) {
      ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
      self.window = DispatchSemaphore(value: window)
    }
  }

  /// Scans `bytes` (one segment, inflated) and calls `apply` with every
  /// record whose seq is above `after`, in seq order, on the calling thread.
  /// A payload that does not decode throws `StoreError.corrupt` naming
  /// `file` and the frame's offset, after the records before it.
  static func replay<Event: Codable & Sendable & Equatable>(
    _ bytes: [UInt8], expectedFirst: UInt64, after: UInt64, file: String, workers: Int = defaultWorkers,
    apply: (EventRecord<Event>, Int) throws -> Void
  ) throws -> SegmentScan {
    var frames: [Frame] = []
    let scan = bytes.withUnsafeBytes { buffer in
      SegmentScanner.scan(buffer, expectedFirst: expectedFirst) { seq, payload, offset in
        guard seq > after else { return }
        let start = payload.baseAddress.map { $0 - (buffer.baseAddress ?? $0) } ?? 0
        frames.append(Frame(seq: seq, start: start, count: payload.count, offset: offset))
      }
    }
    let codec = RecordCodec<Event>()
    let chunkCount = (frames.count + chunkFrames - 1) / chunkFrames
    if workers < 2 || chunkCount < 2 {
      let json = JSONDecoder()
      try bytes.withUnsafeBytes { buffer in
        for f in frames {
          let record: EventRecord<Event>
          do {
            record = try codec.decode(
              seq: f.seq, payload: UnsafeRawBufferPointer(rebasing: buffer[f.start..<(f.start + f.count)]), json: json)
          } catch {
            throw StoreError.corrupt(file: file, offset: UInt64(f.offset), reason: "undecodable event: \(error)")
          }
          try apply(record, f.offset)
        }
      }
      return scan
    }

    let chunks = Chunks<Event>(count: chunkCount, window: 2 * workers + 2)
    let group = DispatchGroup()
    let table = frames
    for _ in 0..<workers {
      DispatchQueue.global().async(group: group) {
        decodeChunks(bytes, table, codec, chunks)
      }
    }
    defer {
      // On a throw the workers may wait for permits no one will give back.
      chunks.stop.store(true, ordering: .relaxed)
      for _ in 0..<workers { chunks.window.signal() }
      group.wait()
    }
    for k in 0..<chunkCount {
      chunks.ready[k].wait()
      guard let chunk = chunks.done.withLock({ $0.removeValue(forKey: k) }) else { continue }
      chunks.window.signal()
      switch chunk {
      case .failed(let offset, let reason):
        throw StoreError.corrupt(file: file, offset: UInt64(offset), reason: "undecodable event: \(reason)")
      case .records(let records):
        let base = k * chunkFrames
        for (i, r) in records.enumerated() { try apply(r, table[base + i].offset) }
      }
    }
    return scan
  }

  static var defaultWorkers: Int { min(4, ProcessInfo.processInfo.activeProcessorCount) }

  /// One worker: takes a permit, then the next chunk, until none is left.
  private static func decodeChunks<Event: Codable & Sendable & Equatable>(
    _ bytes: [UInt8], _ frames: [Frame], _ codec: RecordCodec<Event>, _ chunks: Chunks<Event>
  ) {
    let json = JSONDecoder()
    while true {
      chunks.window.wait()
      let k = chunks.next.wrappingAdd(1, ordering: .relaxed).oldValue
      guard !chunks.stop.load(ordering: .relaxed), k < chunks.ready.count else {
        chunks.window.signal()
        return
      }
      let range = (k * chunkFrames)..<min(frames.count, (k + 1) * chunkFrames)
      var records: [EventRecord<Event>] = []
      records.reserveCapacity(range.count)
      var result: Chunk<Event>?
      bytes.withUnsafeBytes { buffer in
        for f in frames[range] {
          do {
            records.append(
              try codec.decode(
                seq: f.seq, payload: UnsafeRawBufferPointer(rebasing: buffer[f.start..<(f.start + f.count)]),
                json: json))
          } catch {
            result = .failed(f.offset, "\(error)")
            return
          }
        }
      }
      let chunk = result ?? .records(records)
      chunks.done.withLock { $0[k] = chunk }
      chunks.ready[k].signal()
    }
  }
}
