import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import ServiceLifecycle
import Tympan
import TympanIO

/// A request's context: who is asking (from the bearer token), once the
/// authentication middleware has run.
public struct PlatformContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: (name: String, role: Role)?

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// The HTTP API (docs/platform.md): `/healthz` for anyone, `/api/…` for a
/// caller with a token. Answers are JSON; a bad query parameter is a 400 that
/// names it.
public enum PlatformAPI {
    public static func router(store: EventStore, ingest: Ingest? = nil, live: LiveEvents = LiveEvents(),
                              retentionDays: Int = 90, web: WebSettings = WebSettings()) -> Router<PlatformContext> {
        let router = Router(context: PlatformContext.self)
        WebPages.add(to: router, settings: web)
        router.get("/healthz") { _, _ -> Response in
            guard let ingest else { return json("{\"status\":\"ok\",\"broker\":null}") }
            let c = ingest.counts, t = ingest.commitTimes
            func ms(_ s: Double?) -> String { s.map { "\(($0 * 1e4).rounded() / 10)" } ?? "null" }
            return json("{\"status\":\"ok\",\"broker\":\"\(ingest.isConnected ? "connected" : "disconnected")\","
                        + "\"ingest\":{\"stored\":\(c.stored),\"duplicates\":\(c.duplicates),\"refused\":\(c.rejected),"
                        + "\"other\":\(c.other),\"commit_ms_p99\":\(ms(t.quantile(0.99))),\"commit_ms_max\":\(ms(t.count > 0 ? t.longest : nil))}}")
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("/api/public/summary") { _, _ -> Response in
            json(try await publicSummary(store: store, retentionDays: retentionDays))
        }
        router.post("/api/login") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 4096)
            let fields: MessageFields
            do { fields = try MessageFields(String(buffer: body), kind: "login", allowed: ["user", "password"]) } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
            guard case .string(let user)? = fields.values["user"]?.kind, case .string(let password)? = fields.values["password"]?.kind else {
                throw HTTPError(.badRequest, message: "login: user and password, as text")
            }
            guard let session = try await store.login(name: user, password: password) else {
                throw HTTPError(.unauthorized, message: "wrong user or password")
            }
            var response = json("{\"user\":\(JSONValue.quote(user))}")
            response.headers[.setCookie] = "\(sessionCookieName)=\(session); Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"
            return response
        }
        router.post("/api/logout") { request, _ -> Response in
            if let session = sessionCookie(request) { try await store.logout(session: session) }
            var response = json("{}")
            response.headers[.setCookie] = "\(sessionCookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return response
        }
        let api = router.group("api").add(middleware: Authentication(store: store))
        api.get("me") { _, context -> Response in
            let caller = try context.require(.viewer)
            return json("{\"user\":\(JSONValue.quote(caller.name)),\"role\":\"\(caller.role.rawValue)\"}")
        }
        api.get("events") { request, _ -> Response in
            let query = try eventQuery(request.uri.queryParameters)
            let events = try await store.events(query)
            let reviews = try await store.reviews(of: events.map(\.id))
            let next = events.count == query.limit ? events.last.map { "\"\(EventCursor(timeMs: $0.timeMs, id: $0.id).text)\"" } : nil
            let records = events.map { $0.json(review: reviews[$0.id]) }
            return json("{\"events\":[\(records.joined(separator: ","))],\"next_cursor\":\(next ?? "null")}")
        }
        api.post("events/:id/review") { request, context -> Response in
            let caller = try context.require(.operator)
            let id = try context.parameters.require("id")
            let body = try await request.body.collect(upTo: 16 * 1024)
            let (verdict, note) = try reviewBody(String(buffer: body))
            guard try await store.review(eventID: id, verdict: verdict, note: note, reviewer: caller.name) else {
                throw HTTPError(.notFound, message: "no event \(id)")
            }
            return json("{\"event\":\(JSONValue.quote(id)),\"verdict\":\"\(verdict.rawValue)\",\"reviewer\":\(JSONValue.quote(caller.name))}")
        }
        api.get("stats") { request, _ -> Response in
            let (since, until) = try window(request.uri.queryParameters, defaultDays: 30)
            let days = try await store.countsPerDay(sinceMs: since, untilMs: until).map {
                "{\"day\":\"\($0.day)\",\"sensor\":\(JSONValue.quote($0.sensor)),\"class\":\"\($0.eventClass)\",\"count\":\($0.count)}"
            }
            let outcomes = try await store.reviewOutcomes(sinceMs: since, untilMs: until).sorted { $0.key < $1.key }
                .map { "\"\($0.key)\":\($0.value)" }
            return json("{\"since\":\"\(utcTimestamp(milliseconds: since))\",\"until\":\"\(utcTimestamp(milliseconds: until))\","
                        + "\"per_day\":[\(days.joined(separator: ","))],\"reviews\":{\(outcomes.joined(separator: ","))}}")
        }
        api.get("stream") { _, _ -> Response in
            let stream = live.subscribe()
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                                // The stream ends when the platform shuts down; a client that
                                // went away is found by the next write (a comment every 15 s).
                                try await withGracefulShutdownHandler {
                                    try await writer.write(ByteBuffer(string: ": tympan-platform events\n\n"))
                                    for await line in stream.lines {
                                        try await writer.write(ByteBuffer(string: line))
                                    }
                                } onGracefulShutdown: {
                                    stream.finish()
                                }
                                try await writer.finish(nil)
                            })
        }
        api.get("events.geojson") { request, context -> Response in
            let query = try eventQuery(request.uri.queryParameters)
            let events = try await store.events(query)
            try await store.audit(who: context.caller?.name ?? "?", action: "export",
                            detail: "events.geojson, \(events.count) event(s): \(request.uri.query ?? "")")
            let places = Dictionary(try await store.sensors().compactMap { s in
                s.latitude.flatMap { lat in s.longitude.map { (s.id, (lat, $0)) } }
            }, uniquingKeysWith: { a, _ in a })
            let features = events.compactMap { e -> String? in
                guard let (lat, lon) = places[e.sensor] else { return nil }
                return "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[\(lon),\(lat)]},"
                    + "\"properties\":\(e.json(review: nil))}"
            }
            return json("{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}",
                        type: "application/geo+json")
        }
        // Admin: who may come in (tokens and users), add and revoke them.
        api.get("admin/grants") { _, context -> Response in
            _ = try context.require(.admin)
            let (tokens, users) = try await store.grants()
            func list(_ entries: [GrantEntry]) -> String {
                entries.map { "{\"name\":\(JSONValue.quote($0.name)),\"role\":\"\($0.role.rawValue)\",\"created\":\"\(utcTimestamp(milliseconds: $0.createdMs))\"}" }
                    .joined(separator: ",")
            }
            return json("{\"tokens\":[\(list(tokens))],\"users\":[\(list(users))]}")
        }
        api.post("admin/tokens") { request, context -> Response in
            let caller = try context.require(.admin)
            let fields = try grantBody(try await request.body.collect(upTo: 4096), kind: "token", allowed: ["name", "role"])
            let token: String
            do { token = try await store.addToken(name: fields.name, role: fields.role, by: caller.name) } catch let taken as NameTaken {
                throw HTTPError(.conflict, message: taken.description)
            } catch let error as StoreError {
                throw HTTPError(.badRequest, message: error.description)
            }
            return json("{\"name\":\(JSONValue.quote(fields.name)),\"role\":\"\(fields.role.rawValue)\",\"token\":\"\(token)\"}",
                        status: .created)
        }
        api.post("admin/users") { request, context -> Response in
            let caller = try context.require(.admin)
            let fields = try grantBody(try await request.body.collect(upTo: 4096), kind: "user", allowed: ["name", "role", "password"])
            guard let password = fields.password else { throw HTTPError(.badRequest, message: "user: password, as text") }
            do { try await store.addUser(name: fields.name, password: password, role: fields.role, by: caller.name) } catch let taken as NameTaken {
                throw HTTPError(.conflict, message: taken.description)
            } catch let error as StoreError {
                throw HTTPError(.badRequest, message: "user: \(error.description)")
            }
            return json("{\"name\":\(JSONValue.quote(fields.name)),\"role\":\"\(fields.role.rawValue)\"}", status: .created)
        }
        for (path, isToken) in [("admin/tokens/:name", true), ("admin/users/:name", false)] {
            api.delete(RouterPath(path)) { _, context -> Response in
                let caller = try context.require(.admin)
                let name = try context.parameters.require("name")
                guard try await store.revoke(token: isToken, name: name, by: caller.name) else {
                    throw HTTPError(.notFound, message: "no \(isToken ? "token" : "user") named \(name)")
                }
                return json("{\"revoked\":\(JSONValue.quote(name))}")
            }
        }
        api.get("sensors") { _, _ -> Response in
            let sensors = try await store.sensors()
            return json("{\"sensors\":[\(sensors.map(\.json).joined(separator: ","))]}")
        }
        return router
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok, type: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    /// The query of `/api/events`: since, until (UTC times), class, sensor,
    /// bbox (min lon, min lat, max lon, max lat), limit (1…1000, 100), cursor.
    static func eventQuery(_ parameters: Parameters) throws -> EventQuery {
        let known: Set<String> = ["since", "until", "class", "sensor", "bbox", "limit", "cursor"]
        for (key, _) in parameters where !known.contains(String(key)) {
            throw HTTPError(.badRequest, message: "unknown parameter \(key) (known: \(known.sorted().joined(separator: ", ")))")
        }
        var q = EventQuery()
        func time(_ key: String) throws -> Int64? {
            guard let text = parameters.get(key) else { return nil }
            guard let ms = parseUTCTimestamp(text) else {
                throw HTTPError(.badRequest, message: "\(key): \(text) is not a UTC time like 2026-11-30T03:45:33Z")
            }
            return ms
        }
        q.sinceMs = try time("since")
        q.untilMs = try time("until")
        if let label = parameters.get("class") {
            guard let c = EventClass(rawValue: label) else {
                throw HTTPError(.badRequest, message: "class: \(label) is not one of \(EventClass.allCases.map(\.label).joined(separator: ", "))")
            }
            q.eventClass = c
        }
        if let sensor = parameters.get("sensor") {
            guard !sensor.isEmpty, sensor.utf8.count <= 200 else { throw HTTPError(.badRequest, message: "sensor: 1 to 200 bytes") }
            q.sensor = sensor
        }
        if let text = parameters.get("bbox") {
            let v = text.split(separator: ",", omittingEmptySubsequences: false).compactMap { Double($0) }
            guard v.count == 4, v.allSatisfy(\.isFinite), v[0] <= v[2], v[1] <= v[3], (-180...180).contains(v[0]),
                  (-180...180).contains(v[2]), (-90...90).contains(v[1]), (-90...90).contains(v[3]) else {
                throw HTTPError(.badRequest, message: "bbox: \(text) is not min_lon,min_lat,max_lon,max_lat in degrees")
            }
            q.bbox = (v[0], v[1], v[2], v[3])
        }
        if let text = parameters.get("limit") {
            guard let n = Int(text), (1...1000).contains(n) else { throw HTTPError(.badRequest, message: "limit: \(text) is not a whole number 1...1000") }
            q.limit = n
        }
        if let text = parameters.get("cursor") {
            guard let cursor = EventCursor(text) else { throw HTTPError(.badRequest, message: "cursor: \(text) is not a next_cursor this API gave") }
            q.after = cursor
        }
        return q
    }
}

