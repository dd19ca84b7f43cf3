import Foundation
import Testing
import Tympan
import TympanIO

extension CLI {
    /// Runs the binary with bytes on its standard input, written in chunks.
    static func run(_ arguments: [String], input: Data, chunk: Int) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let writer = Thread {
            var offset = 0
            while offset < input.count {
                let end = min(offset + chunk, input.count)
                stdin.fileHandleForWriting.write(input.subdata(in: offset..<end))
                offset = end
            }
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }
}

@Suite struct DetectCommandTests {
    let scenes = ["test_0009.flac", "test_0006.flac", "test_0004.flac"].map { CLI.path("scenes/test/\($0)") }

    static var allScenes: [String] {
        let folder = CLI.fixtures.appendingPathComponent("scenes/test")
        return (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?
            .filter { $0.hasSuffix(".flac") }.sorted().map { folder.appendingPathComponent($0).path } ?? []
    }

    @Test("Privacy: records from every test scene carry exactly the record keys; --explain adds only explanation")
    func jsonKeys() throws {
        #expect(Self.allScenes.count > 100)
        let plain = try CLI.run(["detect", "--sensor", "street-7"] + Self.allScenes)
        #expect(plain.status == 0, "\(plain.stderr)")
        let lines = CLI.text(plain.stdout).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(Set(object.keys) == Set(EventRecord.keys))
            #expect(object["sensor"] as? String == "street-7")
            #expect(EventClass(rawValue: object["class"] as! String)?.id == object["class_id"] as? Int)
            #expect((object["time"] as! String).hasSuffix("Z"))
        }
        let explained = try CLI.run(["detect", "--explain"] + scenes)
        for line in CLI.text(explained.stdout).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(Set(object.keys) == Set(EventRecord.keys + ["explanation"]))
            #expect(!(object["explanation"] as! [Any]).isEmpty)
        }
    }

    @Test("--start-time sets the record time: start + onset, UTC with milliseconds")
    func startTime() throws {
        let result = try CLI.run(["detect", "--start-time", "2026-11-30T12:00:00Z", scenes[0]])
        let first = CLI.text(result.stdout).split(separator: "\n").first.map(String.init) ?? ""
        let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as! [String: Any]
        let onset = object["onset"] as! Double
        let expected = utcTimestamp(parseUTCForTest("2026-11-30T12:00:00Z") + onset)
        #expect(object["time"] as? String == expected)
        #expect(expected.hasPrefix("2026-11-30T12:00:0"))
    }

    @Test("Raw s16le on standard input, in small chunks, gives the events of the file",
          arguments: [1000, 4096, 65_536])
    func standardInput(_ chunk: Int) throws {
        let file = scenes[0]
        let clip = try AudioFile.read(file)
        var bytes = Data(capacity: clip.samples.count * 2)
        for x in clip.samples {
            let v = Int16(max(-32768, min(32767, (x * 32768).rounded())))
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }
        let fromFile = try CLI.run(["detect", "--format", "tsv", file])
        let fromPipe = try CLI.run(["detect", "--format", "tsv", "--raw", "s16le", "--rate", "16000", "-"],
                                   input: bytes, chunk: chunk)
        #expect(fromPipe.status == 0, "\(fromPipe.stderr)")
        let strip = { (d: Data) in CLI.text(d).split(separator: "\n").map { $0.split(separator: "\t").dropFirst().joined(separator: "\t") } }
        #expect(!strip(fromFile.stdout).isEmpty)
        #expect(strip(fromPipe.stdout) == strip(fromFile.stdout))
        // --raw means the same as in `listen`: a raw PCM file reads as standard input does.
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let raw = folder.appendingPathComponent("clip.s16")
        try bytes.write(to: raw)
        let fromRawFile = try CLI.run(["detect", "--format", "tsv", "--raw", "s16le", "--rate", "16000", raw.path])
        #expect(fromRawFile.status == 0, "\(fromRawFile.stderr)")
        #expect(strip(fromRawFile.stdout) == strip(fromFile.stdout))
        // An error names that file, not standard input.
        let odd = folder.appendingPathComponent("odd.s16")
        try Data(bytes.prefix(3)).write(to: odd)
        let stray = try CLI.run(["detect", "--raw", "s16le", "--rate", "16000", odd.path])
        #expect(stray.status == 1 && stray.stderr.contains("cannot read audio '\(odd.path)': the stream ended inside a frame"),
                "\(stray.stderr)")
    }

    @Test("--calibration-db (the name listen has) and detect's earlier --calibration raise level_db alike")
    func calibrationNames() throws {
        let file = scenes[0]
        let plain = try CLI.run(["detect", file]), named = try CLI.run(["detect", "--calibration-db", "94", file])
        let earlier = try CLI.run(["detect", "--calibration", "94", file])
        let levels = { (r: CLI.Result) in
            CLI.text(r.stdout).split(separator: "\n").map { line -> Double in
                let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return object["level_db"] as! Double
            }
        }
        #expect(!levels(plain).isEmpty && levels(named) == levels(earlier))
        #expect(zip(levels(plain), levels(named)).allSatisfy { abs($1 - $0 - 94) < 0.11 }, "\(levels(plain)) \(levels(named))")
    }

    @Test("f32le with a NaN: a clear error naming the sample, exit status 1")
    func nanOnStandardInput() throws {
        var samples = [Float](repeating: 0.01, count: 20_000)
        samples[12_345] = .nan
        let bytes = samples.withUnsafeBytes { Data($0) }
        let result = try CLI.run(["detect", "--raw", "f32le", "--rate", "16000", "-"], input: bytes, chunk: 4096)
        #expect(result.status == 1)
        #expect(result.stderr.contains("sample 12345 is nan"), "\(result.stderr)")
    }

    @Test("A stream that ends inside a frame is an error, not silently dropped")
    func strayBytes() throws {
        let result = try CLI.run(["detect", "--raw", "s16le", "--rate", "16000", "--channels", "2", "-"],
                                 input: Data(repeating: 0, count: 4003), chunk: 1000)
        #expect(result.status == 1 && result.stderr.contains("stray bytes"), "\(result.stderr)")
    }

    @Test("Bad files are reported by name and the other files are still processed")
    func badFilesAmongGood() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.wav")
        try Data().write(to: empty)
        let result = try CLI.run(["detect", "--format", "tsv", "/nonexistent.flac", empty.path, scenes[0]])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent.flac") && result.stderr.contains("empty.wav"))
        #expect(CLI.text(result.stdout).contains("test_0009.flac"), "the good file was still processed")
    }

    @Test("A file whose header gives a sample rate outside 4 kHz...384 kHz is a clear error; the others are still read")
    func absurdHeaderRate() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: CLI.path("audio/tone.wav")))
        let blockAlign = Int(bytes[32]) | Int(bytes[33]) << 8
        func put(_ value: Int, at offset: Int) {
            bytes.replaceSubrange(offset..<offset + 4, with: (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) })
        }
        put(1, at: 24)               // sample rate
        put(blockAlign, at: 28)      // byte rate
        let slow = directory.appendingPathComponent("one-hertz.wav")
        try bytes.write(to: slow)
        let result = try CLI.run(["detect", "--format", "tsv", slow.path, scenes[0]])
        #expect(result.status == 1)
        #expect(result.stderr.contains("one-hertz.wav") && result.stderr.contains("1 Hz")
                && result.stderr.contains("4000...384000 Hz"), "\(result.stderr)")
        #expect(CLI.text(result.stdout).contains("test_0009.flac"), "the good file was still processed")
    }

    @Test("A zero-length audio file (valid header, no samples) is a clear error")
    func zeroLength() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: CLI.path("audio/tone.wav")))
        let header = directory.appendingPathComponent("header-only.wav")
        var bytes = whole.prefix(44)
        bytes.replaceSubrange(40..<44, with: [0, 0, 0, 0])  // data chunk of 0 bytes
        bytes.replaceSubrange(4..<8, with: [36, 0, 0, 0])
        try bytes.write(to: header)
        let result = try CLI.run(["detect", header.path])
        #expect(result.status == 1 && result.stderr.contains("zero length"), "\(result.stderr)")
    }

    @Test("Options that do not fit: clear messages, nonzero status", arguments: [
        (["-"], "--raw"),
        (["--raw", "s24le", "--rate", "16000", "-"], "s24le"),
        (["--raw", "s16le", "x.wav"], "--raw needs --rate"),
        (["--rate", "16000", "x.wav"], "--rate describes raw PCM; add --raw"),
        (["--calibration", "1", "--calibration-db", "1", "x.wav"], "--calibration is the earlier name of --calibration-db"),
        (["--start-time", "yesterday", "x.wav"], "--start-time"),
        // A rate of 1 Hz made a resampling ratio of 16,000: minutes on 40 kB (issue 18).
        (["--raw", "s16le", "--rate", "1", "-"], "--rate 1 is outside 4000...384000 Hz"),
        (["--raw", "s16le", "--rate", "3999", "-"], "--rate 3999 is outside 4000...384000 Hz"),
        (["--raw", "f32le", "--rate", "384001", "-"], "--rate 384001 is outside 4000...384000 Hz"),
    ])
    func badOptions(_ arguments: [String], _ mentioned: String) throws {
        let result = try CLI.run(["detect"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mentioned), "\(result.stderr)")
    }

    @Test("A rules file with a typo: the error names the file, line and field; nothing is detected")
    func rulesTypo() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let printed = try CLI.run(["rules"])
        let broken = CLI.text(printed.stdout).replacingOccurrences(of: "\"flatness\"", with: "\"flatnes\"")
        #expect(broken != CLI.text(printed.stdout), "the bundled rules use flatness")
        let path = directory.appendingPathComponent("rules.json")
        try broken.write(to: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["detect", "--rules", path.path, scenes[0]])
        #expect(result.status != 0 && result.stdout.isEmpty)
        #expect(result.stderr.contains("rules.json:") && result.stderr.contains("unknown feature 'flatnes'"), "\(result.stderr)")
        let check = try CLI.run(["rules", "--check", path.path])
        #expect(check.status != 0 && check.stderr.contains("flatnes"))
        let good = try CLI.run(["rules", "--check", CLI.path("../Tests/TympanCLITests/DetectCommandTests.swift")])
        #expect(good.status != 0)
    }

    @Test("Any sample rate and channel count: a 44.1 kHz file is resampled, not refused")
    func otherRates() throws {
        let result = try CLI.run(["detect", CLI.path("audio/tone-44k.wav"), CLI.path("audio/stereo.wav")])
        #expect(result.status == 0, "\(result.stderr)")
    }
}

func parseUTCForTest(_ s: String) -> Double {
    let f = ISO8601DateFormatter()
    if s.contains(".") { f.formatOptions = [.withInternetDateTime, .withFractionalSeconds] }
    return f.date(from: s)!.timeIntervalSince1970
}
