import CordonStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Another `FileIO` (the real POSIX one, or the simulated disk) passed
/// through unchanged, except that whole-file reads are counted per path and
/// `dataSync` fails with EIO once `failDataSync` is set: what a test needs
/// to see how often a query reads a file, or a store turn read-only on real
/// files.
public final class ObservedIO: FileIO {
  public let base: FileIO
  public let failDataSync = Atomic<Bool>(false)
  private let reads = Mutex<[String: Int]>([:])
  private let bytes = Mutex<[String: Int]>([:])

  public init(_ base: FileIO) { self.base = base }

  /// Whole-file reads of `path` since the last reset.
  public func readCount(_ path: String) -> Int { reads.withLock { $0[path] ?? 0 } }
  /// Every path read since the last reset, with its count.
  public var readCounts: [String: Int] { reads.withLock { $0 } }
  /// Bytes of whole-file and ranged reads of `path` since the last reset
  /// (not header prefixes: an archive's header and chunk table are read so).
  public func bytesRead(_ path: String) -> Int { bytes.withLock { $0[path] ?? 0 } }
  public func resetReads() {
    reads.withLock { $0 = [:] }
    bytes.withLock { $0 = [:] }
  }

  public func openForAppend(_ path: String, create: Bool) throws -> IOHandle {
    try base.openForAppend(path, create: create)
  }
  public func write(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws { try base.write(handle, bytes) }
  public func dataSync(_ handle: IOHandle) throws {
    if failDataSync.load(ordering: .relaxed) {
      throw FileIOError(code: EIO, operation: "fdatasync", path: "journal")
    }
    try base.dataSync(handle)
  }
  public func sync(_ handle: IOHandle) throws { try base.sync(handle) }
  public func close(_ handle: IOHandle) { base.close(handle) }
  public func readFile(_ path: String) throws -> [UInt8] {
    reads.withLock { $0[path, default: 0] += 1 }
    let b = try base.readFile(path)
    bytes.withLock { $0[path, default: 0] += b.count }
    return b
  }
  public func readPrefix(_ path: String, count: Int) throws -> [UInt8] { try base.readPrefix(path, count: count) }
  /// Counted with whole reads: a read of the file either way.
  public func read(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
    reads.withLock { $0[path, default: 0] += 1 }
    let b = try base.read(path, at: offset, count: count)
    bytes.withLock { $0[path, default: 0] += b.count }
    return b
  }
  public func fileSize(_ path: String) throws -> UInt64 { try base.fileSize(path) }
  public func rename(_ from: String, to: String) throws { try base.rename(from, to: to) }
  public func syncDirectory(_ path: String) throws { try base.syncDirectory(path) }
  public func truncate(_ path: String, to length: UInt64) throws { try base.truncate(path, to: length) }
  public func remove(_ path: String) throws { try base.remove(path) }
  public func list(_ directory: String) throws -> [String] { try base.list(directory) }
  public func makeDirectory(_ path: String) throws { try base.makeDirectory(path) }
  public func fileExists(_ path: String) -> Bool { base.fileExists(path) }
  public func lock(_ path: String) throws -> LockOutcome { try base.lock(path) }
  public func unlock(_ handle: IOHandle) { base.unlock(handle) }
}
