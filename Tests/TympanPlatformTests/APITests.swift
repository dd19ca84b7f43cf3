import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Tympan
@testable import TympanPlatform

@Suite struct APITests {
    /// Puts events of two sensors in `store`, one of them placed; returns a viewer's token.
    func populate(_ store: EventStore) async throws -> String {
        for i in 0..<25 {
            try await store.store(.event(storedEvent("e\(i)", sensor: i % 2 == 0 ? "north" : "south", timeMs: 1_796_000_000_000 + Int64(i) * 1000,
                                               eventClass: i % 5 == 0 ? .gunshot : .scream)))
        }
        try await store.place(sensor: "north", latitude: 52.5, longitude: 13.4)
        return try await store.addToken(name: "viewer", role: .viewer)
    }

    func get(_ app: some ApplicationProtocol, _ uri: String, token: String?) async throws -> (HTTPResponse.Status, String) {
        try await send(app, .get, uri, token: token)
    }

    func send(_ app: some ApplicationProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
              body: String? = nil) async throws -> (HTTPResponse.Status, String) {
        try await app.test(.router) { client in
            let headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
            let response = try await client.execute(uri: uri, method: method, headers: headers,
                                                    body: body.map { ByteBuffer(string: $0) })
            return (response.status, String(buffer: response.body))
        }
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("/healthz answers without a token; /api/ answers 401 without a token or with an unknown one", arguments: TestDatabase.available)
    func authentication(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let token = try await populate(store)
            let app = Application(router: PlatformAPI.router(store: store))
            #expect(try await get(app, "/healthz", token: nil).0 == .ok)
            for uri in ["/api/events", "/api/events.geojson", "/api/sensors"] {
                #expect(try await get(app, uri, token: nil).0 == .unauthorized)
                #expect(try await get(app, uri, token: "tp_" + String(repeating: "0", count: 64)).0 == .unauthorized)
                #expect(try await get(app, uri, token: token).0 == .ok)
            }
        }
    }