extension PlatformAPI {
    static let sessionCookieName = "tympan_session"

    static func sessionCookie(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(sessionCookieName + "=") { return String(pair.dropFirst(sessionCookieName.count + 1)) }
        }
        return nil
    }

    /// A review's body: {"verdict": "confirmed" | "false_alarm" | "unclear", "note": text (optional, 2,000 bytes at most)}.
    static func reviewBody(_ text: String) throws -> (Verdict, String?) {
        let fields: MessageFields
        do { fields = try MessageFields(text, kind: "review", allowed: ["verdict", "note"]) } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        let verdicts = Verdict.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = fields.values["verdict"], case .string(let v) = value.kind, let verdict = Verdict(rawValue: v) else {
            throw HTTPError(.badRequest, message: "review: verdict must be one of \(verdicts)")
        }
        guard let noteValue = fields.values["note"] else { return (verdict, nil) }
        switch noteValue.kind {
        case .null: return (verdict, nil)
        case .string(let note) where note.utf8.count <= 2000: return (verdict, note)
        default: throw HTTPError(.badRequest, message: "review: note must be text of at most 2,000 bytes")
        }
    }

    /// The body of POST /api/admin/tokens or /users: {"name": text, "role": viewer|operator|admin, "password": text (users)}.
    static func grantBody(_ body: ByteBuffer, kind: String, allowed: Set<String>) throws -> (name: String, role: Role, password: String?) {
        let fields: MessageFields
        do { fields = try MessageFields(String(buffer: body), kind: kind, allowed: allowed) } catch {
            throw HTTPError(.badRequest, message: "\(error)")
        }
        guard case .string(let name)? = fields.values["name"]?.kind, !name.isEmpty, name.utf8.count <= 100 else {
            throw HTTPError(.badRequest, message: "\(kind): name, as text of 1 to 100 bytes")
        }
        guard case .string(let text)? = fields.values["role"]?.kind, let role = Role(rawValue: text) else {
            throw HTTPError(.badRequest, message: "\(kind): role, one of viewer, operator, admin")
        }
        var password: String?
        if let value = fields.values["password"] {
            guard case .string(let p) = value.kind else { throw HTTPError(.badRequest, message: "\(kind): password, as text") }
            password = p
        }
        return (name, role, password)
    }

    /// since/until of a statistics query (UTC times); the last `defaultDays` days by default.
    static func window(_ parameters: Parameters, defaultDays: Int) throws -> (Int64, Int64) {
        for (key, _) in parameters where key != "since" && key != "until" {
            throw HTTPError(.badRequest, message: "unknown parameter \(key) (known: since, until)")
        }
        func time(_ key: String) throws -> Int64? {
            guard let text = parameters.get(key) else { return nil }
            guard let ms = parseUTCTimestamp(text) else { throw HTTPError(.badRequest, message: "\(key): \(text) is not a UTC time like 2026-11-30T03:45:33Z") }
            return ms
        }
        let until = try time("until") ?? EventStore.nowMs()
        let since = try time("since") ?? until - Int64(defaultDays) * 86_400_000
        guard since <= until else { throw HTTPError(.badRequest, message: "since is after until") }
        return (since, until)
    }

    /// What the public may know (GET /api/public/summary, the transparency page):
    /// where the sensors are, what they detect, how many events per class per
    /// week (the last 12 weeks), the share of reviewed alerts that were false
    /// alarms, how long events are kept, and the whole of what a sensor sends.
    static func publicSummary(store: EventStore, retentionDays: Int) async throws -> String {
        let now = EventStore.nowMs()
        let sensors = try await store.sensors().map { s in
            "{\"id\":\(JSONValue.quote(s.id)),\"latitude\":\(s.latitude.map { "\($0)" } ?? "null"),"
                + "\"longitude\":\(s.longitude.map { "\($0)" } ?? "null"),\"status\":\(s.online.map { $0 ? "\"online\"" : "\"offline\"" } ?? "null")}"
        }
        // Weeks start on Monday (1970-01-01 was a Thursday: day 4 is a Monday).
        let day = now / 86_400_000
        let thisWeek = day - ((day - 4) % 7 + 7) % 7
        let start = (thisWeek - 7 * 11) * 86_400_000
        var weeks = [String: [String: Int]]()
        for row in try await store.countsPerDay(sinceMs: start, untilMs: now + 1) {
            guard let ms = parseUTCTimestamp(row.day + "T00:00:00Z") else { continue }
            let d = ms / 86_400_000
            let monday = d - ((d - 4) % 7 + 7) % 7
            weeks[String(utcTimestamp(milliseconds: monday * 86_400_000).prefix(10)), default: [:]][row.eventClass, default: 0] += row.count
        }
        let weekList = (0..<12).map { k -> String in
            let key = String(utcTimestamp(milliseconds: (thisWeek - 7 * Int64(11 - k)) * 86_400_000).prefix(10))
            let counts = EventClass.allCases.map { "\"\($0.label)\":\(weeks[key]?[$0.label] ?? 0)" }
            return "{\"week\":\"\(key)\",\"counts\":{\(counts.joined(separator: ","))}}"
        }
        let outcomes = try await store.reviewOutcomes(sinceMs: 0, untilMs: now + 1)
        let reviewed = Verdict.allCases.reduce(0) { $0 + (outcomes[$1.rawValue] ?? 0) }
        let falseAlarms = outcomes[Verdict.falseAlarm.rawValue] ?? 0
        let share = reviewed > 0 ? "\(Double(falseAlarms) / Double(reviewed))" : "null"
        let classes = EventClass.allCases.map { "{\"class\":\"\($0.label)\",\"class_id\":\($0.id)}" }
        let example = #"{"id":"pole-17-1733190003-1","sensor":"pole-17","time":"2026-11-30T12:00:03.805Z","onset":3.805,"offset":5.005,"class":"aerosol_spray","class_id":7,"confidence":0.759,"level_db":-20.7}"#
        return "{\"sensors\":[\(sensors.joined(separator: ","))],\"classes\":[\(classes.joined(separator: ","))],"
            + "\"weeks\":[\(weekList.joined(separator: ","))],"
            + "\"reviews\":{\"reviewed\":\(reviewed),\"false_alarms\":\(falseAlarms),\"false_alarm_share\":\(share)},"
            + "\"retention_days\":\(retentionDays),\"record_fields\":[\(StoredEvent.keys.sorted().map { "\"\($0)\"" }.joined(separator: ","))],"
            + "\"record_example\":\(example),"
            + "\"sound\":\"none: a sensor sends event records, health reports and its status; no field can hold sound, and the platform refuses any record with a field not listed here\"}"
    }
}

