import ArgumentParser
import Tympan
import TympanEvaluation
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit each class's detector settings (on, off, minimum duration, merge gap) to labelled clips; write a rules file.",
        discussion: """
            Starts from the bundled rules (or --rules), runs the classifier once over every clip, then searches each class's settings on a grid, coordinate by coordinate, to maximise event F1 (onset collar 200 ms) minus --penalty per false alarm per hour on the background-only clips (audio files with no label row). The rule terms are kept; the output is a normal rules file. Prints the training figures before and after, and with --validation the same on held-out clips, so that overfitting shows.

              tympan calibrate --reference train.tsv --audio train/ --validation val.tsv --validation-audio val/ --out rules.json

            --site-map (as for evaluate: clip filename, tab, a recording of its site) replays each mapped clip from what the detector learned of its site first (site adaptation, rules with site_quantile), so that on is chosen for a detector that adapts.
            """)

    @Option(help: "Training labels (DCASE TSV).")
    var reference: String

    @Option(help: "The training clips (a folder of audio files).")
    var audio: String

    @Option(help: "Held-out labels, to report on.")
    var validation: String?

    @Option(name: .customLong("validation-audio"), help: "The held-out clips (default: the --audio folder).")
    var validationAudio: String?

    @OptionGroup var rules: RulesOptions  // to start from

    @Option(help: "F1 given up per false alarm per hour on background-only clips.")
    var penalty: Double = 0.005

    @Option(help: "Where to write the fitted rules.")
    var out: String

    @Option(help: "A TSV of clip filename and a recording of its site, listened to before the clip.")
    var siteMap: String?

    func clips(_ folder: String, _ model: DetectionModel, sites: inout Sites) throws -> [Calibration.Clip] {
        let rate = model.configuration.sampleRate
        var out = [Calibration.Clip]()
        for name in try audioFiles(in: folder) {
            let stream = try AudioFileStream(path: "\(folder)/\(name)", targetRate: rate)
            var samples = [Float]()
            while case let chunk = try stream.next(), !chunk.isEmpty { samples += chunk }
            let (_, trace) = try EventDetector(model: model).traced(samples)
            let site = try sites.state(for: name)
            out.append(Calibration.Clip(name: name, trace: trace, seconds: Double(samples.count) / Double(rate),
                                        site: site))
        }
        guard !out.isEmpty else { throw ValidationError("no audio files in '\(folder)'") }
        return out
    }

    func run() throws {
        let (startText, start) = try rules.loadWithText()
        let model = try DetectionModel(rules: start)  // one for every clip
        var sites = try Sites(siteMap, model: model)  // shared: a site heard for training is not heard again for validation
        let train = Calibration(clips: try clips(audio, model, sites: &sites), reference: try readLabels(reference), penalty: penalty)
        let held = try validation.map {
            Calibration(clips: try clips(validationAudio ?? audio, model, sites: &sites), reference: try readLabels($0), penalty: penalty)
        }
        let fitted = train.fit(start) { printError("calibrate: \($0)") }
        func report(_ name: String, _ c: Calibration) {
            let before = c.scores(start), after = c.scores(fitted)
            print("\(name): class, F1 before -> after, false alarms per hour before -> after")
            for rule in start.classes {
                let b = before[rule.eventClass]!, a = after[rule.eventClass]!
                print("  \(rule.eventClass.label.padding(14)) \(format3(b.f1)) -> \(format3(a.f1))   \(format3(b.falseAlarmsPerHour)) -> \(format3(a.falseAlarmsPerHour))")
            }
            // Class-wise mean as sed_eval takes it: classes without F1 (nothing labelled or found) skipped.
            let mean = { (s: [EventClass: Calibration.Score]) -> Double in
                let f = s.values.map(\.f1).filter { !$0.isNaN }
                return f.isEmpty ? .nan : f.reduce(0, +) / Double(f.count)
            }
            print("  macro F1 \(format3(mean(before))) -> \(format3(mean(after)))")
        }
        report("training (\(train.clips.count) clips)", train)
        if let held { report("validation (\(held.clips.count) clips)", held) }
        var detectors = [EventClass: DetectorSettings]()
        for rule in fitted.classes { detectors[rule.eventClass] = rule.detector }
        let text = try Rules.rewriting(json: startText, detectors: detectors)
        guard let file = fopen(out, "wb") else { throw ValidationError("cannot write '\(out)': \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        fclose(file)
        guard written == bytes.count else { throw ValidationError("cannot write '\(out)'") }
        print("rules written to \(out)")
    }
}
