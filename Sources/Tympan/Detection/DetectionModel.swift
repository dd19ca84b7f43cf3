/// Rules made ready for detection, once: the classifier compiled and what the
/// trackers read of each frame found. Immutable and `Sendable`: the detectors
/// made from one model (every stream of a sensor, every clip of an
/// evaluation, on any thread) share it, and each keeps only its own stream.
public final class DetectionModel: Sendable {
    public let rules: Rules
    public var configuration: FeatureConfiguration { rules.configuration }
    let classifier: ThresholdClassifier
    /// Where each frame's A-weighted level is.
    let levelIndex: Int
    /// Per class: where its onset feature is in a frame (nil: none).
    let onsetReferences: [FeatureReference?]

    public init(rules: Rules) throws(TympanError) {
        guard let level = rules.configuration.featureNames.firstIndex(of: "level_dba") else {
            throw .invalidConfiguration(field: "descriptors", value: "nil",
                                        reason: "event detection needs the descriptors (level_dba)")
        }
        self.rules = rules
        classifier = try ThresholdClassifier(rules: rules)
        levelIndex = level
        let names = rules.configuration.featureNames
        onsetReferences = rules.classes.map { $0.detector.onsetFeature.flatMap { FeatureReference($0, names: names) } }
    }

    /// The bundled rules on the detection front end.
    public convenience init() throws(TympanError) {
        try self.init(rules: Rules.bundled())
    }
}
