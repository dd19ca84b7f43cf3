import CTympan
import Foundation
import Testing

/// Stage-level checks of the C kernels: known answers and status codes.
@Suite struct KernelTests {
    func window(_ type: tympan_window_type, _ length: Int) throws -> [Float] {
        var config = tympan_window_config(length: length, type: type, preemphasis: 0, remove_dc_offset: 0,
                                          dither: 0, dither_seed: 0)
        var handle: OpaquePointer?
        #expect(tympan_window_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_window_destroy(handle) }
        var out = [Float](repeating: -1, count: length)
        #expect(tympan_window_coefficients(handle, &out, length) == TYMPAN_OK)
        return out
    }

    @Test("Windows: known values (periodic Hann as scipy, symmetric Hamming as HTK, Povey as Kaldi)")
    func windows() throws {
        #expect(try window(TYMPAN_WINDOW_HANN_PERIODIC, 4) == [0, 0.5, 1, 0.5])
        let symmetric = try window(TYMPAN_WINDOW_HANN_SYMMETRIC, 5)
        #expect(zip(symmetric, [0, 0.5, 1, 0.5, 0] as [Float]).allSatisfy { abs($0 - $1) < 1e-7 })
        let hamming = try window(TYMPAN_WINDOW_HAMMING, 5)
        #expect(zip(hamming, [0.08, 0.54, 1, 0.54, 0.08] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        let povey = try window(TYMPAN_WINDOW_POVEY, 5)
        #expect(abs(povey[1] - powf(0.5, 0.85)) < 1e-6 && povey[0] == 0 && povey[2] == 1)
        #expect(try window(TYMPAN_WINDOW_RECTANGULAR, 3) == [1, 1, 1])
    }

    @Test("Pre-emphasis and DC removal in Kaldi's order")
    func preemphasisAndDC() {
        var config = tympan_window_config(length: 4, type: TYMPAN_WINDOW_RECTANGULAR, preemphasis: 0.5,
                                          remove_dc_offset: 1, dither: 0, dither_seed: 0)
        var handle: OpaquePointer?
        #expect(tympan_window_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_window_destroy(handle) }
        var frame: [Float] = [2, 4, 6, 8]  // mean 5 -> [-3, -1, 1, 3]
        #expect(tympan_window_process(handle, &frame, 4) == TYMPAN_OK)
        #expect(frame == [-1.5, 0.5, 1.5, 2.5])  // x[n] - 0.5 x[n-1], x[0] - 0.5 x[0]
        #expect(tympan_window_process(handle, &frame, 3) == TYMPAN_ELENGTH)
    }

    @Test("Mel scales: librosa's values (HTK 1000 Hz = 999.98553714, Slaney 1000 Hz = 15) and round trips")
    func melScales() {
        var mel = 0.0, hz = 0.0
        #expect(tympan_mel_from_hz(TYMPAN_MEL_HTK, 1000, &mel) == TYMPAN_OK)
        #expect(abs(mel - 999.98553714) < 1e-7)
        #expect(tympan_mel_from_hz(TYMPAN_MEL_SLANEY, 1000, &mel) == TYMPAN_OK)
        #expect(abs(mel - 15) < 1e-12)
        #expect(tympan_mel_from_hz(TYMPAN_MEL_SLANEY, 60, &mel) == TYMPAN_OK)
        #expect(abs(mel - 0.9) < 1e-12)
        for scale in [TYMPAN_MEL_HTK, TYMPAN_MEL_SLANEY] {
            for f in [0.0, 20, 440, 999.9, 1000, 4000, 8000] {
                #expect(tympan_mel_from_hz(scale, f, &mel) == TYMPAN_OK)
                #expect(tympan_hz_from_mel(scale, mel, &hz) == TYMPAN_OK)
                #expect(abs(hz - f) < 1e-9 * max(1, f))
            }
        }
        #expect(tympan_mel_from_hz(TYMPAN_MEL_HTK, .nan, &mel) == TYMPAN_EINVAL)
    }

