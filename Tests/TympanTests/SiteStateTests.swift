import Foundation
import Testing
@testable import Tympan

/// Site adaptation (SiteState): a class whose scores often run high where the
/// detector listens has its `on` raised to their learned quantile, after the
/// warm-up, never above the ceiling; the rest is untouched.
@Suite struct SiteStateTests {
    /// One whistle rule (its terms are not read: replay takes the scores as given).
    static func rules(site: String) throws -> Rules {
        try Rules(json: #"""
            {"format": "tympan-rules", "version": 1, "classes": [
              {"class": "whistle", "when": [{"feature": "flux_db", "above": 1}],
               "detector": {"on": 0.8, "off": 0.5, "min_duration": 0.05, "merge_gap": 0.05\#(site)}}]}
            """#, source: "test.json")
    }

    /// 600 s at 100 frames a second: scores of 0.1, a burst of 0.9 for 0.1 s every 5 s (music the
    /// rule takes for a whistle: 2 % of the frames), and one true whistle at 0.99 for 0.5 s at 500 s.
    static let scores: [Double] = (0..<60_000).map { t in
        if (50_000..<50_050).contains(t) { return 0.99 }
        return t % 500 < 10 ? 0.9 : 0.1
    }

    static func trace() throws -> ScoreTrace {
        try ScoreTrace(classes: [.whistle], frames: scores.flatMap { [$0, -30, 0] })
    }

    @Test("Without site_quantile every burst is an event; with it, only those of the warm-up and the true whistle")
    func adaptation() throws {
        let plain = EventDetector.replay(try Self.trace(), rules: try Self.rules(site: ""))
        #expect(plain.count == 120)  // 120 bursts, the one at 500 s being the whistle
        let adapted = EventDetector.replay(try Self.trace(),
                                           rules: try Self.rules(site: #", "site_quantile": 0.999, "site_warm_up": 60"#))
        // The warm-up's bursts (0, 5, ..., 55 s: from frame 6,000 on the excess holds) and the whistle.
        let early = adapted.filter { $0.onsetSeconds < 61 }, late = adapted.filter { $0.onsetSeconds >= 61 }
        #expect(early.count == 12, "\(early.map(\.onsetSeconds))")
        #expect(late.count == 1 && abs(late[0].onsetSeconds - 500) < 0.05, "\(late.map(\.onsetSeconds))")
    }

    /// A site state of these rules after these scores.
    static func learned(_ scores: [Double], rules: Rules) -> SiteState {
        var state = SiteState(rules: rules)
        for x in scores { state.levels[0]!.add(x) }
        return state
    }

    @Test("The learned excess is the scores' 0.999 quantile (from a sort) less on, to a bin; capped at the ceiling; 0 during the warm-up")
    func excess() throws {
        let rules = try Self.rules(site: #", "site_quantile": 0.999"#)
        #expect(SiteState(rules: rules).learned == [0])
        let sorted = Self.scores.sorted()
        let quantile = sorted[Int(0.999 * Double(sorted.count))]  // 0.9: the bursts hold 2 % of the frames
        let learned = Self.learned(Self.scores, rules: rules).learned[0]!
        #expect(abs(learned - quantile) <= 0.002, "\(learned) vs \(quantile)")
        #expect(abs(SiteState.excess(level: learned, on: 0.8) - (learned - 0.8)) < 1e-12)
        // Scores that run at 1.0 raise on to the ceiling, not above it.
        let loud = Self.learned([Double](repeating: 1, count: 10_000), rules: rules).learned[0]!
        #expect(abs(SiteState.excess(level: loud, on: 0.8) - (SiteState.ceiling - 0.8)) < 1e-12)
        // A quiet site (every score below on) excuses nothing; nor does a site heard for less than the warm-up.
        #expect(SiteState.excess(level: Self.learned([Double](repeating: 0.3, count: 10_000), rules: rules).learned[0]!, on: 0.8) == 0)
        #expect(Self.learned([Double](repeating: 1, count: 5_999), rules: rules).learned == [0])
        #expect(Self.learned([Double](repeating: 1, count: 6_000), rules: rules).learned[0]! > 0.99)
        // NaN scores are counted as 0, not trapped on.
        #expect(Self.learned([Double](repeating: .nan, count: 7_000), rules: rules).learned[0]! <= 0.001)
    }

    @Test("Memory: after an hour of loud scores and then hours of quiet ones, the excess falls back to 0")
    func forgets() throws {
        let rules = try Self.rules(site: #", "site_quantile": 0.999, "site_memory": 600"#)
        var state = Self.learned([Double](repeating: 0.95, count: 360_000), rules: rules)
        #expect(state.learned[0]! > 0.94)
        for _ in 0..<(100 * 3_600 * 2) { state.levels[0]!.add(0.2) }
        #expect(state.learned[0]! < 0.21)
    }

    @Test("A detector keeps its site across finish(), and another adopts it only under the same settings")
    func carriedOver() throws {
        let rules = try Self.rules(site: #", "site_quantile": 0.999, "site_warm_up": 1"#)
        let noise = (0..<(16_000 * 3)).map { i in Float(sin(Double(i) * 0.37) * 0.2) }
        let first = try EventDetector(rules: rules)
        _ = try first.events(in: noise)
        let learned = first.site
        #expect((learned.secondsLearned[0] ?? 0) > 2.9)
        _ = try first.finish()
        #expect(first.site == learned)
        let second = try EventDetector(rules: rules)
        #expect(second.site != learned)
        second.adoptSite(learned)
        #expect(second.site == learned)
        let other = try EventDetector(rules: try Self.rules(site: #", "site_quantile": 0.99"#))
        let before = other.site
        other.adoptSite(learned)
        #expect(other.site == before, "a different quantile learns its own")
    }

    @Test("Replay from a learned site: the bursts are excused from the first frame; the level serves another on")
    func replayFromSite() throws {
        let rules = try Self.rules(site: #", "site_quantile": 0.999, "site_warm_up": 60"#)
        let site = Self.learned(Self.scores, rules: rules)
        let events = EventDetector.replay(try Self.trace(), rules: rules, site: site)
        #expect(events.count == 1 && abs(events[0].onsetSeconds - 500) < 0.05, "\(events.map(\.onsetSeconds))")
        // With on at 0.95 (above the learned level) nothing is excused: the 0.9 bursts stay under on anyway.
        var higher = rules
        higher.classes[0].detector.on = 0.95
        #expect(EventDetector.replay(try Self.trace(), rules: higher, site: site).count == 1)
        // With on at 0.55 the level (0.901) excuses 0.351: the bursts reach 0.549, under on; the whistle 0.639.
        var lower = rules
        lower.classes[0].detector.on = 0.55
        lower.classes[0].detector.off = 0.45
        let low = EventDetector.replay(try Self.trace(), rules: lower, site: site)
        #expect(low.count == 1 && abs(low[0].onsetSeconds - 500) < 0.05, "\(low.map(\.onsetSeconds))")
    }

    @Test("site_quantile, site_warm_up and site_memory read back from a rewritten rules file")
    func rewriting() throws {
        var settings = DetectorSettings()
        settings.siteQuantile = 0.9995
        settings.siteWarmUp = 120
        settings.siteMemory = 7200
        let text = try Rules.rewriting(json: Rules.bundledJSON, detectors: [.scream: settings])
        let again = try Rules(json: text, source: "rewritten")
        #expect(again.classes.first { $0.eventClass == .scream }!.detector == settings)
    }

    @Test("Saved and read back, a learned state is the same state: equal now, and equal after more scores")
    func savedAndRead() throws {
        let rules = try Self.rules(site: #", "site_quantile": 0.999, "site_warm_up": 60, "site_memory": 600"#)
        var state = Self.learned(Array(Self.scores.prefix(40_000)), rules: rules)
        #expect(state.learned[0]! > 0.85, "past the warm-up, the bursts learned")
        var read = try SiteState(json: state.json, source: "site.json")
        #expect(read == state)
        // A restart in the middle of the stream goes on as if there had been none.
        for x in Self.scores.suffix(20_000) {
            state.levels[0]!.add(x)
            read.levels[0]!.add(x)
        }
        #expect(read == state)
        #expect(EventDetector.replay(try Self.trace(), rules: rules, site: read)
            .map(\.onsetSeconds) == EventDetector.replay(try Self.trace(), rules: rules, site: state).map(\.onsetSeconds))
        // Only scores: the text names the class and holds numbers, one pair per bin that is not empty.
        let text = state.json
        #expect(text.contains("\"class\": \"whistle\"") && text.contains("tympan-site"))
        #expect(text.utf8.count < 4_000, "\(text.utf8.count) bytes")
        // A class that does not adapt is not written; an empty state reads back empty.
        let plain = try SiteState(json: SiteState(rules: try Self.rules(site: "")).json)
        #expect(plain.classes.isEmpty)
    }

    @Test("A damaged site state file is refused with its line and field", arguments: [
        ("", "1:", "unexpected end"),
        (#"{"format": "tympan-rules", "version": 1}"#, "format", "expected \"tympan-site\""),
        (#"{"format": "tympan-site", "version": 2, "frames_per_second": 100, "classes": []}"#, "version", "outside 1.0...1.0"),
        (#"{"format": "tympan-site", "version": 1, "frames_per_second": 100, "clases": []}"#, "clases", "unknown key"),
        (#"{"format": "tympan-site", "version": 1, "frames_per_second": 100}"#, "classes", "missing"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\n{\"class\": \"whistle\"}]}",
         "2: classes[0].quantile", "missing"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\n\(Self.level("klaxon", "[1, 2]"))]}",
         "classes[0].class", "unknown class 'klaxon'"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\n\(Self.level("whistle", "[1, 2]")),\n\(Self.level("whistle", "[1, 2]"))]}",
         "3: classes[1].class", "given twice"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\(Self.level("whistle", "[1000, 2]"))]}",
         "classes[0].counts[0]", "1000.0 is outside 0.0...999.0"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\(Self.level("whistle", "[5, 2], [5, 1]"))]}",
         "classes[0].counts[1]", "bins must rise"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\(Self.level("whistle", "[5, -2]"))]}",
         "classes[0].counts[0]", "outside"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\(Self.level("whistle", "[5]"))]}",
         "classes[0].counts[0]", "expected [bin, count]"),
        ("{\"format\": \"tympan-site\", \"version\": 1, \"frames_per_second\": 100, \"classes\": [\(Self.level("whistle", "[5, 1]", frames: "12.5"))]}",
         "classes[0].frames", "not a whole number"),
    ])
    func damaged(_ text: String, _ field: String, _ reason: String) throws {
        #expect {
            _ = try SiteState(json: text, source: "site.json")
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("site.json:") && message.contains(field) && message.contains(reason)
        }
    }

    static func level(_ name: String, _ counts: String, frames: String = "100") -> String {
        #"{"class": "\#(name)", "quantile": 0.999, "warm_up_frames": 6000, "block_frames": 100, "decay": 0.9, "frames": \#(frames), "total": 3, "level": 0, "counts": [\#(counts)]}"#
    }
}
