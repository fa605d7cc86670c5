import ArgumentParser
import CordonModel
import CordonSession
import CordonStore
import CordonTUI
import CordonWire
import Foundation

struct Console: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "console",
    abstract: "Open the console (the default command)."
  )

  @OptionGroup var location: StoreLocation
  @Flag(
    name: .long,
    help: "Seed the demo organisation and keep a simulated feed running. Without --data, in a temporary directory.")
  var demo = false
  @Option(name: .long, help: "Interface language: zh or en (default from LC_ALL/LANG).") var lang: String?
  @Option(name: .long, help: "Theme name (default, light, colorblind, high-contrast, ansi16, mono) or a .toml path.")
  var theme: String?
  @Option(name: .long, help: "Config file (default: ~/.config/cordon/config.toml when present).") var config: String?
  @Option(name: .long, help: "Open read-only at a past moment, e.g. \"2020-02-07 08:00\".") var at: String?
  @Flag(name: .long, help: "Ring the terminal bell on a new critical alert.") var bell = false
  @Flag(
    name: .long,
    inversion: .prefixedNo,
    help:
      "Draw borders and ambiguous-width characters (·, ℃, ×) in ASCII. Default: the config's ascii, else detected from the terminal."
  )
  var ascii: Bool?
  @Flag(name: .long, help: "No mouse: the terminal selects text as usual (config: mouse = false).") var noMouse = false
  @Option(
    name: .long,
    help:
      "Connect to `cordon serve` at this socket (default: $CORDON_SOCKET, else /run/cordon/cordon.sock when it exists)."
  )
  var socket: String?

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    // Under sshd's ForceCommand the command the client asked for is in
    // SSH_ORIGINAL_COMMAND: `post` (gateways, scripts) is the one thing
    // allowed besides the console itself.
    if let asked = env["SSH_ORIGINAL_COMMAND"], !asked.trimmingCharacters(in: .whitespaces).isEmpty {
      let post = try Post.parse(try Self.allowedOverSSH(asked, socket: socket))
      try post.run()
      return
    }
    // Refuse early and clearly: ncurses would print "Error opening terminal" and exit.
    guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
      throw Fatal(description: "needs a terminal: stdin and stdout must be a tty (over ssh, use ssh -t)", code: 2)
    }
    let settings: ConsoleConfig
    do {
      settings = try ConsoleConfig.load(path: config, environment: env)
    } catch {
      throw Fatal(description: "\(error)", code: 2)
    }
    let language = Self.language(flag: lang ?? settings.lang, environment: env)
    let themeName = theme ?? settings.theme ?? (env["NO_COLOR"] != nil ? "mono" : "default")
    let chosenTheme: Theme
    do {
      chosenTheme = try Theme.load(
        themeName, searchPaths: Theme.searchPaths(environment: env, executable: Self.executableURL()))
    } catch {
      throw Fatal(description: "theme: \(error)", code: 2)
    }

    // Server or embedded store: a local choice (--data, --demo, --at, or
    // $CORDON_DATA without $CORDON_SOCKET) keeps the embedded store; otherwise
    // a named socket, or the default one when it exists, means the server.
    let local = SocketPath.prefersLocal(
      chosen: location.isChosen || demo || at != nil, socket: socket, environment: env)
    if socket != nil && local {
      throw Fatal(
        description: "--socket cannot be combined with --data, --demo or --at (those open a local store)", code: 2)
    }
    var remote: RemoteSource? = nil
    if !local, let path = SocketPath.choose(flag: socket, environment: env) {
      remote = try SocketPath.connect(path)
    }
    defer { remote?.close() }

    var dir = location.directory(environment: env)
    var temporary: URL? = nil
    if demo && !location.isChosen && env["CORDON_DATA"] == nil {
      let t = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-demo-\(getpid())")
      temporary = t
      dir = t
    }
    defer { if let t = temporary { try? FileManager.default.removeItem(at: t) } }

    // Ask the terminal before curses owns it: does it draw "·" two cells wide?
    var typeAhead: [UInt8] = []
    var asciiBorders = ascii ?? settings.ascii ?? false
    if ascii == nil && settings.ascii == nil {
      let probe = AmbiguousWidthProbe.drawsAmbiguousWide()
      asciiBorders = probe.wide ?? false
      typeAhead = probe.typeAhead
    }

    let mouse = settings.mouse && !noMouse

    // The terminal starts before the store opens, so a long replay shows a
    // progress bar in the console; it ends after the store has closed.
    let pipe: (read: Int32, write: Int32)
    let terminal: NcursesTerminal
    do {
      pipe = try ConsoleLoop.makeWakePipe()
      // True colour through the direct-colour terminfo when COLORTERM asks for
      // it; if that entry is missing, the TERM entry as it is.
      if let direct = Theme.directColorTerm(environment: env),
        let t = try? NcursesTerminal(theme: chosenTheme, termName: direct, mouse: mouse)
      {
        terminal = t
      } else {
        terminal = try NcursesTerminal(theme: chosenTheme, mouse: mouse)
      }
    } catch {
      throw Fatal(description: "\(error)", code: 2)
    }
    defer { terminal.end() }
    terminal.pushBack(typeAhead)
    let progress = OpenProgressScreen(terminal: terminal, strings: Strings(language))

    var opened: (any DomainStore)? = nil
    defer { opened?.close() }
    let source: ConsoleSource
    var background: BackgroundWork? = nil
    defer { background?.stop() }
    if let remote {
      source = remote
    } else {
      let store =
        temporary == nil
        ? try location.openStore(environment: env, progress: { progress.update($0) })
        : try openStore(at: dir, options: location.options, progress: { progress.update($0) })
      opened = store
      let shown = temporary == nil ? location.name(environment: env) : dir.path
      let user = currentUser()
      if let at {
        guard let moment = CordonState().calendar.parse(at) else {
          throw Fatal(description: "--at: expected \"YYYY-MM-DD HH:MM\", got \"\(at)\"", code: 2)
        }
        let past: CordonState
        do { past = try store.state(at: moment) } catch { throw Fatal(description: "--at: \(error)", code: 1) }
        source = FrozenSource(
          state: past,
          info: SourceInfo(
            kind: .embedded(path: shown), isDemo: demo, at: moment, readOnlyReason: "time travel", actor: user,
            unit: nil))
      } else {
        if demo { DemoSeeder.seedIfEmpty(store) }
        source = EmbeddedSource(store: store, path: shown, isDemo: demo, actor: user, unit: nil)
        background = BackgroundWork(store: store, demo: demo)
      }
    }

    let waker = Waker(fd: pipe.write)
    let app = ConsoleApp(source: source, language: language, keymap: settings.keymap, wake: { waker() })
    app.bellOnCritical = bell || settings.bell
    let loop = ConsoleLoop(app: app, terminal: terminal, wakePipe: pipe)
    loop.ascii = asciiBorders
    loop.run()
  }

  /// The `cordon post` arguments for an SSH_ORIGINAL_COMMAND of `post`,
  /// `post --lang zh|en` (optionally after `cordon`); anything else is refused.
  static func allowedOverSSH(_ asked: String, socket: String?) throws -> [String] {
    var words = asked.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    if let first = words.first, first == "cordon" || first.hasSuffix("/cordon") { words.removeFirst() }
    let socketArgs = socket.map { ["--socket", $0] } ?? []
    switch words {
    case ["post"]: return ["--lang", "en"] + socketArgs
    case ["post", "--lang", "zh"], ["post", "--lang", "en"]: return Array(words.dropFirst()) + socketArgs
    default:
      let shown = String(UserText.clean(asked).prefix(80))
      throw Fatal(
        description:
          "this login opens the console (ssh -t) or runs `post` (ssh host post < commands.jsonl); not \"\(shown)\"",
        code: 2)
    }
  }

  /// zh unless the flag or the locale says otherwise: Chinese first.
  static func language(flag: String?, environment env: [String: String]) -> Language {
    if let f = flag { return f.lowercased().hasPrefix("en") ? .en : .zh }
    let loc =
      env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_MESSAGES"].flatMap { $0.isEmpty ? nil : $0 } ?? env[
        "LANG"] ?? ""
    if loc.lowercased().hasPrefix("zh") { return .zh }
    if loc.isEmpty || loc == "C" || loc == "POSIX" || loc.hasPrefix("C.") { return .zh }
    return .en
  }

  static func executableURL() -> URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().standardizedFileURL
  }
}
