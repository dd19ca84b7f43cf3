// swift-tools-version: 6.1
// The benchmarks live in their own package so that the library's users never
// build package-benchmark. Run: `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "TympanBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Tympan", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "FeatureBenchmarks",
            dependencies: [
                .product(name: "Tympan", package: "Tympan"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/FeatureBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
