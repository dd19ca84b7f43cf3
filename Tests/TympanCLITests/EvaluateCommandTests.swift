import Foundation
import Testing
import Tympan

@Suite struct EvaluateCommandTests {
    static let labels = CLI.path("scenes/test.tsv")

    func object(_ r: CLI.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
    }

    @Test("--estimate scores a DCASE TSV: the JSON keys of the issue, sed_eval's figures (test split against a committed run)")
    func estimate() throws {
        let estimate = CLI.path("reference/sed_eval/cases/test_split.est.tsv")
        let r = try CLI.run(["evaluate", "--reference", Self.labels, "--estimate", estimate, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try object(r)
        let event = o["event_based"] as! [String: Any]
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: CLI.path("reference/sed_eval/sed_eval.json")))) as! [String: Any]
        let theirs = (((reference["cases"] as! [String: Any])["test_split"] as! [String: Any])["event_based"] as! [String: Any])
        let average = theirs["class_wise_average"] as! [String: Any], overall = theirs["overall"] as! [String: Any]
        #expect(abs((event["macro_f1"] as! Double) - (average["f_measure"] as! Double)) < 1e-9)
        #expect(abs((event["micro_f1"] as! Double) - (overall["f_measure"] as! Double)) < 1e-9)
        #expect(abs((event["error_rate"] as! Double) - (overall["error_rate"] as! Double)) < 1e-9)
        let gunshot = (event["per_class"] as! [String: Any])["gunshot"] as! [String: Any]
        for key in ["precision", "recall", "f1", "tp", "fp", "fn"] { #expect(gunshot[key] != nil, "\(key)") }
        #expect((o["segment_based"] as! [String: Any])["macro_f1"] is Double)
        #expect(o["clips"] as? Int == 94 + 0, "the clips named in the labels and the estimate")
        #expect(o["false_alarms_per_hour"] is NSNull, "unknown without the audio's durations")
    }

