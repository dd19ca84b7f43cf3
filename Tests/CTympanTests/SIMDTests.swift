import CTympan
import Foundation
import Testing
import TestSupport

/// The four-lane paths (NEON on aarch64, SSE2 on x86-64) against the scalar
/// reference of each kernel, on random inputs of awkward sizes (remainders
/// after the groups of four) and on the edge values each path must treat alike.
@Suite struct SIMDTests {
    /// Relative difference, against the larger magnitude (1 below 1).
    func close(_ a: Float, _ b: Float, _ bound: Float) -> Bool {
        a == b || abs(a - b) <= bound * max(1, abs(a), abs(b))
    }

    @Test("The path compiled in is the platform's (sse2 on x86-64, neon on aarch64)")
    func path() {
        let name = String(cString: tympan_simd_path())
        #if arch(x86_64)
        #expect(name == "sse2")
        #elseif arch(arm64)
        #expect(name == "neon")
        #else
        #expect(name == "scalar")
        #endif
    }

    @Test("Window: four lanes equal the scalar product exactly, for lengths with and without a remainder",
          arguments: [400, 401, 402, 403, 7])
    func window(length: Int) {
        var generator = SplitMix(seed: 1)
        var config = tympan_window_config(length: length, type: TYMPAN_WINDOW_HANN_PERIODIC, preemphasis: 0.97,
                                          remove_dc_offset: 1, dither: 0, dither_seed: 0)
        var a: OpaquePointer?, b: OpaquePointer?
        #expect(tympan_window_create(&config, &a) == TYMPAN_OK && tympan_window_create(&config, &b) == TYMPAN_OK)
        defer { tympan_window_destroy(a); tympan_window_destroy(b) }
        var x = (0..<length).map { _ in Float.random(in: -1...1, using: &generator) }
        var y = x
        #expect(tympan_window_process(a, &x, length) == TYMPAN_OK)
        #expect(tympan_window_process_scalar(b, &y, length) == TYMPAN_OK)
        #expect(x == y)
    }

    @Test("Power spectrum (split step): four lanes within 2 ulp of the scalar path, every bin (512, 510, 24 and 18 points)",
          arguments: [512, 510, 24, 18])
    func power(size: Int) {
        var generator = SplitMix(seed: 2)
        var config = tympan_spectrum_config(fft_size: size, kind: TYMPAN_SPECTRUM_POWER)
        var s: OpaquePointer?
        #expect(tympan_spectrum_create(&config, &s) == TYMPAN_OK)
        defer { tympan_spectrum_destroy(s) }
        let bins = size / 2 + 1, length = min(400, size)
        for amplitude: Float in [1, 1e-6, 1e6] {
            let frame = (0..<length).map { _ in amplitude * Float.random(in: -1...1, using: &generator) }
            var fast = [Float](repeating: -1, count: bins), slow = fast
            #expect(tympan_spectrum_process(s, frame, length, &fast, bins) == TYMPAN_OK)
            #expect(tympan_spectrum_process_scalar(s, frame, length, &slow, bins) == TYMPAN_OK)
            // Exact without FMA (x86-64); with it (NEON) the lanes fuse where the scalar code
            // may not, which moves a bin that cancels by a few ulp of the strongest one.
            let peak = slow.max()!
            for k in 0..<bins {
                #expect(abs(fast[k] - slow[k]) <= max(2 * slow[k].ulp, 4 * peak.ulp), "bin \(k): \(fast[k]) vs \(slow[k])")
            }
        }
    }

    func filterbank(_ bands: Int, fft: Int = 512, shape: tympan_mel_shape = TYMPAN_MEL_TRIANGLE_HZ) -> OpaquePointer? {
        var config = tympan_filterbank_config(sample_rate: 16000, fft_size: fft, band_count: bands, min_frequency: 0,
                                              max_frequency: 8000, scale: TYMPAN_MEL_SLANEY,
                                              norm: TYMPAN_MEL_NORM_SLANEY, shape: shape)
        var handle: OpaquePointer?
        #expect(tympan_filterbank_create(&config, &handle) == TYMPAN_OK)
        return handle
    }

