import Foundation
import Testing

/// Every number a user gives on the command line has a stated range
/// (docs/bounds.md): outside it, a usage error (exit 64) that names the option
/// and the range, before any audio is read; nothing crashes.
@Suite struct BoundsCommandTests {
    static let scene = CLI.path("scenes/test/test_0000.flac")

    static let cases: [(arguments: [String], names: [String])] = [
        (["detect", "--calibration", "1e300", scene], ["--calibration", "-200...200"]),
        (["detect", "--calibration=-250", scene], ["--calibration", "-200...200"]),
        (["detect", "--raw", "s16le", "--rate", "1", "-"], ["--rate", "4000...384000"]),
        (["detect", "--raw", "s16le", "--rate", "400000", "-"], ["--rate", "4000...384000"]),
        (["detect", "--raw", "s16le", "--rate", "16000", "--channels", "65", "-"], ["--channels", "1...64"]),
        (["listen", "--stdout", "--calibration-db", "1e300", scene], ["--calibration-db", "-200...200"]),
        (["listen", "--stdout", "--health-interval", "1e300", scene], ["--health-interval", "1...86400"]),
        (["listen", "--stdout", "--drain", "1e300", scene], ["--drain", "0...3600"]),
        (["bench", "--seconds", "99999999999"], ["--seconds", "1...86400"]),
        (["features", "--mels", "99999999", scene], ["melBandCount", "1...1024"]),
        (["features", "--hop", "0", scene], ["hopLength", "1...16777216"]),
    ]

    @Test("Out-of-range numbers: exit 64, the option and its range named, nothing crashed", arguments: Self.cases.indices)
    func outOfRange(_ index: Int) throws {
        let (arguments, names) = Self.cases[index]
        let result = try CLI.run(arguments, input: Data(), chunk: 1)
        #expect(result.status == 64, "\(arguments): exit \(result.status), \(result.stderr)")
        for name in names { #expect(result.stderr.contains(name), "\(arguments): \(result.stderr)") }
        #expect(result.stdout.isEmpty)
    }
}
