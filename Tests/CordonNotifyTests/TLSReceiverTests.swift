import CordonModel
import CordonNotify
import CordonServer
import Foundation
import XCTest

/// Certificates made by the `openssl` command for one test: two unrelated CAs,
/// a server certificate for 127.0.0.1 signed by the first, and a client
/// certificate signed by the first.
struct TestPKI {
  let dir: URL
  func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

  init() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-pki-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let ca = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    for name in ["ca", "other-ca"] {
      try openssl(
        [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
          "-subj", "/CN=cordon test \(name)", "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
        ] + ca)
    }
    try issue(
      "server", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
    try issue("client", subject: "/CN=cordon", extensions: "extendedKeyUsage=clientAuth")
  }

  /// `name.key` and `name.pem`, signed by `ca`.
  func issue(_ name: String, subject: String, extensions: String) throws {
    let ext = path("\(name).ext")
    try "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\(extensions)\n"
      .write(toFile: ext, atomically: true, encoding: .utf8)
    try openssl([
      "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject,
      "-keyout", path("\(name).key"), "-out", path("\(name).csr"),
    ])
    try openssl([
      "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
      "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", path("\(name).pem"),
    ])
  }

  func openssl(_ arguments: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["openssl"] + arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      throw NSError(
        domain: "TestPKI", code: Int(p.terminationStatus),
        userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.prefix(2).joined(separator: " ")) failed"])
    }
  }

  func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// https receivers with their own CA and client certificate, against a real
/// https receiver on loopback whose certificates the test has just made.
final class TLSReceiverTests: XCTestCase {
  /// In the URL's query and a header: must never reach the journal or a log.
  let secret = "SECRET-ROBOT-KEY-4711"

  func receiver(_ name: String, _ http: LoopbackReceiver, tls: Receiver.TLS?) -> Receiver {
    Receiver(
      name: name,
      kind: .webhook(
        url: http.url("/ok/\(name)?key=\(secret)"), format: .json, messageType: .text,
        headers: ["Authorization": "Bearer \(secret)"]),
      timeoutMilliseconds: 3000, retryInitialMilliseconds: 100, retryMaxMilliseconds: 400, tls: tls)
  }

  func routing(_ receivers: [String]) -> NotifyRouting {
    NotifyRouting(
      receivers: receivers, routes: [NotifyRoute(name: "all", severities: [.critical], receivers: receivers)])
  }

  /// Runs `receivers` until `done` holds (or 15 s), then stops the sender.
  func run(_ receivers: [Receiver], outbox: Outbox, until done: @escaping () -> Bool) -> Bool {
    let sender = NotificationSender(
      config: NotifyConfig(receivers: receivers, routing: routing(receivers.map(\.name))), hooks: outbox.hooks)
    sender.start()
    let end = Date().addingTimeInterval(15)
    while Date() < end && !done() { Thread.sleep(forTimeInterval: 0.05) }
    let ok = done()
    let stopped = DispatchSemaphore(value: 0)
    Task {
      await sender.stop()
      stopped.signal()
    }
    stopped.wait()
    return ok
  }

  func health(_ outbox: Outbox, _ name: String) -> ReceiverHealth? {
    outbox.state.withLock { $0.notify.receivers[name] }
  }

  func testTheRightCAFileIsDeliveredAndAWrongOneOrTheSystemStoreIsRefusedVisiblyWithoutTheSecret() throws {
    let pki = try TestPKI()
    defer { pki.remove() }
    let http = try LoopbackReceiver(tls: .init(certificate: pki.path("server.pem"), key: pki.path("server.key")))
    let names = ["right-ca", "wrong-ca", "system"]
    let outbox = Outbox(routing(names))
    outbox.fevers(1)
    let receivers = [
      receiver("right-ca", http, tls: Receiver.TLS(caFile: pki.path("ca.pem"))),
      receiver("wrong-ca", http, tls: Receiver.TLS(caFile: pki.path("other-ca.pem"))),
      // No TLS settings: the system's trust store, which has never heard of the test's CA.
      receiver("system", http, tls: nil),
    ]
    let done = run(receivers, outbox: outbox) { [self] in
      outbox.remaining("right-ca") == 0 && health(outbox, "wrong-ca")?.lastError != nil
        && health(outbox, "system")?.lastError != nil
    }
    XCTAssertTrue(done, "delivered to right-ca, a failure journalled for the other two")
    XCTAssertEqual(http.requests(to: "/ok/right-ca").count, 1)
    XCTAssertEqual(
      http.requests(to: "/ok/wrong-ca").count, 0, "nothing reaches a server the CA file does not vouch for")
    XCTAssertEqual(http.requests(to: "/ok/system").count, 0)
    XCTAssertEqual(outbox.remaining("wrong-ca"), 1, "still owed, retried with back-off")
    for name in ["wrong-ca", "system"] {
      let error = health(outbox, name)?.lastError ?? ""
      XCTAssertTrue(error.contains("CERTIFICATE_VERIFY_FAILED"), "\(name): \(error)")
      XCTAssertFalse(error.contains(secret), error)
    }
    XCTAssertEqual(health(outbox, "right-ca")?.lastError, nil)
    for line in outbox.logLines.withLock({ $0 }) { XCTAssertFalse(line.contains(secret), line) }
  }

