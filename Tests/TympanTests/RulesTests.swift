import Foundation
import Testing
import TestSupport
@testable import Tympan
import TympanIO

@Suite struct RulesTests {
    static func rules(_ classes: String) -> String {
        """
        {
          "format": "tympan-rules",
          "version": 1,
          "classes": [
        \(classes)
          ]
        }
        """
    }

    func error(_ json: String) -> TympanError? {
        do {
            _ = try Rules(json: json, source: "test.json")
            return nil
        } catch {
            return error
        }
    }

    @Test("The bundled rules cover the eight classes, each once, with stable ids")
    func bundled() throws {
        let rules = try Rules.bundled()
        #expect(Set(rules.classes.map(\.eventClass)) == Set(EventClass.allCases))
        #expect(EventClass.allCases.map(\.id) == Array(1...8))
        #expect(EventClass.allCases.map(\.label) == ["gunshot", "scream", "drill", "angle_grinder", "car_horn",
                                                      "whistle", "aerosol_spray", "crackling"])
    }

    @Test("The bundled rules are the data file Sources/Tympan/Detection/bundled-rules.json, byte for byte")
    func bundledIsTheDataFile() throws {
        let file = Fixtures.root.deletingLastPathComponent()
            .appendingPathComponent("Sources/Tympan/Detection/bundled-rules.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(Rules.bundledJSON + "\n" == text)
        #expect(try Rules(json: text, source: "bundled-rules.json").classes.count == 8)
    }

    @Test("Errors name the file, the line and the field", arguments: [
        (#"    {"class": "gunshoot", "when": [{"feature": "flux_db", "above": 1}]}"#, 5, "classes[0].class", "unknown class 'gunshoot'"),
        (#"    {"class": "gunshot", "when": [{"feature": "centriod_hz", "above": 1}]}"#, 5, "classes[0].when[0].feature", "did you mean 'centroid_hz'"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "abvoe": 1}]}"#, 5, "classes[0].when[0].abvoe", "unknown key"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "aggregate": "median", "above": 1}]}"#, 5, "classes[0].when[0].aggregate", "unknown aggregate"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db"}]}"#, 5, "classes[0].when[0]", "exactly one of above, below, between"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1, "below": 2}]}"#, 5, "classes[0].when[0]", "exactly one"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": "high"}]}"#, 5, "classes[0].when[0].above", "expected a number"),
        (#"    {"class": "gunshot", "id": 7, "when": [{"feature": "flux_db", "above": 1}]}"#, 5, "classes[0].id", "gunshot has id 1"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"on": 0.3, "off": 0.6}}"#, 5, "classes[0].detector.off", "must not be above on"),
        (#"    {"class": "gunshot", "when": []}"#, 5, "classes[0].when", "at least one condition"),
        ("    {\"class\": \"gunshot\",\n     \"when\": [{\"feature\": \"mel[3..900]\", \"above\": 1}]}", 6, "classes[0].when[0].feature", "unknown feature"),
        (#"    {"class": "gunshot", "combine": "sum", "when": [{"feature": "flux_db", "above": 1}]}"#, 5, "classes[0].combine", "expected all or weighted"),
        (#"    {"class": "gunshot", "combine": "weighted", "when": [{"feature": "flux_db", "above": 1, "weight": 1}]}"#, 5, "classes[0].bias", "missing"),
        (#"    {"class": "gunshot", "combine": "weighted", "bias": -1, "when": [{"feature": "flux_db", "above": 1}]}"#, 5, "classes[0].when[0].weight", "missing"),
        (#"    {"class": "gunshot", "combine": "weighted", "bias": -1, "when": [{"feature": "flux_db", "above": 1, "weight": "big"}]}"#, 5, "classes[0].when[0].weight", "expected a number"),
        (#"    {"class": "gunshot", "bias": -1, "when": [{"feature": "flux_db", "above": 1}]}"#, 5, "classes[0].bias", "only for combine weighted"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1, "weight": 2}]}"#, 5, "classes[0].when[0].weight", "unknown key"),
        (#"    {"class": "gunshot", "combine": "weighted", "bias": 0, "when": [{"any": [{"feature": "flux_db", "above": 1, "weight": 1}]}]}"#, 5, "classes[0].when[0].any", "give each condition its weight"),
        (#"    {"class": "gunshot", "when": [{"all": [{"feature": "flux_db", "above": 1}, {"feature": "zcr", "above": 0}]}]}"#, 5, "classes[0].when[0].all", "only with combine weighted"),
        (#"    {"class": "gunshot", "combine": "weighted", "bias": 0, "when": [{"all": [{"feature": "flux_db", "above": 1}], "weight": 1}]}"#, 5, "classes[0].when[0].all", "at least two"),
        (#"    {"class": "gunshot", "combine": "weighted", "bias": 0, "when": [{"all": [{"feature": "flux_db", "above": 1}, {"feature": "zcr", "above": 0}]}]}"#, 5, "classes[0].when[0].weight", "missing"),
        (#"    {"class": "gunshot", "combine": "weighted", "bias": 0, "when": [{"all": [{"feature": "flux_db", "above": 1, "weight": 2}, {"feature": "zcr", "above": 0}], "weight": 1}]}"#, 5, "classes[0].when[0].all[0].weight", "unknown key"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"suppressed_by": ["door_slam"]}}"#, 5, "classes[0].detector.suppressed_by[0]", "unknown class 'door_slam'"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"suppressed_by": ["gunshot"]}}"#, 5, "classes[0].detector.suppressed_by", "cannot suppress itself"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"suppressed_by": ["scream"]}}"#, 5, "classes[0].detector.suppressed_by", "scream has no rule in this file"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"suppressed_by": "scream"}}"#, 5, "classes[0].detector.suppressed_by", "expected an array"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"suppressed_by": [{"class": "gunshot", "above": 2}]}}"#, 5, "classes[0].detector.suppressed_by[0].above", "must be in 0...1"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"suppressed_by": [{"clas": "scream"}]}}"#, 5, "classes[0].detector.suppressed_by[0].clas", "unknown key"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"hold": 1}}"#, 5, "classes[0].detector.hold", "needs onset_feature"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"onset_feature": "flux_db", "onset_within": -3}}"#, 5, "classes[0].detector.onset_within", "must be in 0.0...200.0"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"onset_within": 10}}"#, 5, "classes[0].detector.onset_within", "needs onset_feature"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"onset_feature": "flux_db", "hold": -1}}"#, 5, "classes[0].detector.hold", "must be in 0.0...60.0"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"site_quantile": 1.5}}"#, 5, "classes[0].detector.site_quantile", "must be in 0.5...0.999999"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"site_warm_up": 30}}"#, 5, "classes[0].detector.site_warm_up", "needs site_quantile"),
        (#"    {"class": "gunshot", "when": [{"feature": "flux_db", "above": 1}], "detector": {"site_quantile": 0.999, "site_memory": 0}}"#, 5, "classes[0].detector.site_memory", "must be in 1.0...2592000.0"),
    ])
    func errors(_ body: String, _ line: Int, _ field: String, _ reason: String) throws {
        let e = error(Self.rules(body))
        guard case let .invalidRules(source, reportedLine, reportedField, message)? = e else {
            Issue.record("expected invalidRules, got \(String(describing: e))")
            return
        }
        #expect(source == "test.json")
        #expect(reportedLine == line)
        #expect(reportedField == field)
        #expect(message.contains(reason), "\(message)")
        #expect(e!.description.hasPrefix("test.json:\(line): \(field)"))
    }

    @Test("Malformed JSON: the line of the syntax error")
    func syntax() {
        let e = error("{\n  \"format\": \"tympan-rules\",\n  \"version\": 1\n  \"classes\": []\n}")
        guard case let .invalidRules(_, line, _, message)? = e else { Issue.record("\(String(describing: e))"); return }
        #expect(line == 4 && message.contains("expected ',' or '}'"))
        #expect(error("") != nil)
        #expect(error("{\"format\": \"tympan-rules\", \"version\": 2, \"classes\": []}") != nil)
    }

    @Test("A class may appear once")
    func duplicate() {
        let one = #"{"class": "whistle", "when": [{"feature": "flux_db", "above": 1}]}"#
        #expect(error(Self.rules("    \(one),\n    \(one)")) != nil)
    }

    @Test("Term scores: 0.5 at the threshold, linear over the softness, a step without it")
    func termScores() throws {
        let rules = try Rules(json: Self.rules(#"""
            {"class": "whistle", "when": [
              {"feature": "flux_db", "above": 10, "softness": 4},
              {"feature": "flux_db", "below": 10},
              {"feature": "flux_db", "between": [0, 10], "softness": 2},
              {"any": [{"feature": "mel[0..3]", "above": 1}, {"feature": "zcr", "below": 0.1}]}]}
            """#))
        let terms = rules.classes[0].terms
        guard case let .condition(above) = terms[0], case let .condition(below) = terms[1],
              case let .condition(between) = terms[2], case .any = terms[3] else {
            Issue.record("terms not read as written"); return
        }
        #expect(above.score(10) == 0.5 && above.score(12) == 1 && above.score(9) == 0.25 && above.score(7) == 0)
        #expect(below.score(10) == 1 && below.score(10.01) == 0)
        #expect(between.score(5) == 1 && between.score(0) == 0.5 && between.score(10.5) == 0.25)
    }
}

@Suite struct EventTrackerTests {
    /// Runs scores through a tracker at 100 frames per second; returns (first, last) frames.
    /// `onset`: the onset feature at each frame (0 when missing).
    func run(_ scores: [Double], _ settings: DetectorSettings, onset: [Double] = []) -> [(Int, Int)] {
        var tracker = EventTracker(settings, framesPerSecond: 100)
        var events = [(Int, Int)]()
        for (t, s) in scores.enumerated() {
            let x = t < onset.count ? onset[t] : 0
            if let e = tracker.update(frame: t, score: s, level: 0, onsetValue: x, explain: { .empty }) { events.append((e.first, e.last)) }
        }
        if let e = tracker.close() { events.append((e.first, e.last)) }
        return events
    }

    let settings = DetectorSettings(on: 0.6, off: 0.3, minDuration: 0.03, maxDuration: 1, mergeGap: 0.05, refractory: 0)

    @Test("Hysteresis: starts at on, lasts while at or above off, and the onset reaches back over the run above off")
    func hysteresis() {
        let scores = [0, 0.4, 0.5, 0.7, 0.5, 0.35, 0.2, 0, 0, 0, 0, 0, 0] as [Double]
        let events = run(scores, settings)
        #expect(events.count == 1 && events[0] == (1, 5))
        #expect(run([0, 0.5, 0.5, 0.5, 0.5, 0], settings).isEmpty, "never reaches on")
    }

    @Test("Shorter than min_duration: dropped")
    func minimum() {
        #expect(run([0, 0.9, 0.9, 0, 0, 0, 0, 0, 0, 0], settings).isEmpty)
        #expect(run([0, 0.9, 0.9, 0.9, 0, 0, 0, 0, 0, 0], settings).count == 1)
    }

    @Test("Gaps up to merge_gap join; longer gaps split")
    func merging() {
        let joined = run([0.9, 0.9, 0.9, 0, 0, 0, 0, 0.9, 0.9, 0.9] + Array(repeating: 0, count: 10), settings)
        #expect(joined.count == 1 && joined[0] == (0, 9))
        let split = run([0.9, 0.9, 0.9] + Array(repeating: 0, count: 8) + [0.9, 0.9, 0.9] + Array(repeating: 0, count: 10), settings)
        #expect(split.count == 2)
    }

    @Test("hold: an event stays open over a dip in its score while its onset feature stays up, and only then")
    func holding() {
        // 20 frames of score, a 30-frame dip (longer than merge_gap), 20 frames again.
        let scores = Array(repeating: 0.9, count: 20) + Array(repeating: 0.1, count: 30) + Array(repeating: 0.9, count: 20)
            + Array(repeating: 0, count: 60)
        var held = settings
        held.onsetFeature = "above_background_db"
        held.onsetAbove = 10
        held.onsetLookback = 0
        held.hold = 0.5
        let sounding = Array(repeating: 20.0, count: 70) + Array(repeating: 0.0, count: 60)
        #expect(run(scores, settings, onset: sounding).count == 2, "no hold: the dip splits the event")
        let one = run(scores, held, onset: sounding)
        #expect(one.count == 1 && one[0] == (0, 69), "the sound went on: one event")
        var quietDip = sounding
        for t in 30..<35 { quietDip[t] = 5 }
        #expect(run(scores, held, onset: quietDip).count == 2, "the sound stopped in the dip: two events")
        var shortHold = held
        shortHold.hold = 0.2
        #expect(run(scores, shortHold, onset: sounding).count == 2, "a dip longer than hold splits")
        let tail = run(Array(scores.prefix(20)) + Array(repeating: 0, count: 80), held, onset: sounding)
        #expect(tail.count == 1 && tail[0] == (0, 19), "a held event that never comes back ends at its last frame above off")
    }

    @Test("onset_within: the onset moves back over the event's own rise, not over a quieter sound before it")
    func onsetWithin() {
        // A sound 8 dB above its background from frame 0, the event's sound 25 dB above from frame 30;
        // the score reaches on at frame 35.
        let scores = Array(repeating: 0.0, count: 35) + Array(repeating: 0.9, count: 15) + Array(repeating: 0, count: 30)
        let onset = Array(repeating: 8.0, count: 30) + Array(repeating: 25.0, count: 20) + Array(repeating: 0, count: 30)
        var refined = settings
        refined.onsetFeature = "above_background_db"
        refined.onsetAbove = 6
        refined.onsetLookback = 0.5
        let far = run(scores, refined, onset: onset)
        #expect(far.count == 1 && far[0].0 == 0, "without onset_within: back over the quieter sound too (\(far))")
        refined.onsetWithin = 10
        let near = run(scores, refined, onset: onset)
        #expect(near.count == 1 && near[0].0 == 30, "within 10 dB of the trigger's 25: back to frame 30 (\(near))")
        refined.onsetWithin = 20
        #expect(run(scores, refined, onset: onset)[0].0 == 0, "within 20 dB: 8 dB is close enough")
    }

    @Test("max_duration cuts a long event; refractory keeps the class quiet after one")
    func maximumAndRefractory() {
        let long = run(Array(repeating: 0.9, count: 250), settings)
        #expect(long.count == 3 && long[0] == (0, 99))
        var quiet = settings
        quiet.refractory = 0.2
        let events = run([0.9, 0.9, 0.9] + Array(repeating: 0, count: 8) + [0.9, 0.9, 0.9] + Array(repeating: 0, count: 30), quiet)
        #expect(events.count == 1)
    }
}

@Suite struct ClassifierWindowTests {
    /// Feeds frames whose flux_db takes the given values (everything else 0) and
    /// returns the value of the single condition at every scored frame.
    func values(_ aggregate: String, frames: Int, ahead: Int, _ series: [Float]) throws -> [Double] {
        let json = #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "when": [{"feature": "flux_db", "aggregate": ""# + aggregate + #"", "frames": "# + "\(frames)" + #", "ahead": "# + "\(ahead)" + #", "above": 0}]}]}"#
        let rules = try Rules(json: json)
        var classifier = try ThresholdClassifier(rules: rules)
        let names = rules.configuration.featureNames
        let k = names.firstIndex(of: "flux_db")!
        var out = [Double]()
        for x in series {
            var row = [Float](repeating: 0, count: names.count)
            row[k] = x
            if classifier.push(row[...]) != nil { out.append(classifier.explanation(of: 0)[0].value) }
        }
        // With ahead <= 1 at most one frame waits: flush scores it, and the terms show it.
        precondition(ahead <= 1)
        if !classifier.flush().isEmpty { out.append(classifier.explanation(of: 0)[0].value) }
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
        var classifier = try ThresholdClassifier(rules: rules)
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
        var classifier = try ThresholdClassifier(rules: rules)
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
        var classifier = try ThresholdClassifier(rules: rules)
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
        var classifier = try ThresholdClassifier(rules: rules)
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
        // flush scores the waiting frames at once: the terms show the last one.
        let flushed = classifier.flush()
        #expect(flushed.map(\.frame) == Array(series.count - delay..<series.count))
        check(series.count - 1)
        #expect(checked == series.count - delay + 1)
    }
}
