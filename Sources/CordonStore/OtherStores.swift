extension SubscriptionID {
  /// For another store behind the same seam (the PostgreSQL journal): its
  /// own numbering of subscriptions.
  public init(number: UInt64) { self.init(raw: number) }
  public var number: UInt64 { raw }
}

extension StoreStatus {
  /// For another store behind the same seam.
  public init(mode: Mode) { self.init(mode: mode, warnings: []) }
}
