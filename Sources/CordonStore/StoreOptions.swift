/// Tuning for an `EventStore`. The defaults suit the console: big segments so
/// rolls are rare, and snapshots often enough that opening stays fast.
public struct StoreOptions: Sendable {
  /// A segment is sealed and a new one started once it reaches this many bytes.
  public var segmentBytes: Int
  /// Take a snapshot after this many events since the last one (0: never by count).
  public var snapshotEveryEvents: Int
  /// Take a snapshot when this many minutes have passed since the last one and
  /// something happened (0: never by time). Checked on commit and on `tick()`.
  public var snapshotEveryMinutes: Int
  /// How many recent command ids are remembered, across restarts, to apply a
  /// retried command once.
  public var commandIDWindow: Int
  /// Sealed segments that recovery no longer needs (the older of the two
  /// newest snapshots covers them) are compressed into `.segz` archives; with
  /// false they stay plain. Either way they are kept: history is never
  /// deleted unless `retainDays` says so.
  public var compressArchives: Bool
  /// Besides the newest two snapshots, older ones are kept at least this many
  /// events apart, so time travel and past reports start near the moment
  /// asked for instead of replaying from the beginning (0: keep only two).
  /// A snapshot larger than that many events' worth of journal is kept further
  /// apart still: no closer than its own size in plain journal bytes.
  public var historySnapshotEvents: Int
  /// Retention, off (nil) by default: archived segments whose every event is
  /// older than this many days are deleted, and with them the audit trail,
  /// reports and time travel for those days. Only segments that a kept
  /// snapshot already covers are ever deleted, so the current state is intact.
  public var retainDays: Int?
  /// When set, the store compares the process's wall clock with the kernel's
  /// before every command and housekeeping step, and refuses them
  /// (`clock.skew`) while the two differ by more than this many seconds: an
  /// event stamped by a wrong clock would raise alerts and age the state by
  /// that clock. Nil (the default, and the tests' simulated clocks) skips it.
  public var clockToleranceSeconds: Int?
  /// Told, on a serial queue of its own and in order, when the store turns
  /// read-only, writes or fails a snapshot, archives a segment or applies
  /// retention: what a server logs. Nil: nobody is told.
  public var observer: (@Sendable (StoreEvent) -> Void)?

  public init(
    segmentBytes: Int = 64 << 20, snapshotEveryEvents: Int = 100_000, snapshotEveryMinutes: Int = 10,
    commandIDWindow: Int = 100_000, compressArchives: Bool = true, historySnapshotEvents: Int = 25_000,
    retainDays: Int? = nil, clockToleranceSeconds: Int? = nil
  ) {
    self.clockToleranceSeconds = clockToleranceSeconds
    self.segmentBytes = segmentBytes
    self.snapshotEveryEvents = snapshotEveryEvents
    self.snapshotEveryMinutes = snapshotEveryMinutes
    self.commandIDWindow = commandIDWindow
    self.compressArchives = compressArchives
    self.historySnapshotEvents = historySnapshotEvents
    self.retainDays = retainDays
  }
}
