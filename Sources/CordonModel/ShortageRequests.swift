import EventSourcing

/// A unit asks the prevention office for supplies it is short of (缺口).
/// The office approves all or part and allocates from the central reserve, or
/// forwards the request to the city and records what arrives against it.
public struct ShortageRequest: Codable, Sendable, Equatable, Identifiable {
  public enum Status: String, Codable, Sendable, CaseIterable {
    case submitted, approved, rejected, forwarded, allocated, received
  }
  public enum Urgency: String, Codable, Sendable, CaseIterable {
    case routine, urgent, critical
  }

  public var id: String
  public var unit: String
  public var item: String
  public var quantity: Quantity
  public var urgency: Urgency
  public var reason: String
  public var status: Status
  public var approved: Quantity?
  public var received: Quantity = .zero
  public var decidedBy: String?
  public var note: String?
  public var submittedAt: Instant
  /// The inspection finding that raised it (Inspections.swift); the finding names it too.
  public var finding: String?

  public init(
    id: String, unit: String, item: String, quantity: Quantity, urgency: Urgency, reason: String, submittedAt: Instant,
    finding: String? = nil
  ) {
    self.id = id
    self.unit = unit
    self.item = item
    self.quantity = quantity
    self.urgency = urgency
    self.reason = reason
    self.status = .submitted
    self.submittedAt = submittedAt
    self.finding = finding
  }

  public var isOpen: Bool { status != .rejected && status != .received && status != .allocated }
}
