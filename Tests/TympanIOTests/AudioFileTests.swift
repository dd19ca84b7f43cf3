import Foundation
import Testing
import Tympan
import TympanIO

enum AudioFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The 1 kHz, 0.5-amplitude, 0.5 s tone the fixture script wrote.
    static let tone = (0..<8000).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / 16000)) }

    /// A scratch file with the given bytes, removed after `body`.
    static func withTemporaryFile<T>(named name: String, bytes: Data, _ body: (String) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tympan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return try body(url.path)
    }
}

@Suite struct AudioFileTests {
    @Test("WAV (16-bit) and FLAC read the tone to within 16-bit quantisation",
          arguments: ["audio/tone.wav", "audio/tone.flac"])
    func losslessFormats(_ file: String) throws {
        let clip = try AudioFile.read(AudioFixtures.path(file))
        #expect(clip.sampleRate == 16_000 && clip.channelCount == 1)
        #expect(clip.samples.count == 8000)
        let worst = zip(clip.samples, AudioFixtures.tone).map { abs($0 - $1) }.max()!
        #expect(worst <= 1.0 / 32768, "max |diff| \(worst)")
    }

    @Test("OGG Vorbis reads back the tone (lossy: level within 0.5 dB)")
    func oggVorbis() throws {
        let clip = try AudioFile.read(AudioFixtures.path("audio/tone.ogg"))
        #expect(clip.sampleRate == 16_000)
        #expect(abs(clip.samples.count - 8000) <= 64)
        let rms = sqrt(clip.samples.reduce(0) { $0 + $1 * $1 } / Float(clip.samples.count))
        #expect(abs(20 * log10(rms / (0.5 / sqrt(2)))) < 0.5, "rms \(rms)")
    }

    @Test("Stereo is mixed to mono by averaging the channels")
    func stereoToMono() throws {
        let clip = try AudioFile.read(AudioFixtures.path("audio/stereo.wav"))
        #expect(clip.channelCount == 2)
        let expected = AudioFixtures.tone.map { ($0 + -0.5 * $0) / 2 }
        let worst = zip(clip.samples, expected).map { abs($0 - $1) }.max()!
        #expect(clip.samples.count == 8000 && worst <= 1e-6)
    }

    @Test("The file's own sample rate is reported")
    func otherSampleRate() throws {
        let clip = try AudioFile.read(AudioFixtures.path("audio/tone-44k.wav"))
        #expect(clip.sampleRate == 44_100 && clip.samples.count == 11_025)
    }

    @Test("A missing file is a clear error naming the file")
    func missingFile() {
        #expect {
            try AudioFile.read("/nonexistent/clip.wav")
        } throws: { error in
            guard case let .unreadableAudio(path, reason)? = error as? TympanError else { return false }
            return path == "/nonexistent/clip.wav" && !reason.isEmpty
        }
    }

    @Test("A text file named .wav is a clear error")
    func textFile() throws {
        _ = try AudioFixtures.withTemporaryFile(named: "notes.wav", bytes: Data("this is not audio\n".utf8)) { path in
            #expect {
                try AudioFile.read(path)
            } throws: { error in
                guard case let .unreadableAudio(reported, reason)? = error as? TympanError else { return false }
                return reported == path && reason.contains("not recognised")
            }
        }
    }

    @Test("A truncated WAV (data cut short, or header only) is a clear error, not silently short audio",
          arguments: [10_000, 30])
    func truncatedWAV(_ keptBytes: Int) throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: AudioFixtures.path("audio/tone.wav")))
        #expect(whole.count > 10_000)
        try AudioFixtures.withTemporaryFile(named: "cut.wav", bytes: whole.prefix(keptBytes)) { path in
            #expect {
                try AudioFile.read(path)
            } throws: { error in
                guard case let .unreadableAudio(reported, reason)? = error as? TympanError else { return false }
                return reported == path && (keptBytes < 44 || reason.contains("truncated"))
            }
        }
    }

    @Test("A truncated FLAC is a clear error")
    func truncatedFLAC() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: AudioFixtures.path("audio/tone.flac")))
        try AudioFixtures.withTemporaryFile(named: "cut.flac", bytes: whole.prefix(whole.count / 2)) { path in
            #expect(throws: TympanError.self) { try AudioFile.read(path) }
        }
    }

    /// Found by scripts/mutate.py (seed 3): `tympan features` on a FLAC whose
    /// header declared 2^36 - 1 frames aborted, reserving 64 GiB for them.
    @Test("A FLAC header declaring 2^36 - 1 frames is refused as truncated, nothing reserved for them")
    func absurdDeclaredLength() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: AudioFixtures.path("audio/tone.flac"))))
        // fLaC, a metadata block header (4 bytes), then STREAMINFO: block and frame
        // sizes (10 bytes), then 20 bits of rate, 3 of channels, 5 of bits per
        // sample, 36 of total samples: its low 4 bits in byte 21, the rest in 22...25.
        #expect(Array(bytes[0..<4]) == Array("fLaC".utf8))
        bytes[21] |= 0x0f
        for i in 22...25 { bytes[i] = 0xff }
        try AudioFixtures.withTemporaryFile(named: "declared.flac", bytes: Data(bytes)) { path in
            let stream = try AudioFileStream(path: path, targetRate: nil)
            #expect(stream.declaredFrames == (1 << 36) - 1)
            #expect {
                try AudioFile.read(path)
            } throws: { error in
                "\(error)".contains("truncated")
            }
        }
    }
}

