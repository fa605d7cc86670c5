/// The most recent command ids and the seqs their events got, oldest evicted
/// first, so a client retrying after a lost reply gets the original answer
/// instead of a second application.
struct CommandIDWindow: Sendable {
  struct Span: Sendable, Equatable {
    var first: UInt64
    var count: UInt32
  }

  let capacity: Int
  private var order: [String] = []
  private var head = 0
  private var spans: [String: Span] = [:]

  init(capacity: Int) { self.capacity = max(1, capacity) }

  subscript(id: String) -> Span? { spans[id] }

  var count: Int { spans.count }

  /// Seq of the oldest remembered command's first event: journal below it may
  /// be compacted without breaking a duplicate's reply.
  var oldestSeq: UInt64? { head < order.count ? spans[order[head]]?.first : nil }

  mutating func record(_ id: String, seq: UInt64) {
    if var s = spans[id] {
      if s.first + UInt64(s.count) == seq {
        s.count += 1
        spans[id] = s
      }
      return
    }
    spans[id] = Span(first: seq, count: 1)
    order.append(id)
    while order.count - head > capacity {
      spans[order[head]] = nil
      head += 1
    }
    if head > 4096 && head * 2 > order.count {
      order.removeFirst(head)
      head = 0
    }
  }

  var entries: (ids: [String], first: [UInt64], count: [UInt32]) {
    let ids = Array(order[head...])
    return (ids, ids.map { spans[$0]?.first ?? 0 }, ids.map { spans[$0]?.count ?? 0 })
  }

  init(capacity: Int, ids: [String], first: [UInt64], count: [UInt32]) {
    self.init(capacity: capacity)
    for (i, id) in ids.enumerated() where i < first.count && i < count.count {
      spans[id] = Span(first: first[i], count: count[i])
      order.append(id)
    }
    while order.count - head > self.capacity {
      spans[order[head]] = nil
      head += 1
    }
  }
}
