#if canImport(Glibc)
import Glibc  // exp: the C library's, not Foundation
#elseif canImport(Darwin)
import Darwin
#endif

/// The threshold classifier of one set of rules, built once: immutable and
/// `Sendable`, shared by every stream and every clip scored with those rules
/// (each has its own `ClassifierStream`, the little that changes from frame
/// to frame). It turns the windowed aggregates of frames into one score in
/// [0, 1] per class, and keeps what explains a score.
///
/// Two kinds of rules, scored two ways:
/// - Hard conditions in weighted classes (the bundled rules, what
///   `scripts/rules` fits) are compiled for the C stage `tympan_scorer`:
///   thresholds to bytes, terms to fixed-point sums (2^-40: a weight moves by
///   at most 5e-13, and a score is the same number on every machine).
/// - Hand-written rules with soft conditions or classes whose terms must all
///   hold are scored here, every condition through its threshold and every
///   sum in doubles.
///
/// A weighted class whose weights add up past 2^20 (`ClassRule.weightLimit`)
/// is refused here as it is when rules are read. The plain reference the
/// tests compare both ways with is `ReferenceClassifier`, in Tests/Support.
final class ThresholdClassifier: Sendable {
    /// A term as indices into the conditions.
    indirect enum Node: Sendable {
        case leaf(Int)
        case any([Node])
        case all([Int], weight: Double)
    }

    /// Every condition of every class, in the rules' order.
    let conditions: [Condition]
    /// The aggregate each condition reads, and where a hard one holds (above
    /// t: [t, inf]; below t: [-inf, t]; between a and b: [a, b]).
    let reads: [Int]
    let intervals: [(low: Double, high: Double)]
    /// Per class, the indices of its conditions (contiguous, in the rules' order).
    let classRanges: [Range<Int>]
    let classes: [(nodes: [Node], combination: ClassRule.Combination)]  // in the rules' order
    /// Frames between the newest frame and the frame being scored.
    let delay: Int
    /// The aggregate holding each frame's `level_db`: a frame quieter than
    /// `silenceDBFS` (digital silence, a dead microphone) scores 0 for every
    /// class, whatever the rules say (nil without the descriptors).
    let gate: Int?
    static let silenceDBFS = -90.0
    /// What each stream's aggregates stage is made from.
    let layout: AggregateLayout
    /// The compiled model, or nil for hand-written rules scored here.
    let scorer: Kernels.Scorer?
    /// What the C stages were given (nil without the scorer): written out by
    /// `EventDetector.tables` for a detection run from C alone.
    let tables: CompiledTables?

    static let fixedPointScale = 1_099_511_627_776.0  // 2^40