    @Test("--audio runs detection over a folder; background clips give false alarms per hour; the table reads")
    func audio() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Two clips with events, two background-only (no label row).
        for name in ["test_0009.flac", "test_0006.flac", "test_0001.flac", "test_0005.flac"] {
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(name).path, withDestinationPath: CLI.path("scenes/test/\(name)"))
        }
        let r = try CLI.run(["evaluate", "--reference", Self.labels, "--audio", folder.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try object(r)
        #expect(o["clips"] as? Int == 4 && o["background_clips"] as? Int == 2)
        #expect(abs((o["audio_seconds"] as! Double) - 40) < 0.01)
        #expect(o["false_alarms_per_hour"] is Double)
        // The same detections through detect --format tsv and --estimate: the same figures.
        let tsv = try CLI.run(["detect", "--format", "tsv"] + ["test_0009.flac", "test_0006.flac", "test_0001.flac", "test_0005.flac"].map { CLI.path("scenes/test/\($0)") })
        let estimate = folder.appendingPathComponent("est.tsv")
        try tsv.stdout.write(to: estimate)
        let labels = folder.appendingPathComponent("labels.tsv")
        let rows = try String(contentsOfFile: Self.labels, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("test_0009.flac") || $0.hasPrefix("test_0006.flac") }
        try (rows.joined(separator: "\n") + "\n").write(to: labels, atomically: true, encoding: .utf8)
        let viaEstimate = try object(try CLI.run(["evaluate", "--reference", labels.path, "--estimate", estimate.path, "--json"]))
        #expect((viaEstimate["event_based"] as! [String: Any])["macro_f1"] as? Double == (o["event_based"] as! [String: Any])["macro_f1"] as? Double)
        let report = folder.appendingPathComponent("report.html")
        let table = try CLI.run(["evaluate", "--reference", Self.labels, "--audio", folder.path, "--report", report.path])
        #expect(CLI.text(table.stdout).contains("macro F1") && CLI.text(table.stdout).contains("background-only clips: 2"))
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.components(separatedBy: "data:image/bmp;base64,").count - 1 == 4, "a spectrogram per clip")
        #expect(html.contains("test_0009.flac") && html.contains("<svg"))
    }

    @Test("calibrate writes a rules file that reads back, with training and validation figures side by side")
    func calibrate() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["test_0009.flac", "test_0004.flac", "test_0001.flac"] {
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(name).path, withDestinationPath: CLI.path("scenes/test/\(name)"))
        }
        let out = folder.appendingPathComponent("fitted.json")
        let r = try CLI.run(["calibrate", "--reference", Self.labels, "--audio", folder.path, "--validation", Self.labels, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = CLI.text(r.stdout)
        #expect(text.contains("training (3 clips)") && text.contains("validation (3 clips)"), "\(text)")
        #expect(text.components(separatedBy: "macro F1").count - 1 == 2)
        let check = try CLI.run(["rules", "--check", out.path])
        #expect(check.status == 0 && CLI.text(check.stdout).contains("ok: 8 classes"), "\(check.stderr)")
    }

    @Test("Bad labels, missing files, both or neither source: clear errors, nonzero status")
    func errors() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.tsv")
        try "a.wav\t1\t2\tgunshot\na.wav\tone\t2\tgunshot\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["evaluate", "--reference", bad.path, "--estimate", bad.path])
        #expect(r.status != 0 && r.stderr.contains("bad.tsv:2: onset 'one' is not a number"), "\(r.stderr)")
        let both = try CLI.run(["evaluate", "--reference", Self.labels, "--estimate", bad.path, "--audio", folder.path])
        #expect(both.status != 0 && both.stderr.contains("exactly one of --audio and --estimate"))
        let missing = try CLI.run(["evaluate", "--reference", "/nonexistent.tsv", "--estimate", bad.path])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent.tsv"))
        let siteWithout = try CLI.run(["evaluate", "--reference", Self.labels, "--estimate", bad.path, "--site-map", bad.path])
        #expect(siteWithout.status != 0 && siteWithout.stderr.contains("--site-map goes with --audio"))
        let map = folder.appendingPathComponent("sites.tsv")
        try "filename\tsite\ntest_0009.flac\n".write(to: map, atomically: true, encoding: .utf8)
        let malformed = try CLI.run(["evaluate", "--reference", Self.labels, "--audio", folder.path, "--site-map", map.path])
        #expect(malformed.status != 0 && malformed.stderr.contains("sites.tsv:2: expected a clip filename and a site recording"),
                "\(malformed.stderr)")
    }

    /// A 16 kHz mono PCM WAV of digital silence.
    static func silentWAV(seconds: Int) -> Data {
        let bytes = 16_000 * 2 * seconds
        func le<T: FixedWidthInteger>(_ x: T) -> Data { withUnsafeBytes(of: x.littleEndian) { Data($0) } }
        var d = Data("RIFF".utf8) + le(UInt32(36 + bytes)) + Data("WAVEfmt ".utf8)
        d += le(UInt32(16)) + le(UInt16(1)) + le(UInt16(1)) + le(UInt32(16_000)) + le(UInt32(32_000)) + le(UInt16(2)) + le(UInt16(16))
        return d + Data("data".utf8) + le(UInt32(bytes)) + Data(count: bytes)
    }

    @Test("--site-map (evaluate, calibrate): a clip is detected after its site's recording; a site that sounds like the clip excuses its events, a silent one nothing; a missing recording is named")
    func siteMap() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clips = folder.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        let scene = CLI.path("scenes/test/test_0009.flac")
        try FileManager.default.createSymbolicLink(atPath: clips.appendingPathComponent("test_0009.flac").path, withDestinationPath: scene)
        // The bundled rules, with every class learning its site from the first second on.
        let rules = try Rules.bundled()
        var adapted = rules
        var detectors = [EventClass: DetectorSettings]()
        for i in adapted.classes.indices {
            adapted.classes[i].detector.siteWarmUp = 0
            detectors[adapted.classes[i].eventClass] = adapted.classes[i].detector
        }
        let file = folder.appendingPathComponent("rules.json")
        try Rules.rewriting(json: Rules.bundledJSON, detectors: detectors).write(to: file, atomically: true, encoding: .utf8)
        func events(_ extra: [String]) throws -> Int {
            let r = try CLI.run(["evaluate", "--reference", Self.labels, "--audio", clips.path, "--rules", file.path, "--json"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let event = try object(r)["event_based"] as! [String: Any]
            return (event["per_class"] as! [String: Any]).values.reduce(0) { $0 + (($1 as! [String: Any])["sys"] as! Int) }
        }
        let alone = try events([])
        #expect(alone > 0)
        // Its site is the scene itself: heard once before, its events are what this place sounds like.
        let map = folder.appendingPathComponent("sites.tsv")
        try "test_0009.flac\t\(scene)\n".write(to: map, atomically: true, encoding: .utf8)
        #expect(try events(["--site-map", map.path]) < alone)
        // A silent site teaches nothing: the same events as without a map.
        let silence = folder.appendingPathComponent("silence.wav")
        try Self.silentWAV(seconds: 5).write(to: silence)
        try "test_0009.flac\t\(silence.path)\n".write(to: map, atomically: true, encoding: .utf8)
        #expect(try events(["--site-map", map.path]) == alone)
        // calibrate replays from the same sites: a silent one changes no figure, the clip's own does.
        func calibrated(_ extra: [String]) throws -> String {
            let out = folder.appendingPathComponent("fitted.json")
            let r = try CLI.run(["calibrate", "--reference", Self.labels, "--audio", clips.path, "--rules", file.path,
                                 "--out", out.path] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return CLI.text(r.stdout)
        }
        let plain = try calibrated([])
        #expect(try calibrated(["--site-map", map.path]) == plain)
        try "test_0009.flac\t\(scene)\n".write(to: map, atomically: true, encoding: .utf8)
        #expect(try calibrated(["--site-map", map.path]) != plain)
        try "test_0009.flac\t/nonexistent/site.wav\n".write(to: map, atomically: true, encoding: .utf8)
        let missing = try CLI.run(["calibrate", "--reference", Self.labels, "--audio", clips.path, "--site-map", map.path,
                                   "--out", folder.appendingPathComponent("x.json").path])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/site.wav"), "\(missing.stderr)")
    }
}
