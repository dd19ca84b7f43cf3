import ArgumentParser
import Tympan

#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput on this machine: real-time factor and µs per frame for each stage.",
        discussion: """
            The workload: N seconds (default 600) of generated 16 kHz mono audio (noise, tones, clicks; no file needed), fed in 100 ms chunks as a stream, one thread (features through FeatureExtractor.append(_:into:), which reuses one output buffer). Stages: log_mel (frame 400, hop 160, FFT 512, Hann, 64 mel bands 0-8 kHz, power, natural log); descriptors (the detection front end: log-mel and the descriptors, which share one FFT per frame); full_pipeline (features, threshold classification with the bundled rules, event detection). Each stage runs --repeat times (default 3); the fastest run is reported. Real-time factor = audio seconds / wall seconds.
            """)

    @Option(help: "Seconds of audio in the workload.")
    var seconds: Int = 600

    @Option(help: "Runs per stage (the fastest counts).")
    var `repeat`: Int = 3

    @Flag(help: "One JSON object: {\"stages\": {\"log_mel\": {\"rtf\": R, \"us_per_frame\": U}, ...}, \"audio_seconds\": N, \"frames\": F}.")
    var json = false

    func validate() throws {
        guard (1...86_400).contains(seconds) else { throw ValidationError("--seconds must be 1...86400") }
        guard (1...100).contains(`repeat`) else { throw ValidationError("--repeat must be 1...100") }
    }

    static let logMel = FeatureConfiguration(logCompression: .natural(floor: 1e-10))

    /// Deterministic test audio: pink-ish noise, a tone that steps every second, a click every 0.7 s.
    func workload() -> [Float] {
        var x = [Float](repeating: 0, count: seconds * 16_000)
        var state: UInt32 = 1, low: Float = 0
        for i in x.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            let white = Float(state >> 8) / Float(1 << 24) - 0.5
            low = 0.97 * low + 0.03 * white
            let f = 300 + Float(i / 16_000 % 10) * 250
            x[i] = 0.05 * white + 0.3 * low + 0.05 * sinf(2 * .pi * f * Float(i) / 16_000)
            if i % 11_200 < 40 { x[i] += 0.5 * (i % 2 == 0 ? 1 : -1) }
        }
        return x
    }

    func clock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The fastest of `repeat` runs of `body` over the workload, in seconds.
    func time(_ audio: [Float], _ make: () throws -> (([Float]) throws -> Void, () throws -> Void)) throws -> Double {
        // The 100 ms chunks, cut before the clock starts.
        let chunks = stride(from: 0, to: audio.count, by: 1600).map { Array(audio[$0..<min($0 + 1600, audio.count)]) }
        var best = Double.infinity
        for _ in 0..<`repeat` {
            let (feed, finish) = try make()
            let start = clock()
            for chunk in chunks { try feed(chunk) }
            try finish()
            best = min(best, clock() - start)
        }
        return best
    }

    func run() throws {
        let audio = workload()
        let frames = audio.count / Self.logMel.hopLength + 1
        var results = [(String, Double)]()
        // As a sensor streams: each chunk's frames into one reused buffer (no allocation per chunk).
        for (name, configuration) in [("log_mel", Self.logMel), ("descriptors", FeatureConfiguration.detection)] {
            results.append((name, try time(audio) {
                let x = try FeatureExtractor(configuration: configuration)
                var frames = FeatureFrames(featureCount: x.featureCount)
                return ({ try x.append($0, into: &frames) }, { _ = try x.finish() })
            }))
        }
        let model = try DetectionModel()
        results.append(("full_pipeline", try time(audio) {
            let d = try EventDetector(model: model)
            return ({ _ = try d.append($0) }, { _ = try d.finish() })
        }))
        if json {
            let stages = results.map { "\"\($0.0)\":{\"rtf\":\(rounded(Double(seconds) / $0.1, 1)),\"us_per_frame\":\(rounded($0.1 / Double(frames) * 1e6, 4))}" }
            print("{\"stages\":{\(stages.joined(separator: ","))},\"audio_seconds\":\(seconds),\"frames\":\(frames)}")
        } else {
            print("\(seconds) s of audio, \(frames) frames, one thread, fastest of \(`repeat`) runs")
            print("stage            real-time factor   µs per frame")
            for (name, wall) in results {
                print(name.padding(16) + " " + String(Int((Double(seconds) / wall).rounded())).padding(18) + " " + format3(wall / Double(frames) * 1e6))
            }
        }
    }

    func rounded(_ x: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}
