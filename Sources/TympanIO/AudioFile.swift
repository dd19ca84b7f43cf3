internal import CSndFile
import Tympan

/// Audio read from a file: mono, 32-bit float, at the file's own sample rate.
public struct AudioClip: Sendable, Equatable, CustomStringConvertible {
    /// Mono samples, nominally in [-1, 1] (channels are averaged).
    public var samples: [Float]
    public var sampleRate: Int
    /// Channels in the file before mixing to mono.
    public var channelCount: Int

    public init(samples: [Float], sampleRate: Int, channelCount: Int = 1) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.channelCount = channelCount
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    public var description: String {
        "AudioClip(\(samples.count) samples at \(sampleRate) Hz, \(channelCount) channel(s) mixed to mono)"
    }
}

/// Reads WAV, FLAC, OGG and the other formats libsndfile knows. Read-only:
/// Tympan never writes audio.
public enum AudioFile {
    /// The most frames `read` reserves from a header's declared length (2^22:
    /// 16 MiB, over four minutes at 16 kHz).
    static let reservedFramesLimit = 1 << 22

    /// Reads a whole file and mixes it to mono.
    ///
    /// Throws `TympanIOError.unreadableAudio` for a missing file, a file that is
    /// not audio, and a truncated file (one whose header promises more audio
    /// than the file holds), naming the file and what is wrong.
    public static func read(_ path: String) throws(TympanIOError) -> AudioClip {
        let stream = try AudioFileStream(path: path, targetRate: nil)
        var mono = [Float]()
        // The header's frame count is a claim: a damaged FLAC header may declare
        // 2^36 frames (256 GiB of floats) in a file of a kilobyte. Reserve at most
        // `reservedFramesLimit` and let the array grow with what is really read
        // (a file that holds fewer frames than it declares is then refused as
        // truncated).
        mono.reserveCapacity(min(max(stream.declaredFrames, 0), reservedFramesLimit))
        while true {
            let chunk = try stream.next()
            if chunk.isEmpty { break }
            mono.append(contentsOf: chunk)
        }
        return AudioClip(samples: mono, sampleRate: stream.sampleRate, channelCount: stream.channelCount)
    }

    /// libsndfile opens a WAV whose data chunk runs past the end of the file
    /// and shortens it silently; its parse log records the declared size with
    /// "(should be N)". That is a truncated file, and we say so.
    static func truncation(in file: OpaquePointer) -> String? {
        var log = [CChar](repeating: 0, count: 8192)
        _ = sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("data") && line.contains("(should be") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if numbers.count >= 2 {
                return "truncated: the data chunk declares \(numbers[0]) bytes, the file holds \(numbers[1])"
            }
            return "truncated: \(line)"
        }
        return nil
    }
}
