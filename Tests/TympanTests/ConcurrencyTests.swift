import Testing
import Tympan

/// Many extractors created, run and destroyed at once (the FFTW planner is
/// behind one lock) give the same numbers as one extractor alone.
@Suite struct ConcurrencyTests {
    @Test("32 concurrent extractors over 3 presets match the sequential results bit for bit")
    func concurrentExtractorsAgree() async throws {
        let samples = try Fixtures.signal("white")
        let presets: [FeatureConfiguration] = [.librosa, .kaldi, .htk]
        let expected = try presets.map { try $0.features(of: samples) }
        let results = try await withThrowingTaskGroup(of: (Int, FeatureFrames).self) { group in
            for task in 0..<32 {
                group.addTask {
                    var configuration = presets[task % presets.count]
                    // A second extractor with another FFT size plans concurrently too.
                    var other = configuration
                    other.fftSize = 1024
                    _ = try FeatureExtractor(configuration: other)
                    configuration.ditherSeed = UInt64(task)  // no effect: dither is off
                    let extractor = try FeatureExtractor(configuration: configuration)
                    var frames = try extractor.append(Array(samples[..<10_000]))
                    frames.append(try extractor.append(Array(samples[10_000...])))
                    frames.append(try extractor.finish())
                    return (task % presets.count, frames)
                }
            }
            var all = [(Int, FeatureFrames)]()
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 32)
        for (preset, frames) in results {
            #expect(frames == expected[preset], "preset \(preset) differs when run concurrently")
        }
    }
}
