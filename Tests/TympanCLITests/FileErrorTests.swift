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
}
