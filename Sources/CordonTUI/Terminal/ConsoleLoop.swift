import CNcursesw
import EventSourcing
import Foundation
import Synchronization

/// Set from signal handlers; read by the loop after ppoll returns.
private let terminationSignal = Atomic<Int32>(0)

/// The console's one thread: waits in `ppoll` on the keyboard and a
/// self-pipe, and draws only when something changed. Idle, it wakes once a
/// minute for the clock in the header and not otherwise.
public final class ConsoleLoop {
  private let app: ConsoleApp
  private let terminal: NcursesTerminal
  private let renderer: Renderer
  private let wakePipe: (read: Int32, write: Int32)

  /// Wake-ups by cause, for the benchmark and the idle test.
  public private(set) var wakeups = (keys: 0, messages: 0, clock: 0)

  public init(app: ConsoleApp, terminal: NcursesTerminal, wakePipe: (read: Int32, write: Int32)) {
    self.app = app
    self.terminal = terminal
    self.renderer = Renderer(terminal: terminal)
    self.wakePipe = wakePipe
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

  /// Runs until quit, SIGTERM, SIGHUP or hangup of the terminal. The caller
  /// restores the terminal (`NcursesTerminal.end`) whatever happens.
  public func run() {
    var blocked = sigset_t()
    var previous = sigset_t()
    sigemptyset(&blocked)
    for s in [SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT] { sigaddset(&blocked, s) }
    // Blocked except inside ppoll, so a signal can never slip in between the
    // check and the wait: it interrupts ppoll instead.
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    for s in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
      signal(s) { sig in terminationSignal.store(sig, ordering: .relaxed) }
    }
    var waitMask = previous
    for s in [SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT] { sigdelset(&waitMask, s) }

    renderer.draw(app)
    var scratch = [UInt8](repeating: 0, count: 256)
    while !app.wantsQuit {
      var fds = [
        pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
        pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
      ]
      var timeout = nextClockTick()
      let r = withUnsafePointer(to: &timeout) { tp in
        ppoll(&fds, 2, app.source.info.at == nil ? tp : nil, &waitMask)
      }
      if terminationSignal.load(ordering: .relaxed) != 0 { break }
      if r < 0 && errno != EINTR { break }
      if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && fds[0].revents & Int16(POLLIN) == 0 { break }
      var dirty = false
      if fds[1].revents & Int16(POLLIN) != 0 {
        while read(wakePipe.read, &scratch, scratch.count) > 0 {}
        if app.processInbox() {
          wakeups.messages += 1
          dirty = true
        }
      }
      // Keys, and KEY_RESIZE after a SIGWINCH interrupted ppoll.
      let keys = terminal.readKeys()
      if !keys.isEmpty {
        wakeups.keys += 1
        dirty = true
      }
      for k in keys {
        if k == .resize { renderer.invalidate() }
        app.handle(k)
      }
      if r == 0 {
        wakeups.clock += 1
        dirty = true
      }
      if app.takeBell() { terminal.bell() }
      if dirty && !app.wantsQuit { renderer.draw(app) }
    }
  }

  /// Until just after the next minute boundary: the header clock shows minutes.
  private func nextClockTick() -> timespec {
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
