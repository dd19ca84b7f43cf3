import Foundation
import Testing
import Tympan

@Suite struct BadInputTests {
    /// Each invalid configuration names its field and value.
    static let invalid: [(String, @Sendable (inout FeatureConfiguration) -> Void)] = [
        ("hopLength", { $0.hopLength = 0 }),
        ("frameLength", { $0.frameLength = 0 }),
        ("fftSize", { $0.fftSize = 256 }),  // smaller than the 400-sample frame
        ("fftSize", { $0.fftSize = 513 }),  // odd
        ("sampleRate", { $0.sampleRate = 0 }),
        ("maxFrequency", { $0.maxFrequency = 9_000 }),  // above Nyquist at 16 kHz
        ("maxFrequency", { $0.minFrequency = 4_000; $0.maxFrequency = 3_000 }),
        ("minFrequency", { $0.minFrequency = -1 }),
        ("minFrequency", { $0.minFrequency = .nan }),
        ("melBandCount", { $0.melBandCount = 0 }),
        ("melBandCount", { $0.melBandCount = 200 }),  // more bands than 257 FFT bins support
        ("mfccCount", { $0.mfccCount = 65 }),
        ("mfccCount", { $0.mfccCount = -1 }),
        ("lifter", { $0.lifter = -22 }),
        ("preemphasis", { $0.preemphasis = 1.5 }),
        ("dither", { $0.dither = .infinity }),
        ("logCompression.amin", { $0.logCompression = .decibels(amin: 0, reference: 1, topDB: 80) }),
        ("logCompression.topDB", { $0.logCompression = .decibels(amin: 1e-10, reference: 1, topDB: -5) }),
        ("logCompression.floor", { $0.logCompression = .natural(floor: 0) }),
        // The stated bounds (docs/bounds.md).
        ("sampleRate", { $0.sampleRate = 1 }),
        ("sampleRate", { $0.sampleRate = 400_000 }),
        ("hopLength", { $0.hopLength = Int(Int32.max) }),
        ("melBandCount", { $0.melBandCount = 1_000_000_000 }),
    ]

    /// Descriptor settings past their bounds (on the detection configuration).
    static let invalidDescriptors: [(String, @Sendable (inout DescriptorConfiguration) -> Void)] = [
        ("descriptors.calibration", { $0.calibration = 1e300 }),
        ("descriptors.calibration", { $0.calibration = .nan }),
        ("descriptors.pitchRange", { $0.pitchRange = 1e-300...2_000 }),
        ("descriptors.pitchRange", { $0.pitchRange = 150...9_000 }),  // above Nyquist at 16 kHz
        ("descriptors.backgroundSeconds", { $0.backgroundSeconds = 1e300 }),  // once an Int conversion trap
        ("descriptors.backgroundSeconds", { $0.backgroundSeconds = 0 }),
        ("descriptors.bands", { $0.bands = (0..<33).map { FrequencyBand("b\($0)", 100, 200) } }),
        ("descriptors.backgroundPercentile", { $0.backgroundPercentile = 101 }),
    ]

    @Test("Descriptor settings past their bounds throw invalidConfiguration naming the field and value",
          arguments: Self.invalidDescriptors.indices)
    func descriptorBounds(_ index: Int) throws {
        let (field, change) = Self.invalidDescriptors[index]
        var configuration = FeatureConfiguration.detection
        change(&configuration.descriptors!)
        expectRefused(configuration, naming: field)
    }

    /// A FeatureExtractor of `configuration` throws invalidConfiguration naming `field` and its value.
    func expectRefused(_ configuration: FeatureConfiguration, naming field: String) {
        #expect(throws: TympanError.self) { try configuration.validate() }
        do {
            _ = try FeatureExtractor(configuration: configuration)
            Issue.record("\(field): no error")
        } catch let error {
            guard case let .invalidConfiguration(reported, value, reason) = error else {
                Issue.record("\(field): wrong error \(error)")
                return
            }
            #expect(reported == field)
            #expect(!value.isEmpty && !reason.isEmpty)
            #expect(error.description.contains(field) && error.description.contains(value))
        }
    }