/// New events as they are stored, to every open `GET /api/stream`.
public final class LiveEvents: Sendable {
    private let subscribers = NIOLockedValueBox([UUID: AsyncStream<String>.Continuation]())

    public init() {}

    public func publish(_ event: StoredEvent) {
        let line = "event: event\ndata: \(event.json(review: nil))\n\n"
        for c in subscribers.withLockedValue({ Array($0.values) }) { c.yield(line) }
    }

    /// One subscriber's Server-Sent Events lines: the records, and a comment
    /// every `keepAlive` (a slow reader keeps the newest 1,000).
    struct Subscription: Sendable {
        let lines: AsyncStream<String>
        let continuation: AsyncStream<String>.Continuation
        func finish() { continuation.finish() }
    }

    func subscribe(keepAlive: Duration = .seconds(15)) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1000))
        let key = UUID()
        subscribers.withLockedValue { $0[key] = continuation }
        let ticks = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: keepAlive)
                continuation.yield(": keep-alive\n\n")
            }
        }
        continuation.onTermination = { [weak self] _ in
            ticks.cancel()
            _ = self?.subscribers.withLockedValue { $0.removeValue(forKey: key) }
        }
        return Subscription(lines: stream, continuation: continuation)
    }

    var count: Int { subscribers.withLockedValue { $0.count } }
}

