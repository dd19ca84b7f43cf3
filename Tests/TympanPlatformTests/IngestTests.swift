import Foundation
import Testing
import TestSupport
import Tympan
import TympanSensor
@testable import TympanPlatform

/// The ingest against a real mosquitto on loopback, messages sent by a real `mosquitto_pub`.
@Suite(.serialized) struct IngestTests {
    /// Publishes each line of `lines` as one QoS 1 message on `topic`.
    func publish(_ lines: [String], topic: String, port: Int, retain: Bool = false) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try MQTTTest.program("mosquitto_pub"))
        p.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-t", topic, "-l"] + (retain ? ["-r"] : [])
        let input = Pipe()
        p.standardInput = input
        try p.runUnblocked()
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    func settings(_ broker: Broker, id: String) -> IngestSettings {
        var s = IngestSettings(broker: BrokerAddress(host: "127.0.0.1", port: broker.port, tls: false))
        s.clientID = id
        return s
    }

    /// A database and a broker in a new folder, and an ingest connected to it with client id `id`.
    func running(_ id: String) throws -> (path: String, broker: Broker, store: EventStore, ingest: Ingest) {
        let path = temporaryDatabase()
        let broker = Broker(folder: URL(fileURLWithPath: (path as NSString).deletingLastPathComponent))
        try broker.start()
        let store = try EventStore(path: path)
        let ingest = Ingest(settings: settings(broker, id: id), store: store)
        try ingest.start()
        #expect(MQTTTest.wait(20) { ingest.isConnected })
        usleep(300_000)  // the subscriptions are acknowledged
        return (path, broker, store, ingest)
    }

    @Test("Events, health and status are stored; a duplicate delivery is stored once; a bad record is counted and refused")
    func stores() throws {
        let (path, broker, store, ingest) = try running("platform-stores")
        defer {
            ingest.stop()
            broker.stop()
            remove(path)
        }
        let good = sensorRecord(sensor: "pole-3", id: "r-1")
        try publish([good, good, "{\"id\":\"r-2\",\"sensor\":\"pole-3\"}", sensorRecord(sensor: "pole-3", id: "r-3")],
                    topic: "tympan/pole-3/events", port: broker.port)
        try publish(["online"], topic: "tympan/pole-3/status", port: broker.port, retain: true)
        try publish([#"{"sensor":"pole-3","time":"2026-12-03T01:00:00Z","leq_dba":-41,"latitude":52.5,"longitude":13.4}"#],
                    topic: "tympan/pole-3/health", port: broker.port)
        #expect(MQTTTest.wait(20) { ingest.counts.other == 2 && ingest.counts.stored + ingest.counts.duplicates + ingest.counts.rejected == 4 })
        #expect(ingest.counts == IngestCounts(stored: 2, duplicates: 1, rejected: 1, other: 2))
        // Every message that was committed had its callback timed (the refused one commits nothing).
        #expect(ingest.commitTimes.count == 5)
        #expect(try #require(ingest.commitTimes.quantile(0.99)) <= ingest.commitTimes.longest + 1e-4)
        #expect(try store.events(EventQuery()).map(\.id) == ["r-3", "r-1"] || store.events(EventQuery()).map(\.id) == ["r-1", "r-3"])
        let sensor = try #require(try store.sensors().first)
        #expect(sensor.id == "pole-3" && sensor.online == true && sensor.latitude == 52.5)
    }

    @Test("An oversized message (3 MB) is refused, read past and acknowledged; the next event is stored")
    func oversized() throws {
        let (path, broker, store, ingest) = try running("platform-oversized")
        defer {
            ingest.stop()
            broker.stop()
            remove(path)
        }
        let big = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent).appendingPathComponent("big.json")
        try Data(("{\"id\":\"" + String(repeating: "x", count: 3_000_000) + "\"}").utf8).write(to: big)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try MQTTTest.program("mosquitto_pub"))
        p.arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", "tympan/pole-5/events", "-f", big.path]
        try p.runUnblocked()
        p.waitUntilExit()
        try publish([sensorRecord(sensor: "pole-5", id: "after-big")], topic: "tympan/pole-5/events", port: broker.port)
        #expect(MQTTTest.wait(20) { ingest.counts.stored == 1 })
        #expect(ingest.counts.rejected == 1)
        #expect(try store.events(EventQuery()).map(\.id) == ["after-big"])
        // Acknowledged: a new connection of the same session gets nothing again.
        ingest.stop()
        let again = Ingest(settings: settings(broker, id: "platform-oversized"), store: store)
        try again.start()
        defer { again.stop() }
        #expect(MQTTTest.wait(20) { again.isConnected })
        usleep(500_000)
        #expect(again.counts == IngestCounts())
    }

    @Test("Events published while the platform is away arrive when it is back (persistent session), also after a broker restart")
    func persistentSession() throws {
        var (path, broker, store, ingest) = try running("platform-session")
        defer {
            broker.stop()
            remove(path)
        }
        ingest.stop()
        // Away: 50 events wait in the broker for the session.
        try publish((0..<50).map { sensorRecord(sensor: "pole-9", id: "away-\($0)") }, topic: "tympan/pole-9/events", port: broker.port)
        // The broker restarts (from its persistence file) before the platform is back.
        broker.stop()
        try broker.start()
        ingest = Ingest(settings: settings(broker, id: "platform-session"), store: store)
        try ingest.start()
        defer { ingest.stop() }
        #expect(MQTTTest.wait(30) { (try? store.eventCount()) == 50 })
        #expect(try store.eventCount() == 50)
        // And while it runs, the broker goes away and comes back: the ingest reconnects by itself.
        broker.stop()
        try broker.start()
        #expect(MQTTTest.wait(40) { ingest.isConnected })
        usleep(300_000)
        try publish((0..<5).map { sensorRecord(sensor: "pole-9", id: "after-\($0)") }, topic: "tympan/pole-9/events", port: broker.port)
        #expect(MQTTTest.wait(30) { (try? store.eventCount()) == 55 })
    }
}

@Suite struct CommitTimesTests {
    @Test("Commit-time quantiles are the upper edges of 0.1 ms buckets; past 100 ms, the longest")
    func quantiles() {
        var t = CommitTimes()
        #expect(t.quantile(0.99) == nil)
        for i in 0..<100 { t.add(Double(i) * 1e-4 + 5e-5) }  // 0.05 ms, 0.15 ms, ... 9.95 ms
        #expect(t.quantile(0.5) == 50e-4)
        #expect(t.quantile(0.99) == 99e-4)
        #expect(t.quantile(1) == 100e-4)
        t.add(0.25)
        #expect(t.quantile(1) == 0.25 && t.longest == 0.25)
    }
}
