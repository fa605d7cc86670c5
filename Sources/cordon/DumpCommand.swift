import ArgumentParser
import CordonModel
import CordonStore
import EventSourcing
import Foundation

/// `cordon dump`: the journal as JSON lines, one record a line, for people
/// and tools (`jq`, a spreadsheet import, a diff between two stores).
struct Dump: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dump",
    abstract: "Print the journal's records as JSON lines, in seq order.",
    discussion: """
      Each line is one record: {"actor","commandID","event","seq","time","unit"} with keys sorted; `time` is \
      milliseconds since the Unix epoch and `event` is {"<case>":{fields}}, the same JSON the journal held \
      before its binary payload. Reads the files without taking the store's lock or changing anything, so it \
      runs beside `cordon serve`; archived segments are read too. Control and bidirectional-override \
      characters in text are written as \\u escapes.
      """)

  @Option(name: .long, help: "Data directory (default: $CORDON_DATA, else ~/.local/share/cordon).")
  var data: String?
  @Option(name: .long, help: "First seq to print (default 1).")
  var from: UInt64 = 1

  func validate() throws {
    guard from >= 1 else { throw ValidationError("--from must be at least 1, got \(from)") }
  }

  func run() throws {
    let dir = dataDirectory(data)
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("journal").path) else {
      throw Fatal(description: "no journal in \(dir.path)", code: 2)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var out = Data()
    let stdout = FileHandle.standardOutput
    do {
      try JournalFiles.forEach(CordonEvent.self, directory: dir, from: from) {
        (record: EventRecord<CordonEvent>) throws -> Bool in
        out.append(Data(Self.escapingControls(String(decoding: try encoder.encode(record), as: UTF8.self)).utf8))
        out.append(0x0A)
        if out.count >= 1 << 16 {
          stdout.write(out)
          out.removeAll(keepingCapacity: true)
        }
        return true
      }
    } catch let e as StoreError {
      stdout.write(out)
      throw Fatal(description: "\(dir.path): \(e)", code: 1)
    }
    stdout.write(out)
  }

  /// JSON with every control or bidi-override character written as a `\u`
  /// escape: the same text to a JSON reader, nothing live for a terminal.
  static func escapingControls(_ json: String) -> String {
    guard json.unicodeScalars.contains(where: UserText.isControl) else { return json }
    var s = ""
    for c in json.unicodeScalars {
      if UserText.isControl(c) {
        s +=
          "\\u" + String(repeating: "0", count: max(0, 4 - String(c.value, radix: 16).count))
          + String(c.value, radix: 16)
      } else {
        s.unicodeScalars.append(c)
      }
    }
    return s
  }
}
