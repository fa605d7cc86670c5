import CordonModel
import CordonServer
import CordonStore
import CordonWire
import EventSourcing
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 14 item 8, on a real full filesystem: a 2 MiB tmpfs (root only)
/// filled by a file, under a real server, real consoles and the built CLI.
final class DiskFullTests: XCTestCase {
  /// A console that is already connected turns read-only when the server's
  /// disk fills, without trying to save anything itself; `cordon post` says
  /// once, on stderr, that nothing will be saved, and each line names why.
  func testConnectedConsolesAndPostAreToldTheStoreIsReadOnly() throws {
    let disk = try SmallDisk(megabytes: 2)
    defer { disk.remove() }
    let data = disk.url.appendingPathComponent("data")
    let log = LogLines()
    var storeOptions = StoreOptions(snapshotEveryEvents: 0)
    storeOptions.observer = CordonServer.storeObserver(log.logger)
    let store = try EventStore<CordonDomain>.open(directory: data, options: storeOptions)
    defer { store.close() }
    _ = try ServerHarness.wait(store) { done in
      store.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: "hq", completion: done)
    }
    let dir = try temporaryDirectory("diskfull")
    defer { try? FileManager.default.removeItem(at: dir) }
    let socket = dir.appendingPathComponent("s.sock").path
    var options = CordonServer.Options()
    options.logger = log.logger
    let server = CordonServer(store: store, access: AccessConfig(), socketPath: socket, options: options)
    try server.start()
    defer { server.stop() }
    let writer = RemoteSource(socketPath: socket, commandTimeout: .seconds(10))
    try writer.connect()
    defer { writer.close() }
    let watcher = RemoteSource(socketPath: socket, commandTimeout: .seconds(10))
    try watcher.connect()
    defer { watcher.close() }
    XCTAssertNil(watcher.info.readOnlyReason, "writable before the disk fills")

    try disk.fill()
    // The segment's last page may still take a line or two: write until refused.
    var refusal: StoreFailure?
    for i in 0..<500 {
      if case .failure(let f)? = submitAndWait(writer, .writeHandover(unit: "heating", text: "交接 \(i)")) {
        refusal = f
        break
      }
    }
    guard case .storeReadOnly(let reason)? = refusal else {
      return XCTFail("never refused on a full disk: \(String(describing: refusal))")
    }
    XCTAssertTrue(reason.contains("disk full"), reason)
    try eventually("the console that saved nothing is told", timeout: 15) {
      watcher.info.readOnlyReason?.contains("disk full") == true
    }
    XCTAssertTrue(watcher.info.isReadOnly)
    try eventually("the server logs it", timeout: 15) {
      log.lines.contains { $0.hasPrefix("error the store is read-only: disk full") }
    }