    @Test("Spectrum: a bin-centred sine puts (A N / 2)^2 in its bin; Parseval holds")
    func spectrum() {
        let n = 512, bin = 32
        var config = tympan_spectrum_config(fft_size: n, kind: TYMPAN_SPECTRUM_POWER)
        var handle: OpaquePointer?
        #expect(tympan_spectrum_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_spectrum_destroy(handle) }
        let frame = (0..<n).map { Float(0.5 * cos(2 * Double.pi * Double(bin * $0) / Double(n))) }
        var power = [Float](repeating: 0, count: n / 2 + 1)
        #expect(tympan_spectrum_process(handle, frame, n, &power, n / 2 + 1) == TYMPAN_OK)
        #expect(abs(power[bin] - 128 * 128) / (128 * 128) < 1e-5)
        let energy = frame.reduce(0) { $0 + Double($1) * Double($1) }
        let parseval = (power[0] + power[n / 2] + 2 * power[1..<n / 2].reduce(0, +)) / Float(n)
        #expect(abs(Double(parseval) - energy) / energy < 1e-5)
        #expect(tympan_spectrum_process(handle, frame, n, &power, n / 2) == TYMPAN_ELENGTH)
        #expect(tympan_spectrum_process(handle, frame, n + 1, &power, n / 2 + 1) == TYMPAN_ELENGTH)
        var odd = tympan_spectrum_config(fft_size: 511, kind: TYMPAN_SPECTRUM_POWER)
        var none: OpaquePointer?
        #expect(tympan_spectrum_create(&odd, &none) == TYMPAN_EINVAL && none == nil)
    }

    /// The real FFT is FFTW's complex FFT of N / 2 points plus a split step
    /// (spectrum.c); every bin of it, for both parities of N / 2 and the
    /// smallest sizes, against a direct DFT in double precision.
    @Test("Spectrum: every power and magnitude bin equals a double-precision DFT (N = 512, 510, 1024, 18, 16, 10, 8, 6, 4, 2)",
          arguments: [512, 510, 1024, 18, 16, 10, 8, 6, 4, 2])
    func spectrumAgainstDFT(n: Int) {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15 &+ UInt64(n)
        let frameLength = max(1, n * 3 / 4 + 1 > n ? n : n * 3 / 4 + 1)
        let frame: [Float] = (0..<frameLength).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        var reference = [Double](repeating: 0, count: n / 2 + 1)
        for k in 0...n / 2 {
            var re = 0.0, im = 0.0
            for (i, x) in frame.enumerated() {
                let angle = 2 * Double.pi * Double(k * i % n) / Double(n)
                re += Double(x) * cos(angle)
                im -= Double(x) * sin(angle)
            }
            reference[k] = re * re + im * im
        }
        let peak = reference.max()!
        for kind in [TYMPAN_SPECTRUM_POWER, TYMPAN_SPECTRUM_MAGNITUDE] {
            var config = tympan_spectrum_config(fft_size: n, kind: kind)
            var handle: OpaquePointer?
            #expect(tympan_spectrum_create(&config, &handle) == TYMPAN_OK)
            defer { tympan_spectrum_destroy(handle) }
            for scalar in [false, true] {
                var bins = [Float](repeating: -1, count: n / 2 + 1)
                let status = scalar
                    ? tympan_spectrum_process_scalar(handle, frame, frame.count, &bins, bins.count)
                    : tympan_spectrum_process(handle, frame, frame.count, &bins, bins.count)
                #expect(status == TYMPAN_OK)
                for k in 0...n / 2 {
                    let power = kind == TYMPAN_SPECTRUM_POWER ? Double(bins[k]) : Double(bins[k]) * Double(bins[k])
                    #expect(abs(power - reference[k]) <= 1e-6 * peak, "N \(n) bin \(k): \(power) vs \(reference[k])")
                }
            }
        }
    }

    func filterbankConfig(bands: Int) -> tympan_filterbank_config {
        tympan_filterbank_config(sample_rate: 16000, fft_size: 512, band_count: bands, min_frequency: 0,
                                 max_frequency: 8000, scale: TYMPAN_MEL_SLANEY, norm: TYMPAN_MEL_NORM_SLANEY,
                                 shape: TYMPAN_MEL_TRIANGLE_HZ)
    }

