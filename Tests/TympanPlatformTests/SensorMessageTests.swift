import Testing
import TestSupport
import Tympan
import TympanIO
@testable import TympanPlatform

/// A record as `tympan listen` writes it (EventRecord.json), for a sensor.
func sensorRecord(sensor: String = "pole-7", id: String = "run1-1", time: Double = 1_790_000_000.25,
                  eventClass: EventClass = .gunshot, explain: Bool = false) -> String {
    let event = SoundEvent(eventClass: eventClass, onset: 19_200, offset: 25_600, sampleRate: 16_000, confidence: 0.9,
                           peakLevel: -21.5, explanation: [])
    var record = EventRecord(event, sensor: sensor, streamStart: time - 1.2, explain: false)
    record.id = id
    if explain { record.explanation = [Explanation(term: "flux_db above 6", value: 9.5, score: 1, weight: 0.8)] }
    return record.json
}

@Suite struct SensorMessageTests {
    @Test("A record as the sensor writes it is read back field for field")
    func readsRecord() throws {
        let text = sensorRecord(explain: true)
        let message = try SensorMessage.parse(topic: "tympan/pole-7/events", payload: Array(text.utf8), receivedMs: 5)
        guard case .event(let e) = message else { Issue.record("not an event: \(message)"); return }
        #expect(e.id == "run1-1" && e.sensor == "pole-7" && e.eventClass == .gunshot)
        #expect(e.timeMs == 1_790_000_000_250)
        #expect(e.onset == 1.2 && e.offset == 1.6 && e.confidence == 0.9 && e.levelDB == -21.5)
        #expect(e.explanation == "[{\"term\":\"flux_db above 6\",\"value\":9.5,\"score\":1.0,\"weight\":0.8}]")
        #expect(e.receivedMs == 5)
    }

    @Test("Health reports and status are read; a health report's position comes with it")
    func readsHealthAndStatus() throws {
        let health = #"{"sensor":"pole-7","time":"2026-12-03T01:00:00.000Z","interval_s":60,"leq_dba":-40.5,"max_dba":-20,"frames":6000,"frames_dropped":0,"frames_late":0,"input_overruns":0,"cpu_seconds":1.5,"spool_depth":0,"rss_mb":12.5,"latitude":52.52,"longitude":13.405}"#
        guard case .health(let h) = try SensorMessage.parse(topic: "tympan/pole-7/health", payload: Array(health.utf8), receivedMs: 0) else {
            Issue.record("not a health report"); return
        }
        #expect(h.latitude == 52.52 && h.longitude == 13.405 && h.json == health)
        #expect(try SensorMessage.parse(topic: "tympan/pole-7/status", payload: Array("offline".utf8), receivedMs: 0)
                == .status(sensor: "pole-7", online: false))
    }

    @Test("A bad message is refused whole, with a reason", arguments: [
        ("tympan/pole-7/events", "{\"id\":", "not JSON"),
        ("tympan/pole-7/events", "[1]", "not a JSON object"),
        ("tympan/pole-7/events", sensorRecord().replacingOccurrences(of: "\"sensor\"", with: "\"audio\":[1,2],\"sensor\""), "unknown field audio"),
        ("tympan/pole-7/events", sensorRecord().replacingOccurrences(of: "\"gunshot\"", with: "\"dog\""), "unknown class dog"),
        ("tympan/pole-7/events", sensorRecord().replacingOccurrences(of: "\"class_id\":1", with: "\"class_id\":3"), "class_id"),
        ("tympan/pole-8/events", sensorRecord(), "published on the topic of pole-8"),
        ("tympan/pole-7/events", sensorRecord().replacingOccurrences(of: "\"confidence\":0.9", with: "\"confidence\":7"), "confidence"),
        ("tympan/pole-7/events", sensorRecord().replacingOccurrences(of: "2026-", with: "2026-13-"), "UTC time"),
        ("tympan/pole-7/events", sensorRecord().replacingOccurrences(of: "\"id\":\"run1-1\",", with: ""), "no id"),
        ("tympan/pole-7/status", "maybe", "neither online nor offline"),
        ("tympan/pole-7/audio", "{}", "unknown kind"),
        ("tympan/pole-7/health", #"{"sensor":"pole-7","time":"2026-12-03T01:00:00Z","latitude":95,"longitude":1}"#, "latitude"),
    ])
    func refuses(topic: String, payload: String, reason: String) {
        #expect {
            try SensorMessage.parse(topic: topic, payload: Array(payload.utf8), receivedMs: 0)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("An oversized payload is refused before it is parsed")
    func oversized() {
        let payload = [UInt8](repeating: UInt8(ascii: " "), count: SensorMessage.maximumBytes + 1)
        #expect(throws: MessageError.self) { try SensorMessage.parse(topic: "tympan/a/events", payload: payload, receivedMs: 0) }
    }

    @Test("UTC times read back what utcTimestamp writes, and impossible dates are refused")
    func timestamps() {
        var random = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let seconds = Double(random.next() % 253_402_300_799_999) / 1000  // up to 9999-12-31
            let text = utcTimestamp(seconds)
            #expect(parseUTCTimestamp(text) == Int64((seconds * 1000).rounded(.down)), "\(text)")
            let ms = Int64(random.next() % 253_402_300_799_999)
            #expect(parseUTCTimestamp(utcTimestamp(milliseconds: ms)) == ms)
        }
        #expect(parseUTCTimestamp("2026-12-03T01:02:03Z") == 1_796_259_723_000)
        #expect(parseUTCTimestamp("2024-02-29T00:00:00.5Z") == 1_709_164_800_500)
        for bad in ["2025-02-29T00:00:00Z", "2026-12-03T24:00:00Z", "2026-12-03 01:02:03Z", "2026-12-03T01:02:03",
                    "2026-12-03T01:02:03.1234Z", "1969-12-31T23:59:59Z", "2026-12-03T01:02:03.Z", "+026-12-03T01:02:03Z"] {
            #expect(parseUTCTimestamp(bad) == nil, "\(bad)")
        }
    }
}
