import Testing
import TestSupport
@testable import TympanEvaluation

/// The segment-based counts, computed on each label's active ranges, against
/// the plain definition: a segment-by-label table, counted segment by segment
/// (sed_eval's own way, and this library's until a fuzzed label file with a
/// week-long event took 13 s).
@Suite struct SegmentCountsTests {
    /// sed_eval's segment-based counts from a table of every segment and label.
    static func tableCounts(labels: [String], resolution: Double, reference: [LabelledEvent],
                            estimated: [LabelledEvent]) -> MetricResults {
        var results = MetricResults(labels: labels)
        let length = Int((max(reference.map(\.offset).max() ?? 0, estimated.map(\.offset).max() ?? 0) / resolution).rounded(.up))
        func table(_ events: [LabelledEvent]) -> [[Bool]] {
            var table = Array(repeating: [Bool](repeating: false, count: labels.count), count: length)
            for e in events {
                guard let k = labels.firstIndex(of: e.label) else { continue }
                let a = Int((e.onset / resolution).rounded(.down)), b = min(length, Int((e.offset / resolution).rounded(.up)))
                if a < b { for s in a..<b { table[s][k] = true } }
            }
            return table
        }
        let r = table(reference), e = table(estimated)
        for s in 0..<length {
            let tp = zip(r[s], e[s]).filter { $0 && $1 }.count
            let nref = r[s].filter { $0 }.count, nsys = e[s].filter { $0 }.count
            var c = Counts()
            c.tp = tp; c.ref = nref; c.sys = nsys
            c.substitutions = min(nref, nsys) - tp
            c.fn = max(0, nref - nsys)
            c.fp = max(0, nsys - nref)
            results.overall += c
        }
        for (k, label) in labels.enumerated() {
            var c = Counts()
            for s in 0..<length {
                if r[s][k] { c.ref += 1 }
                if e[s][k] { c.sys += 1 }
                if r[s][k] && e[s][k] { c.tp += 1 }
                if e[s][k] && !r[s][k] { c.fp += 1 }
                if r[s][k] && !e[s][k] { c.fn += 1 }
            }
            results.classWise[label]! += c
        }
        return results
    }

    static func randomEvents(_ count: Int, labels: [String], _ rng: inout SplitMix) -> [LabelledEvent] {
        (0..<count).map { _ in
            let onset = Double(Int.random(in: 0...600, using: &rng)) / 8
            let length = Int.random(in: 0...4, using: &rng) == 0 ? 0 : Double(Int.random(in: 1...160, using: &rng)) / 8
            return LabelledEvent(filename: "a.wav", onset: onset, offset: onset + length,
                                 label: labels[Int.random(in: 0..<labels.count, using: &rng)])
        }
    }

    @Test("Equal to the segment-by-segment table on 300 random pairs: overlapping events, touching ones, zero-length ones, labels outside the list, a label listed twice, resolutions 1, 0.5 and 0.3")
    func equalToTable() {
        var rng = SplitMix(seed: 41)
        let listed = ["gunshot", "scream", "drill", "gunshot", "whistle"]
        let used = ["gunshot", "scream", "drill", "whistle", "siren"]
        for trial in 0..<300 {
            let resolution = [1.0, 0.5, 0.3][trial % 3]
            let reference = Self.randomEvents(Int.random(in: 0...12, using: &rng), labels: used, &rng)
            let estimated = Self.randomEvents(Int.random(in: 0...12, using: &rng), labels: used, &rng)
            var metrics = SegmentBasedMetrics(labels: listed, resolution: resolution)
            metrics.evaluate(reference: reference, estimated: estimated)
            let expected = Self.tableCounts(labels: listed, resolution: resolution, reference: reference, estimated: estimated)
            #expect(metrics.results == expected, "trial \(trial)")
            if metrics.results != expected { return }
        }
    }

    @Test("A week-long event under each of 2,000 labels is counted at once (a table would hold 2.4 billion cells)",
          .timeLimit(.minutes(1)))
    func longEventsManyLabels() {
        let labels = (0..<2_000).map { "label \($0)" }
        let week = Labels.maximumSeconds
        let reference = labels.map { LabelledEvent(filename: "a.wav", onset: 0, offset: week, label: $0) }
        let estimated = labels.enumerated().map { k, label in
            LabelledEvent(filename: "a.wav", onset: k.isMultiple(of: 2) ? 0 : week / 2, offset: week, label: label)
        }
        var metrics = SegmentBasedMetrics(labels: labels)
        metrics.evaluate(reference: reference, estimated: estimated)
        let segments = Int(week), half = segments / 2
        #expect(metrics.results.classWise["label 0"] == Counts(ref: segments, sys: segments, tp: segments))
        #expect(metrics.results.classWise["label 1"] == Counts(ref: segments, sys: half, tp: half, fn: half))
        #expect(metrics.results.overall.ref == 2_000 * segments)
        #expect(metrics.results.overall.tp == 1_000 * segments + 1_000 * half)
        #expect(metrics.results.overall.fn == 1_000 * half)
        #expect(metrics.results.overall.substitutions == 0)
    }
}
