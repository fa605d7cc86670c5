import CordonStore
import CordonStoreTestSupport
import Dispatch
import Foundation
import Synchronization

// The crash-test child: appends toy commands from several threads and prints
// each acknowledged seq only after its completion fired, so whatever the
// parent reads from our stdout before killing us must survive the kill.

func usage() -> Never {
  FileHandle.standardError.write(Data("usage: cordon-torture append --data DIR [--writers N] [--count N]\n".utf8))
  exit(2)
}

func run() {
  let args = Array(CommandLine.arguments.dropFirst())
  guard args.first == "append" else { usage() }
  var data: String?
  var writers = 4
  var count = Int.max
  var i = 1
  while i < args.count {
    let value = i + 1 < args.count ? args[i + 1] : nil
    switch args[i] {
    case "--data": data = value
    case "--writers": writers = value.flatMap(Int.init) ?? writers
    case "--count": count = value.flatMap(Int.init) ?? count
    default: usage()
    }
    i += 2
  }
  guard let data else { usage() }

  let store: EventStore<LedgerModel>
  do {
    store = try EventStore<LedgerModel>.open(
      directory: URL(fileURLWithPath: data), options: StoreOptions(segmentBytes: 64 << 10, snapshotEveryEvents: 500))
  } catch {
    FileHandle.standardError.write(Data("cordon-torture: \(error)\n".utf8))
    exit(1)
  }
  for w in 0..<writers {
    _ = store.submitAndWait(.open("acct-\(w)"))
  }

  let out = Mutex(())
  let remaining = Mutex(count)
  let group = DispatchGroup()
  for w in 0..<writers {
    group.enter()
    Thread {
      var n: Int64 = 0
      while remaining.withLock({ r in
        defer { r -= 1 }
        return r > 0
      }) {
        n += 1
        let result = store.submitAndWait(
          .deposit("acct-\(w)", n), actor: "torture-\(w)", commandID: "w\(w)-\(getpid())-\(n)")
        switch result {
        case .success(let records):
          out.withLock { _ in
            // Unbuffered: a line must reach the parent before anything else happens.
            FileHandle.standardOutput.write(Data(records.map { "\($0.seq)\n" }.joined().utf8))
          }
        case .failure(let f):
          FileHandle.standardError.write(Data("cordon-torture: \(f)\n".utf8))
          exit(3)
        }
      }
      group.leave()
    }.start()
  }
  group.wait()
  store.close()
}

run()
