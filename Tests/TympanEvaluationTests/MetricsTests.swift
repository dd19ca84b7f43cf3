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

@Suite struct LabelsTests {
    @Test("DCASE TSV: header, CRLF, spaces around fields, clips without events")
    func tolerant() throws {
        let text = "filename\tonset\toffset\tevent_label\r\na.wav \t 1.5\t2.25 \tgunshot\r\n\r\nb.wav\r\nc.wav\t0\t3\tdrill\n"
        let events = try Labels.read(text, source: "l.tsv")
        #expect(events == [LabelledEvent(filename: "a.wav", onset: 1.5, offset: 2.25, label: "gunshot"),
                           LabelledEvent(filename: "c.wav", onset: 0, offset: 3, label: "drill")])
        #expect(try Labels.read(Labels.tsv(events), source: "again") == events)
    }

    @Test("Strict about numbers and fields: the error names the line", arguments: [
        ("a.wav\t1.0\t2.0\tgunshot\nb.wav\t1,5\t2\tdrill\n", "l.tsv:2: onset '1,5' is not a number"),
        ("a.wav\t1.0\tlater\tgunshot\n", "l.tsv:1: offset 'later' is not a number"),
        ("a.wav\t3.0\t2.0\tgunshot\n", "l.tsv:1: offset 2.0 is before onset 3.0"),
        ("a.wav\t1.0\t2.0\n", "l.tsv:1: expected filename, onset, offset, event_label"),
        ("a.wav\t-1\t2.0\tgunshot\n", "l.tsv:1: onset '-1'"),
        ("a.wav\t1\tnan\tgunshot\n", "l.tsv:1: offset 'nan' is not a number"),
        // A finite but huge time was a segment count past Int.max: a crash (issue 18).
        ("a.wav\t1.0\t99999999999999999999\tgunshot\n", "l.tsv:1: offset 99999999999999999999 is past 604800 s"),
        ("a.wav\t0\t604800.5\tgunshot\n", "l.tsv:1: offset 604800.5 is past"),
    ])
    func strict(_ text: String, _ message: String) {
        #expect {
            try Labels.read(text, source: "l.tsv")
        } throws: { "\($0)".contains(message) }
    }

    @Test("False alarms per hour count the events on background-only clips over their audio")
    func falseAlarms() {
        let reference = [LabelledEvent(filename: "a.wav", onset: 1, offset: 2, label: "gunshot")]
        let estimated = [LabelledEvent(filename: "a.wav", onset: 1.1, offset: 2, label: "gunshot"),
                         LabelledEvent(filename: "quiet.wav", onset: 3, offset: 4, label: "scream"),
                         LabelledEvent(filename: "quiet.wav", onset: 5, offset: 6, label: "scream")]
        let e = Evaluation(reference: reference, estimated: estimated, clips: ["a.wav", "quiet.wav", "calm.wav"],
                           durations: ["a.wav": 10, "quiet.wav": 10, "calm.wav": 26])
        #expect(e.backgroundClips == ["quiet.wav", "calm.wav"])
        #expect(e.falseAlarms == 2)
        #expect(abs(e.falseAlarmsPerHour! - 2 / (36.0 / 3600)) < 1e-9)
        #expect(e.audioSeconds == 46)
        #expect(e.event.classWise["gunshot"]!.tp == 1)
    }

    @Test("A label outside the class list, on several rows, is one more class (was a crash on duplicate keys)")
    func unknownLabelOnSeveralRows() throws {
        let reference = try Labels.read("a.wav\t1\t2\tgunshot\nb.wav\t1\t2\tNaNgunshot\nc.wav\t3\t4\tNaNgunshot\n",
                                        source: "r.tsv")
        let estimated = [LabelledEvent(filename: "b.wav", onset: 1.05, offset: 2, label: "NaNgunshot")]
        let e = Evaluation(reference: reference, estimated: estimated)
        #expect(e.labels.filter { $0 == "NaNgunshot" }.count == 1)
        #expect(e.labels.count == Set(e.labels).count)
        #expect(e.event.classWise["NaNgunshot"]!.tp == 1)
        #expect(e.event.classWise["NaNgunshot"]!.fn == 1)
        #expect(e.event.classWise["gunshot"]!.fn == 1)
    }

    @Test("The latest time a label may have reads, and its segments are counted")
    func latestTime() throws {
        let events = try Labels.read("a.wav\t604799\t604800\tgunshot\n", source: "l.tsv")
        let e = Evaluation(reference: events, estimated: events)
        #expect(e.event.classWise["gunshot"]!.tp == 1)
        #expect(e.segment.classWise["gunshot"]!.tp == 1)
    }

    @Test("The confusion table says what was detected over a missed event")
    func confusion() {
        let reference = [LabelledEvent(filename: "a.wav", onset: 1, offset: 3, label: "scream"),
                         LabelledEvent(filename: "a.wav", onset: 5, offset: 6, label: "whistle")]
        let estimated = [LabelledEvent(filename: "a.wav", onset: 1.5, offset: 2.5, label: "car_horn")]
        let e = Evaluation(reference: reference, estimated: estimated)
        #expect(e.confusion == ["scream": ["car_horn": 1], "whistle": ["none": 1]])
    }
}

