/// Auditable threshold rules: per class, conditions on frame features (or
/// their short-window aggregates) combined into a score in [0, 1], and the
/// settings of the event detector. Loaded from JSON (see `Rules.bundledJSON`
/// and docs/rules.md); every error names the file, the line and the field.
public struct Rules: Sendable {
    public var classes: [ClassRule]
    /// What the rules are checked against: the feature names they may use.
    public let configuration: FeatureConfiguration

    public init(json: String, source: String = "rules", configuration: FeatureConfiguration = .detection)
        throws(TympanError)
    {
        self.configuration = configuration
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw .invalidRules(source: source, line: error.line, field: "", reason: error.message)
        }
        var reader = RuleReader(source: source, names: configuration.featureNames)
        classes = try reader.rules(root)
    }

    /// The rules that ship with Tympan (`tympan rules` prints them).
    public static func bundled(for configuration: FeatureConfiguration = .detection) throws(TympanError) -> Rules {
        try Rules(json: bundledJSON, source: "bundled rules", configuration: configuration)
    }
}

public struct ClassRule: Sendable {
    public var eventClass: EventClass
    public var about: String
    public var terms: [Term]
    /// How the term scores make the class score.
    public var combination: Combination
    public var detector: DetectorSettings

    public enum Combination: Sendable, Equatable {
        /// All must hold: the class score is the smallest term score.
        case all
        /// Evidence adds up: the class score is the logistic of `bias` plus
        /// every term's score times its weight (a term that holds adds its
        /// weight; one that does not adds nothing). Rules of this kind are
        /// written by scripts/rules/boost.py.
        case weighted(bias: Double)
    }

    /// The most a weighted class's weights may add up to, in absolute value:
    /// the classifier sums them in fixed point (2^-40), below 2^60.
    public static let weightLimit = 1_048_576.0  // 2^20

    /// The absolute sum of a weighted class's weights (0 for an `all` class).
    var totalWeight: Double {
        guard case .weighted = combination else { return 0 }
        return terms.reduce(0) { total, term in
            switch term {
            case let .condition(c): total + abs(c.weight)
            case let .all(_, weight): total + abs(weight)
            case .any: total  // not in weighted rules
            }
        }
    }
}

/// One term of a rule: a condition, a group of which any may hold, or (in a
/// weighted rule) a group that must all hold and adds its weight when it does.
public indirect enum Term: Sendable, CustomStringConvertible {
    case condition(Condition)
    case any([Term])
    case all([Condition], weight: Double)

    public var description: String {
        switch self {
        case let .condition(c): c.description
        case let .any(terms): "any of (" + terms.map(\.description).joined(separator: "; ") + ")"
        case let .all(conditions, _): conditions.map(\.description).joined(separator: " and ")
        }
    }
}

public struct Condition: Sendable, CustomStringConvertible {
    public enum Aggregate: String, Sendable, CaseIterable {
        /// The current frame's value.
        case value
        case mean, max, min
        /// The window's last value minus its smallest.
        case rise
        /// The window's largest value minus its last.
        case fall
        /// The window's largest value minus its smallest (how steady it is).
        case range
    }

    public enum Threshold: Sendable, Equatable {
        case above(Double)
        case below(Double)
        case between(Double, Double)
    }

    /// A feature name (`flux_db`, `band_high_above_db`, `mel_12`, ...) or a
    /// mean of log-mel bands, `mel[a..b]`.
    public var feature: String
    public var aggregate: Aggregate
    /// Frames in the aggregate's window.
    public var frames: Int
    /// How many frames past the evaluated frame the window ends (0: it ends at
    /// the evaluated frame). Looking ahead delays every score by the rules'
    /// largest `ahead`, a fixed latency.
    public var ahead: Int
    public var threshold: Threshold
    /// Width (in the feature's unit) over which the term's score goes from 0
    /// to 1, centred on the threshold; 0 is a hard step.
    public var softness: Double
    /// What the term adds to a weighted class's evidence when it holds (1
    /// for rules whose terms must all hold, where it is not used).
    public var weight: Double = 1
    /// The line of the rules file it came from.
    public var line: Int

    public var description: String {
        let window = ahead > 0 ? "\(frames) frames to +\(ahead)" : "\(frames) frames"
        let subject = aggregate == .value ? feature : "\(aggregate.rawValue)(\(feature), \(window))"
        switch threshold {
        case let .above(t): return "\(subject) above \(t)"
        case let .below(t): return "\(subject) below \(t)"
        case let .between(a, b): return "\(subject) between \(a) and \(b)"
        }
    }

