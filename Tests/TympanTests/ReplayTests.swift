import Foundation
import Testing
import Tympan
import TympanIO

@Suite struct ReplayTests {
    static let scenes = ["test_0009", "test_0069", "test_0103"].map { "scenes/test/\($0).flac" }

    func samples(_ scene: String) throws -> [Float] { try AudioFile.read(Fixtures.path(scene)).samples }

    func strip(_ events: [SoundEvent]) -> [SoundEvent] {
        events.map { var e = $0; e.explanation = []; return e }
    }

    @Test("Replaying a clip's score trace gives the detector's events, with the same or with other detector settings")
    func replay() throws {
        let bundled = try Rules.bundled()
        var other = bundled
        for i in other.classes.indices {
            other.classes[i].detector.on = 0.5
            other.classes[i].detector.off = 0.3
            other.classes[i].detector.minDuration = 0.2
        }
        for scene in Self.scenes {
            let x = try samples(scene)
            let (events, trace) = try EventDetector(rules: bundled).traced(x)
            #expect(!events.isEmpty)
            #expect(trace.frames > 990)
            #expect(EventDetector.replay(trace, rules: bundled) == strip(events), "\(scene)")
            let direct = try EventDetector(rules: other).events(in: x)
            #expect(EventDetector.replay(trace, rules: other) == strip(direct), "\(scene) with other settings")
            #expect(direct != events, "the other settings change something")
        }
    }

    @Test("Rewriting a rules file's detector settings keeps everything else and reads back")
    func rewriting() throws {
        var settings = DetectorSettings()
        settings.on = 0.61
        settings.off = 0.22
        settings.mergeGap = 0.125
        settings.suppressedBy = [Suppressor(.drill), Suppressor(.scream, above: 0.4)]
        settings.onsetFeature = "band_top_above_db"
        settings.onsetAbove = 12
        settings.onsetLookback = 0
        settings.hold = 0.75
        settings.onsetWithin = 12
        let text = try Rules.rewriting(json: Rules.bundledJSON, detectors: [.whistle: settings])
        let again = try Rules(json: text, source: "rewritten")
        let before = try Rules.bundled()
        for k in again.classes.indices {
            let a: ClassRule = again.classes[k], b: ClassRule = before.classes[k]
            #expect(a.eventClass == b.eventClass)
            #expect(a.terms.count == b.terms.count)
            #expect(a.combination == b.combination)
            if a.eventClass == EventClass.whistle {
                #expect(a.detector == settings)
            } else {
                #expect(a.detector == b.detector)
            }
        }
    }
}
