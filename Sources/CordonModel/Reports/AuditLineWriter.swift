import EventSourcing

extension AuditTrail {
  /// Writes audit lines as UTF-8 into a byte buffer: what `AuditTrail.line`
  /// gives, byte for byte, at a fraction of its cost. A month of a year's
  /// journal is about a million lines, so the minute's time stamp is
  /// formatted once per minute, the kind words come from a table by tag,
  /// and the cases a year is made of write their figures straight into the
  /// buffer; every other case takes `detail`'s words.
  public struct LineWriter: Sendable {
    public let state: CordonState
    public let strings: Strings
    private let lang: Language
    /// The minute (since the epoch) whose stamp `stamp` holds.
    private var minute: Int64 = .min
    private var stamp: [UInt8] = []

    public init(state: CordonState, strings: Strings) {
      self.state = state
      self.strings = strings
      lang = strings.language
    }

    /// Appends `r`'s line, without a line break.
    public mutating func append(_ r: EventRecord<CordonEvent>, to out: inout [UInt8]) {
      appendStamp(r.time, to: &out)
      out.append(contentsOf: Self.hash)
      Self.appendDecimal(r.seq, to: &out)
      out.append(contentsOf: Self.gap)
      out.append(contentsOf: r.actor.utf8)
      out.append(contentsOf: Self.gap)
      out.append(contentsOf: AuditTrail.kindLabel(r.event.tag, lang).utf8)
      switch r.event {
      case .roundRecorded(let site, let round):
        out.append(contentsOf: Self.colon)
        out.append(contentsOf: state.siteName(site, lang).utf8)
        out.append(UInt8(ascii: " "))
        Self.appendDecimal(round.checked, to: &out)
        out.append(UInt8(ascii: "/"))
        Self.appendDecimal(round.fevers, to: &out)
      case .ventilationRecorded(let site), .siteClosed(let site), .siteOpened(let site, _):
        let name = state.siteName(site, lang)
        if !name.isEmpty {
          out.append(contentsOf: Self.colon)
          out.append(contentsOf: name.utf8)
        }
      default:
        let d = AuditTrail.detail(r.event, state: state, strings: strings)
        if !d.isEmpty {
          out.append(contentsOf: Self.colon)
          out.append(contentsOf: d.utf8)
        }
      }
    }

    private static let hash = Array("  #".utf8)
    private static let gap = Array("  ".utf8)
    private static let colon = Array(": ".utf8)

    /// "2020-02-07 08:00" as `LocalCalendar.format` writes it, formatted
    /// again only when the minute changes (the offset is whole minutes, so
    /// a local minute is an epoch minute).
    private mutating func appendStamp(_ t: Instant, to out: inout [UInt8]) {
      let ms = t.milliseconds
      // Far from the ends of Int64, where the calendar's clamping could
      // make two instants of one minute read differently.
      guard abs(ms) < 1 << 60 else {
        out.append(contentsOf: state.calendar.format(t).utf8)
        return
      }
      let m = ms >= 0 ? ms / 60_000 : (ms + 1) / 60_000 - 1
      if m != minute {
        minute = m
        stamp = Array(state.calendar.format(t).utf8)
      }
      out.append(contentsOf: stamp)
    }

    /// Decimal digits as `description` writes them.
    static func appendDecimal<T: BinaryInteger>(_ n: T, to out: inout [UInt8]) {
      if n < 0 { out.append(UInt8(ascii: "-")) }
      var v = UInt64(n.magnitude)
      var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
      var count = 0
      withUnsafeMutableBytes(of: &digits) { buf in
        repeat {
          buf[23 - count] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0")
          v /= 10
          count += 1
        } while v > 0
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(24 - count)...]))
      }
    }
  }
}
