import Foundation
import Testing
import TestSupport
import Tympan
@testable import TympanPlatform

@Suite struct EventStoreTests {
    @Test("An event id stored twice is stored once, and a reopened database keeps it", arguments: TestDatabase.available)
    func idempotent(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            let e = storedEvent("a-1", timeMs: 1000)
            #expect(try await store.store(.event(e)) == true)
            var changed = e
            changed.confidence = 0.1  // a duplicate delivery changes nothing
            #expect(try await store.store(.event(changed)) == false)
            #expect(try await store.eventCount() == 1)
            let again = try await EventStore.open(scratch.url)
            #expect(try await again.events(EventQuery()) == [e])
            #expect(try await again.appliedMigrations() == EventStore.migrations.map(\.name))
            #expect(EventStore.migrations.first?.name == "v1: events, sensors, tokens")
            await again.close()
        }
    }

    @Test("Messages stored together: one transaction, an id twice in it stored once, one already stored not again",
          arguments: TestDatabase.available)
    func batch(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, _ in
            let a = storedEvent("a", sensor: "pole-1", timeMs: 1), b = storedEvent("b", sensor: "pole-2", timeMs: 2)
            #expect(try await store.store(.event(b)))
            let health = #"{"sensor":"pole-1","time":"2026-12-03T01:00:00Z","latitude":52.5,"longitude":13.4}"#
            let report = try SensorMessage.parse(topic: "tympan/pole-1/health", payload: Array(health.utf8), receivedMs: 0)
            let c = storedEvent("c", sensor: "pole-3", timeMs: 3)
            #expect(try await store.store([.event(a), .event(a), report, .event(b), .status(sensor: "pole-3", online: true), .event(c)])
                    == [true, false, true, false, true, true])
            #expect(try await store.events(EventQuery()).map(\.id) == ["c", "b", "a"])
            let sensors = try await store.sensors()
            #expect(sensors.map(\.id) == ["pole-1", "pole-2", "pole-3"] && sensors[0].latitude == 52.5 && sensors[2].online == true)
        }
    }

    @Test("Pages by cursor return every event once, newest first, also when times tie", arguments: TestDatabase.available)
    func pages(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            var random = SplitMix(seed: 11)
            var all = [StoredEvent]()
            for i in 0..<257 {
                let e = storedEvent("e\(i)", sensor: "pole-\(i % 3)", timeMs: Int64(random.next() % 40) * 1000,
                                    eventClass: EventClass.allCases[i % EventClass.allCases.count])
                all.append(e)
                try await store.store(.event(e))
            }
            var query = EventQuery()
            query.limit = 10
            var seen = [StoredEvent]()
            while true {
                let page = try await store.events(query)
                seen += page
                guard page.count == query.limit, let last = page.last else { break }
                query.after = EventCursor(timeMs: last.timeMs, id: last.id)
            }
            let expected = all.sorted { ($0.timeMs, $0.id) > ($1.timeMs, $1.id) }
            #expect(seen == expected)
            var filtered = EventQuery()
            filtered.limit = 1000
            filtered.eventClass = .drill
            filtered.sensor = "pole-1"
            filtered.sinceMs = 10_000
            filtered.untilMs = 30_000
            #expect(try await store.events(filtered) == expected.filter {
                $0.eventClass == .drill && $0.sensor == "pole-1" && $0.timeMs >= 10_000 && $0.timeMs < 30_000
            })
        }
    }

    @Test("Positions come from health reports (or a sensors file); a bounding box selects by them", arguments: TestDatabase.available)
    func positions(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            try await store.store(.event(storedEvent("in", sensor: "north", timeMs: 1)))
            try await store.store(.event(storedEvent("out", sensor: "south", timeMs: 2)))
            try await store.store(.event(storedEvent("nowhere", sensor: "unplaced", timeMs: 3)))
            let health = #"{"sensor":"north","time":"2026-12-03T01:00:00Z","latitude":52.5,"longitude":13.4}"#
            try await store.store(try SensorMessage.parse(topic: "tympan/north/health", payload: Array(health.utf8), receivedMs: 0))
            try await store.place(sensor: "south", latitude: 48.1, longitude: 11.6)
            try await store.store(.status(sensor: "north", online: true))
            var q = EventQuery()
            q.bbox = (13, 52, 14, 53)
            #expect(try await store.events(q).map(\.id) == ["in"])
            let sensors = try await store.sensors()
            #expect(sensors.map(\.id) == ["north", "south", "unplaced"])
            #expect(sensors[0].online == true && sensors[0].latitude == 52.5 && sensors[0].healthJSON == health)
            #expect(sensors[1].online == nil && sensors[1].longitude == 11.6)
        }
    }

    @Test("A token is shown once and stored as its SHA-256: the store knows its role, not the token", arguments: TestDatabase.available)
    func tokens(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            let token = try await store.addToken(name: "desk", role: .operator)
            #expect(token.hasPrefix("tp_") && token.count == 67)
            #expect(try await store.role(forToken: token)?.role == .operator)
            #expect(try await store.role(forToken: token + "x") == nil)
            await #expect(throws: NameTaken.self) { try await store.addToken(name: "desk", role: .viewer) }
            if let path = scratch.sqlitePath {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
                #expect(bytes.range(of: Data(token.utf8)) == nil)
            } else {
                // Every text the database holds for tokens and the audit: the token is in none of them.
                let held = try await store.database.read { db in
                    try await db.query("SELECT hash || name || role AS t FROM tokens UNION ALL SELECT detail FROM audit")
                }
                #expect(held.count == 2 && held.allSatisfy { !"\($0.values)".contains(token) })
            }
        }
    }
}
