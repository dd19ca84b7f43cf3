import Foundation
import Testing
import Tympan
@testable import TympanSensor

@Suite struct SpoolTests {
    func folder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tympan-spool-\(UUID().uuidString)")
        return url.path
    }

    @Test("Records come back oldest first, survive a restart, and leave when removed (in any order)")
    func roundTrip() throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var spool: EventSpool? = try EventSpool(folder: path)
        for i in 1...5 { try spool!.append("{\"n\":\(i)}") }
        #expect(spool!.count == 5)
        #expect(spool!.waiting(after: nil, limit: 2).map(\.record) == ["{\"n\":1}", "{\"n\":2}"])
        spool!.remove(2)  // out of order: acknowledged before 1
        #expect(spool!.waiting(after: nil, limit: 10).map(\.record) == ["{\"n\":1}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"])
        #expect(spool!.waiting(after: 3, limit: 10).map(\.sequence) == [4, 5])
        spool = nil
        // A new daemon finds what the last one left; new records go after them.
        let again = try EventSpool(folder: path)
        #expect(again.count == 4)
        try again.append("{\"n\":6}")
        #expect(again.waiting(after: nil, limit: 10).map(\.record) == ["{\"n\":1}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}", "{\"n\":6}"])
        for seq in again.waiting(after: nil, limit: 10).map(\.sequence) { again.remove(seq) }
        #expect(again.count == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty)
    }

    @Test("A record cut short by a crash (.tmp) is discarded at start; one file per record, fsync'd")
    func halfWritten() throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spool = try EventSpool(folder: path)
        try spool.append("{\"whole\":true}")
        try "{\"cut".write(toFile: path + "/0000000000000002.tmp", atomically: false, encoding: .utf8)
        let again = try EventSpool(folder: path)
        #expect(again.waiting(after: nil, limit: 10).map(\.record) == ["{\"whole\":true}"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["0000000000000001.json"])
    }

    @Test("A spool the disk refuses: the error says where and why, the record is kept in memory and delivered")
    func diskRefuses() throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spool = try EventSpool(folder: path)
        try FileManager.default.removeItem(atPath: path)  // the folder vanished under the daemon
        #expect(throws: SpoolError.self) { try spool.append("{\"kept\":1}") }
        #expect(spool.waiting(after: nil, limit: 5).map(\.record) == ["{\"kept\":1}"])
        spool.remove(1)
        #expect(spool.count == 0)
    }

    @Test("Many records acknowledged oldest first: memory is compacted, counts stay right")
    func longBacklog() throws {
        let path = try folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spool = try EventSpool(folder: path)
        for i in 0..<3000 { try spool.append("\(i)") }
        for seq in 1...2500 { spool.remove(UInt64(seq)) }
        #expect(spool.count == 500)
        #expect(spool.waiting(after: nil, limit: 1).first?.record == "2500")
    }
}

@Suite struct SensorConfigurationTests {
    @Test("Broker URLs: schemes, default ports, IPv6; anything else refused")
    func brokerURLs() {
        #expect(BrokerAddress("mqtt://broker.city:1884") == BrokerAddress(host: "broker.city", port: 1884, tls: false))
        #expect(BrokerAddress("mqtts://broker.city")?.port == 8883)
        #expect(BrokerAddress("mqtt://10.0.0.1")?.port == 1883)
        #expect(BrokerAddress("mqtt://[::1]:1999") == BrokerAddress(host: "::1", port: 1999, tls: false))
        for bad in ["http://x:1", "mqtt://", "mqtt://x:0", "mqtt://x:70000", "mqtt://x:port", "mqtt://user@x:1", "mqtt://x:1/path"] {
            #expect(BrokerAddress(bad) == nil, "\(bad)")
        }
    }