    let post = try cordon(
      ["post", "--socket", socket, "--lang", "en"],
      input: #"{"type":"ventilation","site":"ht-1"}"# + "\n" + #"{"type":"ventilation","site":"ht-2"}"# + "\n",
      in: dir)
    XCTAssertEqual(post.status, 1)
    let told = post.stderr.components(separatedBy: "the store is read-only, so none of these lines will be saved")
    XCTAssertEqual(told.count, 2, "said exactly once: \(post.stderr)")
    XCTAssertTrue(post.stderr.contains("disk full"), post.stderr)
    let results = postResults(post)
    XCTAssertEqual(results.map { $0["code"] as? String }, ["store.readOnly", "store.readOnly"], post.stdout)
    XCTAssertEqual(results.first?["error"] as? String, "The store is read-only: \(reason)")
  }

  /// With a torn tail and no room to quarantine it, the store opens
  /// read-only without cutting (it used to fail: `cannot open …: ENOSPC`),
  /// says so through the observer and `cordon serve` logs it and serves;
  /// once there is room it cuts and quarantines the tail as before.
  func testATornTailOnAFullDiskOpensReadOnlyWithoutCutting() throws {
    let disk = try SmallDisk(megabytes: 2)
    defer { disk.remove() }
    let data = disk.url.appendingPathComponent("data")
    var seq: UInt64 = 0
    do {
      let store = try EventStore<CordonDomain>.open(directory: data)
      _ = try ServerHarness.wait(store) { done in
        store.submit(.register(DemoOrganisation.registration()), actor: "demo", unit: "hq", completion: done)
      }
      seq = store.lastSeq
      store.close()
    }
    // A crash mid-append: a frame header promising 4,000 bytes, 20 of them written.
    let journal = data.appendingPathComponent("journal")
    let segment = try XCTUnwrap(
      try FileManager.default.contentsOfDirectory(atPath: journal.path).filter { $0.hasSuffix(".seg") }.sorted().last)
    let segPath = journal.appendingPathComponent(segment).path
    var torn: [UInt8] = []
    withUnsafeBytes(of: UInt32(4000).littleEndian) { torn += $0 }
    withUnsafeBytes(of: UInt32(0).littleEndian) { torn += $0 }
    withUnsafeBytes(of: (seq + 1).littleEndian) { torn += $0 }
    torn += Array(repeating: 0x7B, count: 20)
    let fh = try XCTUnwrap(FileHandle(forWritingAtPath: segPath))
    fh.seekToEndOfFile()
    fh.write(Data(torn))
    try fh.synchronize()
    try fh.close()
    let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: segPath)[.size] as? Int)
    try disk.fill()

    let told = LogLines()
    var options = StoreOptions()
    options.observer = { event in
      if case .readOnly(let reason) = event { told.append(reason) }
    }
    let store = try EventStore<CordonDomain>.open(directory: data, options: options)
    XCTAssertEqual(store.lastSeq, seq, "everything intact is there")
    XCTAssertFalse(store.state.units.isEmpty)
    guard case .readOnly(let reason) = store.status.mode else { return XCTFail("opened writable on a full disk") }
    XCTAssertTrue(reason.contains("no room to quarantine the torn tail"), reason)
    XCTAssertTrue(store.status.warnings.contains { $0.message.contains("not cut") }, "\(store.status.warnings)")
    try eventually("the observer is told", timeout: 5) { told.lines == [reason] }
    do {
      _ = try ServerHarness.wait(store) { done in
        store.submit(.recordVentilation(site: "ht-1"), actor: "t", unit: nil, completion: done)
      }
      XCTFail("a read-only store saved a command")
    } catch let f as StoreFailure {
      XCTAssertEqual(f, .storeReadOnly(reason))
    }
    XCTAssertEqual(try store.records(from: 1).count, Int(seq), "history reads stop before the torn tail")
    store.close()
    XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: segPath)[.size] as? Int, size, "nothing cut")
    let quarantine = data.appendingPathComponent("quarantine").path
    XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? [], [], "no half copy left")

    // The built `cordon serve` on the same full disk: it serves, read-only, and says why.
    let dir = try temporaryDirectory("diskfull-serve")
    defer { try? FileManager.default.removeItem(at: dir) }
    let socket = dir.appendingPathComponent("s.sock").path
    let errFile = dir.appendingPathComponent("serve.log")
    _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
    let serve = Process()
    serve.executableURL = try CordonBinaryLocation.find()
    serve.arguments = ["serve", "--data", data.path, "--socket", socket]
    serve.standardError = try FileHandle(forWritingTo: errFile)
    serve.standardOutput = FileHandle.nullDevice
    try serve.run()
    defer {
      if serve.isRunning {
        serve.terminate()
        serve.waitUntilExit()
      }
    }
    try eventually("cordon serve listens on a full disk", timeout: 20) {
      FileManager.default.fileExists(atPath: socket) || !serve.isRunning
    }
    let status = try cordon(["status", "--socket", socket], in: dir)
    XCTAssertTrue(status.stdout.contains("store: read-only: disk full: no room to quarantine"), status.stdout)
    serve.terminate()
    serve.waitUntilExit()
    let serveLog = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
    XCTAssertTrue(serveLog.contains("the store is read-only: disk full: no room to quarantine"), serveLog)

    // Room again: the tail is cut and kept, and the store takes writes.
    try disk.empty()
    let again = try EventStore<CordonDomain>.open(directory: data)
    defer { again.close() }
    XCTAssertTrue(again.status.isWritable, again.status.description)
    XCTAssertTrue(
      again.status.warnings.contains { $0.message.contains("torn tail of 36 bytes cut") }, "\(again.status)")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: quarantine).count, 1)
    XCTAssertNoThrow(
      try ServerHarness.wait(again) { done in
        again.submit(.recordVentilation(site: "ht-1"), actor: "t", unit: nil, completion: done)
      })
    XCTAssertEqual(again.lastSeq, seq + 1)
  }
}

/// A small real tmpfs, mounted for one test (root only), that a filler file
/// fills to the last byte.
struct SmallDisk {
  let url: URL
  private var filler: URL { url.appendingPathComponent("filler") }

  init(megabytes: Int) throws {
    guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root (CI runs as root)") }
    url = try temporaryDirectory("tmpfs")
    let r = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", url.path])
    guard r.status == 0 else {
      try? FileManager.default.removeItem(at: url)
      throw XCTSkip("cannot mount a tmpfs here: \(r.stderr)")
    }
  }

  /// Writes the filler until the filesystem says ENOSPC.
  func fill() throws {
    let fd = open(filler.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    guard fd >= 0 else { throw HarnessError(description: "cannot create \(filler.path)") }
    defer { close(fd) }
    let block = [UInt8](repeating: 0x55, count: 4096)
    while true {
      let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        guard errno == ENOSPC else { throw HarnessError(description: "filling: errno \(errno)") }
        break
      }
    }
    // Then byte by byte, so not even a partial page is left.
    var one: UInt8 = 0x55
    while write(fd, &one, 1) == 1 {}
  }

  func empty() throws { try FileManager.default.removeItem(at: filler) }

  func remove() {
    _ = try? runProgram("/bin/umount", ["-l", url.path])
    try? FileManager.default.removeItem(at: url)
  }
}
