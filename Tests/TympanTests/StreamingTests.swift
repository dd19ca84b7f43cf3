import Foundation
import Testing
import TestSupport
import Tympan

/// Feeding audio in chunks of any size gives bit-identical frames to feeding it whole.
@Suite struct StreamingTests {
    static let presets: [(String, FeatureConfiguration)] = {
        var mfcc = FeatureConfiguration.librosa
        mfcc.mfccCount = 20
        var gappy = FeatureConfiguration.librosa  // hop longer than the frame
        gappy.frameLength = 200
        gappy.hopLength = 320
        gappy.fftSize = 256
        gappy.melBandCount = 32
        var dithered = FeatureConfiguration.kaldi
        dithered.dither = 1e-3
        dithered.ditherSeed = 7
        return [("librosa", .librosa), ("kaldi", .kaldi), ("htk", .htk), ("librosa-mfcc", mfcc),
                ("hop > frame", gappy), ("kaldi dithered", dithered), ("detection", .detection)]
    }()

    /// Chunk sizes: fixed ones from the issue, then seeded random ones.
    static let chunkings: [String] = ["1", "7", "160", "161", "4096", "random"]

    static func chunks(_ kind: String, total: Int) -> [Int] {
        if let size = Int(kind) { return Array(repeating: size, count: total / size + 1) }
        var generator = SplitMix(seed: 42)
        return (0..<total).map { _ in Int(generator.next() % 997) }  // zeros included
    }

    func streamed(_ samples: [Float], _ configuration: FeatureConfiguration, chunking: String) throws -> FeatureFrames {
        let extractor = try FeatureExtractor(configuration: configuration)
        var frames = FeatureFrames(featureCount: configuration.featureCount)
        var position = 0
        for size in Self.chunks(chunking, total: samples.count) where position < samples.count {
            let end = min(position + size, samples.count)
            let part = try extractor.append(Array(samples[position..<end]))
            #expect(part.isEmpty || part.firstFrame == frames.frameCount, "frames arrive in order")
            frames.append(part)
            position = end
        }
        frames.append(try extractor.finish())
        return frames
    }

    @Test("Chunks of 1, 7, 160, 161, 4096 and random sizes give bit-identical frames",
          arguments: Self.chunkings, Self.presets.indices)
    func chunkedEqualsWhole(_ chunking: String, _ preset: Int) throws {
        let (name, configuration) = Self.presets[preset]
        let samples = try Fixtures.signal("speech")
        let whole = try configuration.features(of: samples)
        let chunked = try streamed(samples, configuration, chunking: chunking)
        #expect(whole.frameCount == configuration.frameCount(forSampleCount: samples.count), "\(name)")
        #expect(chunked.frameCount == whole.frameCount, "\(name)")
        #expect(chunked.values == whole.values, "\(name), chunks \(chunking): not bit-identical")
    }

    @Test("append(_:into:) reuses one buffer and gives the frames append(_:) gives, bit for bit", arguments: [1600, 161, 1])
    func intoBuffer(_ size: Int) throws {
        var audio = [Float](repeating: 0, count: 20_000)
        for i in audio.indices {
            let t = Double(i)
            audio[i] = Float(sin(t * 0.01) * 0.3 + Double(i % 13) * 0.001)
        }
        let a = try FeatureExtractor(configuration: .detection), b = try FeatureExtractor(configuration: .detection)
        var buffer = FeatureFrames(featureCount: b.featureCount)
        var offset = 0
        while offset < audio.count {
            let chunk = Array(audio[offset..<min(offset + size, audio.count)])
            let expected = try a.append(chunk)
            try b.append(chunk, into: &buffer)
            #expect(buffer == expected, "chunk at \(offset)")
            offset += size
        }
        var bad = [Float](repeating: 0.1, count: 320)
        bad[5] = .nan
        #expect {
            try b.append(bad, into: &buffer)
        } throws: { error in
            guard case let TympanError.nonFiniteSample(index, value)? = error as? TympanError else { return false }
            return index == 5 && value.isNaN
        }
        #expect(try a.finish() == b.finish(), "a refused chunk consumed nothing")
    }

    @Test("finish() starts a new stream: the same audio again gives the same frames, from frame 0")
    func finishStartsANewStream() throws {
        var configuration = FeatureConfiguration.kaldi
        configuration.dither = 1e-3  // the dither sequence restarts too
        let extractor = try FeatureExtractor(configuration: configuration)
        let samples = try Fixtures.signal("pink")
        var first = try extractor.append(samples)
        first.append(try extractor.finish())
        let second = try extractor.append(samples)
        #expect(second.firstFrame == 0)
        var again = second
        again.append(try extractor.finish())
        #expect(first == again)
    }

    @Test("Frame counts: centred 1 + n/hop (librosa), snip edges 1 + (n - frame)/hop (Kaldi), short clips")
    func frameCounts() throws {
        for n in [1, 159, 160, 161, 399, 400, 401, 1000] {
            let samples = (0..<n).map { Float(sin(Double($0) * 0.1)) }
            let centred = try FeatureConfiguration.librosa.features(of: samples)
            #expect(centred.frameCount == 1 + n / 160, "n = \(n)")
            let snipped = try FeatureConfiguration.kaldi.features(of: samples)
            #expect(snipped.frameCount == (n < 400 ? 0 : 1 + (n - 400) / 160), "n = \(n)")
        }
    }

    @Test("centerSample(ofFrame:): an impulse at sample 1600 peaks in the frame centred on it")
    func frameCentres() throws {
        var impulse = [Float](repeating: 0, count: 4000)
        impulse[1600] = 1
        var centred = FeatureConfiguration.librosa
        centred.logCompression = .none
        var snipped = FeatureConfiguration.kaldi
        snipped.hopLength = 100  // frames start at 0, 100, ...: frame 14 is centred on 1600
        snipped.logCompression = .none
        for configuration in [centred, snipped] {
            let frames = try configuration.features(of: impulse)
            let energy = (0..<frames.frameCount).map { frames[$0].reduce(0, +) }
            let loudest = energy.indices.max { energy[$0] < energy[$1] }!
            #expect(configuration.centerSample(ofFrame: loudest) == 1600, "\(configuration.alignment)")
        }
        #expect(FeatureConfiguration.librosa.centerSample(ofFrame: 3) == 480)
        #expect(FeatureConfiguration.kaldi.centerSample(ofFrame: 3) == 680)
    }

    @Test("A stream that received nothing finishes with no frames")
    func emptyStream() throws {
        let extractor = try FeatureExtractor()
        #expect(try extractor.append([]).isEmpty)
        #expect(try extractor.finish().isEmpty)
    }

    @Test("Dither is seeded: same seed, same frames; another seed, other frames; off by default")
    func ditherIsReproducible() throws {
        #expect(FeatureConfiguration().dither == 0 && FeatureConfiguration.kaldi.dither == 0)
        let silence = [Float](repeating: 0, count: 4000)
        var configuration = FeatureConfiguration.kaldi
        let undithered = try configuration.features(of: silence)
        #expect(undithered.values.allSatisfy { $0 == logf(Float.ulpOfOne) }, "silence hits the log floor")
        configuration.dither = 1e-2
        configuration.ditherSeed = 1
        let a = try configuration.features(of: silence)
        let b = try configuration.features(of: silence)
        configuration.ditherSeed = 2
        let c = try configuration.features(of: silence)
        #expect(a == b)
        #expect(a != c)
        #expect(a != undithered)
    }
}
