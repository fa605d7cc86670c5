/// Where keys are written in a TOML file: `[[section]]` headers by
/// occurrence, and the first line of each `key =` in each entry. TOMLKit
/// gives values, not positions; the organisation file and drill scenarios
/// name the line of a mistake from this.
public struct TOMLKeyLines: Sendable {
  public internal(set) var topLevel: [String: Int] = [:]
  public internal(set) var headers: [String: [Int]] = [:]
  public internal(set) var keys: [String: [[String: Int]]] = [:]
  public internal(set) var tableLine: [String: Int] = [:]
  public internal(set) var tableKeys: [String: [String: Int]] = [:]

  /// One pass over the bytes (a group of 100,000 people is an 11 MiB file):
  /// no per-line strings, only the names of sections and keys.
  public init(_ text: String) {
    var section: String?
    var isArray = false
    var bytes = Array(text.utf8)
    bytes.append(UInt8(ascii: "\n"))
    let space = UInt8(ascii: " ")
    let tab = UInt8(ascii: "\t")
    let cr = UInt8(ascii: "\r")
    let open = UInt8(ascii: "[")
    let close = UInt8(ascii: "]")
    let equals = UInt8(ascii: "=")
    /// The bytes in start..<end without spaces and tabs, then quotes, at either end.
    func name(_ start: Int, _ end: Int) -> String {
      var s = start
      var e = end
      while s < e && (bytes[s] == space || bytes[s] == tab) { s += 1 }
      while e > s && (bytes[e - 1] == space || bytes[e - 1] == tab) { e -= 1 }
      while s < e && (bytes[s] == 0x22 || bytes[s] == 0x27) { s += 1 }
      while e > s && (bytes[e - 1] == 0x22 || bytes[e - 1] == 0x27) { e -= 1 }
      return String(decoding: bytes[s..<e], as: UTF8.self)
    }
    var line = 0
    var start = 0
    while start < bytes.count {
      var end = start
      while bytes[end] != UInt8(ascii: "\n") { end += 1 }
      line += 1
      defer { start = end + 1 }
      var s = start
      while s < end && (bytes[s] == space || bytes[s] == tab) { s += 1 }
      var e = end
      while e > s && (bytes[e - 1] == space || bytes[e - 1] == tab || bytes[e - 1] == cr) { e -= 1 }
      guard s < e, bytes[s] != UInt8(ascii: "#") else { continue }
      if bytes[s] == open {
        let array = s + 1 < e && bytes[s + 1] == open
        let from = s + (array ? 2 : 1)
        var to = from
        while to < e && bytes[to] != close { to += 1 }
        let n = name(from, to)
        section = n
        isArray = array
        if array {
          headers[n, default: []].append(line)
          keys[n, default: []].append([:])
        } else {
          tableLine[n] = line
        }
        if topLevel[n] == nil { topLevel[n] = line }
        continue
      }
      var eq = s
      while eq < e && bytes[eq] != equals { eq += 1 }
      guard eq < e else { continue }
      let key = name(s, eq)
      if let section {
        if isArray {
          if let last = keys[section]?.indices.last, keys[section]?[last][key] == nil {
            keys[section]?[last][key] = line
          }
        } else if tableKeys[section]?[key] == nil {
          tableKeys[section, default: [:]][key] = line
        }
      } else if topLevel[key] == nil {
        topLevel[key] = line
      }
    }
  }

  /// The line of `[[section]]` number `i` (0-based).
  public func header(_ section: String, _ i: Int) -> Int? {
    headers[section].flatMap { $0.indices.contains(i) ? $0[i] : nil } ?? topLevel[section]
  }
  /// The line of `key =` in `[[section]]` number `i`, if that entry wrote it.
  public func key(_ section: String, _ i: Int, _ key: String) -> Int? {
    keys[section].flatMap { $0.indices.contains(i) ? $0[i][key] : nil }
  }
}

/// One mistake in a file a user wrote (an organisation file, a drill
/// scenario): `FILE:LINE: KEY: reason`.
public struct FileIssue: Error, Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var key: String?
  public var message: String
  public init(file: String, line: Int?, key: String?, message: String) {
    self.file = file
    self.line = line
    self.key = key
    self.message = message
  }
  public var description: String {
    var s = file
    if let line { s += ":\(line)" }
    s += ": "
    if let key { s += "\(key): " }
    return s + message
  }
}
