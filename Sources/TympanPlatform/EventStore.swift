import Crypto
import Foundation
import HummingbirdBcrypt
import Tympan
import TympanIO

/// Who may do what: a viewer reads, an operator also reviews, an admin also
/// manages users and tokens.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case viewer, `operator`, admin

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// An operator's verdict on an alert.
public enum Verdict: String, Sendable, CaseIterable {
    case confirmed
    case falseAlarm = "false_alarm"
    case unclear
}

public struct Review: Sendable, Equatable {
    public var verdict: Verdict
    public var note: String?
    public var reviewer: String
    public var atMs: Int64
}

/// A sensor as the platform knows it: where it is, whether it is online (its
/// retained status), and its last health report.
public struct SensorState: Sendable, Equatable {
    public var id: String
    public var latitude: Double?
    public var longitude: Double?
    public var online: Bool?
    public var statusMs: Int64?
    public var healthJSON: String?
    public var healthMs: Int64?
}

/// Which events a query wants, newest first.
public struct EventQuery: Sendable, Equatable {
    public var sinceMs: Int64?
    public var untilMs: Int64?
    public var eventClass: EventClass?
    public var sensor: String?
    /// min longitude, min latitude, max longitude, max latitude (the sensor's position).
    public var bbox: (Double, Double, Double, Double)?
    public var limit = 100
    /// Past this event (time, id) in the newest-first order: a page's `next_cursor`.
    public var after: EventCursor?

    public init() {}

    public static func == (a: EventQuery, b: EventQuery) -> Bool {
        a.sinceMs == b.sinceMs && a.untilMs == b.untilMs && a.eventClass == b.eventClass && a.sensor == b.sensor
            && a.bbox.map { [$0.0, $0.1, $0.2, $0.3] } == b.bbox.map { [$0.0, $0.1, $0.2, $0.3] } && a.limit == b.limit
            && a.after == b.after
    }
}

/// A position in the newest-first order of events: the last event of a page.
/// Written as `<time ms>.<id>`: stable while events arrive (a new event goes
/// before or after it, never moves it).
public struct EventCursor: Sendable, Equatable {
    public var timeMs: Int64
    public var id: String

    public init(timeMs: Int64, id: String) {
        self.timeMs = timeMs
        self.id = id
    }

    public init?(_ text: String) {
        guard let dot = text.firstIndex(of: "."), let t = Int64(text[..<dot]) else { return nil }
        let id = String(text[text.index(after: dot)...])
        guard !id.isEmpty else { return nil }
        timeMs = t
        self.id = id
    }

    public var text: String { "\(timeMs).\(id)" }
}

/// The platform's storage, on SQLite (`sqlite:PATH`, the embedded default)
/// or PostgreSQL (`postgres://…`, several instances on one database): the
/// same statements and the same versioned migrations (`migrations`, run at
/// open) on both.
public final class EventStore: Sendable {
    public let database: any SQLDatabase

    /// Opens the database a `--database` URL names (creating an SQLite file if
    /// needed) and brings its schema up to date.
    public static func open(_ url: String) async throws -> EventStore {
        try await EventStore(database: openDatabase(url))
    }

    public init(database: any SQLDatabase) async throws {
        self.database = database
        do {
            if let postgres = database as? PostgresDatabase { try await postgres.reachable() }
            try await database.migrate(Self.migrations)
        } catch {
            await database.close()
            throw error
        }
    }

    public func close() async { await database.close() }

