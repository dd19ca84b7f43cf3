import ArgumentParser
import Tympan
import TympanEvaluation
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score detections against labelled clips with sed_eval's metrics.",
        discussion: """
            Event-based (onset collar 200 ms; also onset + offset, offset collar max(200 ms, 50 % of the reference length)) and segment-based (1 s) precision, recall, F1 and error rate, per class and averaged (macro: class-wise mean, NaN classes skipped; micro: overall), as sed_eval 0.2.1 computes them; false alarms per hour on the background-only clips (clips with no label row) and a confusion table.

              tympan evaluate --reference labels.tsv --audio clips/ [--rules FILE] [--json]
              tympan evaluate --reference labels.tsv --estimate detections.tsv [--json]

            --audio runs detection over every audio file of the folder; --estimate scores an existing DCASE TSV (any system's output). --site-map gives clips a place: a TSV of clip filename and a recording made there (a path); such a clip is detected by a detector that has first listened to that recording (site adaptation, for rules with site_quantile; the recording's own events are not scored). Labels: filename, onset, offset, event_label separated by tabs; an optional header; CRLF and spaces around fields are fine; a bad number is an error naming its line.
            """)

    @Option(help: "Reference labels (DCASE TSV).")
    var reference: String

    @Option(help: "A folder of audio clips: run detection over them.")
    var audio: String?

    @Option(help: "Estimated events (DCASE TSV) to score instead of running detection.")
    var estimate: String?

    @OptionGroup var rules: RulesOptions  // with --audio

    @Option(help: "With --audio: a TSV of clip filename and a recording of its site, listened to before the clip.")
    var siteMap: String?

    @Flag(help: "One JSON object instead of the table.")
    var json = false

    @Option(help: "Also write a self-contained HTML report: the table, and each clip's labels and detections over its spectrogram (spectrograms with --audio).")
    var report: String?

    func validate() throws {
        guard (audio == nil) != (estimate == nil) else { throw ValidationError("give exactly one of --audio and --estimate") }
        if rules.path != nil && audio == nil { throw ValidationError("--rules goes with --audio") }
        if siteMap != nil && audio == nil { throw ValidationError("--site-map goes with --audio") }
    }


    func run() throws {
        let reference = try readLabels(reference)
        var estimated = [LabelledEvent]()
        var clips: [String]?
        var durations = [String: Double]()
        var spectrograms = [String: Spectrogram]()
        let picture = try report.map { _ in try FeatureExtractor(configuration: .librosa) }
        if let estimate {
            estimated = try readLabels(estimate)
        } else if let audio {
            let loaded = try rules.load()
            let model = try DetectionModel(rules: loaded)  // one for every clip
            var sites = try Sites(siteMap, model: model)  // a malformed map stops before any audio is read
            let files = try audioFiles(in: audio)
            guard !files.isEmpty else { throw ValidationError("no audio files in '\(audio)'") }
            clips = files
            for name in files {
                let stream = try AudioFileStream(path: "\(audio)/\(name)", targetRate: loaded.configuration.sampleRate)
                let detector = try EventDetector(model: model)
                if let site = try sites.state(for: name) { detector.adoptSite(site) }
                var samples = 0, events = [SoundEvent]()
                var image = [Float]()
                while true {
                    let chunk = try stream.next()
                    if chunk.isEmpty { break }
                    samples += chunk.count
                    events += try detector.append(chunk)
                    if let picture { image += try picture.append(chunk).values }
                }
                events += try detector.finish()
                if let picture {
                    image += try picture.finish().values
                    let bands = picture.featureCount
                    spectrograms[name] = Spectrogram(bands: bands, frames: image.count / bands, values: image,
                                                     secondsPerFrame: Double(picture.configuration.hopLength) / Double(picture.configuration.sampleRate))
                }
                durations[name] = Double(samples) / Double(loaded.configuration.sampleRate)
                estimated += events.map {
                    LabelledEvent(filename: name, onset: $0.onsetSeconds, offset: $0.offsetSeconds, label: $0.eventClass.label)
                }
            }
        }
        let e = Evaluation(reference: reference, estimated: estimated, clips: clips, durations: durations)
        print(json ? jsonReport(e) : table(e))
        if let report {
            let html = HTMLReport.render(e, reference: reference, estimated: estimated, spectrograms: spectrograms,
                                         title: "Tympan evaluation: \(baseName(self.reference))")
            guard let file = fopen(report, "wb") else { throw ValidationError("cannot write '\(report)': \(String(cString: strerror(errno)))") }
            let bytes = Array(html.utf8)
            let written = fwrite(bytes, 1, bytes.count, file)
            fclose(file)
            guard written == bytes.count else { throw ValidationError("cannot write '\(report)': disk full?") }
        }
    }

    func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return "\(x)"
    }

    func jsonReport(_ e: Evaluation) -> String {
        func block(_ r: MetricResults, perClass: Bool) -> String {
            var fields = ["\"macro_f1\":\(number(r.macroF1))", "\"micro_f1\":\(number(r.microF1))",
                          "\"macro_error_rate\":\(number(r.macroErrorRate))", "\"error_rate\":\(number(r.errorRate))",
                          "\"precision\":\(number(r.overall.precision))", "\"recall\":\(number(r.overall.recall))",
                          "\"substitution_rate\":\(number(r.overall.substitutionRate))",
                          "\"deletion_rate\":\(number(r.overall.deletionRate))", "\"insertion_rate\":\(number(r.overall.insertionRate))"]
            if perClass {
                let classes = r.labels.map { label -> String in
                    let c = r.classWise[label]!
                    return "\"\(label)\":{\"precision\":\(number(c.precision)),\"recall\":\(number(c.recall)),\"f1\":\(number(c.f1)),"
                        + "\"error_rate\":\(number(c.deletionRate + c.insertionRate)),\"tp\":\(c.tp),\"fp\":\(c.fp),\"fn\":\(c.fn),"
                        + "\"ref\":\(c.ref),\"sys\":\(c.sys)}"
                }
                fields.append("\"per_class\":{\(classes.joined(separator: ","))}")
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let confusion = e.confusion.keys.sorted().map { ref in
            "\"\(ref)\":{" + e.confusion[ref]!.keys.sorted().map { "\"\($0)\":\(e.confusion[ref]![$0]!)" }.joined(separator: ",") + "}"
        }
        return "{\"event_based\":\(block(e.event, perClass: true)),"
            + "\"event_based_onset_offset\":\(block(e.eventOnsetOffset, perClass: true)),"
            + "\"segment_based\":\(block(e.segment, perClass: true)),"
            + "\"false_alarms_per_hour\":\(number(e.falseAlarmsPerHour)),\"false_alarms\":\(e.falseAlarms),"
            + "\"background_clips\":\(e.backgroundClips.count),\"audio_seconds\":\(number(e.audioSeconds)),\"clips\":\(e.clips.count),"
            + "\"confusion\":{\(confusion.joined(separator: ","))}}"
    }

    func table(_ e: Evaluation) -> String {
        func f(_ x: Double) -> String { x.isFinite ? String(format3(x)) : "  -  " }
        var lines = ["event-based (onset collar 0.2 s)", "class              precision  recall     F1    ref    est"]
        for label in e.labels {
            let c = e.event.classWise[label]!
            if c.ref == 0 && c.sys == 0 { continue }
            lines.append(label.padding(18) + " " + f(c.precision).padding(10) + " " + f(c.recall).padding(7) + " "
                         + f(c.f1).padding(6) + " " + String(c.ref).padding(6) + " " + String(c.sys))
        }
        lines.append("macro F1 \(f(e.event.macroF1))  micro F1 \(f(e.event.microF1))  error rate \(f(e.event.errorRate))")
        lines.append("onset + offset: macro F1 \(f(e.eventOnsetOffset.macroF1))  micro F1 \(f(e.eventOnsetOffset.microF1))")
        lines.append("segment-based (1 s): macro F1 \(f(e.segment.macroF1))  micro F1 \(f(e.segment.microF1))  error rate \(f(e.segment.errorRate))")
        let quiet = e.backgroundClips.count
        lines.append("background-only clips: \(quiet), events on them: \(e.falseAlarms)"
                     + (e.falseAlarmsPerHour.map { ", false alarms per hour: \(format3($0))" } ?? ""))
        if !e.confusion.isEmpty {
            lines.append("missed events and what was detected over them:")
            for ref in e.confusion.keys.sorted() {
                lines.append("  " + ref.padding(16) + e.confusion[ref]!.keys.sorted().map { "\($0) \(e.confusion[ref]![$0]!)" }.joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
