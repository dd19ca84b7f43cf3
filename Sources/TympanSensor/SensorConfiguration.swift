import Tympan

#if canImport(Glibc)
import Glibc
#endif

/// Where events go: an MQTT broker, by URL (`mqtt://host:port`, or
/// `mqtts://host:port` for TLS; default ports 1883 and 8883).
public struct BrokerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    public init?(_ url: String) {
        let scheme: String
        if url.hasPrefix("mqtt://") { scheme = "mqtt" } else if url.hasPrefix("mqtts://") { scheme = "mqtts" } else { return nil }
        let rest = url.dropFirst(scheme.count + 3)
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else { return nil }
        tls = scheme == "mqtts"
        if rest.hasPrefix("[") {  // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.isEmpty { port = tls ? 8883 : 1883 } else {
                guard tail.hasPrefix(":"), let p = Int(tail.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = p
        } else {
            host = String(rest)
            port = tls ? 8883 : 1883
        }
        guard !host.isEmpty, (1...65_535).contains(port) else { return nil }
    }

    public var description: String { "\(tls ? "mqtts" : "mqtt")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// A sensor's settings (`tympan listen --config sensor.json`). Read strictly:
/// an unknown key, a value of the wrong type or out of range, a file that
/// cannot be read is an error that names the key and its line, at start-up,
/// before any audio is read. Relative paths are relative to the
/// configuration file's folder.
public struct SensorConfiguration: Sendable, Equatable {
    /// The sensor id: in every record and in the topics `tympan/<sensor>/...`.
    public var sensor = "local"
    public var latitude: Double?
    public var longitude: Double?
    /// dB added to the A-weighted level so that it reads dB SPL.
    public var calibration = 0.0
    /// A rules file; nil: the bundled rules.
    public var rules: String?
    public var broker: BrokerAddress?
    /// TLS: the CA that signed the broker's certificate, and the client's own
    /// certificate and key (both or neither).
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    /// A file whose first line is the password (kept out of the config file).
    public var passwordFile: String?
    /// The folder of events not yet acknowledged by the broker.
    public var spool: String?
    /// Seconds of audio between two health reports.
    public var healthInterval = 60.0
    /// The longest wait between two connection attempts (seconds; the wait
    /// doubles from 1 s up to it).
    public var reconnectMax = 30.0
    /// The file where the sensor keeps what it learned of its site (each
    /// class's score histogram, `SiteState`; no audio), read at start and
    /// written every `siteSaveInterval` seconds of audio and at the end; nil:
    /// `site-state` in the spool folder (not a `.json`: the events are), or not
    /// kept without a spool.
    public var siteState: String?
    /// Seconds of audio between two writes of the site state.
    public var siteSaveInterval = 300.0

    /// Where the site state is kept: `site_state`, else in the spool folder.
    public var siteStateFile: String? { siteState ?? spool.map { "\($0)/site-state" } }

    public static let keys = ["sensor", "latitude", "longitude", "calibration_db", "rules", "broker", "ca_file",
                              "cert_file", "key_file", "username", "password_file", "spool", "health_interval",
                              "reconnect_max", "site_state", "site_save_interval"]

    public init() {}

    /// Reads a configuration file; `source` names it in errors.
    public init(json text: String, source: String) throws(ConfigurationError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw ConfigurationError(source: source, line: error.line, key: "", reason: error.message)
        }
        guard case let .object(members) = root.kind else {
            throw ConfigurationError(source: source, line: root.line, key: "", reason: "expected an object, found \(root.typeName)")
        }
        let folder = folder(of: source)
        func fail(_ v: JSONValue, _ key: String, _ reason: String) -> ConfigurationError {
            ConfigurationError(source: source, line: v.line, key: key, reason: reason)
        }
        func string(_ v: JSONValue, _ key: String) throws(ConfigurationError) -> String {
            guard case let .string(s) = v.kind else { throw fail(v, key, "expected a string, found \(v.typeName)") }
            return s
        }
        func number(_ v: JSONValue, _ key: String, _ range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
            guard case let .number(x) = v.kind else { throw fail(v, key, "expected a number, found \(v.typeName)") }
            guard range.contains(x) else { throw fail(v, key, "\(x) is outside \(range.lowerBound)...\(range.upperBound)") }
            return x
        }
        func path(_ v: JSONValue, _ key: String) throws(ConfigurationError) -> String {
            let p = try string(v, key)
            guard !p.isEmpty else { throw fail(v, key, "an empty path") }
            return p.hasPrefix("/") ? p : "\(folder)/\(p)"
        }
        for (key, v) in members {  // (the parser refuses a key given twice)
            guard Self.keys.contains(key) else {
                let near = Self.keys.min { editDistance($0, key) < editDistance($1, key) }!
                let hint = editDistance(near, key) <= 3 ? " (did you mean '\(near)'?)" : ""
                throw fail(v, key, "unknown key\(hint); the keys are \(Self.keys.joined(separator: ", "))")
            }
            switch key {
            case "sensor":
                sensor = try string(v, key)
                if let problem = Self.sensorProblem(sensor) { throw fail(v, key, problem) }
            case "latitude": latitude = try number(v, key, -90...90)
            case "longitude": longitude = try number(v, key, -180...180)
            case "calibration_db": calibration = try number(v, key, -200...200)
            case "rules": rules = try path(v, key)
            case "broker":
                let url = try string(v, key)
                guard let address = BrokerAddress(url) else {
                    throw fail(v, key, "'\(url)' is not mqtt://host:port or mqtts://host:port")
                }
                broker = address
            case "ca_file": caFile = try path(v, key)
            case "cert_file": certFile = try path(v, key)
            case "key_file": keyFile = try path(v, key)
            case "username": username = try string(v, key)
            case "password_file": passwordFile = try path(v, key)
            case "spool": spool = try path(v, key)
            case "health_interval": healthInterval = try number(v, key, 1...86_400)
            case "reconnect_max": reconnectMax = try number(v, key, 1...3600)
            case "site_state": siteState = try path(v, key)
            case "site_save_interval": siteSaveInterval = try number(v, key, 10...86_400)
            default: break
            }
        }
    }

    /// Why a sensor id cannot be used in a topic, or nil.
    public static func sensorProblem(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= 64 else { return "must be 1 to 64 characters" }
        guard id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) })
        else { return "'\(id)' may only hold letters, digits, '-', '_' and '.' (it is part of the MQTT topics)" }
        return nil
    }

    /// Checks what only the whole configuration can tell (TLS files go with
    /// mqtts, a certificate with its key, files readable), after flags have
    /// overridden the file. Returns the problems, one per line.
    public func problems() -> [String] {
        var out = [String]()
        if let problem = Self.sensorProblem(sensor) { out.append("sensor: \(problem)") }
        if broker == nil {
            for (key, value) in [("ca_file", caFile), ("cert_file", certFile), ("key_file", keyFile),
                                 ("username", username), ("password_file", passwordFile)] where value != nil {
                out.append("\(key) is set but there is no broker")
            }
        } else {
            if spool == nil { out.append("spool: a broker needs a spool folder (events wait there until the broker has them)") }
            if broker!.tls == false, caFile != nil || certFile != nil || keyFile != nil {
                out.append("ca_file/cert_file/key_file need an mqtts:// broker")
            }
            if broker!.tls, caFile == nil { out.append("ca_file: an mqtts:// broker needs the CA that signed its certificate") }
        }
        if (certFile == nil) != (keyFile == nil) { out.append("cert_file and key_file go together") }
        if passwordFile != nil, username == nil { out.append("password_file needs a username") }
        if let siteState {  // written while it runs: its folder must take files (the spool's is made at start)
            let folder = folder(of: siteState)
            if access(folder, W_OK) != 0 {
                out.append("site_state: cannot write in '\(folder)': \(String(cString: strerror(errno)))")
            }
        }
        for (key, file) in [("ca_file", caFile), ("cert_file", certFile), ("key_file", keyFile),
                            ("password_file", passwordFile), ("rules", rules)] {
            if let file, access(file, R_OK) != 0 {
                out.append("\(key): cannot read '\(file)': \(String(cString: strerror(errno)))")
            }
        }
        return out
    }
}

/// A configuration file's error: where and what.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var line: Int
    public var key: String
    public var reason: String

    public var description: String { "\(source):\(line): \(key.isEmpty ? "" : key + ": ")\(reason)" }
}
