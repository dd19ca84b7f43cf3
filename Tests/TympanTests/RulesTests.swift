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
