/// What the console header shows about the store.
public struct StoreStatus: Sendable, Equatable, CustomStringConvertible {
  public enum Mode: Sendable, Equatable {
    case writable
    /// Writes are refused; the reason says why (a failed fdatasync, a full disk, closed).
    case readOnly(String)
  }

  public var mode: Mode
  /// Things recovery repaired or worked around, to be shown loudly, not logged away.
  public var warnings: [RecoveryWarning]

  public var isWritable: Bool { mode == .writable }

  public var description: String {
    var s: String
    switch mode {
    case .writable: s = "writable"
    case .readOnly(let reason): s = "read-only: \(reason)"
    }
    for w in warnings { s += "\nwarning: \(w)" }
    return s
  }
}

public struct RecoveryWarning: Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var offset: UInt64
  public var message: String
  public init(file: String, offset: UInt64, message: String) {
    self.file = file
    self.offset = offset
    self.message = message
  }
  public var description: String { "\(file) at byte \(offset): \(message)" }
}

/// Fraction of the journal replayed while opening, for a progress bar.
public struct OpenProgress: Sendable, Equatable {
  public var bytesDone: UInt64
  public var bytesTotal: UInt64
  public var fraction: Double { bytesTotal == 0 ? 1 : Double(bytesDone) / Double(bytesTotal) }
  public init(bytesDone: UInt64, bytesTotal: UInt64) {
    self.bytesDone = bytesDone
    self.bytesTotal = bytesTotal
  }
}

/// What the store tells an operator's log (through `StoreOptions.observer`):
/// changes of mode and the background work that keeps it small and fast.
/// Never an event's content.
public enum StoreEvent: Sendable, Equatable {
  /// The store stopped accepting writes (a failed write or fdatasync, a full disk).
  case readOnly(reason: String)
  case snapshotWritten(seq: UInt64, bytes: Int)
  case snapshotFailed(reason: String)
  /// A sealed segment compressed into its archive.
  case archived(firstSeq: UInt64, lastSeq: UInt64, plainBytes: Int, archiveBytes: Int)
  /// Retention deleted this many archived segments.
  case retentionRemoved(segments: Int)
}
