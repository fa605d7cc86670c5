import Foundation

/// Reads the records of a data directory's journal without opening the
/// store: no lock, no recovery, nothing written. `cordon dump` reads with it
/// beside a running server. Archived segments are inflated as they come.
public enum JournalFiles {
  /// Calls `body` with every record from `from` on, in seq order, until it
  /// returns false. A torn tail of the last segment (a write in progress, or
  /// one a crash cut short) ends the read; damage anywhere else throws,
  /// naming the file and byte offset.
  public static func forEach<Event: Codable & Sendable & Equatable>(
    _ type: Event.Type, directory: URL, from: UInt64 = 1, io: FileIO = PosixFileIO(),
    _ body: (EventRecord<Event>) throws -> Bool
  ) throws {
    let layout = StoreLayout(root: directory.path)
    let files: [SegmentFile]
    do { files = try JournalLayout.segments(in: layout.journal, io: io) } catch { throw StoreError.io("\(error)") }
    let codec = RecordCodec<Event>()
    let json = JSONDecoder()
    var from = from
    for (i, seg) in files.enumerated() {
      let isLast = i + 1 == files.count
      if !isLast, files[i + 1].firstSeq <= from { continue }
      if !isLast, from > seg.firstSeq {
        // The sealed segment holding `from`: read from its block or chunk on
        // (by its index), not whole. Whatever that read could not vouch for
        // (damage, a missing index entry) is left to the whole read below,
        // which says where the damage is.
        let last = files[i + 1].firstSeq - 1
        var next = from
        var stopped = false
        let reader = SegmentReader(io: io, indexes: SegmentIndexes()) { try RecordCodec<Event>.time($0, json: json) }
        do {
          _ = try reader.read(
            seg, sealed: true, from: from, through: last, durable: .max, cache: nil, skip: { _, _ in false }
          ) { seq, _, payload, offset in
            guard seq == next else { return false }
            let r: EventRecord<Event>
            do { r = try codec.decode(seq: seq, payload: payload, json: json) } catch {
              throw StoreError.corrupt(
                file: "journal/" + seg.name, offset: UInt64(offset), reason: "undecodable event: \(error)")
            }
            next = seq + 1
            if try !body(r) { stopped = true }
            return !stopped
          }
        } catch StoreError.corrupt(_, _, _) where next <= last {
          // Read whole below, from where the seek stopped.
        }
        if stopped { return }
        if next > last { continue }
        from = next
      }
      let bytes: [UInt8]
      do { bytes = try seg.read(io: io) } catch let e as StoreError { throw e } catch {
        throw StoreError.io("\(error)")
      }
      let file = "journal/" + seg.name
      do {
        let scan = try bytes.withUnsafeBytes { buffer in
          try SegmentScanner.scan(buffer, expectedFirst: seg.firstSeq) { seq, payload, offset in
            guard seq >= from else { return }
            let r: EventRecord<Event>
            do { r = try codec.decode(seq: seq, payload: payload, json: json) } catch {
              throw StoreError.corrupt(file: file, offset: UInt64(offset), reason: "undecodable event: \(error)")
            }
            if try !body(r) { throw ReadStopped() }
          }
        }
        if let p = scan.problem, !(isLast && p.isTornTail) {
          throw StoreError.corrupt(file: file, offset: UInt64(p.offset), reason: p.reason)
        }
      } catch is ReadStopped {
        return
      }
    }
  }
}

private struct ReadStopped: Error {}
