import ArgumentParser
import CordonModel
import CordonSession
import CordonStore
import CordonWire
import Foundation

/// `cordon post`: JSON-lines commands on stdin, one result per line on stdout.
struct Post: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "post",
    abstract: "Run JSON-lines commands from stdin (gateways, scripts); one result per line.",
    discussion: """
      Each line is one object with a "type", e.g. {"type":"fever","site":"ht-1","person":"张三","reading":38.2}.
      Each is validated exactly like the console's forms. Output: {"line":N,"seq":S} (with "id" when the line created
      something: a log entry, a report, a shift, a request …) or {"line":N,"error":"…","code":"…"} (with "field"
      when one field is at fault).
      Exit status 1 if any line failed. See the README for every shape.
      """
  )

  @OptionGroup var location: StoreLocation
  @Option(name: .long, help: "Language of error messages: zh or en.") var lang: String = "en"
  @Option(
    name: .long,
    help:
      "Send through `cordon serve` at this socket (default: $CORDON_SOCKET, else /run/cordon/cordon.sock when it exists)."
  )
  var socket: String?

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    // Through the server whenever one is chosen, so the same authorisation
    // applies as in the console; --data alone keeps the embedded store.
    if socket != nil && location.isChosen {
      throw Fatal(description: "--socket cannot be combined with --data", code: 2)
    }
    if !location.isChosen, let path = SocketPath.choose(flag: socket, environment: env) {
      try runRemote(path)
      return
    }
    let store = try location.openStore()
    defer { store.close() }
    let strings = Strings(lang == "zh" ? .zh : .en)
    if case .readOnly(let reason) = store.status.mode { writeStderr(strings("post.readOnly", reason) + "\n") }
    let user = currentUser()
    var failed = 0
    var number = 0
    var input = InputLines()
    while let next = input.next() {
      number += 1
      let result: Result<PostRunner.Outcome, Refusal>
      switch next {
      case .failure(let refusal): result = .failure(refusal)
      case .success(let line):
        if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        result = PostRunner.run(line: line, store: store, actor: user, unit: nil)
      }
      switch result {
      case .success(let outcome): print(PostRunner.json(outcome.answer(line: number)))
      case .failure(let refusal):
        failed += 1
        print(PostRunner.json(PostRunner.error(line: number, refusal, strings)))
      }
    }
    if failed > 0 { throw ExitCode(1) }
  }

  /// One line at a time, each waiting for its result: results stay in input
  /// order and a later line sees the effect of an earlier one. A submit-only
  /// session: the server sends no state and no records, only each line's
  /// result with the id of what it created.
  private func runRemote(_ path: String) throws {
    let source = try SocketPath.connect(path, submitOnly: true)
    defer { source.close() }
    let strings = Strings(lang == "zh" ? .zh : .en)
    // Said once, before any line: the server's store refuses saves (a full disk).
    var toldReadOnly = false
    func tellReadOnly() {
      guard !toldReadOnly, let reason = source.info.readOnlyReason, source.info.role != .viewer else { return }
      toldReadOnly = true
      writeStderr(strings("post.readOnly", reason) + "\n")
    }
    tellReadOnly()
    var failed = 0
    var number = 0
    var input = InputLines()
    while let next = input.next() {
      number += 1
      let line: String
      switch next {
      case .failure(let refusal):
        failed += 1
        print(PostRunner.json(PostRunner.error(line: number, refusal, strings)))
        fflush(nil)
        continue
      case .success(let l): line = l
      }
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      switch source.submitAndWait(lines: [line]) {
      case .success(let done)?:
        print(PostRunner.json(PostRunner.Outcome(seq: done.seq, id: done.created).answer(line: number)))
      case .failure(let f)?:
        failed += 1
        if case .storeReadOnly = f { tellReadOnly() }
        print(PostRunner.json(PostRunner.error(line: number, f.refusal, strings)))
      case nil:
        failed += 1
        print(PostRunner.json(["line": number, "error": "no result", "code": "other"]))
      }
      // A gateway reading our stdout line by line sees each result as it happens.
      fflush(nil)
    }
    if failed > 0 { throw ExitCode(1) }
  }
}

