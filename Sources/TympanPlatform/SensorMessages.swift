import Tympan
import TympanIO

/// What arrives on a sensor's topics, read strictly: a message that does not
/// parse, lacks a field, has one the sensor never sends, a value out of range,
/// or a sensor id that is not its topic's, is refused whole (the ingest logs
/// and counts it; nothing of it is stored).
public enum SensorMessage: Sendable, Equatable {
    case event(StoredEvent)
    case health(HealthReport)
    case status(sensor: String, online: Bool)

    /// The largest payload read (a sensor's record with its explanation is
    /// about 2 KB).
    public static let maximumBytes = 64 * 1024

    /// Reads a message published on `topic` (`tympan/<sensor>/events`,
    /// `…/health` or `…/status`), received at `receivedMs` (ms since 1970).
    public static func parse(topic: String, payload: [UInt8], receivedMs: Int64) throws(MessageError) -> SensorMessage {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "tympan", !parts[1].isEmpty else {
            throw MessageError("topic \(topic) is not tympan/<sensor>/<kind>")
        }
        let sensor = String(parts[1])
        guard payload.count <= maximumBytes else {
            throw MessageError("payload of \(payload.count) bytes on \(topic) (at most \(maximumBytes))")
        }
        guard let text = String(validating: payload, as: UTF8.self) else { throw MessageError("payload on \(topic) is not UTF-8") }
        switch parts[2] {
        case "status":
            switch text {
            case "online": return .status(sensor: sensor, online: true)
            case "offline": return .status(sensor: sensor, online: false)
            default: throw MessageError("status on \(topic) is neither online nor offline")
            }
        case "events":
            return .event(try StoredEvent(json: text, topicSensor: sensor, receivedMs: receivedMs))
        case "health":
            return .health(try HealthReport(json: text, topicSensor: sensor, receivedMs: receivedMs))
        default:
            throw MessageError("topic \(topic): unknown kind \(parts[2])")
        }
    }
}

public struct MessageError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// An event record as stored: the fields a sensor sends (`EventRecord.json`),
/// the time in milliseconds, and when the platform received it.
public struct StoredEvent: Sendable, Equatable, Codable {
    public var id: String
    public var sensor: String
    public var timeMs: Int64
    public var onset: Double
    public var offset: Double
    public var eventClass: EventClass
    public var confidence: Double
    public var levelDB: Double
    /// The rule terms at the strongest frame, as the sensor sent them (JSON), when it explained.
    public var explanation: String?
    public var receivedMs: Int64

    public init(id: String, sensor: String, timeMs: Int64, onset: Double, offset: Double, eventClass: EventClass,
                confidence: Double, levelDB: Double, explanation: String? = nil, receivedMs: Int64) {
        self.id = id
        self.sensor = sensor
        self.timeMs = timeMs
        self.onset = onset
        self.offset = offset
        self.eventClass = eventClass
        self.confidence = confidence
        self.levelDB = levelDB
        self.explanation = explanation
        self.receivedMs = receivedMs
    }

    static let keys: Set<String> = ["id", "sensor", "time", "onset", "offset", "class", "class_id", "confidence",
                                    "level_db", "explanation"]

    init(json text: String, topicSensor: String, receivedMs: Int64) throws(MessageError) {
        let fields = try MessageFields(text, kind: "event record", allowed: Self.keys)
        id = try fields.string("id", limit: 200)
        sensor = try fields.sensor(matching: topicSensor)
        timeMs = try fields.time("time")
        onset = try fields.number("onset", in: 0...1e12)
        offset = try fields.number("offset", in: onset...1e12)
        let label = try fields.string("class", limit: 64)
        guard let eventClass = EventClass(rawValue: label) else { throw MessageError("event record: unknown class \(label)") }
        self.eventClass = eventClass
        guard try fields.number("class_id", in: 0...1000) == Double(eventClass.id) else {
            throw MessageError("event record: class_id is not the id of \(label) (\(eventClass.id))")
        }
        confidence = try fields.number("confidence", in: 0...1)
        levelDB = try fields.number("level_db", in: -400...400)
        explanation = try fields.explanation()
        self.receivedMs = receivedMs
    }
}

/// A sensor's periodic health report (`tympan listen`), as stored: the JSON
/// as sent, with the figures the platform shows read out of it.
public struct HealthReport: Sendable, Equatable {
    public var sensor: String
    public var timeMs: Int64
    public var latitude: Double?
    public var longitude: Double?
    public var json: String
    public var receivedMs: Int64

    static let keys: Set<String> = ["sensor", "time", "interval_s", "leq_dba", "max_dba", "frames", "frames_dropped",
                                    "frames_late", "input_overruns", "cpu_seconds", "spool_depth", "rss_mb",
                                    "latitude", "longitude"]

    init(json text: String, topicSensor: String, receivedMs: Int64) throws(MessageError) {
        let fields = try MessageFields(text, kind: "health report", allowed: Self.keys)
        sensor = try fields.sensor(matching: topicSensor)
        timeMs = try fields.time("time")
        for key in ["interval_s", "leq_dba", "max_dba", "frames", "frames_dropped", "frames_late", "input_overruns",
                    "cpu_seconds", "spool_depth", "rss_mb"] {
            _ = try fields.optionalNumber(key, in: -1e15...1e15)
        }
        latitude = try fields.optionalNumber("latitude", in: -90...90)
        longitude = try fields.optionalNumber("longitude", in: -180...180)
        guard (latitude == nil) == (longitude == nil) else {
            throw MessageError("health report: latitude and longitude come together")
        }
        json = text
        self.receivedMs = receivedMs
    }
}

