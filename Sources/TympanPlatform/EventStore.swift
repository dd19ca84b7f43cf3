import Crypto
import Foundation
import GRDB
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

/// The platform's storage: SQLite through GRDB, in WAL mode (one file; the
/// readers of the HTTP API do not wait for the ingest's writes). The schema
/// is set up by versioned migrations (`migrator`), run at open.
public final class EventStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// The schema, one registered migration per version: a database made by an
    /// older platform is brought up to date at open, never rebuilt.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: events, sensors, tokens") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    id TEXT PRIMARY KEY NOT NULL,
                    sensor TEXT NOT NULL,
                    time_ms INTEGER NOT NULL,
                    onset REAL NOT NULL,
                    "offset" REAL NOT NULL,
                    class TEXT NOT NULL,
                    confidence REAL NOT NULL,
                    level_db REAL NOT NULL,
                    explanation TEXT,
                    received_ms INTEGER NOT NULL
                );
                CREATE INDEX events_by_time ON events (time_ms DESC, id DESC);
                CREATE INDEX events_by_sensor ON events (sensor, time_ms DESC);
                CREATE INDEX events_by_class ON events (class, time_ms DESC);
                CREATE TABLE sensors (
                    id TEXT PRIMARY KEY NOT NULL,
                    latitude REAL,
                    longitude REAL,
                    online INTEGER,
                    status_ms INTEGER,
                    health_json TEXT,
                    health_ms INTEGER
                );
                CREATE TABLE tokens (
                    hash TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    created_ms INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: reviews, audit") { db in
            try db.execute(sql: """
                CREATE TABLE reviews (
                    event_id TEXT PRIMARY KEY NOT NULL REFERENCES events (id) ON DELETE CASCADE,
                    verdict TEXT NOT NULL,
                    note TEXT,
                    reviewer TEXT NOT NULL,
                    at_ms INTEGER NOT NULL
                );
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at_ms INTEGER NOT NULL,
                    who TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3: users, sessions") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    name TEXT PRIMARY KEY NOT NULL,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_ms INTEGER NOT NULL
                );
                CREATE TABLE sessions (
                    hash TEXT PRIMARY KEY NOT NULL,
                    user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
                    expires_ms INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }

    /// The migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }

    // MARK: Ingest

    /// Stores a message in one transaction, committed when this returns.
    /// Returns false for an event whose id is already stored (a second
    /// delivery: nothing changes).
    @discardableResult
    public func store(_ message: SensorMessage) throws -> Bool {
        try pool.write { db in
            switch message {
            case .event(let e):
                try db.execute(sql: "INSERT INTO sensors (id) VALUES (?) ON CONFLICT (id) DO NOTHING", arguments: [e.sensor])
                try db.execute(sql: """
                    INSERT INTO events (id, sensor, time_ms, onset, "offset", class, confidence, level_db, explanation, received_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """, arguments: [e.id, e.sensor, e.timeMs, e.onset, e.offset, e.eventClass.label, e.confidence,
                                     e.levelDB, e.explanation, e.receivedMs])
                return db.changesCount > 0
            case .health(let h):
                try db.execute(sql: """
                    INSERT INTO sensors (id, latitude, longitude, health_json, health_ms) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET health_json = excluded.health_json, health_ms = excluded.health_ms,
                        latitude = COALESCE(excluded.latitude, sensors.latitude),
                        longitude = COALESCE(excluded.longitude, sensors.longitude)
                    WHERE sensors.health_ms IS NULL OR excluded.health_ms >= sensors.health_ms
                    """, arguments: [h.sensor, h.latitude, h.longitude, h.json, h.timeMs])
                return true
            case .status(let sensor, let online):
                try db.execute(sql: """
                    INSERT INTO sensors (id, online, status_ms) VALUES (?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET online = excluded.online, status_ms = excluded.status_ms
                    """, arguments: [sensor, online, Int64(Date().timeIntervalSince1970 * 1000)])
                return true
            }
        }
    }

    /// Sets a sensor's position (a sensors file): health reports with a
    /// position replace it later.
    public func place(sensor: String, latitude: Double, longitude: Double) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO sensors (id, latitude, longitude) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude
                """, arguments: [sensor, latitude, longitude])
        }
    }

    // MARK: Queries

    public func events(_ q: EventQuery) throws -> [StoredEvent] {
        var clauses = [String](), arguments = StatementArguments()
        if let s = q.sinceMs { clauses.append("e.time_ms >= ?"); _ = arguments.append(contentsOf: [s]) }
        if let u = q.untilMs { clauses.append("e.time_ms < ?"); _ = arguments.append(contentsOf: [u]) }
        if let c = q.eventClass { clauses.append("e.class = ?"); _ = arguments.append(contentsOf: [c.label]) }
        if let s = q.sensor { clauses.append("e.sensor = ?"); _ = arguments.append(contentsOf: [s]) }
        if let (w, s, e, n) = q.bbox {
            clauses.append("p.longitude BETWEEN ? AND ? AND p.latitude BETWEEN ? AND ?")
            _ = arguments.append(contentsOf: [w, e, s, n])
        }
        if let a = q.after {
            clauses.append("(e.time_ms < ? OR (e.time_ms = ? AND e.id < ?))")
            _ = arguments.append(contentsOf: [a.timeMs, a.timeMs, a.id])
        }
        _ = arguments.append(contentsOf: [q.limit])
        let sql = """
            SELECT e.* FROM events e \(q.bbox == nil ? "" : "JOIN sensors p ON p.id = e.sensor")
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY e.time_ms DESC, e.id DESC LIMIT ?
            """
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                StoredEvent(id: row["id"], sensor: row["sensor"], timeMs: row["time_ms"], onset: row["onset"],
                            offset: row["offset"], eventClass: EventClass(rawValue: row["class"]) ?? .gunshot,
                            confidence: row["confidence"], levelDB: row["level_db"], explanation: row["explanation"],
                            receivedMs: row["received_ms"])
            }
        }
    }

    public func eventCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    public func sensors() throws -> [SensorState] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sensors ORDER BY id").map { row in
                SensorState(id: row["id"], latitude: row["latitude"], longitude: row["longitude"],
                            online: row["online"], statusMs: row["status_ms"], healthJSON: row["health_json"],
                            healthMs: row["health_ms"])
            }
        }
    }

    // MARK: Reviews, retention, audit

    /// Records an operator's verdict on an event (a later review replaces it;
    /// the audit log keeps every one). False when there is no such event.
    public func review(eventID: String, verdict: Verdict, note: String?, reviewer: String) throws -> Bool {
        let now = Self.nowMs()
        return try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE id = ?", arguments: [eventID]) ?? 0 > 0 else {
                return false
            }
            try db.execute(sql: """
                INSERT INTO reviews (event_id, verdict, note, reviewer, at_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO UPDATE SET verdict = excluded.verdict, note = excluded.note,
                    reviewer = excluded.reviewer, at_ms = excluded.at_ms
                """, arguments: [eventID, verdict.rawValue, note, reviewer, now])
            try Self.audit(db, at: now, who: reviewer, action: "review", detail: "\(eventID): \(verdict.rawValue)")
            return true
        }
    }

    /// The review of each of `ids` that has one.
    public func reviews(of ids: [String]) throws -> [String: Review] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var out = [String: Review]()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM reviews WHERE event_id IN (\(marks))",
                                        arguments: StatementArguments(ids)) {
                guard let verdict = Verdict(rawValue: row["verdict"]) else { continue }
                out[row["event_id"]] = Review(verdict: verdict, note: row["note"], reviewer: row["reviewer"], atMs: row["at_ms"])
            }
            return out
        }
    }

    /// Deletes the events (and their reviews) older than `days` days; returns how many.
    @discardableResult
    public func applyRetention(days: Int, nowMs: Int64 = EventStore.nowMs()) throws -> Int {
        let cutoff = nowMs - Int64(days) * 86_400_000
        return try pool.write { db in
            try db.execute(sql: "DELETE FROM reviews WHERE event_id IN (SELECT id FROM events WHERE time_ms < ?)", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM events WHERE time_ms < ?", arguments: [cutoff])
            let deleted = db.changesCount
            if deleted > 0 {
                try Self.audit(db, at: nowMs, who: "retention", action: "delete",
                               detail: "\(deleted) event(s) older than \(days) days (before \(utcTimestamp(milliseconds: cutoff)))")
            }
            return deleted
        }
    }

    /// Adds a line to the audit log (logins, reviews, exports, deletions, tokens).
    public func audit(who: String, action: String, detail: String) throws {
        try pool.write { db in try Self.audit(db, at: Self.nowMs(), who: who, action: action, detail: detail) }
    }

    static func audit(_ db: Database, at: Int64, who: String, action: String, detail: String) throws {
        try db.execute(sql: "INSERT INTO audit (at_ms, who, action, detail) VALUES (?, ?, ?, ?)",
                       arguments: [at, who, action, detail])
    }

    /// The audit log, newest first.
    public func auditLog(limit: Int = 100) throws -> [(atMs: Int64, who: String, action: String, detail: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                ($0["at_ms"], $0["who"], $0["action"], $0["detail"])
            }
        }
    }

    // MARK: Statistics

    /// Events per UTC day, sensor and class in [since, until).
    public func countsPerDay(sinceMs: Int64, untilMs: Int64) throws -> [(day: String, sensor: String, eventClass: String, count: Int)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT time_ms / 86400000 AS day, sensor, class, COUNT(*) AS n FROM events
                WHERE time_ms >= ? AND time_ms < ? GROUP BY day, sensor, class ORDER BY day, sensor, class
                """, arguments: [sinceMs, untilMs]).map { row in
                let day: Int64 = row["day"]
                return (String(utcTimestamp(milliseconds: day * 86_400_000).prefix(10)), row["sensor"], row["class"], row["n"])
            }
        }
    }

    /// Reviews per verdict of the events in [since, until), and the events not reviewed.
    public func reviewOutcomes(sinceMs: Int64, untilMs: Int64) throws -> [String: Int] {
        try pool.read { db in
            var out = Dictionary(uniqueKeysWithValues: (Verdict.allCases.map(\.rawValue) + ["unreviewed"]).map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: """
                SELECT COALESCE(r.verdict, 'unreviewed') AS verdict, COUNT(*) AS n FROM events e
                LEFT JOIN reviews r ON r.event_id = e.id WHERE e.time_ms >= ? AND e.time_ms < ? GROUP BY 1
                """, arguments: [sinceMs, untilMs]) {
                out[row["verdict"]] = row["n"]
            }
            return out
        }
    }

    public static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Tokens

    /// Makes a bearer token for `name` with `role`: returns the token, of
    /// which only the SHA-256 is stored (the token is 32 random bytes: a hash
    /// that fast is safe for it; passwords get a slow one).
    public func addToken(name: String, role: Role) throws -> String {
        let token = Self.randomSecret(prefix: "tp_")
        let hash = Self.hash(token)
        try grant(table: "tokens", kind: "token", name: name, role: role, secret: ("hash", hash))
        return token
    }

    /// The role of a bearer token, or nil for a token nobody issued.
    public func role(forToken token: String) throws -> (name: String, role: Role)? {
        guard token.utf8.count <= 200 else { return nil }
        let hash = Self.hash(token)
        return try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT name, role FROM tokens WHERE hash = ?", arguments: [hash]),
                  let role = Role(rawValue: row["role"]) else { return nil }
            return (row["name"], role)
        }
    }

    // MARK: Users and sessions

    /// Adds an operator's login; the password is kept as a bcrypt hash (cost 12, salted).
    public func addUser(name: String, password: String, role: Role, cost: UInt8 = 12) throws {
        guard !name.isEmpty, name.utf8.count <= 100 else { throw StoreError("a user name is 1 to 100 bytes") }
        guard password.count >= 10, password.utf8.count <= 72 else {
            throw StoreError("a password is at least 10 characters and at most 72 bytes (bcrypt reads no more)")
        }
        let hashed = Bcrypt.hash(password, cost: cost)
        try grant(table: "users", kind: "user", name: name, role: role, secret: ("password_hash", hashed))
    }

    /// Adds a token or a user (`table`) named `name` with `role` and its hashed
    /// secret (column, value), unless the name is taken; audited.
    private func grant(table: String, kind: String, name: String, role: Role, secret: (column: String, value: String)) throws {
        try pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE name = ?", arguments: [name]) ?? 0 > 0 {
                throw StoreError("a \(kind) named \(name) exists already")
            }
            let now = Self.nowMs()
            try db.execute(sql: "INSERT INTO \(table) (name, \(secret.column), role, created_ms) VALUES (?, ?, ?, ?)",
                           arguments: [name, secret.value, role.rawValue, now])
            try Self.audit(db, at: now, who: "admin", action: kind, detail: "added \(name) (\(role.rawValue))")
        }
    }

    /// A new session for `name` if `password` is theirs (the session id is
    /// returned once; its SHA-256 is stored), nil otherwise. Both outcomes go
    /// into the audit log.
    public func login(name: String, password: String, hours: Int = 12) throws -> String? {
        let stored = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT password_hash FROM users WHERE name = ?", arguments: [name])
        }
        let hash: String? = stored?["password_hash"]
        let valid = password.utf8.count <= 72 && hash.map { Bcrypt.verify(password, hash: $0) } == true
        let now = Self.nowMs()
        guard valid else {
            try pool.write { db in try Self.audit(db, at: now, who: name, action: "login", detail: "refused") }
            return nil
        }
        let session = Self.randomSecret(prefix: "ts_")
        try pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_ms < ?", arguments: [now])
            try db.execute(sql: "INSERT INTO sessions (hash, user, expires_ms) VALUES (?, ?, ?)",
                           arguments: [Self.hash(session), name, now + Int64(hours) * 3_600_000])
            try Self.audit(db, at: now, who: name, action: "login", detail: "session of \(hours) h")
        }
        return session
    }

    /// The user and role of a live session, or nil.
    public func user(forSession session: String) throws -> (name: String, role: Role)? {
        guard session.utf8.count <= 200 else { return nil }
        return try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user WHERE s.hash = ? AND s.expires_ms >= ?
                """, arguments: [Self.hash(session), Self.nowMs()]), let role = Role(rawValue: row["role"]) else { return nil }
            return (row["name"], role)
        }
    }

    public func logout(session: String) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE hash = ?", arguments: [Self.hash(session)]) }
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

public struct StoreError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
