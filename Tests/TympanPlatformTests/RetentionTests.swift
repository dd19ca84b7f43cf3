import Foundation
import Testing
import TestSupport
import Tympan
@testable import TympanPlatform

@Suite struct RetentionTests {
    @Test("Retention deletes the events older than its days, with their reviews, and the audit log says so", arguments: TestDatabase.available)
    func retention(_ kind: TestDatabase) async throws {
        try await kind.withStore { store, scratch in
            let day: Int64 = 86_400_000, now: Int64 = 2_000 * 86_400_000
            for (i, age) in [0, 10, 89, 91, 400].enumerated() {
                try await store.store(.event(storedEvent("e\(i)", timeMs: now - Int64(age) * day)))
            }
            #expect(try await store.review(eventID: "e3", verdict: .falseAlarm, note: nil, reviewer: "op"))
            #expect(try await store.applyRetention(days: 90, nowMs: now) == 2)
            #expect(try await store.events(EventQuery()).map(\.id) == ["e0", "e1", "e2"])
            #expect(try await store.reviews(of: ["e3"]).isEmpty)
            #expect(try await store.applyRetention(days: 90, nowMs: now) == 0)
            let log = try await store.auditLog()
            #expect(log.first?.action == "delete" && log.first?.detail.hasPrefix("2 event(s) older than 90 days") == true)
            #expect(log.contains { $0.action == "review" && $0.who == "op" && $0.detail == "e3: false_alarm" })
        }
    }
}
