import CordonModel
import CordonWire
import Foundation
import NIOCore
import NIOEmbedded
import XCTest

/// Issue 14's fuzz targets, as bounded seeded generators (a failure repeats
/// from its seed): the JSON command decoder and the wire's frame and message
/// decoders. Neither may trap; each input is a valid value or a clear error.
/// `CORDON_FUZZ_CASES=N` runs N inputs per target instead of the default.
final class DecoderFuzzTests: XCTestCase {
  private static var cases: Int {
    ProcessInfo.processInfo.environment["CORDON_FUZZ_CASES"].flatMap(Int.init) ?? 20_000
  }

  /// Valid lines of every shape the README lists, mutated below.
  private static let corpus = [
    #"{"type":"round","site":"ht-1","checked":40,"fevers":0}"#,
    #"{"type":"fever","site":"ht-1","person":"张三","reading":38.2}"#,
    #"{"type":"disinfection","site":"ht-1","area":"门厅","agent":"84"}"#,
    #"{"type":"ventilation","site":"ht-1"}"#,
    #"{"type":"openSite","site":"ht-1","staff":3}"#,
    #"{"type":"receive","unit":"heating","item":"n95","quantity":"12.5","kind":"donation"}"#,
    #"{"type":"issue","unit":"heating","item":"n95","quantity":2,"reason":"日常"}"#,
    #"{"type":"transfer","from":"hq","to":"heating","item":"n95","quantity":10}"#,
    #"{"type":"count","unit":"heating","item":"n95","counted":3,"reason":"lost"}"#,
    #"{"type":"request","unit":"heating","item":"n95","quantity":5,"reason":"缺","urgency":"urgent"}"#,
    #"{"type":"assignShift","unit":"heating","role":"officer","person":"p1","start":"2020-02-08 08:00","end":"2020-02-08 16:00"}"#,
    #"{"type":"health","person":"p1","date":"2020-02-08","category":"onDuty","morningCheck":36.6}"#,
    #"{"type":"ack","alert":"fever/ht-1/张三"}"#,
    #"{"type":"silence","alert":"fever/ht-1/张三","minutes":30,"reason":"x"}"#,
    #"{"type":"directive","text":"t","targets":["heating","hq"],"deadline":"2020-02-08 18:00"}"#,
    #"{"type":"handover","unit":"heating","text":"a\nb"}"#,
    #"{"type":"changeSettings","feverThreshold":37.3}"#,
    #"{"type":"batch","commands":[{"type":"ventilation","site":"ht-1"}]}"#,
  ]

  private static let values = [
    "-1", "0", "-0", "1e308", "-1e308", "1e-320", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "1.5", "NaN", "true", "false", "null", "[]", "{}", "[[[[[]]]]]",
    "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\u001b[2J\"", "\"\\u202e\"",
    "\"" + String(repeating: "长", count: 5000) + "\"",
    "\"9999999999999\"", "\"-5\"", "\"2020-02-30 25:61\"", "\"1e308\"", "{\"type\":\"batch\",\"commands\":[]}",
  ]

  private static func mutate(_ line: String, _ rng: inout SplitMix) -> String {
    var s = line
    for _ in 0...Int(rng.next() % 3) {
      let u = Array(s.utf8)
      switch rng.next() % 6 {
      case 0:
        // A value replaced after some colon.
        let colons: [Int] = u.indices.filter { u[$0] == UInt8(ascii: ":") }
        guard !colons.isEmpty else { continue }
        let at: Int = colons[Int(rng.next() % UInt64(colons.count))]
        let end: Int = u[(at + 1)...].firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") } ?? u.count
        let v = values[Int(rng.next() % UInt64(values.count))]
        s = String(decoding: u[...at], as: UTF8.self) + v + String(decoding: u[end...], as: UTF8.self)
      case 1:
        // Truncated anywhere.
        s = String(decoding: u.prefix(Int(rng.next() % UInt64(u.count + 1))), as: UTF8.self)
      case 2:
        // A byte changed (kept as valid UTF-8 text: post refuses invalid bytes before decoding).
        guard !u.isEmpty else { continue }
        var b = u
        b[Int(rng.next() % UInt64(b.count))] = UInt8(0x20 + rng.next() % 0x5F)
        s = String(decoding: b, as: UTF8.self)
      case 3:
        // A key added, possibly a duplicate.
        let keys = ["type", "site", "quantity", "unit", "id", "commands", "x", "reading", "since"]
        let k = keys[Int(rng.next() % UInt64(keys.count))]
        let v = values[Int(rng.next() % UInt64(values.count))]
        if s.hasPrefix("{") { s = "{\"\(k)\":\(v)," + s.dropFirst() }
      case 4:
        // Nested in a batch.
        s = "{\"type\":\"batch\",\"commands\":[\(s),\(s)]}"
      default:
        // A line of random printable and control characters.
        s = String(
          String.UnicodeScalarView(
            (0..<Int(rng.next() % 40)).compactMap { _ in Unicode.Scalar(UInt32(rng.next() % 0x3000)) }))
      }
    }
    return s
  }

