import EventSourcing

/// The one vocabulary of command fields. The raw value is the key in a
/// `cordon post` JSON line; the validator names the field at fault with it,
/// the JSON decoder reads its keys by it and the console's forms name their
/// fields with it, so a refusal always lands under the field that caused it.
public enum CommandField: String, CaseIterable, Sendable, Codable {
  case type
  case site, checked, fevers, acceptMissingCases, person, reading, area, agent, by, staff
  case unit, item, quantity, counted, minimum, kind, reason, from, to, urgency
  case role, start, end, confirmShortRest, shift, a, b, text
  case category, date, morningCheck, travellerContact, remarks
  case alert, minutes, note
  case targets, deadline, id
  // The organisation's commands (and the keys of an organisation file).
  case name, nameEn, key, headquarters, parent, reserve
  case roundsPerDay, disinfectionsPerDay, reportIntervalMinutes, open
  case measure, measureEn, fractions, phone, categories, confirm
  case feverThreshold, plausibleMin, plausibleMax, ackTimeoutMinutes, maxEscalations, restHours
  case coverageLeadMinutes, lowCoverDays, signInGraceMinutes
  case receiver
  // The duty log and reports up.
  case channel, action, significant, followUpDue, owner, entry, priority, ref
  case reportAckUrgentMinutes, reportAckImmediateMinutes
  // Handovers.
  case handover, queries, handoverConfirmMinutes
  // The emergency fund and donations.
  case line, amount, budget, source, purpose, voucher, campaign, recipient, donor, fundApprovalThreshold
  // Drills.
  case scenario, speed, exercise
  // Oversight and emergency teams (issue 17).
  case sites, notes, inspection, severity, requestItem, requestQuantity, finding, accepted, items
  case team, leader, members, requiredStaff
}

extension Refusal {
  /// A refusal naming the field at fault in the shared vocabulary.
  public init(_ code: String, _ args: [String] = [], field: CommandField, batchIndex: Int? = nil) {
    self.init(code, args, field: field.rawValue, batchIndex: batchIndex)
  }

  /// The field at fault, when it is one of the vocabulary's.
  public var commandField: CommandField? { field.flatMap(CommandField.init(rawValue:)) }
}