/// A message's top-level object, its keys checked against what the sensor sends.
struct MessageFields {
    let kind: String
    let values: [String: JSONValue]

    init(_ text: String, kind: String, allowed: Set<String>) throws(MessageError) {
        let root: JSONValue
        do { root = try JSONParser.parse(text) } catch { throw MessageError("\(kind): not JSON (\(error.message))") }
        try self.init(root, kind: kind, allowed: allowed)
    }

    init(_ root: JSONValue, kind: String, allowed: Set<String>) throws(MessageError) {
        self.kind = kind
        guard case .object(let pairs) = root.kind else { throw MessageError("\(kind): not a JSON object") }
        var values = [String: JSONValue]()
        for (key, value) in pairs {
            guard allowed.contains(key) else { throw MessageError("\(kind): unknown field \(key)") }
            guard values.updateValue(value, forKey: key) == nil else { throw MessageError("\(kind): field \(key) twice") }
        }
        self.values = values
    }

    func string(_ key: String, limit: Int) throws(MessageError) -> String {
        guard let value = values[key] else { throw MessageError("\(kind): no \(key)") }
        guard case .string(let s) = value.kind, !s.isEmpty, s.utf8.count <= limit else {
            throw MessageError("\(kind): \(key) must be a string of 1 to \(limit) bytes")
        }
        return s
    }

    func sensor(matching topicSensor: String) throws(MessageError) -> String {
        let s = try string("sensor", limit: 200)
        guard s == topicSensor else { throw MessageError("\(kind): sensor \(s) published on the topic of \(topicSensor)") }
        return s
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(MessageError) -> Double {
        guard let value = try optionalNumber(key, in: range) else { throw MessageError("\(kind): no \(key)") }
        return value
    }

    func optionalNumber(_ key: String, in range: ClosedRange<Double>) throws(MessageError) -> Double? {
        guard let value = values[key] else { return nil }
        switch value.kind {
        case .null: return nil
        case .number(let x) where range.contains(x): return x
        default: throw MessageError("\(kind): \(key) must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    func time(_ key: String) throws(MessageError) -> Int64 {
        let text = try string(key, limit: 40)
        guard let ms = parseUTCTimestamp(text) else {
            throw MessageError("\(kind): \(key) \(text) is not a UTC time like 2026-11-30T03:45:33.123Z")
        }
        return ms
    }

    /// The explanation as compact JSON text (terms with term, value, score, weight).
    func explanation() throws(MessageError) -> String? {
        guard let value = values["explanation"] else { return nil }
        guard case .array(let terms) = value.kind, terms.count <= 64 else {
            throw MessageError("\(kind): explanation must be an array of at most 64 terms")
        }
        var out = [String]()
        for term in terms {
            guard case .object(let pairs) = term.kind else { throw MessageError("\(kind): an explanation term is not an object") }
            var fields = [String]()
            for (key, v) in pairs {
                switch (key, v.kind) {
                case ("term", .string(let s)) where s.utf8.count <= 500: fields.append("\"term\":\(JSONValue.quote(s))")
                case ("value", .number(let x)), ("score", .number(let x)), ("weight", .number(let x)):
                    fields.append("\"\(key)\":\(x)")
                default: throw MessageError("\(kind): explanation field \(key) is not one a sensor sends")
                }
            }
            out.append("{" + fields.joined(separator: ",") + "}")
        }
        return "[" + out.joined(separator: ",") + "]"
    }
}

/// Milliseconds since 1970 of `YYYY-MM-DDTHH:MM:SS[.fff]Z` (the form
/// `utcTimestamp` writes; years 1970-9999), or nil.
public func parseUTCTimestamp(_ text: String) -> Int64? {
    let b = Array(text.utf8)
    func digits(_ from: Int, _ count: Int) -> Int64? {
        guard from + count <= b.count else { return nil }
        var v: Int64 = 0
        for i in from..<(from + count) {
            guard b[i] >= 48, b[i] <= 57 else { return nil }
            v = v * 10 + Int64(b[i] - 48)
        }
        return v
    }
    guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
          b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z"),
          let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
          let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
          year >= 1970, (1...12).contains(month), hour < 24, minute < 60, second < 60 else { return nil }
    var ms: Int64 = 0
    if b.count > 20 {
        guard b[19] == UInt8(ascii: "."), b.count - 21 >= 1, b.count - 21 <= 3, let f = digits(20, b.count - 21) else { return nil }
        ms = f * [1, 100, 10, 1][b.count - 21]
    } else if b.count != 20 {
        return nil
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let lengths: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    guard day >= 1, day <= lengths[Int(month) - 1] else { return nil }
    // Days since 1970-01-01 (H. Hinnant's days_from_civil).
    let y = month <= 2 ? year - 1 : year
    let era = y / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms
}
