import EventSourcing

extension CordonState {
  /// The fever cases that may be at `subject` ("site/person name"), newest first.
  func feverCases(atSubject subject: String) -> [FeverCase] { feverCases }

  /// A unit's shifts.
  func shifts(ofUnit unit: String) -> [Shift] { shifts.values.filter { $0.unit == unit } }
}
