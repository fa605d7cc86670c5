import Foundation

/// The contract between the durable store and a domain.
///
/// The store knows nothing about duty rosters or masks: it journals `Event`s,
/// folds them into `State` with `apply`, and asks `decide` whether a command is
/// allowed. Keeping the store generic lets its crash and fault tests run on a
/// tiny model while the console runs on the real one.
public protocol EventSourcedModel: Sendable {
  associatedtype Event: Codable & Sendable & Equatable
  associatedtype Command: Sendable
  associatedtype State: Codable & Sendable & Equatable

  /// The state of an empty store.
  static func initialState() -> State

  /// Folds one durable event into the state. Must be deterministic: the same
  /// records in the same order always give the same state.
  static func apply(_ record: EventRecord<Event>, to state: inout State)

  /// The one place commands are validated. Returns the events the command
  /// produces, or throws a `Refusal` that names the reason. Pure: no I/O.
  static func decide(_ command: Command, context: CommandContext, state: State) throws(Refusal) -> [Event]

  /// `decide`, with the events it returns applied to `state`, each as the
  /// record `record(i, event)` makes of it: what the store does with a
  /// decision, in one step, so a model can look at the state after the
  /// command without copying it. On a refusal `state` is unchanged. The
  /// default decides, then applies.
  static func decide(
    _ command: Command, context: CommandContext, applyingTo state: inout State,
    record: (Int, Event) -> EventRecord<Event>
  ) throws(Refusal) -> [Event]

  /// Events the clock alone makes due (an overdue round, an alert to escalate).
  /// Called by the store's watchdog; returning [] is the common case.
  static func housekeeping(state: State, now: Instant) -> [Event]

  /// `housekeeping` as the store runs it on the state it decides on: the
  /// same events, and the model may keep in `state` what it derives to find
  /// them (never what is encoded or compared). The default calls `housekeeping`.
  static func housekeeping(updating state: inout State, now: Instant) -> [Event]
}

extension EventSourcedModel {
  public static func housekeeping(updating state: inout State, now: Instant) -> [Event] {
    housekeeping(state: state, now: now)
  }

  public static func decide(
    _ command: Command, context: CommandContext, applyingTo state: inout State,
    record: (Int, Event) -> EventRecord<Event>
  ) throws(Refusal) -> [Event] {
    let events = try decide(command, context: context, state: state)
    for (i, e) in events.enumerated() { apply(record(i, e), to: &state) }
    return events
  }
}

/// Milliseconds since the Unix epoch. An integer, so replay is exact.
public struct Instant: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  public var milliseconds: Int64
  public init(milliseconds: Int64) { self.milliseconds = milliseconds }
  public init(seconds: Int64) { self.milliseconds = seconds * 1000 }
  public static func now() -> Instant {
    Instant(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
  }
  public static func < (a: Instant, b: Instant) -> Bool { a.milliseconds < b.milliseconds }
  /// Held at the bounds of Int64 instead of trapping: intervals read from
  /// state are bounded when entered, not necessarily in an old journal.
  public func adding(minutes: Int64) -> Instant { adding(milliseconds: minutes, times: 60_000) }
  public func adding(seconds: Int64) -> Instant { adding(milliseconds: seconds, times: 1000) }
  /// Milliseconds from `other` to `self`, held at the bounds of Int64.
  public func milliseconds(since other: Instant) -> Int64 {
    let (d, overflow) = milliseconds.subtractingReportingOverflow(other.milliseconds)
    return overflow ? (other.milliseconds > 0 ? .min : .max) : d
  }
  private func adding(milliseconds n: Int64, times unit: Int64) -> Instant {
    let (step, o1) = n.multipliedReportingOverflow(by: unit)
    let (sum, o2) = milliseconds.addingReportingOverflow(step)
    if o1 || o2 { return Instant(milliseconds: n < 0 ? .min : .max) }
    return Instant(milliseconds: sum)
  }
  public var description: String { "\(milliseconds)ms" }
  public init(from decoder: Decoder) throws {
    milliseconds = try decoder.singleValueContainer().decode(Int64.self)
  }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(milliseconds)
  }
}

/// Who is asking, and on whose behalf. Filled in by whoever executes the
/// command (the embedded store, or the server from peer credentials), never by
/// what a client claims.
public struct CommandContext: Sendable, Equatable {
  public var actor: String
  public var unit: String?
  public var now: Instant
  public init(actor: String, unit: String?, now: Instant) {
    self.actor = actor
    self.unit = unit
    self.now = now
  }
}

/// One journalled event with its envelope.
public struct EventRecord<Event: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
  /// Gap-free, strictly increasing, starting at 1.
  public var seq: UInt64
  public var time: Instant
  public var actor: String
  public var unit: String?
  /// Set on every event a command produced, so a retried command is applied once.
  public var commandID: String?
  public var event: Event

  public init(seq: UInt64, time: Instant, actor: String, unit: String?, commandID: String?, event: Event) {
    self.seq = seq
    self.time = time
    self.actor = actor
    self.unit = unit
    self.commandID = commandID
    self.event = event
  }
}

/// A command was not allowed. Carries a stable code and its arguments, not
/// prose: the console and the server's clients turn it into words from their
/// string tables, in the user's language. `field` names the form field at fault.
public struct Refusal: Error, Sendable, Equatable, Codable, CustomStringConvertible {
  public var code: String
  public var args: [String]
  public var field: String?
  /// Which entry of a batch was refused (an import's row), when it was a batch.
  public var batchIndex: Int?
  public init(_ code: String, _ args: [String] = [], field: String? = nil, batchIndex: Int? = nil) {
    self.code = code
    self.args = args
    self.field = field
    self.batchIndex = batchIndex
  }
  public var description: String { args.isEmpty ? code : "\(code)(\(args.joined(separator: ", ")))" }
}