@Suite struct ReportTests {
    @Test("The spectrogram bitmap is a valid 8-bit BMP, lowest band in the bottom row, and base64 decodes to it")
    func bitmap() throws {
        // 3 bands x 1000 frames: band 0 loud, band 2 quiet.
        var values = [Float]()
        for _ in 0..<1000 { values += [0, -40, -80] }
        let s = Spectrogram(bands: 3, frames: 1000, values: values, secondsPerFrame: 0.01)
        let bmp = HTMLReport.bitmap(s)
        let u32 = { (o: Int) in Int(bmp[o]) | Int(bmp[o + 1]) << 8 | Int(bmp[o + 2]) << 16 | Int(bmp[o + 3]) << 24 }
        #expect(bmp[0] == 0x42 && bmp[1] == 0x4d && u32(2) == bmp.count)
        #expect(u32(18) == 500 && u32(22) == 3, "1000 frames averaged down to 500 columns, 3 rows")
        let pixels = u32(10)
        #expect(bmp[pixels] == 255 && bmp[pixels + 500] == 128 && bmp[pixels + 1000] == 0, "bottom row first: the loudest band")
        #expect(Data(base64Encoded: HTMLReport.base64(bmp)) == Data(bmp))
        for n in 0..<5 {
            let bytes = [UInt8](repeating: 0xa5, count: n)
            #expect(Data(base64Encoded: HTMLReport.base64(bytes)) == Data(bytes), "padding for \(n) bytes")
        }
    }

    @Test("The report is one self-contained file: its table, every clip, nothing fetched; names are escaped")
    func html() {
        let reference = [LabelledEvent(filename: "a<b>.wav", onset: 1, offset: 2, label: "gunshot"),
                         LabelledEvent(filename: "c.wav", onset: 3, offset: 5, label: "scream")]
        let estimated = [LabelledEvent(filename: "a<b>.wav", onset: 1.05, offset: 1.5, label: "gunshot"),
                         LabelledEvent(filename: "c.wav", onset: 6, offset: 7, label: "whistle")]
        let e = Evaluation(reference: reference, estimated: estimated)
        let s = Spectrogram(bands: 4, frames: 100, values: [Float](repeating: -20, count: 400), secondsPerFrame: 0.1)
        let html = HTMLReport.render(e, reference: reference, estimated: estimated, spectrograms: ["c.wav": s], title: "t")
        #expect(html.contains("a&lt;b&gt;.wav") && !html.contains("a<b>.wav"))
        #expect(html.components(separatedBy: "<section>").count - 1 == 2)
        #expect(html.components(separatedBy: "data:image/bmp;base64,").count - 1 == 1)
        #expect(html.contains("c.wav — <span class=\"bad\">1 missed, 1 false</span>"))
        #expect(!html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"), "nothing fetched")
        // The clip with errors comes first.
        #expect(html.range(of: "c.wav")!.lowerBound < html.range(of: "a&lt;b&gt;.wav —")!.lowerBound)
    }
}

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