@Suite struct NumPyArrayTests {
    @Test("Encode then decode gives the same array; the header is 64-byte aligned")
    func roundTrip() throws {
        for shape in [[3, 4], [7], [0, 5]] {
            let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.25 - 1 }
            let array = NumPyArray(shape: shape, values: values)
            let bytes = array.encoded()
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            #expect(try NumPyArray(decoding: bytes) == array)
        }
    }

    @Test("Not NumPy, truncated data and unsupported dtypes are refused")
    func refusals() throws {
        #expect(throws: NumPyArray.DecodingError.notNumPy) { try NumPyArray(decoding: Array("hello world".utf8)) }
        let bytes = NumPyArray(shape: [2, 2], values: [1, 2, 3, 4]).encoded()
        #expect(throws: NumPyArray.DecodingError.truncated(expected: 16, found: 12)) {
            try NumPyArray(decoding: Array(bytes.dropLast(4)))
        }
        var int32 = bytes
        let descr = Array("'<f4'".utf8), replacement = Array("'<i4'".utf8)
        if let at = (0..<int32.count - 5).first(where: { Array(int32[$0..<$0 + 5]) == descr }) {
            int32.replaceSubrange(at..<at + 5, with: replacement)
        }
        #expect(throws: NumPyArray.DecodingError.self) { try NumPyArray(decoding: int32) }
    }
}

/// A stream's read size is bounded (docs/hardening.md): 0, negative or 2^31 is
/// an error naming it, not a 2 GB buffer or a read of nothing forever.
@Suite struct StreamBoundsTests {
    @Test("chunkFrames and chunkBytes outside 1...2^24 are refused, naming the field", arguments: [0, -5, 1 << 31])
    func chunkSizes(_ size: Int) throws {
        let path = AudioFixtures.path("audio/tone.wav")
        #expect(throws: TympanError.invalidConfiguration(field: "chunkFrames", value: "\(size)", reason: "must be 1...16777216")) {
            _ = try AudioFileStream(path: path, targetRate: 16_000, chunkFrames: size)
        }
        #expect(throws: TympanError.invalidConfiguration(field: "chunkBytes", value: "\(size)", reason: "must be 1...16777216")) {
            _ = try RawPCMStream(descriptor: 0, encoding: .s16le, sampleRate: 16_000, channelCount: 1, targetRate: 16_000,
                                 chunkBytes: size)
        }
        #expect(throws: Never.self) { _ = try AudioFileStream(path: path, targetRate: 16_000, chunkFrames: 1 << 24) }
    }
}
