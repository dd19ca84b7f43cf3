// The one place that talks to the C kernels.
internal import CTympan

enum Kernels {
    static func error(_ status: tympan_status) -> TympanError {
        .kernel(status: Int(status.rawValue), message: String(cString: tympan_status_message(status)))
    }

    static func check(_ status: tympan_status) throws(TympanError) {
        if status != TYMPAN_OK { throw error(status) }
    }

    static func filterbankConfig(_ c: FeatureConfiguration) -> tympan_filterbank_config {
        tympan_filterbank_config(
            sample_rate: Double(c.sampleRate), fft_size: c.fftSize, band_count: c.melBandCount,
            min_frequency: c.minFrequency, max_frequency: c.maxFrequency,
            scale: c.melScale == .slaney ? TYMPAN_MEL_SLANEY : TYMPAN_MEL_HTK,
            norm: c.melNormalization == .slaney ? TYMPAN_MEL_NORM_SLANEY : TYMPAN_MEL_NORM_NONE,
            shape: c.filterShape == .triangleInHertz ? TYMPAN_MEL_TRIANGLE_HZ : TYMPAN_MEL_TRIANGLE_MEL)
    }

    /// False when some mel band would have no nonzero weight.
    static func filterbankHasNoEmptyBand(_ c: FeatureConfiguration) -> Bool {
        var config = filterbankConfig(c)
        return tympan_filterbank_check(&config) != TYMPAN_EEMPTYBAND
    }

    /// The dense melBandCount × (fftSize/2 + 1) weight matrix, row-major.
    static func filterbankWeights(_ c: FeatureConfiguration) throws(TympanError) -> [Float] {
        var config = filterbankConfig(c)
        var handle: OpaquePointer?
        try check(tympan_filterbank_create(&config, &handle))
        defer { tympan_filterbank_destroy(handle) }
        let count = c.melBandCount * (c.fftSize / 2 + 1)
        var weights = [Float](repeating: 0, count: count)
        try check(weights.withUnsafeMutableBufferPointer {
            tympan_filterbank_weights(handle, $0.baseAddress, count)
        })
        return weights
    }

    static func windowType(_ w: WindowFunction) -> tympan_window_type {
        switch w {
        case .rectangular: TYMPAN_WINDOW_RECTANGULAR
        case .hann: TYMPAN_WINDOW_HANN_PERIODIC
        case .hannSymmetric: TYMPAN_WINDOW_HANN_SYMMETRIC
        case .hamming: TYMPAN_WINDOW_HAMMING
        case .povey: TYMPAN_WINDOW_POVEY
        }
    }

    static func logConfig(_ l: LogCompression) -> tympan_log_config {
        switch l {
        case .none:
            tympan_log_config(kind: TYMPAN_LOG_NONE, floor: 0, amin: 0, reference: 0, top_db: 0)
        case let .natural(floor):
            tympan_log_config(kind: TYMPAN_LOG_NATURAL, floor: floor, amin: 0, reference: 0, top_db: 0)
        case let .decibels(amin, reference, topDB):
            tympan_log_config(kind: TYMPAN_LOG_DECIBEL, floor: 0, amin: amin, reference: reference,
                              top_db: topDB ?? 0)
        }
    }

    static func streamConfig(_ c: FeatureConfiguration) -> tympan_stream_config {
        tympan_stream_config(
            framer: tympan_framer_config(
                frame_length: c.frameLength, hop_length: c.hopLength, lead_padding: c.leadPadding),
            window: tympan_window_config(
                length: c.frameLength, type: windowType(c.window), preemphasis: c.preemphasis,
                remove_dc_offset: c.removesDCOffset ? 1 : 0, dither: c.dither, dither_seed: c.ditherSeed),
            spectrum: tympan_spectrum_config(
                fft_size: c.fftSize, kind: c.spectrum == .power ? TYMPAN_SPECTRUM_POWER : TYMPAN_SPECTRUM_MAGNITUDE),
            filterbank: filterbankConfig(c),
            log: logConfig(c.logCompression),
            mfcc: tympan_mfcc_config(
                band_count: c.melBandCount, coefficient_count: c.mfccCount, lifter: c.lifter),
            with_descriptors: c.descriptors == nil ? 0 : 1,
            descriptors: tympan_descriptors_config(
                sample_rate: Double(c.sampleRate), frame_length: c.frameLength, fft_size: c.fftSize,
                window: windowType(c.window), mel_band_count: c.melBandCount,
                calibration_db: c.descriptors?.calibration ?? 0,
                pitch_min_hz: c.descriptors?.pitchRange.lowerBound ?? 1,
                pitch_max_hz: c.descriptors?.pitchRange.upperBound ?? 2,
                band_count: c.descriptors?.bands.count ?? 0, band_edges: nil),
            background: tympan_background_config(
                channel_count: 0,
                window_frames: max(1, Int(((c.descriptors?.backgroundSeconds ?? 1) * Double(c.sampleRate)
                    / Double(c.hopLength)).rounded())),
                percentile: Float(c.descriptors?.backgroundPercentile ?? 10),
                min_db: -140, max_db: 200, resolution_db: 0.25))
    }

