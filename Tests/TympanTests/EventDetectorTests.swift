import Foundation
import Testing
import TestSupport
import Tympan
import TympanIO

@Suite struct EventDetectorTests {
    static let scenes = ["test_0004", "test_0009", "test_0015", "test_0002"]

    func samples(_ scene: String) throws -> [Float] {
        try AudioFile.read(Fixtures.path("scenes/test/\(scene).flac")).samples
    }

    @Test("Streaming: chunks of 1, 160, 1000 and 16000 samples give the events of the whole clip",
          arguments: [1, 160, 1000, 16_000])
    func chunked(_ size: Int) throws {
        let x = try samples("test_0015")
        let whole = try EventDetector().events(in: x)
        let detector = try EventDetector()
        var events = [SoundEvent]()
        var i = 0
        while i < x.count {
            events += try detector.append(Array(x[i..<min(x.count, i + size)]))
            i += size
        }
        events += try detector.finish()
        #expect(!whole.isEmpty)
        // A stream gives each event when it closes: a long one that started
        // first may come after a short one; in onset order they are the same.
        events.sort { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
        #expect(events == whole)
    }

    @Test("Events lie within the clip, in order, with confidence in [0, 1] and an explanation")
    func sane() throws {
        for scene in Self.scenes {
            let x = try samples(scene)
            let events = try EventDetector().events(in: x)
            for e in events {
                #expect(0 <= e.onset && e.onset < e.offset && e.offset <= x.count + 400)
                #expect((0...1).contains(e.confidence))
                #expect(!e.explanation.isEmpty && e.peakLevel.isFinite)
            }
            #expect(events.map(\.onset) == events.map(\.onset).sorted())
        }
    }

    @Test("finish() starts a new stream: the same clip twice gives the same events")
    func reuse() throws {
        let detector = try EventDetector()
        let x = try samples("test_0009")
        #expect(try detector.events(in: x) == detector.events(in: x))
    }

    @Test("Silence and steady noise raise nothing; zeros around a click raise nothing away from it")
    func quiet() throws {
        #expect(try EventDetector().events(in: [Float](repeating: 0, count: 160_000)).isEmpty)
        // A dead microphone between sounds: its zeros raise nothing either.
        var gaps = [Float](repeating: 0, count: 160_000)
        for i in 40_000..<40_400 { gaps[i] = i % 2 == 0 ? 0.5 : -0.5 }
        for event in try EventDetector().events(in: gaps) {
            #expect(event.onset >= 40_000 - 16_000 && event.offset <= 40_400 + 16_000, "\(event)")
        }
        var generator = SplitMix(seed: 3)
        let noise = (0..<160_000).map { _ in Float(Int(generator.next() % 2001) - 1000) / 100_000 }
        #expect(try EventDetector().events(in: noise).isEmpty)
    }

    @Test("suppressed_by: a class stays silent while the class that suppresses it sounds, and only then")
    func suppression() throws {
        func rules(_ suppressed: String) throws -> Rules {
            try Rules(json: #"{"format": "tympan-rules", "version": 1, "classes": ["#
                // The whistle scores 0.625 in the tone (10 dB over -30, softness 40), 0 in the quiet.
                + #"{"class": "whistle", "when": [{"feature": "level_dba", "above": -30, "softness": 40}], "detector": {"on": 0.5, "off": 0.3}},"#
                + #"{"class": "aerosol_spray", "when": [{"feature": "level_dba", "above": -40}], "detector": {"suppressed_by": ["# + suppressed + #"]}}]}"#)
        }
        // 1 s of a -20 dBFS tone between two seconds of near silence.
        var tone = [Float](repeating: 0, count: 48_000)
        for i in tone.indices {
            let phase = 2 * Double.pi * 1000 * Double(i) / 16_000
            tone[i] = (16_000..<32_000).contains(i) ? Float(0.1 * Foundation.sin(phase)) : 1e-4 * Float(i % 7 - 3)
        }
        let free = try EventDetector(rules: try rules("")).events(in: tone)
        #expect(free.map(\.eventClass) == [.whistle, .aerosolSpray], "without suppression both fire")
        let suppressed = try EventDetector(rules: try rules(#""whistle""#)).events(in: tone)
        #expect(suppressed.map(\.eventClass) == [.whistle], "the spray is silenced while the whistle sounds")
        #expect(suppressed.first == free.first, "the suppressor itself is untouched")
        // With a threshold: while the whistle's score is at least `above`.
        let low = try EventDetector(rules: try rules(#"{"class": "whistle", "above": 0.2}"#)).events(in: tone)
        #expect(low.map(\.eventClass) == [.whistle])
        let never = try EventDetector(rules: try rules(#"{"class": "whistle", "above": 0.9}"#)).events(in: tone)
        #expect(never.map(\.eventClass) == [.whistle, .aerosolSpray], "a threshold the whistle's score never reaches silences nothing")
    }

    @Test("An event whose strongest frame is among the last, scored at the end of the stream, is explained by that frame's terms")
    func explainedAtTheEnd() throws {
        // The score rises with the level; a second condition looks 10 frames
        // ahead, so the last 10 frames are scored only when the stream ends.
        let rules = try Rules(json: #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "when": ["#
            + #"{"feature": "level_dba", "above": -80, "softness": 200},"#
            + #"{"feature": "flux_db", "aggregate": "mean", "frames": 3, "ahead": 10, "above": -1000}], "detector": {"on": 0.6, "off": 0.55}}]}"#)
        // Near silence, then a tone swelling for 0.6 s to its loudest 60 ms before the end, then a little softer.
        let rate = 16_000.0
        var x = [Float](repeating: 0, count: 16_000)
        for i in x.indices {
            let t = Double(i) / rate
            let amplitude = t < 0.34 ? 1e-4 : t < 0.94 ? 0.01 + 0.5 * (t - 0.34) / 0.6 : 0.3
            x[i] = Float(amplitude * Foundation.sin(2 * Double.pi * 1000 * t))
        }
        let events = try EventDetector(rules: rules).events(in: x)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(Double(event.offset) / rate > 0.99)  // it lasts to the end
        let level = try #require(event.explanation.first { $0.term.hasPrefix("level_dba") })
        #expect(level.value == event.peakLevel, "explained by frame with level \(level.value), the loudest is \(event.peakLevel)")
    }

    @Test("Detection needs the descriptors: a configuration without them is refused")
    func needsDescriptors() throws {
        let json = #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "when": [{"feature": "mel_3", "above": 1}]}]}"#
        let rules = try Rules(json: json, configuration: .librosa)
        #expect(throws: TympanError.self) { try EventDetector(rules: rules) }
    }
}
