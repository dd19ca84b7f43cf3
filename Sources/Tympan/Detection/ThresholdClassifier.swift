#if canImport(Glibc)
import Glibc  // exp: the C library's, not Foundation
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns frames into one score in [0, 1] per class, with the value and score
/// of every rule term kept for explanations. Streaming: each condition keeps
/// the recent values its window needs. Conditions that look ahead delay the
/// scores by `delay` frames: frame `t - delay` is scored when frame `t` arrives,
/// and `flush` scores the last frames with the windows cut at the end.
struct ThresholdClassifier {
    /// One feature over a window of frames, with the recent values it needs;
    /// every condition on the same feature and window shares one pass over
    /// it, whatever its aggregate.
    private struct Window {
        let indices: Range<Int>
        let frames: Int
        let ahead: Int
        var ring: [Double]
        var current = 0.0, last = 0.0, sum = 0.0, low = 0.0, high = 0.0, count = 1

        init(_ key: Key, _ reference: FeatureReference, delay: Int) {
            indices = reference.indices
            frames = key.frames
            ahead = key.ahead
            ring = Array(repeating: 0, count: key.frames + delay + 1)
        }

        /// A feature over a window; a condition on the frame's own value reads a window of one.
        struct Key: Hashable {
            var feature: String
            var frames: Int
            var ahead: Int

            init(_ c: Condition) {
                feature = c.feature
                (frames, ahead) = c.aggregate == .value ? (1, 0) : (c.frames, c.ahead)
            }
        }

        mutating func push(_ frame: ArraySlice<Float>, at t: Int) {
            var x = 0.0
            for i in indices { x += Double(frame[frame.startIndex + i]) }
            ring[t % ring.count] = x / Double(indices.count)
        }

        /// Evaluates frame e when frames up to `newest` have been pushed.
        mutating func evaluate(_ e: Int, newest: Int) {
            // The window [e + ahead - frames + 1, e + ahead], cut at both ends of the stream.
            let end = min(e + ahead, newest)
            let start = max(e + ahead - frames + 1, 0, newest - ring.count + 1)
            let n = ring.count
            current = ring[e % n]
            last = ring[end % n]
            var sum = 0.0, low = Double.infinity, high = -Double.infinity
            ring.withUnsafeBufferPointer { r in
                // Oldest first, as one or two runs of the ring (no division per frame).
                var i = start % n
                for _ in start...end {
                    let x = r[i]
                    sum += x
                    low = Swift.min(low, x)
                    high = Swift.max(high, x)
                    i += 1
                    if i == n { i = 0 }
                }
            }
            (self.sum, self.low, self.high) = (sum, low, high)
            count = end - start + 1
        }

        func value(_ aggregate: Condition.Aggregate) -> Double {
            switch aggregate {
            case .value: current
            case .mean: sum / Double(count)
            case .max: high
            case .min: low
            case .rise: last - low
            case .fall: high - last
            case .range: high - low
            }
        }
    }

    /// A term as indices into the conditions.
    private indirect enum Node {
        case leaf(Int)
        case any([Node])
        case all([Int], weight: Double)
    }

    private var windows: [Window] = []
    /// Every condition of every class, with the window it reads.
    private let conditions: [(condition: Condition, window: Int)]
    /// Every (window, aggregate) that a condition reads: computed once a frame.
    private let aggregates: [(window: Int, aggregate: Condition.Aggregate)]
    private var aggregateValues: [Double]
    /// What the hot loop needs of each condition: the aggregate it reads and,
    /// for a hard threshold, the interval [low, high] where it holds (above t:
    /// [t, inf]; below t: [-inf, t]; between a and b: [a, b]); a soft one is
    /// scored by Condition.score.
    private struct Test {
        let value: Int
        let low: Double
        let high: Double
        let soft: Bool
    }
    private let tests: [Test]
    /// Per weighted class: its single conditions with their weights, and its
    /// groups as ranges into `groupMembers` with their weights.
    private let leaves: [[(Int, Double)]]
    private let groups: [[(Range<Int>, Double)]]
    private let groupMembers: [Int]
    /// Per class, the indices of its conditions (contiguous, in the rules' order).
    private let classRanges: [Range<Int>]
    private var conditionScores: [Double]
    private var classScores: [Double]
    private let classes: [(nodes: [Node], combination: ClassRule.Combination)]  // in the rules' order
    /// Frames between the newest frame and the frame being scored.
    let delay: Int
    /// The window holding each frame's `level_db`: a frame quieter than
    /// `silenceDBFS` (digital silence, a dead microphone) scores 0 for every
    /// class, whatever the rules say (nil without the descriptors).
    private let gate: Int?
    static let silenceDBFS = -90.0
    private var newest = -1

