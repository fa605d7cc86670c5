import EventSourcing
import Foundation

extension EventStore {
  /// A new data directory whose first snapshot is `state` at `seq`: a copy
  /// of a store made from its state alone (`cordon drill run --socket`
  /// copies the live state a server sent). The copy's journal continues at
  /// `seq + 1`; the history before it is not in the copy. Refused when the
  /// directory exists and is not empty.
  public static func seed(
    directory: URL, state: M.State, seq: UInt64, lastTime: Instant?, io: FileIO = PosixFileIO()
  ) throws {
    let layout = StoreLayout(root: directory.path)
    if io.fileExists(layout.root), (try? io.list(layout.root))?.isEmpty == false {
      throw BackupError.destinationNotEmpty(layout.root)
    }
    try io.makeDirectory(layout.root)
    try io.makeDirectory(layout.journal)
    try io.makeDirectory(layout.snapshots)
    let body = SnapshotBody(state: state, lastTime: lastTime, commandIDs: [], commandFirstSeq: [], commandCount: [])
    let bytes = SnapshotFile.encode(seq: seq, body: try BinaryCoding.encode(body))
    try io.writeAtomically(layout.snapshots + "/" + SnapshotFile.fileName(seq: seq), bytes)
    try io.syncDirectory(layout.root)
  }
}
