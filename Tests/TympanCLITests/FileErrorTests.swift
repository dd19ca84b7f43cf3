import Foundation
import Testing

/// A file the user names that cannot be read is reported as what it is
/// (rules, labels, a site map, a configuration), with its path and the reason,
/// by every command that reads one; never as audio.
@Suite struct FileErrorTests {
    @Test("Unreadable rules, labels, site maps and configurations are named as such by every command, with the path and the reason")
    func named() throws {
        let test = CLI.path("scenes/test")
        let labels = CLI.path("scenes/test.tsv")
        let cases: [([String], String)] = [
            (["rules", "--check", "/nonexistent/r.json"], "cannot read rules '/nonexistent/r.json': No such file or directory"),
            (["rules", "--tables", "--rules", "/nonexistent/r.json"], "cannot read rules '/nonexistent/r.json'"),
            (["detect", "--rules", "/nonexistent/r.json", test + "/test_0000.flac"], "cannot read rules '/nonexistent/r.json'"),
            (["evaluate", "--reference", labels, "--audio", test, "--rules", "/nonexistent/r.json"],
             "cannot read rules '/nonexistent/r.json'"),
            (["evaluate", "--reference", "/nonexistent/l.tsv", "--audio", test], "cannot read labels '/nonexistent/l.tsv'"),
            (["evaluate", "--reference", labels, "--audio", test, "--site-map", "/nonexistent/s.tsv"],
             "cannot read site map '/nonexistent/s.tsv'"),
            (["calibrate", "--reference", labels, "--audio", test, "--rules", "/nonexistent/r.json", "--out", "/nonexistent/o.json"],
             "cannot read rules '/nonexistent/r.json'"),
            (["listen", "--config", "/nonexistent/c.json", "--stdout", test + "/test_0000.flac"],
             "cannot read configuration '/nonexistent/c.json'"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("audio"), "\(arguments): \(r.stderr)")
        }
    }

    @Test("A malformed rules file is refused the same way by every command that takes rules: its path, line and field")
    func malformedRules() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tympan-bad-rules-\(getpid()).json").path
        try #"{"format": "tympan-rules", "version": 1, "classes": [\#n  {"class": "whistle", "when": [{"feature": "flux_db", "abov": 1}]}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let test = CLI.path("scenes/test")
        let labels = CLI.path("scenes/test.tsv")
        let commands: [[String]] = [
            ["rules", "--check", path],
            ["rules", "--tables", "--rules", path],
            ["detect", "--rules", path, test + "/test_0000.flac"],
            ["evaluate", "--reference", labels, "--audio", test, "--rules", path],
            ["calibrate", "--reference", labels, "--audio", test, "--rules", path, "--out", path + ".out"],
            ["replay", "/dev/null", "--rules", path],
        ]
        for arguments in commands {
            let r = try CLI.run(arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.stderr.contains("\(path):2") && r.stderr.contains("classes[0].when[0]"), "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".out"))
    }
}
