import CordonModel
import CordonNotify
import Foundation
import XCTest

/// A real HTTP receiver on 127.0.0.1 (Python's http.server, started by the
/// test): records every request and answers by path —
/// `/ok/…` 200, `/wecom/…` 200 `{"errcode":0}`, `/fail/…` 500,
/// `/flaky/N/…` 500 for the first N requests then 200, `/hang/…` never answers,
/// `/slow/…` 200 after 0.3 s, `/errcode/…` 200 `{"errcode":93000,"errmsg":"invalid webhook url"}`.
/// With `tls`, it speaks https with that certificate (and, given a client CA,
/// requires a client certificate signed by it).
final class LoopbackReceiver {
  struct TLS {
    var certificate: String
    var key: String
    var clientCA: String?
  }

  struct Request: Decodable {
    var path: String
    var headers: [String: String]
    var body: String
    var t: Double

    var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
    var ids: [String] { (headers["X-Cordon-Notice-Id"] ?? "").split(separator: ",").map(String.init) }
  }

  static let script = #"""
    import json, sys, time, threading
    from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
    log = open(sys.argv[1], "a", buffering=1)
    lock = threading.Lock()
    counts = {}
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode("utf-8", "replace")
            parts = self.path.strip("/").split("/")
            with lock:
                log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body, "t": time.time()}) + "\n")
                counts[self.path] = counts.get(self.path, 0) + 1
                seen = counts[self.path]
            mode = parts[0]
            if mode == "hang":
                time.sleep(3600)
                return
            if mode == "slow": time.sleep(0.3)
            status, answer = 200, b"ok"
            if mode == "fail": status = 500
            if mode == "flaky" and seen <= int(parts[1]): status = 500
            if mode == "wecom": answer = b'{"errcode":0,"errmsg":"ok"}'
            if mode == "errcode": answer = b'{"errcode":93000,"errmsg":"invalid webhook url"}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
    s = ThreadingHTTPServer(("127.0.0.1", 0), H)
    s.daemon_threads = True
    if len(sys.argv) > 2:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        if len(sys.argv) > 4:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(sys.argv[4])
        # A refused handshake fails that connection's accept only; the server goes on.
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """#

  let process = Process()
  let dir: URL
  let logFile: URL
  var port = 0
  let scheme: String

  init(tls: TLS? = nil) throws {
    scheme = tls == nil ? "http" : "https"
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-recv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    logFile = dir.appendingPathComponent("requests.jsonl")
    _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
    let script = dir.appendingPathComponent("receiver.py")
    try Self.script.write(to: script, atomically: true, encoding: .utf8)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["python3", script.path, logFile.path]
      + (tls.map { [$0.certificate, $0.key] + ($0.clientCA.map { [$0] } ?? []) } ?? [])
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    var line = Data()
    while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
      line += byte
    }
    guard let p = Int(String(decoding: line, as: UTF8.self)) else {
      throw NSError(
        domain: "LoopbackReceiver", code: 1, userInfo: [NSLocalizedDescriptionKey: "receiver did not start"])
    }
    port = p
  }

  func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

  var requests: [Request] {
    guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
  }

  func requests(to prefix: String) -> [Request] { requests.filter { $0.path.hasPrefix(prefix) } }

  /// The notifications in the JSON bodies posted to paths under `prefix`.
  func notices(_ prefix: String) -> [[String: Any]] {
    requests(to: prefix).flatMap { ($0.json["notifications"] as? [[String: Any]]) ?? [] }
  }

  /// Delivers `outbox` through a real sender with `config` until nothing is
  /// pending (or 15 s), then stops the sender. True when all was delivered.
  func deliverAll(_ outbox: Outbox, with config: NotifyConfig) -> Bool {
    let sender = NotificationSender(config: config, hooks: outbox.hooks)
    sender.start()
    let delivered = wait(15) { outbox.pending == 0 }
    let done = DispatchSemaphore(value: 0)
    Task {
      await sender.stop()
      done.signal()
    }
    done.wait()
    return delivered
  }

  /// Waits up to `seconds` for `condition`.
  func wait(_ seconds: Double = 10, until condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if condition() { return true }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
  }

  deinit {
    process.terminate()
    process.waitUntilExit()
    try? FileManager.default.removeItem(at: dir)
  }
}