    @Test("Sparse filterbank equals the dense matrix product; empty bands are refused")
    func filterbank() {
        var config = filterbankConfig(bands: 64)
        var handle: OpaquePointer?
        #expect(tympan_filterbank_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_filterbank_destroy(handle) }
        var weights = [Float](repeating: 0, count: 64 * 257)
        #expect(tympan_filterbank_weights(handle, &weights, weights.count) == TYMPAN_OK)
        var generator = SystemRandomNumberGenerator()
        let power = (0..<257).map { _ in Float.random(in: 0...1, using: &generator) }
        var mel = [Float](repeating: 0, count: 64)
        #expect(tympan_filterbank_process(handle, power, 257, &mel, 64) == TYMPAN_OK)
        for b in 0..<64 {
            let dense = (0..<257).reduce(Float(0)) { $0 + weights[b * 257 + $1] * power[$1] }
            #expect(abs(dense - mel[b]) <= 1e-6 * max(1, dense))
        }
        #expect(tympan_filterbank_process(handle, power, 257, &mel, 63) == TYMPAN_ELENGTH)
        var tooMany = filterbankConfig(bands: 200)
        var none: OpaquePointer?
        #expect(tympan_filterbank_create(&tooMany, &none) == TYMPAN_EEMPTYBAND && none == nil)
        var aboveNyquist = filterbankConfig(bands: 64)
        aboveNyquist.max_frequency = 8001
        #expect(tympan_filterbank_create(&aboveNyquist, &none) == TYMPAN_EINVAL)
    }

