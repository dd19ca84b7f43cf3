import Foundation
import Testing
import TestSupport
@testable import Tympan
import TympanIO

/// The classifier, streaming (its compiled model in C, or hand-written rules
/// scored in Swift) against `ReferenceClassifier`, the plain one in
/// Tests/Support: every window taken directly, every sum in doubles.
@Suite struct ClassifierReferenceTests {
    struct Scored {
        var scores: [[Double]] = []
        /// Per frame: every condition's value and score, as the explanations see them.
        var values: [[Double]] = [], conditions: [[Double]] = []
    }

    static func stream(_ model: ThresholdClassifier, _ rows: [[Float]]) throws -> Scored {
        var classifier = try ClassifierStream(model: model)
        var out = Scored()
        func keep(_ s: [Double]) {
            out.scores.append(s)
            let snapshots = model.classRanges.indices.map { classifier.snapshot(of: $0) }
            out.values.append(snapshots.flatMap(\.values))
            out.conditions.append(snapshots.flatMap(\.scores))
        }
        for row in rows { if let (_, s) = classifier.push(row[...]) { keep(s) } }
        while let (_, s) = classifier.flushNext() { keep(s) }
        return out
    }

    /// Compares frame by frame; a condition whose value is within `near` of
    /// one of its thresholds may fall either side (the two add in different orders).
    static func compare(_ rules: Rules, _ rows: [[Float]], tolerance: Double, near: Double = 1e-9,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (held: Int, open: Int) {
        let model = try ThresholdClassifier(rules: rules)
        let got = try stream(model, rows)
        let reference = ReferenceClassifier(rules: rules).frames(rows)
        #expect(got.scores.count == rows.count, sourceLocation: sourceLocation)
        let conditions = rules.classes.flatMap { ReferenceClassifier.conditions(of: $0) }
        var held = 0, open = 0
        for (e, r) in reference.enumerated() where e < got.scores.count {
            for (a, b) in zip(got.scores[e], r.scores) {
                #expect(abs(a - b) <= tolerance, "frame \(e): \(a) against \(b)", sourceLocation: sourceLocation)
            }
            guard !r.gated else { continue }  // a gated frame keeps the conditions of the frame before
            open += 1
            for (i, c) in conditions.enumerated() {
                let v = r.values[i]
                #expect(abs(got.values[e][i] - v) <= 1e-9 * max(1, abs(v)), "frame \(e) of \(rows.count) condition \(i) \(c)", sourceLocation: sourceLocation)
                let nearThreshold: Bool = switch c.threshold {
                case let .above(t), let .below(t): abs(v - t) <= near * max(1, abs(t))
                case let .between(a, b): min(abs(v - a), abs(v - b)) <= near * max(1, abs(a), abs(b))
                }
                if !nearThreshold {
                    #expect(abs(got.conditions[e][i] - r.conditions[i]) <= 1e-12, "frame \(e) condition \(i)",
                            sourceLocation: sourceLocation)
                }
                if r.conditions[i] == 1 { held += 1 }
            }
        }
        return (held, open)
    }

    static func rows(_ frames: FeatureFrames) -> [[Float]] { (0..<frames.frameCount).map { Array(frames[$0]) } }

    /// A fixed-point weight is within 2^-41 of its double: with a few hundred
    /// terms holding, z moves by at most about 1e-10 and the logistic by a quarter of that.
    @Test("Bundled rules on test clips, compiled: every condition's value and score as the reference's, class scores within 1e-10")
    func bundled() throws {
        let rules = try Rules.bundled()
        #expect(try ThresholdClassifier(rules: rules).isCompiled)
        for scene in ["test_0009", "test_0069"] {
            let x = try AudioFile.read(Fixtures.path("scenes/test/\(scene).flac")).samples
            let rows = Self.rows(try FeatureExtractor(configuration: rules.configuration).features(of: x))
            let (held, open) = try Self.compare(rules, rows, tolerance: 1e-10)
            let conditions = rules.classes.flatMap { ReferenceClassifier.conditions(of: $0) }.count
            #expect(held > 0 && held < open * conditions)  // conditions both hold and fail
        }
    }

    /// Random features over the columns the rules read, level_db among them
    /// (from -100 dBFS: some frames are gated as silence).
    static func randomRows(_ rules: Rules, count: Int, seed: UInt64) -> [[Float]] {
        let names = rules.configuration.featureNames
        var generator = SplitMix(seed: seed)
        let ranges: [String: ClosedRange<Float>] = ["flux_db": 0...5, "crest_db": 0...8, "zcr": 0...0.6, "level_db": -100 ... -20]
        return (0..<count).map { _ in
            names.map { ranges[$0].map { r in Float.random(in: r, using: &generator) } ?? 0 }
        }
    }

