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

    /// A broker in the scratch folder, and an ingest into `store` connected to it with client id `id`.
    func running(_ id: String, _ store: EventStore, _ scratch: Scratch) async throws -> (broker: Broker, ingest: Ingest) {
        let broker = Broker(folder: scratch.folder)
        try broker.start()
        let ingest = Ingest(settings: settings(broker, id: id), store: store)
        try ingest.start()
        #expect(await eventually(20) { ingest.isConnected })
        try await Task.sleep(for: .milliseconds(300))  // the subscriptions are acknowledged
        return (broker, ingest)
    }

    @Test("Events, health and status are stored; a duplicate delivery is stored once; a bad record is counted and refused", arguments: TestDatabase.available)
    func stores(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            let (broker, ingest) = try await running("platform-stores", store, scratch)
            defer {
                ingest.stop()
                broker.stop()
            }
            let good = sensorRecord(sensor: "pole-3", id: "r-1")
            try publish([good, good, "{\"id\":\"r-2\",\"sensor\":\"pole-3\"}", sensorRecord(sensor: "pole-3", id: "r-3")],
                        topic: "tympan/pole-3/events", port: broker.port)
            try publish(["online"], topic: "tympan/pole-3/status", port: broker.port, retain: true)
            try publish([#"{"sensor":"pole-3","time":"2026-12-03T01:00:00Z","leq_dba":-41,"latitude":52.5,"longitude":13.4}"#],
                        topic: "tympan/pole-3/health", port: broker.port)
            #expect(await eventually(20) { ingest.counts.other == 2 && ingest.counts.stored + ingest.counts.duplicates + ingest.counts.rejected == 4 })
            #expect(ingest.counts == IngestCounts(stored: 2, duplicates: 1, rejected: 1, other: 2))
            // Every message that was committed had its callback timed (the refused one commits nothing).
            #expect(ingest.commitTimes.count == 5)
            #expect(try #require(ingest.commitTimes.quantile(0.99)) <= ingest.commitTimes.longest + 1e-4)
            let ids = try await store.events(EventQuery()).map(\.id)
            #expect(ids == ["r-3", "r-1"] || ids == ["r-1", "r-3"])
            let sensor = try #require(try await store.sensors().first)
            #expect(sensor.id == "pole-3" && sensor.online == true && sensor.latitude == 52.5)
        }
    }

    @Test("An oversized message (3 MB) is refused, read past and acknowledged; the next event is stored", arguments: TestDatabase.available)
    func oversized(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            let (broker, ingest) = try await running("platform-oversized", store, scratch)
            defer {
                ingest.stop()
                broker.stop()
            }
            let big = scratch.folder.appendingPathComponent("big.json")
            try Data(("{\"id\":\"" + String(repeating: "x", count: 3_000_000) + "\"}").utf8).write(to: big)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try MQTTTest.program("mosquitto_pub"))
            p.arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", "tympan/pole-5/events", "-f", big.path]
            try p.runUnblocked()
            p.waitUntilExit()
            try publish([sensorRecord(sensor: "pole-5", id: "after-big")], topic: "tympan/pole-5/events", port: broker.port)
            #expect(await eventually(20) { ingest.counts.stored == 1 })
            #expect(ingest.counts.rejected == 1)
            #expect(try await store.events(EventQuery()).map(\.id) == ["after-big"])
            // Acknowledged: a new connection of the same session gets nothing again.
            ingest.stop()
            let again = Ingest(settings: settings(broker, id: "platform-oversized"), store: store)
            try again.start()
            defer { again.stop() }
            #expect(await eventually(20) { again.isConnected })
            try await Task.sleep(for: .milliseconds(500))
            #expect(again.counts == IngestCounts())
        }
    }

    @Test("Events published while the platform is away arrive when it is back (persistent session), also after a broker restart", arguments: TestDatabase.available)
    func persistentSession(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            var (broker, ingest) = try await running("platform-session", store, scratch)
            defer {
                broker.stop()
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
            #expect(await eventually(30) { (try? await store.eventCount()) == 50 })
            #expect(try await store.eventCount() == 50)
            // And while it runs, the broker goes away and comes back: the ingest reconnects by itself.
            broker.stop()
            try broker.start()
            #expect(await eventually(40) { ingest.isConnected })
            try await Task.sleep(for: .milliseconds(300))
            try publish((0..<5).map { sensorRecord(sensor: "pole-9", id: "after-\($0)") }, topic: "tympan/pole-9/events", port: broker.port)
            #expect(await eventually(30) { (try? await store.eventCount()) == 55 })
        }
    }
}
