import CordonModel
import EventSourcing
import XCTest

/// Runs commands through the real `decide` and `apply`, as the store does,
/// without a store: the journal is an array.
struct Harness {
  var state = CordonState()
  var journal: [EventRecord<CordonEvent>] = []
  var now: Instant

  /// 2020-02-07 08:00 in UTC+8.
  static let morning = CordonState().calendar.parse("2020-02-07 08:00") ?? Instant(milliseconds: 0)

  init(now: Instant = Harness.morning, seedDemo: Bool = true) {
    self.now = now
    if seedDemo {
      let day = state.calendar.day(of: now)
      let events =
        DemoOrganisation.registration()
        + DemoOrganisation.shifts(fromDay: day - 1, toDay: day + 1, calendar: state.calendar, existing: [])
      _ = try? run(.register(events), actor: "demo")
      // The people on duty signed in at the shift change.
      for s in DemoOrganisation.signInsDue(in: state, at: now) { _ = try? run(.signIn(shift: s.id), actor: s.person) }
    }
  }

  @discardableResult
  mutating func run(_ c: CordonCommand, actor: String = "tester", unit: String? = nil) throws(Refusal) -> [CordonEvent]
  {
    let events = try CordonDomain.decide(c, context: CommandContext(actor: actor, unit: unit, now: now), state: state)
    append(events, actor: actor, unit: unit)
    return events
  }

  mutating func housekeeping() -> [CordonEvent] {
    let events = CordonDomain.housekeeping(state: state, now: now)
    append(events, actor: "system", unit: nil)
    return events
  }

  mutating func append(_ events: [CordonEvent], actor: String, unit: String?) {
    for e in events {
      let r = EventRecord(seq: state.lastSeq + 1, time: now, actor: actor, unit: unit, commandID: nil, event: e)
      journal.append(r)
      state.apply(r)
    }
  }

  mutating func advance(minutes: Int64) { now = now.adding(minutes: minutes) }

  func refusal(_ c: CordonCommand) -> Refusal? {
    do {
      _ = try CordonDomain.decide(c, context: CommandContext(actor: "t", unit: nil, now: now), state: state)
      return nil
    } catch { return error }
  }

  func alert(_ rule: RuleID, _ subject: String) -> Alert? { state.alerts[AlertKey(rule: rule, subject: subject)] }
}
