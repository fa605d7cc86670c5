import CordonModel

extension Action {
  public static let nextPane = Action("nextPane")
  public static let prevPane = Action("prevPane")
  public static let up = Action("up")
  public static let down = Action("down")
  public static let pageUp = Action("pageUp")
  public static let pageDown = Action("pageDown")
  public static let home = Action("home")
  public static let end = Action("end")
  public static let open = Action("open")
  public static let back = Action("back")
  public static let filter = Action("filter")
  public static let command = Action("command")
  public static let help = Action("help")
  public static let quit = Action("quit")
  public static let copy = Action("copy")
  public static let timeBack = Action("timeBack")
  public static let timeForward = Action("timeForward")
  public static let timeLive = Action("timeLive")
  /// Focus the n-th pane (1-based), `focus1` … .
  public static func focus(_ n: Int) -> Action { Action("focus\(n)") }
}

/// Actions every pane has: moving between and within panes, views, time travel.
enum GlobalActions {
  static let all: [ConsoleAction] =
    [
      ConsoleAction(.nextPane, keys: [.tab], changesData: false, hint: true) { m in
        m.focus(Panes.neighbour(of: m.focus, by: 1))
      },
      ConsoleAction(.prevPane, keys: [.backTab], changesData: false) { m in
        m.focus(Panes.neighbour(of: m.focus, by: -1))
      },
    ]
    // One number key per pane, in tab order.
    + Panes.kinds.enumerated().map { i, kind in
      ConsoleAction(.focus(i + 1), keys: i < 9 ? [.char(Character(String(i + 1)))] : [], changesData: false) { m in
        m.focus(kind)
      }
    }
    + [
      ConsoleAction(.up, keys: [.up, .char("k")], changesData: false) { m in m.moveSelection(by: -1) },
      ConsoleAction(.down, keys: [.down, .char("j")], changesData: false) { m in m.moveSelection(by: 1) },
      ConsoleAction(.pageUp, keys: [.pageUp], changesData: false) { m in m.moveSelection(by: -m.pageSize(m.focus)) },
      ConsoleAction(.pageDown, keys: [.pageDown], changesData: false) { m in m.moveSelection(by: m.pageSize(m.focus)) },
      ConsoleAction(.home, keys: [.home, .char("g")], changesData: false) { m in
        m.moveSelection(by: -m.visibleRows(m.focus).count)
      },
      ConsoleAction(.end, keys: [.end, .char("G")], changesData: false) { m in
        m.moveSelection(by: m.visibleRows(m.focus).count)
      },
      ConsoleAction(.open, keys: [.enter], changesData: false, hint: true) { m in
        if let id = m.selectedRowID { m.mode = .detail(pane: m.focus, rowID: id, scroll: 0) }
        return []
      },
      ConsoleAction(.back, keys: [.esc], changesData: false) { m in
        m.tables[m.focus, default: TableState()].filter = ""
        return []
      },
      ConsoleAction(.filter, keys: [.char("/")], changesData: false, hint: true) { m in
        m.mode = .filter(LineEditor(m.tables[m.focus]?.filter ?? ""))
        return []
      },
      ConsoleAction(.command, keys: [.char(":")], changesData: false, hint: true) { m in
        m.mode = .command(LineEditor())
        return []
      },
      ConsoleAction(.help, keys: [.char("?"), .function(1)], changesData: false, hint: true) { m in
        m.mode = .help(scroll: 0)
        return []
      },
      ConsoleAction(.copy, keys: [.char("y")], changesData: false) { m in m.copy() },
      ConsoleAction(.quit, keys: [.char("q")], changesData: false, hint: true) { m in
        m.wantsQuit = true
        return [.quit]
      },
      ConsoleAction(.timeBack, keys: [.char("<")], changesData: false) { m in m.travel(hours: -1) },
      ConsoleAction(.timeForward, keys: [.char(">")], changesData: false) { m in m.travel(hours: 1) },
      ConsoleAction(.timeLive, keys: [.char("L")], changesData: false) { m in
        m.goLive()
        return []
      },
    ]
}
