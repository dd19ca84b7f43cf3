import Foundation
import Testing
import Tympan
@testable import TympanSensor

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