    @Test("A full configuration reads every key; relative paths are relative to the file's folder")
    func fullConfiguration() throws {
        let text = """
            {"sensor": "north-3", "latitude": 48.85, "longitude": 2.35, "calibration_db": 94.5,
             "rules": "rules.json", "broker": "mqtts://broker:8883", "ca_file": "/etc/ca.pem",
             "cert_file": "c.pem", "key_file": "k.pem", "username": "north-3", "password_file": "pw",
             "spool": "/var/lib/tympan/spool", "health_interval": 30, "reconnect_max": 10}
            """
        let c = try SensorConfiguration(json: text, source: "/etc/tympan/sensor.json")
        #expect(c.sensor == "north-3" && c.latitude == 48.85 && c.longitude == 2.35 && c.calibration == 94.5)
        #expect(c.rules == "/etc/tympan/rules.json" && c.certFile == "/etc/tympan/c.pem" && c.caFile == "/etc/ca.pem")
        #expect(c.broker == BrokerAddress("mqtts://broker:8883") && c.username == "north-3" && c.passwordFile == "/etc/tympan/pw")
        #expect(c.spool == "/var/lib/tympan/spool" && c.healthInterval == 30 && c.reconnectMax == 10)
    }

    @Test("Errors name the key and the line", arguments: [
        ("{\n\"sensor\": \"a\",\n\"spol\": \"x\"}", "s.json:3: spol: unknown key (did you mean 'spool'?)"),
        ("{\"sensor\": \"a\", \"sensor\": \"b\"}", "s.json:1: duplicate key \"sensor\""),
        ("{\"longitude\": 200}", "longitude: 200.0 is outside -180.0...180.0"),
        ("{\"spool\": \"\"}", "spool: an empty path"),
        ("{\"sensor\": \"a#\"}", "may only hold letters"),
        ("[1]", "expected an object, found an array"),
        ("{\"sensor\": 12}", "sensor: expected a string, found a number"),
    ])
    func errors(_ text: String, _ message: String) {
        #expect {
            try SensorConfiguration(json: text, source: "s.json")
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("Whole-configuration checks: TLS files need mqtts, a certificate needs its key, files must be readable")
    func problems() {
        var c = SensorConfiguration()
        c.broker = BrokerAddress("mqtt://x:1")
        #expect(c.problems().contains { $0.contains("needs a spool") })
        c.spool = "/tmp/s"
        c.caFile = "/nonexistent/ca.pem"
        #expect(c.problems().contains { $0.contains("need an mqtts:// broker") })
        #expect(c.problems().contains { $0.contains("ca_file: cannot read '/nonexistent/ca.pem'") })
        c = SensorConfiguration()
        c.certFile = "/etc/hostname"
        #expect(c.problems().contains { $0.contains("cert_file and key_file go together") })
        c = SensorConfiguration()
        #expect(c.problems().isEmpty)
    }
}

@Suite struct LevelSummaryTests {
    @Test("Leq is the energy mean, not the mean of decibels; the maximum is the loudest frame")
    func equivalentLevel() throws {
        var s = LevelSummary()
        #expect(s.equivalentLevel == nil)
        s.add(60)
        s.add(70)
        // 10 log10((10^6 + 10^7) / 2) = 67.40 dB
        #expect(abs(s.equivalentLevel! - 67.4036) < 1e-3)
        #expect(s.maximum == 70 && s.frames == 2)
    }

    @Test("The detector's level summary covers every frame once and starts afresh when taken")
    func detectorLevels() throws {
        let detector = try EventDetector()
        let tone = (0..<16_000).map { Float(0.1 * sin(2 * Double.pi * 1000 * Double($0) / 16_000)) }
        _ = try detector.append(tone)
        let first = detector.takeLevels()
        _ = try detector.append(tone)
        _ = try detector.finish()
        let second = detector.takeLevels()
        #expect(first.frames + second.frames == 201, "32,000 samples at hop 160, centred frames")
        #expect(detector.takeLevels().frames == 0)
        // A 1 kHz sine at amplitude 0.1 is -20 dBFS (A-weighting is 0 dB at 1 kHz); the edge frames are quieter.
        #expect(abs(first.maximum - -20) < 0.5, "\(first.maximum)")
        #expect(first.equivalentLevel! <= first.maximum)
    }
}