  func testCommandJSONDecoderNeverTrapsAndAlwaysExplains() {
    var rng = SplitMix(seed: 0xF022_0001)
    let calendar = CordonState().calendar
    let strings = Strings(.en)
    var decoded = 0
    var refused: [String: Int] = [:]
    for i in 0..<Self.cases {
      let line = Self.mutate(Self.corpus[i % Self.corpus.count], &rng)
      do {
        let command = try CommandJSON.decode(line, calendar: calendar)
        decoded += 1
        // A decoded command encodes to a line that decodes to the same command.
        if let again = CommandJSON.encode(command, calendar: calendar) {
          XCTAssertEqual(try? CommandJSON.decode(again, calendar: calendar), command, line)
        }
      } catch {
        refused[error.code, default: 0] += 1
        XCTAssertTrue(strings.has("refusal.\(error.code)"), "no wording for \(error.code): \(line.debugDescription)")
        let text = strings.refusal(error)
        XCTAssertFalse(text.isEmpty, line)
        XCTAssertFalse(text.unicodeScalars.contains { UserText.isControl($0) && $0 != "\n" }, text.debugDescription)
      }
    }
    XCTAssertGreaterThan(decoded, Self.cases / 50, "the mutations still reach valid commands")
    XCTAssertGreaterThan(refused.count, 5, "\(refused)")
    print(
      "command decoder: \(Self.cases) inputs, \(decoded) valid, refusals by code: \(refused.sorted { $0.key < $1.key })"
    )
  }

  /// Valid frames cut at random points come out exactly; random bytes give
  /// frames or `TooLarge`, never a trap; every payload decodes to a client
  /// message or a decoding error naming what is wrong.
  func testFrameAndMessageDecodersNeverTrap() throws {
    var rng = SplitMix(seed: 0xF022_0002)
    let messages = [
      #"{"type":"hello","version":3}"#, #"{"type":"hello","version":3,"since":5}"#, #"{"type":"status"}"#,
      #"{"type":"command","id":3,"commandID":"c","lines":["{\"type\":\"ventilation\",\"site\":\"ht-1\"}"]}"#,
    ]
    var frames = 0
    var tooLarge = 0
    var malformed = 0
    for i in 0..<Self.cases / 4 {
      let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxLength: 4096)))
      var sent: [[UInt8]] = []
      var stream: [UInt8] = []
      if i % 2 == 0 {
        for _ in 0..<Int(1 + rng.next() % 4) {
          let text = Self.mutate(messages[Int(rng.next() % UInt64(messages.count))], &rng)
          let p = Array(text.utf8.prefix(4096))
          sent.append(p)
          let n = UInt32(p.count)
          stream += [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + p
        }
      } else {
        for _ in 0..<Int(rng.next() % 300) { stream.append(UInt8(truncatingIfNeeded: rng.next())) }
      }
      var received: [[UInt8]] = []
      var failed = false
      var at = 0
      while at < stream.count && !failed {
        let n = min(stream.count - at, Int(1 + rng.next() % 64))
        var buffer = channel.allocator.buffer(capacity: n)
        buffer.writeBytes(stream[at..<(at + n)])
        at += n
        do { try channel.writeInbound(buffer) } catch is FrameDecoder.TooLarge {
          tooLarge += 1
          failed = true
        } catch {
          XCTFail("unexpected \(error)")
          failed = true
        }
        while let frame = try channel.readInbound(as: ByteBuffer.self) {
          received.append(Array(frame.readableBytesView))
        }
      }
      _ = try? channel.finish()
      if i % 2 == 0 { XCTAssertEqual(received, sent, "seed case \(i)") }
      frames += received.count
      for payload in received {
        do { _ = try JSONDecoder().decode(ClientMessage.self, from: Data(payload)) } catch {
          malformed += 1
          XCTAssertFalse("\(error)".isEmpty)
        }
      }
    }
    XCTAssertGreaterThan(frames, 0)
    print(
      "frame decoder: \(Self.cases / 4) streams, \(frames) frames, \(tooLarge) too large, \(malformed) not messages")
  }

  /// Item 10: `since` and `id` out of range are named, with the range.
  func testOutOfRangeWireNumbersNameTheFieldAndRange() {
    for (json, field, shown) in [
      (#"{"type":"hello","version":3,"since":-1}"#, "since", "-1"),
      (#"{"type":"command","id":-1,"lines":[]}"#, "id", "-1"),
      (#"{"type":"command","id":1.5,"lines":[]}"#, "id", "1.5"),
      (#"{"type":"command","id":"7","lines":[]}"#, "id", "\"7\""),
      (#"{"type":"hello","version":3,"since":1e30}"#, "since", "1e+30"),
    ] {
      XCTAssertThrowsError(try JSONDecoder().decode(ClientMessage.self, from: Data(json.utf8))) { error in
        guard case DecodingError.dataCorrupted(let c) = error else { return XCTFail("\(json): \(error)") }
        XCTAssertEqual(
          c.debugDescription, "field \(field) is \(shown): it must be a whole number from 0 to 18446744073709551615",
          json)
      }
    }
    XCTAssertEqual(
      try JSONDecoder().decode(ClientMessage.self, from: Data(#"{"type":"hello","version":3,"since":null}"#.utf8)),
      .hello(version: 3, since: nil))
  }
}
