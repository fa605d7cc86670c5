extension Strings {
  /// Sign-in punctuality in the daily report; escalation along the roster.
  static let dutyRoomZh: [String: String] = [
    "report.signIns": "十二、接班签到",
    "report.signIn.onTime": "准时",
    "report.signIn.late": "迟到",
    "report.signIn.missing": "未签到",
    "report.signIn.forOther": "代签",
    "report.signIn.notDue": "未到时间",
    "report.signIn.who": "{0} {1} {2} {3}",
    "report.signIn.lateLine": "{0}：迟到 {1} 分钟（{2} 签到）",
    "report.signIn.missingLine": "{0}：未签到",
    "report.signIn.noShowLine": "{0}：未签到（已标记未到岗）",
    "report.signIn.forOtherLine": "{0}：由 {1} 代签（{2}）",
  ]

  static let dutyRoomEn: [String: String] = [
    "report.signIns": "12. Sign-in at shift change",
    "report.signIn.onTime": "on time",
    "report.signIn.late": "late",
    "report.signIn.missing": "not signed in",
    "report.signIn.forOther": "entered for them",
    "report.signIn.notDue": "not due yet",
    "report.signIn.who": "{0} {1} {2} {3}",
    "report.signIn.lateLine": "{0}: {1} min late (signed in {2})",
    "report.signIn.missingLine": "{0}: not signed in",
    "report.signIn.noShowLine": "{0}: not signed in (marked no-show)",
    "report.signIn.forOtherLine": "{0}: entered by {1} for them ({2})",
  ]
}