    init(rules: Rules) throws(TympanError) {
        for (k, rule) in rules.classes.enumerated() where rule.totalWeight > ClassRule.weightLimit {
            throw .invalidRules(source: "rules", line: 0, field: "classes[\(k)].when",
                                reason: "the weights add up to \(rule.totalWeight) in absolute value; at most 1048576 (2^20)")
        }
        var all = [Condition]()
        func collect(_ term: Term) {
            switch term {
            case let .condition(c): all.append(c)
            case let .any(terms): terms.forEach(collect)
            case let .all(group, _): all += group
            }
        }
        rules.classes.forEach { $0.terms.forEach(collect) }
        let delay = all.map(\.ahead).max() ?? 0
        let names = rules.configuration.featureNames
        // One window per feature, length and look-ahead (a condition on the frame's
        // own value reads a window of one), one aggregate per window and statistic.
        var features = [String: Int](), featureRanges = [Range<Int>]()
        var windows = [(feature: Int, frames: Int, ahead: Int)](), windowIndex = [String: Int]()
        var aggregates = [(window: Int, aggregate: Condition.Aggregate)](), aggregateIndex = [String: Int]()
        func aggregate(_ c: Condition) -> Int {
            let f = features[c.feature] ?? {
                // The feature was checked when the rules were read.
                featureRanges.append(FeatureReference(c.feature, names: names)!.indices)
                features[c.feature] = featureRanges.count - 1
                return featureRanges.count - 1
            }()
            let (frames, ahead) = c.aggregate == .value ? (1, 0) : (c.frames, c.ahead)
            let windowKey = "\(f) \(frames) \(ahead)"
            let w = windowIndex[windowKey] ?? {
                windows.append((f, frames, ahead))
                windowIndex[windowKey] = windows.count - 1
                return windows.count - 1
            }()
            let key = "\(w) \(c.aggregate.rawValue)"
            if let a = aggregateIndex[key] { return a }
            aggregates.append((w, c.aggregate))
            aggregateIndex[key] = aggregates.count - 1
            return aggregates.count - 1
        }
        var conditions = [Condition](), reads = [Int]()
        func add(_ c: Condition) -> Int {
            conditions.append(c)
            reads.append(aggregate(c))
            return conditions.count - 1
        }
        func node(_ term: Term) -> Node {
            switch term {
            case let .condition(c): .leaf(add(c))
            case let .any(terms): .any(terms.map(node))
            case let .all(group, weight): .all(group.map(add), weight: weight)
            }
        }
        var ranges = [Range<Int>]()
        classes = rules.classes.map { rule in
            let first = conditions.count
            let nodes = rule.terms.map(node)
            ranges.append(first..<conditions.count)
            return (nodes, rule.combination)
        }
        classRanges = ranges
        self.conditions = conditions
        self.reads = reads
        let intervals = conditions.map { c -> (low: Double, high: Double) in
            switch c.threshold {
            case let .above(t): (t, .infinity)
            case let .below(t): (-.infinity, t)
            case let .between(a, b): (a, b)
            }
        }
        self.intervals = intervals
        let gate = names.contains("level_db")
            ? aggregate(Condition(feature: "level_db", aggregate: .value, frames: 1, ahead: 0,
                                  threshold: .above(Self.silenceDBFS), softness: 0, line: 0))
            : nil
        self.gate = gate
        layout = AggregateLayout(frameWidth: names.count, delay: delay, features: featureRanges, windows: windows,
                                 aggregates: aggregates)
        self.delay = delay
        // The compiled model: every condition hard, every class weighted.
        let compiles = !conditions.isEmpty && !conditions.contains { $0.softness > 0 }
            && rules.classes.allSatisfy { if case .weighted = $0.combination { true } else { false } }
        guard compiles else {
            scorer = nil
            tables = nil
            return
        }
        func fixed(_ weight: Double) -> Int64 { Int64((weight * Self.fixedPointScale).rounded()) }
        // Per class: its single conditions, then its groups, each with its weight.
        let model = classes.map { nodes, combination -> (bias: Double, terms: [(conditions: [Int], weight: Int64)]) in
            guard case let .weighted(bias) = combination else { return (0, []) }
            var single = [(conditions: [Int], weight: Int64)](), grouped = [(conditions: [Int], weight: Int64)]()
            for node in nodes {
                switch node {
                case let .leaf(i): single.append(([i], fixed(conditions[i].weight)))
                case let .all(indices, weight): grouped.append((indices, fixed(weight)))
                case .any: break  // not in weighted rules (refused when read)
                }
            }
            return (bias, single + grouped)
        }
        let flat = zip(reads, intervals).map { ($0, $1.low, $1.high) }
        let gated = gate.map { ($0, Self.silenceDBFS) }
        scorer = try Kernels.Scorer(valueCount: aggregates.count, intervals: flat, classes: model, gate: gated)
        tables = CompiledTables(layout: layout, conditions: flat, classes: model, gate: gated)
    }

    /// Whether the compiled model (the C scorer) scores these rules.
    var isCompiled: Bool { scorer != nil }

    var classCount: Int { classes.count }

    // MARK: Hand-written rules, scored here

    /// Condition i's score at aggregates `values`: a hard condition holds when
    /// low <= x <= high (both comparisons made, as the scorer does).
    func conditionScore(_ i: Int, _ values: [Double]) -> Double {
        let x = values[reads[i]]
        return conditions[i].softness > 0 ? conditions[i].score(x)
            : Double((x >= intervals[i].low ? 1 : 0) & (x <= intervals[i].high ? 1 : 0))
    }

