import CordonStore

/// A bank ledger small enough to reason about in tests, with the properties the
/// store must respect: commands can be refused, can produce several events or
/// none, and the state depends on event order.
public enum LedgerModel: EventSourcedModel {
  public enum Event: Codable, Sendable, Equatable {
    case opened(account: String)
    case deposited(account: String, amount: Int64)
    case withdrew(account: String, amount: Int64)
    /// Housekeeping's event: the clock alone makes it due.
    case audited(at: Instant)
  }

  public enum Command: Sendable, Equatable {
    case open(String)
    case deposit(String, Int64)
    case withdraw(String, Int64)
    case transfer(from: String, to: String, amount: Int64)
    /// Produces no events, to check that nothing is written for it.
    case nothing
  }

  public struct State: Codable, Sendable, Equatable {
    public var balances: [String: Int64] = [:]
    public var applied: UInt64 = 0
    public var lastAudit: Instant?
    /// Folds every event's seq, time and position in, so any difference in
    /// order or content between two replays shows up.
    public var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
  }

  public static func initialState() -> State { State() }

  public static func apply(_ record: EventRecord<Event>, to state: inout State) {
    switch record.event {
    case .opened(let a): state.balances[a] = state.balances[a] ?? 0
    case .deposited(let a, let n): state.balances[a, default: 0] += n
    case .withdrew(let a, let n): state.balances[a, default: 0] -= n
    case .audited(let at): state.lastAudit = at
    }
    state.applied += 1
    state.digest = (state.digest ^ record.seq) &* 0x100_0000_01b3
    state.digest = (state.digest ^ UInt64(bitPattern: record.time.milliseconds)) &* 0x100_0000_01b3
  }

  public static func decide(_ command: Command, context: CommandContext, state: State) throws(Refusal) -> [Event] {
    switch command {
    case .nothing:
      return []
    case .open(let a):
      guard state.balances[a] == nil else { throw Refusal("account-exists", [a]) }
      return [.opened(account: a)]
    case .deposit(let a, let n):
      guard n > 0 else { throw Refusal("amount-not-positive", [String(n)], field: "amount") }
      guard state.balances[a] != nil else { throw Refusal("no-such-account", [a]) }
      return [.deposited(account: a, amount: n)]
    case .withdraw(let a, let n):
      guard n > 0 else { throw Refusal("amount-not-positive", [String(n)], field: "amount") }
      guard let b = state.balances[a] else { throw Refusal("no-such-account", [a]) }
      guard b >= n else { throw Refusal("insufficient-funds", [a, String(b), String(n)]) }
      return [.withdrew(account: a, amount: n)]
    case .transfer(let from, let to, let n):
      guard n > 0 else { throw Refusal("amount-not-positive", [String(n)], field: "amount") }
      guard let b = state.balances[from] else { throw Refusal("no-such-account", [from]) }
      guard state.balances[to] != nil else { throw Refusal("no-such-account", [to]) }
      guard b >= n else { throw Refusal("insufficient-funds", [from, String(b), String(n)]) }
      return [.withdrew(account: from, amount: n), .deposited(account: to, amount: n)]
    }
  }

  /// An audit is due once an hour.
  public static func housekeeping(state: State, now: Instant) -> [Event] {
    if let last = state.lastAudit, now < last.adding(minutes: 60) { return [] }
    return [.audited(at: now)]
  }
}
