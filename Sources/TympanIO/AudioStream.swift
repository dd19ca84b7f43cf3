internal import CSndFile
import Tympan

#if canImport(Glibc)
import Glibc
#endif

/// The sample rates a stream is read at: 4 kHz (narrowband telephony) to 384 kHz
/// (the highest common converter rate). Outside them nothing useful is heard,
/// and a resampling ratio of thousands makes a stream crawl (1 Hz to 16 kHz is
/// 16,000 output samples for every input one): a file or `--rate` outside is
/// refused with an error naming the value and the range.
public let supportedSampleRates = FeatureConfiguration.sampleRates
/// The largest read a stream makes at once (frames of a file, bytes of raw PCM): 16 Mi.
public let maximumChunk = 1 << 24
let supportedSampleRatesText = "\(supportedSampleRates.lowerBound)...\(supportedSampleRates.upperBound) Hz"

/// Audio read in chunks, mixed to mono and resampled to one rate: bounded
/// memory whatever the length of the input.
public protocol AudioStream: AnyObject {
    /// The next chunk of mono samples at the target rate; empty at the end.
    func next() throws(TympanIOError) -> [Float]
}

/// Mixes interleaved frames to mono and resamples to the target rate.
final class Conditioner {
    let channels: Int
    private let resampler: Resampler?

    init(channels: Int, inputRate: Int, outputRate: Int) throws(TympanIOError) {
        self.channels = channels
        resampler = inputRate == outputRate ? nil : try Resampler(from: inputRate, to: outputRate)
    }

    func process(_ interleaved: ArraySlice<Float>) -> [Float] {
        var mono: [Float]
        if channels == 1 {
            mono = Array(interleaved)
        } else {
            let frames = interleaved.count / channels
            mono = [Float](repeating: 0, count: frames)
            let scale = 1 / Float(channels)
            var i = interleaved.startIndex
            for f in 0..<frames {
                var sum: Float = 0
                for _ in 0..<channels { sum += interleaved[i]; i += 1 }
                mono[f] = sum * scale
            }
        }
        return resampler?.process(mono) ?? mono
    }

    func finish() -> [Float] { resampler?.finish() ?? [] }
}

/// A file through libsndfile (WAV, FLAC, OGG, ...), in chunks.
public final class AudioFileStream: AudioStream {
    public let path: String
    public let sampleRate: Int
    public let channelCount: Int
    public let declaredFrames: Int
    private let file: OpaquePointer
    private let conditioner: Conditioner
    private var block: [Float]
    private var framesRead = 0
    private var ended = false

    /// `targetRate` nil keeps the file's own rate.
    public init(path: String, targetRate: Int?, chunkFrames: Int = 16_384) throws(TympanIOError) {
        guard (1...maximumChunk).contains(chunkFrames) else {
            throw .invalidSetting(field: "chunkFrames", value: "\(chunkFrames)", reason: "must be 1...\(maximumChunk)")
        }
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw .unreadableAudio(path: path, reason: String(cString: sf_strerror(nil)))
        }
        if let problem = AudioFile.truncation(in: file) {
            sf_close(file)
            throw .unreadableAudio(path: path, reason: problem)
        }
        guard info.channels > 0, info.samplerate > 0 else {
            sf_close(file)
            throw .unreadableAudio(path: path, reason: "no channels or no sample rate in the header")
        }
        guard supportedSampleRates.contains(Int(info.samplerate)) else {
            sf_close(file)
            throw .unreadableAudio(path: path,
                                   reason: "a sample rate of \(info.samplerate) Hz in the header, outside \(supportedSampleRatesText)")
        }
        self.path = path
        self.file = file
        sampleRate = Int(info.samplerate)
        channelCount = Int(info.channels)
        declaredFrames = Int(info.frames)
        do {
            conditioner = try Conditioner(channels: channelCount, inputRate: sampleRate, outputRate: targetRate ?? sampleRate)
        } catch {
            sf_close(file)
            throw error
        }
        block = [Float](repeating: 0, count: chunkFrames * channelCount)
    }

    deinit { sf_close(file) }

    public func next() throws(TympanIOError) -> [Float] {
        while !ended {
            let frames = block.count / channelCount
            let got = block.withUnsafeMutableBufferPointer {
                Int(sf_readf_float(file, $0.baseAddress, sf_count_t(frames)))
            }
            if got <= 0 {
                ended = true
                if sf_error(file) != 0 {
                    throw .unreadableAudio(path: path, reason: String(cString: sf_strerror(file)))
                }
                if framesRead < declaredFrames {
                    throw .unreadableAudio(path: path, reason: "truncated: the header declares \(declaredFrames) frames, only \(framesRead) could be read")
                }
                return conditioner.finish()
            }
            framesRead += got
            let out = conditioner.process(block[0..<got * channelCount])
            if !out.isEmpty { return out }
        }
        return []
    }
}

