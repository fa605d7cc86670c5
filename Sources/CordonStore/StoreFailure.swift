/// Why a command was not saved.
public enum StoreFailure: Error, Sendable, Equatable, CustomStringConvertible {
  /// The model said no; nothing was written.
  case refused(Refusal)
  /// The store stopped accepting writes (a failed write or fdatasync, a full
  /// disk, or it was closed). Nothing of this command was acknowledged.
  case storeReadOnly(String)
  /// Something could not be read or encoded; nothing of this command was written.
  case io(String)

  public var description: String {
    switch self {
    case .refused(let r): "refused: \(r)"
    case .storeReadOnly(let reason): "the store is read-only: \(reason)"
    case .io(let text): "I/O error: \(text)"
    }
  }
}

/// Why a store could not be opened or read.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Another process holds the data directory's lock.
  case locked(lockFile: String, pid: Int32?)
  /// Data that cannot be a torn tail is damaged; opening would lose or invent events.
  case corrupt(file: String, offset: UInt64, reason: String)
  case io(String)
  /// The requested history is not on disk any more (or not yet).
  case unavailable(String)

  public var description: String {
    switch self {
    case .locked(let file, let pid):
      "the data directory is in use by process \(pid.map(String.init) ?? "unknown") (lock file \(file))"
    case .corrupt(let file, let offset, let reason):
      "corrupt data in \(file) at byte \(offset): \(reason); run `cordon fsck` to inspect"
    case .io(let text): "I/O error: \(text)"
    case .unavailable(let text): text
    }
  }
}