    init(rules: Rules) {
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
        var windows = [Window]()
        var windowIndex = [Window.Key: Int]()
        var conditions = [(condition: Condition, window: Int)]()
        let names = rules.configuration.featureNames
        func node(_ term: Term) -> Node {
            switch term {
            case let .condition(c):
                return .leaf(add(c))
            case let .any(terms):
                return .any(terms.map(node))
            case let .all(group, weight):
                return .all(group.map(add), weight: weight)
            }
        }
        func window(_ c: Condition) -> Int {
            let key = Window.Key(c)  // one window serves every aggregate over it
            if let w = windowIndex[key] { return w }
            // The feature was checked when the rules were read.
            windows.append(Window(key, FeatureReference(c.feature, names: names)!, delay: delay))
            windowIndex[key] = windows.count - 1
            return windows.count - 1
        }
        func add(_ c: Condition) -> Int {
            conditions.append((c, window(c)))
            return conditions.count - 1
        }
        var ranges = [Range<Int>]()
        classes = rules.classes.map { rule in
            let first = conditions.count
            let nodes = rule.terms.map(node)
            ranges.append(first..<conditions.count)
            return (nodes, rule.combination)
        }
        classRanges = ranges
        var leaves = [[(Int, Double)]](), groups = [[(Range<Int>, Double)]](), members = [Int]()
        for (nodes, _) in classes {
            var l = [(Int, Double)](), g = [(Range<Int>, Double)]()
            for node in nodes {
                switch node {
                case let .leaf(i): l.append((i, conditions[i].condition.weight))
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
            ? window(Condition(feature: "level_db", aggregate: .value, frames: 1, ahead: 0,
                               threshold: .above(Self.silenceDBFS), softness: 0, line: 0))
            : nil
        self.windows = windows
        self.conditions = conditions
        var aggregateIndex = [Int: Int]()  // window * 16 + aggregate
        var aggregates = [(window: Int, aggregate: Condition.Aggregate)]()
        tests = conditions.map { entry in
            let (c, w) = (entry.condition, entry.window)
            let key = w * 16 + Condition.Aggregate.allCases.firstIndex(of: c.aggregate)!
            let index = aggregateIndex[key] ?? {
                aggregates.append((w, c.aggregate))
                aggregateIndex[key] = aggregates.count - 1
                return aggregates.count - 1
            }()
            let (low, high): (Double, Double) = switch c.threshold {
            case let .above(t): (t, .infinity)
            case let .below(t): (-.infinity, t)
            case let .between(a, b): (a, b)
            }
            return Test(value: index, low: low, high: high, soft: c.softness > 0)
        }
        self.aggregates = aggregates
        aggregateValues = Array(repeating: 0, count: aggregates.count)
        conditionScores = Array(repeating: 0, count: conditions.count)
        classScores = Array(repeating: 0, count: rules.classes.count)
        self.delay = delay
    }

    private func score(_ node: Node) -> Double {
        switch node {
        case let .leaf(i): conditionScores[i]
        case let .any(nodes): nodes.map(score).max() ?? 0
        case let .all(indices, _): indices.map { conditionScores[$0] }.min() ?? 0
        }
    }

    /// Adds the next frame; returns the index of the frame now scored and its
    /// scores (in the order of the rules' classes), or nil while the delay fills.
    mutating func push(_ frame: ArraySlice<Float>) -> (frame: Int, scores: [Double])? {
        newest += 1
        for i in windows.indices { windows[i].push(frame, at: newest) }
        let e = newest - delay
        return e >= 0 ? (e, evaluate(e)) : nil
    }

    /// Scores the frames still waiting for frames that will not come.
    mutating func flush() -> [(frame: Int, scores: [Double])] {
        let first = max(0, newest - delay + 1)
        guard newest >= 0, first <= newest else { return [] }
        return (first...newest).map { ($0, evaluate($0)) }
    }

    /// The scores of frame e, in `classScores` (reused from frame to frame: a
    /// steady stream allocates nothing here as long as callers let go of the
    /// array they were given before the next frame).
    private mutating func evaluate(_ e: Int) -> [Double] {
        for i in windows.indices { windows[i].evaluate(e, newest: newest) }
        if let gate, windows[gate].current < Self.silenceDBFS {
            for k in classScores.indices { classScores[k] = 0 }
            return classScores
        }
        for (k, a) in aggregates.enumerated() { aggregateValues[k] = windows[a.window].value(a.aggregate) }
        // The hot loop reads plain values only (no strings, no enums): a hard
        // threshold holds (1) when low <= x <= high, as Condition.score says.
        // (Both comparisons are made, without a branch on the first: which way
        // they go is as good as random.)
        tests.withUnsafeBufferPointer { tests in
            aggregateValues.withUnsafeBufferPointer { values in
                conditionScores.withUnsafeMutableBufferPointer { scores in
                    for i in tests.indices {
                        let t = tests[i]
                        let x = values[t.value]
                        if t.soft {
                            scores[i] = Condition.score(x, conditions[i].condition.threshold,
                                                        softness: conditions[i].condition.softness)
                        } else {
                            scores[i] = Double((x >= t.low ? 1 : 0) & (x <= t.high ? 1 : 0))
                        }
                    }
                }
            }
        }
        var out = classScores
        classScores = []  // `out` is the only reference while it is written: no copy
        defer { classScores = out }
        conditionScores.withUnsafeBufferPointer { scores in
            groupMembers.withUnsafeBufferPointer { members in
                for k in classes.indices {
                    switch classes[k].combination {
                    case .all:
                        out[k] = classes[k].nodes.map(score).min() ?? 0
                    case let .weighted(bias):
                        var z = bias
                        for (i, weight) in leaves[k] { z += weight * scores[i] }
                        for (range, weight) in groups[k] {
                            var s = 1.0
                            for m in range { s = Swift.min(s, scores[members[m]]) }
                            z += weight * s
                        }
                        out[k] = 1 / (1 + exp(-z))
                    }
                }
            }
        }
        return out
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
        return Snapshot(values: range.map { aggregateValues[tests[$0].value] }, scores: Array(conditionScores[range]))
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
                let c = conditions[i].condition
                return [Explanation(term: c.description, value: value(i), score: held(i),
                                    weight: classes[classIndex].combination == .all ? nil : c.weight)]
            case let .any(nodes):
                return nodes.flatMap(flatten)
            case let .all(indices, weight):
                // One line for the group, each condition with its value.
                let term = indices.map { i in
                    "\(conditions[i].condition.description) (\((value(i) * 100).rounded() / 100))"
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
        newest = -1
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
