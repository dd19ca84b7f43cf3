import Foundation
import GRDB

/// SQLite through GRDB, in WAL mode (one file; the readers of the HTTP API do
/// not wait for the ingest's writes). A transaction (`write`) holds the one
/// writer connection from BEGIN IMMEDIATE to COMMIT; the writes of the
/// process take turns for it (`AsyncLock`), as SQLite lets one writer in at a time.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    let pool: DatabasePool
    private let writer = AsyncLock()

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // A transaction spans several calls to the writer connection (one per
        // statement); `AsyncLock` keeps other writes out of it meanwhile.
        configuration.allowsUnsafeTransactions = true
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await body(Reader(pool: pool))
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        await writer.lock()
        do {
            try await pool.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
            do {
                let result = try await body(Writer(pool: pool))
                try await pool.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
                await writer.unlock()
                return result
            } catch {
                try? await pool.writeWithoutTransaction { db in if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") } }
                throw error
            }
        } catch {
            await writer.unlock()
            throw error
        }
    }

    public func lockForMigration(_ executor: any SQLExecutor) async throws {}  // BEGIN IMMEDIATE holds the file's write lock

    public func close() async {
        try? pool.close()
    }

    static func rows(_ db: Database, _ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let bound = StatementArguments(arguments.map { value -> DatabaseValue in
            switch value {
            case .null: return .null
            case .integer(let i): return i.databaseValue
            case .real(let d): return d.databaseValue
            case .text(let s): return s.databaseValue
            }
        })
        let statement = try db.makeStatement(sql: sql)
        let columns = statement.columnNames
        return try Row.fetchAll(statement, arguments: bound).map { row in
            SQLRow(columns: columns, values: row.databaseValues.map { value in
                switch value.storage {
                case .null: return .null
                case .int64(let i): return .integer(i)
                case .double(let d): return .real(d)
                case .string(let s): return .text(s)
                case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
                }
            })
        }
    }

    struct Reader: SQLExecutor {
        let pool: DatabasePool
        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            try await pool.read { db in try SQLiteDatabase.rows(db, sql, arguments) }
        }
    }

    struct Writer: SQLExecutor {
        let pool: DatabasePool
        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            try await pool.writeWithoutTransaction { db in try SQLiteDatabase.rows(db, sql, arguments) }
        }
    }
}

/// A lock for async code: `lock` waits (without blocking a thread) until the
/// holder calls `unlock`; waiters get it in the order they came.
actor AsyncLock {
    private var held = false
    private var waiting = [CheckedContinuation<Void, Never>]()

    func lock() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func unlock() {
        if waiting.isEmpty { held = false } else { waiting.removeFirst().resume() }
    }
}
