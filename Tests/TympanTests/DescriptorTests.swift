import Foundation
import Testing
import TestSupport
import Tympan

/// Descriptors on signals with a known answer.
@Suite struct DescriptorTests {
    static func sine(_ frequency: Double, amplitude: Double = 0.1, seconds: Double = 1, rate: Int = 16_000) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
    }

    static func noise(seconds: Double = 1, amplitude: Float = 0.1, seed: UInt64 = 1) -> [Float] {
        var generator = SplitMix(seed: seed)
        return (0..<Int(seconds * 16_000)).map { _ in
            // A sum of 4 uniforms is close enough to Gaussian for these checks.
            (0..<4).reduce(Float(0)) { s, _ in s + Float(generator.next() % 2_000_001) / 1_000_000 - 1 } * amplitude * 0.87
        }
    }

    /// The median of one descriptor over the frames of a clip (edges excluded).
    static func median(_ name: String, _ samples: [Float], _ configuration: FeatureConfiguration = .detection) throws -> Float {
        let frames = try configuration.features(of: samples)
        let k = configuration.featureNames.firstIndex(of: name)!
        let values = (5..<frames.frameCount - 5).map { frames[$0, k] }.sorted()
        return values[values.count / 2]
    }

    @Test("A 1 kHz sine at -20 dBFS: level -20, centroid 1 kHz, flat 0, tonal, pitch 1 kHz, ZCR 1/8, crest 3 dB")
    func sine1k() throws {
        let x = Self.sine(1000)
        #expect(abs(try Self.median("level_db", x) - -20) < 0.05)
        #expect(abs(try Self.median("level_dba", x) - -20) < 0.5)
        #expect(abs(try Self.median("centroid_hz", x) - 1000) < 30)
        #expect(abs(try Self.median("rolloff_hz", x) - 1000) < 65)
        #expect(try Self.median("flatness", x) < 0.05)
        #expect(try Self.median("tonality_db", x) > 40)
        #expect(abs(try Self.median("pitch_hz", x) - 1000) < 10)
        #expect(try Self.median("harmonicity", x) > 0.95)
        #expect(abs(try Self.median("zcr", x) - 0.125) < 0.005)
        #expect(abs(try Self.median("crest_db", x) - 3.01) < 0.1)
        #expect(abs(try Self.median("band_mid_db", x) - -20) < 0.1)
        #expect(abs(try Self.median("band_mid_ratio_db", x)) < 0.1)
        #expect(try Self.median("band_high_db", x) < -60)
    }

    @Test("White noise: flat (> 0.8 on magnitudes), not harmonic, not tonal, centroid near 4 kHz, ZCR near 1/2")
    func whiteNoise() throws {
        let x = Self.noise()
        #expect(try Self.median("flatness", x) > 0.8)
        #expect(try Self.median("harmonicity", x) < 0.35)
        #expect(try Self.median("tonality_db", x) < 20)
        #expect(abs(try Self.median("centroid_hz", x) - 4000) < 300)
        #expect(abs(try Self.median("zcr", x) - 0.5) < 0.05)
        #expect(abs(try Self.median("level_db", x) - (try Self.median("level_db", x.map { $0 * 2 }) - 6.02)) < 0.05)
    }

    @Test("Band peaks: two sines (1234.5 Hz, 3 kHz 20 dB lower) give each band its own peak frequency and a high tonality; noise gives low band tonality")
    func bandPeaks() throws {
        let x = zip(Self.sine(1234.5), Self.sine(3000, amplitude: 0.01)).map { $0 + $1 }
        #expect(abs(try Self.median("band_mid_peak_hz", x) - 1234.5) < 5)
        #expect(abs(try Self.median("band_high_peak_hz", x) - 3000) < 5)
        #expect(try Self.median("band_mid_tonality_db", x) > 40)
        #expect(try Self.median("band_high_tonality_db", x) > 40)
        let n = Self.noise()
        for band in ["low", "mid", "high", "top"] {
            #expect(try Self.median("band_\(band)_tonality_db", n) < 15, "\(band)")
        }
    }

    @Test("A-weighted level of a -20 dBFS sine matches IEC 61672 at 100 Hz (-19.1), 1 kHz (0), 10 kHz (-2.5) within 0.5 dB",
          arguments: [(100.0, -19.1), (1000.0, 0.0), (10_000.0, -2.5)])
    func aWeighting(_ frequency: Double, _ gain: Float) throws {
        // 48 kHz, so that 10 kHz is below Nyquist; 4096-point FFT resolves 100 Hz.
        var configuration = FeatureConfiguration.detection
        configuration.sampleRate = 48_000
        configuration.frameLength = 4096
        configuration.fftSize = 4096
        configuration.hopLength = 1024
        configuration.maxFrequency = 24_000
        configuration.descriptors!.bands = [FrequencyBand("all", 20, 24_000)]
        let x = Self.sine(frequency, rate: 48_000)
        #expect(abs(try Self.median("level_dba", x, configuration) - (-20 + gain)) < 0.5)
        configuration.descriptors!.calibration = 120
        #expect(abs(try Self.median("level_dba", x, configuration) - (100 + gain)) < 0.5, "calibration adds")
    }

    @Test("A harmonic tone at 440 Hz (a horn's): pitch 440, harmonic")
    func harmonicTone() throws {
        var x = [Float](repeating: 0, count: 16_000)
        for k in 1...8 {
            let partial = Self.sine(440 * Double(k), amplitude: 0.1 / Double(k))
            for n in x.indices { x[n] += partial[n] }
        }
        #expect(abs(try Self.median("pitch_hz", x) - 440) < 5)
        #expect(try Self.median("harmonicity", x) > 0.9)
    }

    @Test("An impulse: high crest factor and a flux spike")
    func impulse() throws {
        var x = [Float](repeating: 0, count: 16_000)
        for i in x.indices { x[i] = 0.001 * Float(sin(Double(i))) }
        x[8000] = 0.9
        let frames = try FeatureConfiguration.detection.features(of: x)
        let names = FeatureConfiguration.detection.featureNames
        let crest = names.firstIndex(of: "crest_db")!, flux = names.firstIndex(of: "flux_db")!
        let maxCrest = (0..<frames.frameCount).map { frames[$0, crest] }.max()!
        let fluxes = (0..<frames.frameCount).map { frames[$0, flux] }
        #expect(maxCrest > 20)
        #expect(fluxes.max()! > 10)
        #expect(fluxes.firstIndex(of: fluxes.max()!)! == (8000 - 200) / 160 + 1, "the first frame to reach the impulse")
    }

    @Test("Background: the 10th percentile of the last 10 s; a burst stands above it, the steady part does not")
    func background() throws {
        var x = Self.noise(seconds: 12, amplitude: 0.01)
        for i in 8 * 16_000..<8 * 16_000 + 8000 { x[i] *= 30 }  // +29.5 dB for 0.5 s
        let frames = try FeatureConfiguration.detection.features(of: x)
        let names = FeatureConfiguration.detection.featureNames
        let above = names.firstIndex(of: "above_background_db")!, level = names.firstIndex(of: "level_dba")!
        let background = names.firstIndex(of: "background_dba")!
        let steady = (300..<790).map { frames[$0, above] }
        #expect(steady.map(abs).max()! < 3, "steady noise sits on its background")
        let burst = (805..<845).map { frames[$0, above] }
        #expect(burst.min()! > 25)
        let quietLevels = (300..<790).map { frames[$0, level] }.sorted()
        #expect(abs(frames[850, background] - quietLevels[quietLevels.count / 10]) < 0.5)
    }

    @Test("Feature names: mel bands then every descriptor, as many as the frame holds")
    func names() {
        let configuration = FeatureConfiguration.detection
        #expect(configuration.featureNames.count == configuration.featureCount)
        #expect(configuration.featureNames.first == "mel_0")
        #expect(configuration.featureNames.contains("band_high_above_db"))
        #expect(Set(configuration.featureNames).count == configuration.featureCount)
    }

    @Test("Descriptors need a power spectrum without pre-emphasis, and sane bands")
    func validation() {
        var c = FeatureConfiguration.detection
        c.spectrum = .magnitude
        #expect(throws: TympanError.self) { try c.validate() }
        c = .detection
        c.preemphasis = 0.97
        #expect(throws: TympanError.self) { try c.validate() }
        c = .detection
        c.descriptors!.bands.append(FrequencyBand("low", 10, 20))
        #expect(throws: TympanError.self) { try c.validate() }  // duplicate name
        c = .detection
        c.descriptors!.bands = [FrequencyBand("narrow", 1010, 1020)]
        #expect(throws: TympanError.self) { try c.validate() }  // no FFT bin inside
        c = .detection
        c.descriptors!.bands = [FrequencyBand("above", 7000, 9000)]
        #expect(throws: TympanError.self) { try c.validate() }
    }
}
