import Foundation
import Testing
@testable import TympanEvaluation

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
