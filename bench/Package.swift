// swift-tools-version:6.0
// Benchmarks and test helpers for PickleCodec, outside the main build (scripts/bench-codec,
// scripts/codec-differential build it in release mode).
import PackageDescription

let package = Package(
    name: "codec-bench",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "session-syncd", path: ".."),
    ],
    targets: [
        // Counts malloc/calloc/realloc calls by interposing them (glibc's __libc_* do the work).
        .target(name: "CMallocCounter"),
        // scripts/bench-codec: decode throughput and allocations per session.
        .executableTarget(
            name: "bench-codec",
            dependencies: [.product(name: "PickleCodec", package: "session-syncd"), "CMallocCounter"],
            path: "Sources/CodecBench"
        ),
        // scripts/codec-differential: NUL-separated web.py values in, one JSON line out per value.
        .executableTarget(
            name: "codec-records",
            dependencies: [.product(name: "PickleCodec", package: "session-syncd")],
            path: "Sources/CodecRecords"
        ),
    ]
)
