import Foundation
import Testing
import Tympan
import TympanIO

/// A stream's read size is bounded (docs/hardening.md): 0, negative or 2^31 is
/// an error naming it, not a 2 GB buffer or a read of nothing forever.
@Suite struct StreamBoundsTests {
    @Test("chunkFrames and chunkBytes outside 1...2^24 are refused, naming the field", arguments: [0, -5, 1 << 31])
    func chunkSizes(_ size: Int) throws {
        let path = AudioFixtures.path("audio/tone.wav")
        #expect(throws: TympanIOError.invalidSetting(field: "chunkFrames", value: "\(size)", reason: "must be 1...16777216")) {
            _ = try AudioFileStream(path: path, targetRate: 16_000, chunkFrames: size)
        }
        #expect(throws: TympanIOError.invalidSetting(field: "chunkBytes", value: "\(size)", reason: "must be 1...16777216")) {
            _ = try RawPCMStream(descriptor: 0, encoding: .s16le, sampleRate: 16_000, channelCount: 1, targetRate: 16_000,
                                 chunkBytes: size)
        }
        #expect(throws: Never.self) { _ = try AudioFileStream(path: path, targetRate: 16_000, chunkFrames: 1 << 24) }
    }
}
