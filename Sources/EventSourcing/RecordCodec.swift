import Foundation

/// The journal's record payload (docs/journal-format.md). Written in binary
/// layout 1; read in that layout or as the JSON records every journal held
/// before it, told apart by the first byte (a JSON record starts with `{`).
///
/// Binary layout 1, little-endian:
///
///     u8  0x01                   layout version
///     i64 time                   milliseconds since the Unix epoch
///     u8  flags                  bit 0: unit follows, bit 1: command id follows, bit 2: event tag follows
///     str actor                  varint byte count, UTF-8
///     str unit, str commandID    when their flag is set
///     varint tag                 the event case's stable tag (BinaryTaggedEvent), when flagged
///     value event                BinaryCoding: the case's fields (tagged), or the whole event
///     u8  0xEC                   end of record: never zero, so a torn write that the file
///                                system filled with zeros cannot pass for a whole record
///
/// The seq is the frame's, not repeated. A record's time sits at a fixed
/// offset, so history reads by time never decode the event to find it.
public struct RecordCodec<Event: Codable & Sendable & Equatable>: Sendable {
  public static var binaryVersion: UInt8 { 1 }
  static var jsonStart: UInt8 { UInt8(ascii: "{") }
  static var timeOffset: Int { 1 }
  static var trailer: UInt8 { 0xEC }

  private let tagged: (any BinaryTaggedEvent.Type)?
  /// The tagged event's own functions, opened once from the existential.
  /// Called per record through `any BinaryTaggedEvent`, each decode boxed the
  /// event (a heap box for an enum this size) and cast it back: about a tenth
  /// of a replay's time, by perf. Nil only if the type isn't tagged.
  private let typed: TypedFunctions?

  struct TypedFunctions: Sendable {
    let tag: @Sendable (Event) -> UInt16
    let decodeFast: @Sendable (UInt16, UnsafeRawBufferPointer) -> Event?
    let encodeFast: @Sendable (Event, inout [UInt8]) -> Bool
  }

  public init() {
    tagged = Event.self as? any BinaryTaggedEvent.Type
    typed = tagged.flatMap { Self.open($0) }
  }

  /// `T` is `Event` itself (it came from `Event.self`), so the casts of the
  /// two closures succeed; they are made once, here, not per record.
  private static func open<T: BinaryTaggedEvent>(_: T.Type) -> TypedFunctions? {
    let tag: @Sendable (T) -> UInt16 = { $0.binaryTag }
    let decode: @Sendable (UInt16, UnsafeRawBufferPointer) -> T? = { T.decodeFast(tag: $0, body: $1) }
    let encode: @Sendable (T, inout [UInt8]) -> Bool = { $0.encodeFast(into: &$1) }
    guard let tag = tag as? @Sendable (Event) -> UInt16,
      let decode = decode as? @Sendable (UInt16, UnsafeRawBufferPointer) -> Event?,
      let encode = encode as? @Sendable (Event, inout [UInt8]) -> Bool
    else { return nil }
    return TypedFunctions(tag: tag, decodeFast: decode, encodeFast: encode)
  }

  /// Whether records go through the opened functions (a test checks the
  /// domain's event does, so the fast path cannot silently fall away).
  public var usesTypedFastPath: Bool { typed != nil }

  public enum Failure: Error, CustomStringConvertible {
    case undecodable(String)
    public var description: String {
      switch self {
      case .undecodable(let why): return why
      }
    }
  }

