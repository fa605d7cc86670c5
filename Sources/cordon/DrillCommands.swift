import ArgumentParser
import CordonDrill
import CordonModel
import CordonServer
import CordonStore
import CordonWire
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// `cordon drill`: rehearse a scenario on a copy of the live state, then read its after-action report.
struct DrillCommands: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "drill", abstract: "Exercises (应急演练): run a scenario on a copy of the live state; its report.",
    subcommands: [Run.self, Summary.self])

  /// Where drills are kept: `DRILLS/<id>/` holds the copy, its socket, `result.json` and the reports.
  static func root(_ drills: String?, _ location: StoreLocation) -> URL {
    if let drills { return URL(fileURLWithPath: drills) }
    return location.directory().appendingPathComponent("drills")
  }

  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run", abstract: "Run a drill scenario (command role only) on a copy of the live state.",
      discussion: """
        The live state is copied into DRILLS/<id>/store and served on DRILLS/<id>/cordon.sock: consoles that join \
        (cordon --socket DRILLS/<id>/cordon.sock) show the 演练 banner on every screen, and every notification the \
        copy sends carries the 演练 prefix. The real store only journals that a drill is under way (its consoles \
        say so) and that it ended; its units, registers, stock and reports stay exactly as they were (the state \
        hash before and after is printed). Injects land at their offsets on the drill's clock (--speed N runs it \
        N times faster); each expected response is scored at its deadline. Ctrl-C ends the drill early.
        """)

    @Argument(help: "The scenario file (TOML), e.g. drills/heat-station-fever-night.toml.") var scenario: String
    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "The live store is served by `cordon serve` at this socket (instead of --data).")
    var socket: String?
    @Option(name: .long, help: "Run the drill's clock N times faster (1-600).") var speed: Int = 1
    @Option(name: .long, help: "Access config for the drill's server: who may join (as in cordon serve --config).")
    var config: String?
    @Option(name: .long, help: "Where drills are kept (default: DATA/drills).") var drills: String?
    @Option(name: .long, help: "Language of messages and the report: zh or en.") var lang: String = "zh"

    func validate() throws {
      guard Limits.drillSpeed.contains(speed) else {
        throw ValidationError(
          "--speed must be between \(Limits.drillSpeed.lowerBound) and \(Limits.drillSpeed.upperBound), got \(speed)")
      }
      if socket != nil && location.data != nil { throw ValidationError("--socket cannot be combined with --data") }
    }

    func run() throws {
      let t = Strings(lang == "en" ? .en : .zh)
      let text: String
      do { text = try String(contentsOfFile: scenario, encoding: .utf8) } catch {
        throw Fatal(description: "\(scenario): \(t("orgfile.unreadable", error.localizedDescription))", code: 2)
      }
      let file = URL(fileURLWithPath: scenario).lastPathComponent
      let script: DrillScenario
      do { script = try DrillScenario.parse(text, file: scenario, strings: t) } catch {
        throw Fatal(description: "\(error.issues.count) mistake(s), nothing run\n\(error)", code: 2)
      }
      let access: AccessConfig
      do {
        access = try config.map { try AccessConfig.load(path: $0) } ?? AccessConfig(source: "no --config")
      } catch {
        throw Fatal(description: "\(error)", code: 2)
      }
      let live: LiveStore = try socket.map { try .remote(SocketPath.connect($0)) } ?? .local(location)
      defer { live.close() }
      let state = try live.state()
      let startReal = Instant.now()
      let issues = DrillEngine.rehearse(script, on: state, start: startReal, strings: t)
      guard issues.isEmpty else {
        throw Fatal(
          description: "\(issues.count) inject(s) the live organisation would refuse, nothing run\n"
            + issues.map(\.description).joined(separator: "\n"), code: 2)
      }
      let root = DrillCommands.root(drills, location)
      try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
      // A new directory for each drill: two in the same second get -2, -3 ….
      var id = "drill-" + DrillRunner.stamp(startReal, state.calendar)
      var n = 1
      while FileManager.default.fileExists(atPath: root.appendingPathComponent(id).path) {
        n += 1
        id = "drill-" + DrillRunner.stamp(startReal, state.calendar) + "-\(n)"
      }
      let dir = root.appendingPathComponent(id)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
      let hashBefore = state.contentHash
      var marker = DrillMarker(id: id, name: script.name, scenario: file, speed: speed, exercise: false)
      // The copy first, then the marker: the copy never holds the real store's marker.
      try live.copy(into: dir.appendingPathComponent("store"), state: state)
      do { try live.submit(.startDrill(marker), t) } catch {
        // Refused (not the command role, a drill already under way): nothing of this drill is left.
        try? FileManager.default.removeItem(at: dir)
        throw error
      }
      marker.exercise = true
      // The drill's clock starts now, after the copy: injects at 0m land at once.
      var runner = DrillRunner(
        script: script, marker: marker, dir: dir, speed: speed, startReal: Instant.now(), access: access, strings: t)
      let outcome = Result { try runner.run() }
      // The real store's marker ends whatever happened to the drill.
      let ended = Result { try live.submit(.endDrill(id: id), t) }
      var log = runner.engine.log
      log.stateHashBefore = hashBefore
      log.stateHashAfter = (try? live.state())?.contentHash
      try DrillRunner.keep(log, in: dir, strings: t)
      try outcome.get()
      if case .failure(let e) = ended {
        writeStderr(
          "cordon drill: the real store still says the drill is under way (\(e)); end it with: "
            + "echo '{\"type\":\"drillEnd\",\"id\":\"\(id)\"}' | cordon post\n")
      }
      print(DrillReport.render(log, format: .txt, strings: t), terminator: "")
      print(t("drill.kept", dir.path))
      if log.stateHashBefore != log.stateHashAfter { throw ExitCode(1) }
    }
  }

  struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "report", abstract: "The after-action report of a drill (the latest, or --drill ID).")
    @OptionGroup var location: StoreLocation
    @Option(name: .long, help: "Where drills are kept (default: DATA/drills).") var drills: String?
    @Option(name: .long, help: "The drill's id (default: the latest).") var drill: String?
    @Option(name: .long, help: "md or txt.") var format: String = "md"
    @Option(name: .long, help: "zh or en.") var lang: String = "zh"

    func run() throws {
      guard let f = DrillReport.Format(rawValue: format) else {
        throw Fatal(description: "--format: expected md or txt, got \(format)", code: 2)
      }
      let root = DrillCommands.root(drills, location)
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter {
        $0.hasPrefix("drill-")
      }.sorted()
      guard let name = drill ?? names.last else { throw Fatal(description: "no drills in \(root.path)", code: 1) }
      guard names.contains(name) else {
        throw Fatal(description: "no drill \(name) in \(root.path) (there are: \(names.joined(separator: ", ")))")
      }
      let data: Data
      do { data = try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent("result.json")) } catch
      {
        throw Fatal(description: "\(name): no result.json: the drill did not end (\(error.localizedDescription))")
      }
      let log: DrillLog
      do { log = try JSONDecoder().decode(DrillLog.self, from: data) } catch {
        throw Fatal(description: "\(name)/result.json: \(error)")
      }
      print(DrillReport.render(log, format: f, strings: Strings(lang == "en" ? .en : .zh)), terminator: "")
    }
  }
}

