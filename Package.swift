// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "session-syncd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "session-syncd", targets: ["SessionSyncd"]),
        .library(name: "PickleCodec", targets: ["PickleCodec"]),
        .library(name: "PGListen", targets: ["PGListen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // UnixSignals only (signal delivery for `run`); its ServiceGroup is not used: docs/architecture.md.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // libpq from the system (Debian: libpq-dev).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // Pure Swift, no dependencies: knows nothing of PostgreSQL.
        .target(name: "PickleCodec"),
        // Swift over libpq: knows nothing of pickles.
        .target(
            name: "PGListen",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "SessionSyncd",
            dependencies: [
                "PickleCodec",
                "PGListen",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "PickleCodecTests", dependencies: ["PickleCodec"], exclude: ["Fixtures"]),
        .testTarget(
            name: "PGListenTests",
            dependencies: ["PGListen", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SessionSyncdTests",
            dependencies: ["SessionSyncd", "PickleCodec", "PGListen", .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
