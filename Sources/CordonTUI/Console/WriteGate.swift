import CordonModel

/// A command that passed the write gate. Its initialiser is private to this
/// file, so a `.submit` effect cannot be made anywhere else.
public struct GatedCommand: Sendable, Equatable {
  public let command: CordonCommand
  /// Matches the result to the form that sent it; nil for keys and the command line.
  public let formToken: Int?
  fileprivate init(command: CordonCommand, formToken: Int?) {
    self.command = command
    self.formToken = formToken
  }
}

/// The one read-only check for everything that changes data: actions that
/// declare it, every form (opening and saving), the confirmations, and the
/// `:` commands that declare it. Refusals all say the same thing.
enum WriteGate {
  /// Why nothing may be changed now, or nil: the past (stepping back, or on
  /// the way there), `--at`, a read-only store, the viewer role.
  static func refusal(_ m: ConsoleModel) -> String? {
    if m.viewAt != nil || m.travelTarget != nil { return "time travel" }
    if m.info.at != nil { return m.info.readOnlyReason ?? "time travel" }
    return m.info.readOnlyReason
  }

  /// The message every refusal shows.
  static func message(_ m: ConsoleModel) -> String { m.strings("status.readOnly") }

  /// Whether data may be changed; when not, says so on the status line.
  static func allows(_ m: inout ConsoleModel) -> Bool {
    guard refusal(m) != nil else { return true }
    m.status = ConsoleModel.Status(text: message(m), style: .warning)
    return false
  }

  /// The only way to a `.submit` effect.
  static func submit(_ command: CordonCommand, formToken: Int?, model m: inout ConsoleModel) -> [ConsoleEffect] {
    guard allows(&m) else { return [] }
    return [.submit(GatedCommand(command: command, formToken: formToken))]
  }
}
