import Foundation
import NIOSSL

extension Receiver {
  /// An https webhook's own TLS settings: a private CA to trust instead of the
  /// system's store (an in-house SMS or mail gateway), a client certificate
  /// when the gateway asks for one, and whether the host name is checked.
  /// Paths only: the files are read when the configuration is loaded (every
  /// mistake is a config error then) and again when a sender starts.
  public struct TLS: Sendable, Equatable {
    public enum Verify: String, Sendable, CaseIterable {
      /// The chain and the host name, as a browser does.
      case full
      /// The chain only, and only against `caFile`: for a gateway reached at an
      /// address its certificate does not name. There is no "none": a robot's
      /// key in the URL would go to whoever answers.
      case noHostname = "no-hostname"
    }

    /// PEM certificates to trust instead of the system's store.
    public var caFile: String?
    /// A PEM client certificate (chain), and its unencrypted PEM key.
    public var certFile: String?
    public var keyFile: String?
    public var verify: Verify

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, verify: Verify = .full) {
      self.caFile = caFile
      self.certFile = certFile
      self.keyFile = keyFile
      self.verify = verify
    }

    /// A file larger than this is not a certificate or a key.
    public static let maxFileBytes = 1 << 20

    /// What is wrong, and with which setting (`tls_ca_file`, `tls_cert_file`,
    /// `tls_key_file`): never a file's contents.
    public struct Invalid: Error, Sendable, Equatable {
      public var key: String
      public var reason: String
    }

    /// Reads the files and builds a TLS context from them, as a connection
    /// would (a key that does not belong to the certificate is refused here).
    public func validate() throws(Invalid) {
      let c = try configuration()
      do { _ = try NIOSSLContext(configuration: c) } catch {
        throw Invalid(
          key: certFile == nil ? "tls_ca_file" : "tls_key_file",
          reason: keyFile == nil
            ? "cannot be used: \(Self.describe(error))" : "does not belong to tls_cert_file (\(Self.describe(error)))")
      }
    }

    /// The client configuration for AsyncHTTPClient's request.
    func configuration() throws(Invalid) -> TLSConfiguration {
      var c = TLSConfiguration.makeClientConfiguration()
      if let caFile {
        let roots = try Self.certificates(caFile, key: "tls_ca_file")
        c.trustRoots = .certificates(roots)
      }
      if let certFile, let keyFile {
        let chain = try Self.certificates(certFile, key: "tls_cert_file")
        c.certificateChain = chain.map { .certificate($0) }
        let bytes = try Self.read(keyFile, key: "tls_key_file")
        do { c.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: bytes, format: .pem)) } catch {
          throw Invalid(key: "tls_key_file", reason: "is not an unencrypted PEM private key")
        }
      }
      c.certificateVerification = verify == .full ? .fullVerification : .noHostnameVerification
      return c
    }

    static func read(_ path: String, key: String) throws(Invalid) -> [UInt8] {
      let url = URL(fileURLWithPath: path)
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
      guard size <= maxFileBytes else { throw Invalid(key: key, reason: "\(path) is larger than 1 MiB") }
      do { return Array(try Data(contentsOf: url)) } catch {
        throw Invalid(key: key, reason: "cannot read \(path): \(error.localizedDescription)")
      }
    }

    static func certificates(_ path: String, key: String) throws(Invalid) -> [NIOSSLCertificate] {
      let bytes = try read(path, key: key)
      let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes)
      guard let certificates, !certificates.isEmpty else {
        throw Invalid(key: key, reason: "\(path) holds no PEM certificate")
      }
      return certificates
    }

    /// BoringSSL's reasons ("CERTIFICATE_VERIFY_FAILED"), not Swift's nesting of them.
    static func describe(_ error: Error) -> String {
      if case .sslError(let errors) = error as? BoringSSLError, !errors.isEmpty {
        // "Error: N error:1000007d:SSL routines:OPENSSL_internal:REASON at /build/path.c:320" → "REASON".
        return errors.map { e -> String in
          let text = "\(e)"
          let message = text.range(of: " at ", options: .backwards).map { String(text[..<$0.lowerBound]) } ?? text
          return message.split(separator: ":").last.map(String.init) ?? message
        }.joined(separator: ", ")
      }
      if case .handshakeFailed(let inner) = error as? NIOSSLError { return "TLS handshake failed: \(describe(inner))" }
      return "\(error)"
    }
  }
}
