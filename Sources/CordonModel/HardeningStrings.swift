/// Wordings added by the hardening work (issue 14), in their own tables so
/// the core tables and other features' blocks rebase without conflicts.
extension Strings {
  static let hardeningZh: [String: String] = [
    "post.readOnly": "cordon post：存储只读，本次输入的各行都不会保存：{0}",
    "event.retentionApplied": "保留期清理",
    "audit.retentionBefore": "内存保留 {0} 起的记录，更早的仍在日志中",
    "event.notificationDropped": "通知不再发送",
    "report.notifications": "通知发送",
    "report.notify.receiver": "接收方",
    "report.notify.queued": "当日生成",
    "report.notify.delivered": "已送达",
    "report.notify.failed": "发送失败",
    "report.notify.dropped": "已取消",
    "report.notify.pending": "待发送",
    "audit.notificationDropped.receiverRemoved": "{0} 不再发给 {1}：该接收方已从配置中删除",
    "refusal.auth.readOtherUnit": "{0} 只能查看本单位的数据，不能查看 {1}",
    "refusal.query.badLang": "--lang：应为 zh 或 en，实际为 {0}",
    "refusal.query.noUnit": "--unit：没有单位 {0}",
    "refusal.query.badDate": "{0}：应为 YYYY-MM-DD，实际为 {1}",
    "refusal.query.badTime": "{0}：应为 YYYY-MM-DD HH:MM，实际为 {1}",
    "refusal.query.badFormat": "--format：应为 md、txt 或 csv，实际为 {0}",
    "refusal.query.journal": "无法读取日志：{0}",
    "refusal.query.busy": "此连接上已有一个报表、审计或导出在运行，请等它完成",
  ]

  static let hardeningEn: [String: String] = [
    "post.readOnly": "cordon post: the store is read-only, so none of these lines will be saved: {0}",
    "event.retentionApplied": "retention applied",
    "audit.retentionBefore": "memory keeps records from {0} on; older ones stay in the journal",
    "event.notificationDropped": "notification dropped",
    "report.notifications": "Notifications",
    "report.notify.receiver": "Receiver",
    "report.notify.queued": "Queued",
    "report.notify.delivered": "Delivered",
    "report.notify.failed": "Failed",
    "report.notify.dropped": "Dropped",
    "report.notify.pending": "Pending",
    "audit.notificationDropped.receiverRemoved":
      "{0} is no longer owed to {1}: the receiver was removed from the configuration",
    "refusal.auth.readOtherUnit": "{0} may read only its own unit's records, not {1}'s",
    "refusal.query.badLang": "--lang: expected zh or en, got {0}",
    "refusal.query.noUnit": "--unit: no such unit {0}",
    "refusal.query.badDate": "{0}: expected YYYY-MM-DD, got {1}",
    "refusal.query.badTime": "{0}: expected YYYY-MM-DD HH:MM, got {1}",
    "refusal.query.badFormat": "--format: expected md, txt or csv, got {0}",
    "refusal.query.journal": "cannot read the journal: {0}",
    "refusal.query.busy": "a report, audit or export is already running on this connection: wait for it to finish",
  ]
}