    /// The stream's configuration as `EventDetector.tables` writes it: one
    /// line per config struct, its fields in the struct's order (floats and
    /// doubles so that they read back to the same bits).
    static func describeStream(_ c: FeatureConfiguration) -> [String] {
        let s = streamConfig(c)
        let edges = (c.descriptors?.bands ?? []).flatMap { [$0.low, $0.high] }
        return [
            "framer \(s.framer.frame_length) \(s.framer.hop_length) \(s.framer.lead_padding)",
            "window \(s.window.length) \(s.window.type.rawValue) \(s.window.preemphasis) \(s.window.remove_dc_offset) "
                + "\(s.window.dither) \(s.window.dither_seed)",
            "spectrum \(s.spectrum.fft_size) \(s.spectrum.kind.rawValue)",
            "filterbank \(s.filterbank.sample_rate) \(s.filterbank.fft_size) \(s.filterbank.band_count) "
                + "\(s.filterbank.min_frequency) \(s.filterbank.max_frequency) \(s.filterbank.scale.rawValue) "
                + "\(s.filterbank.norm.rawValue) \(s.filterbank.shape.rawValue)",
            "log \(s.log.kind.rawValue) \(s.log.floor) \(s.log.amin) \(s.log.reference) \(s.log.top_db)",
            "mfcc \(s.mfcc.band_count) \(s.mfcc.coefficient_count) \(s.mfcc.lifter)",
            "descriptors \(s.with_descriptors) \(s.descriptors.sample_rate) \(s.descriptors.frame_length) "
                + "\(s.descriptors.fft_size) \(s.descriptors.window.rawValue) \(s.descriptors.mel_band_count) "
                + "\(s.descriptors.calibration_db) \(s.descriptors.pitch_min_hz) \(s.descriptors.pitch_max_hz) "
                + "\(edges.count / 2)" + edges.map { " \($0)" }.joined(),
            "background \(s.background.window_frames) \(s.background.percentile) \(s.background.min_db) "
                + "\(s.background.max_db) \(s.background.resolution_db)",
        ]
    }

    /// Owns one `tympan_stream`.
    final class Stream {
        private let handle: OpaquePointer
        let featureCount: Int

        init(_ configuration: FeatureConfiguration) throws(TympanError) {
            var config = Kernels.streamConfig(configuration)
            var handle: OpaquePointer?
            // The band edges only need to live through create (the kernels copy what they need).
            let edges = (configuration.descriptors?.bands ?? []).flatMap { [$0.low, $0.high] }
            let status = edges.withUnsafeBufferPointer { buffer in
                config.descriptors.band_edges = buffer.baseAddress
                return tympan_stream_create(&config, &handle)
            }
            try Kernels.check(status)
            guard let handle else { throw Kernels.error(TYMPAN_ENOMEM) }
            self.handle = handle
            self.featureCount = configuration.featureCount
        }

        deinit { tympan_stream_destroy(handle) }

        func framesFor(sampleCount: Int) -> Int {
            var frames = 0
            _ = tympan_stream_frames_for(handle, sampleCount, &frames)
            return frames
        }

        func framesAtFinish() -> Int {
            var frames = 0
            _ = tympan_stream_frames_at_finish(handle, &frames)
            return frames
        }

