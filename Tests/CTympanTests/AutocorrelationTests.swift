import CTympan
import Foundation
import Testing
import TestSupport

/// The pitch's autocorrelation (a complex inverse FFT of half the size, then
/// the inverse of the split step: descriptors.c) and the flux's decibels
/// (tympan_ln), against the same quantities in double precision, computed
/// directly: the cosine sum of the power spectrum, and 10 log10.
@Suite struct AutocorrelationTests {
    static let rate = 16_000.0, frame = 400, size = 512, bins = 257, lagMin = 8, lagMax = 106

    /// Hann (periodic) autocorrelation at each lag over its energy, as descriptors.c normalises.
    static let windowACF: [Double] = {
        let w = (0..<frame).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(frame)) }
        let energy = w.reduce(0) { $0 + $1 * $1 }
        return (0...(lagMax + 1)).map { lag in (0..<(frame - lag)).reduce(0) { $0 + w[$1] * w[$1 + lag] } / energy }
    }()

    /// r[lag] = P[0] + (-1)^lag P[M] + 2 sum_{0<k<M} P[k] cos(2 pi k lag / N): the inverse real FFT of a power spectrum.
    static func acf(_ power: [Float], lag: Int) -> Double {
        var sum = Double(power[0]) + (lag % 2 == 0 ? 1 : -1) * Double(power[bins - 1])
        for k in 1..<(bins - 1) { sum += 2 * Double(power[k]) * cos(2 * Double.pi * Double(k * lag) / Double(size)) }
        return sum
    }

    /// The pitch rule of descriptors.c on the direct autocorrelation: the best
    /// normalised peak, then the shortest lag whose peak is within 5 % of it.
    /// Returns nil when a near tie (within `margin`) could make either choice right.
    static func reference(_ power: [Float], margin: Double = 1e-4) -> (lag: Int, value: Double)?? {
        let r = (0...(lagMax + 1)).map { acf(power, lag: $0) }
        guard r[0] > 0 else { return .some(nil) }
        let normalised = (0...(lagMax + 1)).map { r[$0] / (r[0] * windowACF[$0]) }
        func peak(_ lag: Int) -> Bool { r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] }
        func nearPeak(_ lag: Int) -> Bool {
            abs(r[lag] - r[lag - 1]) < margin * r[0] || abs(r[lag] - r[lag + 1]) < margin * r[0]
        }
        let peaks = (lagMin...lagMax).filter { peak($0) && normalised[$0] > 0 }
        if (lagMin...lagMax).contains(where: nearPeak) { return nil }
        guard let top = peaks.map({ normalised[$0] }).max() else { return .some(nil) }
        if peaks.contains(where: { abs(normalised[$0] - 0.95 * top) < margin }) { return nil }
        let best = peaks.first { normalised[$0] >= 0.95 * top }!
        return .some((best, normalised[best]))
    }

    static func descriptors() throws -> OpaquePointer {
        var config = tympan_descriptors_config(sample_rate: rate, frame_length: frame, fft_size: size,
                                               window: TYMPAN_WINDOW_HANN_PERIODIC, mel_band_count: 64,
                                               calibration_db: 0, pitch_min_hz: 150, pitch_max_hz: 2000,
                                               band_count: 0, band_edges: nil)
        var handle: OpaquePointer?
        #expect(tympan_descriptors_create(&config, &handle) == TYMPAN_OK)
        return try #require(handle)
    }

    /// The power spectrum (double-precision DFT) of a Hann-windowed frame zero-padded to 512.
    static func power(of x: [Double]) -> [Float] {
        let w = (0..<frame).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(frame)) }
        return (0..<bins).map { k in
            var re = 0.0, im = 0.0
            for n in 0..<frame {
                let angle = -2 * Double.pi * Double(k * n) / Double(size)
                re += w[n] * x[n] * cos(angle)
                im += w[n] * x[n] * sin(angle)
            }
            return Float(re * re + im * im)
        }
    }

    @Test("Pitch and harmonicity from the half-size inverse FFT = the direct cosine sum's (harmonic tones, noise, random spectra; 1e-4)")
    func pitchAgainstDirectAutocorrelation() throws {
        let handle = try Self.descriptors()
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 11)
        func uniform() -> Double { Double(generator.next() % 1_000_001) / 1_000_000 }
        var spectra: [[Float]] = []
        for f0 in [160.0, 220, 441.3, 700, 1234, 1900] {  // harmonic tones with some noise
            let x = (0..<Self.frame).map { n in
                (1...5).reduce(0.0) { s, h in s + sin(2 * Double.pi * f0 * Double(h * n) / Self.rate) / Double(h) }
                    + 0.05 * (uniform() - 0.5)
            }
            spectra.append(Self.power(of: x))
        }
        spectra.append(Self.power(of: (0..<Self.frame).map { _ in uniform() - 0.5 }))
        for _ in 0..<20 { spectra.append((0..<Self.bins).map { _ in Float(pow(10, 4 * uniform() - 2)) }) }
        spectra.append([Float](repeating: 0, count: Self.bins))  // silence: no pitch
        let frame = [Float](repeating: 0.01, count: Self.frame), mel = [Float](repeating: 1, count: 64)
        var out = [Float](repeating: 0, count: 12), compared = 0
        for (i, power) in spectra.enumerated() {
            #expect(tympan_descriptors_process(handle, frame, Self.frame, power, Self.bins, mel, 64, &out, 12) == TYMPAN_OK)
            let f0 = Double(out[Int(TYMPAN_DESCRIPTOR_PITCH)]), h = Double(out[Int(TYMPAN_DESCRIPTOR_HARMONICITY)])
            guard let expected = Self.reference(power) else { continue }  // a near tie: either answer
            compared += 1
            guard let (lag, value) = expected else {
                #expect(f0 == 0 && h == 0, "spectrum \(i): \(f0) Hz, \(h)")
                continue
            }
            #expect(f0 > 0 && Int((Self.rate / f0).rounded()) == lag, "spectrum \(i): \(f0) Hz, expected lag \(lag)")
            #expect(abs(h - min(value, 1)) < 1e-4, "spectrum \(i): harmonicity \(h) vs \(value)")
        }
        #expect(compared >= 20, "only \(compared) spectra without a near tie")
    }

    @Test("Flux = mean positive rise of 10 log10(mel) over the bands (floored at 1e-10), to 1e-4 dB")
    func fluxAgainstDoubleLog() throws {
        let handle = try Self.descriptors()
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 12)
        func uniform() -> Double { Double(generator.next() % 1_000_001) / 1_000_000 }
        let frame = [Float](repeating: 0.01, count: Self.frame), power = [Float](repeating: 1, count: Self.bins)
        var out = [Float](repeating: 0, count: 12)
        var previous: [Double]?
        for step in 0..<30 {
            // Bands over 24 decades, some below the floor, zero or NaN (read as the floor).
            var mel = (0..<64).map { _ in Float(pow(10, 24 * uniform() - 16)) }
            if step % 5 == 0 { mel[3] = 0; mel[7] = .nan; mel[9] = 1e-12 }
            #expect(tympan_descriptors_process(handle, frame, Self.frame, power, Self.bins, mel, 64, &out, 12) == TYMPAN_OK)
            let db = mel.map { 10 * log10($0 > 1e-10 ? Double($0) : 1e-10) }
            let expected = previous.map { p in zip(db, p).reduce(0) { $0 + max($1.0 - $1.1, 0) } / 64 } ?? 0
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_FLUX)]) - expected) < 1e-4, "step \(step)")
            previous = db
        }
    }
}
