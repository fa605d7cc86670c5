import CordonModel
import CordonSession
import EventSourcing
import Foundation
import NIOCore

/// The wire protocol between `cordon serve` and its consoles.
///
/// Every message is one frame: a big-endian `u32` payload length, then the
/// payload. A payload is UTF-8 JSON, an object with a `"type"`, except the
/// server's `records` and `welcome`, which are binary (below). The first frame a client
/// sends is `hello` carrying `version`; a server that speaks another
/// version answers `error` with code `version` and closes.
///
///     client → server   hello {version, since?, submitOnly?}   command {id, commandID, lines}
///                       query {id, query, stream?}   (report, audit, export; answered by answer {id, text | refusal},
///                       an audit with stream true first in answerPart {id, text} frames of whole lines)
///                       forward {id, commandID, lines, principal}   (server to server: a follower
///                       hands a command to the leader; only from the servers' own account)
///     server → client   welcome (binary) {version, principal, seq, state | records, ...}
///                       records (binary)   result {id, seq, created? | refusal | failure}
///                       store {readOnlyReason?}   (the store's mode changed)
///                       error {code, message}   (then the server closes)
///
/// A hello with `submitOnly` opens a submit-only session (`cordon post`,
/// gateways): its welcome carries no state and it is sent no records, only
/// the results of its own commands (with the id of what each created) and
/// the store's mode. It is authorised exactly like a console of the same
/// role: the server checks every command where it executes.
///
/// `records`, the live stream, is `u8 0x01` and then the records as the
/// journal writes them (`RecordCodec.encode(batch:into:)`,
/// docs/journal-format.md), since version 2. Every console decodes every
/// event every other console commits, on the server's machine (SSH sessions
/// run there): as JSON that was most of the fan-out's CPU, and most of what
/// a burst of notifications added to it (issue 18). A payload's first byte
/// tells the two apart (JSON starts with `{`). The fan-out encodes each
/// batch once for all clients.
///
/// `welcome` is `u8 0x02` and then the `Welcome` in `BinaryCoding`, the
/// encoding of the snapshot's body, since version 3: it carries the whole
/// state, and a console connecting to a city-sized one spent seconds in
/// the server's JSON encoder and its own JSON decoder; the binary form is
/// read by the snapshot's fast readers (`cordon-bench welcome` measures
/// both). Everything else stays JSON, which is read by humans when
/// debugging with `socat`; `cordon dump` prints records as JSON lines.
public enum WireProtocol {
  /// 2: `records` frames are binary. 3: `welcome` frames are binary too.
  public static let version = 3
  /// The first byte of a binary `records` payload.
  public static let binaryRecords: UInt8 = 0x01
  /// The first byte of a binary `welcome` payload.
  public static let binaryWelcome: UInt8 = 0x02
  /// Largest frame a client may send. Commands are small; anything bigger is
  /// an attack or a bug, and is refused before it is buffered.
  public static let maxClientFrame = 1 << 20
  /// Largest frame a server may send: the welcome carries the whole state.
  public static let maxServerFrame = 512 << 20
}

public typealias CordonRecord = EventRecord<CordonEvent>

/// What a client may send.
public enum ClientMessage: Codable, Sendable, Equatable {
  /// `since`: the last seq the client already has; the server then sends only
  /// what follows it when it still can, else the whole state. `submitOnly`:
  /// a session that only sends commands (`cordon post`): no state in the
  /// welcome, no records fanned out to it, so a gateway costs the server
  /// nothing per event that others commit.
  case hello(version: Int, since: UInt64?, submitOnly: Bool = false)
  /// `lines` are CommandJSON lines: one is a command, several are a batch
  /// applied all-or-nothing. `commandID` makes a resend after a reconnect
  /// apply once. `id` matches the result to the request.
  case command(id: UInt64, commandID: String?, lines: [String])
  /// Instead of hello: the server's health (`cordon status`, backups,
  /// monitoring), answered with `status` and then the connection closes.
  case status
  /// A read of the journal (`cordon report|audit|export --socket`), run by
  /// the server with the caller's role deciding what it may see; answered
  /// by `answer` with the same `id`. One at a time per connection. With
  /// `stream`, an audit's lines come first in `answerPart`s as the journal
  /// is read, and the answer's text is what is left (a server that does not
  /// know the flag answers with the whole text, which the client takes too).
  case query(id: UInt64, query: JournalQuery, stream: Bool = false)
  /// From a follower server to the leader, instead of hello or after an
  /// earlier forward: a command its console or `post` client sent, with the
  /// principal the follower decided; the leader authorises it again, runs
  /// it and answers `result`. Accepted only from the account the leader
  /// runs as (or root): the servers of one journal share that account.
  case forward(id: UInt64, commandID: String?, lines: [String], principal: WirePrincipal)

