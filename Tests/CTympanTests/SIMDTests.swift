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

/// Descriptors at 16 kHz (400 in 512, Hann) with the four standard bands,
/// whose tonalities are 12 + 8 + band in the output.
func bandedDescriptors() throws -> OpaquePointer {
    let edges: [Double] = [50, 500, 500, 2000, 2000, 5000, 5000, 8000]
    var config = tympan_descriptors_config(sample_rate: 16000, frame_length: 400, fft_size: 512,
                                           window: TYMPAN_WINDOW_HANN_PERIODIC, mel_band_count: 4, calibration_db: 0,
                                           pitch_min_hz: 150, pitch_max_hz: 2000, band_count: 4, band_edges: nil)
    var handle: OpaquePointer?
    let status = edges.withUnsafeBufferPointer { edges in
        config.band_edges = edges.baseAddress
        return tympan_descriptors_create(&config, &handle)
    }
    #expect(status == TYMPAN_OK)
    return try #require(handle)
}

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

/// The spectral sums run in four independent partial sums, the band's
/// strongest bin in four lanes, the roll-off's running sum in blocks of eight
/// (descriptors.c): against plain double-precision loops in bin order over
/// random, tied, log-uniform and tonal spectra. The roll-off bin is exact, each
/// band's peak lies within half a bin of the first of its strongest bins.
@Suite struct SpectralSumTests {
    @Test("Centroid, bandwidth, roll-off, band shares and band peaks (ties: the first strongest bin) equal plain loops in bin order")
    func sums() throws {
        let handle = try bandedDescriptors()
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 23)
        let mel = [Float](repeating: 1, count: 4), binHz = 16000.0 / 512
        var out = [Float](repeating: 0, count: 12 + 4 * 4)
        var spectra: [[Float]] = []
        for _ in 0..<20 {
            spectra.append((0..<257).map { _ in Float.random(in: 0...1, using: &generator) })
            spectra.append((0..<257).map { _ in Float(Int.random(in: 0...3, using: &generator)) })  // ties
            spectra.append((0..<257).map { _ in Float(pow(10, Double.random(in: -9...3, using: &generator))) })
            let tone = Int.random(in: 3...250, using: &generator)
            spectra.append((0..<257).map { k in k == tone ? 100 : Float.random(in: 0...0.01, using: &generator) })
        }
        for (i, power) in spectra.enumerated() {
            let frame = (0..<400).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            #expect(tympan_descriptors_process(handle, frame, 400, power, 257, mel, 4, &out, out.count) == TYMPAN_OK)
            let m = power.map { Double(sqrtf($0)) }
            let sum = m.reduce(0, +)
            var moment = 0.0
            for k in 0..<257 { moment += m[k] * Double(k) * binHz }
            let centroid = moment / sum
            var spread = 0.0
            for k in 0..<257 { spread += m[k] * (Double(k) * binHz - centroid) * (Double(k) * binHz - centroid) }
            var cumulative = 0.0, rolloff = 0
            for k in 0..<257 {
                cumulative += m[k]
                if cumulative >= 0.85 * sum { rolloff = k; break }
            }
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_CENTROID)]) - centroid) <= 1e-6 * centroid, "spectrum \(i)")
            let bandwidth = (spread / sum).squareRoot()
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_BANDWIDTH)]) - bandwidth) <= 1e-6 * bandwidth, "spectrum \(i)")
            #expect(out[Int(TYMPAN_DESCRIPTOR_ROLLOFF)] == Float(Double(rolloff) * binHz), "spectrum \(i)")
            let squares = frame.reduce(0.0) { $0 + Double($1) * Double($1) } / 400
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_LEVEL)]) - (10 * log10(squares) + 3.0102999566398120)) < 1e-4, "spectrum \(i)")
            // One-sided: DC and Nyquist once, the bins between them twice.
            func weight(_ k: Int) -> Double { k == 0 || k == 256 ? 1 : 2 }
            let total = (0..<257).reduce(0.0) { $0 + weight($1) * Double(power[$1]) }
            for (b, bins) in [2...16, 16...64, 64...160, 160...256].enumerated() {
                let band = bins.reduce(0.0) { $0 + weight($1) * Double(power[$1]) }
                #expect(abs(Double(out[12 + 4 + b]) - 10 * log10(band / total)) < 1e-4, "spectrum \(i) band \(b)")
                let strongest = bins.max { power[$0] < power[$1] || (power[$0] == power[$1] && $0 > $1) }!
                #expect(abs(Double(out[12 + 12 + b]) - Double(strongest) * binHz) <= binHz / 2, "spectrum \(i) band \(b): \(out[12 + 12 + b]) vs bin \(strongest)")
            }
        }
    }
}
