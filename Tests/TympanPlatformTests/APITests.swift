import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Tympan
@testable import TympanPlatform

@Suite struct APITests {
    /// A store with events of two sensors, one of them placed, and a viewer's token.
    func fixture() throws -> (store: EventStore, path: String, token: String) {
        let path = temporaryDatabase()
        let store = try EventStore(path: path)
        for i in 0..<25 {
            try store.store(.event(storedEvent("e\(i)", sensor: i % 2 == 0 ? "north" : "south", timeMs: 1_796_000_000_000 + Int64(i) * 1000,
                                               eventClass: i % 5 == 0 ? .gunshot : .scream)))
        }
        try store.place(sensor: "north", latitude: 52.5, longitude: 13.4)
        return (store, path, try store.addToken(name: "viewer", role: .viewer))
    }

    func get(_ app: some ApplicationProtocol, _ uri: String, token: String?) async throws -> (HTTPResponse.Status, String) {
        try await app.test(.router) { client in
            let headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
            let response = try await client.execute(uri: uri, method: .get, headers: headers)
            return (response.status, String(buffer: response.body))
        }
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("/healthz answers without a token; /api/ answers 401 without a token or with an unknown one")
    func authentication() async throws {
        let (store, path, token) = try fixture()
        defer { remove(path) }
        let app = Application(router: PlatformAPI.router(store: store))
        #expect(try await get(app, "/healthz", token: nil).0 == .ok)
        for uri in ["/api/events", "/api/events.geojson", "/api/sensors"] {
            #expect(try await get(app, uri, token: nil).0 == .unauthorized)
            #expect(try await get(app, uri, token: "tp_" + String(repeating: "0", count: 64)).0 == .unauthorized)
            #expect(try await get(app, uri, token: token).0 == .ok)
        }
    }

    @Test("/api/events pages with next_cursor through every event, and filters by class")
    func events() async throws {
        let (store, path, token) = try fixture()
        defer { remove(path) }
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

    @Test("A bad query parameter is a 400 that names it", arguments: [
        ("class=dog", "class"), ("limit=0", "limit"), ("limit=ten", "limit"), ("since=yesterday", "since"),
        ("bbox=1,2,3", "bbox"), ("bbox=13,52,12,53", "bbox"), ("cursor=abc", "cursor"), ("colour=red", "colour"),
    ])
    func badParameters(query: String, named: String) async throws {
        let (store, path, token) = try fixture()
        defer { remove(path) }
        let (status, body) = try await get(Application(router: PlatformAPI.router(store: store)), "/api/events?\(query)", token: token)
        #expect(status == .badRequest)
        #expect(body.contains(named))
    }

    @Test("A parameter that looks like SQL is a value, not SQL")
    func injection() async throws {
        let (store, path, token) = try fixture()
        defer { remove(path) }
        let app = Application(router: PlatformAPI.router(store: store))
        let attack = "north'%20OR%20'1'='1"
        let (status, body) = try await get(app, "/api/events?sensor=\(attack)", token: token)
        #expect(status == .ok)
        #expect(try json(body)["events"] as? [Any] != nil)
        #expect((try json(body)["events"] as? [Any])?.isEmpty == true)
        #expect(try store.eventCount() == 25)
    }

    @Test("/api/events.geojson has a Point at the sensor's position for each event of a placed sensor")
    func geojson() async throws {
        let (store, path, token) = try fixture()
        defer { remove(path) }
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