    @Test("Filterbank: groups of four bands equal the per-band scalar sums (band counts with a remainder, both shapes)",
          arguments: [(64, TYMPAN_MEL_TRIANGLE_HZ), (40, TYMPAN_MEL_TRIANGLE_MEL), (23, TYMPAN_MEL_TRIANGLE_HZ),
                      (1, TYMPAN_MEL_TRIANGLE_HZ), (80, TYMPAN_MEL_TRIANGLE_MEL)])
    func groups(bands: Int, shape: tympan_mel_shape) {
        var generator = SplitMix(seed: 3)
        let fb = filterbank(bands, shape: shape)
        defer { tympan_filterbank_destroy(fb) }
        for scale: Float in [1, 1e-12, 1e30] {
            let power = (0..<257).map { _ in scale * Float.random(in: 0...1, using: &generator) }
            var fast = [Float](repeating: -1, count: bands), slow = fast
            #expect(tympan_filterbank_process(fb, power, 257, &fast, bands) == TYMPAN_OK)
            #expect(tympan_filterbank_process_scalar(fb, power, 257, &slow, bands) == TYMPAN_OK)
            for b in 0..<bands { #expect(close(fast[b], slow[b], 1e-6), "band \(b): \(fast[b]) vs \(slow[b])") }
        }
    }

    @Test("Filterbank: an infinite or NaN power, or a sum that overflows, gives what the scalar path gives (FLT_MAX in the bands that hold it, the rest untouched)")
    func nonFinite() {
        var generator = SplitMix(seed: 4)
        let fb = filterbank(64)
        defer { tympan_filterbank_destroy(fb) }
        for bad: Float in [.infinity, .nan, .greatestFiniteMagnitude] {
            var power = (0..<257).map { _ in Float.random(in: 0...1, using: &generator) }
            power[100] = bad
            power[101] = bad
            var fast = [Float](repeating: -1, count: 64), slow = fast
            #expect(tympan_filterbank_process(fb, power, 257, &fast, 64) == TYMPAN_OK)
            #expect(tympan_filterbank_process_scalar(fb, power, 257, &slow, 64) == TYMPAN_OK)
            #expect(fast == slow, "\(bad)")
            #expect(!fast.contains { $0.isNaN || $0.isInfinite })
            if !bad.isFinite { #expect(fast.contains(.greatestFiniteMagnitude), "saturated, as the scalar path does") }
            #expect(fast.filter { $0 < 10 }.count >= 55, "bands away from bins 100-101 keep their sums")
        }
    }

    @Test("Log: four lanes equal the scalar reference within 1 ulp over a sweep of floats, with the same floor and ceiling",
          arguments: [0, 1, 2, 3])
    func log(remainder: Int) {
        var inputs: [Float] = [0, -1, .nan, .infinity, -.infinity, 1e-12, 1, .greatestFiniteMagnitude, 1.41421356, 1.4142137]
        var bits: UInt32 = 0x0080_0000
        while bits < 0x7f80_0000 {
            inputs.append(Float(bitPattern: bits))
            bits &+= 9_973
        }
        inputs += (0..<4_000).map { 1 + Float($0 - 2_000) * 1e-5 }
        inputs += [Float](repeating: 0.5, count: remainder)
        var fast = [Float](repeating: 0, count: inputs.count), slow = fast
        #expect(tympan_ln(inputs, &fast, inputs.count, 1e-10) == TYMPAN_OK)
        #expect(tympan_ln_scalar(inputs, &slow, inputs.count, 1e-10) == TYMPAN_OK)
        var worst: Float = 0
        for (a, b) in zip(fast, slow) { worst = max(worst, abs(a - b) / max(b.ulp, Float.leastNormalMagnitude)) }
        #expect(worst <= 1, "\(worst) ulp")
        // 0, -1, NaN and -inf read as the floor; inf as the largest float.
        #expect([0, 1, 2, 4].allSatisfy { fast[$0] == slow[0] } && fast[3] == slow[3] && fast[3] > 88)
        var one: Float = 1, out: Float = 0
        #expect(tympan_ln_scalar(&one, &out, 1, 0) == TYMPAN_EINVAL)
    }
}
