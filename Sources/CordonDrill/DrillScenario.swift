import CordonModel
import EventSourcing
import TOMLKit

/// A drill's script (`drills/*.toml`): injects at offsets from the start,
/// each written as a `cordon post` command, and the responses expected of
/// the duty room, each with a deadline counted from the inject it answers.
///
///     [drill]
///     name = "夜间热站发热"
///     nameEn = "Fever at a heat station at night"
///
///     [[inject]]
///     id = "fever"
///     at = "0m"
///     text = "热站哨点报告一名发热人员"
///     command = { type = "fever", site = "jy-ht1", person = "演练人员甲", reading = 38.6 }
///
///     [[expect]]
///     id = "fever-ack"
///     after = "fever"
///     within = "5m"
///     response = "alertAcknowledged"
///     alert = "fever/jy-ht1"
///
/// Reading only parses and checks the shape; every command goes through
/// `CommandJSON.decode` here and through `CordonDomain.decide` (the one
/// validator) when the drill rehearses or runs it.
public struct DrillScenario: Sendable, Equatable {
  public var file: String
  public var name: LocalizedName
  public var description: String
  /// In offset order (the file's order among equal offsets).
  public var injects: [Inject]
  public var expectations: [Expectation]

  public struct Inject: Sendable, Equatable {
    public var id: String
    /// Seconds after the drill's start.
    public var offset: Int
    public var text: String
    /// Recorded as the command's actor; default "drill".
    public var actor: String
    /// On whose behalf (an operator's unit), when the command is a unit's.
    public var unit: String?
    public var command: CommandTemplate
    /// The line of the inject's `command` key, to name a refusal.
    public var line: Int?
    public var index: Int
  }

  public struct Expectation: Sendable, Equatable {
    public var id: String
    /// The inject this answers; the deadline counts from when it landed.
    public var after: String
    /// Seconds.
    public var within: Int
    public var response: ResponseKind
    public var text: String
    /// `alertAcknowledged` / `alertResolved`: the alert's key starts with this ("fever/jy-ht1").
    public var alert: String?
    /// `logEntry`, `shiftAssigned`, `stockReceived`: at this unit.
    public var unit: String?
    /// `stockReceived`: of this item.
    public var item: String?
    public var line: Int?
  }

  /// What counts as the response.
  public enum ResponseKind: String, Sendable, CaseIterable, Codable {
    /// An alert whose key starts with `alert`, raised since the inject, acknowledged (or resolved).
    case alertAcknowledged
    /// The same alert resolved.
    case alertResolved
    /// The request the inject submitted approved, rejected or forwarded.
    case requestDecided
    /// The directive the inject issued acknowledged by every target.
    case directiveAcknowledged
    /// The report up the inject sent acknowledged or replied to.
    case reportAcknowledged
    /// A duty-log entry (at `unit`, if given) written since the inject.
    case logEntry
    /// A shift assigned (at `unit`, if given) since the inject: a no-show covered.
    case shiftAssigned
    /// Stock of `item` received or transferred in at `unit` since the inject.
    case stockReceived
  }

  public static let sections: [String: Set<String>] = [
    "drill": ["name", "nameEn", "description"],
    "inject": ["id", "at", "text", "actor", "unit", "command"],
    "expect": ["id", "after", "within", "response", "text", "alert", "unit", "item"],
  ]
  /// Bounds: a scenario is a script for a few hours, not a second journal.
  public static let maxInjects = 200
  public static let maxExpectations = 200
  public static let maxOffsetSeconds = 24 * 3600
  /// A scenario file's size: a script, read whole before anything runs.
  public static let maxBytes = 1 << 20
}

