import CordonStore
import CordonStoreTestSupport
import Foundation
import Glibc
import XCTest

/// Real files, real processes: the `cordon-torture` child appends and reports
/// acknowledged seqs; we kill it or break its disk and check nothing it
/// reported is lost.
final class ProcessCrashTests: XCTestCase {
  /// Build products sit next to the test bundle.
  private func tortureBinary() throws -> URL {
    var candidates: [URL] = []
    let argv0 = URL(fileURLWithPath: ProcessInfo.processInfo.arguments.first ?? "")
    var dir = argv0.deletingLastPathComponent()
    for _ in 0..<4 {
      candidates.append(dir.appendingPathComponent("cordon-torture"))
      dir = dir.deletingLastPathComponent()
    }
    candidates.append(Bundle.main.bundleURL.appendingPathComponent("cordon-torture"))
    for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
    throw XCTSkip("cordon-torture not built next to the tests (looked in \(candidates.map(\.path)))")
  }

  private struct Run {
    var acked: [UInt64]
    var status: Int32
    var stderr: String
  }

  private func spawn(_ exe: URL, _ args: [String], killAfter: Double?) throws -> Run {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    if let killAfter {
      usleep(UInt32(killAfter * 1e6))
      kill(p.processIdentifier, SIGKILL)
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    // Only whole lines count: each is written with one write() after its ack.
    let text = String(decoding: data, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if !text.hasSuffix("\n") { lines.removeLast() }
    return Run(
      acked: lines.compactMap { UInt64($0) }, status: p.terminationStatus,
      stderr: String(decoding: errData, as: UTF8.self))
  }

  private func verify(_ dir: URL, acked: [UInt64], _ note: String) throws {
    let store = try Ledger.open(directory: dir)
    defer { store.close() }
    guard let maxAcked = acked.max(), let minAcked = acked.min() else { return }
    XCTAssertGreaterThanOrEqual(store.lastSeq, maxAcked, note)
    let records = try store.records(from: minAcked, through: maxAcked)
    XCTAssertEqual(records.map(\.seq), Array(minAcked...maxAcked), note)
    let seqs = Set(records.map(\.seq))
    XCTAssertTrue(acked.allSatisfy { seqs.contains($0) }, note)
    XCTAssertEqual(store.state.applied, store.lastSeq, note)
  }

  func testSIGKILLAtRandomMomentsLosesNoAcknowledgedEvent() throws {
    let exe = try tortureBinary()
    let dir = try TemporaryDirectory("cordon-kill")
    defer { dir.remove() }
    var rng = SeededRandom(seed: 0xC0FFEE)
    var total = 0
    let start = Date()
    for round in 0..<50 {
      let delay = Double.random(in: 0.02...0.25, using: &rng)
      let run = try spawn(exe, ["append", "--data", dir.url.path, "--writers", "4"], killAfter: delay)
      XCTAssertEqual(run.status, SIGKILL, "round \(round): child ended on its own: \(run.stderr)")
      total += run.acked.count
      try verify(dir.url, acked: run.acked, "round \(round) killed after \(delay)s")
      let report = fsck(directory: dir.url, repair: false)
      XCTAssertTrue(report.isClean, report.render())
    }
    XCTAssertGreaterThan(total, 100, "the child barely acknowledged anything")
    print("SIGKILL torture: 50 kills, \(total) acknowledged events verified in \(Date().timeIntervalSince(start)) s")
  }

  func testInjectedFdatasyncEIOWithStrace() throws {
    guard
      let strace = ["/usr/bin/strace", "/bin/strace"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else { throw XCTSkip("strace is not installed") }
    let exe = try tortureBinary()
    let dir = try TemporaryDirectory("cordon-strace")
    defer { dir.remove() }
    let run = try spawn(
      URL(fileURLWithPath: strace),
      [
        "-f", "-qq", "-o", "/dev/null", "-e", "trace=fdatasync", "-e", "inject=fdatasync:error=EIO:when=40",
        exe.path, "append", "--data", dir.url.path, "--writers", "4", "--count", "100000",
      ], killAfter: nil)
    if run.stderr.contains("ptrace") && run.acked.isEmpty {
      throw XCTSkip("strace cannot trace here: \(run.stderr)")
    }
    XCTAssertEqual(run.status, 3, "the child should stop on the failed fdatasync: \(run.stderr)")
    XCTAssertTrue(run.stderr.contains("read-only") && run.stderr.contains("fdatasync"), run.stderr)
    XCTAssertFalse(run.acked.isEmpty)
    try verify(dir.url, acked: run.acked, "after injected EIO")
  }

  func testFullTmpfsTurnsReadOnlyAndLosesNothing() throws {
    guard getuid() == 0 else { throw XCTSkip("mounting a 1 MiB tmpfs needs root") }
    let mnt = try TemporaryDirectory("cordon-tmpfs")
    defer { mnt.remove() }
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.url.path]
    mount.standardError = FileHandle.nullDevice
    try mount.run()
    mount.waitUntilExit()
    guard mount.terminationStatus == 0 else { throw XCTSkip("cannot mount tmpfs here (no CAP_SYS_ADMIN?)") }
    defer {
      let umount = Process()
      umount.executableURL = URL(fileURLWithPath: "/bin/umount")
      umount.arguments = [mnt.url.path]
      try? umount.run()
      umount.waitUntilExit()
    }
    let data = mnt.url.appendingPathComponent("data")
    let store = try Ledger.open(directory: data, options: StoreOptions(segmentBytes: 8 << 20, snapshotEveryEvents: 0))
    var acked: [LedgerRecord] = []
    acked += store.submitAndWait(.open("a")).value ?? []
    var failure: StoreFailure?
    for i in 1...100_000 {
      switch store.submitAndWait(.deposit("a", Int64(i)), commandID: "fill-\(i)-" + String(repeating: "x", count: 100))
      {
      case .success(let r): acked += r
      case .failure(let f): failure = f
      }
      if failure != nil { break }
    }
    guard case .storeReadOnly(let reason) = failure else {
      return XCTFail("never failed: \(String(describing: failure))")
    }
    XCTAssertTrue(reason.contains("disk full"), reason)
    XCTAssertFalse(store.status.isWritable)
    XCTAssertEqual(store.state, replay(acked))
    store.close()
    // Recovery may need room for the quarantine copy, so check a copy on a roomy disk.
    let copy = try TemporaryDirectory("cordon-tmpfs-copy")
    defer { copy.remove() }
    try FileManager.default.removeItem(at: copy.url)
    try FileManager.default.copyItem(at: data, to: copy.url)
    let again = try Ledger.open(directory: copy.url)
    defer { again.close() }
    XCTAssertEqual(Array(try again.records(from: 1).prefix(acked.count)), acked)
  }
}
