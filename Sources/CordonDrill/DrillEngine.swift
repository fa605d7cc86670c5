import CordonModel
import EventSourcing

/// What a drill keeps for later (`result.json` in the drill's directory):
/// when each inject landed, each expected response's outcome, and who
/// responded. The after-action report is rendered from it alone.
public struct DrillLog: Codable, Sendable, Equatable {
  public var id: String
  public var scenario: String
  public var name: LocalizedName
  public var speed: Int
  /// On the drill's clock.
  public var startedAt: Instant
  public var endedAt: Instant?
  /// Stopped before every expectation was decided (Ctrl-C).
  public var stopped = false
  public var landed: [Landed] = []
  public var results: [Result] = []
  /// The real store's content hash before the drill and after it.
  public var stateHashBefore: String?
  public var stateHashAfter: String?
  public var utcOffsetMinutes = 480

  public struct Landed: Codable, Sendable, Equatable {
    public var inject: String
    public var text: String
    public var offset: Int
    public var at: Instant
    /// What the inject created (a request's, directive's, report's or shift's id).
    public var created: String?
    /// Why the drill's copy refused it, in words.
    public var refusal: String?
  }

  public enum Outcome: String, Codable, Sendable {
    case pending, met, missed
    /// The inject it answers was refused, or the drill stopped first.
    case notScored
  }

  public struct Result: Codable, Sendable, Equatable {
    public var expectation: String
    public var text: String
    public var response: DrillScenario.ResponseKind
    public var after: String
    public var within: Int
    public var deadline: Instant?
    public var outcome: Outcome
    /// When the response came (also when it came too late).
    public var at: Instant?
    public var by: [String]
    /// Seconds from the inject to the response.
    public var taken: Int?
  }

  public init(id: String, scenario: String, name: LocalizedName, speed: Int, startedAt: Instant) {
    self.id = id
    self.scenario = scenario
    self.name = name
    self.speed = speed
    self.startedAt = startedAt
  }
}

/// The drill as a pure machine: which injects are due at a time, what the
/// journal's records answer, which expectations are decided. The runner
/// (`cordon drill run`) gives it the clock and the records; tests give it an
/// injected clock.
public struct DrillEngine: Sendable {
  public let scenario: DrillScenario
  public private(set) var log: DrillLog
  /// commandID prefix of the records an inject wrote: never a response.
  public static let injectCommandPrefix = "drill-inject:"
  /// Per expectation, the directive units acknowledged so far.
  private var acknowledged: [Int: Set<String>] = [:]
  private var targets: [String: [String]] = [:]
  private var responders: [Int: [String]] = [:]

  public init(scenario: DrillScenario, id: String, speed: Int, start: Instant, utcOffsetMinutes: Int = 480) {
    self.scenario = scenario
    log = DrillLog(id: id, scenario: scenario.file, name: scenario.name, speed: speed, startedAt: start)
    log.utcOffsetMinutes = utcOffsetMinutes
    log.results = scenario.expectations.map {
      DrillLog.Result(
        expectation: $0.id, text: $0.text, response: $0.response, after: $0.after, within: $0.within, deadline: nil,
        outcome: .pending, at: nil, by: [], taken: nil)
    }
  }

  public func time(of inject: DrillScenario.Inject) -> Instant { log.startedAt.adding(seconds: Int64(inject.offset)) }

  /// Injects due at `now` that have not landed, in order.
  public func due(at now: Instant) -> [DrillScenario.Inject] {
    let done = Set(log.landed.map(\.inject))
    return scenario.injects.filter { !done.contains($0.id) && time(of: $0) <= now }
  }

  /// The ids earlier injects created, for `@id` references.
  public var created: [String: String] {
    var out: [String: String] = [:]
    for l in log.landed { if let c = l.created { out[l.inject] = c } }
    return out
  }

  /// The inject's command line, its placeholders filled at `now`.
  public func line(for inject: DrillScenario.Inject, at now: Instant, calendar: LocalCalendar) -> String {
    inject.command.render(at: now, calendar: calendar, created: created)
  }

  /// The inject landed at `at`: its records (for what it created), or the refusal's words.
  public mutating func landed(
    _ inject: DrillScenario.Inject, at: Instant, events: [CordonEvent], refusal: String?
  ) {
    let created = CordonEvent.createdID(events)
    for e in events { if case .directiveIssued(let d) = e { targets[inject.id] = d.targets } }
    log.landed.append(
      DrillLog.Landed(
        inject: inject.id, text: inject.text, offset: inject.offset, at: at, created: created, refusal: refusal))
    for (i, x) in scenario.expectations.enumerated() where x.after == inject.id {
      if refusal != nil {
        log.results[i].outcome = .notScored
      } else {
        log.results[i].deadline = at.adding(seconds: Int64(x.within))
      }
    }
  }

