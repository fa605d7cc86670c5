import CordonStore
import Glibc
import Synchronization

/// An in-memory `FileIO` that models what a crash can do to a disk.
///
/// Every file keeps the bytes the program sees (`current`) and the bytes that
/// would survive a power cut (`durable`, updated by fsync/fdatasync). Names
/// likewise: creating, renaming or removing a file changes the live namespace
/// and only `syncDirectory` makes that change survive. `powerLoss` then throws
/// away everything unsynced, optionally keeping a torn prefix of the last write.
/// Directories themselves are always durable, a simplification the store does
/// not rely on (it creates them before anything goes in).
public final class SimulatedDisk: FileIO {
  public enum Operation: Hashable, Sendable {
    case open, write, dataSync, sync, syncDirectory, rename, truncate, remove, read

    /// The system call this stands for, so messages read like the real ones.
    public var callName: String {
      switch self {
      case .dataSync: "fdatasync"
      case .sync: "fsync"
      case .syncDirectory: "fsync directory"
      default: "\(self)"
      }
    }
  }

  public struct Fault: Sendable {
    public var operation: Operation
    public var code: Int32
    /// Calls of that operation that still succeed before the fault fires.
    public var after: Int
    /// Only calls whose path contains this (handles are resolved to their path).
    public var pathContains: String?
    /// After firing, every later operation fails with EIO: the machine is gone.
    public var thenCrash: Bool
  }

  struct Inode {
    var current: [UInt8] = []
    var durable: [UInt8] = []
  }

  struct LastWrite {
    var inode: Int
    var offset: Int
    var count: Int
  }

  struct State {
    var inodes: [Int: Inode] = [:]
    var nextInode = 1
    var names: [String: Int] = [:]
    var durableNames: [String: Int] = [:]
    var directories: Set<String> = ["/"]
    var handles: [Int32: (inode: Int, path: String)] = [:]
    var nextHandle: Int32 = 100
    var locks: [String: Int32] = [:]
    var lastWrite: LastWrite?
    var faults: [Fault] = []
    var dead = false
    var capacity: Int?
    var crashCountdown: Int?
    var calls: [Operation: Int] = [:]
  }

  private let state = Mutex(State())

  public init() {}

  // MARK: Fault control

  public func inject(
    _ operation: Operation, code: Int32 = EIO, after: Int = 0, pathContains: String? = nil, thenCrash: Bool = false
  ) {
    state.withLock {
      $0.faults.append(
        Fault(operation: operation, code: code, after: after, pathContains: pathContains, thenCrash: thenCrash))
    }
  }

  /// Bytes the whole disk may hold; a write past it stores what fits and fails with ENOSPC.
  public func setCapacity(_ bytes: Int?) { state.withLock { $0.capacity = bytes } }

  /// Every later operation fails with EIO until `powerLoss`.
  public func crash() { state.withLock { $0.dead = true } }

  /// The machine goes down at the `n`-th file operation from now (0: the
  /// next one fails), whatever it is: a test walks `n` up to crash at every step.
  public func crash(afterOperations n: Int) { state.withLock { $0.crashCountdown = n } }

  /// How many times an operation was called.
  public func calls(_ op: Operation) -> Int { state.withLock { $0.calls[op] ?? 0 } }

  /// Size of the last write, so a test can tear it at every offset.
  public var lastWriteSize: Int? { state.withLock { $0.lastWrite?.count } }

