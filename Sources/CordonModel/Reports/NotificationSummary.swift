import EventSourcing

/// The daily report's notifications (通知发送): per receiver, what the day
/// queued for it, delivered to it, failed (a journalled failed attempt) and
/// dropped (the receiver was removed), and what it is still owed at the
/// report's end. Only when the server routes notifications or the day had any.
extension DailyReport {
  public struct NotificationLine: Sendable, Equatable {
    public var receiver: String
    public var queued = 0
    public var delivered = 0
    /// Notices with at least one failed attempt journalled that day.
    public var failed = 0
    public var dropped = 0
    /// Still owed at the end of the day (or now, for today).
    public var pending = 0
    public init(receiver: String) { self.receiver = receiver }
  }

  mutating func collectNotifications(
    _ dayRecords: [EventRecord<CordonEvent>], end: CordonState, keep: (String?) -> Bool
  ) {
    var unitOf: [String: String] = [:]
    for p in end.notify.pending.values { unitOf[p.notification.id] = p.notification.unit }
    for r in dayRecords { if case .notificationQueued(let n) = r.event { unitOf[n.id] = n.unit } }
    // A notice of another day's queueing whose unit is not known here counts only in the whole group's report.
    func counts(_ id: String) -> Bool { unitOf[id].map(keep) ?? keep(nil) }
    var lines: [String: NotificationLine] = [:]
    var order = end.notify.routing.receivers
    func add(_ receiver: String, _ change: (inout NotificationLine) -> Void) {
      if lines[receiver] == nil, !order.contains(receiver) { order.append(receiver) }
      var l = lines[receiver] ?? NotificationLine(receiver: receiver)
      change(&l)
      lines[receiver] = l
    }
    var failedIDs = Set<String>()
    for r in dayRecords {
      switch r.event {
      case .notificationQueued(let n) where keep(n.unit):
        for receiver in n.receivers { add(receiver) { $0.queued += 1 } }
      case .notificationDelivered(let id, let receiver, _) where counts(id):
        add(receiver) { $0.delivered += 1 }
      case .notificationFailed(let id, let receiver, _, _) where counts(id):
        if failedIDs.insert("\(receiver)|\(id)").inserted { add(receiver) { $0.failed += 1 } }
      case .notificationDropped(let id, let receiver, _, _, _) where counts(id):
        add(receiver) { $0.dropped += 1 }
      default: break
      }
    }
    for p in end.notify.pending.values where keep(p.notification.unit) {
      for receiver in p.remaining { add(receiver) { $0.pending += 1 } }
    }
    guard !lines.isEmpty || !end.notify.routing.receivers.isEmpty else { return }
    notifications = order.map { lines[$0] ?? NotificationLine(receiver: $0) }
  }
}

extension ReportRenderer {
  /// Headings and rows for either text format; nothing when there are no receivers.
  static func notificationSection(_ r: DailyReport, state: CordonState, strings t: Strings) -> [Line] {
    guard !r.notifications.isEmpty else { return [] }
    var out: [Line] = [
      .heading(t("report.notifications")),
      .header([
        t("report.notify.receiver"), t("report.notify.queued"), t("report.notify.delivered"),
        t("report.notify.failed"), t("report.notify.dropped"), t("report.notify.pending"),
      ]),
    ]
    for l in r.notifications {
      out.append(.row([l.receiver] + [l.queued, l.delivered, l.failed, l.dropped, l.pending].map(String.init)))
    }
    return out
  }

  /// The section's CSV rows: per receiver, each count.
  static func notificationRows(_ r: DailyReport, strings t: Strings) -> [[String]] {
    r.notifications.flatMap { l -> [[String]] in
      [
        ("report.notify.queued", l.queued), ("report.notify.delivered", l.delivered),
        ("report.notify.failed", l.failed), ("report.notify.dropped", l.dropped),
        ("report.notify.pending", l.pending),
      ].map { [t("report.notifications"), l.receiver, t($0.0), String($0.1)] }
    }
  }
}