  private enum CodingKeys: String, CodingKey {
    case type, version, since, id, commandID, lines, query, principal, stream, submitOnly
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    switch try c.decode(String.self, forKey: .type) {
    case "hello":
      self = .hello(
        version: try c.decode(Int.self, forKey: .version),
        since: try c.contains(.since) && !c.decodeNil(forKey: .since) ? try Self.whole(c, .since) : nil,
        submitOnly: try c.decodeIfPresent(Bool.self, forKey: .submitOnly) ?? false)
    case "command":
      self = .command(
        id: try Self.whole(c, .id), commandID: try c.decodeIfPresent(String.self, forKey: .commandID),
        lines: try c.decode([String].self, forKey: .lines))
    case "status": self = .status
    case "query":
      self = .query(
        id: try Self.whole(c, .id), query: try c.decode(JournalQuery.self, forKey: .query),
        stream: try c.decodeIfPresent(Bool.self, forKey: .stream) ?? false)
    case "forward":
      self = .forward(
        id: try Self.whole(c, .id), commandID: try c.decodeIfPresent(String.self, forKey: .commandID),
        lines: try c.decode([String].self, forKey: .lines),
        principal: try c.decode(WirePrincipal.self, forKey: .principal)
      )
    case let other:
      throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown type \(other)")
    }
  }

  /// A seq or a request id: a whole number from 0 to UInt64.max. Anything
  /// else is refused naming the field, the value and the range, never as
  /// "not valid JSON".
  private static func whole(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> UInt64 {
    if let v = try? c.decode(UInt64.self, forKey: key) { return v }
    let shown: String
    if let d = try? c.decode(Double.self, forKey: key) {
      shown = d == d.rounded() && abs(d) < 1e18 ? String(Int64(d)) : "\(d)"
    } else if c.contains(key) {
      shown = (try? c.decode(String.self, forKey: key)).map { "\"\($0.prefix(40))\"" } ?? "not a number"
    } else {
      throw DecodingError.keyNotFound(
        key, .init(codingPath: c.codingPath, debugDescription: "field \(key.stringValue) is missing"))
    }
    throw DecodingError.dataCorruptedError(
      forKey: key, in: c,
      debugDescription:
        "field \(key.stringValue) is \(shown): it must be a whole number from 0 to \(UInt64.max)")
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .hello(let version, let since, let submitOnly):
      try c.encode("hello", forKey: .type)
      try c.encode(version, forKey: .version)
      try c.encodeIfPresent(since, forKey: .since)
      if submitOnly { try c.encode(true, forKey: .submitOnly) }
    case .command(let id, let commandID, let lines):
      try c.encode("command", forKey: .type)
      try c.encode(id, forKey: .id)
      try c.encodeIfPresent(commandID, forKey: .commandID)
      try c.encode(lines, forKey: .lines)
    case .status:
      try c.encode("status", forKey: .type)
    case .query(let id, let query, let stream):
      try c.encode("query", forKey: .type)
      try c.encode(id, forKey: .id)
      try c.encode(query, forKey: .query)
      if stream { try c.encode(true, forKey: .stream) }
    case .forward(let id, let commandID, let lines, let principal):
      try c.encode("forward", forKey: .type)
      try c.encode(id, forKey: .id)
      try c.encodeIfPresent(commandID, forKey: .commandID)
      try c.encode(lines, forKey: .lines)
      try c.encode(principal, forKey: .principal)
    }
  }
}

