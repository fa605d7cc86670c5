import EventSourcing

/// The due-time queue of the clock-driven rules (issue 19): which subjects
/// of the `.queued` rules, and which alerts' escalations, the clock makes
/// due and when, so a clock pass evaluates those instead of every rule over
/// the whole state.
///
/// Derived, like the rest of the rule index: never encoded nor compared. It
/// starts unarmed (a new, decoded or replayed state): `apply` then keeps
/// nothing, so replay pays nothing for it, and the next clock pass
/// evaluates everything, as the oracle does, and arms it. Armed, every
/// event re-arms what it touches.
///
/// The invariant a pass relies on: a subject last evaluated at `e` (by a
/// command touching it, or by a pass) is pending at or before the rule's
/// `nextChange(after: e)`. A pending instant at or before an event's time
/// is kept (the event's command may have left that subject to housekeeping),
/// one after it is replaced by the subject's next change.
public struct DueQueue: Sendable {
  enum Target: Hashable, Sendable {
    /// A subject of the rule at this place in `Rules.all`.
    case rule(Int, String)
    case escalation(AlertKey)
  }

  public internal(set) var isArmed = false
  /// The moment and local day of the last clock pass.
  var passedAt = Instant(milliseconds: Int64.min)
  var day = 0
  /// `.queued` rules (by place) an event touched whole: the next pass evaluates them whole and re-arms them.
  var wholeRules: Set<Int> = []
  /// Each target's due instant: the truth. The heap may hold older
  /// instants of a target (skipped when popped) and is rebuilt when they
  /// outnumber the live ones.
  private var pending: [Target: Instant] = [:]
  private var heap: [(due: Instant, target: Target)] = []

  var count: Int { pending.count }

  /// Sets `target`'s due instant (nil: none) after an event at `t`, keeping
  /// one at or before `t` (see the invariant above).
  mutating func rearm(_ target: Target, due: Instant?, eventAt t: Instant) {
    if let p = pending[target], p <= t { return }
    set(target, due)
  }

  /// Sets `target`'s due instant (nil: none).
  mutating func set(_ target: Target, _ due: Instant?) {
    guard let due else {
      pending[target] = nil
      return
    }
    if pending.updateValue(due, forKey: target) == due { return }
    push(due, target)
    if heap.count > 2 * pending.count + 1024 { rebuild() }
  }

  /// Sets `target`'s due instant to `due` unless it has an earlier one
  /// (a subject twice in a rule's list, as a handover id may be).
  mutating func setEarlier(_ target: Target, _ due: Instant) {
    if let p = pending[target], p <= due { return }
    set(target, due)
  }

  /// Removes and returns every target due at or before `now`.
  mutating func popDue(through now: Instant) -> [Target] {
    var out: [Target] = []
    while let top = heap.first, top.due <= now {
      popMin()
      if pending[top.target] == top.due {
        pending[top.target] = nil
        out.append(top.target)
      }
    }
    return out
  }

  private mutating func push(_ due: Instant, _ target: Target) {
    heap.append((due, target))
    var i = heap.count - 1
    while i > 0 {
      let parent = (i - 1) / 2
      guard heap[i].due < heap[parent].due else { break }
      heap.swapAt(i, parent)
      i = parent
    }
  }

  private mutating func popMin() {
    heap.swapAt(0, heap.count - 1)
    heap.removeLast()
    siftDown(0)
  }

  private mutating func siftDown(_ start: Int) {
    var i = start
    while true {
      let l = 2 * i + 1
      let r = l + 1
      var m = i
      if l < heap.count && heap[l].due < heap[m].due { m = l }
      if r < heap.count && heap[r].due < heap[m].due { m = r }
      guard m != i else { return }
      heap.swapAt(i, m)
      i = m
    }
  }

  private mutating func rebuild() {
    heap = pending.map { ($0.value, $0.key) }
    for i in stride(from: heap.count / 2, through: 0, by: -1) { siftDown(i) }
  }
}

extension CordonState {
  /// Keeps the armed due-time queue up to date with `record`, applied.
  mutating func rearmClock(after record: EventRecord<CordonEvent>) {
    guard ruleIndex.due.isArmed else { return }
    switch record.event {
    case .settingsChanged, .retentionApplied:
      // Settings move every due instant and the calendar's days: the next pass starts over.
      ruleIndex.due = DueQueue()
      return
    default: break
    }
    let t = record.time
    var changes: [(DueQueue.Target, Instant?)] = []
    for (i, rule) in Rules.all.enumerated() where Rules.clocks[i] == .queued {
      switch rule.subjects(touchedBy: record.event, in: self) {
      case .none: break
      case .only(let subjects):
        for s in subjects { changes.append((.rule(i, s), rule.nextChange(of: s, in: self, after: t))) }
      case .all: ruleIndex.due.wholeRules.insert(i)
      }
    }
    if let key = record.event.alertKey {
      if let i = Rules.index[key.rule], Rules.clocks[i] == .queued {
        changes.append((.rule(i, key.subject), Rules.all[i].nextChange(of: key.subject, in: self, after: t)))
      }
      changes.append((.escalation(key), alerts[key]?.escalationDue(settings)))
    }
    for (target, due) in changes { ruleIndex.due.rearm(target, due: due, eventAt: t) }
  }

  /// Arms the due-time queue after a whole evaluation at `now`.
  mutating func armClock(at now: Instant) {
    var queue = DueQueue()
    queue.isArmed = true
    queue.passedAt = now
    queue.day = calendar.day(of: now)
    for (i, rule) in Rules.all.enumerated() where Rules.clocks[i] == .queued {
      for (subject, due) in rule.clockDues(in: self, after: now) { queue.setEarlier(.rule(i, subject), due) }
    }
    for (key, alert) in alerts {
      // One already due escalates in this pass; its event re-arms it.
      if let due = alert.escalationDue(settings), due > now { queue.set(.escalation(key), due) }
    }
    ruleIndex.due = queue
  }
}