extension PlatformContext {
    /// The caller, if their role is at least `role`; 403 otherwise.
    func require(_ role: Role) throws -> (name: String, role: Role) {
        guard let caller, caller.role >= role else {
            throw HTTPError(.forbidden, message: "this needs the \(role.rawValue) role")
        }
        return caller
    }
}

/// Lets a request through with a bearer token the store issued; 401 otherwise.
struct Authentication: RouterMiddleware {
    typealias Context = PlatformContext
    let store: EventStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let caller: (name: String, role: Role)
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            guard let known = try await store.role(forToken: String(header.dropFirst(7))) else {
                throw HTTPError(.unauthorized, message: "unknown token")
            }
            caller = known
        } else if let session = PlatformAPI.sessionCookie(request) {
            guard let known = try await store.user(forSession: session) else {
                throw HTTPError(.unauthorized, message: "the session has ended: log in again")
            }
            caller = known
        } else {
            throw HTTPError(.unauthorized, message: "log in, or send a bearer token (tympan-platform token add)")
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}

extension StoredEvent {
    /// The record as the sensor sent it (`EventRecord.json`'s keys), plus when it
    /// was received and, with one, its review.
    public func json(review: Review?) -> String {
        var fields = [
            "\"id\":\(JSONValue.quote(id))", "\"sensor\":\(JSONValue.quote(sensor))",
            "\"time\":\"\(utcTimestamp(milliseconds: timeMs))\"", "\"onset\":\(onset)", "\"offset\":\(offset)",
            "\"class\":\"\(eventClass.label)\"", "\"class_id\":\(eventClass.id)", "\"confidence\":\(confidence)",
            "\"level_db\":\(levelDB)",
        ]
        if let explanation { fields.append("\"explanation\":\(explanation)") }
        fields.append("\"received\":\"\(utcTimestamp(milliseconds: receivedMs))\"")
        if let review {
            fields.append("\"review\":{\"verdict\":\"\(review.verdict.rawValue)\",\"note\":\(review.note.map(JSONValue.quote) ?? "null"),"
                          + "\"reviewer\":\(JSONValue.quote(review.reviewer)),\"at\":\"\(utcTimestamp(milliseconds: review.atMs))\"}")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

extension SensorState {
    public var json: String {
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "null" }
        let status = online.map { $0 ? "\"online\"" : "\"offline\"" } ?? "null"
        return "{\"id\":\(JSONValue.quote(id)),\"latitude\":\(number(latitude)),\"longitude\":\(number(longitude)),"
            + "\"status\":\(status),\"health\":\(healthJSON ?? "null")}"
    }
}
