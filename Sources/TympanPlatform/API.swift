import Foundation
import Hummingbird
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
    public static func router(store: EventStore, ingest: Ingest? = nil) -> Router<PlatformContext> {
        let router = Router(context: PlatformContext.self)
        router.get("/healthz") { _, _ -> Response in
            let broker = ingest.map { $0.isConnected ? "\"connected\"" : "\"disconnected\"" } ?? "null"
            return json("{\"status\":\"ok\",\"broker\":\(broker)}")
        }
        let api = router.group("api").add(middleware: Authentication(store: store))
        api.get("events") { request, _ -> Response in
            let query = try eventQuery(request.uri.queryParameters)
            let events = try store.events(query)
            let next = events.count == query.limit ? events.last.map { "\"\(EventCursor(timeMs: $0.timeMs, id: $0.id).text)\"" } : nil
            return json("{\"events\":[\(events.map(\.json).joined(separator: ","))],\"next_cursor\":\(next ?? "null")}")
        }
        api.get("events.geojson") { request, _ -> Response in
            let query = try eventQuery(request.uri.queryParameters)
            let events = try store.events(query)
            let places = Dictionary(try store.sensors().compactMap { s in
                s.latitude.flatMap { lat in s.longitude.map { (s.id, (lat, $0)) } }
            }, uniquingKeysWith: { a, _ in a })
            let features = events.compactMap { e -> String? in
                guard let (lat, lon) = places[e.sensor] else { return nil }
                return "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[\(lon),\(lat)]},"
                    + "\"properties\":\(e.json)}"
            }
            return json("{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}",
                        type: "application/geo+json")
        }
        api.get("sensors") { _, _ -> Response in
            json("{\"sensors\":[\(try store.sensors().map(\.json).joined(separator: ","))]}")
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

/// Lets a request through with a bearer token the store issued; 401 otherwise.
struct Authentication: RouterMiddleware {
    typealias Context = PlatformContext
    let store: EventStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(.unauthorized, message: "a bearer token is needed (tympan-platform token add)")
        }
        guard let caller = try store.role(forToken: String(header.dropFirst(7))) else {
            throw HTTPError(.unauthorized, message: "unknown token")
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}

extension StoredEvent {
    /// The record as the sensor sent it (`EventRecord.json`'s keys), plus when it was received.
    public var json: String {
        var fields = [
            "\"id\":\(JSONValue.quote(id))", "\"sensor\":\(JSONValue.quote(sensor))",
            "\"time\":\"\(utcTimestamp(milliseconds: timeMs))\"", "\"onset\":\(onset)", "\"offset\":\(offset)",
            "\"class\":\"\(eventClass.label)\"", "\"class_id\":\(eventClass.id)", "\"confidence\":\(confidence)",
            "\"level_db\":\(levelDB)",
        ]
        if let explanation { fields.append("\"explanation\":\(explanation)") }
        fields.append("\"received\":\"\(utcTimestamp(milliseconds: receivedMs))\"")
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
