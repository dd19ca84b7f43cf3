import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Synchronization

/// PostgreSQL through postgres-nio's pooled client, for a city where several
/// platform instances share one database. The client reconnects by itself: a
/// statement sent while the server is away fails (the ingest retries it and
/// logs why), and the next one opens a new connection.
public final class PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgres
    let client: PostgresClient
    private let direct: PostgresConnection.Configuration
    private let running: Task<Void, Never>
    private let logger: Logger
    /// The URL without its password, for messages.
    public let name: String

    public init(url: String) throws {
        guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else {
            throw StoreError("--database \(url): not postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let user = parts.user, !user.isEmpty else { throw StoreError("--database \(url): no user (postgres://USER@HOST/DATABASE)") }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError("--database \(url): no database name (postgres://USER@HOST/DATABASE)")
        }
        let port = parts.port ?? 5432
        guard (1...65_535).contains(port) else { throw StoreError("--database \(url): port \(port) is not 1...65535") }
        var mode = "prefer", wait = 10.0
        for item in parts.queryItems ?? [] {
            if item.name == "connect_timeout", let value = item.value, let seconds = Int(value), (1...3_600).contains(seconds) {
                wait = Double(seconds)
                continue
            }
            guard item.name == "sslmode", let value = item.value, ["disable", "prefer", "require"].contains(value) else {
                throw StoreError("--database: \(item.name)=\(item.value ?? "") is not understood (sslmode=disable|prefer|require, connect_timeout=1...3600)")
            }
            mode = value
        }
        waitSeconds = wait
        let tls: PostgresClient.Configuration.TLS, directTLS: PostgresConnection.Configuration.TLS
        switch mode {
        case "disable": (tls, directTLS) = (.disable, .disable)
        case "require": (tls, directTLS) = (.require(.makeClientConfiguration()), .require(try NIOSSLContext(configuration: .makeClientConfiguration())))
        default: (tls, directTLS) = (.prefer(.makeClientConfiguration()), .prefer(try NIOSSLContext(configuration: .makeClientConfiguration())))
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: parts.password,
                                                         database: database, tls: tls)
        var direct = PostgresConnection.Configuration(host: host, port: port, username: user, password: parts.password,
                                                      database: database, tls: directTLS)
        direct.options.connectTimeout = .seconds(5)
        self.direct = direct
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 8
        var logger = Logger(label: "tympan-platform.postgres")
        logger.logLevel = .critical  // failures reach the platform's own log through the errors it gets
        self.logger = logger
        name = "postgres://\(user)@\(host):\(port)/\(database)"
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await run { [client, logger] leased in
            try await client.withConnection { connection in
                leased()
                return try await body(Executor(connection: connection, logger: logger))
            }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await run { [client, logger] leased in
            try await client.withTransaction(logger: logger) { connection in
                leased()
                return try await body(Executor(connection: connection, logger: logger))
            }
        }
    }

    /// Runs `operation`, which calls `leased` once it has a connection, under
    /// a watchdog: a connection not had within `waitSeconds` (the server is
    /// away: the pool would keep trying for a minute), or an operation not
    /// done `answerSeconds` after it (a connection that died without a word),
    /// is a failure; the operation is cancelled and left behind. A failure
    /// says why, in the server's or the network's words (a direct connection
    /// is tried to find out). A write that failed may still have committed:
    /// the ingest's retry of an event then finds its id stored, and stores nothing twice.
    private func run<T: Sendable>(_ operation: @escaping @Sendable (_ leased: @escaping @Sendable () -> Void) async throws -> T)
        async throws -> T
    {
        let leased = Flag()
        let (wait, answer, name) = (waitSeconds, answerSeconds, name)
        let outcome: Result<T, any Error> = await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let watchdog = Task {
                try await Task.sleep(for: .seconds(wait))
                if !leased.isSet {
                    once.resume(.failure(Timeout(description: "no connection to \(name) within \(wait) s")))
                    return
                }
                try await Task.sleep(for: .seconds(answer))
                once.resume(.failure(Timeout(description: "no answer from \(name) within \(answer) s")))
            }
            let work = Task {
                defer { watchdog.cancel() }
                do { once.resume(.success(try await operation { leased.set() })) } catch { once.resume(.failure(error)) }
            }
            once.onTimeout = { work.cancel() }
        }
        do {
            return try outcome.get()
        } catch let error as PSQLError {
            throw PostgresFailure(error)
        } catch let error as PostgresTransactionError {
            // The first thing that failed: BEGIN, the statements, COMMIT (a failed rollback after them says less).
            let first = error.beginError ?? error.closureError ?? error.commitError ?? error.rollbackError
            if let failure = first as? PSQLError { throw PostgresFailure(failure) }
            if let first { throw first }
            throw StoreError("PostgreSQL \(name): the transaction failed")
        } catch let error as PostgresFailure {
            throw error
        } catch let error as StoreError {
            throw error
        } catch let error as Timeout {
            try await reachable()
            throw StoreError(error.description)
        } catch {
            try await reachable()
            throw StoreError("PostgreSQL \(name): \(error)")
        }
    }

    /// How long an operation may take once it has its connection.
    public let answerSeconds = 20.0

    /// How long a statement waits for a connection (the URL's `connect_timeout`
    /// in seconds, 10 by default).
    public let waitSeconds: Double

    /// Connects once, directly, and hangs up: throws why the server cannot
    /// be reached (refused, a name it does not know, a database that does not exist).
    public func reachable() async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
            try await connection.close()
        } catch let error as PSQLError {
            throw PostgresFailure(error, context: "cannot connect to \(name)")
        }
    }

    public func lockForMigration(_ executor: any SQLExecutor) async throws {
        // Held until the transaction ends: instances that start together migrate one after the other.
        try await executor.execute("SELECT pg_advisory_xact_lock(727967)")
    }

    public func close() async {
        running.cancel()
    }

    struct Executor: SQLExecutor, @unchecked Sendable {
        let connection: PostgresConnection
        let logger: Logger

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            var binds = PostgresBindings(capacity: arguments.count)
            for value in arguments {
                switch value {
                case .null: binds.appendNull()
                case .integer(let i): binds.append(i)
                case .real(let d): binds.append(d)
                case .text(let s): binds.append(s)
                }
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: PostgresDatabase.numbered(sql), binds: binds),
                                                  logger: logger).collect()
            return try rows.map { row in
                var columns = [String](), values = [SQLValue]()
                for cell in row {
                    columns.append(cell.columnName)
                    values.append(try PostgresDatabase.value(cell))
                }
                return SQLRow(columns: columns, values: values)
            }
        }
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: return .text(try cell.decode(String.self))
        }
    }

    /// `?` → `$1`, `$2`, … outside quoted text and names.
    static func numbered(_ sql: String) -> String {
        var out = "", n = 0
        var quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// A PostgreSQL failure said in words: what went wrong (the server's own
/// message when it sent one, else the connection's error).
public struct PostgresFailure: Error, CustomStringConvertible {
    public let error: PSQLError
    public let context: String

    init(_ error: PSQLError, context: String = "PostgreSQL") {
        self.error = error
        self.context = context
    }

    public var description: String {
        var parts = ["\(context): \(error.code)"]
        if let message = error.serverInfo?[.message] {
            parts.append(message)
            if let detail = error.serverInfo?[.detail] { parts.append(detail) }
        }
        if let underlying = error.underlying { parts.append("\(underlying)") }
        return parts.joined(separator: ": ")
    }
}

/// A flag set once, read from other tasks.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

struct Timeout: Error, CustomStringConvertible {
    let description: String
}

/// Resumes a continuation once: the first of the operation and its watchdog
/// wins; when the watchdog does, `onTimeout` cancels the operation.
final class Once<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<T, any Error>, Never>?
        var onTimeout: (@Sendable () -> Void)?
    }
    private let state: NIOLockedValueBox<State>

    init(_ continuation: CheckedContinuation<Result<T, any Error>, Never>) {
        state = NIOLockedValueBox(State(continuation: continuation))
    }

    var onTimeout: (@Sendable () -> Void)? {
        get { state.withLockedValue { s -> (@Sendable () -> Void)? in s.onTimeout } }
        set { state.withLockedValue { $0.onTimeout = newValue } }
    }

    func resume(_ result: Result<T, any Error>) {
        let (continuation, cancel) = state.withLockedValue { s -> (CheckedContinuation<Result<T, any Error>, Never>?, (@Sendable () -> Void)?) in
            defer { s.continuation = nil }
            return (s.continuation, s.onTimeout)
        }
        guard let continuation else { return }
        continuation.resume(returning: result)
        if case .failure(let error) = result, error is Timeout { cancel?() }
    }
}
