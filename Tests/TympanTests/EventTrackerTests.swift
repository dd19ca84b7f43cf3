import Foundation
import Testing
import TestSupport
@testable import Tympan
import TympanIO

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
