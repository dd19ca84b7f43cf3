import Benchmark
import Tympan

/// 10 s of deterministic noise at 16 kHz: the spectrum content does not change
/// the work per frame, only its length does.
let tenSeconds: [Float] = {
    var state: UInt32 = 12345
    return (0..<160_000).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(Int32(bitPattern: state)) / Float(Int32.max) * 0.1
    }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(3))

    // 1,001 frames per iteration (10 s of audio at a 10 ms hop).
    let presets: [(String, FeatureConfiguration)] = [
        ("Log-mel 64, librosa preset", .librosa), ("Log-mel 64, Kaldi preset", .kaldi),
        ("MFCC 13, HTK preset", .htk),
    ]
    for (name, configuration) in presets {
        Benchmark("\(name), 10 s one-shot") { benchmark in
            let extractor = try FeatureExtractor(configuration: configuration)
            benchmark.startMeasurement()  // set-up (planning FFTW) is not the work measured
            for _ in benchmark.scaledIterations {
                blackHole(try extractor.features(of: tenSeconds))
            }
        }
    }

    // The whole pipeline: log-mel + descriptors + background, the bundled rules, the event trackers.
    Benchmark("Detection (features, descriptors, rules, events), 10 s") { benchmark in
        let detector = try EventDetector()
        benchmark.startMeasurement()  // reading the bundled rules is set-up, not the work per 10 s
        for _ in benchmark.scaledIterations {
            blackHole(try detector.events(in: tenSeconds))
        }
    }

    Benchmark("Features + descriptors only, 10 s") { benchmark in
        let extractor = try FeatureExtractor(configuration: .detection)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try extractor.features(of: tenSeconds))
        }
    }

    // Steady-state streaming into a reused buffer: no allocation per chunk.
    // CI checks it against the stored threshold (Thresholds/): any allocation fails.
    Benchmark("SteadyChunkIntoReusedBuffer",
              configuration: .init(metrics: [.mallocCountTotal, .wallClock],
                                   thresholds: [.mallocCountTotal: .init(absolute: [.p0: 0, .p50: 0, .p90: 0, .p100: 0])])) { benchmark in
        let extractor = try FeatureExtractor(configuration: .librosa)
        let chunk = Array(tenSeconds[0..<1600])
        var frames = FeatureFrames(featureCount: extractor.featureCount)
        for _ in 0..<2 { try extractor.append(chunk, into: &frames) }  // the first chunk has a frame fewer
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try extractor.append(chunk, into: &frames)
            blackHole(frames.frameCount)
        }
    }

    // The whole detection, streaming 100 ms chunks of steady noise (no event
    // opens): nothing is allocated per chunk. Checked in CI like the one above.
    Benchmark("SteadyChunkDetection",
              configuration: .init(metrics: [.mallocCountTotal, .wallClock],
                                   thresholds: [.mallocCountTotal: .init(absolute: [.p0: 0, .p50: 0, .p90: 0, .p100: 0])])) { benchmark in
        let detector = try EventDetector()
        let chunk = Array(tenSeconds[0..<1600])
        // Past the classifier's look-ahead and the background's warm-up, so that every chunk is alike.
        for _ in 0..<100 { blackHole(try detector.append(chunk)) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try detector.append(chunk))
        }
    }

    // Steady-state streaming: 1600-sample chunks (100 ms), 10 frames each.
    Benchmark("Streaming log-mel, 100 ms chunks") { benchmark in
        let extractor = try FeatureExtractor(configuration: .librosa)
        let chunk = Array(tenSeconds[0..<1600])
        _ = try extractor.append(chunk)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try extractor.append(chunk))
        }
    }
}
