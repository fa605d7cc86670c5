import EventSourcing

/// Issue 17's JSON lines: inspections and findings, checklists, teams and
/// deployments. Decoding only parses; `CommandValidator` checks the rest.
///
///     {"type":"inspection","id":"in1","unit":"jinyuan","sites":["jy-cy"],"checked":["体温检测开展"]}
///     {"type":"finding","id":"f1","inspection":"in1","unit":"jinyuan","text":"测温枪不足","severity":"major",
///      "deadline":"2020-02-09 18:00","requestItem":"thermometer","requestQuantity":10}
extension CommandJSON {
  static let oversightTypes = [
    "checklist", "inspection", "finding", "rectify", "verifyFinding", "team", "deploy", "recall",
  ]

  static func oversight(_ type: String, _ f: Fields) throws(Refusal) -> CordonCommand {
    switch type {
    case "checklist": return .setChecklist(kind: try f.siteKind(.kind), items: try f.strings(.items))
    case "inspection":
      return .recordInspection(
        id: try f.string(.id), unit: try f.string(.unit), sites: try f.strings(.sites),
        checked: f.has(.checked) ? try f.strings(.checked) : nil, notes: try f.string(.notes, default: ""))
    case "finding":
      guard let severity = FindingSeverity(rawValue: try f.string(.severity)) else {
        throw Refusal(
          "json.oneOf", ["severity", FindingSeverity.allCases.map(\.rawValue).joined(separator: "|")],
          field: .severity)
      }
      var request: FindingRequest?
      switch (f.has(.requestItem), f.has(.requestQuantity)) {
      case (true, true):
        request = FindingRequest(item: try f.string(.requestItem), quantity: try f.quantity(.requestQuantity))
      case (false, false): request = nil
      case (true, false): throw Refusal("json.missing", ["requestQuantity"], field: .requestQuantity)
      case (false, true): throw Refusal("json.missing", ["requestItem"], field: .requestItem)
      }
      return .raiseFinding(
        id: try f.string(.id), inspection: try f.string(.inspection), unit: try f.string(.unit),
        text: try f.string(.text), severity: severity, deadline: try f.time(.deadline), request: request)
    case "rectify": return .rectifyFinding(finding: try f.string(.finding), note: try f.string(.note))
    case "verifyFinding":
      guard f.has(.accepted) else { throw Refusal("json.missing", ["accepted"], field: .accepted) }
      return .verifyFinding(
        finding: try f.string(.finding), accepted: try f.bool(.accepted, default: false),
        note: try f.string(.note, default: ""))
    case "team":
      return .formTeam(
        id: try f.string(.id), name: try f.string(.name), leader: try f.string(.leader),
        members: f.has(.members) ? try f.strings(.members) : [])
    case "deploy":
      return .deploy(
        team: try f.string(.team), person: try f.string(.person), site: try f.string(.site),
        start: try f.time(.start), end: try f.time(.end))
    default: return .recallDeployment(id: try f.string(.id), reason: try f.string(.reason))
    }
  }

  /// The JSON line of an oversight or team command; nothing for any other.
  static func encodeOversight(_ command: CordonCommand, calendar: LocalCalendar, _ o: JSONLine) {
    func time(_ t: Instant) -> JSONLine.Value { .string(calendar.format(t)) }
    switch command {
    case .setChecklist(let kind, let items):
      o.add("type", "checklist").add("kind", kind.rawValue).add("items", .strings(items))
    case .recordInspection(let id, let unit, let sites, let checked, let notes):
      o.add("type", "inspection").add("id", id).add("unit", unit).add("sites", .strings(sites))
      if let checked { o.add("checked", .strings(checked)) }
      o.add("notes", notes)
    case .raiseFinding(let id, let inspection, let unit, let text, let severity, let deadline, let request):
      o.add("type", "finding").add("id", id).add("inspection", inspection).add("unit", unit).add("text", text)
        .add("severity", severity.rawValue).add("deadline", time(deadline))
      if let request {
        o.add("requestItem", request.item).add("requestQuantity", .number(request.quantity.description))
      }
    case .rectifyFinding(let id, let note): o.add("type", "rectify").add("finding", id).add("note", note)
    case .verifyFinding(let id, let accepted, let note):
      o.add("type", "verifyFinding").add("finding", id).add("accepted", .bool(accepted)).add("note", note)
    case .formTeam(let id, let name, let leader, let members):
      o.add("type", "team").add("id", id).add("name", name).add("leader", leader).add("members", .strings(members))
    case .deploy(let team, let person, let site, let start, let end):
      o.add("type", "deploy").add("team", team).add("person", person).add("site", site).add("start", time(start))
        .add("end", time(end))
    case .recallDeployment(let id, let reason): o.add("type", "recall").add("id", id).add("reason", reason)
    default: break
    }
  }
}
