import Foundation
import Testing
import Tympan
import TympanIO

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
            guard case let .unreadableAudio(path, reason)? = error as? TympanIOError else { return false }
            return path == "/nonexistent/clip.wav" && !reason.isEmpty
        }
    }

    @Test("A text file named .wav is a clear error")
    func textFile() throws {
        _ = try AudioFixtures.withTemporaryFile(named: "notes.wav", bytes: Data("this is not audio\n".utf8)) { path in
            #expect {
                try AudioFile.read(path)
            } throws: { error in
                guard case let .unreadableAudio(reported, reason)? = error as? TympanIOError else { return false }
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
                guard case let .unreadableAudio(reported, reason)? = error as? TympanIOError else { return false }
                return reported == path && (keptBytes < 44 || reason.contains("truncated"))
            }
        }
    }

    @Test("A truncated FLAC is a clear error")
    func truncatedFLAC() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: AudioFixtures.path("audio/tone.flac")))
        try AudioFixtures.withTemporaryFile(named: "cut.flac", bytes: whole.prefix(whole.count / 2)) { path in
            #expect(throws: TympanIOError.self) { try AudioFile.read(path) }
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
