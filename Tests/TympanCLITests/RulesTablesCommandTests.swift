import Foundation
import Testing
import Tympan
import TympanIO

/// `tympan rules --tables` (the per-frame detection as the C kernels take it)
/// and `tympan replay` (events from a trace a C-only detection wrote).
@Suite struct RulesTablesCommandTests {
    @Test("--tables: every section's count matches its lines, the gate and the trackers' features are there, and doubles read back")
    func tables() throws {
        let result = try CLI.run(["rules", "--tables"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.first == ["tympan-tables", "1"])
        func count(_ name: String) -> Int? { lines.first { $0.first.map(String.init) == name }.flatMap { Int($0[1]) } }
        func items(_ name: String) -> [[Substring]] { lines.filter { $0.first.map(String.init) == name } }
        for (section, item) in [("features", "feature"), ("windows", "window"), ("aggregates", "aggregate"),
                                ("conditions", "condition")] {
            // "window" also names the front end's window line: only the items after "windows" count.
            let expected = try #require(count(section))
            let found = section == "windows" ? items(item).count - 1 : items(item).count
            #expect(expected == found && expected > 0, "\(section): \(expected) against \(found)")
        }
        let rules = try Rules.bundled()
        #expect(try #require(count("classes")) == rules.classes.count)
        #expect(items("onset").count == rules.classes.count && items("level").count == 1)
        #expect(items("gate").first?.count == 3)
        let terms = items("class").map { Int($0[2])! }.reduce(0, +)
        #expect(terms == items("term").count && terms > 100)
        // Thresholds are written to read back to the same bits.
        for c in items("condition") { for x in c[2...] { #expect(Double(String(x)) != nil || x == "inf" || x == "-inf") } }
    }

    @Test("--tables refuses rules the C scorer does not take (a class whose terms must all hold), and --rules without --tables")
    func refusals() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = folder.appendingPathComponent("all.json")
        try #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "when": [{"feature": "flux_db", "above": 3}]}]}"#
            .write(to: all, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["rules", "--tables", "--rules", all.path])
        #expect(refused.status == 1 && refused.stderr.contains("no C tables"), "\(refused.stderr)")
        let alone = try CLI.run(["rules", "--rules", all.path])
        #expect(alone.status != 0 && alone.stderr.contains("--rules goes with --tables"), "\(alone.stderr)")
    }

    @Test("replay: a detector's own trace of a test scene gives the events it detected; a trace that is not whole frames, or missing, is refused by name")
    func replay() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let samples = try AudioFile.read(CLI.path("scenes/test/test_0009.flac")).samples
        let (events, trace) = try EventDetector().traced(samples)
        #expect(!events.isEmpty)
        let file = folder.appendingPathComponent("trace.f64")
        try trace.frameValues.withUnsafeBytes { Data($0) }.write(to: file)
        let result = try CLI.run(["replay", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map { $0.split(separator: "\t") }
        #expect(lines.count == events.count)
        for (line, event) in zip(lines, events) {
            #expect(Double(String(line[0])) == (event.onsetSeconds * 1000).rounded() / 1000)
            #expect(Double(String(line[1])) == (event.offsetSeconds * 1000).rounded() / 1000)
            #expect(String(line[2]) == event.eventClass.label)
        }
        let short = folder.appendingPathComponent("short.f64")
        try Data(repeating: 0, count: 8 * 5).write(to: short)
        let refused = try CLI.run(["replay", short.path])
        #expect(refused.status != 0 && refused.stderr.contains("short.f64") && refused.stderr.contains("whole number of frames"),
                "\(refused.stderr)")
        let missing = try CLI.run(["replay", folder.appendingPathComponent("none.f64").path])
        #expect(missing.status != 0 && missing.stderr.contains("none.f64"), "\(missing.stderr)")
    }
}