/// Raw PCM from a file descriptor (standard input for `arecord ... |`).
public final class RawPCMStream: AudioStream {
    public enum Encoding: String, CaseIterable, Sendable {
        case s16le, f32le

        var bytesPerSample: Int { self == .s16le ? 2 : 4 }
    }

    public let encoding: Encoding
    public let sampleRate: Int
    public let channelCount: Int
    public let descriptor: Int32
    /// What errors call the input: "-" for standard input, or the path it was opened from.
    public let name: String
    private let conditioner: Conditioner
    private var buffer: [UInt8]
    private var carry = 0          // bytes of an incomplete frame kept from the last read
    private var ended = false

    public init(descriptor: Int32 = 0, name: String = "-", encoding: Encoding, sampleRate: Int, channelCount: Int,
                targetRate: Int, chunkBytes: Int = 32_768) throws(TympanIOError) {
        guard supportedSampleRates.contains(sampleRate) else {
            throw .invalidSetting(field: "--rate", value: "\(sampleRate)", reason: "must be \(supportedSampleRatesText)")
        }
        guard (1...64).contains(channelCount) else {
            throw .invalidSetting(field: "--channels", value: "\(channelCount)", reason: "must be 1...64")
        }
        guard (1...maximumChunk).contains(chunkBytes) else {
            throw .invalidSetting(field: "chunkBytes", value: "\(chunkBytes)", reason: "must be 1...\(maximumChunk)")
        }
        self.descriptor = descriptor
        self.name = name
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        conditioner = try Conditioner(channels: channelCount, inputRate: sampleRate, outputRate: targetRate)
        let frameBytes = encoding.bytesPerSample * channelCount
        buffer = [UInt8](repeating: 0, count: max(frameBytes, chunkBytes / frameBytes * frameBytes))
    }

    public func next() throws(TympanIOError) -> [Float] {
        while let out = try readOnce() {
            if !out.isEmpty { return out }
        }
        return []
    }

    /// One read(2) of what the descriptor has (it blocks only when nothing
    /// is there): the samples it completed, perhaps none yet; nil at the end.
    /// For a caller that waits on the descriptor with poll(2) itself.
    public func readOnce() throws(TympanIOError) -> [Float]? {
        guard !ended else { return nil }
        let frameBytes = encoding.bytesPerSample * channelCount
        let got = buffer.withUnsafeMutableBytes { raw in
            read(descriptor, raw.baseAddress! + carry, raw.count - carry)
        }
        if got < 0 {
            if errno == EINTR || errno == EAGAIN { return [] }
            throw .unreadableAudio(path: name, reason: "read failed: \(String(cString: strerror(errno)))")
        }
        if got == 0 {
            ended = true
            if carry != 0 {
                throw .unreadableAudio(path: name, reason: "the stream ended inside a frame (\(carry) stray bytes): "
                                       + "is it really \(encoding.rawValue) with \(channelCount) channel(s)?")
            }
            return conditioner.finish()
        }
        let available = carry + got
        let whole = available / frameBytes * frameBytes
        var samples = [Float](repeating: 0, count: whole / encoding.bytesPerSample)
        buffer.withUnsafeBytes { raw in
            switch encoding {
            case .s16le:
                for i in samples.indices {
                    let v = Int16(bitPattern: UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8)
                    samples[i] = Float(v) / 32768
                }
            case .f32le:
                for i in samples.indices {
                    let bits = UInt32(raw[4 * i]) | UInt32(raw[4 * i + 1]) << 8 | UInt32(raw[4 * i + 2]) << 16
                        | UInt32(raw[4 * i + 3]) << 24
                    samples[i] = Float(bitPattern: bits)
                }
            }
        }
        carry = available - whole
        if carry > 0 {  // keep the partial frame for the next read
            for i in 0..<carry { buffer[i] = buffer[whole + i] }
        }
        return conditioner.process(samples[...])
    }
}