    @Test("Invalid configurations throw invalidConfiguration naming the field", arguments: Self.invalid.indices)
    func invalidConfiguration(_ index: Int) throws {
        let (field, change) = Self.invalid[index]
        var configuration = FeatureConfiguration.librosa
        change(&configuration)
        expectRefused(configuration, naming: field)
    }

    @Test("Too many mel bands: the message says which sizes cannot support them")
    func tooManyBands() {
        var configuration = FeatureConfiguration.librosa
        configuration.melBandCount = 200
        #expect(throws: TympanError.invalidConfiguration(
            field: "melBandCount", value: "200",
            reason: "too many bands for fftSize 512 at 16000 Hz over 0.0-8000.0 Hz: some band covers no FFT bin")) {
            try configuration.validate()
        }
        configuration.melBandCount = 128  // librosa's own n_mels=128 at n_fft=512 still fits
        #expect(throws: Never.self) { try configuration.validate() }
    }

    @Test("The presets are valid")
    func presetsAreValid() throws {
        for configuration in [FeatureConfiguration.librosa, .kaldi, .htk, FeatureConfiguration()] {
            try configuration.validate()
        }
    }

    @Test("An empty buffer: one-shot throws emptyInput; streaming returns no frames")
    func emptyBuffer() throws {
        #expect(throws: TympanError.emptyInput) { try FeatureConfiguration.librosa.features(of: []) }
        let extractor = try FeatureExtractor()
        #expect(try extractor.append([]).frameCount == 0)
    }

    @Test("Finite samples near the float range (power spectra overflow to inf and NaN) are detected on without hanging",
          .timeLimit(.minutes(1)))
    func hugeFiniteSamples() throws {
        // Alternating ±3e38: the FFT's sums overflow, the power bins are inf and NaN.
        // The median behind tonality once looped forever on a NaN pivot.
        let samples = (0..<32000).map { $0 % 2 == 0 ? Float(3e38) : Float(-3e38) }
        let detector = try EventDetector()
        var events = try detector.append(samples)
        events += try detector.finish()
        let features = try FeatureConfiguration.detection.features(of: samples)
        #expect(features.frameCount == 201)
        #expect(events.allSatisfy { $0.onset >= 0 && $0.offset <= 32000 + 400 })
    }

    @Test("NaN and infinite samples throw nonFiniteSample with the index, and nothing is consumed",
          arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteSamples(_ bad: Float) throws {
        let samples = try Fixtures.signal("speech")
        let extractor = try FeatureExtractor(configuration: .kaldi)
        var frames = try extractor.append(Array(samples[..<5000]))
        var poisoned = Array(samples[5000...])
        poisoned[1234] = bad
        do {
            _ = try extractor.append(poisoned)
            Issue.record("no error for \(bad)")
        } catch let error {
            guard case let .nonFiniteSample(index, value) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(index == 1234)
            #expect(value.isNaN == bad.isNaN && (bad.isNaN || value == bad))
        }
        // The stream is as before the failed call: the clean rest continues it exactly.
        frames.append(try extractor.append(Array(samples[5000...])))
        frames.append(try extractor.finish())
        #expect(frames == (try FeatureConfiguration.kaldi.features(of: samples)))
        #expect(throws: TympanError.nonFiniteSample(index: 0, value: .infinity)) {
            try FeatureConfiguration.librosa.features(of: [.infinity, 0, 0])
        }
    }

    @Test("Absurdly loud but finite input (1e30) gives finite features: mel energies saturate")
    func loudInput() throws {
        let samples = (0..<4000).map { Float(sin(Double($0) * 0.3)) * 1e30 }
        for configuration in [FeatureConfiguration.librosa, .kaldi, .htk] {
            let frames = try configuration.features(of: samples)
            #expect(frames.values.allSatisfy { $0.isFinite })
        }
    }
}
