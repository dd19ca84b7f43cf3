import CTympan
import Foundation
import Testing
import TestSupport

/// Flatness takes the log of a product of magnitudes instead of a log per
/// bin (descriptors.c): against the sum of logs in double precision, over
/// spectra from all-floored to ones whose product leaves the doubles' range,
/// and one with an infinite bin (the per-bin path, as before).
@Suite struct FlatnessTests {
    @Test("Flatness = geometric over arithmetic mean of the inner magnitudes (floored at 1e-5), every scale")
    func flatness() throws {
        var config = tympan_descriptors_config(sample_rate: 16000, frame_length: 400, fft_size: 512,
                                               window: TYMPAN_WINDOW_HANN_PERIODIC, mel_band_count: 4, calibration_db: 0,
                                               pitch_min_hz: 150, pitch_max_hz: 2000, band_count: 0, band_edges: nil)
        var handle: OpaquePointer?
        #expect(tympan_descriptors_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 7)
        let frame = [Float](repeating: 0.01, count: 400), mel = [Float](repeating: 1, count: 4)
        var out = [Float](repeating: 0, count: 12)
        func reference(_ power: [Float]) -> Double {
            let m = power[1..<256].map { max(Double(sqrtf($0)), 1e-5) }
            return exp(m.map { Foundation.log($0) }.reduce(0, +) / 255) / (m.reduce(0, +) / 255)
        }
        var spectra: [[Float]] = [
            [Float](repeating: 1e-14, count: 257),  // every magnitude floored
            (0..<257).map { _ in Float.random(in: 0...1, using: &generator) },
            (0..<257).map { k in k == 40 ? 1 : 1e-9 },  // a pure tone
            (0..<257).map { _ in 1e30 * Float.random(in: 0.5...1, using: &generator) },  // the product overflows: per bin
            (0..<257).map { _ in pow(10, Float.random(in: -12...12, using: &generator)) },
        ]
        var infinite = spectra[1]
        infinite[100] = .infinity
        spectra.append(infinite)
        for (i, power) in spectra.enumerated() {
            #expect(tympan_descriptors_process(handle, frame, 400, power, 257, mel, 4, &out, out.count) == TYMPAN_OK)
            let got = Double(out[Int(TYMPAN_DESCRIPTOR_FLATNESS)]), expected = reference(power)
            if expected.isNaN {
                #expect(got.isNaN, "spectrum \(i): \(got)")
            } else {
                #expect(abs(got - expected) <= 1e-6 * expected, "spectrum \(i): \(got) vs \(expected)")
            }
        }
    }
}