/// The live store the drill copies and marks: a data directory opened for
/// a moment at the start and at the end, or a server, which decides the
/// role (the command role only) where the marker executes.
enum LiveStore {
  case local(StoreLocation)
  case remote(RemoteSource)

  func close() { if case .remote(let r) = self { r.close() } }

  func state() throws -> CordonState {
    switch self {
    case .local(let l):
      let store = try l.openStore()
      defer { store.close() }
      return store.state
    case .remote(let r): return r.state
    }
  }

  /// The copy: a backup of the data directory (its history too, so the
  /// drill's daily report and audit read as the live ones do), or, through a
  /// server, the state it sent, as the copy's first snapshot.
  func copy(into dest: URL, state: CordonState) throws {
    switch self {
    case .local(let l):
      do {
        _ = try backup(from: l.directory(), to: dest)
      } catch {
        throw Fatal(description: "cannot copy \(l.directory().path) for the drill: \(error)")
      }
    case .remote:
      do {
        try EventStore<CordonDomain>.seed(
          directory: dest, state: state, seq: state.lastSeq, lastTime: state.latest)
      } catch {
        throw Fatal(description: "cannot create the drill's copy in \(dest.path): \(error)")
      }
    }
  }

  func submit(_ command: CordonCommand, _ t: Strings) throws {
    switch self {
    case .local(let l):
      // A console may hold the directory for a moment (one opened to look at the real state): wait up to 30 s.
      var opened: EventStore<CordonDomain>? = nil
      var failure: Error? = nil
      for _ in 0..<60 {
        do {
          opened = try openStore(at: l.directory(), options: l.options)
          break
        } catch {
          failure = error
          usleep(500_000)
        }
      }
      guard let store = opened else {
        throw Fatal(
          description:
            "\(failure.map { "\($0)" } ?? ""): while a server or a console holds \(l.directory().path), "
            + "run the drill through it with --socket")
      }
      defer { store.close() }
      if case .failure(let f) = submitAndWait(command, to: store, actor: currentUser(), unit: nil) {
        throw Fatal(description: t.refusal(f.refusal))
      }
    case .remote(let r):
      guard let line = CommandJSON.encode(command, calendar: r.state.calendar) else { return }
      let target: UInt64
      switch r.submitAndWait(lines: [line]) {
      case .success(let done)?: target = done.seq
      case .failure(let f)?: throw Fatal(description: t.refusal(f.refusal), code: 3)
      case nil: throw Fatal(description: "no result from the server")
      }
      // The state the report hashes is the one after the marker.
      let deadline = Date().addingTimeInterval(5)
      while r.lastSeq < target && Date() < deadline { usleep(5_000) }
    }
  }
}

/// Runs the scenario on the drill's copy: serves it, lands the injects on
/// the drill's clock, feeds the records to the engine, ends on the last deadline.
struct DrillRunner {
  let script: DrillScenario
  let marker: DrillMarker
  let dir: URL
  let speed: Int
  let startReal: Instant
  let access: AccessConfig
  let strings: Strings
  var engine: DrillEngine