  /// Appends the binary payload of `record`.
  public func encode(_ record: EventRecord<Event>, into out: inout [UInt8]) throws {
    out.append(Self.binaryVersion)
    var t = UInt64(bitPattern: record.time.milliseconds).littleEndian
    withUnsafeBytes(of: &t) { out.append(contentsOf: $0) }
    let tag = typed.map { $0.tag(record.event) } ?? (record.event as? any BinaryTaggedEvent)?.binaryTag
    var flags: UInt8 = 0
    if record.unit != nil { flags |= 1 }
    if record.commandID != nil { flags |= 2 }
    if tag != nil { flags |= 4 }
    out.append(flags)
    BinaryCoding.appendString(record.actor, to: &out)
    if let u = record.unit { BinaryCoding.appendString(u, to: &out) }
    if let c = record.commandID { BinaryCoding.appendString(c, to: &out) }
    if let tag, let tagged {
      BinaryCoding.appendVarint(UInt64(tag), to: &out)
      if let typed, typed.encodeFast(record.event, &out) {
        out.append(Self.trailer)
        return
      }
      let name = try BinaryCoding.encodeEnumBody(record.event, into: &out)
      guard tagged.binaryCaseName(forTag: tag) == name else {
        throw Failure.undecodable(
          "event case \(name) has binary tag \(tag), which names \(tagged.binaryCaseName(forTag: tag) ?? "no case")")
      }
    } else {
      try BinaryCoding.encode(record.event, into: &out)
    }
    out.append(Self.trailer)
  }

  public func encode(_ record: EventRecord<Event>) throws -> [UInt8] {
    var out: [UInt8] = []
    try encode(record, into: &out)
    return out
  }

  /// Decodes the record in frame `seq`, binary or JSON.
  public func decode(seq: UInt64, payload p: UnsafeRawBufferPointer, json: JSONDecoder) throws -> EventRecord<Event> {
    guard let first = p.first else { throw Failure.undecodable("empty payload") }
    if first == Self.jsonStart {
      let r = try json.decode(EventRecord<Event>.self, from: Data(p))
      guard r.seq == seq else { throw Failure.undecodable("frame seq \(seq) holds event \(r.seq)") }
      return r
    }
    guard first == Self.binaryVersion else {
      throw Failure.undecodable("unknown record layout \(first) (this build reads layout 1 and JSON)")
    }
    guard let time = Self.binaryTime(p), p.last == Self.trailer else { throw Failure.undecodable("record cut short") }
    let p = UnsafeRawBufferPointer(rebasing: p[0..<(p.count - 1)])
    let flags = p[9]
    var i = 10
    guard let actor = BinaryCoding.readString(p, &i) else { throw Failure.undecodable("actor cut short") }
    var unit: String? = nil
    var commandID: String? = nil
    if flags & 1 != 0 {
      guard let u = BinaryCoding.readString(p, &i) else { throw Failure.undecodable("unit cut short") }
      unit = u
    }
    if flags & 2 != 0 {
      guard let c = BinaryCoding.readString(p, &i) else { throw Failure.undecodable("command id cut short") }
      commandID = c
    }
    let event: Event
    if flags & 4 != 0 {
      guard let tagged, let tag = BinaryCoding.readVarint(p, &i), let t16 = UInt16(exactly: tag),
        let name = tagged.binaryCaseName(forTag: t16)
      else { throw Failure.undecodable("unknown event tag") }
      let body = UnsafeRawBufferPointer(rebasing: p[i...])
      if let typed, let fast = typed.decodeFast(t16, body) {
        event = fast
      } else if typed == nil, let fast = tagged.decodeFast(tag: t16, body: body) as? Event {
        event = fast
      } else {
        event = try BinaryCoding.decodeEnum(Event.self, caseName: name, body: body)
      }
    } else {
      event = try BinaryCoding.decode(Event.self, from: UnsafeRawBufferPointer(rebasing: p[i...]))
    }
    return EventRecord(seq: seq, time: time, actor: actor, unit: unit, commandID: commandID, event: event)
  }

