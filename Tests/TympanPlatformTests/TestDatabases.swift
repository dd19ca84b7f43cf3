import Foundation
import Testing
@testable import TympanPlatform

/// The databases the platform's tests run on, each test on each: SQLite
/// always, PostgreSQL when `TYMPAN_TEST_POSTGRES` names a server's database
/// (`make test` starts one with scripts/postgres-test.sh and sets it; CI runs
/// `make test`). Each test gets a database of its own, removed after it.
enum TestDatabase: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["TYMPAN_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    static var available: [TestDatabase] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// A new empty database of this kind: its `--database` URL, a folder of
    /// its own (the SQLite file is in it; tests put brokers there too).
    func scratch() async throws -> Scratch {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tympan-platform-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch self {
        case .sqlite:
            return Scratch(kind: self, url: "sqlite:" + folder.appendingPathComponent("events.sqlite").path, folder: folder, name: nil)
        case .postgres:
            let base = try #require(Self.postgresURL)
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let admin = try PostgresDatabase(url: base)
            try await admin.read { db in try await db.execute("CREATE DATABASE \(name)") }
            await admin.close()
            var parts = try #require(URLComponents(string: base))
            parts.path = "/" + name
            return Scratch(kind: self, url: try #require(parts.string), folder: folder, name: name)
        }
    }

    /// Runs `body` with a store on a new database of this kind, then removes the database.
    func withStore(_ body: (EventStore, Scratch) async throws -> Void) async throws {
        let scratch = try await scratch()
        do {
            let store = try await EventStore.open(scratch.url)
            do {
                try await body(store, scratch)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        } catch {
            await scratch.remove()
            throw error
        }
        await scratch.remove()
    }
}

struct Scratch: Sendable {
    let kind: TestDatabase
    let url: String
    let folder: URL
    /// The PostgreSQL database's name.
    let name: String?

    /// The SQLite file (nil on PostgreSQL).
    var sqlitePath: String? { url.hasPrefix("sqlite:") ? String(url.dropFirst(7)) : nil }

    func remove() async {
        try? FileManager.default.removeItem(at: folder)
        guard let name, let base = TestDatabase.postgresURL, let admin = try? PostgresDatabase(url: base) else { return }
        try? await admin.read { db in try await db.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        await admin.close()
    }
}

/// Waits (without blocking a thread) until `condition` holds, for at most `seconds`.
func eventually(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}
