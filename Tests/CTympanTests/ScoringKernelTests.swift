import CTympan
import Foundation
import Testing
import TestSupport

/// The detection's per-frame stages in C: the windowed aggregates
/// (`tympan_aggregates`) against a direct computation, and the compiled model
/// (`tympan_scorer`) against a plain one written here, its four-lane path
/// against its scalar reference.
@Suite struct ScoringKernelTests {
    /// A random weighted model over `values` aggregates: conditions above,
    /// below or between thresholds, terms of one to three conditions.
    struct Model {
        var reads: [Int] = [], low: [Double] = [], high: [Double] = []
        var bias: [Double] = [], ends: [Int] = [], arity = 3, members: [Int] = [], weights: [Int64] = []

        init(values: Int, conditions: Int, classes: Int, terms: Int, generator: inout SplitMix) {
            for _ in 0..<conditions {
                reads.append(Int.random(in: 0..<values, using: &generator))
                let t = Double.random(in: -1...1, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: low.append(t); high.append(.infinity)
                case 1: low.append(-.infinity); high.append(t)
                default: low.append(t); high.append(t + Double.random(in: 0...1, using: &generator))
                }
            }
            for _ in 0..<classes {
                bias.append(Double.random(in: -3...3, using: &generator))
                for _ in 0..<terms {
                    let n = Int.random(in: 1...arity, using: &generator)
                    members += (0..<n).map { _ in Int.random(in: 0..<conditions, using: &generator) }
                        + Array(repeating: conditions, count: arity - n)
                    weights.append(Int64((Double.random(in: -2...2, using: &generator) * 1_099_511_627_776).rounded()))
                }
                ends.append(weights.count)
            }
        }