/// Who the server decided the peer is. Sent so the console can show it and
/// hide what the role cannot do; the server enforces it regardless.
public struct WirePrincipal: Codable, Sendable, Equatable {
  public var user: String
  public var role: Role
  public var units: [String]
  public init(_ p: Principal) {
    user = p.user
    role = p.role
    units = p.units
  }
  public var principal: Principal { Principal(user: user, role: role, units: units) }
}

public struct Welcome: Codable, Sendable, Equatable {
  public var version: Int
  public var principal: WirePrincipal
  /// The seq the client is at once it has applied this message.
  public var seq: UInt64
  /// The whole state at `seq`, or nil when `records` bring the client's own up to it.
  public var state: CordonState?
  public var records: [CordonRecord]?
  public var demo: Bool
  public var readOnlyReason: String?
  public var warnings: [String]
  /// The server took the hello's `submitOnly`: neither `state` nor `records`
  /// come, now or later. Absent (nil) from a server that does not know it.
  public var submitOnly: Bool?
  public init(
    version: Int, principal: WirePrincipal, seq: UInt64, state: CordonState?, records: [CordonRecord]?, demo: Bool,
    readOnlyReason: String?, warnings: [String], submitOnly: Bool? = nil
  ) {
    self.submitOnly = submitOnly
    self.version = version
    self.principal = principal
    self.seq = seq
    self.state = state
    self.records = records
    self.demo = demo
    self.readOnlyReason = readOnlyReason
    self.warnings = warnings
  }
}

/// Why a command was not saved, on the wire.
public enum WireFailure: Codable, Sendable, Equatable {
  case refused(Refusal)
  case readOnly(String)
  case io(String)
}

/// What a server may send.
public enum ServerMessage: Codable, Sendable, Equatable {
  case welcome(Welcome)
  case records([CordonRecord])
  /// `created`: the id of what the command created (a log entry, a report,
  /// a shift …), so a submit-only session, which sees no records, can say it.
  case result(id: UInt64, seq: UInt64?, failure: WireFailure?, created: String? = nil)
  case error(code: String, message: String)
  case status(ServerStatus)
  /// The store's mode changed after the welcome (it turned read-only: a full
  /// disk, a failed fdatasync): pushed to every console so its header says
  /// so before anyone tries to save. `readOnlyReason` nil: writable.
  case store(readOnlyReason: String?)
  /// The answer to a `query`: its text, or why not.
  case answer(id: UInt64, text: String?, refusal: Refusal?)
  /// Lines of a streamed audit (whole lines, each ended by a line break),
  /// in order, before its `answer`.
  case answerPart(id: UInt64, text: String)