  func testAClientCertificateTheReceiverRequiresIsPresentedWhenConfigured() throws {
    let pki = try TestPKI()
    defer { pki.remove() }
    let http = try LoopbackReceiver(
      tls: .init(certificate: pki.path("server.pem"), key: pki.path("server.key"), clientCA: pki.path("ca.pem")))
    let names = ["with-cert", "without-cert"]
    let outbox = Outbox(routing(names))
    outbox.fevers(1)
    let receivers = [
      receiver(
        "with-cert", http,
        tls: Receiver.TLS(caFile: pki.path("ca.pem"), certFile: pki.path("client.pem"), keyFile: pki.path("client.key"))
      ),
      receiver("without-cert", http, tls: Receiver.TLS(caFile: pki.path("ca.pem"))),
    ]
    let done = run(receivers, outbox: outbox) { [self] in
      outbox.remaining("with-cert") == 0 && health(outbox, "without-cert")?.lastError != nil
    }
    XCTAssertTrue(done)
    XCTAssertEqual(http.requests(to: "/ok/with-cert").count, 1)
    XCTAssertEqual(http.requests(to: "/ok/without-cert").count, 0)
    XCTAssertEqual(outbox.remaining("without-cert"), 1)
    let error = health(outbox, "without-cert")?.lastError ?? ""
    // The receiver's alert, by name (TLS 1.3: CERTIFICATE_REQUIRED; 1.2: HANDSHAKE_FAILURE).
    XCTAssertTrue(error.contains("CERTIFICATE_REQUIRED") || error.contains("HANDSHAKE_FAILURE"), error)
    XCTAssertFalse(error.contains(secret), error)
  }

  /// The TLS keys in the config file, as `NotifyConfigTests` checks the others.
  func testTLSSettingsParseAndEveryMistakeNamesTheReceiverAndTheKey() throws {
    let pki = try TestPKI()
    defer { pki.remove() }
    func receiver(_ lines: String, url: String = "https://gw.example/send?key=SECRET-KEY") -> String {
      "[[receivers]]\nname = \"gw\"\ntype = \"webhook\"\nurl = \"\(url)\"\n\(lines)"
    }
    let full = receiver(
      """
      tls_ca_file = "\(pki.path("ca.pem"))"
      tls_cert_file = "\(pki.path("client.pem"))"
      tls_key_file = "\(pki.path("client.key"))"
      tls_verify = "no-hostname"
      """)
    let parsed = try AccessConfig.parse(full, file: "f.toml").notify.receivers[0].tls
    XCTAssertEqual(
      parsed,
      Receiver.TLS(
        caFile: pki.path("ca.pem"), certFile: pki.path("client.pem"), keyFile: pki.path("client.key"),
        verify: .noHostname))
    XCTAssertEqual(try AccessConfig.parse(receiver(""), file: "f.toml").notify.receivers[0].tls, nil)

    let ca = "tls_ca_file = \"\(pki.path("ca.pem"))\""
    let cases: [(String, String)] = [
      (receiver(ca, url: "http://gw.example/send"), "receivers[1].tls_ca_file (receiver 'gw') needs an https:// url"),
      (
        "[[receivers]]\nname = \"gw\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n\(ca)",
        "receivers[1].tls_ca_file is for type = \"webhook\""
      ),
      (receiver("tls_ca_file = \"ca.pem\""), "receivers[1].tls_ca_file (receiver 'gw') must be an absolute path"),
      (
        receiver("tls_ca_file = \"\(pki.path("missing.pem"))\""),
        "receivers[1].tls_ca_file (receiver 'gw') cannot read"
      ),
      (
        receiver("tls_ca_file = \"\(pki.path("server.ext"))\""),
        "receivers[1].tls_ca_file (receiver 'gw') \(pki.path("server.ext")) holds no PEM certificate"
      ),
      (
        receiver("tls_cert_file = \"\(pki.path("client.pem"))\""),
        "receivers[1].tls_cert_file (receiver 'gw') needs tls_key_file too"
      ),
      (
        receiver("tls_key_file = \"\(pki.path("client.key"))\""),
        "receivers[1].tls_key_file (receiver 'gw') needs tls_cert_file too"
      ),
      (
        receiver("tls_cert_file = \"\(pki.path("client.pem"))\"\ntls_key_file = \"\(pki.path("client.pem"))\""),
        "receivers[1].tls_key_file (receiver 'gw') is not an unencrypted PEM private key"
      ),
      (
        receiver("tls_cert_file = \"\(pki.path("client.pem"))\"\ntls_key_file = \"\(pki.path("server.key"))\""),
        "receivers[1].tls_key_file (receiver 'gw') does not belong to tls_cert_file"
      ),
      (receiver("tls_verify = \"none\""), "receivers[1].tls_verify (receiver 'gw') cannot be \"none\""),
      (receiver("tls_verify = \"strict\""), "receivers[1].tls_verify (receiver 'gw') must be one of \"full\""),
      (
        receiver("tls_verify = \"no-hostname\""),
        "receivers[1].tls_verify (receiver 'gw') = \"no-hostname\" needs tls_ca_file"
      ),
    ]
    for (text, expected) in cases {
      XCTAssertThrowsError(try AccessConfig.parse(text, file: "f.toml"), expected) { error in
        let message = "\(error)"
        XCTAssertTrue(message.hasPrefix("f.toml: "), message)
        XCTAssertTrue(message.contains(expected), "\(message)\n  expected: \(expected)")
        XCTAssertFalse(message.contains("SECRET-KEY"), message)
        XCTAssertFalse(message.contains("PRIVATE KEY"), message)
      }
    }
  }
}
