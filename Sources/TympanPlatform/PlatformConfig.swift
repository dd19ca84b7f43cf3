import Foundation
import Tympan

/// `serve`'s settings from a file (`--config FILE`, a JSON object): the
/// options' names with underscores (`broker`, `database`, `http`,
/// `client_id`, `share_group`, `retention_days`, `tiles`,
/// `tile_attribution`, `leaflet`) and `sensors`, the known positions. An
/// option on the command line wins over the file; a name the file should not
/// have is an error that names it.
public struct PlatformConfig: Sendable, Equatable {
    public var broker: String?
    public var database: String?
    public var http: String?
    public var clientID: String?
    public var shareGroup: String?
    public var retentionDays: Int?
    public var tiles: String?
    public var tileAttribution: String?
    public var leaflet: String?
    public var sensors: [SensorPlace] = []

    public init() {}

    /// Reads a config file (at most 1 MiB).
    public static func read(path: String) throws -> PlatformConfig {
        try parse(readSmallFile(path), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> PlatformConfig {
        let kind = "config \(source)"
        let strings = ["broker", "database", "http", "client_id", "share_group", "tiles", "tile_attribution", "leaflet"]
        let fields = try MessageFields(text, kind: kind, allowed: Set(strings + ["retention_days", "sensors"]))
        var config = PlatformConfig()
        var text = [String: String]()
        for key in strings where fields.values[key] != nil { text[key] = try fields.string(key, limit: 2000) }
        (config.broker, config.database, config.http) = (text["broker"], text["database"], text["http"])
        (config.clientID, config.shareGroup, config.tiles) = (text["client_id"], text["share_group"], text["tiles"])
        (config.tileAttribution, config.leaflet) = (text["tile_attribution"], text["leaflet"])
        if let days = try fields.optionalNumber("retention_days", in: 1...36_500) {
            guard days == days.rounded() else { throw MessageError("\(kind): retention_days must be a whole number") }
            config.retentionDays = Int(days)
        }
        if let list = fields.values["sensors"] { config.sensors = try SensorPlace.list(list, kind: kind) }
        return config
    }
}

/// A sensor's position as a file gives it (health reports with a position replace it later).
public struct SensorPlace: Sendable, Equatable {
    public var id: String
    public var latitude: Double
    public var longitude: Double

    public init(id: String, latitude: Double, longitude: Double) {
        self.id = id
        self.latitude = latitude
        self.longitude = longitude
    }

    /// A sensors file (`--sensors FILE`): a JSON array of {"id", "latitude", "longitude"}.
    public static func read(path: String) throws -> [SensorPlace] {
        let kind = "sensors \(path)"
        let root: JSONValue
        do { root = try JSONParser.parse(try readSmallFile(path)) } catch let error as JSONSyntaxError {
            throw MessageError("\(kind): not JSON (line \(error.line): \(error.message))")
        }
        return try list(root, kind: kind)
    }

    static func list(_ value: JSONValue, kind: String) throws -> [SensorPlace] {
        guard case .array(let items) = value.kind, items.count <= 100_000 else {
            throw MessageError("\(kind): sensors must be an array of at most 100,000 {\"id\", \"latitude\", \"longitude\"}")
        }
        var seen = Set<String>()
        return try items.map { item in
            let f = try MessageFields(item, kind: "\(kind), line \(item.line)", allowed: ["id", "latitude", "longitude"])
            let place = SensorPlace(id: try f.string("id", limit: 200), latitude: try f.number("latitude", in: -90...90),
                                    longitude: try f.number("longitude", in: -180...180))
            guard seen.insert(place.id).inserted else { throw MessageError("\(kind), line \(item.line): sensor \(place.id) twice") }
            return place
        }
    }
}

/// A settings file's text: UTF-8, at most 1 MiB.
func readSmallFile(_ path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw MessageError("\(path): cannot open it") }
    defer { try? handle.close() }
    let data = try handle.read(upToCount: 1 << 20 + 1) ?? Data()
    guard data.count <= 1 << 20 else { throw MessageError("\(path): larger than 1 MiB") }
    guard let text = String(data: data, encoding: .utf8) else { throw MessageError("\(path): not UTF-8 text") }
    return text
}
