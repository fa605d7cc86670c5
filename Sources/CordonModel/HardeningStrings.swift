/// Wordings added by the hardening work (issue 14), in their own tables so
/// the core tables and other features' blocks rebase without conflicts.
extension Strings {
  static let hardeningZh: [String: String] = [
    "post.readOnly": "cordon post：存储只读，本次输入的各行都不会保存：{0}",
    "event.retentionApplied": "保留期清理",
    "audit.retentionBefore": "内存保留 {0} 起的记录，更早的仍在日志中",
  ]

  static let hardeningEn: [String: String] = [
    "post.readOnly": "cordon post: the store is read-only, so none of these lines will be saved: {0}",
    "event.retentionApplied": "retention applied",
    "audit.retentionBefore": "memory keeps records from {0} on; older ones stay in the journal",
  ]
}
