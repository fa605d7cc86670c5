import CNcursesw
import EventSourcing
import Foundation
import Synchronization

/// Set from signal handlers; read by the loop after ppoll returns.
private let terminationSignal = Atomic<Int32>(0)

/// What woke the loop.
public struct Wakeup: Sendable, Equatable {
  /// Keys (or a resize) may be waiting in the terminal.
  public var input = false
  /// Another thread posted to the console's inbox.
  public var messages = false
  /// The clock's minute passed.
  public var clock = false
  /// Stop: a termination signal, a hangup of the terminal, or a failed wait.
  public var stop = false
  public init(input: Bool = false, messages: Bool = false, clock: Bool = false, stop: Bool = false) {
    self.input = input
    self.messages = messages
    self.clock = clock
    self.stop = stop
  }
}

/// How the loop waits. The real one is `PollWaiter` (ppoll on the terminal
/// and the self-pipe); tests script their own.
public protocol ConsoleWaiter: AnyObject {
  /// Blocks until something happens; `clock`: also wake at the next minute.
  func wait(clock: Bool) -> Wakeup
}

/// The console's one thread: waits, hands keys and messages to the app, and
/// draws only when something changed. Idle, it wakes once a minute for the
/// clock in the header and not otherwise. Any `Terminal` will do: the test
/// terminal runs key sequences without tmux.
public final class ConsoleLoop {
  private let app: ConsoleApp
  private let terminal: Terminal
  private let renderer: Renderer
  private let waiter: ConsoleWaiter

  /// Ambiguous-width characters drawn as ASCII (`--ascii`).
  public var ascii: Bool {
    get { renderer.ascii }
    set { renderer.ascii = newValue }
  }

  /// Wake-ups by cause, for the benchmark and the idle test.
  public private(set) var wakeups = (keys: 0, messages: 0, clock: 0)

  public init(app: ConsoleApp, terminal: Terminal, waiter: ConsoleWaiter) {
    self.app = app
    self.terminal = terminal
    self.renderer = Renderer(terminal: terminal)
    self.waiter = waiter
  }

  /// On the real terminal: ppoll on stdin and the self-pipe.
  public convenience init(app: ConsoleApp, terminal: Terminal, wakePipe: (read: Int32, write: Int32)) {
    self.init(app: app, terminal: terminal, waiter: PollWaiter(input: STDIN_FILENO, wakePipe: wakePipe))
  }

  /// A non-blocking pipe whose write end any thread may poke.
  public static func makeWakePipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else {
      throw NcursesTerminal.NoTerminal(
        description: "cannot create the wake-up pipe: \(String(cString: strerror(errno)))")
    }
    for fd in fds {
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
    return (fds[0], fds[1])
  }

  /// Runs until quit, a termination signal or hangup of the terminal. The
  /// caller restores the terminal (`NcursesTerminal.end`) whatever happens.
  public func run() {
    renderer.draw(app)
    while !app.wantsQuit {
      let w = waiter.wait(clock: app.source.info.at == nil)
      if w.stop { break }
      var dirty = false
      if w.messages && app.processInbox() {
        wakeups.messages += 1
        dirty = true
      }
      // Keys, and KEY_RESIZE after a SIGWINCH interrupted the wait.
      let keys = terminal.readKeys()
      if !keys.isEmpty {
        wakeups.keys += 1
        dirty = true
      }
      for k in keys {
        if k == .resize { renderer.invalidate() }
        app.handle(k)
      }
      if w.clock {
        wakeups.clock += 1
        app.tick()
        dirty = true
      }
      if app.takeBell() { terminal.bell() }
      for text in app.takeCopies() { terminal.copyToClipboard(text) }
      if dirty && !app.wantsQuit { renderer.draw(app) }
      app.releaseRetired()
    }
  }
}

/// Waits in `ppoll` on the terminal's input and a self-pipe. Signals are
/// blocked except inside ppoll, so a SIGWINCH can never slip in between the
/// check and the wait: it interrupts ppoll and arrives as KEY_RESIZE.
public final class PollWaiter: ConsoleWaiter {
  private let input: Int32
  private let wakePipe: (read: Int32, write: Int32)
  private var previous = sigset_t()
  private var waitMask = sigset_t()
  private var scratch = [UInt8](repeating: 0, count: 256)

  public init(input: Int32, wakePipe: (read: Int32, write: Int32)) {
    self.input = input
    self.wakePipe = wakePipe
    var blocked = sigset_t()
    sigemptyset(&blocked)
    for s in [SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT] { sigaddset(&blocked, s) }
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    for s in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
      signal(s) { sig in terminationSignal.store(sig, ordering: .relaxed) }
    }
    waitMask = previous
    for s in [SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT] { sigdelset(&waitMask, s) }
  }

  deinit { pthread_sigmask(SIG_SETMASK, &previous, nil) }

  public func wait(clock: Bool) -> Wakeup {
    var fds = [
      pollfd(fd: input, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
    ]
    var timeout = Self.nextClockTick()
    let r = withUnsafePointer(to: &timeout) { tp in ppoll(&fds, 2, clock ? tp : nil, &waitMask) }
    if terminationSignal.load(ordering: .relaxed) != 0 { return Wakeup(stop: true) }
    if r < 0 && errno != EINTR { return Wakeup(stop: true) }
    if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && fds[0].revents & Int16(POLLIN) == 0 {
      return Wakeup(stop: true)
    }
    var w = Wakeup(input: true, clock: r == 0)
    if fds[1].revents & Int16(POLLIN) != 0 {
      while read(wakePipe.read, &scratch, scratch.count) > 0 {}
      w.messages = true
    }
    return w
  }

  /// Until just after the next minute boundary: the header clock shows minutes.
  private static func nextClockTick() -> timespec {
    let ms = Instant.now().milliseconds
    let wait = 60_000 - ms % 60_000 + 20
    return timespec(tv_sec: Int(wait / 1000), tv_nsec: Int(wait % 1000) * 1_000_000)
  }
}

/// Lets any thread wake the loop: one byte into the pipe.
public struct Waker: Sendable {
  let fd: Int32
  public init(fd: Int32) { self.fd = fd }
  public func callAsFunction() {
    var b: UInt8 = 1
    _ = write(fd, &b, 1)
  }
}
