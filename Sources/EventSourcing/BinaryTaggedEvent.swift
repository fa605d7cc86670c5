/// An event type whose cases carry stable numeric tags in the journal's
/// binary payload (docs/journal-format.md): the tag replaces the case name in
/// every record. `binaryTag` is an exhaustive switch, so a new case does not
/// compile until it has one; a tag, once used, names its case for ever.
public protocol BinaryTaggedEvent: Sendable {
  var binaryTag: UInt16 { get }
  /// The case name `Codable` gives the case with this tag; nil for no case.
  static func binaryCaseName(forTag tag: UInt16) -> String?
}
