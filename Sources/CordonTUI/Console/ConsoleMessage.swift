import CordonModel
import CordonSession
import CordonStore
import EventSourcing

/// What the update function hears: keys, and what the source, the effects and
/// the clock report back.
public enum ConsoleMessage: Sendable {
  case key(Key)
  case mouse(MouseEvent)
  /// The source's committed state or its description changed.
  case sourceChanged(state: CordonState, info: SourceInfo)
  case saved(seq: UInt64, formToken: Int?)
  case refused(StoreFailure, formToken: Int?)
  case resized(width: Int, height: Int)
  case pastLoaded(at: Instant, state: CordonState?)
  case recordsLoaded(RecordsPurpose, [EventRecord<CordonEvent>]?)
  /// A file was written (`path`, absolute), or why not.
  case fileWritten(path: String, error: String?)
  case clock(Instant)
}

/// Why the journal was read.
public enum RecordsPurpose: Sendable, Equatable {
  /// The day's report in a view.
  case report
  /// The day's report as a Markdown file.
  case export
  /// The audit trail, narrowed by words.
  case audit(filter: String)
}

/// What the update function asks the runtime to do. Every effect that
/// changes data is a `.submit`, and only the write gate can make one.
public enum ConsoleEffect: Sendable, Equatable {
  case submit(GatedCommand)
  case loadPast(Instant)
  /// The journal by time, from `since` on (never the whole of it: a year
  /// of history is read only by the commands that ask for it).
  case loadRecords(RecordsPurpose, since: Instant)
  /// `path` relative to the working directory.
  case writeFile(path: String, text: String)
  case bell
  /// Put this text on the user's own clipboard (OSC 52, through SSH and tmux).
  case copy(String)
  case quit
}