  /// The machine loses power: unsynced bytes and names are gone. If
  /// `tearLastWriteAt` is given and the last write was not synced, its first
  /// that many bytes survive (and, with `zeroFill`, zeros stand for the rest,
  /// as after a crash between allocating and writing a block).
  public func powerLoss(tearLastWriteAt: Int? = nil, zeroFill: Bool = false) {
    state.withLock { s in
      if let k = tearLastWriteAt, let lw = s.lastWrite, var node = s.inodes[lw.inode], lw.offset >= node.durable.count,
        lw.offset <= node.current.count
      {
        let keep = min(lw.offset + min(k, lw.count), node.current.count)
        node.durable = Array(node.current[0..<keep])
        if zeroFill && keep < lw.offset + lw.count {
          node.durable += [UInt8](repeating: 0, count: lw.offset + lw.count - keep)
        }
        s.inodes[lw.inode] = node
      }
      for (id, node) in s.inodes { s.inodes[id]?.current = node.durable }
      s.names = s.durableNames
      s.handles = [:]
      s.locks = [:]
      s.lastWrite = nil
      s.faults = []
      s.dead = false
      s.crashCountdown = nil
      s.capacity = nil
    }
  }

  // MARK: Inspection and tampering

  public func contents(_ path: String) -> [UInt8]? {
    state.withLock { s in s.names[path].flatMap { s.inodes[$0]?.current } }
  }

  /// Replaces a file's bytes, durably, as if the disk had always held them.
  public func setContents(_ path: String, _ bytes: [UInt8]) {
    state.withLock { s in
      let id = s.names[path] ?? s.nextInode
      if s.names[path] == nil { s.nextInode += 1 }
      s.inodes[id] = Inode(current: bytes, durable: bytes)
      s.names[path] = id
      s.durableNames[path] = id
    }
  }

  public func paths(under prefix: String) -> [String] {
    state.withLock { s in s.names.keys.filter { $0.hasPrefix(prefix) }.sorted() }
  }

  // MARK: FileIO

  private func check(_ s: inout State, _ op: Operation, _ path: String) throws {
    if let n = s.crashCountdown {
      if n == 0 {
        s.dead = true
        s.crashCountdown = nil
      } else {
        s.crashCountdown = n - 1
      }
    }
    if s.dead { throw FileIOError(code: EIO, operation: "\(op.callName) (machine down)", path: path) }
    s.calls[op, default: 0] += 1
    for (i, f) in s.faults.enumerated() where f.operation == op {
      if let p = f.pathContains, !path.contains(p) { continue }
      if s.faults[i].after > 0 {
        s.faults[i].after -= 1
        continue
      }
      s.faults.remove(at: i)
      if f.thenCrash { s.dead = true }
      throw FileIOError(code: f.code, operation: "\(op.callName) (injected)", path: path)
    }
  }

  private func handle(_ s: State, _ h: IOHandle) throws -> (inode: Int, path: String) {
    guard let e = s.handles[h.raw] else { throw FileIOError(code: EBADF, operation: "use", path: "fd \(h.raw)") }
    return e
  }

  public func openForAppend(_ path: String, create: Bool) throws -> IOHandle {
    try state.withLock { s throws in
      try check(&s, .open, path)
      guard s.directories.contains(parentPath(path)) else {
        throw FileIOError(code: ENOENT, operation: "open", path: path)
      }
      let id: Int
      if let existing = s.names[path] {
        id = existing
      } else {
        guard create else { throw FileIOError(code: ENOENT, operation: "open", path: path) }
        id = s.nextInode
        s.nextInode += 1
        s.inodes[id] = Inode()
        s.names[path] = id
      }
      let h = s.nextHandle
      s.nextHandle += 1
      s.handles[h] = (id, path)
      return IOHandle(raw: h)
    }
  }

