// swift-tools-version: 6.1
import PackageDescription

// The store and the event contract are generic over the domain. Without
// cross-module optimisation their release code runs unspecialised: every
// record replayed looks up generic metadata (about a fifth of a full replay's
// time, by perf) and copies through value witnesses. With it, the modules
// that name the domain (`EventStore<CordonDomain>`) specialise the store.
let wholeProgramInRelease: [SwiftSetting] = [
  .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
  name: "Cordon",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "cordon", targets: ["cordon"]),
    .executable(name: "cordon-bench", targets: ["cordon-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    .package(url: "https://github.com/apple/swift-nio", .upToNextMinor(from: "2.101.2")),
    .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    // Already AsyncHTTPClient's: a receiver's own CA and client certificate (CordonNotify only).
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
  ],
  targets: [
    .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
    // The contract between a domain and the store: records, instants, refusals.
    .target(name: "EventSourcing", swiftSettings: wholeProgramInRelease),
    // Pure domain: entities, events, commands, rules. No I/O.
    .target(name: "CordonModel", dependencies: ["EventSourcing"]),
    // Durable event store: journal, snapshots, recovery, compressed archives of history. Generic over the domain.
    // The CPU's CRC-32C instruction, for the store's checksums (C: Swift cannot reach it portably).
    .target(name: "CCRC32C"),
    .target(
      name: "CordonStore",
      dependencies: ["EventSourcing", "CCRC32C", .product(name: "CompressNIO", package: "compress-nio")],
      swiftSettings: wholeProgramInRelease),
    // What a console reads and sends through: the data-source protocol, the
    // embedded store's source, and the one wording of store failures.
    .target(name: "CordonSession", dependencies: ["CordonModel", "CordonStore"]),
    // The wire protocol of `cordon serve`, and the remote client beside it.
    .target(
      name: "CordonWire",
      dependencies: [
        "CordonModel", "CordonStore", "CordonSession",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ]
    ),
    // Drills: scenario files (TOML), the injects' schedule, scoring and the
    // after-action report. Pure: the runner in `cordon` does the I/O.
    .target(name: "CordonDrill", dependencies: ["CordonModel", .product(name: "TOMLKit", package: "TOMLKit")]),
    // Everything that touches the terminal.
    .target(
      name: "CordonTUI",
      dependencies: [
        "CNcursesw", "CordonModel", "CordonStore", "CordonSession", .product(name: "TOMLKit", package: "TOMLKit"),
      ]
    ),
    // Delivers the journalled outbox: webhooks (AsyncHTTPClient) and exec
    // receivers. Only the server and the executable link it.
    .target(
      name: "CordonNotify",
      dependencies: [
        "CordonModel", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ]
    ),
    // `cordon serve`: identity from peer credentials, roles, fan-out. Store,
    // model and wire only: never the terminal (a test reads dump-package).
    // The one module that logs (swift-log), with the executable that sets it up.
    .target(
      name: "CordonServer",
      dependencies: [
        "CordonModel", "CordonStore", "CordonSession", "CordonWire", "CordonNotify",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "TOMLKit", package: "TOMLKit"),
      ]
    ),
    // The journal and snapshots in PostgreSQL (postgres-nio), behind the same
    // seam as the embedded store. Only the executable, its bench and its own
    // tests link it: the heavy client stays out of every other module.
    .target(
      name: "CordonPostgres",
      dependencies: [
        "EventSourcing", "CordonStore", "CordonModel", "CordonSession",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ]
    ),
    .executableTarget(
      name: "cordon",
      dependencies: [
        "CordonModel", "CordonStore", "CordonSession", "CordonWire", "CordonTUI", "CordonServer", "CordonDrill",
        "CordonPostgres",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .executableTarget(
      name: "cordon-bench",
      dependencies: [
        "CordonModel", "CordonStore", "CordonStoreTestSupport", "CordonSession", "CordonWire", "CordonTUI",
        "CordonServer", "CordonPostgres", .product(name: "NIOPosix", package: "swift-nio"),
        // The notify benchmark's loopback webhook receivers.
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),
    // Golden report files are read by path, not bundled.
    .testTarget(name: "CordonModelTests", dependencies: ["CordonModel"], exclude: ["Golden"]),
    .testTarget(name: "CordonDrillTests", dependencies: ["CordonDrill", "CordonModel"], exclude: ["Golden"]),
    // A toy domain and fault-injecting file I/O, shared by the store's tests and its crash-test child.
    .target(name: "CordonStoreTestSupport", dependencies: ["CordonStore"]),
    .executableTarget(name: "cordon-torture", dependencies: ["CordonStore", "CordonStoreTestSupport"]),
    .testTarget(
      name: "CordonStoreTests", dependencies: ["CordonStore", "CordonStoreTestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "CordonTUITests", dependencies: ["CordonTUI", "CordonSession", "CordonModel", "CordonStore"]),
    // Real sockets, real OS users (when root): protocol, fuzzing, authorisation matrix.
    .testTarget(
      name: "CordonServerTests",
      dependencies: [
        "CordonServer", "CordonWire", "CordonSession", "CordonTUI", "CordonModel", "CordonStore",
        "CordonStoreTestSupport", "cordon", .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    // Runs the built `cordon` binary for real: in tmux, under a pty, over sockets and SSH.
    // A real HTTP receiver on loopback; the server and `cordon serve` killed mid-delivery.
    .testTarget(
      name: "CordonNotifyTests", dependencies: ["CordonNotify", "CordonModel", "CordonServer", "CordonStore", "cordon"]),
    .testTarget(name: "CordonE2ETests", dependencies: ["cordon"]),
    // Against a private PostgreSQL cluster the tests start (initdb, pg_ctl, a Unix socket in a temp dir).
    .testTarget(
      name: "CordonPostgresTests",
      dependencies: [
        "CordonPostgres", "CordonModel", "CordonStore", "CordonSession", "CordonStoreTestSupport", "CordonWire", "cordon",
      ]),
  ],
  swiftLanguageModes: [.v6]
)