  private enum CodingKeys: String, CodingKey {
    case type, welcome, records, id, seq, failure, code, message, status, readOnlyReason, text, refusal, created
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    switch try c.decode(String.self, forKey: .type) {
    case "welcome": self = .welcome(try c.decode(Welcome.self, forKey: .welcome))
    case "records": self = .records(try c.decode([CordonRecord].self, forKey: .records))
    case "result":
      self = .result(
        id: try c.decode(UInt64.self, forKey: .id), seq: try c.decodeIfPresent(UInt64.self, forKey: .seq),
        failure: try c.decodeIfPresent(WireFailure.self, forKey: .failure),
        created: try c.decodeIfPresent(String.self, forKey: .created))
    case "error":
      self = .error(
        code: try c.decode(String.self, forKey: .code), message: try c.decode(String.self, forKey: .message))
    case "status": self = .status(try c.decode(ServerStatus.self, forKey: .status))
    case "store": self = .store(readOnlyReason: try c.decodeIfPresent(String.self, forKey: .readOnlyReason))
    case "answerPart":
      self = .answerPart(id: try c.decode(UInt64.self, forKey: .id), text: try c.decode(String.self, forKey: .text))
    case "answer":
      self = .answer(
        id: try c.decode(UInt64.self, forKey: .id), text: try c.decodeIfPresent(String.self, forKey: .text),
        refusal: try c.decodeIfPresent(Refusal.self, forKey: .refusal))
    case let other:
      throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown type \(other)")
    }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .store(let reason):
      try c.encode("store", forKey: .type)
      try c.encodeIfPresent(reason, forKey: .readOnlyReason)
    case .answerPart(let id, let text):
      try c.encode("answerPart", forKey: .type)
      try c.encode(id, forKey: .id)
      try c.encode(text, forKey: .text)
    case .answer(let id, let text, let refusal):
      try c.encode("answer", forKey: .type)
      try c.encode(id, forKey: .id)
      try c.encodeIfPresent(text, forKey: .text)
      try c.encodeIfPresent(refusal, forKey: .refusal)
    case .welcome(let w):
      try c.encode("welcome", forKey: .type)
      try c.encode(w, forKey: .welcome)
    case .records(let r):
      try c.encode("records", forKey: .type)
      try c.encode(r, forKey: .records)
    case .result(let id, let seq, let failure, let created):
      try c.encode("result", forKey: .type)
      try c.encode(id, forKey: .id)
      try c.encodeIfPresent(seq, forKey: .seq)
      try c.encodeIfPresent(failure, forKey: .failure)
      try c.encodeIfPresent(created, forKey: .created)
    case .error(let code, let message):
      try c.encode("error", forKey: .type)
      try c.encode(code, forKey: .code)
      try c.encode(message, forKey: .message)
    case .status(let st):
      try c.encode("status", forKey: .type)
      try c.encode(st, forKey: .status)
    }
  }
}

/// What `cordon status` shows: the server's health at one moment.
public struct ServerStatus: Codable, Sendable, Equatable {
  public var version: Int
  /// Last durable event.
  public var seq: UInt64
  public var clients: Int
  /// "writable" or "read-only".
  public var store: String
  public var readOnlyReason: String?
  /// Seq and time (ms since 1970) of the last snapshot this server wrote, if any.
  public var lastSnapshotSeq: UInt64
  public var lastSnapshotTime: Int64?
  /// Batches waiting for the journal writer.
  public var journalQueue: Int
  /// Bytes queued to consoles, in total and for the one furthest behind.
  public var clientQueuedBytes: Int
  public var maxClientQueuedBytes: Int
  public var uptimeSeconds: Int64
  /// The data directory; only told to the server's own account and root (backups).
  public var dataDirectory: String?
  public var warnings: [String]
  /// Several servers on one PostgreSQL journal: "leader (term N)",
  /// "follower of ENDPOINT" or "follower (no leader now)"; absent for a sole server.
  public var role: String?

  public init(
    version: Int, seq: UInt64, clients: Int, store: String, readOnlyReason: String?, lastSnapshotSeq: UInt64,
    lastSnapshotTime: Int64?, journalQueue: Int, clientQueuedBytes: Int, maxClientQueuedBytes: Int,
    uptimeSeconds: Int64, dataDirectory: String?, warnings: [String], role: String? = nil
  ) {
    self.role = role
    self.version = version
    self.seq = seq
    self.clients = clients
    self.store = store
    self.readOnlyReason = readOnlyReason
    self.lastSnapshotSeq = lastSnapshotSeq
    self.lastSnapshotTime = lastSnapshotTime
    self.journalQueue = journalQueue
    self.clientQueuedBytes = clientQueuedBytes
    self.maxClientQueuedBytes = maxClientQueuedBytes
    self.uptimeSeconds = uptimeSeconds
    self.dataDirectory = dataDirectory
    self.warnings = warnings
  }
}

