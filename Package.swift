// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Tympan",
    products: [
        .library(name: "Tympan", targets: ["Tympan"]),
        .library(name: "TympanIO", targets: ["TympanIO"]),
        .executable(name: "tympan", targets: ["TympanCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        // The hot path: pure C11, one stage per file, one public header.
        .target(
            name: "CTympan",
            dependencies: ["CFFTW"],
            path: "CKernels",
            linkerSettings: [.linkedLibrary("fftw3f"), .linkedLibrary("m"), .linkedLibrary("pthread")]
        ),
        .target(name: "Tympan", dependencies: ["CTympan"]),
        .target(name: "TympanIO", dependencies: ["Tympan", "CSndFile", "CSoxr"]),
        .executableTarget(
            name: "TympanCLI",
            dependencies: [
                "Tympan", "TympanIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CTympanTests", dependencies: ["CTympan"]),
        .testTarget(name: "TympanTests", dependencies: ["Tympan", "TympanIO"]),
        .testTarget(name: "TympanIOTests", dependencies: ["TympanIO"]),
        .testTarget(name: "TympanCLITests", dependencies: ["TympanCLI", "TympanIO"]),
    ],
    cLanguageStandard: .c11
)