  /// Records the duty room wrote: the first that answers an open
  /// expectation decides it (met when at or before its deadline).
  public mutating func observe(_ records: [EventRecord<CordonEvent>]) {
    for r in records where !(r.commandID ?? "").hasPrefix(Self.injectCommandPrefix) {
      for (i, x) in scenario.expectations.enumerated() where log.results[i].at == nil {
        guard let deadline = log.results[i].deadline, log.results[i].outcome != .notScored,
          let land = log.landed.first(where: { $0.inject == x.after }), r.time >= land.at
        else { continue }
        guard answers(x, i, r, land) else { continue }
        log.results[i].at = r.time
        log.results[i].by = x.response == .directiveAcknowledged ? responders[i] ?? [r.actor] : [r.actor]
        log.results[i].taken = Int(r.time.milliseconds(since: land.at) / 1000)
        log.results[i].outcome = r.time <= deadline ? .met : .missed
      }
    }
  }

  private mutating func answers(
    _ x: DrillScenario.Expectation, _ i: Int, _ r: EventRecord<CordonEvent>, _ land: DrillLog.Landed
  ) -> Bool {
    let prefix = x.alert ?? ""
    switch (x.response, r.event) {
    case (.alertAcknowledged, .alertAcknowledged(let k)), (.alertAcknowledged, .alertResolved(let k, _)),
      (.alertResolved, .alertResolved(let k, _)):
      return k.description.hasPrefix(prefix)
    case (.requestDecided, .requestApproved(let id, _, _)), (.requestDecided, .requestRejected(let id, _)),
      (.requestDecided, .requestForwarded(let id, _, _)), (.reportAcknowledged, .reportAcknowledged(let id)),
      (.reportAcknowledged, .reportReplied(let id, _)):
      return id == land.created
    case (.directiveAcknowledged, .directiveAcknowledged(let id, let unit)):
      // Every target: met when the last one acknowledges; each who did is named.
      guard id == land.created else { return false }
      acknowledged[i, default: []].insert(unit)
      if !(responders[i] ?? []).contains(r.actor) { responders[i, default: []].append(r.actor) }
      return Set(targets[x.after] ?? []).isSubset(of: acknowledged[i] ?? [])
    case (.logEntry, .logEntered(let e)): return x.unit == nil || e.unit == x.unit
    case (.shiftAssigned, .shiftAssigned(let s)): return x.unit == nil || s.unit == x.unit
    case (.stockReceived, .stockMoved(let m)):
      return m.delta > .zero && (x.unit == nil || m.unit == x.unit) && m.item == x.item
    case (.stockReceived, .stockTransferred(let t)):
      return (x.unit == nil || t.to == x.unit) && t.item == x.item
    default: return false
    }
  }

  /// Expectations whose deadline has passed by `now` without a response are
  /// missed. A response exactly at the deadline is in time, so a deadline is
  /// decided only once `now` is after it.
  public mutating func score(at now: Instant) {
    for i in log.results.indices where log.results[i].outcome == .pending {
      if let d = log.results[i].deadline, now > d { log.results[i].outcome = .missed }
    }
  }

  /// When the runner must look next: the next inject or the next open deadline (just after it).
  public var nextWake: Instant? {
    let injects = scenario.injects.filter { i in !log.landed.contains { $0.inject == i.id } }.map { time(of: $0) }
    let deadlines = log.results.filter { $0.outcome == .pending }.compactMap(\.deadline)
      .map { Instant(milliseconds: $0.milliseconds &+ 1) }
    return (injects + deadlines).min()
  }

  /// Every inject landed and every expectation decided.
  public var isFinished: Bool {
    log.landed.count == scenario.injects.count && !log.results.contains { $0.outcome == .pending }
  }

  /// The drill ends at `now`: what is still open was not scored (a stop before its deadline).
  public mutating func finish(at now: Instant, stopped: Bool) {
    for i in log.results.indices where log.results[i].outcome == .pending { log.results[i].outcome = .notScored }
    log.stopped = stopped
    log.endedAt = now
  }
}

extension DrillEngine {
  /// Runs every inject at its offset against a scratch copy of `state`
  /// through `CordonDomain.decide`, the one validator: an inject the live
  /// organisation would refuse (a site it does not have, a unit retired) is
  /// named at its line before anything is run.
  public static func rehearse(
    _ scenario: DrillScenario, on state: CordonState, start: Instant, strings t: Strings
  ) -> [DrillIssue] {
    var engine = DrillEngine(scenario: scenario, id: "rehearsal", speed: 1, start: start)
    var scratch = state
    var issues: [DrillIssue] = []
    for inject in scenario.injects {
      let now = engine.time(of: inject)
      let line = engine.line(for: inject, at: now, calendar: scratch.calendar)
      do {
        let command = try CommandJSON.decode(line, calendar: scratch.calendar)
        let context = CommandContext(actor: inject.actor, unit: inject.unit, now: now)
        let events = try CordonDomain.decide(command, context: context, state: scratch)
        for e in events {
          scratch.apply(
            EventRecord(
              seq: scratch.lastSeq + 1, time: now, actor: inject.actor, unit: inject.unit, commandID: nil, event: e))
        }
        engine.landed(inject, at: now, events: events, refusal: nil)
      } catch {
        let key = "inject[\(inject.index + 1)].command" + (error.field.map { ".\($0)" } ?? "")
        issues.append(DrillIssue(file: scenario.file, line: inject.line, key: key, message: t.refusal(error)))
        engine.landed(inject, at: now, events: [], refusal: t.refusal(error))
      }
    }
    return issues
  }
}
