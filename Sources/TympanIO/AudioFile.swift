import CSndFile
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
    /// Reads a whole file and mixes it to mono.
    ///
    /// Throws `TympanError.unreadableAudio` for a missing file, a file that is
    /// not audio, and a truncated file (one whose header promises more audio
    /// than the file holds), naming the file and what is wrong.
    public static func read(_ path: String) throws(TympanError) -> AudioClip {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw .unreadableAudio(path: path, reason: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(file) }
        if let problem = truncation(in: file) {
            throw .unreadableAudio(path: path, reason: problem)
        }
        let channels = Int(info.channels)
        guard channels > 0, info.samplerate > 0 else {
            throw .unreadableAudio(path: path, reason: "no channels or no sample rate in the header")
        }
        let declared = Int(info.frames)
        var mono = [Float]()
        mono.reserveCapacity(max(declared, 0))
        let blockFrames = 4096
        var block = [Float](repeating: 0, count: blockFrames * channels)
        while true {
            let got = block.withUnsafeMutableBufferPointer {
                Int(sf_readf_float(file, $0.baseAddress, sf_count_t(blockFrames)))
            }
            if got <= 0 { break }
            if channels == 1 {
                mono.append(contentsOf: block[0..<got])
            } else {
                let scale = 1 / Float(channels)
                for frame in 0..<got {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += block[frame * channels + channel] }
                    mono.append(sum * scale)
                }
            }
        }
        let error = sf_error(file)
        if error != 0 {
            throw .unreadableAudio(path: path, reason: String(cString: sf_strerror(file)))
        }
        if mono.count < declared {
            throw .unreadableAudio(
                path: path, reason: "truncated: the header declares \(declared) frames, only \(mono.count) could be read")
        }
        return AudioClip(samples: mono, sampleRate: Int(info.samplerate), channelCount: channels)
    }

    /// libsndfile opens a WAV whose data chunk runs past the end of the file
    /// and shortens it silently; its parse log records the declared size with
    /// "(should be N)". That is a truncated file, and we say so.
    static func truncation(in file: OpaquePointer) -> String? {
        var log = [CChar](repeating: 0, count: 8192)
        _ = sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(cString: log)
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
