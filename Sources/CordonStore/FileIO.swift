#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open file, as handed out by a `FileIO`. Opaque to the store.
public struct IOHandle: Sendable, Hashable {
  public let raw: Int32
  public init(raw: Int32) { self.raw = raw }
}

/// A failed file operation, with the errno so callers can tell a full disk from the rest.
public struct FileIOError: Error, Sendable, Equatable, CustomStringConvertible {
  public var code: Int32
  public var operation: String
  public var path: String
  public init(code: Int32, operation: String, path: String) {
    self.code = code
    self.operation = operation
    self.path = path
  }
  public var isDiskFull: Bool { code == ENOSPC }
  public var description: String {
    let text = String(cString: strerror(code))
    return isDiskFull
      ? "disk full: \(operation) \(path) failed: \(text) (ENOSPC)"
      : "\(operation) \(path) failed: \(text) (errno \(code))"
  }
}

public enum LockOutcome: Sendable, Equatable {
  case acquired(IOHandle)
  /// Someone else holds it; the pid is what they wrote into the lock file, if readable.
  case heldBy(pid: Int32?)
}

/// Every file operation the store performs, so tests can substitute a disk
/// that loses unsynced bytes, tears writes and fails on demand.
///
/// Paths are plain strings: the store only ever builds them from its data
/// directory and fixed names.
public protocol FileIO: Sendable {
  /// Opens for writing at the end of the file; creates it (empty) when `create` and missing.
  func openForAppend(_ path: String, create: Bool) throws -> IOHandle
  /// Writes all of `bytes` at the end, or throws; a short write never returns normally.
  func write(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws
  func dataSync(_ handle: IOHandle) throws
  func sync(_ handle: IOHandle) throws
  func close(_ handle: IOHandle)
  func readFile(_ path: String) throws -> [UInt8]
  /// The first `count` bytes (fewer when the file is shorter).
  func readPrefix(_ path: String, count: Int) throws -> [UInt8]
  /// `count` bytes from `offset` (fewer when the file ends sooner): history
  /// reads seek through a segment's index instead of reading it whole.
  func read(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8]
  func fileSize(_ path: String) throws -> UInt64
  func rename(_ from: String, to: String) throws
  func syncDirectory(_ path: String) throws
  func truncate(_ path: String, to length: UInt64) throws
  func remove(_ path: String) throws
  /// Entry names (not paths) in a directory, unsorted.
  func list(_ directory: String) throws -> [String]
  /// Creates the directory and any missing parents; succeeds when it exists.
  func makeDirectory(_ path: String) throws
  func fileExists(_ path: String) -> Bool
  /// Takes an exclusive, non-blocking lock on `path` and records our pid in it.
  func lock(_ path: String) throws -> LockOutcome
  func unlock(_ handle: IOHandle)
}

extension FileIO {
  public func readPrefix(_ path: String, count: Int) throws -> [UInt8] { Array(try readFile(path).prefix(count)) }

  public func read(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
    let all = try readFile(path)
    guard offset < UInt64(all.count) else { return [] }
    return Array(all[Int(offset)...].prefix(count))
  }

  func write(_ handle: IOHandle, _ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write(handle, $0) }
  }

  /// Creates `path` with `bytes` durably: temp file, fsync, rename, fsync of the directory.
  func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
    let temp = path + ".tmp"
    if fileExists(temp) { try remove(temp) }
    let h = try openForAppend(temp, create: true)
    do {
      try write(h, bytes)
      try sync(h)
    } catch {
      close(h)
      throw error
    }
    close(h)
    try rename(temp, to: path)
    try syncDirectory(parentDirectory(of: path))
  }
}

func parentDirectory(of path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  return slash == path.startIndex ? "/" : String(path[..<slash])
}
