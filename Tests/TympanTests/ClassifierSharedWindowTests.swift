import Foundation
import Testing
import TestSupport
@testable import Tympan
import TympanIO

@Suite struct ClassifierSharedWindowTests {
    /// Windows over one feature share its ring and one pass (a window that
    /// contains the shorter one before it adds only its own frames): every
    /// aggregate of every window, nested or not, against a direct computation.
    @Test("Windows on one feature, nested and not (frames 1-9, looking ahead 0-5, one wholly ahead of its frame): every aggregate equals a direct computation at every frame")
    func sharedWindows() throws {
        // (2, 5): a window wholly ahead of its frame, past the stream's end at the last frames.
        let shapes = [(1, 0), (3, 1), (3, 0), (5, 2), (2, 1), (4, 3), (9, 4), (5, 4), (7, 1), (2, 5)]
        let delay = shapes.map(\.1).max()!
        let aggregates = ["mean", "max", "min", "rise", "fall", "range"]
        var when = [String]()
        for (frames, ahead) in shapes {
            for a in aggregates {
                when.append(#"{"feature": "flux_db", "aggregate": "\#(a)", "frames": \#(frames), "ahead": \#(ahead), "above": 0, "weight": 1}"#)
            }
        }
        let rules = try Rules(json: #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "combine": "weighted", "bias": 0, "when": [\#(when.joined(separator: ","))]}]}"#)
        var classifier = try ClassifierStream(model: ThresholdClassifier(rules: rules))
        let names = rules.configuration.featureNames
        let k = names.firstIndex(of: "flux_db")!, level = names.firstIndex(of: "level_db")!
        var generator = SplitMix(seed: 21)
        let series = (0..<60).map { _ in Double(Float.random(in: -10...10, using: &generator)) }
        var checked = 0
        func check(_ e: Int) {
            let values = classifier.snapshot(of: 0).values
            var i = 0
            for (frames, ahead) in shapes {
                let end = min(e + ahead, series.count - 1)
                let window = series[min(max(0, e + ahead - frames + 1), end)...end]
                let last = window.last!, low = window.min()!, high = window.max()!
                let expected = [window.reduce(0, +) / Double(window.count), high, low, last - low, high - last, high - low]
                for (a, x) in zip(aggregates, expected) {
                    let ok = a == "mean" ? abs(values[i] - x) <= 1e-12 * max(1, abs(x)) : values[i] == x
                    #expect(ok, "frame \(e), \(a) over \(frames) ahead \(ahead): \(values[i]) vs \(x)")
                    i += 1
                }
            }
            checked += 1
        }
        for x in series {
            var row = [Float](repeating: 0, count: names.count)
            row[k] = Float(x)
            row[level] = -20  // above the silence gate
            if let (e, _) = classifier.push(row[...]) { check(e) }
        }
        // The waiting frames, one at a time: the terms show each, its windows cut at the end.
        var flushed = [Int]()
        while let (e, _) = classifier.flushNext() {
            flushed.append(e)
            check(e)
        }
        #expect(flushed == Array(series.count - delay..<series.count))
        #expect(checked == series.count)
    }
}