        /// Pushes samples and writes ready rows into `output` (from its start).
        /// Returns rows written, or nil when a sample is not finite (nothing consumed).
        func push(_ samples: [Float], into output: inout [Float]) throws(TympanError) -> Int? {
            var written = 0
            let status = samples.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    tympan_stream_push(handle, input.baseAddress, input.count, out.baseAddress, out.count, &written)
                }
            }
            if status == TYMPAN_ENONFINITE { return nil }
            try Kernels.check(status)
            return written
        }

        func finish(into output: inout [Float]) throws(TympanError) -> Int {
            var written = 0
            let status = output.withUnsafeMutableBufferPointer { out in
                tympan_stream_finish(handle, out.baseAddress, out.count, &written)
            }
            try Kernels.check(status)
            return written
        }

        func reset() { _ = tympan_stream_reset(handle) }
    }

    /// Owns one `tympan_aggregates`: the windowed aggregates over feature histories.
    final class Aggregates {
        private let handle: OpaquePointer
        let count: Int

        init(layout: AggregateLayout) throws(TympanError) {
            let (frameWidth, features, windows, aggregates, delay) =
                (layout.frameWidth, layout.features, layout.windows, layout.aggregates, layout.delay)
            let first = features.map(\.lowerBound), width = features.map(\.count)
            let windowFeature = windows.map(\.feature), frames = windows.map(\.frames), ahead = windows.map(\.ahead)
            let aggregateWindow = aggregates.map(\.window)
            let kinds: [tympan_aggregate] = aggregates.map {
                switch $0.aggregate {
                case .value: TYMPAN_AGGREGATE_VALUE
                case .mean: TYMPAN_AGGREGATE_MEAN
                case .max: TYMPAN_AGGREGATE_MAX
                case .min: TYMPAN_AGGREGATE_MIN
                case .rise: TYMPAN_AGGREGATE_RISE
                case .fall: TYMPAN_AGGREGATE_FALL
                case .range: TYMPAN_AGGREGATE_RANGE
                }
            }
            var handle: OpaquePointer?
            // The arrays only need to live through create (the stage copies what it keeps).
            let status = first.withUnsafeBufferPointer { first in
                width.withUnsafeBufferPointer { width in
                    windowFeature.withUnsafeBufferPointer { windowFeature in
                        frames.withUnsafeBufferPointer { frames in
                            ahead.withUnsafeBufferPointer { ahead in
                                aggregateWindow.withUnsafeBufferPointer { aggregateWindow in
                                    kinds.withUnsafeBufferPointer { kinds in
                                        var config = tympan_aggregates_config(
                                            frame_width: frameWidth,
                                            feature_count: features.count, feature_first: first.baseAddress,
                                            feature_width: width.baseAddress,
                                            window_count: windows.count, window_feature: windowFeature.baseAddress,
                                            window_frames: frames.baseAddress, window_ahead: ahead.baseAddress,
                                            aggregate_count: aggregates.count,
                                            aggregate_window: aggregateWindow.baseAddress,
                                            aggregate_kind: kinds.baseAddress, delay: delay)
                                        return tympan_aggregates_create(&config, &handle)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            try Kernels.check(status)
            guard let handle else { throw Kernels.error(TYMPAN_ENOMEM) }
            self.handle = handle
            count = aggregates.count
        }

        deinit { tympan_aggregates_destroy(handle) }

        /// Adds a frame; the index of the frame whose aggregates are now in `values`, or nil.
        func push(_ frame: ArraySlice<Float>, into values: inout [Double]) -> Int? {
            var computed = -1
            let status = frame.withUnsafeBufferPointer { frame in
                values.withUnsafeMutableBufferPointer { values in
                    tympan_aggregates_push(handle, frame.baseAddress, frame.count, values.baseAddress, values.count, &computed)
                }
            }
            precondition(status == TYMPAN_OK, "tympan_aggregates_push: the classifier sized its buffers wrong")
            return computed >= 0 ? computed : nil
        }

        /// The next frame still waiting at the end of a stream, or nil.
        func flush(into values: inout [Double]) -> Int? {
            var computed = -1
            let status = values.withUnsafeMutableBufferPointer { values in
                tympan_aggregates_flush(handle, values.baseAddress, values.count, &computed)
            }
            precondition(status == TYMPAN_OK, "tympan_aggregates_flush: the classifier sized its buffers wrong")
            return computed >= 0 ? computed : nil
        }

        func reset() { _ = tympan_aggregates_reset(handle) }
    }

    /// Owns one `tympan_scorer`: a compiled weighted model of hard conditions.
    /// Owns one `tympan_scorer`, the compiled model: read only after create,
    /// so one serves every stream on any thread (each stream passes its own
    /// `held` bytes).
    final class Scorer: @unchecked Sendable {
        private let handle: OpaquePointer
        /// The bytes each stream keeps for this model.
        let heldCount: Int

        /// `intervals`: per condition, the value it reads and where it holds;
        /// `terms`: per class, its bias and its terms (conditions, fixed-point weight).
        init(valueCount: Int, intervals: [(value: Int, low: Double, high: Double)],
             classes: [(bias: Double, terms: [(conditions: [Int], weight: Int64)])],
             gate: (value: Int, below: Double)?) throws(TympanError)
        {
            let arity = max(1, classes.flatMap { $0.terms.map(\.conditions.count) }.max() ?? 1)
            let padding = intervals.count
            var ends = [Int](), members = [Int](), weights = [Int64]()
            for c in classes {
                for term in c.terms {
                    members += term.conditions + Array(repeating: padding, count: arity - term.conditions.count)
                    weights.append(term.weight)
                }
                ends.append(weights.count)
            }
            let reads = intervals.map(\.value), low = intervals.map(\.low), high = intervals.map(\.high)
            let bias = classes.map(\.bias)
            var handle: OpaquePointer?
            let status = reads.withUnsafeBufferPointer { reads in
                low.withUnsafeBufferPointer { low in
                    high.withUnsafeBufferPointer { high in
                        bias.withUnsafeBufferPointer { bias in
                            ends.withUnsafeBufferPointer { ends in
                                members.withUnsafeBufferPointer { members in
                                    weights.withUnsafeBufferPointer { weights in
                                        var config = tympan_scorer_config(
                                            value_count: valueCount, condition_count: intervals.count,
                                            condition_value: reads.baseAddress, condition_low: low.baseAddress,
                                            condition_high: high.baseAddress, class_count: classes.count,
                                            class_bias: bias.baseAddress, class_term_end: ends.baseAddress,
                                            term_arity: arity, term_conditions: members.baseAddress,
                                            term_weights: weights.baseAddress,
                                            gate_value: gate?.value ?? valueCount, gate_below: gate?.below ?? 0)
                                        return tympan_scorer_create(&config, &handle)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            try Kernels.check(status)
            guard let handle else { throw Kernels.error(TYMPAN_ENOMEM) }
            self.handle = handle
            heldCount = tympan_scorer_held_count(handle)
        }

        deinit { tympan_scorer_destroy(handle) }

        /// The class scores of one frame's values, a stream's `held` bytes
        /// written; false when the gate closed (every score 0, `held` kept).
        func score(_ values: [Double], held: inout [UInt8], into scores: inout [Double]) -> Bool {
            var gated: Int32 = 0
            let status = values.withUnsafeBufferPointer { values in
                held.withUnsafeMutableBufferPointer { held in
                    scores.withUnsafeMutableBufferPointer { scores in
                        tympan_scorer_process(handle, values.baseAddress, values.count, held.baseAddress, held.count,
                                              scores.baseAddress, scores.count, &gated)
                    }
                }
            }
            precondition(status == TYMPAN_OK, "tympan_scorer_process: the classifier sized its buffers wrong")
            return gated == 0
        }

        /// Whether conditions `range` held, as a stream's `held` bytes keep them.
        func conditions(_ range: Range<Int>, held: [UInt8]) -> [Double] {
            var out = [UInt8](repeating: 0, count: range.count)
            let status = held.withUnsafeBufferPointer { held in
                out.withUnsafeMutableBufferPointer {
                    tympan_scorer_conditions(handle, held.baseAddress, held.count, range.lowerBound, $0.baseAddress, range.count)
                }
            }
            precondition(status == TYMPAN_OK, "tympan_scorer_conditions: a range outside the model")
            return out.map(Double.init)
        }
    }
}
