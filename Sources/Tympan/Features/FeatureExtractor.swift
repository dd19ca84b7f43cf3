/// Turns audio into features, streaming: `append` returns the frames that
/// became ready, `finish` flushes the last ones. Feeding audio in chunks of any
/// size gives bit-identical frames to feeding it whole.
///
/// One extractor is used by one thread at a time; any number of extractors
/// may run concurrently on different threads.
///
/// Non-finite samples (NaN, ±infinity) are rejected: the call throws
/// `TympanError.nonFiniteSample` with the index of the first bad sample and
/// consumes nothing of that buffer, so the stream is as it was before the call.
public final class FeatureExtractor {
    public let configuration: FeatureConfiguration
    private let stream: Kernels.Stream
    /// Stream index of the next frame to be produced.
    public private(set) var nextFrame = 0

    public init(configuration: FeatureConfiguration = .librosa) throws(TympanError) {
        try configuration.validate()
        self.configuration = configuration
        self.stream = try Kernels.Stream(configuration)
    }

    public var featureCount: Int { configuration.featureCount }

    /// Pushes samples (mono, at `configuration.sampleRate`, nominally in [-1, 1]).
    public func append(_ samples: [Float]) throws(TympanError) -> FeatureFrames {
        var output = [Float](repeating: 0, count: stream.framesFor(sampleCount: samples.count) * featureCount)
        guard let written = try stream.push(samples, into: &output) else { throw Self.nonFinite(samples) }
        return emit(output, written)
    }

    /// Pushes samples and writes the frames they complete into `frames`,
    /// replacing what it held and reusing its storage: in a steady stream
    /// (chunks of one size) nothing is allocated after the first call. The
    /// frames are those `append(_:)` would return.
    public func append(_ samples: [Float], into frames: inout FeatureFrames) throws(TympanError) {
        precondition(frames.featureCount == featureCount, "frames of \(frames.featureCount) features, the extractor makes \(featureCount)")
        let count = stream.framesFor(sampleCount: samples.count)
        frames.reuse(first: nextFrame, frames: count)
        let written = try frames.withValues { values throws(TympanError) in try stream.push(samples, into: &values) }
        guard let written else { throw Self.nonFinite(samples) }
        precondition(written == count, "frame count changed during a call")
        nextFrame += written
    }

    /// The error for a buffer the stream refused: its first sample that is not finite.
    private static func nonFinite(_ samples: [Float]) -> TympanError {
        let index = samples.firstIndex { !$0.isFinite } ?? 0
        return .nonFiniteSample(index: index, value: samples[index])
    }

    /// Ends the stream: pads centred frames past the end, returns the last
    /// frames, and makes the extractor ready for a new stream (frame 0 again).
    /// A stream that received no samples produces no frames.
    public func finish() throws(TympanError) -> FeatureFrames {
        var output = [Float](repeating: 0, count: stream.framesAtFinish() * featureCount)
        let written = try stream.finish(into: &output)
        let frames = emit(output, written)
        nextFrame = 0
        return frames
    }

    /// Drops buffered audio and starts a new stream.
    public func reset() {
        stream.reset()
        nextFrame = 0
    }

    /// One shot: the features of a whole clip, as a fresh stream.
    /// Throws `TympanError.emptyInput` for an empty clip.
    public func features(of samples: [Float]) throws(TympanError) -> FeatureFrames {
        guard !samples.isEmpty else { throw .emptyInput }
        reset()
        var frames = try append(samples)
        do {
            frames.append(try finish())
        } catch {
            reset()
            throw error
        }
        return frames
    }

    private func emit(_ output: [Float], _ written: Int) -> FeatureFrames {
        precondition(written * featureCount == output.count, "frame count changed during a call")
        let frames = FeatureFrames(featureCount: featureCount, firstFrame: nextFrame, values: output)
        nextFrame += written
        return frames
    }
}

extension FeatureConfiguration {
    /// One shot: the features of a whole clip with this configuration.
    public func features(of samples: [Float]) throws(TympanError) -> FeatureFrames {
        try FeatureExtractor(configuration: self).features(of: samples)
    }
}
