import CordonModel
import CordonSession
import CordonStore
import CordonTUI
import Foundation
import Synchronization

/// `cordon init --org` on a generated organisation (by default 200 units,
/// 5,000 sites, 50 items, 100,000 people), step by step as the command runs
/// it: read and check the file, open a store, commit the batch (the store
/// validates it, once, and fsyncs), then the store's size, and a console's
/// first frame on it (reopen, build the console, draw 200x50).
enum InitBench {
  static func run(_ args: [String]) throws {
    func count(_ flag: String, _ fallback: Int) -> Int { Int(RenderBench.value(of: flag, in: args) ?? "") ?? fallback }
    let units = max(1, count("--units", 200))
    let sites = count("--sites", 5_000)
    let items = count("--items", 50)
    let people = count("--people", 100_000)
    let base =
      RenderBench.value(of: "--dir", in: args).map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory
    let dir = base.appendingPathComponent("cordon-bench-init-\(getpid())")
    defer { try? FileManager.default.removeItem(at: dir) }
    print(
      "init bench: \(units) units, \(sites) sites, \(items) items, \(people) people (target: init ≤ 5 s, first frame ≤ 1 s)"
    )

    let toml = organisation(units: units, sites: sites, items: items, people: people)
    print(String(format: "organisation file: %.1f MiB", Double(toml.utf8.count) / 1_048_576))
    let t = Strings(.en)
    let total = clock()
    var lap = clock()
    let file: OrganisationFile
    do { file = try OrganisationFile.parse(toml, file: "bench.toml", strings: t) } catch {
      throw BenchError("the generated file was refused: \(error.issues.prefix(3).map(\.description))")
    }
    let parse = lap.next()
    let store = try EventStore<CordonDomain>.open(directory: dir)
    let open = lap.next()
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<[EventRecord<CordonEvent>], StoreFailure>?>(nil)
    store.submit(file.command, actor: "bench", unit: nil) { r in
      outcome.withLock { $0 = r }
      done.signal()
    }
    done.wait()
    let commit = lap.next()
    let events: Int
    switch outcome.withLock({ $0 }) {
    case .success(let records)?: events = records.count
    case .failure(let f)?: throw BenchError("the store refused the batch: \(t.failure(f))")
    case nil: throw BenchError("no answer from the store")
    }
    store.close()
    let close = lap.next()
    let initSeconds = total.elapsed()
    print(
      String(
        format:
          "init: %.2f s in all (target 5 s: %.2f× the target): parse+check the file %.2f s, open %.2f s, validate and commit %d events %.2f s, close (snapshot) %.2f s",
        initSeconds, initSeconds / 5, parse, open, events, commit, close))
    print(String(format: "store size: %.1f MiB", Double(size(of: dir)) / 1_048_576))

    // A console on the store as a user starts one: open it, build the console, draw the first frame.
    let frame = clock()
    var part = clock()
    let reopened = try EventStore<CordonDomain>.open(directory: dir)
    defer { reopened.close() }
    let reopen = part.next()
    let source = EmbeddedSource(store: reopened, path: dir.path, isDemo: false, actor: "bench", unit: nil)
    let app = ConsoleApp(source: source, language: .zh, clock: { Instant.now() })
    let build = part.next()
    let renderer = Renderer(terminal: TestTerminal(width: 200, height: 50))
    renderer.draw(app)
    let draw = part.next()
    let frameSeconds = frame.elapsed()
    print(
      String(
        format:
          "first frame: %.2f s (target 1 s: %.2f× the target): open the store %.2f s, build the console %.2f s, draw 200x50 %.2f s",
        frameSeconds, frameSeconds, reopen, build, draw))
  }

  /// A group of the given size as an organisation file, in the shape of the shipped example.
  static func organisation(units: Int, sites: Int, items: Int, people: Int) -> String {
    var out = "[settings]\nfeverThreshold = 37.3\n"
    out.reserveCapacity(people * 110 + sites * 140)
    out += "\n[[units]]\nid = \"hq\"\nname = \"集团机关\"\nheadquarters = true\nkey = false\n"
    for u in 1..<units {
      out += "\n[[units]]\nid = \"u\(u)\"\nname = \"所属企业\(u)\"\nnameEn = \"Subsidiary \(u)\"\nkey = \(u % 10 == 0)\n"
      if u > 20 { out += "parent = \"u\(u % 20 + 1)\"\n" }
    }
    let kinds = SiteKind.allCases
    for s in 0..<sites {
      out +=
        "\n[[sites]]\nid = \"s\(s)\"\nname = \"点位\(s)\"\nunit = \"\(unit(s, units))\"\nkind = \"\(kinds[s % kinds.count].rawValue)\"\n"
    }
    for i in 0..<items {
      out += "\n[[items]]\nid = \"i\(i)\"\nname = \"物资\(i)\"\nmeasure = \"个\"\nminimum = \(i % 7 * 10)\n"
    }
    let categories = ["值班值守人员", "在岗上班人员", "党员在岗", "志愿者在岗", "其余在职人员"]
    for p in 0..<people {
      out +=
        "\n[[people]]\nid = \"p\(p)\"\nname = \"人员\(p)\"\nunit = \"\(unit(p, units))\"\nphone = \"138\(String(format: "%08d", p))\"\ncategories = [\"\(categories[p % categories.count])\"]\n"
    }
    return out
  }

  private static func unit(_ n: Int, _ units: Int) -> String { n % units == 0 ? "hq" : "u\(n % units)" }

  private static func size(of dir: URL) -> Int {
    guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.fileSizeKey]) else { return 0 }
    var total = 0
    for case let url as URL in e { total += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0 }
    return total
  }

  /// A stopwatch: `next()` gives the seconds since the last lap.
  struct Stopwatch {
    var start = DispatchTime.now().uptimeNanoseconds
    mutating func next() -> Double {
      let now = DispatchTime.now().uptimeNanoseconds
      defer { start = now }
      return Double(now - start) / 1e9
    }
    func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
  }
  private static func clock() -> Stopwatch { Stopwatch() }
}
