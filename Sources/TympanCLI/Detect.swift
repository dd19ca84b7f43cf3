import ArgumentParser
import Tympan
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

enum EventFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, tsv
}

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Detect sound events in audio files or a raw PCM stream; print event records.",
        discussion: """
            Files may be in any format libsndfile reads, at 4 kHz to 384 kHz and any channel count: they are mixed to mono and resampled to 16 kHz (libsoxr). With --raw, --rate and --channels the inputs are raw PCM instead, read chunk by chunk: '-' for standard input, or files:

              arecord -f S16_LE -r 16000 -c 1 | tympan detect --raw s16le --rate 16000 -

            Records (--format jsonl) have exactly the keys sensor, time, onset, offset, class, class_id, confidence and level_db (and explanation with --explain); no audio ever leaves. With several files, a file that fails is reported and the others are still processed; the exit status is then 1.
            """)

    @Argument(help: "Audio files; with --raw, raw PCM ('-' for standard input, or files).")
    var inputs: [String]

    @OptionGroup var rawInput: RawInputOptions

    @OptionGroup var detection: DetectionOptions

    @Option(help: "Output: jsonl (one record per line) or tsv (DCASE: filename, onset, offset, class).")
    var format: EventFormat = .jsonl

    @Flag(help: "Add the rule terms that fired, with their values, to each record.")
    var explain = false

    func validate() throws {
        try rawInput.check(inputs)
        _ = try loadRules()
    }

    func loadRules() throws -> Rules {
        var configuration = FeatureConfiguration.detection
        configuration.descriptors?.calibration = detection.calibration ?? 0
        return try detection.rules.load(configuration: configuration)
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
        var descriptor: Int32 = 0
        defer { if descriptor > 0 { close(descriptor) } }
        if let raw = rawInput.raw, let rate = rawInput.rate {
            if input != "-" {
                descriptor = open(input, O_RDONLY)
                guard descriptor >= 0 else {
                    throw TympanIOError.unreadableAudio(path: input, reason: String(cString: strerror(errno)))
                }
                start = modificationTime(input)
            }
            stream = try RawPCMStream(descriptor: descriptor, name: input, encoding: raw, sampleRate: rate,
                                      channelCount: rawInput.channels, targetRate: targetRate)
        } else {
            stream = try AudioFileStream(path: input, targetRate: targetRate)
            start = modificationTime(input)
        }
        if let given = detection.start { start = given }
        let detector = try EventDetector(rules: rules)
        var consumed = 0
        func emit(_ events: [SoundEvent]) {
            for event in events {
                let record = EventRecord(event, sensor: detection.sensor ?? "local", streamStart: start ?? now(), explain: explain)
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
