import EventSourcing
import Foundation

/// A drill (应急演练) as the journal records it. The same event marks two
/// different stores: the drill's own copy of the live state (`exercise`
/// true: every console on it shows the 演练 banner, every notification it
/// queues carries the 演练 prefix), and the real store (`exercise` false: its
/// consoles show that a drill is under way; its domain is otherwise left
/// exactly as it was, see `CordonState.contentHash`).
public struct DrillMarker: Codable, Sendable, Equatable {
  /// "drill-20261201-2350": also the name of the drill's directory.
  public var id: String
  /// The scenario's name.
  public var name: LocalizedName
  /// The scenario file's name (not its path).
  public var scenario: String
  /// How many times faster than real time the drill's clock runs.
  public var speed: Int
  public var exercise: Bool
  /// Filled in from the command's time, never from what a client says.
  public var startedAt: Instant
  /// Set on the exercise copy when the drill ends (the copy stays an exercise).
  public var endedAt: Instant?

  public init(
    id: String, name: LocalizedName, scenario: String, speed: Int, exercise: Bool,
    startedAt: Instant = Instant(milliseconds: 0), endedAt: Instant? = nil
  ) {
    self.id = id
    self.name = name
    self.scenario = scenario
    self.speed = speed
    self.exercise = exercise
    self.startedAt = startedAt
    self.endedAt = endedAt
  }
}

extension CordonCommand {
  /// The drill's markers: the command role only, decided where commands execute.
  public var isDrillMarker: Bool {
    switch self {
    case .startDrill, .endDrill: true
    case .batch(let commands): commands.contains { $0.isDrillMarker }
    default: false
    }
  }
}

extension CommandValidator {
  func drill(_ command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .startDrill(var m):
      guard !m.id.isEmpty else { throw Refusal("field.empty", [CommandField.id.rawValue], field: .id) }
      _ = try Limits.check(m.id, max: Limits.identifier, field: .id)
      _ = try Limits.check(m.name.zh, max: Limits.name, field: .name)
      _ = try Limits.check(m.name.en, max: Limits.name, field: .nameEn)
      _ = try Limits.check(m.scenario, max: Limits.name, field: .scenario)
      _ = try Limits.check(m.speed, in: Limits.drillSpeed, field: CommandField.speed.rawValue)
      if let running = m.exercise ? state.exercise : state.drillUnderWay, running.endedAt == nil {
        throw Refusal("drill.underWay", [running.id], field: .id)
      }
      m.startedAt = context.now
      m.endedAt = nil
      return [.drillStarted(m)]
    case .endDrill(let id):
      guard state.drillUnderWay?.id == id || (state.exercise?.id == id && state.exercise?.endedAt == nil) else {
        throw Refusal("drill.notUnderWay", [id], field: .id)
      }
      return [.drillEnded(id: id)]
    default:
      return []
    }
  }
}

extension CordonState {
  mutating func applyDrill(_ event: CordonEvent, at now: Instant) {
    switch event {
    case .drillStarted(let m):
      if m.exercise { exercise = m } else { drillUnderWay = m }
    case .drillEnded(let id):
      if drillUnderWay?.id == id { drillUnderWay = nil }
      if exercise?.id == id, exercise?.endedAt == nil { exercise?.endedAt = now }
    default: break
    }
  }

  /// Whether this store is a drill's copy: every screen shows the 演练 banner.
  public var isExercise: Bool { exercise != nil }

  /// A hash of the domain: what the state holds, not where the journal is
  /// (`lastSeq`, `latest`) nor the real store's drill-under-way marker. Equal
  /// before and after a drill: the drill ran on a copy and the real store
  /// only journalled its start and end. Dictionaries are hashed in key
  /// order, so equal states hash equal whatever their insertion history.
  public var contentHash: String {
    var s = self
    s.lastSeq = 0
    s.latest = Instant(milliseconds: 0)
    s.drillUnderWay = nil
    let stock = s.stock.sorted { "\($0.key.unit)/\($0.key.item)" < "\($1.key.unit)/\($1.key.item)" }
    let alerts = s.alerts.sorted { $0.key < $1.key }
    s.stock = [:]
    s.alerts = [:]
    var h = FNV1a()
    h.add(DrillJSON.canonical(s))
    for (k, v) in stock {
      h.add(DrillJSON.canonical(k))
      h.add(DrillJSON.canonical(v))
    }
    for (k, v) in alerts {
      h.add(DrillJSON.canonical(k))
      h.add(DrillJSON.canonical(v))
    }
    return h.hex
  }
}

/// 64-bit FNV-1a: a fingerprint to compare two states by, not a security hash.
struct FNV1a {
  var value: UInt64 = 0xcbf2_9ce4_8422_2325
  mutating func add(_ bytes: [UInt8]) {
    for b in bytes {
      value ^= UInt64(b)
      value = value &* 0x0000_0100_0000_01b3
    }
    // A separator, so ("ab","c") and ("a","bc") differ.
    value ^= 0xff
    value = value &* 0x0000_0100_0000_01b3
  }
  var hex: String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }
}

enum DrillJSON {
  /// Sorted keys: the same value always gives the same bytes.
  static func canonical<T: Encodable>(_ value: T) -> [UInt8] {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return (try? Array(e.encode(value))) ?? []
  }
}

extension Notifier {
  /// Every notification a drill's copy sends says so first: 【演练】 / [EXERCISE].
  static func exercise(_ text: LocalizedName, _ state: CordonState) -> LocalizedName {
    guard state.isExercise else { return text }
    return LocalizedName(
      zh: Strings(.zh)("drill.notifyPrefix") + text.zh, en: Strings(.en)("drill.notifyPrefix") + text.en)
  }
}