        func create(values: Int, gate: Int, below: Double = -90) -> OpaquePointer? {
            var handle: OpaquePointer?
            // Pointers that live through create (an array passed inline would not).
            let status = reads.withUnsafeBufferPointer { reads in
                low.withUnsafeBufferPointer { low in
                    high.withUnsafeBufferPointer { high in
                        bias.withUnsafeBufferPointer { bias in
                            ends.withUnsafeBufferPointer { ends in
                                members.withUnsafeBufferPointer { members in
                                    weights.withUnsafeBufferPointer { weights in
                                        var config = tympan_scorer_config(
                                            value_count: values, condition_count: reads.count,
                                            condition_value: reads.baseAddress, condition_low: low.baseAddress,
                                            condition_high: high.baseAddress, class_count: bias.count,
                                            class_bias: bias.baseAddress, class_term_end: ends.baseAddress,
                                            term_arity: arity, term_conditions: members.baseAddress,
                                            term_weights: weights.baseAddress, gate_value: gate, gate_below: below)
                                        return tympan_scorer_create(&config, &handle)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return status == TYMPAN_OK ? handle : nil
        }

        /// The scores written plainly: a term holds when each of its conditions does.
        func scores(_ x: [Double]) -> (scores: [Double], held: [UInt8]) {
            let held = reads.indices.map { i -> UInt8 in x[reads[i]] >= low[i] && x[reads[i]] <= high[i] ? 1 : 0 }
            var out = [Double](), first = 0
            for k in bias.indices {
                var sum: Int64 = 0
                for j in first..<ends[k] {
                    let term = members[j * arity..<(j + 1) * arity].filter { $0 < reads.count }
                    if term.allSatisfy({ held[$0] == 1 }) { sum += weights[j] }
                }
                out.append(1 / (1 + exp(-(bias[k] + Double(sum) / 1_099_511_627_776))))
                first = ends[k]
            }
            return (out, held)
        }
    }

    /// A tympan_aggregates over frames of `width` floats (the arrays live through create).
    static func aggregates(width: Int, features: [(first: Int, width: Int)], windows: [(Int, Int, Int)],
                           aggregateWindow: [Int], aggregateKind: [tympan_aggregate], delay: Int,
                           status: inout tympan_status) -> OpaquePointer? {
        let first = features.map(\.first), widths = features.map(\.width)
        let feature = windows.map(\.0), frames = windows.map(\.1), ahead = windows.map(\.2)
        var handle: OpaquePointer?
        status = first.withUnsafeBufferPointer { first in
            widths.withUnsafeBufferPointer { widths in
                feature.withUnsafeBufferPointer { feature in
                    frames.withUnsafeBufferPointer { frames in
                        ahead.withUnsafeBufferPointer { ahead in
                            aggregateWindow.withUnsafeBufferPointer { aggregateWindow in
                                aggregateKind.withUnsafeBufferPointer { aggregateKind in
                                    var config = tympan_aggregates_config(
                                        frame_width: width, feature_count: first.count, feature_first: first.baseAddress,
                                        feature_width: widths.baseAddress, window_count: feature.count,
                                        window_feature: feature.baseAddress, window_frames: frames.baseAddress,
                                        window_ahead: ahead.baseAddress, aggregate_count: aggregateWindow.count,
                                        aggregate_window: aggregateWindow.baseAddress,
                                        aggregate_kind: aggregateKind.baseAddress, delay: delay)
                                    return tympan_aggregates_create(&config, &handle)
                                }
                            }
                        }
                    }
                }
            }
        }
        return handle
    }

    /// One stream's condition bytes for a model.
    static func held(_ scorer: OpaquePointer) -> [UInt8] {
        [UInt8](repeating: 9, count: tympan_scorer_held_count(scorer))
    }

    /// Conditions 0 ..< count as a stream's bytes hold them.
    static func conditions(_ scorer: OpaquePointer, _ held: [UInt8], _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 9, count: count)
        return tympan_scorer_conditions(scorer, held, held.count, 0, &out, count) == TYMPAN_OK ? out : nil
    }

    @Test("Scorer: the four-lane and scalar paths equal a plain computation exactly (scores and every condition's byte), for condition counts with and without a remainder, NaN and infinite values included; two streams share one model",
          arguments: [1, 2, 5, 64, 583])
    func scorer(conditions: Int) throws {
        var generator = SplitMix(seed: UInt64(conditions))
        let values = 37
        let model = Model(values: values, conditions: conditions, classes: 3, terms: 40, generator: &generator)
        let s = try #require(model.create(values: values, gate: values))
        defer { tympan_scorer_destroy(s) }
        // Two streams on one model, each frame scored by each path on its own bytes.
        var heldFast = Self.held(s), heldSlow = Self.held(s)
        for frame in 0..<200 {
            var x = (0..<values).map { _ in Double.random(in: -1.5...1.5, using: &generator) }
            if frame % 7 == 0 { x[frame % values] = [.nan, .infinity, -.infinity][frame % 3] }
            let expected = model.scores(x)
            var a = [Double](repeating: -1, count: 3), b = a, gatedA: Int32 = -1, gatedB: Int32 = -1
            #expect(tympan_scorer_process(s, x, values, &heldFast, heldFast.count, &a, 3, &gatedA) == TYMPAN_OK)
            #expect(tympan_scorer_process_scalar(s, x, values, &heldSlow, heldSlow.count, &b, 3, &gatedB) == TYMPAN_OK)
            #expect(a == expected.scores && b == expected.scores && gatedA == 0 && gatedB == 0, "frame \(frame)")
            #expect(Self.conditions(s, heldFast, conditions) == expected.held, "frame \(frame)")
            #expect(Self.conditions(s, heldSlow, conditions) == expected.held, "frame \(frame)")
        }
    }

    @Test("Scorer streams on one model are apart: each stream's conditions are its own frame's, whatever the other scored since")
    func streams() throws {
        var generator = SplitMix(seed: 4)
        let model = Model(values: 6, conditions: 11, classes: 2, terms: 8, generator: &generator)
        let s = try #require(model.create(values: 6, gate: 6))
        defer { tympan_scorer_destroy(s) }
        var first = Self.held(s), second = Self.held(s)
        var scores = [Double](repeating: 0, count: 2), gated: Int32 = 0
        var changed = false
        for _ in 0..<50 {
            let x = (0..<6).map { _ in Double.random(in: -1.5...1.5, using: &generator) }
            let y = (0..<6).map { _ in Double.random(in: -1.5...1.5, using: &generator) }
            #expect(tympan_scorer_process(s, x, 6, &first, first.count, &scores, 2, &gated) == TYMPAN_OK)
            #expect(scores == model.scores(x).scores)
            #expect(tympan_scorer_process(s, y, 6, &second, second.count, &scores, 2, &gated) == TYMPAN_OK)
            #expect(scores == model.scores(y).scores)
            #expect(Self.conditions(s, first, 11) == model.scores(x).held)
            #expect(Self.conditions(s, second, 11) == model.scores(y).held)
            changed = changed || model.scores(x).held != model.scores(y).held
        }
        #expect(changed)  // the two streams' conditions did differ
    }

    @Test("Scorer gate: below it every score is 0 and the conditions of the frame before are kept")
    func gate() throws {
        var generator = SplitMix(seed: 5)
        let model = Model(values: 4, conditions: 9, classes: 2, terms: 6, generator: &generator)
        let s = try #require(model.create(values: 4, gate: 3, below: -90))
        defer { tympan_scorer_destroy(s) }
        var held = Self.held(s)
        let open = [0.5, -0.5, 0.25, -20]
        var scores = [Double](repeating: -1, count: 2), gated: Int32 = -1
        #expect(tympan_scorer_process(s, open, 4, &held, held.count, &scores, 2, &gated) == TYMPAN_OK && gated == 0)
        #expect(scores == model.scores(open).scores)
        let before = try #require(Self.conditions(s, held, 9))
        #expect(before == model.scores(open).held)
        let closed = [-0.5, 0.5, -0.25, -95]
        #expect(model.scores(closed).held != before)  // the gate, not the values, keeps them
        #expect(tympan_scorer_process(s, closed, 4, &held, held.count, &scores, 2, &gated) == TYMPAN_OK)
        #expect(gated == 1 && scores == [0, 0])
        #expect(Self.conditions(s, held, 9) == before)
    }

    @Test("Scorer refuses what it cannot score: no conditions, a value or condition out of range, arity 0 or 9, weights past 2^20 a class, a NaN threshold; wrong buffer lengths")
    func refusals() throws {
        var generator = SplitMix(seed: 6)
        let model = Model(values: 4, conditions: 5, classes: 1, terms: 3, generator: &generator)
        func refused(_ change: (inout Model) -> Void, values: Int = 4) -> Bool {
            var m = model
            change(&m)
            let handle = m.create(values: values, gate: values)
            tympan_scorer_destroy(handle)
            return handle == nil
        }
        #expect(!refused { _ in })
        #expect(refused({ _ in }, values: 0))
        #expect(refused { $0.reads[0] = 4 })
        #expect(refused { $0.members[0] = 6 })
        #expect(refused { $0.low[1] = .nan })
        #expect(refused { $0.weights[0] = Int64(1 << 61) })
        #expect(refused { $0.arity = 0; $0.members = [] })
        #expect(refused { $0.arity = 9; $0.members = Array(repeating: 0, count: 27) })
        var none: OpaquePointer?
        var empty = tympan_scorer_config()
        #expect(tympan_scorer_create(&empty, &none) == TYMPAN_EINVAL && none == nil)
        #expect(tympan_scorer_held_count(nil) == 0)
        let s = try #require(model.create(values: 4, gate: 4))
        defer { tympan_scorer_destroy(s) }
        var held = Self.held(s), short = [UInt8](repeating: 0, count: held.count - 1)
        var scores = [Double](repeating: 0, count: 1), gated: Int32 = 0
        #expect(tympan_scorer_process(s, [0, 0, 0], 3, &held, held.count, &scores, 1, &gated) == TYMPAN_ELENGTH)
        #expect(tympan_scorer_process(s, [0, 0, 0, 0], 4, &short, short.count, &scores, 1, &gated) == TYMPAN_ELENGTH)
        #expect(tympan_scorer_process(s, [0, 0, 0, 0], 4, nil, held.count, &scores, 1, &gated) == TYMPAN_EINVAL)
        var out = [UInt8](repeating: 0, count: 6)
        #expect(tympan_scorer_conditions(s, held, held.count, 0, &out, 6) == TYMPAN_ELENGTH)
        #expect(tympan_scorer_conditions(s, short, short.count, 0, &out, 5) == TYMPAN_ELENGTH)
    }

    @Test("Aggregates: every statistic of windows nested and not, looking ahead or not, over features of one float and of several (their mean), equals a direct computation at every frame, flush included")
    func aggregates() throws {
        var generator = SplitMix(seed: 8)
        let width = 6
        let features = [(0, 1), (1, 4), (5, 1)]  // (first, width): means of four integers are exact too
        let windows = [(0, 1, 0), (0, 5, 2), (0, 3, 0), (0, 9, 4), (1, 4, 1), (1, 2, 0), (2, 2, 4), (2, 7, 3)]
        let delay = 4
        let kinds: [tympan_aggregate] = [TYMPAN_AGGREGATE_VALUE, TYMPAN_AGGREGATE_MEAN, TYMPAN_AGGREGATE_MAX,
                                         TYMPAN_AGGREGATE_MIN, TYMPAN_AGGREGATE_RISE, TYMPAN_AGGREGATE_FALL,
                                         TYMPAN_AGGREGATE_RANGE]
        let aggregateWindow = windows.indices.flatMap { w in Array(repeating: w, count: kinds.count) }
        let aggregateKind = windows.indices.flatMap { _ in kinds }
        var status = TYMPAN_EINVAL
        let handle = Self.aggregates(width: width, features: features.map { ($0.0, $0.1) }, windows: windows,
                                     aggregateWindow: aggregateWindow, aggregateKind: aggregateKind, delay: delay,
                                     status: &status)
        #expect(status == TYMPAN_OK)
        let a = try #require(handle)
        defer { tympan_aggregates_destroy(a) }
        // Small integers: every sum is exact, in any order.
        let frames = (0..<50).map { _ in (0..<width).map { _ in Float(Int.random(in: -20...20, using: &generator)) } }
        let series = features.map { f, n in frames.map { row in row[f..<f + n].reduce(0.0) { $0 + Double($1) } / Double(n) } }
        var computed = [Int]()
        func check(_ e: Int, _ values: [Double]) {
            computed.append(e)
            for (w, (f, length, ahead)) in windows.enumerated() {
                let end = min(e + ahead, series[f].count - 1)
                let window = series[f][min(max(0, e + ahead - length + 1), end)...end]
                let last = window.last!, low = window.min()!, high = window.max()!
                let expected = [series[f][e], window.reduce(0, +) / Double(window.count), high, low, last - low,
                                high - last, high - low]
                #expect(Array(values[w * kinds.count..<(w + 1) * kinds.count]) == expected, "frame \(e), window \(w)")
            }
        }
        var values = [Double](repeating: 0, count: aggregateKind.count)
        for (t, row) in frames.enumerated() {
            var e = -2
            #expect(tympan_aggregates_push(a, row, width, &values, values.count, &e) == TYMPAN_OK)
            #expect(e == (t >= delay ? t - delay : -1))
            if e >= 0 { check(e, values) }
        }
        while true {
            var e = -2
            #expect(tympan_aggregates_flush(a, &values, values.count, &e) == TYMPAN_OK)
            if e < 0 { break }
            check(e, values)
        }
        #expect(computed == Array(0..<frames.count))
        // After a reset the next frame is frame 0 again.
        #expect(tympan_aggregates_reset(a) == TYMPAN_OK)
        var e = -2
        for t in 0...delay { #expect(tympan_aggregates_push(a, frames[t], width, &values, values.count, &e) == TYMPAN_OK) }
        #expect(e == 0)
        #expect(tympan_aggregates_push(a, frames[0], width - 1, &values, values.count, &e) == TYMPAN_ELENGTH)
    }

    @Test("Aggregates: the two-lane path (features whose windows are alike, in pairs) equals the scalar reference bit for bit, on random values over eight decades, an odd feature out included")
    func aggregateLanes() throws {
        var generator = SplitMix(seed: 9)
        let width = 5
        // Features 0, 1, 3 have the same windows (two pairs cannot form: 0 and 1 pair, 3 waits);
        // 2 and 4 have others of their own, alike too.
        let shapes = [(5, 2), (11, 5), (21, 10), (41, 20)]
        var windows = [(Int, Int, Int)]()
        for f in [0, 1, 3] { windows += shapes.map { (f, $0.0, $0.1) } }
        for f in [2, 4] { windows += [(f, 1, 0), (f, 7, 3), (f, 3, 0)] }
        let kinds: [tympan_aggregate] = [TYMPAN_AGGREGATE_VALUE, TYMPAN_AGGREGATE_MEAN, TYMPAN_AGGREGATE_MAX,
                                         TYMPAN_AGGREGATE_MIN, TYMPAN_AGGREGATE_RISE, TYMPAN_AGGREGATE_FALL,
                                         TYMPAN_AGGREGATE_RANGE]
        let aggregateWindow = windows.indices.flatMap { w in Array(repeating: w, count: kinds.count) }
        let aggregateKind = windows.indices.flatMap { _ in kinds }
        var status1 = TYMPAN_EINVAL, status2 = TYMPAN_EINVAL
        let features = (0..<width).map { (first: $0, width: 1) }
        let lanes = try #require(Self.aggregates(width: width, features: features, windows: windows, aggregateWindow: aggregateWindow,
                                                 aggregateKind: aggregateKind, delay: 20, status: &status1))
        let scalar = try #require(Self.aggregates(width: width, features: features, windows: windows, aggregateWindow: aggregateWindow,
                                                  aggregateKind: aggregateKind, delay: 20, status: &status2))
        #expect(status1 == TYMPAN_OK && status2 == TYMPAN_OK)
        defer { tympan_aggregates_destroy(lanes); tympan_aggregates_destroy(scalar) }
        var a = [Double](repeating: 0, count: aggregateKind.count), b = a
        var scored = 0
        func same() -> Bool { zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern } }
        for t in 0..<300 {
            let row = (0..<width).map { _ in Float(pow(10, Double.random(in: -4...4, using: &generator)))
                * (Bool.random(using: &generator) ? 1 : -1) }
            var e1 = -2, e2 = -2
            #expect(tympan_aggregates_push(lanes, row, width, &a, a.count, &e1) == TYMPAN_OK)
            #expect(tympan_aggregates_push_scalar(scalar, row, width, &b, b.count, &e2) == TYMPAN_OK)
            #expect(e1 == e2)
            if e1 >= 0 { #expect(same(), "frame \(t)"); scored += 1 }
        }
        while true {
            var e1 = -2, e2 = -2
            #expect(tympan_aggregates_flush(lanes, &a, a.count, &e1) == TYMPAN_OK)
            #expect(tympan_aggregates_flush_scalar(scalar, &b, b.count, &e2) == TYMPAN_OK)
            #expect(e1 == e2)
            if e1 < 0 { break }
            #expect(same(), "flushed frame \(e1)")
            scored += 1
        }
        #expect(scored == 300)
    }

    @Test("Aggregates refuse a feature past the frame, a window on no feature or of no frames, one looking further ahead than the delay, two windows alike, an unknown statistic")
    func aggregateRefusals() {
        func refused(first: Int = 0, window: (Int, Int, Int) = (0, 3, 1), second: (Int, Int, Int) = (0, 1, 0),
                     kind: UInt32 = 2) -> Bool {
            var status = TYMPAN_OK
            let handle = Self.aggregates(width: 4, features: [(first, 2)], windows: [window, second], aggregateWindow: [0],
                                         aggregateKind: [tympan_aggregate(rawValue: kind)], delay: 1, status: &status)
            tympan_aggregates_destroy(handle)
            return status == TYMPAN_EINVAL && handle == nil
        }
        #expect(!refused())
        #expect(refused(first: 3))
        #expect(refused(window: (1, 3, 1)))
        #expect(refused(window: (0, 0, 0)))
        #expect(refused(window: (0, 3, 2)))
        #expect(refused(second: (0, 3, 1)))
        #expect(refused(kind: 7))
    }
}