/// Error codes a server sends before closing a connection.
public enum WireError {
  public static let version = "version"
  public static let unknownUser = "unknownUser"
  public static let tooSlow = "tooSlow"
  public static let frameTooLarge = "frameTooLarge"
  public static let malformed = "malformed"
  public static let unexpected = "unexpected"
  public static let helloTimeout = "helloTimeout"
  public static let shuttingDown = "shuttingDown"
  /// The global or the per-user connection cap is reached.
  public static let tooManyConnections = "tooManyConnections"
  /// The server reloaded its access config and this connection's role changed.
  public static let accessChanged = "accessChanged"
}

extension ServerMessage {
  private static let recordCodec = RecordCodec<CordonEvent>()

  /// The one encoding of what a server sends, as a whole frame: binary for
  /// `records` and `welcome`, JSON for the rest.
  public func frame(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws -> ByteBuffer {
    switch self {
    case .records(let records):
      var payload: [UInt8] = [WireProtocol.binaryRecords]
      try Self.recordCodec.encode(batch: records, into: &payload)
      return Frame.wrap(payload, allocator: allocator)
    case .welcome(let welcome):
      var payload: [UInt8] = [WireProtocol.binaryWelcome]
      try BinaryCoding.encode(welcome, into: &payload)
      return Frame.wrap(payload, allocator: allocator)
    default:
      return Frame.wrap(try JSONEncoder().encode(self), allocator: allocator)
    }
  }

  /// The message in a frame's payload, as `frame` wrote it.
  public static func decode(payload: ByteBuffer) throws -> ServerMessage {
    switch payload.readableBytesView.first {
    case WireProtocol.binaryRecords:
      return try payload.withUnsafeReadableBytes { b in
        .records(
          try Self.recordCodec.decode(batch: UnsafeRawBufferPointer(rebasing: b.dropFirst()), json: JSONDecoder()))
      }
    case WireProtocol.binaryWelcome:
      return try payload.withUnsafeReadableBytes { b in
        .welcome(try BinaryCoding.decode(Welcome.self, from: UnsafeRawBufferPointer(rebasing: b.dropFirst())))
      }
    default:
      return try JSONDecoder().decode(ServerMessage.self, from: Data(payload.readableBytesView))
    }
  }

  public static func decode(payload: [UInt8]) throws -> ServerMessage {
    try decode(payload: ByteBuffer(bytes: payload))
  }
}

/// Length-prefixed frames: a client's message as JSON. A server's goes
/// through `ServerMessage.frame`, the one place that picks its encoding.
public enum Frame {
  /// One frame holding `message` as JSON.
  public static func encode(_ message: ClientMessage, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws
    -> ByteBuffer
  {
    wrap(try JSONEncoder().encode(message), allocator: allocator)
  }

  /// `payload` behind its length.
  static func wrap<Bytes: Collection<UInt8>>(_ payload: Bytes, allocator: ByteBufferAllocator) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: payload.count + 4)
    buffer.writeInteger(UInt32(payload.count), endianness: .big)
    buffer.writeBytes(payload)
    return buffer
  }
}

/// Cuts the byte stream into frames; a length above `maxLength` is an error
/// raised before any of the payload is buffered.
public struct FrameDecoder: ByteToMessageDecoder {
  public typealias InboundOut = ByteBuffer
  public struct TooLarge: Error, CustomStringConvertible {
    public var length: Int
    public var limit: Int
    public var description: String { "frame of \(length) bytes is larger than the limit of \(limit)" }
  }

  let maxLength: Int
  public init(maxLength: Int) { self.maxLength = maxLength }

  public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
      return .needMoreData
    }
    guard Int(length) <= maxLength else { throw TooLarge(length: Int(length), limit: maxLength) }
    guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
    buffer.moveReaderIndex(forwardBy: 4)
    guard let payload = buffer.readSlice(length: Int(length)) else { return .needMoreData }
    context.fireChannelRead(wrapInboundOut(payload))
    return .continue
  }

  public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
    -> DecodingState
  {
    // A partial frame at EOF is simply dropped: the peer is gone.
    while try decode(context: context, buffer: &buffer) == .continue {}
    return .needMoreData
  }
}
