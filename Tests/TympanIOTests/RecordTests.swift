import Foundation
import Testing
import Tympan
import TympanIO

@Suite struct RecordTests {
    @Test("UTC timestamps: known instants, milliseconds truncated, before 1970 too")
    func timestamps() {
        #expect(utcTimestamp(0) == "1970-01-01T00:00:00.000Z")
        #expect(utcTimestamp(1_796_040_000.1234) == "2026-11-30T12:00:00.123Z")
        #expect(utcTimestamp(951_782_400) == "2000-02-29T00:00:00.000Z")
        #expect(utcTimestamp(-1) == "1969-12-31T23:59:59.000Z")
    }

    @Test("A record from an event: times, class id, rounded numbers, escaped sensor id, no other keys")
    func record() throws {
        let event = SoundEvent(eventClass: .carHorn, onset: 16_000, offset: 24_000, sampleRate: 16_000,
                               confidence: 0.87654, peakLevel: -23.456,
                               explanation: [Explanation(term: "t", value: 1, score: 0.5)])
        let record = EventRecord(event, sensor: "pole \"7\"", streamStart: 1_796_040_000)
        let object = try JSONSerialization.jsonObject(with: Data(record.json.utf8)) as! [String: Any]
        #expect(Set(object.keys) == Set(EventRecord.keys))
        #expect(object["sensor"] as? String == "pole \"7\"")
        #expect(object["time"] as? String == "2026-11-30T12:00:01.000Z")
        #expect(object["onset"] as? Double == 1 && object["offset"] as? Double == 1.5)
        #expect(object["class"] as? String == "car_horn" && object["class_id"] as? Int == 5)
        #expect(object["confidence"] as? Double == 0.877 && object["level_db"] as? Double == -23.5)
        #expect(record.tsv(filename: "a.flac") == "a.flac\t1\t1.5\tcar_horn")
        let explained = EventRecord(event, sensor: "s", streamStart: 0, explain: true)
        #expect(explained.json.contains("\"explanation\":[{\"term\":\"t\",\"value\":1,\"score\":0.5}]"))
        var weighted = event
        weighted.explanation = [Explanation(term: "t", value: 1, score: 1, weight: -0.25)]
        #expect(EventRecord(weighted, sensor: "s", streamStart: 0, explain: true).json
            .contains("\"explanation\":[{\"term\":\"t\",\"value\":1,\"score\":1,\"weight\":-0.25}]"))
    }

    @Test("A record with an id (tympan listen) writes it first; without one (tympan detect) the keys stay exactly the record keys")
    func identifier() throws {
        let event = SoundEvent(eventClass: .scream, onset: 1600, offset: 3200, sampleRate: 16_000, confidence: 0.5,
                               peakLevel: -10, explanation: [])
        var record = EventRecord(event, sensor: "s", streamStart: 0)
        #expect(!record.json.contains("\"id\""))
        record.id = "1796022713924-7"
        #expect(record.json.hasPrefix("{\"id\":\"1796022713924-7\",\"sensor\":\"s\","))
    }

    @Test("Privacy by construction: a record's stored properties are metadata only")
    func noRoomForAudio() {
        let event = SoundEvent(eventClass: .gunshot, onset: 0, offset: 1, sampleRate: 16_000, confidence: 1,
                               peakLevel: 0, explanation: [])
        let record = EventRecord(event, sensor: "s", streamStart: 0)
        let fields = Mirror(reflecting: record).children.compactMap(\.label)
        #expect(fields == ["sensor", "time", "onset", "offset", "eventClass", "confidence", "level", "explanation", "id"])
        for child in Mirror(reflecting: record).children {
            #expect(!(child.value is [Float]) && !(child.value is [Double]), "\(child.label ?? "") could carry samples")
        }
    }
}
