import Foundation
import Testing
@testable import TympanEvaluation
import Tympan
import TympanIO

@Suite struct CalibrationTests {
    @Test("Calibration mends a detector setting that misses everything, and never scores its training clips lower")
    func mends() throws {
        var start = try Rules.bundled()
        let whistle = start.classes.firstIndex { $0.eventClass == .whistle }!
        start.classes[whistle].detector.minDuration = 4  // no whistle lasts 4 s: all missed
        let folder = SedEvalParityTests.folder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenes")
        let labels = try Labels.read(String(contentsOf: folder.appendingPathComponent("test.tsv"), encoding: .utf8), source: "test.tsv")
        var clips = [Calibration.Clip]()
        for name in ["test_0000.flac", "test_0004.flac", "test_0007.flac", "test_0009.flac", "test_0001.flac"] {
            let x = try AudioFile.read(folder.appendingPathComponent("test/\(name)").path).samples
            clips.append(Calibration.Clip(name: name, trace: try EventDetector(rules: start).traced(x).trace, seconds: Double(x.count) / 16_000))
        }
        let calibration = Calibration(clips: clips, reference: labels.filter { e in clips.contains { $0.name == e.filename } })
        let before = calibration.scores(start)
        #expect(before[.whistle]!.objective == 0, "nothing found (F1 NaN by sed_eval: no detections)")
        let fitted = calibration.fit(start)
        let after = calibration.scores(fitted)
        #expect(after[.whistle]!.f1 > 0.5, "most whistles found again: \(after[.whistle]!)")
        for c in EventClass.allCases { #expect(after[c]!.objective >= before[c]!.objective - 1e-9, "\(c)") }
        #expect(fitted.classes[whistle].detector.minDuration < 1)
    }
}
