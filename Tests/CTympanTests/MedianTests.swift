import CTympan
import Foundation
import Testing
import TestSupport

/// The median behind the tonality descriptors (a branch-free quickselect):
/// against a sort, on random spectra, spectra full of ties, and silence.
@Suite struct MedianTests {
    @Test("Tonality = strongest bin over the exact median bin, whole spectrum and per band (random, tied, silent, log-uniform over 18 decades, and one top byte with the lower bytes deciding)")
    func tonalityMedians() throws {
        let handle = try bandedDescriptors()
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 5)
        let frame = [Float](repeating: 0.01, count: 400), mel = [Float](repeating: 1, count: 4)
        var out = [Float](repeating: 0, count: 12 + 4 * 4)
        func db(_ x: Float) -> Double { 10 * log10(max(Double(x), 1e-12)) }  // descriptors.c's FLOOR_POWER
        func median(_ x: ArraySlice<Float>) -> Float { let s = x.sorted(); return s[s.count / 2] }
        let spectra: [[Float]] = [
            (0..<257).map { _ in Float.random(in: 0...1, using: &generator) },
            (0..<257).map { _ in Float(Int.random(in: 0...3, using: &generator)) },  // many ties
            [Float](repeating: 0, count: 257),  // silence
            (0..<257).map { Float($0 % 7) + 0.5 },
            (0..<257).map { _ in Float(pow(10, Double.random(in: -12...6, using: &generator))) },
            // Every value in [1, 2): one top byte (sign, high exponent bits); the median is found
            // in the lower bytes (steps of 2^-16, 6.6e-5 dB: above the bound below).
            (0..<257).map { _ in 1 + Float(Int.random(in: 0..<65536, using: &generator)) / 65536 },
        ]
        for power in spectra {
            #expect(tympan_descriptors_process(handle, frame, 400, power, 257, mel, 4, &out, out.count) == TYMPAN_OK)
            let expected = db(power[1..<256].max()!) - db(median(power[1..<256]))
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_TONALITY)]) - expected) < 1e-5 * max(1, abs(expected)),
                    "\(out[Int(TYMPAN_DESCRIPTOR_TONALITY)]) vs \(expected)")
            // Bands of 31.25 Hz bins: 2...16, 16...64, 64...160, 160...256; tonalities after levels and ratios.
            for (b, bins) in [2...16, 16...64, 64...160, 160...256].enumerated() {
                let band = power[bins]
                let expected = db(band.max()!) - db(median(band))
                #expect(abs(Double(out[12 + 8 + b]) - expected) < 1e-5 * max(1, abs(expected)), "band \(b): \(out[12 + 8 + b]) vs \(expected)")
            }
        }
    }
}