    @Test("/api/events pages with next_cursor through every event, and filters by class", arguments: TestDatabase.available)
    func events(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let token = try await populate(store)
            let app = Application(router: PlatformAPI.router(store: store))
            var ids = [String](), uri = "/api/events?limit=10"
            while true {
                let (status, body) = try await get(app, uri, token: token)
                #expect(status == .ok)
                let page = try json(body)
                ids += try #require(page["events"] as? [[String: Any]]).map { $0["id"] as? String ?? "" }
                guard let next = page["next_cursor"] as? String else { break }
                uri = "/api/events?limit=10&cursor=\(next)"
            }
            #expect(ids == (0..<25).reversed().map { "e\($0)" })
            let (_, body) = try await get(app, "/api/events?class=gunshot&since=2026-11-30T00:53:30Z", token: token)
            let gunshots = try #require(try json(body)["events"] as? [[String: Any]])
            #expect(gunshots.map { $0["id"] as? String } == ["e20", "e15", "e10"])
            #expect(gunshots.first?["time"] as? String == "2026-11-30T00:53:40.000Z")
        }
    }

    @Test("A bad query parameter is a 400 that names it", arguments: TestDatabase.available, [
        ("class=dog", "class"), ("limit=0", "limit"), ("limit=ten", "limit"), ("since=yesterday", "since"),
        ("bbox=1,2,3", "bbox"), ("bbox=13,52,12,53", "bbox"), ("cursor=abc", "cursor"), ("colour=red", "colour"),
    ])
    func badParameters(_ kind: TestDatabase, _ bad: (query: String, named: String)) async throws {
        let (query, named) = bad
        try await kind.withStore { store, _ in
            let token = try await populate(store)
            let (status, body) = try await get(Application(router: PlatformAPI.router(store: store)), "/api/events?\(query)", token: token)
            #expect(status == .badRequest)
            #expect(body.contains(named))
        }
    }

    @Test("A parameter that looks like SQL is a value, not SQL", arguments: TestDatabase.available)
    func injection(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let token = try await populate(store)
            let app = Application(router: PlatformAPI.router(store: store))
            let attack = "north'%20OR%20'1'='1"
            let (status, body) = try await get(app, "/api/events?sensor=\(attack)", token: token)
            #expect(status == .ok)
            #expect(try json(body)["events"] as? [Any] != nil)
            #expect((try json(body)["events"] as? [Any])?.isEmpty == true)
            #expect(try await store.eventCount() == 25)
        }
    }

    @Test("/api/events.geojson has a Point at the sensor's position for each event of a placed sensor", arguments: TestDatabase.available)
    func geojson(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let token = try await populate(store)
            let (status, body) = try await get(Application(router: PlatformAPI.router(store: store)), "/api/events.geojson?limit=1000", token: token)
            #expect(status == .ok)
            let collection = try json(body)
            #expect(collection["type"] as? String == "FeatureCollection")
            let features = try #require(collection["features"] as? [[String: Any]])
            #expect(features.count == 13)  // north's events: the even ones
            let geometry = try #require(features.first?["geometry"] as? [String: Any])
            #expect(geometry["coordinates"] as? [Double] == [13.4, 52.5])
            #expect((features.first?["properties"] as? [String: Any])?["sensor"] as? String == "north")
        }
    }

    @Test("An operator reviews an event; a viewer cannot (403); the review shows in the record and the statistics", arguments: TestDatabase.available)
    func reviews(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let viewer = try await populate(store)
            let operatorToken = try await store.addToken(name: "desk-1", role: .operator)
            let app = Application(router: PlatformAPI.router(store: store))
            let body = #"{"verdict":"false_alarm","note":"a door"}"#
            #expect(try await send(app, .post, "/api/events/e24/review", token: viewer, body: body).0 == .forbidden)
            #expect(try await send(app, .post, "/api/events/e24/review", token: nil, body: body).0 == .unauthorized)
            #expect(try await send(app, .post, "/api/events/e24/review", token: operatorToken, body: body).0 == .ok)
            #expect(try await send(app, .post, "/api/events/nope/review", token: operatorToken, body: body).0 == .notFound)
            for bad in [#"{"verdict":"maybe"}"#, #"{"verdict":"confirmed","score":1}"#, "verdict=confirmed",
                        #"{"verdict":"confirmed","note":7}"#] {
                let (status, text) = try await send(app, .post, "/api/events/e23/review", token: operatorToken, body: bad)
                #expect(status == .badRequest, "\(bad): \(text)")
            }
            let (_, events) = try await get(app, "/api/events?limit=1", token: viewer)
            let review = try #require((try json(events)["events"] as? [[String: Any]])?.first?["review"] as? [String: Any])
            #expect(review["verdict"] as? String == "false_alarm" && review["note"] as? String == "a door" && review["reviewer"] as? String == "desk-1")
            let (_, stats) = try await get(app, "/api/stats?since=2026-11-30T00:00:00Z&until=2026-12-01T00:00:00Z", token: viewer)
            let summary = try json(stats)
            #expect(summary["reviews"] as? [String: Int] == ["confirmed": 0, "false_alarm": 1, "unclear": 0, "unreviewed": 24])
            let perDay = try #require(summary["per_day"] as? [[String: Any]])
            #expect(perDay.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 25)
            #expect(Set(perDay.compactMap { $0["day"] as? String }) == ["2026-11-30"])
            #expect(try await get(app, "/api/stats?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", token: viewer).0 == .badRequest)
        }
    }

    @Test("The public summary needs no token and says where the sensors are, what they send, and no more", arguments: TestDatabase.available)
    func publicSummary(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            _ = try await populate(store)
            let app = Application(router: PlatformAPI.router(store: store, retentionDays: 30))
            let (status, body) = try await get(app, "/api/public/summary", token: nil)
            #expect(status == .ok)
            let summary = try json(body)
            #expect((summary["sensors"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["north", "south"])
            #expect((summary["weeks"] as? [Any])?.count == 12)
            #expect(summary["retention_days"] as? Int == 30)
            #expect(Set(summary["record_fields"] as? [String] ?? []) == StoredEvent.keys)
            #expect((summary["classes"] as? [Any])?.count == EventClass.allCases.count)
            // The example record is one the platform would accept.
            let example = try JSONSerialization.data(withJSONObject: try #require(summary["record_example"]))
            let record = String(decoding: example, as: UTF8.self)
            #expect(throws: Never.self) { try SensorMessage.parse(topic: "tympan/pole-17/events", payload: Array(record.utf8), receivedMs: 0) }
        }
    }

    @Test("GET /api/stream sends each new event as a Server-Sent Event", arguments: TestDatabase.available)
    func stream(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let token = try await populate(store)
            let live = LiveEvents()
            let app = Application(router: PlatformAPI.router(store: store, live: live),
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                // A blocking reader on a thread of its own (not one of the few that run the server's tasks).
                let received = try await withCheckedThrowingContinuation { (done: CheckedContinuation<String, any Error>) in
                    Thread.detachNewThread {
                        done.resume(with: Result {
                            try readSSE(port: port, token: token, until: "\"id\":\"live-1\"") {
                                // Once the stream is open: an event arrives.
                                for _ in 0..<500 where live.count == 0 { usleep(10_000) }
                                live.publish(storedEvent("live-1", timeMs: 5))
                            }
                        })
                    }
                }
                #expect(received.contains("event: event\ndata: {\"id\":\"live-1\""))
            }
        }
    }

    @Test("An operator logs in with a password: the session cookie lets them in, a wrong password and a logout do not", arguments: TestDatabase.available)
    func login(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            _ = try await populate(store)
            try await store.addUser(name: "ana", password: "correct horse battery", role: .operator, cost: 4)
            await #expect(throws: StoreError.self) { try await store.addUser(name: "bo", password: "short", role: .viewer, cost: 4) }
            let app = Application(router: PlatformAPI.router(store: store))
            try await app.test(.router) { client in
                let wrong = try await client.execute(uri: "/api/login", method: .post,
                                                     body: ByteBuffer(string: #"{"user":"ana","password":"wrong horse battery"}"#))
                #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
                let right = try await client.execute(uri: "/api/login", method: .post,
                                                     body: ByteBuffer(string: #"{"user":"ana","password":"correct horse battery"}"#))
                #expect(right.status == .ok)
                let cookie = try #require(right.headers[.setCookie]?.split(separator: ";").first.map(String.init))
                #expect(cookie.hasPrefix("tympan_session=ts_") && right.headers[.setCookie]?.contains("HttpOnly") == true)
                let me = try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: cookie])
                #expect(String(buffer: me.body).contains(#""role":"operator""#))
                let review = try await client.execute(uri: "/api/events/e1/review", method: .post, headers: [.cookie: cookie],
                                                      body: ByteBuffer(string: #"{"verdict":"confirmed"}"#))
                #expect(review.status == .ok)
                _ = try await client.execute(uri: "/api/logout", method: .post, headers: [.cookie: cookie])
                #expect(try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: cookie]).status == .unauthorized)
                #expect(try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: "tympan_session=ts_forged"]).status == .unauthorized)
            }
            let log = try await store.auditLog()
            #expect(log.contains { $0.action == "login" && $0.who == "ana" && $0.detail == "refused" })
            #expect(log.contains { $0.action == "login" && $0.who == "ana" && $0.detail.hasPrefix("session") })
            #expect(log.contains { $0.action == "review" && $0.who == "ana" })
            // Only a salted bcrypt hash of the password is kept.
            if let path = scratch.sqlitePath {
                let stored = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
                #expect(stored.range(of: Data("correct horse battery".utf8)) == nil)
                #expect(stored.range(of: Data("$2b$04$".utf8)) != nil)
            }
            let kept = try await store.database.read { db in
                try await db.query("SELECT password_hash FROM users UNION ALL SELECT detail FROM audit").map { "\($0.values)" }
            }
            #expect(kept.contains { $0.contains("$2b$04$") } && !kept.contains { $0.contains("correct horse battery") })
        }
    }

    @Test("The pages and Leaflet are served from the platform; only Leaflet's own files leave its folder", arguments: [TestDatabase.sqlite])
    func pages(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            _ = try await populate(store)
            let folder = scratch.folder.path
            try "/* leaflet */".write(toFile: folder + "/leaflet.js", atomically: true, encoding: .utf8)
            try "secret".write(toFile: folder + "/secret.txt", atomically: true, encoding: .utf8)
            var web = WebSettings()
            web.leafletFolder = folder
            web.tileURL = "https://tiles.example/{z}/{x}/{y}.png?a=\"<b>"
            let app = Application(router: PlatformAPI.router(store: store, web: web))
            let (status, html) = try await get(app, "/", token: nil)
            #expect(status == .ok && html.contains("<div id=\"map\">"))
            #expect(html.contains("data-tiles=\"https://tiles.example/{z}/{x}/{y}.png?a=&quot;&lt;b&gt;\""))
            #expect(try await get(app, "/public", token: nil).1.contains("The sensors record no sound."))
            #expect(try await get(app, "/static/leaflet/leaflet.js", token: nil) == (.ok, "/* leaflet */"))
            for uri in ["/static/leaflet/secret.txt", "/static/leaflet/..%2Fsecret.txt", "/static/leaflet/../secret.txt"] {
                #expect(try await get(app, uri, token: nil).0 == .notFound, "\(uri)")
            }
            #expect(try await get(app, "/static/map.js", token: nil).1.contains("EventSource(\"/api/stream\")"))
        }
    }

    @Test("An admin lists, adds and revokes tokens and users; a token is shown once; an operator may not (403)",
          arguments: TestDatabase.available)
    func admin(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let viewer = try await populate(store)
            let admin = try await store.addToken(name: "root", role: .admin)
            let op = try await store.addToken(name: "desk", role: .operator)
            let app = Application(router: PlatformAPI.router(store: store))
            #expect(try await get(app, "/api/admin/grants", token: op).0 == .forbidden)
            #expect(try await send(app, .post, "/api/admin/tokens", token: op, body: #"{"name":"x","role":"admin"}"#).0 == .forbidden)
            #expect(try await send(app, .delete, "/api/admin/tokens/viewer", token: op).0 == .forbidden)
            let (made, body) = try await send(app, .post, "/api/admin/tokens", token: admin, body: #"{"name":"wall","role":"viewer"}"#)
            #expect(made == .created)
            let wall = try #require(try json(body)["token"] as? String)
            #expect(try await get(app, "/api/events", token: wall).0 == .ok)
            #expect(try await send(app, .post, "/api/admin/tokens", token: admin, body: #"{"name":"wall","role":"viewer"}"#).0 == .conflict)
            #expect(try await send(app, .post, "/api/admin/tokens", token: admin, body: #"{"name":"w2","role":"king"}"#).0 == .badRequest)
            #expect(try await send(app, .post, "/api/admin/users", token: admin,
                                   body: #"{"name":"ana","role":"operator","password":"short"}"#).0 == .badRequest)
            #expect(try await send(app, .post, "/api/admin/users", token: admin,
                                   body: #"{"name":"ana","role":"operator","password":"correct horse battery"}"#).0 == .created)
            let (_, listed) = try await get(app, "/api/admin/grants", token: admin)
            #expect(listed.contains(#""name":"wall","role":"viewer""#) && listed.contains(#""name":"ana","role":"operator""#))
            #expect(!listed.contains(wall) && !listed.contains("correct horse"))
            // Revoked: the token no longer opens anything; a second revoke finds nothing.
            #expect(try await send(app, .delete, "/api/admin/tokens/wall", token: admin).0 == .ok)
            #expect(try await get(app, "/api/events", token: wall).0 == .unauthorized)
            #expect(try await send(app, .delete, "/api/admin/tokens/wall", token: admin).0 == .notFound)
            #expect(try await send(app, .delete, "/api/admin/users/ana", token: admin).0 == .ok)
            #expect(try await store.login(name: "ana", password: "correct horse battery") == nil)
            #expect(try await get(app, "/api/events", token: viewer).0 == .ok)
            let log = try await store.auditLog()
            #expect(log.contains { $0.who == "root" && $0.action == "token" && $0.detail == "added wall (viewer)" })
            #expect(log.contains { $0.who == "root" && $0.action == "token" && $0.detail == "revoked wall" })
            #expect(log.contains { $0.who == "root" && $0.action == "user" && $0.detail == "revoked ana" })
        }
    }

    @Test("/openapi.yaml serves the committed document, and it names every route the router has", arguments: [TestDatabase.sqlite])
    func openAPI(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            _ = try await populate(store)
            let committed = try String(contentsOfFile: URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Sources/TympanPlatform/openapi.yaml").path, encoding: .utf8)
            let (status, served) = try await get(Application(router: PlatformAPI.router(store: store)), "/openapi.yaml", token: nil)
            #expect(status == .ok && served == committed)
            for route in ["/healthz", "/api/public/summary", "/api/login", "/api/logout", "/api/me", "/api/events",
                          "/api/events.geojson", "/api/events/{id}/review", "/api/stats", "/api/sensors", "/api/stream",
                          "/api/admin/grants", "/api/admin/tokens", "/api/admin/tokens/{name}", "/api/admin/users",
                          "/api/admin/users/{name}"] {
                #expect(committed.contains("\n  \(route):\n"), "\(route)")
            }
        }
    }
}

/// Opens GET /api/stream on 127.0.0.1:port, calls `opened` once the headers are
/// in, and reads until `marker` appears (10 s at most); returns what it read.
func readSSE(port: Int, token: String, until marker: String, opened: () -> Void) throws -> String {
    guard let fd = MQTTTest.connectLoopback(port) else { throw StoreError("cannot connect to \(port)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let request = "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var text = "", didOpen = false
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !text.contains(marker) {
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { break }
        text += String(decoding: buffer[0..<n], as: UTF8.self)
        if !didOpen && text.contains("\r\n\r\n") {
            didOpen = true
            opened()
        }
    }
    return text
}