  init(
    script: DrillScenario, marker: DrillMarker, dir: URL, speed: Int, startReal: Instant, access: AccessConfig,
    strings: Strings
  ) {
    self.script = script
    self.marker = marker
    self.dir = dir
    self.speed = speed
    self.startReal = startReal
    self.access = access
    self.strings = strings
    engine = DrillEngine(scenario: script, id: marker.id, speed: speed, start: startReal)
  }

  static func stamp(_ t: Instant, _ calendar: LocalCalendar) -> String {
    calendar.format(t).filter { $0.isNumber }.prefix(12).description
      + String(format: "%02d", t.milliseconds / 1000 % 60)
  }

  /// The drill's clock: real time from the start, `speed` times faster.
  static func clock(start: Instant, speed: Int) -> @Sendable () -> Instant {
    {
      let real = Instant.now().milliseconds(since: start)
      return Instant(
        milliseconds: start.milliseconds &+ real.multipliedReportingOverflow(by: Int64(speed)).partialValue)
    }
  }

  mutating func run() throws {
    let clock = Self.clock(start: startReal, speed: speed)
    let store: EventStore<CordonDomain>
    do {
      store = try EventStore<CordonDomain>.open(
        directory: dir.appendingPathComponent("store"), options: StoreOptions(), clock: clock)
    } catch {
      throw Fatal(description: "cannot open the drill's copy: \(error)")
    }
    defer { store.close() }
    let actor = currentUser()
    if case .failure(let f) = submitAndWait(.startDrill(marker), to: store, actor: actor, unit: nil) {
      throw Fatal(description: strings.refusal(f.refusal))
    }
    let socketPath = dir.appendingPathComponent("cordon.sock").path
    let server = CordonServer(store: store, access: access, socketPath: socketPath, options: CordonServer.Options())
    do { try server.start() } catch { throw Fatal(description: "the drill's server: \(error)") }
    defer { server.stop() }
    let inbox = Mutex<[EventRecord<CordonEvent>]>([])
    let sub = store.subscribe { records, _ in inbox.withLock { $0 += records } }
    defer { store.unsubscribe(sub) }
    let stop = StopFlag()
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let signals = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
      let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      s.setEventHandler { stop.set() }
      s.resume()
      return s
    }
    defer { signals.forEach { $0.cancel() } }
    print(strings("drill.started", marker.id, socketPath, String(speed)))
    fflush(nil)
    // Offsets count from here, once the copy is served: an inject at 0m lands at once.
    engine = DrillEngine(scenario: script, id: marker.id, speed: speed, start: clock())
    var lastTick = Date.distantPast
    while !engine.isFinished && !stop.isSet {
      let now = clock()
      for inject in engine.due(at: now) {
        let line = engine.line(for: inject, at: now, calendar: store.state.calendar)
        let refusal: String?
        var events: [CordonEvent] = []
        do {
          let command = try CommandJSON.decode(line, calendar: store.state.calendar)
          switch submitAndWait(
            command, to: store, actor: inject.actor, unit: inject.unit,
            commandID: DrillEngine.injectCommandPrefix + marker.id + ":" + inject.id)
          {
          case .success(let records):
            events = records.map(\.event)
            refusal = nil
          case .failure(let f): refusal = strings.refusal(f.refusal)
          }
        } catch {
          refusal = strings.refusal(error)
        }
        engine.landed(inject, at: now, events: events, refusal: refusal)
        print(
          "+" + DrillDuration.words(inject.offset) + " "
            + strings("drill.report.inject", inject.id, UserText.clean(inject.text))
            + (refusal.map { " " + strings("drill.report.refused", $0) } ?? ""))
        fflush(nil)
      }
      engine.observe(
        inbox.withLock { r in
          defer { r = [] }; return r
        })
      engine.score(at: clock())
      if Date().timeIntervalSince(lastTick) >= 1 {
        store.tick()
        lastTick = Date()
      }
      // Sleep until the next inject or deadline on the drill's clock, at most a second.
      let wait = engine.nextWake.map { Double(max(0, $0.milliseconds(since: clock()))) / 1000 / Double(speed) } ?? 1
      stop.sleep(seconds: min(1, max(0.01, wait)))
    }
    engine.observe(
      inbox.withLock { r in
        defer { r = [] }; return r
      })
    engine.finish(at: clock(), stopped: stop.isSet)
    _ = submitAndWait(.endDrill(id: marker.id), to: store, actor: actor, unit: nil)
  }

  /// `result.json` and both reports, kept in the drill's directory for later.
  static func keep(_ log: DrillLog, in dir: URL, strings t: Strings) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
      try e.encode(log).write(to: dir.appendingPathComponent("result.json"), options: .atomic)
      for f in DrillReport.Format.allCases {
        try DrillReport.render(log, format: f, strings: t).write(
          to: dir.appendingPathComponent("report.\(f.rawValue)"), atomically: true, encoding: .utf8)
      }
    } catch {
      throw Fatal(description: "cannot keep the drill's result in \(dir.path): \(error)")
    }
  }
}