    /// The schema, one migration per version: a database made by an older
    /// platform is brought up to date at open, never rebuilt. `{serial}` and
    /// `{bytes}` are the dialect's (`SQLDialect.schema`).
    public static let migrations = [
        Migration(name: "v1: events, sensors, tokens", statements: [
            """
            CREATE TABLE events (
                id TEXT {bytes} PRIMARY KEY NOT NULL,
                sensor TEXT {bytes} NOT NULL,
                time_ms BIGINT NOT NULL,
                onset DOUBLE PRECISION NOT NULL,
                "offset" DOUBLE PRECISION NOT NULL,
                class TEXT NOT NULL,
                confidence DOUBLE PRECISION NOT NULL,
                level_db DOUBLE PRECISION NOT NULL,
                explanation TEXT,
                received_ms BIGINT NOT NULL
            )
            """,
            "CREATE INDEX events_by_time ON events (time_ms DESC, id DESC)",
            "CREATE INDEX events_by_sensor ON events (sensor, time_ms DESC)",
            "CREATE INDEX events_by_class ON events (class, time_ms DESC)",
            """
            CREATE TABLE sensors (
                id TEXT {bytes} PRIMARY KEY NOT NULL,
                latitude DOUBLE PRECISION,
                longitude DOUBLE PRECISION,
                online BIGINT,
                status_ms BIGINT,
                health_json TEXT,
                health_ms BIGINT
            )
            """,
            """
            CREATE TABLE tokens (
                hash TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,
                created_ms BIGINT NOT NULL
            )
            """,
        ]),
        Migration(name: "v2: reviews, audit", statements: [
            """
            CREATE TABLE reviews (
                event_id TEXT {bytes} PRIMARY KEY NOT NULL REFERENCES events (id) ON DELETE CASCADE,
                verdict TEXT NOT NULL,
                note TEXT,
                reviewer TEXT NOT NULL,
                at_ms BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE audit (
                id {serial},
                at_ms BIGINT NOT NULL,
                who TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
        ]),
        Migration(name: "v3: users, sessions", statements: [
            """
            CREATE TABLE users (
                name TEXT PRIMARY KEY NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                created_ms BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                hash TEXT PRIMARY KEY NOT NULL,
                "user" TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
                expires_ms BIGINT NOT NULL
            )
            """,
        ]),
    ]

    /// The migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await database.appliedMigrations()
    }

    // MARK: Ingest

    /// Stores a message, committed when this returns. Returns false for an
    /// event whose id is already stored (a second delivery: nothing changes).
    @discardableResult
    public func store(_ message: SensorMessage) async throws -> Bool {
        try await store([message])[0]
    }

    /// Stores messages in one transaction, committed when this returns: the
    /// events in one statement. For each message, false when it is an event
    /// whose id was stored already.
    public func store(_ messages: [SensorMessage]) async throws -> [Bool] {
        let events = messages.compactMap { m -> StoredEvent? in if case .event(let e) = m { e } else { nil } }
        return try await database.write { db in
            var inserted = Set<String>()
            if !events.isEmpty {
                let sensors = Array(Set(events.map(\.sensor))).sorted()
                _ = try await db.query("INSERT INTO sensors (id) VALUES \(Self.rows(sensors.count, 1)) ON CONFLICT (id) DO NOTHING",
                                   sensors.map(\.sqlValue))
                let values = events.flatMap { e -> [SQLValue] in
                    [e.id.sqlValue, e.sensor.sqlValue, e.timeMs.sqlValue, e.onset.sqlValue, e.offset.sqlValue,
                     e.eventClass.label.sqlValue, e.confidence.sqlValue, e.levelDB.sqlValue, e.explanation.sqlValue,
                     e.receivedMs.sqlValue]
                }
                let rows = try await db.query("""
                    INSERT INTO events (id, sensor, time_ms, onset, "offset", class, confidence, level_db, explanation, received_ms)
                    VALUES \(Self.rows(events.count, 10)) ON CONFLICT (id) DO NOTHING RETURNING id
                    """, values)
                inserted = Set(try rows.map { try $0.text("id") })
            }
            var stored = [Bool]()
            for message in messages {
                switch message {
                case .event(let e):
                    // An id twice in one batch is stored once: the first takes it.
                    stored.append(inserted.remove(e.id) != nil)
                case .health(let h):
                    try await db.execute("""
                        INSERT INTO sensors (id, latitude, longitude, health_json, health_ms) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET health_json = excluded.health_json, health_ms = excluded.health_ms,
                            latitude = COALESCE(excluded.latitude, sensors.latitude),
                            longitude = COALESCE(excluded.longitude, sensors.longitude)
                        WHERE sensors.health_ms IS NULL OR excluded.health_ms >= sensors.health_ms
                        """, h.sensor, h.latitude, h.longitude, h.json, h.timeMs)
                    stored.append(true)
                case .status(let sensor, let online):
                    try await db.execute("""
                        INSERT INTO sensors (id, online, status_ms) VALUES (?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET online = excluded.online, status_ms = excluded.status_ms
                        """, sensor, online, Self.nowMs())
                    stored.append(true)
                }
            }
            return stored
        }
    }

    /// `(?, ?), (?, ?)`: `count` rows of `width` placeholders.
    static func rows(_ count: Int, _ width: Int) -> String {
        let row = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        return Array(repeating: row, count: count).joined(separator: ", ")
    }

    /// Sets a sensor's position (a sensors file): health reports with a
    /// position replace it later.
    public func place(sensor: String, latitude: Double, longitude: Double) async throws {
        try await database.write { db in
            try await db.execute("""
                INSERT INTO sensors (id, latitude, longitude) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude
                """, sensor, latitude, longitude)
        }
    }

    // MARK: Queries

    public func events(_ q: EventQuery) async throws -> [StoredEvent] {
        var clauses = [String](), arguments = [SQLValue]()
        if let s = q.sinceMs { clauses.append("e.time_ms >= ?"); arguments.append(s.sqlValue) }
        if let u = q.untilMs { clauses.append("e.time_ms < ?"); arguments.append(u.sqlValue) }
        if let c = q.eventClass { clauses.append("e.class = ?"); arguments.append(c.label.sqlValue) }
        if let s = q.sensor { clauses.append("e.sensor = ?"); arguments.append(s.sqlValue) }
        if let (w, s, e, n) = q.bbox {
            clauses.append("p.longitude BETWEEN ? AND ? AND p.latitude BETWEEN ? AND ?")
            arguments += [w, e, s, n].map(\.sqlValue)
        }
        if let a = q.after {
            clauses.append("(e.time_ms < ? OR (e.time_ms = ? AND e.id < ?))")
            arguments += [a.timeMs.sqlValue, a.timeMs.sqlValue, a.id.sqlValue]
        }
        arguments.append(q.limit.sqlValue)
        let sql = """
            SELECT e.* FROM events e \(q.bbox == nil ? "" : "JOIN sensors p ON p.id = e.sensor")
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY e.time_ms DESC, e.id DESC LIMIT ?
            """
        let bound = arguments
        return try await database.read { db in
            try await db.query(sql, bound).map { row in
                StoredEvent(id: try row.text("id"), sensor: try row.text("sensor"), timeMs: try row.integer("time_ms"),
                            onset: try row.real("onset"), offset: try row.real("offset"),
                            eventClass: EventClass(rawValue: try row.text("class")) ?? .gunshot,
                            confidence: try row.real("confidence"), levelDB: try row.real("level_db"),
                            explanation: try row.optionalText("explanation"), receivedMs: try row.integer("received_ms"))
            }
        }
    }

    public func eventCount() async throws -> Int {
        try await database.read { db in try await db.count("SELECT COUNT(*) FROM events") }
    }

    public func sensors() async throws -> [SensorState] {
        try await database.read { db in
            try await db.query("SELECT * FROM sensors ORDER BY id").map { row in
                SensorState(id: try row.text("id"), latitude: try row.optionalReal("latitude"),
                            longitude: try row.optionalReal("longitude"), online: try row.optionalInteger("online").map { $0 != 0 },
                            statusMs: try row.optionalInteger("status_ms"), healthJSON: try row.optionalText("health_json"),
                            healthMs: try row.optionalInteger("health_ms"))
            }
        }
    }

    // MARK: Reviews, retention, audit

    /// Records an operator's verdict on an event (a later review replaces it;
    /// the audit log keeps every one). False when there is no such event.
    public func review(eventID: String, verdict: Verdict, note: String?, reviewer: String) async throws -> Bool {
        let now = Self.nowMs()
        return try await database.write { db in
            guard try await db.count("SELECT COUNT(*) FROM events WHERE id = ?", eventID) > 0 else { return false }
            try await db.execute("""
                INSERT INTO reviews (event_id, verdict, note, reviewer, at_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO UPDATE SET verdict = excluded.verdict, note = excluded.note,
                    reviewer = excluded.reviewer, at_ms = excluded.at_ms
                """, eventID, verdict.rawValue, note, reviewer, now)
            try await Self.audit(db, at: now, who: reviewer, action: "review", detail: "\(eventID): \(verdict.rawValue)")
            return true
        }
    }

    /// The review of each of `ids` that has one (asked 500 ids at a time).
    public func reviews(of ids: [String]) async throws -> [String: Review] {
        var out = [String: Review]()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try await database.read { db in
                try await db.query("SELECT * FROM reviews WHERE event_id IN (\(marks))", chunk.map(\.sqlValue))
            }
            for row in rows {
                guard let verdict = Verdict(rawValue: try row.text("verdict")) else { continue }
                out[try row.text("event_id")] = Review(verdict: verdict, note: try row.optionalText("note"),
                                                       reviewer: try row.text("reviewer"), atMs: try row.integer("at_ms"))
            }
        }
        return out
    }

    /// Deletes the events (and their reviews) older than `days` days; returns how many.
    @discardableResult
    public func applyRetention(days: Int, nowMs: Int64 = EventStore.nowMs()) async throws -> Int {
        let cutoff = nowMs - Int64(days) * 86_400_000
        return try await database.write { db in
            let deleted = try await db.count("SELECT COUNT(*) FROM events WHERE time_ms < ?", cutoff)
            guard deleted > 0 else { return 0 }
            try await db.execute("DELETE FROM reviews WHERE event_id IN (SELECT id FROM events WHERE time_ms < ?)", cutoff)
            try await db.execute("DELETE FROM events WHERE time_ms < ?", cutoff)
            try await Self.audit(db, at: nowMs, who: "retention", action: "delete",
                                 detail: "\(deleted) event(s) older than \(days) days (before \(utcTimestamp(milliseconds: cutoff)))")
            return deleted
        }
    }

    /// Adds a line to the audit log (logins, reviews, exports, deletions, tokens).
    public func audit(who: String, action: String, detail: String) async throws {
        try await database.write { db in try await Self.audit(db, at: Self.nowMs(), who: who, action: action, detail: detail) }
    }

    static func audit(_ db: any SQLExecutor, at: Int64, who: String, action: String, detail: String) async throws {
        try await db.execute("INSERT INTO audit (at_ms, who, action, detail) VALUES (?, ?, ?, ?)", at, who, action, detail)
    }

    /// The audit log, newest first.
    public func auditLog(limit: Int = 100) async throws -> [AuditEntry] {
        try await database.read { db in
            try await db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", limit).map {
                AuditEntry(atMs: try $0.integer("at_ms"), who: try $0.text("who"), action: try $0.text("action"),
                           detail: try $0.text("detail"))
            }
        }
    }

    // MARK: Statistics

    /// Events per UTC day, sensor and class in [since, until).
    public func countsPerDay(sinceMs: Int64, untilMs: Int64) async throws -> [DayCount] {
        try await database.read { db in
            try await db.query("""
                SELECT time_ms / 86400000 AS day, sensor, class, COUNT(*) AS n FROM events
                WHERE time_ms >= ? AND time_ms < ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """, sinceMs, untilMs).map { row in
                DayCount(day: String(utcTimestamp(milliseconds: try row.integer("day") * 86_400_000).prefix(10)),
                         sensor: try row.text("sensor"), eventClass: try row.text("class"), count: Int(try row.integer("n")))
            }
        }
    }

    /// Reviews per verdict of the events in [since, until), and the events not reviewed.
    public func reviewOutcomes(sinceMs: Int64, untilMs: Int64) async throws -> [String: Int] {
        let rows = try await database.read { db in
            try await db.query("""
                SELECT COALESCE(r.verdict, 'unreviewed') AS verdict, COUNT(*) AS n FROM events e
                LEFT JOIN reviews r ON r.event_id = e.id WHERE e.time_ms >= ? AND e.time_ms < ? GROUP BY 1
                """, sinceMs, untilMs)
        }
        var out = [String: Int]()
        for key in Verdict.allCases.map(\.rawValue) + ["unreviewed"] { out[key] = 0 }
        for row in rows { out[try row.text("verdict")] = Int(try row.integer("n")) }
        return out
    }

    public static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Tokens

    /// Makes a bearer token for `name` with `role`: returns the token, of
    /// which only the SHA-256 is stored (the token is 32 random bytes: a hash
    /// that fast is safe for it; passwords get a slow one).
    public func addToken(name: String, role: Role, by who: String = "admin") async throws -> String {
        guard !name.isEmpty, name.utf8.count <= 100 else { throw StoreError("a token's name is 1 to 100 bytes") }
        let token = Self.randomSecret(prefix: "tp_")
        try await grant(table: "tokens", kind: "token", name: name, role: role, secret: ("hash", Self.hash(token)), by: who)
        return token
    }

    /// The role of a bearer token, or nil for a token nobody issued.
    public func role(forToken token: String) async throws -> (name: String, role: Role)? {
        guard token.utf8.count <= 200 else { return nil }
        let hash = Self.hash(token)
        let rows = try await database.read { db in try await db.query("SELECT name, role FROM tokens WHERE hash = ?", hash) }
        guard let row = rows.first, let role = Role(rawValue: try row.text("role")) else { return nil }
        return (try row.text("name"), role)
    }

    // MARK: Users and sessions

    /// Adds an operator's login; the password is kept as a bcrypt hash (cost 12, salted).
    public func addUser(name: String, password: String, role: Role, cost: UInt8 = 12, by who: String = "admin") async throws {
        guard !name.isEmpty, name.utf8.count <= 100 else { throw StoreError("a user name is 1 to 100 bytes") }
        guard password.count >= 10, password.utf8.count <= 72 else {
            throw StoreError("a password is at least 10 characters and at most 72 bytes (bcrypt reads no more)")
        }
        let hashed = Bcrypt.hash(password, cost: cost)
        try await grant(table: "users", kind: "user", name: name, role: role, secret: ("password_hash", hashed), by: who)
    }

    /// Adds a token or a user (`table`) named `name` with `role` and its hashed
    /// secret (column, value), unless the name is taken; audited.
    private func grant(table: String, kind: String, name: String, role: Role, secret: (column: String, value: String),
                       by who: String) async throws {
        try await database.write { db in
            if try await db.count("SELECT COUNT(*) FROM \(table) WHERE name = ?", name) > 0 {
                throw NameTaken(description: "a \(kind) named \(name) exists already")
            }
            let now = Self.nowMs()
            try await db.execute("INSERT INTO \(table) (name, \(secret.column), role, created_ms) VALUES (?, ?, ?, ?)",
                                 name, secret.value, role.rawValue, now)
            try await Self.audit(db, at: now, who: who, action: kind, detail: "added \(name) (\(role.rawValue))")
        }
    }

    /// Who may come in: each token's and each user's name, role and when it was made (no secret).
    public func grants() async throws -> (tokens: [GrantEntry], users: [GrantEntry]) {
        func list(_ table: String) async throws -> [GrantEntry] {
            try await database.read { db in
                try await db.query("SELECT name, role, created_ms FROM \(table) ORDER BY name").map {
                    GrantEntry(name: try $0.text("name"), role: Role(rawValue: try $0.text("role")) ?? .viewer,
                               createdMs: try $0.integer("created_ms"))
                }
            }
        }
        return (try await list("tokens"), try await list("users"))
    }

    /// Revokes a token, or removes a user and ends their sessions; audited. False when there is no such name.
    public func revoke(token: Bool, name: String, by who: String) async throws -> Bool {
        let (table, kind) = token ? ("tokens", "token") : ("users", "user")
        return try await database.write { db in
            guard try await db.count("SELECT COUNT(*) FROM \(table) WHERE name = ?", name) > 0 else { return false }
            if !token { try await db.execute("DELETE FROM sessions WHERE \"user\" = ?", name) }
            try await db.execute("DELETE FROM \(table) WHERE name = ?", name)
            try await Self.audit(db, at: Self.nowMs(), who: who, action: kind, detail: "revoked \(name)")
            return true
        }
    }

    /// A new session for `name` if `password` is theirs (the session id is
    /// returned once; its SHA-256 is stored), nil otherwise. Both outcomes go
    /// into the audit log.
    public func login(name: String, password: String, hours: Int = 12) async throws -> String? {
        let rows = try await database.read { db in try await db.query("SELECT password_hash FROM users WHERE name = ?", name) }
        let hash = try rows.first?.text("password_hash")
        let valid = password.utf8.count <= 72 && hash.map { Bcrypt.verify(password, hash: $0) } == true
        let now = Self.nowMs()
        guard valid else {
            try await database.write { db in try await Self.audit(db, at: now, who: name, action: "login", detail: "refused") }
            return nil
        }
        let session = Self.randomSecret(prefix: "ts_")
        let hashed = Self.hash(session)
        try await database.write { db in
            try await db.execute("DELETE FROM sessions WHERE expires_ms < ?", now)
            try await db.execute("INSERT INTO sessions (hash, \"user\", expires_ms) VALUES (?, ?, ?)",
                                 hashed, name, now + Int64(hours) * 3_600_000)
            try await Self.audit(db, at: now, who: name, action: "login", detail: "session of \(hours) h")
        }
        return session
    }

    /// The user and role of a live session, or nil.
    public func user(forSession session: String) async throws -> (name: String, role: Role)? {
        guard session.utf8.count <= 200 else { return nil }
        let hash = Self.hash(session), now = Self.nowMs()
        let rows = try await database.read { db in
            try await db.query("""
                SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s."user" WHERE s.hash = ? AND s.expires_ms >= ?
                """, hash, now)
        }
        guard let row = rows.first, let role = Role(rawValue: try row.text("role")) else { return nil }
        return (try row.text("name"), role)
    }

    public func logout(session: String) async throws {
        let hash = Self.hash(session)
        try await database.write { db in try await db.execute("DELETE FROM sessions WHERE hash = ?", hash) }
    }

    /// 32 random bytes in hex after `prefix` (the system's generator: getrandom on Linux).
    static func randomSecret(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded(2) }.joined()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

public struct AuditEntry: Sendable, Equatable {
    public var atMs: Int64
    public var who: String
    public var action: String
    public var detail: String
}

/// A token or a user as an admin sees it.
public struct GrantEntry: Sendable, Equatable {
    public var name: String
    public var role: Role
    public var createdMs: Int64
}

/// A token or user name that is taken (HTTP 409).
public struct NameTaken: Error, CustomStringConvertible {
    public var description: String
}

public struct DayCount: Sendable, Equatable {
    public var day: String
    public var sensor: String
    public var eventClass: String
    public var count: Int
}

public struct StoreError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
