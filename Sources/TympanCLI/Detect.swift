import ArgumentParser
import Tympan
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

enum EventFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, tsv
}

extension RawPCMStream.Encoding: ExpressibleByArgument {}

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Detect sound events in audio files or a raw PCM stream; print event records.",
        discussion: """
            Files may be in any format libsndfile reads, at 4 kHz to 384 kHz and any channel count: they are mixed to mono and resampled to 16 kHz (libsoxr). '-' reads raw PCM from standard input, chunk by chunk, with --raw, --rate and --channels:

              arecord -f S16_LE -r 16000 -c 1 | tympan detect --raw s16le --rate 16000 -

            Records (--format jsonl) have exactly the keys sensor, time, onset, offset, class, class_id, confidence and level_db (and explanation with --explain); no audio ever leaves. With several files, a file that fails is reported and the others are still processed; the exit status is then 1.
            """)

    @Argument(help: "Audio files, or '-' for raw PCM on standard input.")
    var inputs: [String]

    @Option(help: "Raw PCM encoding of standard input: \(RawPCMStream.Encoding.allCases.map(\.rawValue).joined(separator: ", ")).")
    var raw: RawPCMStream.Encoding?

    @Option(help: "Sample rate of the raw PCM on standard input (Hz, 4000...384000).")
    var rate: Int?

    @Option(help: "Channels of the raw PCM on standard input.")
    var channels: Int = 1

    @Option(help: "A rules file (default: the bundled rules; `tympan rules` prints them).")
    var rules: String?

    @Option(help: "Sensor id written in every record.")
    var sensor: String = "local"

    @Option(help: "dB added to the A-weighted level so that level_db reads dB SPL.")
    var calibration: Double = 0

    @Option(name: .customLong("start-time"),
            help: "UTC time of the first sample, e.g. 2026-11-30T12:00:00Z (default: now for standard input, the file's modification time for files).")
    var startTime: String?

    @Option(help: "Output: jsonl (one record per line) or tsv (DCASE: filename, onset, offset, class).")
    var format: EventFormat = .jsonl

    @Flag(help: "Add the rule terms that fired, with their values, to each record.")
    var explain = false

    func validate() throws {
        if inputs.contains("-") {
            guard raw != nil, rate != nil else {
                throw ValidationError("reading '-' needs --raw (s16le or f32le) and --rate")
            }
            guard inputs.filter({ $0 == "-" }).count == 1 else { throw ValidationError("'-' may be given once") }
        } else if raw != nil || rate != nil {
            throw ValidationError("--raw and --rate describe standard input; add '-' to read it")
        }
        if let startTime, parseUTC(startTime) == nil {
            throw ValidationError("--start-time '\(startTime)' is not a UTC time like 2026-11-30T12:00:00Z")
        }
        if let rate { try checkRawFormat(rate: rate, channels: channels) }
        guard (-200...200).contains(calibration) else {
            throw ValidationError("--calibration \(calibration) is outside -200...200 dB")
        }
        _ = try loadRules()
    }

    func loadRules() throws -> Rules {
        var configuration = FeatureConfiguration.detection
        configuration.descriptors?.calibration = calibration
        return try readRules(rules, configuration: configuration)
    }

    func run() throws {
        let rules = try loadRules()
        var failures = 0
        for input in inputs {
            do {
                try detect(input, rules)
            } catch {
                failures += 1
                printError("\(input == "-" ? "standard input" : input): \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func detect(_ input: String, _ rules: Rules) throws {
        let targetRate = rules.configuration.sampleRate
        let stream: AudioStream
        var start: Double?
        if input == "-" {
            stream = try RawPCMStream(encoding: raw!, sampleRate: rate!, channelCount: channels, targetRate: targetRate)
        } else {
            stream = try AudioFileStream(path: input, targetRate: targetRate)
            start = modificationTime(input)
        }
        if let startTime { start = parseUTC(startTime) }
        let detector = try EventDetector(rules: rules)
        var consumed = 0
        func emit(_ events: [SoundEvent]) {
            for event in events {
                let record = EventRecord(event, sensor: sensor, streamStart: start ?? now(), explain: explain)
                print(format == .jsonl ? record.json : record.tsv(filename: input == "-" ? "-" : baseName(input)))
            }
            if !events.isEmpty { fflush(nil) }
        }
        while true {
            let chunk = try stream.next()
            if chunk.isEmpty { break }
            if start == nil { start = now() }  // standard input: when the first sample arrives
            let events: [SoundEvent]
            do {
                events = try detector.append(chunk)
            } catch {
                // Report the sample's position in the whole input, not in the chunk.
                guard case let .nonFiniteSample(index, value) = error else { throw error }
                throw TympanError.nonFiniteSample(index: consumed + index, value: value)
            }
            emit(events)
            consumed += chunk.count
        }
        guard consumed > 0 else { throw TympanIOError.unreadableAudio(path: input, reason: "no audio in it (zero length)") }
        emit(try detector.finish())
    }
}

func printError(_ message: String) {
    fflush(nil)  // keep the order of what was already printed
    let line = Array("tympan: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func modificationTime(_ path: String) -> Double? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
}

/// Parses 2026-11-30T12:00:00Z or 2026-11-30T12:00:00.250Z (UTC only).
func parseUTC(_ text: String) -> Double? {
    guard text.hasSuffix("Z") else { return nil }
    let body = text.dropLast()
    let parts = body.split(separator: "T")
    guard parts.count == 2 else { return nil }
    let date = parts[0].split(separator: "-").compactMap { Int($0) }
    let timeParts = parts[1].split(separator: ":")
    guard date.count == 3, timeParts.count == 3, let h = Int(timeParts[0]), let m = Int(timeParts[1]),
          let s = Double(timeParts[2]), (1...12).contains(date[1]), (1...31).contains(date[2]),
          (0..<24).contains(h), (0..<60).contains(m), s >= 0, s < 61 else { return nil }
    // Days from civil (H. Hinnant).
    let y = date[1] <= 2 ? date[0] - 1 : date[0]
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = date[1] > 2 ? date[1] - 3 : date[1] + 9
    let doy = (153 * mp + 2) / 5 + date[2] - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return Double(days * 86_400 + h * 3600 + m * 60) + s
}

/// The raw PCM options' ranges, checked before any audio is read (a usage error).
func checkRawFormat(rate: Int, channels: Int) throws {
    let rates = supportedSampleRates
    guard rates.contains(rate) else {
        throw ValidationError("--rate \(rate) is outside \(rates.lowerBound)...\(rates.upperBound) Hz")
    }
    guard (1...64).contains(channels) else { throw ValidationError("--channels \(channels) is outside 1...64") }
}
