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

    /// Appends frames that follow these in the stream.
    public mutating func append(_ other: FeatureFrames) {
        precondition(other.featureCount == featureCount, "feature counts differ")
        if values.isEmpty { firstFrame = other.firstFrame }
        values.append(contentsOf: other.values)
    }
}
