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

  public init(
    segmentBytes: Int = 64 << 20, snapshotEveryEvents: Int = 100_000, snapshotEveryMinutes: Int = 10,
    commandIDWindow: Int = 100_000
  ) {
    self.segmentBytes = segmentBytes
    self.snapshotEveryEvents = snapshotEveryEvents
    self.snapshotEveryMinutes = snapshotEveryMinutes
    self.commandIDWindow = commandIDWindow
  }
}