    private func score(_ node: Node, _ scores: [Double]) -> Double {
        switch node {
        case let .leaf(i):
            return scores[i]
        case let .any(nodes):
            var best = 0.0
            for n in nodes { best = Swift.max(best, score(n, scores)) }
            return best
        case let .all(indices, _):
            var least = 1.0
            for i in indices { least = Swift.min(least, scores[i]) }
            return least
        }
    }

    /// The class scores from the condition scores: for a weighted class the
    /// logistic of its bias plus its weights (a group counts its smallest
    /// score); for an `all` class its smallest term.
    func combine(_ scores: [Double], into out: inout [Double]) {
        for k in classes.indices {
            let nodes = classes[k].nodes
            switch classes[k].combination {
            case .all:
                var least = 1.0
                for n in nodes { least = Swift.min(least, score(n, scores)) }
                out[k] = nodes.isEmpty ? 0 : least
            case let .weighted(bias):
                var z = bias
                // Single conditions first, then groups: the order the compiled model sums in.
                for case let .leaf(i) in nodes { z += conditions[i].weight * scores[i] }
                for n in nodes { if case let .all(_, weight) = n { z += weight * score(n, scores) } }
                out[k] = 1 / (1 + exp(-z))
            }
        }
    }

    // MARK: Explanations

    /// The terms of a class as a snapshot holds them: for a weighted class, the
    /// terms that held, largest contribution first.
    func explanation(of classIndex: Int, from snapshot: Snapshot) -> [Explanation] {
        guard snapshot.values.count == classRanges[classIndex].count else { return [] }
        let first = classRanges[classIndex].lowerBound
        func value(_ i: Int) -> Double { snapshot.values[i - first] }
        func held(_ i: Int) -> Double { snapshot.scores[i - first] }
        func flatten(_ node: Node) -> [Explanation] {
            switch node {
            case let .leaf(i):
                let c = conditions[i]
                return [Explanation(term: c.description, value: value(i), score: held(i),
                                    weight: classes[classIndex].combination == .all ? nil : c.weight)]
            case let .any(nodes):
                return nodes.flatMap(flatten)
            case let .all(indices, weight):
                // One line for the group, each condition with its value.
                let term = indices.map { i in
                    "\(conditions[i].description) (\((value(i) * 100).rounded() / 100))"
                }.joined(separator: " and ")
                let s = indices.map(held).min() ?? 0
                return [Explanation(term: term, value: s, score: s, weight: weight)]
            }
        }
        let terms = classes[classIndex].nodes.flatMap(flatten)
        guard classes[classIndex].combination != .all else { return terms }
        return terms.filter { $0.score > 0 }
            .sorted { ($0.weight ?? 0) * $0.score > ($1.weight ?? 0) * $1.score }
    }

    /// The values and scores of one class's conditions at a frame: cheap to
    /// keep at every new best frame of an event; the text is made once, when
    /// the event closes.
    struct Snapshot: Sendable {
        var values: [Double]
        var scores: [Double]
        static let empty = Snapshot(values: [], scores: [])
    }
}

/// One rule term as it stood at an event's strongest frame.
public struct Explanation: Sendable, Equatable, CustomStringConvertible {
    public var term: String
    public var value: Double
    /// The term's score in [0, 1]; 0.5 is exactly at its threshold.
    public var score: Double
    /// For a weighted class: what the term adds to the evidence when it holds.
    public var weight: Double?

    public init(term: String, value: Double, score: Double, weight: Double? = nil) {
        self.term = term
        self.value = value
        self.score = score
        self.weight = weight
    }

    public var description: String {
        let base = "\(term): \((value * 100).rounded() / 100) (score \((score * 100).rounded() / 100)"
        guard let weight else { return base + ")" }
        return base + ", weight \((weight * 100).rounded() / 100))"
    }
}
