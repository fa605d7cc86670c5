import CordonModel
import CordonSession
import Dispatch
import Foundation

/// Runs the update function's effects off the console's thread: commands go
/// to the source (which answers on its own thread), history reads and file
/// writes run on a queue of their own. Every result comes back as a message
/// through `post`. Bell and quit belong to the terminal: the shell takes them.
final class EffectRuntime: Sendable {
  private let source: ConsoleSource
  private let post: @Sendable (ConsoleMessage) -> Void
  private let queue = DispatchQueue(label: "cordon.console.effects")
  private let inFlight = DispatchGroup()
  /// Where relative paths are written.
  private let directory: String

  init(source: ConsoleSource, directory: String, post: @escaping @Sendable (ConsoleMessage) -> Void) {
    self.source = source
    self.directory = directory
    self.post = post
  }

  func run(_ effect: ConsoleEffect) {
    let (source, post, directory) = (self.source, self.post, self.directory)
    switch effect {
    case .submit(let gated):
      inFlight.enter()
      let token = gated.formToken
      source.submit(gated.command) { [inFlight] result in
        switch result {
        case .success(let seq): post(.saved(seq: seq, formToken: token))
        case .failure(let f): post(.refused(f, formToken: token))
        }
        inFlight.leave()
      }
    case .loadPast(let moment):
      queue.async(group: inFlight) { post(.pastLoaded(at: moment, state: source.state(at: moment))) }
    case .loadRecords(let purpose, let since):
      queue.async(group: inFlight) { post(.recordsLoaded(purpose, source.records(since: since, until: nil))) }
    case .writeFile(let path, let text):
      queue.async(group: inFlight) {
        let full = path.hasPrefix("/") ? path : directory + "/" + path
        do {
          try text.write(toFile: full, atomically: true, encoding: .utf8)
          post(.fileWritten(path: full, error: nil))
        } catch {
          post(.fileWritten(path: full, error: error.localizedDescription))
        }
      }
    case .bell, .copy, .quit: break
    }
  }

  /// Waits until every effect started so far has posted its result (tests, and a clean exit).
  @discardableResult
  func waitUntilIdle(timeout: Double = 10) -> Bool {
    inFlight.wait(timeout: .now() + timeout) == .success
  }
}