    /// The term's score for a value: 0.5 exactly at a threshold.
    func score(_ x: Double) -> Double { Self.score(x, threshold, softness: softness) }

    static func score(_ x: Double, _ threshold: Threshold, softness: Double) -> Double {
        func ramp(_ d: Double) -> Double {
            softness > 0 ? Swift.min(1, Swift.max(0, 0.5 + d / softness)) : (d >= 0 ? 1 : 0)
        }
        switch threshold {
        case let .above(t): return ramp(x - t)
        case let .below(t): return ramp(t - x)
        case let .between(a, b): return Swift.min(ramp(x - a), ramp(b - x))
        }
    }
}

public struct DetectorSettings: Sendable, Equatable {
    /// An event starts when the score reaches `on` and lasts while it stays at or above `off`.
    public var on: Double = 0.5
    public var off: Double = 0.35
    public var minDuration: Double = 0.1
    public var maxDuration: Double = 30
    /// Events closer than this (s) are merged into one.
    public var mergeGap: Double = 0.2
    /// After an event, the class stays silent this long (s).
    public var refractory: Double = 0
    /// Onset refinement: from the frame where the event triggered, the onset
    /// moves back while `onsetFeature` stays at or above `onsetAbove`, at most
    /// `onsetLookback` seconds (an event starts where its sound rose above the
    /// background, not where the rule became sure). nil: no refinement.
    public var onsetFeature: String?
    public var onsetAbove: Double = 3
    public var onsetLookback: Double = 1
    /// With a value: the onset also stops moving back where the feature falls
    /// more than this many dB below its value where the event triggered (a
    /// scream that starts over a louder street still starts where it rose).
    public var onsetWithin: Double?
    /// Holding: when the score falls below `off`, the event stays open up to
    /// `hold` seconds while `onsetFeature` stays at or above `onsetAbove` (its
    /// sound has not stopped), and goes on if the score comes back to `on`
    /// in that time. A grinder that bites into the work or a scream that
    /// breaks its voice is one event, not two; two horn blasts with a silence
    /// between them stay two. 0: no holding beyond `mergeGap`.
    public var hold: Double = 0
    /// Classes that silence this one while they sound: a frame's score counts
    /// as 0 while one of them is above its own `on` threshold (and until it
    /// falls below its `off`), or, with `above`, while its score is at least
    /// that. For example, the sparks of a grinder hiss like a spray can, so
    /// `aerosol_spray` may be suppressed by `angle_grinder`.
    public var suppressedBy: [Suppressor] = []
    /// Site adaptation (see `SiteState`): with a quantile, the detector learns
    /// how this class's scores are distributed where it listens, and raises
    /// `on` (and `off` with it) to that quantile of the last `siteMemory`
    /// seconds, once it has listened `siteWarmUp` seconds; never above
    /// `SiteState.ceiling`. A site whose music or speech often scores like a
    /// horn or a scream stops raising them; a quiet site keeps `on`. nil: `on` as written.
    public var siteQuantile: Double?
    public var siteWarmUp: Double = 60
    public var siteMemory: Double = 3600
}

extension DetectorSettings {
    /// The defaults, or the given values.
    public init(on: Double = 0.5, off: Double = 0.35, minDuration: Double = 0.1, maxDuration: Double = 30,
                mergeGap: Double = 0.2, refractory: Double = 0) {
        self.on = on
        self.off = off
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.mergeGap = mergeGap
        self.refractory = refractory
    }
}

/// A class that silences another while it sounds.
public struct Suppressor: Sendable, Equatable {
    public var eventClass: EventClass
    /// nil: while that class is up by its own hysteresis (on, then off);
    /// a number: while its score is at least this.
    public var above: Double?

    public init(_ eventClass: EventClass, above: Double? = nil) {
        self.eventClass = eventClass
        self.above = above
    }
}

/// Where a condition's feature comes from in a frame: one value, or the mean of log-mel bands.
struct FeatureReference: Sendable {
    let indices: Range<Int>

    init?(_ name: String, names: [String]) {
        if let i = names.firstIndex(of: name) {
            indices = i..<i + 1
            return
        }
        // mel[a..b]: the mean of log-mel bands a through b.
        guard name.hasPrefix("mel["), name.hasSuffix("]") else { return nil }
        let inner = name.dropFirst(4).dropLast()
        let parts = inner.split(separator: ".", omittingEmptySubsequences: true)
        guard inner.contains(".."), parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b,
              let first = names.firstIndex(of: "mel_\(a)"), names.contains("mel_\(b)") else { return nil }
        indices = first..<first + (b - a + 1)
    }
}