/// Lines of stdin as bytes, so a line that is not UTF-8 is refused (naming
/// the byte) instead of silently becoming U+FFFD as `readLine` would make it.
struct InputLines {
  private var buffer: UnsafeMutablePointer<CChar>? = nil
  private var capacity = 0
  private let file = fdopen(STDIN_FILENO, "r")

  mutating func next() -> Result<String, Refusal>? {
    guard let file else { return nil }
    let n = getline(&buffer, &capacity, file)
    guard n >= 0, let buffer else { return nil }
    var bytes = UnsafeRawBufferPointer(start: buffer, count: n).bindMemory(to: UInt8.self)
    if bytes.last == 0x0A { bytes = UnsafeBufferPointer(rebasing: bytes.dropLast()) }
    if bytes.last == 0x0D { bytes = UnsafeBufferPointer(rebasing: bytes.dropLast()) }
    if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
    let offset = Self.firstInvalid(bytes)
    let byte = offset < bytes.count ? bytes[offset] : 0
    return .failure(Refusal("json.notUTF8", [String(offset + 1), String(byte, radix: 16, uppercase: true)]))
  }

  /// Where the first malformed UTF-8 sequence starts.
  static func firstInvalid(_ b: UnsafeBufferPointer<UInt8>) -> Int {
    var i = 0
    while i < b.count {
      let c = b[i]
      let (n, second): (Int, ClosedRange<UInt8>) =
        switch c {
        case 0..<0x80: (1, 0x80...0xBF)
        case 0xC2...0xDF: (2, 0x80...0xBF)
        case 0xE0: (3, 0xA0...0xBF)
        case 0xED: (3, 0x80...0x9F)
        case 0xE1...0xEF: (3, 0x80...0xBF)
        case 0xF0: (4, 0x90...0xBF)
        case 0xF4: (4, 0x80...0x8F)
        case 0xF1...0xF3: (4, 0x80...0xBF)
        default: (0, 0x80...0xBF)
        }
      guard n > 0, i + n <= b.count else { return i }
      if n > 1 {
        guard second.contains(b[i + 1]) else { return i }
        for k in 2..<max(2, n) where !(0x80...0xBF).contains(b[i + k]) { return i }
      }
      i += n
    }
    return i
  }
}

/// Decodes, submits and waits for one JSON line.
enum PostRunner {
  /// A line's result: the last seq it committed, and the id of what it created.
  struct Outcome {
    var seq: UInt64
    var id: String?
    func answer(line: Int) -> [String: Any] {
      var o: [String: Any] = ["line": line, "seq": Int(seq)]
      if let id { o["id"] = id }
      return o
    }
  }

  static func run(line: String, store: any DomainStore, actor: String, unit: String?) -> Result<
    Outcome, Refusal
  > {
    let command: CordonCommand
    do { command = try CommandJSON.decode(line, calendar: store.state.calendar) } catch { return .failure(error) }
    switch submitAndWait(command, to: store, actor: actor, unit: unit) {
    case .success(let records):
      return .success(
        Outcome(seq: records.last?.seq ?? store.lastSeq, id: CordonEvent.createdID(records.map(\.event))))
    case .failure(let f): return .failure(f.refusal)
    }
  }

  /// A refused line: the words, the stable code and, when one is at fault, the field.
  static func error(line: Int, _ refusal: Refusal, _ strings: Strings) -> [String: Any] {
    var o: [String: Any] = ["line": line, "error": strings.refusal(refusal), "code": refusal.code]
    if let field = refusal.field, !field.isEmpty { o["field"] = field }
    return o
  }

  static func json(_ object: [String: Any]) -> String {
    guard
      let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
      let s = String(data: data, encoding: .utf8)
    else { return "{}" }
    return s
  }
}
