import EventSourcing

extension Alert {
  /// The alert's message in a language, with ids turned into names.
  public func message(_ state: CordonState, _ strings: Strings) -> String { key.message(args, state, strings) }
}

extension AlertKey {
  /// The message of an alert with this key and these arguments (also a handover item's, recorded then).
  public func message(_ args: [String], _ state: CordonState, _ strings: Strings) -> String {
    strings.format("alert.\(rule.rawValue)", displayArgs(args, state, strings))
  }

  /// The message's arguments with ids turned into names: what the message
  /// shows, and what a filter searches without formatting the message.
  public func displayArgs(_ args: [String], _ state: CordonState, _ strings: Strings) -> [String] {
    let key = self
    let lang = strings.language
    var a = args
    func name(_ i: Int, _ f: (String) -> String) { if i < a.count { a[i] = f(a[i]) } }
    switch key.rule {
    case .fever:
      if key.subject.hasPrefix("register/") {
        name(1) { state.unitName($0, lang) }
      } else {
        name(1) { state.siteName($0, lang) }
      }
    case .directiveUnacknowledged: name(0) { state.unitName($0, lang) }
    case .receiverFailing: break
    case .followUpOverdue, .handoverUnconfirmed, .findingOverdue: name(0) { state.unitName($0, lang) }
    case .siteUnderstaffed: name(0) { state.siteName($0, lang) }
    case .reportUnacknowledged:
      name(0) { state.unitName($0, lang) }
      name(2) { strings("priority.\($0)") }
    case .roundOverdue, .disinfectionShort: name(0) { state.siteName($0, lang) }
    case .roleUncovered:
      name(0) { state.unitName($0, lang) }
      name(1) { strings("role.\($0)") }
    case .noShow, .signInMissing:
      name(1) { state.unitName($0, lang) }
      name(2) { strings("role.\($0)") }
    case .stockLow, .coverLow:
      name(0) { state.unitName($0, lang) }
      name(1) { state.itemName($0, lang) }
    }
    return a
  }
}
