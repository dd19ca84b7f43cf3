import CTympan
import Foundation
import Testing
import TestSupport

/// The medians start from a bracket around the last frame's (descriptors.c,
/// median_near): over a stream of frames whose medians drift (the bracket
/// holds them), jump up and down by 60 dB (a miss on either side), tie, fall
/// silent and come back, every tonality equals the one computed from a sort,
/// within 3e-5 dB (the logs are tympan_ln's, within an ulp: a median one rank
/// off is thousands of times further off here); time-domain descriptors too.
/// A NaN in the power spectrum (not reachable from finite samples, but a
/// caller's bins) returns instead of looping.
@Suite struct BracketedMedianTests {
    @Test("Tonality medians over 600 frames of drifting, jumping, tied and silent spectra equal a sort's (3e-5 dB); NaN power returns")
    func stream() throws {
        let handle = try bandedDescriptors()
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 11)
        let mel = [Float](repeating: 1, count: 4)
        var out = [Float](repeating: 0, count: 12 + 4 * 4)
        func db(_ x: Float) -> Double { 10 * log10(max(Double(x), 1e-12)) }
        func median(_ x: ArraySlice<Float>) -> Float { let s = x.sorted(); return s[s.count / 2] }
        let shape = (0..<257).map { _ in Float(pow(10, Double.random(in: -3...0, using: &generator))) }
        var checked = 0
        for t in 0..<600 {
            var gain = Float(pow(10, sin(Double(t) / 40)))  // drifts over 20 dB
            if t % 97 == 50 { gain *= 1e6 } else if t % 89 == 30 { gain *= 1e-6 }
            var power = shape.map { $0 * gain * Float.random(in: 0.7...1.3, using: &generator) }
            if t % 131 == 7 { power = power.map { ($0 * 4).rounded() / 4 } }      // ties
            if (200..<205).contains(t) { power = [Float](repeating: 0, count: 257) }  // silence
            let frame = (0..<400).map { _ in Float.random(in: -1...1, using: &generator) * (t % 50 == 0 ? 0 : 0.1) }
            #expect(tympan_descriptors_process(handle, frame, 400, power, 257, mel, 4, &out, out.count) == TYMPAN_OK)
            let whole = Float(db(power[1..<256].max()!) - db(median(power[1..<256])))
            #expect(abs(out[Int(TYMPAN_DESCRIPTOR_TONALITY)] - whole) < 3e-5, "frame \(t)")
            for (b, bins) in [2...16, 16...64, 64...160, 160...256].enumerated() {
                let band = power[bins]
                #expect(abs(Double(out[12 + 8 + b]) - (db(band.max()!) - db(median(band)))) < 3e-5, "frame \(t) band \(b)")
                checked += 1
            }
            // The time-domain loops: peak (crest), sign changes, level.
            let squares = frame.reduce(0.0) { $0 + Double($1) * Double($1) } / 400
            let peak = Double(frame.map { abs($0) }.max()!)
            let changes = zip(frame, frame.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
            #expect(out[Int(TYMPAN_DESCRIPTOR_ZCR)] == Float(changes) / 399, "frame \(t)")
            if squares > 0 {
                #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_CREST)]) - 20 * log10(peak / squares.squareRoot())) < 3e-5, "frame \(t)")
            }
        }
        #expect(checked == 2400)
        var poisoned = shape
        for k in stride(from: 1, to: 257, by: 3) { poisoned[k] = .nan }
        let frame = [Float](repeating: 0.01, count: 400)
        #expect(tympan_descriptors_process(handle, frame, 400, poisoned, 257, mel, 4, &out, out.count) == TYMPAN_OK)
        let all = [Float](repeating: .nan, count: 257)
        #expect(tympan_descriptors_process(handle, frame, 400, all, 257, mel, 4, &out, out.count) == TYMPAN_OK)
    }
}
