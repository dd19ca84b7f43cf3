/// What the trackers saw of a clip, frame by frame (each class's score, the
/// level, each class's onset feature): detector settings can be tried on it
/// without computing features again (`EventDetector.replay`, calibration).
public struct ScoreTrace: Sendable {
    public let classes: [EventClass]
    public internal(set) var frames = 0
    var scores: [Double] = []   // frames x classes
    var levels: [Double] = []
    var onsets: [Double] = []   // frames x classes

    init(classes: [EventClass]) {
        self.classes = classes
    }

    /// The trace as `init(classes:frames:)` reads it: per frame, each class's
    /// score, the level, each class's onset feature.
    public var frameValues: [Double] {
        let n = classes.count
        var values = [Double]()
        values.reserveCapacity(frames * (2 * n + 1))
        for e in 0..<frames {
            values += scores[e * n..<(e + 1) * n]
            values.append(levels[e])
            values += onsets[e * n..<(e + 1) * n]
        }
        return values
    }

    /// A trace written by another program (a detection run from the C
    /// kernels alone): per frame, each class's score, the level, and each
    /// class's onset feature, one frame after the other.
    public init(classes: [EventClass], frames values: [Double]) throws(TympanError) {
        let width = 2 * classes.count + 1
        guard !classes.isEmpty, values.count % width == 0 else {
            throw .invalidConfiguration(field: "trace", value: "\(values.count) values",
                                        reason: "not a whole number of frames of \(width) values")
        }
        self.classes = classes
        frames = values.count / width
        for e in 0..<frames {
            let row = values[e * width..<(e + 1) * width]
            scores += row.prefix(classes.count)
            levels.append(row[row.startIndex + classes.count])
            onsets += row.suffix(classes.count)
        }
    }
}