/// A command with its placeholders: a string `"+30m"` in a time field
/// (`start`, `end`, `deadline`, `followUpDue`) is the drill's clock at the
/// inject plus that long; `"@fever"` in an id field is the id the inject
/// `fever` created (its request, directive, report, shift …).
public struct CommandTemplate: Sendable, Equatable {
  public indirect enum Value: Sendable, Equatable {
    case string(String), number(String), bool(Bool), array([Value]), table([(String, Value)])
    public static func == (a: Value, b: Value) -> Bool {
      switch (a, b) {
      case (.string(let x), .string(let y)), (.number(let x), .number(let y)): x == y
      case (.bool(let x), .bool(let y)): x == y
      case (.array(let x), .array(let y)): x == y
      case (.table(let x), .table(let y)): x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
      default: false
      }
    }
  }
  public var fields: [(String, Value)]
  public static func == (a: CommandTemplate, b: CommandTemplate) -> Bool {
    Value.table(a.fields) == Value.table(b.fields)
  }

  public static let timeFields: Set<String> = [
    CommandField.start.rawValue, CommandField.end.rawValue, CommandField.deadline.rawValue,
    CommandField.followUpDue.rawValue,
  ]
  public static let referenceFields: Set<String> = [
    CommandField.id.rawValue, CommandField.shift.rawValue, CommandField.entry.rawValue, CommandField.ref.rawValue,
    CommandField.handover.rawValue, CommandField.a.rawValue, CommandField.b.rawValue,
  ]

  public var type: String? {
    if case .string(let t)? = fields.first(where: { $0.0 == CommandField.type.rawValue })?.1 { return t }
    return nil
  }

  /// The inject ids `@…` names, in order.
  public var references: [String] {
    fields.compactMap { k, v in
      guard Self.referenceFields.contains(k), case .string(let s) = v, s.hasPrefix("@") else { return nil }
      return String(s.dropFirst())
    }
  }

  /// The JSON line, with the placeholders filled in.
  public func render(at now: Instant, calendar: LocalCalendar, created: [String: String]) -> String {
    func value(_ k: String?, _ v: Value) -> String {
      switch v {
      case .string(let s):
        if let k, Self.timeFields.contains(k), s.hasPrefix("+"), let d = DrillDuration.seconds(String(s.dropFirst())) {
          return CommandJSON.quoted(calendar.format(now.adding(seconds: Int64(d))))
        }
        if let k, Self.referenceFields.contains(k), s.hasPrefix("@") {
          return CommandJSON.quoted(created[String(s.dropFirst())] ?? s)
        }
        return CommandJSON.quoted(s)
      case .number(let n): return n
      case .bool(let b): return b ? "true" : "false"
      case .array(let a): return "[" + a.map { value(nil, $0) }.joined(separator: ",") + "]"
      case .table(let t):
        return "{" + t.map { CommandJSON.quoted($0.0) + ":" + value($0.0, $0.1) }.joined(separator: ",") + "}"
      }
    }
    return value(nil, .table(fields))
  }
}

/// "90s", "5m", "1h30m", "0": whole seconds.
public enum DrillDuration {
  public static func seconds(_ text: String) -> Int? {
    if text == "0" { return 0 }
    var total = 0
    var number = ""
    var any = false
    for c in text {
      if let _ = c.wholeNumberValue, c.isASCII {
        number.append(c)
        guard number.count <= 6 else { return nil }
        continue
      }
      guard let n = Int(number) else { return nil }
      switch c {
      case "h": total += n * 3600
      case "m": total += n * 60
      case "s": total += n
      default: return nil
      }
      number = ""
      any = true
    }
    guard number.isEmpty, any else { return nil }
    return total
  }

  /// "1h30m", "5m", "90s" → "1h30m", "5m", "1m30s": how the report writes a span.
  public static func words(_ seconds: Int) -> String {
    if seconds == 0 { return "0s" }
    let h = seconds / 3600
    let m = seconds % 3600 / 60
    let s = seconds % 60
    return (h > 0 ? "\(h)h" : "") + (m > 0 ? "\(m)m" : "") + (s > 0 ? "\(s)s" : "")
  }
}
