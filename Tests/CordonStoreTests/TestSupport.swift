import CordonStore
import CordonStoreTestSupport
import Foundation
import XCTest

typealias Ledger = EventStore<LedgerModel>
typealias LedgerRecord = EventRecord<LedgerModel.Event>

let simRoot = URL(fileURLWithPath: "/data")

func openSim(
  _ disk: SimulatedDisk, _ clock: ManualClock = ManualClock(), options: StoreOptions = StoreOptions()
) throws -> Ledger {
  try Ledger.open(directory: simRoot, options: options, clock: { clock.tick() }, io: disk)
}

func replay(_ records: [LedgerRecord]) -> LedgerModel.State {
  var s = LedgerModel.initialState()
  for r in records { LedgerModel.apply(r, to: &s) }
  return s
}

extension Result {
  var value: Success? {
    if case .success(let v) = self { return v }
    return nil
  }
  var failure: Failure? {
    if case .failure(let f) = self { return f }
    return nil
  }
}

/// Byte offsets of every frame in a segment file, for aiming corruption precisely.
func frameOffsets(_ bytes: [UInt8]) -> [Int] {
  var offsets: [Int] = []
  var o = SegmentHeader.size
  while o + FrameCodec.headerSize <= bytes.count {
    offsets.append(o)
    let len = Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24
    o += FrameCodec.headerSize + len
  }
  return offsets
}
