#if canImport(Glibc)
import Glibc  // exp: the C library's, not Foundation
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns frames into one score in [0, 1] per class, with the value and score
/// of every rule term kept for explanations. Streaming: the C stage
/// `tympan_aggregates` keeps each feature's recent values and computes every
/// windowed aggregate a condition reads; conditions that look ahead delay the
/// scores by `delay` frames: frame `t - delay` is scored when frame `t`
/// arrives, and `flush` scores the last frames with the windows cut at the end.
///
/// Rules of hard conditions in weighted classes (the bundled rules, and what
/// `scripts/rules` fits) are compiled for the C stage `tympan_scorer`:
/// thresholds to bytes, terms to fixed-point sums (2^-40: a weight moves by
/// at most 5e-13, and a score is the same number on every machine). Other
/// rules (soft conditions, classes whose terms must all hold, weights past
/// 2^20) are scored here, every condition through Condition.score and every
/// sum in doubles; `reference` scores any rules that way (the tests compare).
struct ThresholdClassifier {
    /// A term as indices into the conditions.
    private indirect enum Node {
        case leaf(Int)
        case any([Node])
        case all([Int], weight: Double)
    }

    /// Every condition of every class, in the rules' order.
    private let conditions: [Condition]
    /// The aggregate each condition reads, and where a hard one holds (above
    /// t: [t, inf]; below t: [-inf, t]; between a and b: [a, b]).
    private let reads: [Int]
    private let intervals: [(low: Double, high: Double)]
    /// Per class, the indices of its conditions (contiguous, in the rules' order).
    private let classRanges: [Range<Int>]
    private let classes: [(nodes: [Node], combination: ClassRule.Combination)]  // in the rules' order
    /// Per weighted class: its single conditions with their weights, and its
    /// groups as ranges into `groupMembers` with their weights.
    private let leaves: [[(Int, Double)]]
    private let groups: [[(Range<Int>, Double)]]
    private let groupMembers: [Int]
    /// Frames between the newest frame and the frame being scored.
    let delay: Int
    /// The aggregate holding each frame's `level_db`: a frame quieter than
    /// `silenceDBFS` (digital silence, a dead microphone) scores 0 for every
    /// class, whatever the rules say (nil without the descriptors).
    private let gate: Int?
    static let silenceDBFS = -90.0
    private let aggregates: Kernels.Aggregates
    /// The compiled model, or nil for rules scored here.
    private let scorer: Kernels.Scorer?
    /// The aggregates of the frame scored last that the gate let through, and
    /// the buffer the next frame's are computed in (the two are swapped when
    /// the gate lets it through).
    private var values: [Double]
    private var next: [Double]
    private var conditionScores: [Double]  // without the scorer
    private var classScores: [Double]
    /// What the C stages were given (nil without the scorer): written out by
    /// `EventDetector.tables` for a detection run from C alone.
    let tables: CompiledTables?

    /// `reference`: every condition through Condition.score and every sum in
    /// doubles, one term after the other, whatever the rules.
    init(rules: Rules, reference: Bool = false) throws(TympanError) {
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
        var leaves = [[(Int, Double)]](), groups = [[(Range<Int>, Double)]](), members = [Int]()
        for (nodes, _) in classes {
            var l = [(Int, Double)](), g = [(Range<Int>, Double)]()
            for node in nodes {
                switch node {
                case let .leaf(i): l.append((i, conditions[i].weight))
                case let .all(indices, weight):
                    g.append((members.count..<members.count + indices.count, weight))
                    members += indices
                case .any: break  // not in weighted rules (refused when read)
                }
            }
            leaves.append(l)
            groups.append(g)
        }
        self.leaves = leaves
        self.groups = groups
        groupMembers = members
        gate = names.contains("level_db")
            ? aggregate(Condition(feature: "level_db", aggregate: .value, frames: 1, ahead: 0,
                                  threshold: .above(Self.silenceDBFS), softness: 0, line: 0))
            : nil
        self.aggregates = try Kernels.Aggregates(frameWidth: names.count, features: featureRanges, windows: windows,
                                                 aggregates: aggregates, delay: delay)
        // The compiled model: every condition hard, every class weighted, every
        // class's weights adding up to at most 2^20 (fixed-point sums below 2^60).
        let compiles = !reference && !conditions.isEmpty && !conditions.contains { $0.softness > 0 }
            && rules.classes.allSatisfy { if case .weighted = $0.combination { true } else { false } }
            && leaves.indices.allSatisfy { k in
                leaves[k].reduce(0) { $0 + abs($1.1) } + groups[k].reduce(0) { $0 + abs($1.1) } <= 1_048_576
            }
        if compiles {
            func fixed(_ weight: Double) -> Int64 { Int64((weight * Self.fixedPointScale).rounded()) }
            let model = rules.classes.indices.map { k -> (bias: Double, terms: [(conditions: [Int], weight: Int64)]) in
                guard case let .weighted(bias) = rules.classes[k].combination else { return (0, []) }
                let single = leaves[k].map { i, weight in ([i], fixed(weight)) }
                let grouped = groups[k].map { range, weight in (range.map { members[$0] }, fixed(weight)) }
                return (bias, single + grouped)
            }
            let flat = zip(reads, intervals).map { ($0, $1.low, $1.high) }
            scorer = try Kernels.Scorer(valueCount: aggregates.count, intervals: flat, classes: model,
                                        gate: gate.map { ($0, Self.silenceDBFS) })
            tables = CompiledTables(frameWidth: names.count, delay: delay, features: featureRanges, windows: windows,
                                    aggregates: aggregates, conditions: flat, classes: model,
                                    gate: gate.map { ($0, Self.silenceDBFS) })
        } else {
            scorer = nil
            tables = nil
        }
        values = Array(repeating: 0, count: aggregates.count)
        next = values
        conditionScores = Array(repeating: 0, count: conditions.count)
        classScores = Array(repeating: 0, count: rules.classes.count)
        self.delay = delay
    }

