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
