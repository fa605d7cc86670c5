import ArgumentParser
import CordonModel
import CordonPostgres
import CordonStore
import Foundation

struct Fsck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fsck",
    abstract: "Verify every journal frame and snapshot; exit 0 only when clean.",
    discussion:
      "--repair cuts a torn tail of the last segment (keeping the bytes in quarantine/); it never drops data in the middle."
  )

  @OptionGroup var location: StoreLocation
  @Flag(name: .long, help: "Cut a torn or invalid tail of the last segment.") var repair = false

  func run() throws {
    if let url = try location.postgres() {
      if repair { throw Fatal(description: "--repair is for a data directory; PostgreSQL keeps its own WAL", code: 2) }
      let result: (lines: [String], clean: Bool)
      do { result = try PostgresStore<CordonDomain>.verify(url: url) } catch {
        throw Fatal(description: "cannot check \(url): \(error)", code: 1)
      }
      print(result.lines.joined(separator: "\n"))
      if !result.clean { throw ExitCode(1) }
      return
    }
    let dir = location.directory()
    guard FileManager.default.fileExists(atPath: dir.path) else {
      throw Fatal(description: "no data directory at \(dir.path)", code: 2)
    }
    let report = CordonStore.fsck(directory: dir, repair: repair)
    print(report.render())
    if !report.isClean { throw ExitCode(1) }
  }
}