  /// The fields before a binary record's event (nil for a JSON record, or
  /// one cut short: decode it whole): what a read can filter on without
  /// decoding the event.
  public static func header(seq: UInt64, payload p: UnsafeRawBufferPointer) -> RecordHeader? {
    guard let time = binaryTime(p), p.last == trailer else { return nil }
    let p = UnsafeRawBufferPointer(rebasing: p[0..<(p.count - 1)])
    let flags = p[9]
    var i = 10
    guard let actor = BinaryCoding.readString(p, &i) else { return nil }
    var unit: String? = nil
    if flags & 1 != 0 {
      guard let u = BinaryCoding.readString(p, &i) else { return nil }
      unit = u
    }
    if flags & 2 != 0 {
      guard BinaryCoding.skipString(p, &i) else { return nil }
    }
    var tag: UInt16? = nil
    if flags & 4 != 0 {
      guard let t = BinaryCoding.readVarint(p, &i), let t16 = UInt16(exactly: t) else { return nil }
      tag = t16
    }
    return RecordHeader(seq: seq, time: time, actor: actor, unit: unit, tag: tag)
  }

  /// The time of a binary record (at its fixed offset), nil for a JSON one.
  public static func binaryTime(_ p: UnsafeRawBufferPointer) -> Instant? {
    // Version, time, flags and the trailer at least: a shorter payload has no flags byte to read.
    guard p.count >= 11, p[0] == binaryVersion else { return nil }
    var t: UInt64 = 0
    withUnsafeMutableBytes(of: &t) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: p[1..<9])) }
    return Instant(milliseconds: Int64(bitPattern: UInt64(littleEndian: t)))
  }
}

extension RecordCodec {
  /// Records in a row, each with its seq (which a journal frame carries,
  /// not the record): `varint count`, then per record `varint seq`,
  /// `varint byte count` and the record's binary payload as above. The
  /// consoles' live stream (`records` on the wire) is sent this way.
  public func encode(batch records: [EventRecord<Event>], into out: inout [UInt8]) throws {
    BinaryCoding.appendVarint(UInt64(records.count), to: &out)
    var one: [UInt8] = []
    for r in records {
      one.removeAll(keepingCapacity: true)
      try encode(r, into: &one)
      BinaryCoding.appendVarint(r.seq, to: &out)
      BinaryCoding.appendVarint(UInt64(one.count), to: &out)
      out.append(contentsOf: one)
    }
  }

  /// The records of `encode(batch:into:)`; throws on anything cut short,
  /// left over or undecodable, naming which record.
  public func decode(batch b: UnsafeRawBufferPointer, json: JSONDecoder) throws -> [EventRecord<Event>] {
    var i = 0
    guard let n = BinaryCoding.readVarint(b, &i) else { throw Failure.undecodable("record count cut short") }
    // Each record takes at least three bytes here: a count above that is a lie, not a reason to reserve memory.
    guard n <= UInt64(b.count / 3) else { throw Failure.undecodable("record count \(n) is more than the bytes hold") }
    var out: [EventRecord<Event>] = []
    out.reserveCapacity(Int(n))
    for k in 0..<Int(n) {
      guard let seq = BinaryCoding.readVarint(b, &i), let len = BinaryCoding.readVarint(b, &i),
        len <= UInt64(b.count - i)
      else { throw Failure.undecodable("record \(k + 1) of \(n) cut short") }
      let end = i + Int(len)
      out.append(try decode(seq: seq, payload: UnsafeRawBufferPointer(rebasing: b[i..<end]), json: json))
      i = end
    }
    guard i == b.count else { throw Failure.undecodable("\(b.count - i) bytes after the last record") }
    return out
  }
}

/// What a record says before its event: seq, time, who, for which unit, and
/// the event's case tag (nil for an event type without tags).
public struct RecordHeader: Sendable, Equatable {
  public var seq: UInt64
  public var time: Instant
  public var actor: String
  public var unit: String?
  public var tag: UInt16?

  public init(seq: UInt64, time: Instant, actor: String, unit: String?, tag: UInt16?) {
    self.seq = seq
    self.time = time
    self.actor = actor
    self.unit = unit
    self.tag = tag
  }
}

extension EventRecord {
  /// The record's header, as `RecordCodec.header` reads it from the journal.
  public var header: RecordHeader {
    RecordHeader(seq: seq, time: time, actor: actor, unit: unit, tag: (event as? any BinaryTaggedEvent)?.binaryTag)
  }
}
