import CordonModel
import CordonStore
import EventSourcing

extension StoreFailure {
  /// Every failure as a refusal, so one string table words them all: the
  /// console's status line and form, `cordon post`, and the importers say
  /// the same words for the same failure.
  public var refusal: Refusal {
    switch self {
    case .refused(let r): r
    case .storeReadOnly(let reason): Refusal("store.readOnly", [reason])
    case .io(let text): Refusal("other", [text])
    }
  }
}

extension Strings {
  /// The one wording of a store failure, for every client.
  public func failure(_ f: StoreFailure) -> String { refusal(f.refusal) }
}
