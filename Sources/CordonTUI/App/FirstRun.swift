import CordonModel
import CordonSession

/// What a console or `cordon serve` says on a store with no organisation:
/// that there is none, and the two ways forward (an organisation file through
/// `cordon init --org`, starting from the shipped example, or the demo).
public enum FirstRun {
  /// Where the empty store is, which decides what the user is told to run.
  public enum Place: Sendable, Equatable {
    /// A console on its own data directory.
    case console(dataDirectory: String)
    /// A console on a server: the organisation is set up where the server runs.
    case server(socket: String)
    /// `cordon serve` itself, serving this data directory.
    case serving(dataDirectory: String)
  }

  /// The shipped, commented example a group adapts.
  public static let example = "deploy/org.example.toml"

  /// The console shows this instead of four empty panes: the live state has
  /// no organisation (stepping back to before it was set up is not a first run).
  static func applies(_ m: ConsoleModel) -> Bool {
    !m.live.hasOrganisation && m.viewAt == nil && m.travelTarget == nil && m.info.at == nil && m.focus != .org
  }

  static func place(_ info: SourceInfo) -> Place {
    switch info.kind {
    case .embedded(let path): .console(dataDirectory: path)
    case .server(let path): .server(socket: path)
    }
  }

  /// The screen's lines, in the strings' language. Paths are the user's
  /// own, shown as text, never interpreted. `byHand`: the reader is of the
  /// command role at a console, who may also build the organisation in `:org`
  /// (through a server too: the server checks the role on every command).
  public static func lines(_ place: Place, strings t: Strings, byHand: Bool = false) -> [String] {
    var out: [String] = []
    switch place {
    case .console(let dir), .serving(let dir):
      out.append(t("firstRun.empty", dir))
      out.append("")
      out.append(t("firstRun.initHead"))
      out.append("  " + t("firstRun.step.copy", example))
      out.append("  " + t("firstRun.step.init", dir))
      if case .serving = place {
        out.append("  " + t("firstRun.step.restart"))
      } else {
        out.append("  " + t("firstRun.step.open"))
      }
    case .server(let socket):
      out.append(t("firstRun.emptyServer", socket))
      out.append("")
      out.append(t("firstRun.initHeadServer"))
      out.append("  " + t("firstRun.step.copy", example))
      out.append("  " + t("firstRun.step.initServer"))
      out.append("  " + t("firstRun.step.restart"))
    }
    // `cordon serve` itself has no console to build it in.
    if case .serving = place {
    } else if byHand {
      out.append("")
      out.append(t("firstRun.orgHead"))
      out.append("  " + t("firstRun.orgStep"))
    }
    out.append("")
    out.append(t("firstRun.demoHead"))
    if case .serving = place {
      out.append("  " + t("firstRun.demoServe"))
    } else {
      out.append("  " + t("firstRun.demo"))
    }
    return out
  }

  /// Draws the screen in `body` (the panes' place), wrapped to its width.
  static func draw(_ m: ConsoleModel, in body: Rect, buffer: inout ScreenBuffer) {
    let t = m.strings
    let width = min(body.width, 100)
    let textWidth = max(10, width - 4)
    var lines = lines(place(m.info), strings: t, byHand: m.info.role == .command).flatMap {
      $0.isEmpty ? [""] : DisplayWidth.wrap($0, to: textWidth)
    }
    lines.append("")
    lines.append(t("firstRun.keys"))
    let r = OverlayView.centred(in: body, width: width, height: lines.count + 2)
    BoxView.draw(title: t("firstRun.title"), focused: true, in: r, buffer: &buffer)
    let inner = r.inset(1)
    for (i, line) in lines.prefix(inner.height).enumerated() {
      let style: StyleToken = line.hasPrefix("  ") ? .title : (i == lines.count - 1 ? .muted : .normal)
      buffer.put(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 2, style: style)
    }
  }
}
