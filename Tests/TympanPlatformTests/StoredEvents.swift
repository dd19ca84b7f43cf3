import Foundation
import Testing
import TestSupport
import Tympan
@testable import TympanPlatform

func storedEvent(_ id: String, sensor: String = "pole-1", timeMs: Int64, eventClass: EventClass = .scream) -> StoredEvent {
    StoredEvent(id: id, sensor: sensor, timeMs: timeMs, onset: 1, offset: 2, eventClass: eventClass, confidence: 0.8,
                levelDB: -30, receivedMs: timeMs + 5)
}