    static let fixedPointScale = 1_099_511_627_776.0  // 2^40

    /// Whether the compiled model (the C scorer) scores these rules.
    var isCompiled: Bool { scorer != nil }

    /// Adds the next frame; returns the index of the frame now scored and its
    /// scores (in the order of the rules' classes), or nil while the delay fills.
    mutating func push(_ frame: ArraySlice<Float>) -> (frame: Int, scores: [Double])? {
        let e = aggregates.push(frame, into: &next)
        guard let e else { return nil }
        return (e, evaluate())
    }

    /// Scores the frames still waiting for frames that will not come.
    mutating func flush() -> [(frame: Int, scores: [Double])] {
        var scored = [(frame: Int, scores: [Double])]()
        while let e = aggregates.flush(into: &next) {
            scored.append((e, evaluate()))
        }
        return scored
    }

    /// The scores of the frame whose aggregates are in `next`, in `classScores`
    /// (reused from frame to frame: a steady stream allocates nothing here as
    /// long as callers let go of the array they were given before the next frame).
    private mutating func evaluate() -> [Double] {
        var out = classScores
        classScores = []  // `out` is the only reference while it is written: no copy
        defer { classScores = out }
        if let scorer {
            let open = scorer.score(next, into: &out)
            if open { swap(&values, &next) }
            return out
        }
        if let gate, next[gate] < Self.silenceDBFS {
            for k in out.indices { out[k] = 0 }
            return out
        }
        swap(&values, &next)
        // A hard condition holds when low <= x <= high (both comparisons made, as the scorer does).
        for i in conditions.indices {
            let x = values[reads[i]]
            conditionScores[i] = conditions[i].softness > 0 ? conditions[i].score(x)
                : Double((x >= intervals[i].low ? 1 : 0) & (x <= intervals[i].high ? 1 : 0))
        }
        combine(into: &out)
        return out
    }

    /// Condition i's score at the frame just scored, without the scorer.
    private func conditionScore(_ i: Int) -> Double { conditionScores[i] }

    private func score(_ node: Node) -> Double {
        switch node {
        case let .leaf(i): conditionScore(i)
        case let .any(nodes): nodes.map(score).max() ?? 0
        case let .all(indices, _): indices.map(conditionScore).min() ?? 0
        }
    }

    /// The class scores from the condition scores: for a weighted class the
    /// logistic of its bias plus its weights (a group counts its smallest
    /// score); for an `all` class its smallest term.
    private func combine(into out: inout [Double]) {
        for k in classes.indices {
            switch classes[k].combination {
            case .all:
                out[k] = classes[k].nodes.map(score).min() ?? 0
            case let .weighted(bias):
                var z = bias
                for (i, weight) in leaves[k] { z += weight * conditionScore(i) }
                for (range, weight) in groups[k] {
                    var s = 1.0
                    for m in range { s = Swift.min(s, conditionScore(groupMembers[m])) }
                    z += weight * s
                }
                out[k] = 1 / (1 + exp(-z))
            }
        }
    }

    /// The values and scores of one class's conditions at a frame: cheap to
    /// keep at every new best frame of an event; the text is made once, when
    /// the event closes.
    struct Snapshot: Sendable {
        var values: [Double]
        var scores: [Double]
        static let empty = Snapshot(values: [], scores: [])
    }

    func snapshot(of classIndex: Int) -> Snapshot {
        let range = classRanges[classIndex]
        return Snapshot(values: range.map { values[reads[$0]] },
                        scores: scorer?.conditions(range) ?? Array(conditionScores[range]))
    }

    /// The terms of a class at the frame just scored (see the other overload).
    func explanation(of classIndex: Int) -> [Explanation] {
        explanation(of: classIndex, from: snapshot(of: classIndex))
    }

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

    mutating func reset() {
        aggregates.reset()
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
