import Foundation
import Testing
@testable import TympanEvaluation

/// Tympan's metrics against what the real sed_eval computed on the same
/// pairs (fixtures/reference/sed_eval/make_sed_eval.py).
@Suite struct SedEvalParityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/reference/sed_eval")
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("sed_eval.json"))
        return (try! JSONSerialization.jsonObject(with: data) as! [String: Any])["cases"] as! [String: Any]
    }()
    static let cases = ["empty_estimate", "empty_reference", "overlapping", "substitutions", "offsets", "random", "test_split"]

    func events(_ name: String) throws -> [LabelledEvent] {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("cases/\(name)"), encoding: .utf8)
        return try Labels.read(text, source: name)
    }

    /// Equal within 1e-6, NaN (sed_eval's null) only where sed_eval has it.
    func same(_ ours: Double, _ theirs: Any?, _ what: String) {
        if let v = theirs as? Double {
            #expect(abs(ours - v) <= 1e-6 * max(1, abs(v)), "\(what): \(ours) against sed_eval's \(v)")
        } else {
            #expect(ours.isNaN, "\(what): \(ours) against sed_eval's null")
        }
    }

    @Test("Event-based (onset; onset + offset) and segment-based figures equal sed_eval's", arguments: cases)
    func parity(_ name: String) throws {
        let e = Evaluation(reference: try events("\(name).ref.tsv"), estimated: try events("\(name).est.tsv"))
        let theirs = Self.expected[name] as! [String: Any]
        for (key, ours) in [("event_based", e.event), ("event_based_onset_offset", e.eventOnsetOffset), ("segment_based", e.segment)] {
            let t = theirs[key] as! [String: Any]
            let overall = t["overall"] as! [String: Any], average = t["class_wise_average"] as! [String: Any]
            same(ours.overall.f1, overall["f_measure"], "\(name) \(key) overall F1")
            same(ours.overall.precision, overall["precision"], "\(name) \(key) overall precision")
            same(ours.overall.recall, overall["recall"], "\(name) \(key) overall recall")
            same(ours.overall.errorRate, overall["error_rate"], "\(name) \(key) overall error rate")
            same(ours.overall.substitutionRate, overall["substitution_rate"], "\(name) \(key) substitution rate")
            same(ours.overall.deletionRate, overall["deletion_rate"], "\(name) \(key) deletion rate")
            same(ours.overall.insertionRate, overall["insertion_rate"], "\(name) \(key) insertion rate")
            same(ours.macroF1, average["f_measure"], "\(name) \(key) macro F1")
            same(ours.macroPrecision, average["precision"], "\(name) \(key) macro precision")
            same(ours.macroRecall, average["recall"], "\(name) \(key) macro recall")
            same(ours.macroErrorRate, average["error_rate"], "\(name) \(key) macro error rate")
            for (label, value) in t["class_wise"] as! [String: Any] {
                let c = value as! [String: Any], k = ours.classWise[label]!
                same(k.f1, c["f_measure"], "\(name) \(key) \(label) F1")
                same(k.precision, c["precision"], "\(name) \(key) \(label) precision")
                same(k.recall, c["recall"], "\(name) \(key) \(label) recall")
                same(k.deletionRate + k.insertionRate, c["error_rate"], "\(name) \(key) \(label) error rate")
                same(Double(k.ref), c["Nref"], "\(name) \(key) \(label) Nref")
                same(Double(k.sys), c["Nsys"], "\(name) \(key) \(label) Nsys")
            }
        }
    }

    @Test("The overlapping case needs the maximum matching: a greedy one finds fewer")
    func maximum() throws {
        let r = try events("overlapping.ref.tsv"), e = try events("overlapping.est.tsv")
        let edges = Dictionary(grouping: r.indices.flatMap { j in e.indices.filter { abs(r[j].onset - e[$0].onset) <= 0.2 }.map { (j, $0) } }) { $0.1 }
            .mapValues { $0.map(\.0) }
        var used = Set<Int>(), greedy = 0
        for j in r.indices {
            if let i = e.indices.first(where: { !used.contains($0) && abs(r[j].onset - e[$0].onset) <= 0.2 }) {
                used.insert(i)
                greedy += 1
            }
        }
        let order = e.indices.filter { edges[$0] != nil }
        #expect(maximumMatching(order, edges).count == 2)
        #expect(greedy < 2, "the case is built so that the order matters")
    }
}
