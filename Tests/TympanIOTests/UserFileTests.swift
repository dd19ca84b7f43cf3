import Foundation
import Testing
import Tympan
import TympanIO

/// Files a user names that are not audio: read whole up to a limit, errors
/// naming the kind of file, the path and the reason; rules through one reader.
@Suite struct UserFileTests {
    func temporary(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tympan-user-file-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("A missing file, a folder and a file over the limit are refused by kind, path and reason; a file at the limit is read whole")
    func refusals() throws {
        #expect(throws: TympanIOError.unreadableFile(kind: "labels", path: "/nonexistent/x.tsv", reason: "No such file or directory")) {
            try UserFile.bytes("/nonexistent/x.tsv", kind: "labels", limit: 100)
        }
        #expect(throws: TympanIOError.unreadableFile(kind: "rules", path: "/tmp", reason: "Is a directory")) {
            try UserFile.text("/tmp", kind: "rules")
        }
        let path = try temporary(String(repeating: "x", count: 70_000))  // more than one read
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try UserFile.bytes(path, kind: "trace", limit: 70_000).count == 70_000)
        #expect(throws: TympanIOError.fileTooLarge(kind: "trace", path: path, limit: 69_999)) {
            try UserFile.bytes(path, kind: "trace", limit: 69_999)
        }
        #expect(TympanIOError.unreadableFile(kind: "rules", path: "r.json", reason: "Permission denied").description
                == "cannot read rules 'r.json': Permission denied")
    }

    @Test("Rules: the bundled ones without a path; a file's text and rules; invalid rules name the file, the line and the field")
    func rules() throws {
        let bundled = try UserFile.rules(nil)
        #expect(bundled.text == Rules.bundledJSON && bundled.rules.classes.count == 8)
        let text = #"{"format": "tympan-rules", "version": 1, "classes": [{"class": "whistle", "when": [{"feature": "flux_db", "above": 1}]}]}"#
        let good = try temporary(text)
        defer { try? FileManager.default.removeItem(atPath: good) }
        let read = try UserFile.rules(good)
        #expect(read.text == text && read.rules.classes.map(\.eventClass) == [.whistle])
        let bad = try temporary(text.replacingOccurrences(of: "above", with: "abov"))
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect {
            try UserFile.rules(bad)
        } throws: { error in
            guard case let .invalidRules(source, line, field, _) = error as? TympanError else { return false }
            return source == bad && line == 1 && field.hasPrefix("classes[0].when[0]")
        }
        #expect(throws: TympanIOError.self) { try UserFile.rules("/nonexistent/r.json") }
    }
}
