#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The real disk, through POSIX calls: Foundation's file APIs neither expose
/// fdatasync nor fsync a directory, and both are load-bearing here.
public struct PosixFileIO: FileIO {
  public init() {}

  private func fail(_ op: String, _ path: String) -> FileIOError {
    FileIOError(code: errno, operation: op, path: path)
  }

  private func path(of h: IOHandle) -> String { "fd \(h.raw)" }

  public func openForAppend(_ path: String, create: Bool) throws -> IOHandle {
    let flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0)
    while true {
      let fd = Glibc.open(path, flags, 0o644)
      if fd >= 0 { return IOHandle(raw: fd) }
      if errno != EINTR { throw fail("open", path) }
    }
  }

  public func write(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws {
    guard var p = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = Glibc.write(handle.raw, p, left)
      if n < 0 {
        if errno == EINTR { continue }
        throw fail("write", path(of: handle))
      }
      if n == 0 { throw FileIOError(code: EIO, operation: "write (no progress)", path: path(of: handle)) }
      p += n
      left -= n
    }
  }

  public func dataSync(_ handle: IOHandle) throws {
    // A failed fdatasync is never retried (the kernel may have dropped the dirty
    // pages already), but an interrupted one never ran, so it is safe to repeat.
    while fdatasync(handle.raw) != 0 {
      if errno != EINTR { throw fail("fdatasync", path(of: handle)) }
    }
  }

  public func sync(_ handle: IOHandle) throws {
    while fsync(handle.raw) != 0 {
      if errno != EINTR { throw fail("fsync", path(of: handle)) }
    }
  }

  public func close(_ handle: IOHandle) { _ = Glibc.close(handle.raw) }

  public func readFile(_ path: String) throws -> [UInt8] { try read(path, from: 0, limit: nil) }

  public func readPrefix(_ path: String, count: Int) throws -> [UInt8] { try read(path, from: 0, limit: count) }

  public func read(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
    try read(path, from: offset, limit: count)
  }

  private func read(_ path: String, from start: UInt64, limit: Int?) throws -> [UInt8] {
    var fd: Int32
    repeat { fd = Glibc.open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
    guard fd >= 0 else { throw fail("open", path) }
    defer { _ = Glibc.close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw fail("stat", path) }
    let size = UInt64(max(0, st.st_size))
    let available = start < size ? Int(size - start) : 0
    var out = [UInt8](repeating: 0, count: min(available, limit ?? .max))
    var got = 0
    try out.withUnsafeMutableBytes { buf in
      guard let base = buf.baseAddress else { return }
      while got < buf.count {
        let n = pread(fd, base + got, buf.count - got, off_t(start) + off_t(got))
        if n < 0 {
          if errno == EINTR { continue }
          throw fail("read", path)
        }
        if n == 0 { break }
        got += n
      }
    }
    if got < out.count { out.removeSubrange(got...) }
    return out
  }

  public func fileSize(_ path: String) throws -> UInt64 {
    var st = stat()
    guard stat(path, &st) == 0 else { throw fail("stat", path) }
    return UInt64(st.st_size)
  }

  public func rename(_ from: String, to: String) throws {
    guard Glibc.rename(from, to) == 0 else { throw fail("rename to \(to)", from) }
  }

  public func syncDirectory(_ path: String) throws {
    var fd: Int32
    repeat { fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } while fd < 0 && errno == EINTR
    guard fd >= 0 else { throw fail("open directory", path) }
    defer { _ = Glibc.close(fd) }
    while fsync(fd) != 0 {
      if errno != EINTR { throw fail("fsync directory", path) }
    }
  }

  public func truncate(_ path: String, to length: UInt64) throws {
    while Glibc.truncate(path, off_t(length)) != 0 {
      if errno != EINTR { throw fail("truncate", path) }
    }
  }

  public func remove(_ path: String) throws {
    if unlink(path) == 0 || errno == ENOENT { return }
    // An (empty) directory: backup removes the ones it made.
    guard (errno == EISDIR || errno == EPERM) && rmdir(path) == 0 else { throw fail("remove", path) }
  }

  public func list(_ directory: String) throws -> [String] {
    guard let d = opendir(directory) else { throw fail("list", directory) }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  public func makeDirectory(_ path: String) throws {
    var st = stat()
    if stat(path, &st) == 0 {
      guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileIOError(code: ENOTDIR, operation: "mkdir", path: path) }
      return
    }
    let parent = parentDirectory(of: path)
    if parent != path && parent != "." && parent != "/" { try makeDirectory(parent) }
    guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw fail("mkdir", path) }
  }

  public func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
  }

  public func lock(_ path: String) throws -> LockOutcome {
    let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw fail("open lock file", path) }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let err = errno
      _ = Glibc.close(fd)
      guard err == EWOULDBLOCK else { throw FileIOError(code: err, operation: "flock", path: path) }
      let text = (try? readFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
      return .heldBy(pid: Int32(text.trimmingCharacters(in: " \n")))
    }
    let pid = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    return .acquired(IOHandle(raw: fd))
  }

  public func unlock(_ handle: IOHandle) {
    _ = flock(handle.raw, LOCK_UN)
    _ = Glibc.close(handle.raw)
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
