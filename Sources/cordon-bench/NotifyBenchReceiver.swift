import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// One of `cordon-bench notify`'s webhook receivers, as the bench sees it:
/// a `BenchReceiver` in a child process of its own (`cordon-bench
/// notify-receiver answer|hang`, which prints its port, then one line
/// "monotonic-ns ids" per request), or, with `--receivers in-process`, in
/// this one. Either way the same real HTTP server on 127.0.0.1.
final class NotifyBenchReceiver: Sendable {
  let port: Int
  let log: ReceivedLog
  private let child: Mutex<Process?>
  private let local: BenchReceiver?

  var ids: Set<String> { log.ids }
  var requests: Int { log.requests }
  var lastArrival: UInt64? { log.lastArrival }
  func reset() { log.reset() }

  /// In this process, on `group`.
  init(answers: Bool, group: EventLoopGroup) throws {
    let log = ReceivedLog()
    self.log = log
    let r = try BenchReceiver(answers: answers, group: group) { ids in
      log.arrived(Substring(ids), at: monotonicNanos())
    }
    local = r
    child = Mutex(nil)
    port = r.port
  }

  /// In a child process.
  init(answers: Bool) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    p.arguments = ["notify-receiver", answers ? "answer" : "hang"]
    let out = Pipe()
    // Its stdin: the child exits when the bench closes it (or dies).
    p.standardInput = Pipe()
    p.standardOutput = out
    try p.run()
    let log = ReceivedLog()
    self.log = log
    let ready = DispatchSemaphore(value: 0)
    let port = Mutex(0)
    let reader = Thread {
      let h = out.fileHandleForReading
      var pending = Data()
      while true {
        let chunk = h.availableData
        if chunk.isEmpty { break }
        pending.append(chunk)
        while let nl = pending.firstIndex(of: 0x0A) {
          let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
          pending.removeSubrange(pending.startIndex...nl)
          let parts = line.split(separator: " ", maxSplits: 1)
          if parts.first == "port", parts.count == 2 {
            port.withLock { $0 = Int(parts[1]) ?? 0 }
            ready.signal()
          } else if parts.count == 2, let t = UInt64(parts[0]) {
            log.arrived(parts[1] == "-" ? "" : parts[1], at: t)
          }
        }
      }
    }
    reader.start()
    guard ready.wait(timeout: .now() + 30) == .success, port.withLock({ $0 }) > 0 else {
      p.terminate()
      throw BenchError("the notify receiver child did not start")
    }
    self.port = port.withLock { $0 }
    child = Mutex(p)
    local = nil
  }

  func close() {
    local?.close()
    guard
      let p = child.withLock({ c -> Process? in
        defer { c = nil }
        return c
      }), p.isRunning
    else { return }
    p.terminate()
    p.waitUntilExit()
  }

  /// The child: `answer` or `hang`, until its stdin closes.
  static func serve(_ args: [String]) throws {
    guard args.count == 1, let mode = args.first, ["answer", "hang"].contains(mode) else {
      throw BenchError("usage: cordon-bench notify-receiver answer|hang")
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let out = FileHandle.standardOutput
    let r = try BenchReceiver(answers: mode == "answer", group: group) { ids in
      out.write(Data("\(monotonicNanos()) \(ids.isEmpty ? "-" : ids)\n".utf8))
    }
    out.write(Data("port \(r.port)\n".utf8))
    // Until the bench closes our stdin (or ends).
    while let chunk = try? FileHandle.standardInput.read(upToCount: 4096), !chunk.isEmpty {}
    r.close()
    try? group.syncShutdownGracefully()
  }
}
