/// Shift ids in order of (end, id): the roster of one unit and role, for
/// what covers it now or next (`CordonState.shifts(ofUnit:role:endingAfter:)`).
///
/// Held in sorted chunks of at most `chunkLimit` entries rather than one
/// sorted array. Shifts are often assigned out of the order of their end (a
/// week's roster typed person by person, a month imported from a file),
/// and inserting into one array moved every later entry: a city's 500,000
/// shifts took seconds of `memmove` to index. A chunk moves at most its own
/// entries, and a state copied for a command (copy-on-write) copies the one
/// chunk it changes, not the role's whole history.
struct ShiftEnds: Sendable {
  struct Entry: Sendable, Comparable {
    var end: Int64
    var id: String
    static func < (a: Entry, b: Entry) -> Bool { (a.end, a.id) < (b.end, b.id) }
  }

  /// Each chunk sorted and non-empty, every entry of a chunk before those of the next.
  private(set) var chunks: [[Entry]] = []
  static let chunkLimit = 256
  /// The longest of these shifts (end − start, ms; `Int64.max` past the
  /// range): one that starts by `t` ends by `t + longest`, so a question
  /// about the shifts starting soon reads only those ending soon, not the
  /// whole roster planned ahead. Shifts are at most 24 hours when assigned,
  /// but the bound is what was inserted, not that rule.
  private(set) var longest: Int64 = 0

  init() {}
  /// Each entry with its shift's start.
  init(sorting shifts: [(entry: Entry, start: Int64)]) {
    for s in shifts { widen(to: s.entry, start: s.start) }
    let sorted = shifts.map(\.entry).sorted()
    chunks = stride(from: 0, to: sorted.count, by: Self.chunkLimit / 2).map {
      Array(sorted[$0..<min($0 + Self.chunkLimit / 2, sorted.count)])
    }
  }

  /// Every entry in order (tests, and a check of the chunks' invariant).
  var all: [Entry] { Array(chunks.joined()) }

  /// `e`, whose shift starts at `start`.
  mutating func insert(_ e: Entry, start: Int64) {
    widen(to: e, start: start)
    guard !chunks.isEmpty else {
      chunks = [[e]]
      return
    }
    // The first chunk whose last entry is not before `e`; past the end, the last chunk.
    var c = Self.partition(chunks.count) { chunks[$0][chunks[$0].count - 1] < e }
    if c == chunks.count { c -= 1 }
    if let last = chunks[c].last, last < e {
      // Mostly: a shift ending after every other one, appended.
      chunks[c].append(e)
    } else {
      let at = Self.partition(chunks[c].count) { chunks[c][$0] < e }
      chunks[c].insert(e, at: at)
    }
    if chunks[c].count > Self.chunkLimit {
      let upper = Array(chunks[c][(Self.chunkLimit / 2)...])
      chunks[c].removeSubrange((Self.chunkLimit / 2)...)
      chunks.insert(upper, at: c + 1)
    }
  }

  private mutating func widen(to e: Entry, start: Int64) {
    let (length, overflow) = e.end.subtractingReportingOverflow(start)
    longest = overflow ? .max : max(longest, length)
  }

  /// Visits the entries whose end is after `t`, in order, while `body` returns true.
  func forEach(endingAfter t: Int64, while body: (Entry) -> Bool) {
    var c = Self.partition(chunks.count) { chunks[$0][chunks[$0].count - 1].end <= t }
    guard c < chunks.count else { return }
    var i = Self.partition(chunks[c].count) { chunks[c][$0].end <= t }
    while c < chunks.count {
      let chunk = chunks[c]
      while i < chunk.count {
        guard body(chunk[i]) else { return }
        i += 1
      }
      c += 1
      i = 0
    }
  }

  /// The entries whose end is after `t`, in order.
  func entries(endingAfter t: Int64) -> [Entry] {
    var out: [Entry] = []
    forEach(endingAfter: t) { e in
      out.append(e)
      return true
    }
    return out
  }

  /// The latest entry ending at or before `t` that `accepts`; nil when none does.
  func last(endingAtOrBefore t: Int64, where accepts: (Entry) -> Bool) -> Entry? {
    for chunk in chunks.reversed() where chunk[0].end <= t {
      for e in chunk.reversed() where e.end <= t && accepts(e) { return e }
    }
    return nil
  }

  /// The first index in `0..<count` for which `before` is false (those for which it is true come first).
  private static func partition(_ count: Int, _ before: (Int) -> Bool) -> Int {
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = lo + (hi - lo) / 2
      if before(mid) { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }
}