  public func write(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws {
    try state.withLock { s throws in
      let (id, path) = try self.handle(s, handle)
      try check(&s, .write, path)
      guard var node = s.inodes[id] else { return }
      var count = bytes.count
      var full = false
      if let cap = s.capacity {
        let used = s.inodes.values.reduce(0) { $0 + $1.current.count }
        if used + count > cap {
          count = max(0, cap - used)
          full = true
        }
      }
      s.lastWrite = LastWrite(inode: id, offset: node.current.count, count: count)
      node.current.append(contentsOf: bytes.prefix(count))
      s.inodes[id] = node
      if full { throw FileIOError(code: ENOSPC, operation: "write", path: path) }
    }
  }

  public func dataSync(_ handle: IOHandle) throws { try syncInode(handle, .dataSync) }
  public func sync(_ handle: IOHandle) throws { try syncInode(handle, .sync) }

  private func syncInode(_ handle: IOHandle, _ op: Operation) throws {
    try state.withLock { s throws in
      let (id, path) = try self.handle(s, handle)
      try check(&s, op, path)
      if let node = s.inodes[id] { s.inodes[id]?.durable = node.current }
    }
  }

  public func close(_ handle: IOHandle) { _ = state.withLock { $0.handles.removeValue(forKey: handle.raw) } }

  public func readFile(_ path: String) throws -> [UInt8] {
    try state.withLock { s throws in
      try check(&s, .read, path)
      guard let id = s.names[path], let node = s.inodes[id] else {
        throw FileIOError(code: ENOENT, operation: "open", path: path)
      }
      return node.current
    }
  }

  public func fileSize(_ path: String) throws -> UInt64 { UInt64(try readFile(path).count) }

  public func rename(_ from: String, to: String) throws {
    try state.withLock { s throws in
      try check(&s, .rename, from)
      guard let id = s.names.removeValue(forKey: from) else {
        throw FileIOError(code: ENOENT, operation: "rename", path: from)
      }
      s.names[to] = id
    }
  }

  public func syncDirectory(_ path: String) throws {
    try state.withLock { s throws in
      try check(&s, .syncDirectory, path)
      for name in s.durableNames.keys where parentPath(name) == path && s.names[name] == nil {
        s.durableNames[name] = nil
      }
      for (name, id) in s.names where parentPath(name) == path { s.durableNames[name] = id }
    }
  }

  public func truncate(_ path: String, to length: UInt64) throws {
    try state.withLock { s throws in
      try check(&s, .truncate, path)
      guard let id = s.names[path], var node = s.inodes[id] else {
        throw FileIOError(code: ENOENT, operation: "truncate", path: path)
      }
      let n = Int(length)
      if n <= node.current.count {
        node.current.removeSubrange(n...)
      } else {
        node.current += [UInt8](repeating: 0, count: n - node.current.count)
      }
      s.inodes[id] = node
    }
  }

  public func remove(_ path: String) throws {
    try state.withLock { s throws in
      try check(&s, .remove, path)
      s.names[path] = nil
    }
  }

  public func list(_ directory: String) throws -> [String] {
    try state.withLock { s throws in
      if s.dead { throw FileIOError(code: EIO, operation: "list (machine down)", path: directory) }
      guard s.directories.contains(directory) else {
        throw FileIOError(code: ENOENT, operation: "list", path: directory)
      }
      let prefix = directory + "/"
      return s.names.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
        .map { String($0.dropFirst(prefix.count)) }
    }
  }

  public func makeDirectory(_ path: String) throws {
    state.withLock { s in
      var p = path
      while p != "/" && !p.isEmpty {
        s.directories.insert(p)
        p = parentPath(p)
      }
    }
  }

  public func fileExists(_ path: String) -> Bool {
    state.withLock { s in s.names[path] != nil || s.directories.contains(path) }
  }

  public func lock(_ path: String) throws -> LockOutcome {
    let h = try openForAppend(path, create: true)
    return state.withLock { s in
      if s.locks[path] != nil {
        s.handles[h.raw] = nil
        return .heldBy(pid: getpid())
      }
      s.locks[path] = h.raw
      return .acquired(h)
    }
  }

  public func unlock(_ handle: IOHandle) {
    state.withLock { s in
      for (p, h) in s.locks where h == handle.raw { s.locks[p] = nil }
      s.handles[handle.raw] = nil
    }
  }
}

func parentPath(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  return slash == path.startIndex ? "/" : String(path[..<slash])
}