    static func rules(_ classes: String) throws -> Rules {
        try Rules(json: #"{"format": "tympan-rules", "version": 1, "classes": ["# + classes + "]}")
    }

    @Test("Compiled shapes: between thresholds, groups of two and three conditions next to single ones, windows looking ahead (one further than it is long, wholly past the end at the last frames); every frame as the reference's")
    func compiled() throws {
        let r = try Self.rules("""
            {"class": "whistle", "combine": "weighted", "bias": -1, "when": [
              {"feature": "flux_db", "between": [1, 4], "weight": 1.25},
              {"all": [{"feature": "flux_db", "above": 2}, {"feature": "zcr", "below": 0.3}], "weight": -0.5},
              {"all": [{"feature": "flux_db", "above": 2}, {"feature": "crest_db", "aggregate": "max", "frames": 3, "below": 5},
                       {"feature": "zcr", "above": 0.1}], "weight": 2},
              {"feature": "crest_db", "aggregate": "mean", "frames": 2, "ahead": 1, "above": 3, "weight": 0.75}]},
            {"class": "scream", "combine": "weighted", "bias": -0.5, "when": [
              {"feature": "flux_db", "aggregate": "rise", "frames": 4, "ahead": 2, "above": 1, "weight": 1},
              {"feature": "zcr", "aggregate": "range", "frames": 5, "below": 0.5, "weight": 0.5},
              {"feature": "crest_db", "aggregate": "mean", "frames": 2, "ahead": 4, "below": 4, "weight": 0.7}]}
            """)
        #expect(try ThresholdClassifier(rules: r).isCompiled)
        let rows = Self.randomRows(r, count: 400, seed: 11)
        let (held, open) = try Self.compare(r, rows, tolerance: 1e-10)
        #expect(open > 300 && open < 400)  // some frames gated, most not
        #expect(held > 0)
        let scores = try Self.stream(ThresholdClassifier(rules: r), rows).scores.map { $0[0] }
        #expect(Set(scores).count > 4)  // the terms do come and go
    }

    @Test("Hand-written rules (an all class with an any group, soft conditions in all and weighted classes): scored in Swift, every frame as the reference's")
    func handWritten() throws {
        let r = try Self.rules("""
            {"class": "whistle", "when": [
              {"feature": "flux_db", "above": 1},
              {"any": [{"feature": "zcr", "below": 0.2}, {"feature": "crest_db", "aggregate": "mean", "frames": 3, "ahead": 1, "above": 4, "softness": 2}]}]},
            {"class": "scream", "combine": "weighted", "bias": -0.5, "when": [
              {"feature": "flux_db", "above": 3, "softness": 1.5, "weight": 1},
              {"all": [{"feature": "zcr", "between": [0.1, 0.4], "softness": 0.1}, {"feature": "crest_db", "below": 6}], "weight": 0.5}]}
            """)
        #expect(try !ThresholdClassifier(rules: r).isCompiled)
        let rows = Self.randomRows(r, count: 300, seed: 12)
        _ = try Self.compare(r, rows, tolerance: 1e-12)
        let scores = try Self.stream(ThresholdClassifier(rules: r), rows).scores
        #expect(Set(scores.map { $0[0] }).count > 3 && Set(scores.map { $0[1] }).count > 10)
    }

    @Test("Weights adding up past 2^20 in one class are refused when read and when a model is built from edited rules")
    func weightLimit() throws {
        let big = #"{"class": "whistle", "combine": "weighted", "bias": 0, "when": [{"feature": "flux_db", "above": 1, "weight": 600000}, {"feature": "zcr", "above": 0.1, "weight": -600000}]}"#
        #expect {
            try Self.rules(big)
        } throws: { error in
            "\(error)".contains("classes[0].when") && "\(error)".contains("at most 1048576")
        }
        var rules = try Self.rules(big.replacingOccurrences(of: "600000", with: "500000"))
        #expect(try ThresholdClassifier(rules: rules).isCompiled)
        guard case var .condition(c) = rules.classes[0].terms[0] else { Issue.record("not a condition"); return }
        c.weight = 600_000
        rules.classes[0].terms[0] = .condition(c)
        #expect(throws: TympanError.self) { try ThresholdClassifier(rules: rules) }
    }

    @Test("One model, many streams: two streams interleaved frame by frame score as each alone, and detectors sharing a DetectionModel on concurrent tasks find what each finds alone")
    func shared() async throws {
        let rules = try Rules.bundled()
        let model = try ThresholdClassifier(rules: rules)
        let a = Self.randomRows(rules, count: 200, seed: 21).map { $0.map { $0 + 1 } }
        let b = try Self.rows(FeatureExtractor(configuration: rules.configuration)
            .features(of: AudioFile.read(Fixtures.path("scenes/test/test_0009.flac")).samples)).prefix(200).map { $0 }
        var first = try ClassifierStream(model: model), second = try ClassifierStream(model: model)
        var together: [[[Double]]] = [[], []]
        for (x, y) in zip(a, b) {
            if let s = first.push(x[...]) { together[0].append(s.scores) }
            if let s = second.push(y[...]) { together[1].append(s.scores) }
        }
        while let s = first.flushNext() { together[0].append(s.scores) }
        while let s = second.flushNext() { together[1].append(s.scores) }
        #expect(together[0] == (try Self.stream(model, a)).scores)
        #expect(together[1] == (try Self.stream(model, b)).scores)
        #expect(together[0] != together[1])

        let detection = try DetectionModel(rules: rules)
        let clips = try ["test_0009", "test_0069", "test_0100"].map {
            try AudioFile.read(Fixtures.path("scenes/test/\($0).flac")).samples
        }
        let alone = try clips.map { try EventDetector(model: detection).events(in: $0) }
        #expect(alone.contains { !$0.isEmpty })
        let concurrent = try await withThrowingTaskGroup(of: (Int, [SoundEvent]).self) { group in
            for (i, clip) in clips.enumerated() {
                group.addTask { (i, try EventDetector(model: detection).events(in: clip)) }
            }
            var out = [[SoundEvent]](repeating: [], count: clips.count)
            for try await (i, events) in group { out[i] = events }
            return out
        }
        #expect(concurrent == alone)
    }
}
