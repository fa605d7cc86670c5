import CordonModel
import Foundation

/// Copying to the user's own clipboard with OSC 52 (`ESC ] 52 ; c ; base64
/// BEL`): the terminal the user sits at sets its clipboard, so it works over
/// SSH, and through tmux with `set-clipboard on`. Pure: the update function
/// decides what to copy, the terminal sends the sequence.
public enum Clipboard {
  /// Longer texts are refused: terminals drop large OSC 52 payloads silently.
  public static let maxBytes = 32 * 1024

  /// The text as it may go to a clipboard: no control or escape characters
  /// (a paste into another terminal must not run anything), lines kept,
  /// trailing blanks gone. Nil when nothing is left.
  public static func prepare(_ text: String) -> String? {
    let lines = UserText.clean(text, multiline: true).split(separator: "\n", omittingEmptySubsequences: false)
    let out = lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
      .joined(separator: "\n").trimmingCharacters(in: .newlines)
    return out.isEmpty ? nil : out
  }

  /// The escape sequence that sets the clipboard to `text`.
  public static func osc52(_ text: String) -> String {
    "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
  }
}

extension ConsoleModel {
  /// `y`: the selected row, or the open detail view, to the clipboard; the
  /// status line says what went.
  mutating func copy(detail: (title: String, lines: [String])? = nil) -> [ConsoleEffect] {
    let raw: String
    if let detail {
      raw = ([detail.title] + detail.lines).joined(separator: "\n")
    } else if let id = selectedRowID, let row = visibleRows(focus).row(withID: id) {
      raw = row.cells.map { $0.text.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        .joined(separator: "  ")
    } else {
      raw = ""
    }
    guard let text = Clipboard.prepare(raw) else {
      status = .init(text: strings("status.copyNothing"), style: .inputError)
      return []
    }
    guard text.utf8.count <= Clipboard.maxBytes else {
      status = .init(text: strings("status.copyTooLong", String(Clipboard.maxBytes)), style: .inputError)
      return []
    }
    let first = text.split(separator: "\n").first.map(String.init) ?? text
    let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
    status =
      detail == nil
      ? .init(text: strings("status.copiedRow", first), style: .ok)
      : .init(text: strings("status.copiedDetail", String(lineCount), first), style: .ok)
    return [.copy(text)]
  }
}