    @Test("The filterbank check returns what create returns (valid, empty band, invalid) on 2,000 random configurations")
    func filterbankCheck() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var seen: [tympan_status: Int] = [:]
        for _ in 0..<2_000 {
            let rate = Double([4_000, 8_000, 16_000, 22_050, 44_100, 48_000][next(6)])
            let low = Double(next(2_000)), high = rate / 2 - Double(next(3_000))
            var config = tympan_filterbank_config(
                sample_rate: rate, fft_size: 2 * (1 + next(1_024)), band_count: 1 + next(160),
                min_frequency: low, max_frequency: next(20) == 0 ? rate : high,
                scale: next(2) == 0 ? TYMPAN_MEL_SLANEY : TYMPAN_MEL_HTK,
                norm: next(2) == 0 ? TYMPAN_MEL_NORM_SLANEY : TYMPAN_MEL_NORM_NONE,
                shape: next(2) == 0 ? TYMPAN_MEL_TRIANGLE_HZ : TYMPAN_MEL_TRIANGLE_MEL)
            var handle: OpaquePointer?
            let created = tympan_filterbank_create(&config, &handle)
            tympan_filterbank_destroy(handle)
            #expect(tympan_filterbank_check(&config) == created, "\(config)")
            seen[created, default: 0] += 1
        }
        // All three outcomes were drawn.
        #expect(seen[TYMPAN_OK, default: 0] > 100 && seen[TYMPAN_EEMPTYBAND, default: 0] > 100
                && seen[TYMPAN_EINVAL, default: 0] > 20, "\(seen)")
        // 2^24 points and 1,024 bands: checked without making 8 million bins of weights.
        var large = tympan_filterbank_config(sample_rate: 48_000, fft_size: 1 << 24, band_count: 1_024, min_frequency: 0,
                                             max_frequency: 24_000, scale: TYMPAN_MEL_SLANEY,
                                             norm: TYMPAN_MEL_NORM_SLANEY, shape: TYMPAN_MEL_TRIANGLE_HZ)
        #expect(tympan_filterbank_check(&large) == TYMPAN_OK)
        #expect(tympan_filterbank_check(nil) == TYMPAN_EINVAL)
    }

    @Test("Log: natural with floor; decibels with amin, reference and per-frame top_db")
    func log() {
        var natural = tympan_log_config(kind: TYMPAN_LOG_NATURAL, floor: 1e-3, amin: 0, reference: 0, top_db: 0)
        var handle: OpaquePointer?
        #expect(tympan_log_create(&natural, &handle) == TYMPAN_OK)
        var out = [Float](repeating: 0, count: 3)
        #expect(tympan_log_process(handle, [1, Float(M_E), 0], &out, 3) == TYMPAN_OK)
        #expect(out[0] == 0 && abs(out[1] - 1) < 1e-6 && abs(out[2] - logf(1e-3)) < 1e-6)
        tympan_log_destroy(handle)

        var db = tympan_log_config(kind: TYMPAN_LOG_DECIBEL, floor: 0, amin: 1e-10, reference: 10, top_db: 30)
        #expect(tympan_log_create(&db, &handle) == TYMPAN_OK)
        out = [Float](repeating: 0, count: 4)
        #expect(tympan_log_process(handle, [1000, 10, 1e-3, 0], &out, 4) == TYMPAN_OK)
        // 10 log10(x) - 10 log10(10): 20, 0, -40, -110; then raised to 20 - 30 = -10
        #expect(out == [20, 0, -10, -10])
        tympan_log_destroy(handle)

        var bad = tympan_log_config(kind: TYMPAN_LOG_DECIBEL, floor: 0, amin: 0, reference: 1, top_db: 0)
        #expect(tympan_log_create(&bad, &handle) == TYMPAN_EINVAL)
    }

    @Test("MFCC: the full DCT is orthonormal (norm kept); lifter scales c[k] by 1 + L/2 sin(pi k/L)")
    func mfcc() {
        var config = tympan_mfcc_config(band_count: 8, coefficient_count: 8, lifter: 0)
        var handle: OpaquePointer?
        #expect(tympan_mfcc_create(&config, &handle) == TYMPAN_OK)
        let x: [Float] = [3, -1, 4, 1, -5, 9, 2, -6]
        var c = [Float](repeating: 0, count: 8)
        #expect(tympan_mfcc_process(handle, x, 8, &c, 8) == TYMPAN_OK)
        let norm = { (v: [Float]) in v.reduce(0) { $0 + $1 * $1 } }
        #expect(abs(norm(c) - norm(x)) < 1e-4)
        #expect(abs(c[0] - x.reduce(0, +) / sqrtf(8)) < 1e-5)
        tympan_mfcc_destroy(handle)

        var liftered = tympan_mfcc_config(band_count: 8, coefficient_count: 4, lifter: 22)
        #expect(tympan_mfcc_create(&liftered, &handle) == TYMPAN_OK)
        var d = [Float](repeating: 0, count: 4)
        #expect(tympan_mfcc_process(handle, x, 8, &d, 4) == TYMPAN_OK)
        for k in 0..<4 {
            let factor = Float(1 + 11 * sin(Double.pi * Double(k) / 22))
            #expect(abs(d[k] - c[k] * factor) < 1e-4 * max(1, abs(d[k])))
        }
        #expect(tympan_mfcc_process(handle, x, 8, &d, 3) == TYMPAN_ELENGTH)
        tympan_mfcc_destroy(handle)
        var tooMany = tympan_mfcc_config(band_count: 8, coefficient_count: 9, lifter: 0)
        #expect(tympan_mfcc_create(&tooMany, &handle) == TYMPAN_EINVAL)
    }

    @Test("Framer: lead zeros, overlapping frames, tail padding, refusals")
    func framer() {
        var config = tympan_framer_config(frame_length: 4, hop_length: 2, lead_padding: 2)
        var handle: OpaquePointer?
        #expect(tympan_framer_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_framer_destroy(handle) }
        let samples: [Float] = [1, 2, 3, 4, 5]
        var frames = [[Float]]()
        var rest = samples[...]
        var frameCount = 0
        #expect(tympan_framer_frames_for(handle, 5, &frameCount) == TYMPAN_OK && frameCount == 2)
        while true {
            var ready: Int32 = 0
            tympan_framer_ready(handle, &ready)
            if ready != 0 {
                var frame = [Float](repeating: 0, count: 4)
                #expect(tympan_framer_read(handle, &frame, 4) == TYMPAN_OK)
                frames.append(frame)
                continue
            }
            if rest.isEmpty { break }
            var accepted = 0
            rest.withUnsafeBufferPointer { _ = tympan_framer_write(handle, $0.baseAddress, $0.count, &accepted) }
            rest = rest.dropFirst(accepted)
        }
        #expect(frames == [[0, 0, 1, 2], [1, 2, 3, 4]])
        var zeros = 0
        #expect(tympan_framer_tail_padding(handle, &zeros) == TYMPAN_OK)
        #expect(zeros == 1)  // frames t <= 5/2 = 2; the last is padded [4, 8) = [3, 4, 5, 0]
        var frame = [Float](repeating: 0, count: 4)
        #expect(tympan_framer_read(handle, &frame, 4) == TYMPAN_EINVAL)  // none ready
        #expect(tympan_framer_read(handle, &frame, 3) == TYMPAN_ELENGTH)

        var bad = tympan_framer_config(frame_length: 4, hop_length: 0, lead_padding: 0)
        var none: OpaquePointer?
        #expect(tympan_framer_create(&bad, &none) == TYMPAN_EINVAL)
    }

    @Test("Stream: non-finite samples and short capacity are refused before anything is consumed")
    func streamRefusals() {
        var config = tympan_stream_config(
            framer: tympan_framer_config(frame_length: 400, hop_length: 160, lead_padding: 0),
            window: tympan_window_config(length: 400, type: TYMPAN_WINDOW_HANN_PERIODIC, preemphasis: 0,
                                         remove_dc_offset: 0, dither: 0, dither_seed: 0),
            spectrum: tympan_spectrum_config(fft_size: 512, kind: TYMPAN_SPECTRUM_POWER),
            filterbank: filterbankConfig(bands: 64),
            log: tympan_log_config(kind: TYMPAN_LOG_NATURAL, floor: 1e-10, amin: 0, reference: 0, top_db: 0),
            mfcc: tympan_mfcc_config(band_count: 64, coefficient_count: 0, lifter: 0),
            with_descriptors: 0, descriptors: tympan_descriptors_config(), background: tympan_background_config())
        var handle: OpaquePointer?
        #expect(tympan_stream_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_stream_destroy(handle) }
        var samples = [Float](repeating: 0.1, count: 1000)
        var out = [Float](repeating: 0, count: 4 * 64)
        var written = 0
        #expect(tympan_stream_push(handle, samples, 1000, &out, 3 * 64 - 1, &written) == TYMPAN_ELENGTH)
        samples[999] = .nan
        #expect(tympan_stream_push(handle, samples, 1000, &out, out.count, &written) == TYMPAN_ENONFINITE)
        var frames = 0
        #expect(tympan_stream_frames_for(handle, 400, &frames) == TYMPAN_OK && frames == 1, "nothing was consumed")
        samples[999] = 0.1
        #expect(tympan_stream_push(handle, samples, 1000, &out, out.count, &written) == TYMPAN_OK && written == 4)

        var mismatched = config
        mismatched.window.length = 399
        var none: OpaquePointer?
        #expect(tympan_stream_create(&mismatched, &none) == TYMPAN_EINVAL && none == nil)
        #expect(String(cString: tympan_status_message(TYMPAN_EEMPTYBAND)).contains("mel band"))
    }

    @Test("Background: the 10th percentile of a sliding window, exact on known values")
    func backgroundPercentile() {
        var config = tympan_background_config(channel_count: 2, window_frames: 100, percentile: 10,
                                              min_db: -200, max_db: 200, resolution_db: 1)
        var handle: OpaquePointer?
        #expect(tympan_background_create(&config, &handle) == TYMPAN_OK)
        defer { tympan_background_destroy(handle) }
        var estimates: [Float] = [0, 0]
        // Channel 0 counts up 0, 1, ..., channel 1 down; after 100 values the 10th
        // percentile (rank floor(0.1 * 99) = 9) of 0...99 is 9 and of -99...0 is -90.
        for i in 0..<100 {
            #expect(tympan_background_process(handle, [Float(i), Float(-i)], &estimates, 2) == TYMPAN_OK)
        }
        #expect(estimates == [9, -90])
        // 50 more: the window holds 50...149 and -149...-50.
        for i in 100..<150 {
            #expect(tympan_background_process(handle, [Float(i), Float(-i)], &estimates, 2) == TYMPAN_OK)
        }
        #expect(estimates == [59, -140])
        #expect(tympan_background_process(handle, [0], &estimates, 1) == TYMPAN_ELENGTH)
        #expect(tympan_background_reset(handle) == TYMPAN_OK)
        #expect(tympan_background_process(handle, [5, 5], &estimates, 2) == TYMPAN_OK && estimates == [5, 5])
    }
}
