import ArgumentParser
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
    let dir = location.directory()
    guard FileManager.default.fileExists(atPath: dir.path) else {
      throw Fatal(description: "no data directory at \(dir.path)", code: 2)
    }
    let report = CordonStore.fsck(directory: dir, repair: repair)
    print(report.render())
    if !report.isClean { throw ExitCode(1) }
  }
}
