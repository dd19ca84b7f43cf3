import Foundation
import Testing
import Tympan
@testable import TympanSensor

@Suite struct LevelSummaryTests {
    @Test("Leq is the energy mean, not the mean of decibels; the maximum is the loudest frame")
    func equivalentLevel() throws {
        var s = LevelSummary()
        #expect(s.equivalentLevel == nil)
        s.add(60)
        s.add(70)
        // 10 log10((10^6 + 10^7) / 2) = 67.40 dB
        #expect(abs(s.equivalentLevel! - 67.4036) < 1e-3)
        #expect(s.maximum == 70 && s.frames == 2)
    }

    @Test("The detector's level summary covers every frame once and starts afresh when taken")
    func detectorLevels() throws {
        let detector = try EventDetector()
        let tone = (0..<16_000).map { Float(0.1 * sin(2 * Double.pi * 1000 * Double($0) / 16_000)) }
        _ = try detector.append(tone)
        let first = detector.takeLevels()
        _ = try detector.append(tone)
        _ = try detector.finish()
        let second = detector.takeLevels()
        #expect(first.frames + second.frames == 201, "32,000 samples at hop 160, centred frames")
        #expect(detector.takeLevels().frames == 0)
        // A 1 kHz sine at amplitude 0.1 is -20 dBFS (A-weighting is 0 dB at 1 kHz); the edge frames are quieter.
        #expect(abs(first.maximum - -20) < 0.5, "\(first.maximum)")
        #expect(first.equivalentLevel! <= first.maximum)
    }
}
