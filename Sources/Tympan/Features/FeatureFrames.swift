/// Frames of features in one contiguous, row-major buffer:
/// `values[frame * featureCount + feature]`.
public struct FeatureFrames: Sendable, Equatable {
    /// Floats per frame.
    public let featureCount: Int
    /// Index (in the stream) of the first frame held here.
    public private(set) var firstFrame: Int
    /// `frameCount × featureCount` values, frame after frame.
    public private(set) var values: [Float]

    public init(featureCount: Int, firstFrame: Int = 0, values: [Float] = []) {
        precondition(featureCount > 0 && values.count % featureCount == 0,
                     "values must hold whole frames of \(featureCount)")
        self.featureCount = featureCount
        self.firstFrame = firstFrame
        self.values = values
    }

    public var frameCount: Int { values.count / featureCount }
    public var isEmpty: Bool { values.isEmpty }

    /// The features of the `frame`-th frame held here (0-based, not the stream index).
    public subscript(frame: Int) -> ArraySlice<Float> {
        values[frame * featureCount ..< (frame + 1) * featureCount]
    }

    public subscript(frame: Int, feature: Int) -> Float {
        values[frame * featureCount + feature]
    }

    /// Makes room for `frames` frames starting at stream frame `first`,
    /// reusing the storage: no allocation once the capacity suffices.
    mutating func reuse(first: Int, frames: Int) {
        firstFrame = first
        let n = frames * featureCount
        if values.count > n {
            values.removeLast(values.count - n)
        } else if values.count < n {
            // A frame more than asked: chunks that are not a whole number of
            // hops give one frame more now and then.
            if values.capacity < n { values.reserveCapacity(n + featureCount) }
            values.append(contentsOf: repeatElement(0, count: n - values.count))
        }
    }

    mutating func withValues<R, E: Error>(_ body: (inout [Float]) throws(E) -> R) throws(E) -> R {
        try body(&values)
    }

    /// Appends frames that follow these in the stream.
    public mutating func append(_ other: FeatureFrames) {
        precondition(other.featureCount == featureCount, "feature counts differ")
        if values.isEmpty { firstFrame = other.firstFrame }
        values.append(contentsOf: other.values)
    }
}
