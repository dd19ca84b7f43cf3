import Foundation
import Testing
import TestSupport
@testable import Tympan
import TympanIO

@Suite struct ClassifierWindowTests {
    /// Feeds frames whose flux_db takes the given values (everything else 0) and
    /// returns the value of the single condition at every scored frame.
    func values(_ aggregate: String, frames: Int, ahead: Int, _ series: [Float]) throws -> [Double] {
        let json = #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "when": [{"feature": "flux_db", "aggregate": ""# + aggregate + #"", "frames": "# + "\(frames)" + #", "ahead": "# + "\(ahead)" + #", "above": 0}]}]}"#
        let rules = try Rules(json: json)
        var classifier = try ClassifierStream(model: ThresholdClassifier(rules: rules))
        let names = rules.configuration.featureNames
        let k = names.firstIndex(of: "flux_db")!
        var out = [Double]()
        for x in series {
            var row = [Float](repeating: 0, count: names.count)
            row[k] = x
            if classifier.push(row[...]) != nil { out.append(classifier.explanation(of: 0)[0].value) }
        }
        // The frames still waiting, one at a time, the terms showing each.
        while classifier.flushNext() != nil { out.append(classifier.explanation(of: 0)[0].value) }
        return out
    }

    @Test("Weighted rules: the score is the logistic of the bias plus the weights of the terms that hold; the explanation lists those, largest first")
    func weighted() throws {
        let json = #"""
        {"format": "tympan-rules", "version": 1, "classes": [
          {"class": "whistle", "combine": "weighted", "bias": -2, "when": [
            {"feature": "flux_db", "above": 1, "weight": 1.5},
            {"feature": "flux_db", "above": 5, "weight": 3},
            {"feature": "crest_db", "aggregate": "max", "frames": 3, "above": 0, "weight": -0.5}]}]}
        """#
        let rules = try Rules(json: json)
        #expect(rules.classes[0].combination == .weighted(bias: -2))
        var classifier = try ClassifierStream(model: ThresholdClassifier(rules: rules))
        let names = rules.configuration.featureNames
        let flux = names.firstIndex(of: "flux_db")!, crest = names.firstIndex(of: "crest_db")!
        func logistic(_ z: Double) -> Double { 1 / (1 + Foundation.exp(-z)) }
        var scores = [Double]()
        var explained = [[Explanation]]()
        for (f, c) in [(0.0, -1.0), (2.0, -1.0), (7.0, -1.0), (7.0, 1.0)] as [(Float, Float)] {
            var row = [Float](repeating: 0, count: names.count)
            row[flux] = f
            row[crest] = c
            scores.append(classifier.push(row[...])!.scores[0])
            explained.append(classifier.explanation(of: 0))
        }
        let expected = [logistic(-2), logistic(-0.5), logistic(2.5), logistic(2)]  // crest max over 3 frames: 1 only at the last
        for (s, e) in zip(scores, expected) { #expect(abs(s - e) < 1e-12, "\(s) \(e)") }
        #expect(explained[0].isEmpty)
        #expect(explained[2].map(\.weight) == [3, 1.5])
        #expect(explained[3].map(\.weight) == [3, 1.5, -0.5])
        #expect(explained[2][0].description.contains("weight 3"))
    }

    @Test("Weighted rules: a group adds its weight only when all its conditions hold; its explanation shows each value")
    func weightedGroup() throws {
        let json = #"""
        {"format": "tympan-rules", "version": 1, "classes": [
          {"class": "whistle", "combine": "weighted", "bias": -1, "when": [
            {"all": [{"feature": "flux_db", "above": 1}, {"feature": "crest_db", "below": 5}], "weight": 4}]}]}
        """#
        let rules = try Rules(json: json)
        var classifier = try ClassifierStream(model: ThresholdClassifier(rules: rules))
        let names = rules.configuration.featureNames
        let flux = names.firstIndex(of: "flux_db")!, crest = names.firstIndex(of: "crest_db")!
        var scores = [Double]()
        for (f, c) in [(2.0, 3.0), (0.0, 3.0), (2.0, 9.0)] as [(Float, Float)] {
            var row = [Float](repeating: 0, count: names.count)
            row[flux] = f
            row[crest] = c
            scores.append(classifier.push(row[...])!.scores[0])
            if f == 2, c == 3 {
                let e = classifier.explanation(of: 0)
                #expect(e.count == 1 && e[0].weight == 4)
                #expect(e[0].term == "flux_db above 1.0 (2.0) and crest_db below 5.0 (3.0)")
            }
        }
        #expect(abs(scores[0] - 1 / (1 + Foundation.exp(-3))) < 1e-12)
        #expect(abs(scores[1] - 1 / (1 + Foundation.exp(1))) < 1e-12)
        #expect(abs(scores[2] - 1 / (1 + Foundation.exp(1))) < 1e-12)
    }

    @Test("Digital silence (a dead microphone: level below -90 dBFS) scores 0 whatever the rules say")
    func silenceGate() throws {
        let json = #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "aerosol_spray", "combine": "weighted", "bias": 10, "when": [{"feature": "flatness", "above": 0.5, "weight": 1}]}]}"#
        let rules = try Rules(json: json)
        var classifier = try ClassifierStream(model: ThresholdClassifier(rules: rules))
        let names = rules.configuration.featureNames
        let level = names.firstIndex(of: "level_db")!, flatness = names.firstIndex(of: "flatness")!
        var scores = [Double]()
        for db in [-117.0, -90.5, -89.5, -40] as [Float] {
            var row = [Float](repeating: 0, count: names.count)
            row[level] = db
            row[flatness] = 1  // what an all-zero frame gives
            scores.append(classifier.push(row[...])!.scores[0])
        }
        #expect(scores[0] == 0 && scores[1] == 0)
        #expect(scores[2] > 0.99 && scores[3] > 0.99)
    }

    @Test("Windows look back and ahead, cut at the stream's ends; the delay is the largest look-ahead")
    func windows() throws {
        let series: [Float] = [1, 4, 2, 8, 3, 0]
        // max over [e-1, e+1]: scored when frame e+1 arrives; the last frame only at flush.
        #expect(try values("max", frames: 3, ahead: 1, series) == [4, 4, 8, 8, 8, 3])
        #expect(try values("mean", frames: 2, ahead: 0, series) == [1, 2.5, 3, 5, 5.5, 1.5])
        #expect(try values("rise", frames: 3, ahead: 0, series) == [0, 3, 1, 6, 1, 0])
        #expect(try values("fall", frames: 3, ahead: 0, series) == [0, 0, 2, 0, 5, 8])
        #expect(try values("range", frames: 3, ahead: 0, series) == [0, 3, 3, 6, 6, 8])
        #expect(try values("min", frames: 2, ahead: 1, series) == [1, 2, 2, 3, 0, 0])
    }
}
