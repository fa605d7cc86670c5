import CordonModel
import CordonSession
import CordonStore
import EventSourcing
import Foundation
import Synchronization

/// The console's thin shell: it holds the model, feeds it the source's state,
/// the clock, keys and the effects' results as messages, hands the effects
/// to the runtime and draws with `ConsoleView`. Owned by one thread (the
/// event loop, or a test); other threads reach it only through the inbox.
public final class ConsoleApp {
  public private(set) var model: ConsoleModel
  public let source: ConsoleSource
  public let clock: @Sendable () -> Instant
  /// The only part other threads touch.
  public let inbox: ConsoleInbox
  private let runtime: EffectRuntime
  /// Set when the terminal should ring (a new critical alert, with the bell on).
  public private(set) var pendingBell = false
  /// Texts to put on the clipboard, for the shell to send as OSC 52.
  public private(set) var pendingCopies: [String] = []
  /// States the model has moved past, kept until `releaseRetired`.
  private var retired: [CordonState] = []

  public init(
    source: ConsoleSource, language: Language, keymap: KeyMap = .defaults,
    clock: @escaping @Sendable () -> Instant = Instant.now, wake: @escaping @Sendable () -> Void = {}
  ) {
    self.source = source
    self.clock = clock
    let inbox = ConsoleInbox(wake: wake)
    self.inbox = inbox
    self.runtime = EffectRuntime(
      source: source, directory: FileManager.default.currentDirectoryPath, post: { inbox.post($0) })
    self.model = ConsoleModel(
      state: source.state, info: source.info, clock: clock(), language: language, keymap: keymap)
    source.onChange { [inbox] in inbox.wakeForData() }
  }

  // MARK: What tests and the loop read

  public var state: CordonState { model.state }
  public var focus: PaneKind { model.focus }
  public var mode: ConsoleModel.Mode { model.mode }
  public var status: ConsoleModel.Status? { model.status }
  public var strings: Strings { model.strings }
  public var wantsQuit: Bool { model.wantsQuit }
  public var readOnly: Bool { model.readOnly }
  public var now: Instant { model.now }
  public var bellOnCritical: Bool {
    get { model.bellOnCritical }
    set { model.bellOnCritical = newValue }
  }

  // MARK: Messages

  public func handle(_ key: Key) { dispatch(.key(key)) }

  public func post(_ m: ConsoleMessage) { inbox.post(m) }

  /// Handles queued messages; returns whether anything needs redrawing.
  @discardableResult
  public func processInbox() -> Bool {
    let (messages, data) = inbox.drain()
    if data { sync() }
    for m in messages { dispatch(m) }
    return data || !messages.isEmpty
  }

  /// Waits for every effect started so far, then handles what they sent back.
  public func settleEffects(timeout: Double = 10) {
    runtime.waitUntilIdle(timeout: timeout)
    processInbox()
  }

  /// Brings the model up to the source and the clock, and to the screen's size, before a frame.
  public func prepareFrame(width: Int, height: Int) {
    sync()
    if model.size != (width, height) { run(ConsoleUpdate.update(&model, .resized(width: width, height: height))) }
  }

  /// The clock's minute passed (the loop's idle wake-up).
  public func tick() { sync() }

  /// Frees the states the console has moved past; the loop calls it once a frame is on screen.
  public func releaseRetired() { retired = [] }

  public func takeCopies() -> [String] {
    defer { pendingCopies = [] }
    return pendingCopies
  }

  public func takeBell() -> Bool {
    defer { pendingBell = false }
    return pendingBell
  }

  /// Draws the model. Changes nothing.
  @discardableResult
  public func render(into buffer: inout ScreenBuffer) -> (x: Int, y: Int)? { ConsoleView.draw(model, into: &buffer) }

  private func dispatch(_ message: ConsoleMessage) {
    sync()
    run(ConsoleUpdate.update(&model, message))
  }

  /// What the source and the clock say now, as messages, when it changed.
  private func sync() {
    let t = clock()
    if t != model.clock { run(ConsoleUpdate.update(&model, .clock(t))) }
    let info = source.info
    let state = source.state
    if state.lastSeq != model.live.lastSeq || info != model.info {
      // The state left behind is freed after the frame (`releaseRetired`):
      // freeing 10,000 alerts is not the frame's work.
      if retired.count >= 4 { retired.removeFirst() }
      retired.append(model.live)
      run(ConsoleUpdate.update(&model, .sourceChanged(state: state, info: info)))
    }
  }

  private func run(_ effects: [ConsoleEffect]) {
    for e in effects {
      switch e {
      case .bell: pendingBell = true
      case .copy(let text): pendingCopies.append(text)
      case .quit: break
      default: runtime.run(e)
      }
    }
  }
}

/// Messages from other threads (store notifications, effect results) wait
/// here until the console's own thread takes them.
public final class ConsoleInbox: Sendable {
  private struct Queue {
    var messages: [ConsoleMessage] = []
    var dataChanged = false
  }
  private let queue = Mutex(Queue())
  private let wake: @Sendable () -> Void
  init(wake: @escaping @Sendable () -> Void) { self.wake = wake }

  public func post(_ m: ConsoleMessage) {
    queue.withLock { $0.messages.append(m) }
    wake()
  }

  /// The source changed: the console reads it once, however many changes came.
  func wakeForData() {
    queue.withLock { $0.dataChanged = true }
    wake()
  }

  func drain() -> (messages: [ConsoleMessage], dataChanged: Bool) {
    queue.withLock { q in
      defer { q = Queue() }
      return (q.messages, q.dataChanged)
    }
  }
}
