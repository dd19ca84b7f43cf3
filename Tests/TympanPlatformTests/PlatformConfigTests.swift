import Foundation
import Testing
@testable import TympanPlatform

@Suite struct PlatformConfigTests {
    @Test("A config file gives every setting and the sensors' positions")
    func full() throws {
        let config = try PlatformConfig.parse("""
            {"broker": "mqtt://10.0.0.2:1883", "database": "postgres://tympan@db/city", "http": "0.0.0.0:8080",
             "client_id": "platform-a", "share_group": "city", "retention_days": 30, "tiles": "https://t/{z}/{x}/{y}.png",
             "tile_attribution": "tiles: city", "leaflet": "/opt/leaflet",
             "sensors": [{"id": "pole-1", "latitude": 52.52, "longitude": 13.405}, {"id": "pole-2", "latitude": -33.9, "longitude": 151.2}]}
            """, source: "city.json")
        #expect(config.broker == "mqtt://10.0.0.2:1883" && config.database == "postgres://tympan@db/city")
        #expect(config.http == "0.0.0.0:8080" && config.clientID == "platform-a" && config.shareGroup == "city")
        #expect(config.retentionDays == 30 && config.tiles == "https://t/{z}/{x}/{y}.png" && config.leaflet == "/opt/leaflet")
        #expect(config.tileAttribution == "tiles: city")
        #expect(config.sensors == [SensorPlace(id: "pole-1", latitude: 52.52, longitude: 13.405),
                                   SensorPlace(id: "pole-2", latitude: -33.9, longitude: 151.2)])
        #expect(try PlatformConfig.parse("{}", source: "empty.json") == PlatformConfig())
    }

    @Test("A bad config is an error that names the file and what is wrong", arguments: [
        (#"{"brokr": "mqtt://x"}"#, "unknown field brokr"),
        (#"{"retention_days": 0}"#, "retention_days must be a number in 1.0...36500.0"),
        (#"{"retention_days": 2.5}"#, "retention_days must be a whole number"),
        (#"{"http": 8080}"#, "http must be a string"),
        (#"{"sensors": {"id": "a"}}"#, "sensors must be an array"),
        (#"{"sensors": [{"id": "a", "latitude": 91, "longitude": 0}]}"#, "latitude must be a number in -90.0...90.0"),
        (#"{"sensors": [{"id": "a", "latitude": 1, "longitude": 2}, {"id": "a", "latitude": 1, "longitude": 2}]}"#, "sensor a twice"),
        (#"{"sensors": [{"id": "a", "latitude": 1}]}"#, "no longitude"),
        ("[1, 2", "not JSON"),
    ])
    func bad(text: String, says: String) throws {
        let error = try #require(throws: MessageError.self) { try PlatformConfig.parse(text, source: "city.json") }
        #expect(error.description.hasPrefix("config city.json") && error.description.contains(says), "\(error.description)")
    }

    @Test("A sensors file is an array of positions; a missing or oversized file is an error")
    func sensorsFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tympan-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("sensors.json")
        try #"[{"id": "pole-9", "latitude": 48.1, "longitude": 11.6}]"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(try SensorPlace.read(path: file.path) == [SensorPlace(id: "pole-9", latitude: 48.1, longitude: 11.6)])
        #expect(throws: MessageError.self) { try SensorPlace.read(path: folder.appendingPathComponent("none.json").path) }
        let big = folder.appendingPathComponent("big.json")
        try Data(repeating: 0x20, count: (1 << 20) + 10).write(to: big)
        let error = try #require(throws: MessageError.self) { try SensorPlace.read(path: big.path) }
        #expect(error.description.contains("larger than 1 MiB"))
    }
}
