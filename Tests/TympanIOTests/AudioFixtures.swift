import Foundation
import Testing
import Tympan
import TympanIO

enum AudioFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The 1 kHz, 0.5-amplitude, 0.5 s tone the fixture script wrote.
    static let tone = (0..<8000).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / 16000)) }

    /// A scratch file with the given bytes, removed after `body`.
    static func withTemporaryFile<T>(named name: String, bytes: Data, _ body: (String) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tympan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return try body(url.path)
    }
}
