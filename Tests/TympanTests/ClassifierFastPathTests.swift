import Foundation
import Testing
import TestSupport
@testable import Tympan
import TympanIO

/// The classifier's compiled model (the C scorer: hard thresholds into bytes,
/// fixed-point sums of weighted terms) against its reference path (every
/// condition through its test, every sum in doubles, term after term).
@Suite struct ClassifierFastPathTests {
    func scores(_ rules: Rules, _ frames: FeatureFrames, reference: Bool) throws -> (scores: [[Double]], terms: [[Double]]) {
        var classifier = try ThresholdClassifier(rules: rules, reference: reference)
        var scores = [[Double]](), terms = [[Double]]()
        func keep(_ s: [Double]) {
            scores.append(s)
            terms.append(rules.classes.indices.flatMap { classifier.snapshot(of: $0).scores })
        }
        for t in 0..<frames.frameCount { if let (_, s) = classifier.push(frames[t]) { keep(s) } }
        for (_, s) in classifier.flush() { keep(s) }
        return (scores, terms)
    }

    /// A fixed-point weight is within 2^-41 of its double: with a few hundred
    /// terms holding, z moves by at most about 1e-10 and the logistic by a quarter of that.
    @Test("Bundled rules on test clips: every condition's score equal, class scores within 1e-10 of the double sums")
    func bundled() throws {
        let rules = try Rules.bundled()
        for scene in ["test_0009", "test_0069"] {
            let x = try AudioFile.read(Fixtures.path("scenes/test/\(scene).flac")).samples
            let frames = try FeatureExtractor(configuration: rules.configuration).features(of: x)
            #expect(try ThresholdClassifier(rules: rules).isCompiled)
            let fast = try scores(rules, frames, reference: false), slow = try scores(rules, frames, reference: true)
            #expect(fast.scores.count == frames.frameCount && slow.scores.count == frames.frameCount)
            #expect(fast.terms == slow.terms)
            #expect(fast.terms.joined().contains(1) && fast.terms.joined().contains(0))
            var largest = 0.0
            for (a, b) in zip(fast.scores, slow.scores) { for (p, q) in zip(a, b) { largest = max(largest, abs(p - q)) } }
            #expect(largest < 1e-10, "\(scene): \(largest)")
        }
    }

    @Test("Between thresholds, groups of two and three conditions next to single ones (compiled); with an all class or weights too large for fixed point (scored in Swift): equal to the reference")
    func shapes() throws {
        func rules(_ weight: Double, all: Bool) throws -> Rules {
            try Rules(json: """
            {"format": "tympan-rules", "version": 1, "classes": [
              {"class": "whistle", "combine": "weighted", "bias": -1, "when": [
                {"feature": "flux_db", "between": [1, 4], "weight": 1.25},
                {"all": [{"feature": "flux_db", "above": 2}, {"feature": "zcr", "below": 0.3}], "weight": -0.5},
                {"all": [{"feature": "flux_db", "above": 2}, {"feature": "crest_db", "aggregate": "max", "frames": 3, "below": 5},
                         {"feature": "zcr", "above": 0.1}], "weight": \(weight)},
                {"feature": "crest_db", "aggregate": "mean", "frames": 2, "ahead": 1, "above": 3, "weight": 0.75}]},
              \(all ? #"{"class": "scream", "when": [{"feature": "flux_db", "above": 3}, {"feature": "zcr", "below": 0.5}]}"#
                     : #"{"class": "scream", "combine": "weighted", "bias": -0.5, "when": [{"feature": "flux_db", "above": 3, "weight": 1}, {"feature": "zcr", "below": 0.5, "weight": 0.5}]}"#)]}
            """)
        }
        let names = try rules(2, all: false).configuration.featureNames
        let flux = names.firstIndex(of: "flux_db")!, crest = names.firstIndex(of: "crest_db")!, zcr = names.firstIndex(of: "zcr")!
        var generator = SplitMix(seed: 11)
        var frames = FeatureFrames(featureCount: names.count)
        var values = [Float]()
        for _ in 0..<400 {
            var row = [Float](repeating: 0, count: names.count)
            row[flux] = Float.random(in: 0...5, using: &generator)
            row[crest] = Float.random(in: 0...8, using: &generator)
            row[zcr] = Float.random(in: 0...0.6, using: &generator)
            values += row
        }
        frames = FeatureFrames(featureCount: names.count, values: values)
        // 3e6: beyond fixed point, summed in doubles.
        for (weight, all, compiled) in [(2.0, false, true), (3e6, false, false), (2.0, true, false)] {
            let r = try rules(weight, all: all)
            #expect(try ThresholdClassifier(rules: r).isCompiled == compiled)
            #expect(try !ThresholdClassifier(rules: r, reference: true).isCompiled)
            let fast = try scores(r, frames, reference: false), slow = try scores(r, frames, reference: true)
            #expect(fast.terms == slow.terms)
            #expect(Set(fast.scores.map { $0[0] }).count > 4)  // the terms do come and go
            for (a, b) in zip(fast.scores, slow.scores) {
                #expect(abs(a[0] - b[0]) < 1e-12 && abs(a[1] - b[1]) < 1e-12, "\(a) \(b)")
            }
        }
    }
}
