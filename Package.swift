// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Tympan",
    products: [
        .library(name: "Tympan", targets: ["Tympan"]),
        .library(name: "TympanIO", targets: ["TympanIO"]),
        .library(name: "TympanSensor", targets: ["TympanSensor"]),
        .library(name: "TympanEvaluation", targets: ["TympanEvaluation"]),
        .executable(name: "tympan", targets: ["TympanCLI"]),
        // The central platform: its own targets, so that a sensor build
        // (`swift build --product tympan`) never compiles a server.
        .executable(name: "tympan-platform", targets: ["TympanPlatformCLI"]),
        .executable(name: "tympan-fuzz", targets: ["TympanFuzz"]),
        .executable(name: "tympan-platform-fuzz", targets: ["TympanPlatformFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The platform's only: HTTP, SQLite, SHA-256.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // NIOLockedValueBox: a pthread mutex, which ThreadSanitizer sees (see TympanPlatform).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFTW",
            path: "Sources/CFFTW",
            pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CSndFile",
            path: "Sources/CSndFile",
            pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]
        ),
        .systemLibrary(
            name: "CSoxr",
            path: "Sources/CSoxr",
            pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"])]
        ),
        .systemLibrary(
            name: "CMosquitto",
            path: "Sources/CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // signalfd, pipe capacity, CPU time: Linux calls Swift's Glibc module lacks.
        .target(name: "CSensorSystem", path: "Sources/CSensorSystem"),
        // The hot path: pure C11, one stage per file, one public header.
        .target(
            name: "CTympan",
            dependencies: ["CFFTW"],
            path: "CKernels",
            linkerSettings: [.linkedLibrary("fftw3f"), .linkedLibrary("m"), .linkedLibrary("pthread")]
        ),
        // The bundled rules are a data file (Detection/bundled-rules.json), turned
        // into Swift source at build time by the EmbedRules plugin.
        .target(name: "Tympan", dependencies: ["CTympan"], plugins: ["EmbedRules"]),
        .executableTarget(name: "EmbedRulesTool"),
        .plugin(name: "EmbedRules", capability: .buildTool(), dependencies: ["EmbedRulesTool"]),
        .target(name: "TympanIO", dependencies: ["Tympan", "CSndFile", "CSoxr"]),
        // Labels and sed_eval's metrics.
        .target(name: "TympanEvaluation", dependencies: ["Tympan"]),
        // The sensor daemon's parts: configuration, spool, MQTT link (libmosquitto).
        .target(name: "TympanSensor", dependencies: ["Tympan", "TympanIO", "CMosquitto", "CSensorSystem"]),
        .executableTarget(
            name: "TympanCLI",
            dependencies: [
                "Tympan", "TympanIO", "TympanSensor", "TympanEvaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The central platform: event store (SQLite through GRDB or PostgreSQL through
        // postgres-nio, one set of versioned migrations), MQTT
        // ingest (its own client: acknowledges after the commit), HTTP API (Hummingbird).
        .target(
            name: "TympanPlatform",
            dependencies: [
                "Tympan", "TympanIO", "TympanSensor",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            // openapi.yaml, the API's committed document, is embedded at build time.
            plugins: ["EmbedRules"]
        ),
        .executableTarget(
            name: "TympanPlatformCLI",
            dependencies: [
                "TympanPlatform", "TympanSensor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fuzz targets (`make fuzz`: libFuzzer, address and undefined-behaviour
        // sanitizers); built plainly, `tympan-fuzz TARGET FILES` replays saved inputs.
        // The platform's apart, so that the sensor side's fuzz build carries no server.
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"]),
        .executableTarget(
            name: "TympanFuzz",
            dependencies: ["CTympan", "FuzzSupport", "TestSupport", "Tympan", "TympanIO", "TympanEvaluation", "TympanSensor"]
        ),
        .executableTarget(name: "TympanPlatformFuzz", dependencies: ["FuzzSupport", "Tympan", "TympanPlatform"]),
        .target(name: "CFuzzer", path: "Sources/CFuzzer"),
        // Helpers shared by the test targets (a seeded generator, a broker, the
        // classifier's plain reference); the fuzz targets compare with the reference too.
        .target(name: "TestSupport", dependencies: ["Tympan"], path: "Tests/Support"),
        .testTarget(name: "CTympanTests", dependencies: ["CTympan", "TestSupport"]),
        .testTarget(name: "TympanTests", dependencies: ["Tympan", "TympanIO", "TestSupport"]),
        .testTarget(name: "TympanIOTests", dependencies: ["TympanIO"]),
        .testTarget(name: "TympanSensorTests", dependencies: ["TympanSensor"]),
        .testTarget(name: "TympanEvaluationTests", dependencies: ["TympanEvaluation", "TympanIO", "TestSupport"]),
        .testTarget(name: "TympanCLITests", dependencies: ["TympanCLI", "TympanIO", "TestSupport"]),
        .testTarget(
            name: "TympanPlatformTests",
            dependencies: [
                "TympanPlatform", "TympanIO", "TympanSensor", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    cLanguageStandard: .c11
)

// `TYMPAN_SANITIZE=address` or `thread` (`make test-sanitizers`, CI): this package's own
// targets are built with that sanitizer, the C ones with UndefinedBehaviorSanitizer as
// well under `address`; the dependencies are built as they are, so that a sanitized
// build in `.build` reuses their objects instead of compiling every server package again.
if let sanitizer = Context.environment["TYMPAN_SANITIZE"], ["address", "thread"].contains(sanitizer) {
    let cFlags = sanitizer == "address"
        ? ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer"]
        : ["-fsanitize=thread"]
    for target in package.targets where [.regular, .executable, .test].contains(target.type)
        && target.name != "EmbedRulesTool" {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=\(sanitizer)"])]
        target.cSettings = (target.cSettings ?? []) + [.unsafeFlags(cFlags)]
        target.linkerSettings = (target.linkerSettings ?? []) + [.unsafeFlags(["-sanitize=\(sanitizer)"])]
    }
}
