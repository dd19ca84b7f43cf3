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
    /// One feature over a window of frames; every condition on the same
    /// feature and window shares it, whatever its aggregate. Its values come
    /// from its feature's ring (`Feature`).
    private struct Window {
        let frames: Int
        let ahead: Int
        var current = 0.0, last = 0.0, sum = 0.0, low = 0.0, high = 0.0, count = 1

        init(_ key: Key) {
            frames = key.frames
            ahead = key.ahead
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

    /// A feature's recent values, kept once for all the windows over it (its
    /// ring is as long as the longest needs), and those windows, evaluated in
    /// one pass: shortest first, each that contains the one before (the
    /// bundled rules' windows of 1, 5, 11, 21 and 41 frames around the frame
    /// all do) adds only its frames outside that one, so a frame is read once
    /// per feature, not once per window. (A window's sum then comes in
    /// another order than oldest first: its mean may differ in the last bit.)
    private struct Feature {
        let indices: Range<Int>
        var ring: [Double]
        let windows: [Int]

        mutating func push(_ frame: ArraySlice<Float>, at t: Int) {
            var x = 0.0
            for i in indices { x += Double(frame[frame.startIndex + i]) }
            ring[t % ring.count] = x / Double(indices.count)
        }

        /// Sum, smallest and largest of frames from...to (to >= from) of the ring, oldest first.
        static func scan(_ r: UnsafeBufferPointer<Double>, _ from: Int, _ to: Int) -> (Double, Double, Double) {
            let n = r.count
            var sum = 0.0, low = Double.infinity, high = -Double.infinity
            var i = from % n
            for _ in from...to {
                let x = r[i]
                sum += x
                low = Swift.min(low, x)
                high = Swift.max(high, x)
                i += 1
                if i == n { i = 0 }
            }
            return (sum, low, high)
        }

        /// Evaluates frame e's windows when frames up to `newest` have been pushed.
        func evaluate(_ e: Int, newest: Int, into windows: UnsafeMutableBufferPointer<Window>) {
            ring.withUnsafeBufferPointer { r in
                let n = r.count
                var previous = (start: 0, end: -1), sum = 0.0, low = Double.infinity, high = -Double.infinity
                for w in self.windows {
                    let window = windows[w]
                    // The window [e + ahead - frames + 1, e + ahead], cut at both ends of the
                    // stream; one wholly past the end (looking further ahead than it is long,
                    // at the last frames) reads the last frame.
                    let end = Swift.min(e + window.ahead, newest)
                    let start = Swift.min(Swift.max(e + window.ahead - window.frames + 1, 0, newest - n + 1), end)
                    if previous.start <= previous.end && start <= previous.start && end >= previous.end {
                        if start < previous.start {
                            let (s, lo, hi) = Self.scan(r, start, previous.start - 1)
                            sum += s
                            low = Swift.min(low, lo)
                            high = Swift.max(high, hi)
                        }
                        if end > previous.end {
                            let (s, lo, hi) = Self.scan(r, previous.end + 1, end)
                            sum += s
                            low = Swift.min(low, lo)
                            high = Swift.max(high, hi)
                        }
                    } else {
                        (sum, low, high) = Self.scan(r, start, end)
                    }
                    previous = (start, end)
                    windows[w].current = r[e % n]
                    windows[w].last = r[end % n]
                    (windows[w].sum, windows[w].low, windows[w].high) = (sum, low, high)
                    windows[w].count = end - start + 1
                }
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
    private var features: [Feature] = []
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
    /// The hard one-sided conditions (above t, below t: nearly all of them),
    /// grouped by the aggregate they read, for the sweep in `evaluate`: block
    /// b reads aggregate `value`, its thresholds are
    /// `sweepThresholds[start ..< aboveEnd]` (holds when x >= t) and
    /// `[aboveEnd ..< end]` (holds when x <= t), and the byte of the
    /// condition behind threshold j is `held[j]`: the sweep reads and writes
    /// straight through (9 bytes per condition, no scatter), and the
    /// compiler vectorises it.
    private struct Block {
        let value: Int
        let start: Int
        let aboveEnd: Int
        let end: Int
    }
    private let sweepBlocks: [Block]
    private let sweepThresholds: [Double]
    /// The conditions the sweep does not take (between a and b, soft ones):
    /// the Test path, their bytes after the sweep's.
    private let otherTests: [Int]
    /// Where condition i's byte is in `held`.
    private let position: [Int32]
    /// With no soft condition every score is 0 or 1: kept as bytes in `held`
    /// (`conditionScores` unused), in the sweep's order, then the other
    /// conditions', then one byte that is always 1.
    private let allHard: Bool
    private var held: [UInt8]
    /// The weighted classes' terms for the all-hard path, flat: class k's
    /// terms are `termRanges[k]`; term j holds when every condition in
    /// `termMembers[j * termArity ..< (j + 1) * termArity]` holds (a term with
    /// fewer conditions is padded with `held`'s last byte, always 1: the same
    /// count of loads for every term, so no loop exit to mispredict), and
    /// then adds `termWeights[j]`, in fixed point (2^-40: a weight is moved by
    /// at most 5e-13). Integer sums are exact in any order, so the four
    /// running sums below do not wait on one another, and a score is the same
    /// number on every machine.
    private let termRanges: [Range<Int>]
    private let termArity: Int
    private let termMembers: [Int32]  // positions in `held`
    private let termWeights: [Int64]
    static let fixedPointScale = 1_099_511_627_776.0  // 2^40
    /// Fixed point needs every class's weights to add up, in absolute value,
    /// to at most 2^20 (a sum then stays below 2^60); rules beyond that
    /// (never useful: the logistic is flat past 40) are summed in doubles.
    private let fixedPoint: Bool
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

    /// `reference`: every condition through its Test and every sum in
    /// doubles, one term after the other (the tests compare the fast paths with it).
    init(rules: Rules, reference: Bool = false) {
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
            windows.append(Window(key))
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
        let fixedPoint = leaves.indices.allSatisfy { k in
            leaves[k].reduce(0) { $0 + abs($1.1) } + groups[k].reduce(0) { $0 + abs($1.1) } <= 1_048_576
        }
        self.fixedPoint = fixedPoint
        func fixed(_ weight: Double) -> Int64 { fixedPoint ? Int64((weight * Self.fixedPointScale).rounded()) : 0 }
        let arity = max(1, groups.joined().map(\.0.count).max() ?? 1)
        let always = Int32(conditions.count)  // stands for held's last byte, always 1 (mapped below)
        var termRanges = [Range<Int>](), termMembers = [Int32](), termWeights = [Int64]()
        for k in leaves.indices {
            let first = termWeights.count
            for (i, weight) in leaves[k] {
                termMembers += [Int32(i)] + Array(repeating: always, count: arity - 1)
                termWeights.append(fixed(weight))
            }
            for (range, weight) in groups[k] {
                termMembers += range.map { Int32(members[$0]) } + Array(repeating: always, count: arity - range.count)
                termWeights.append(fixed(weight))
            }
            termRanges.append(first..<termWeights.count)
        }
        termArity = arity
        self.termRanges = termRanges
        self.termWeights = termWeights
        gate = names.contains("level_db")
            ? window(Condition(feature: "level_db", aggregate: .value, frames: 1, ahead: 0,
                               threshold: .above(Self.silenceDBFS), softness: 0, line: 0))
            : nil
        self.windows = windows
        // One Feature per feature read, its windows shortest first (then the
        // one looking least ahead), its ring as long as the longest window
        // and the delay need.
        var byFeature = [String: [Int]]()
        for (key, w) in windowIndex { byFeature[key.feature, default: []].append(w) }
        features = byFeature.keys.sorted().map { name in
            let members = byFeature[name]!.sorted {
                (windows[$0].frames, windows[$0].ahead) < (windows[$1].frames, windows[$1].ahead)
            }
            // The feature was checked when the rules were read.
            return Feature(indices: FeatureReference(name, names: names)!.indices,
                           ring: Array(repeating: 0, count: members.map { windows[$0].frames }.max()! + delay + 1),
                           windows: members)
        }
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
        var above = [[(Double, Int32)]](repeating: [], count: aggregates.count), below = above
        var others = [Int]()
        for (i, entry) in conditions.enumerated() {
            let test = tests[i]
            switch (entry.condition.threshold, test.soft) {
            case let (.above(t), false): above[test.value].append((t, Int32(i)))
            case let (.below(t), false): below[test.value].append((t, Int32(i)))
            default: others.append(i)
            }
        }
        var blocks = [Block](), thresholds = [Double](), order = [Int32]()
        for a in aggregates.indices where !(above[a].isEmpty && below[a].isEmpty) {
            let start = thresholds.count
            for (t, i) in above[a] { thresholds.append(t); order.append(i) }
            let aboveEnd = thresholds.count
            for (t, i) in below[a] { thresholds.append(t); order.append(i) }
            blocks.append(Block(value: a, start: start, aboveEnd: aboveEnd, end: thresholds.count))
        }
        order += others.map { Int32($0) }
        var position = [Int32](repeating: 0, count: conditions.count + 1)
        for (p, i) in order.enumerated() { position[Int(i)] = Int32(p) }
        position[conditions.count] = Int32(conditions.count)  // the always-1 byte
        self.position = position
        self.termMembers = termMembers.map { position[Int($0)] }
        sweepBlocks = blocks
        sweepThresholds = thresholds
        otherTests = others
        allHard = !reference && !tests.contains { $0.soft }
        held = Array(repeating: 0, count: conditions.count)
        held.append(1)  // the padding of terms with fewer conditions than termArity
        aggregateValues = Array(repeating: 0, count: aggregates.count)
        conditionScores = Array(repeating: 0, count: conditions.count)
        classScores = Array(repeating: 0, count: rules.classes.count)
        self.delay = delay
    }

    /// Condition i's score at the frame just scored.
    private func conditionScore(_ i: Int) -> Double {
        allHard ? Double(held[Int(position[i])]) : conditionScores[i]
    }

    private func score(_ node: Node) -> Double {
        switch node {
        case let .leaf(i): conditionScore(i)
        case let .any(nodes): nodes.map(score).max() ?? 0
        case let .all(indices, _): indices.map(conditionScore).min() ?? 0
        }
    }

    /// Adds the next frame; returns the index of the frame now scored and its
    /// scores (in the order of the rules' classes), or nil while the delay fills.
    mutating func push(_ frame: ArraySlice<Float>) -> (frame: Int, scores: [Double])? {
        newest += 1
        for f in features.indices { features[f].push(frame, at: newest) }
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
        let newest = newest
        windows.withUnsafeMutableBufferPointer { windows in
            for f in features { f.evaluate(e, newest: newest, into: windows) }
        }
        if let gate, windows[gate].current < Self.silenceDBFS {
            for k in classScores.indices { classScores[k] = 0 }
            return classScores
        }
        for (k, a) in aggregates.enumerated() { aggregateValues[k] = windows[a.window].value(a.aggregate) }
        if allHard {
            sweep()
        } else {
            // Soft conditions: every condition through its Test, scores as doubles.
            tests.withUnsafeBufferPointer { tests in
                aggregateValues.withUnsafeBufferPointer { values in
                    conditionScores.withUnsafeMutableBufferPointer { scores in
                        for i in tests.indices { scores[i] = Self.score(tests[i], values[tests[i].value], conditions[i].condition) }
                    }
                }
            }
        }
        var out = classScores
        classScores = []  // `out` is the only reference while it is written: no copy
        defer { classScores = out }
        if allHard && fixedPoint {
            combineHard(into: &out)
        } else if allHard {
            held.withUnsafeBufferPointer { bytes in combine(into: &out) { Double(bytes[Int(position[$0])]) } }
        } else {
            conditionScores.withUnsafeBufferPointer { scores in combine(into: &out) { scores[$0] } }
        }
        return out
    }

    /// A hard threshold holds (1) when low <= x <= high, as Condition.score
    /// says; both comparisons are made, without a branch on the first (which
    /// way they go is as good as random).
    private static func score(_ t: Test, _ x: Double, _ c: Condition) -> Double {
        t.soft ? Condition.score(x, c.threshold, softness: c.softness)
            : Double((x >= t.low ? 1 : 0) & (x <= t.high ? 1 : 0))
    }

    /// Every hard condition's byte in `held`: one aggregate value against its
    /// run of thresholds at a time, then the few other (two-sided) ones.
    private mutating func sweep() {
        sweepBlocks.withUnsafeBufferPointer { blocks in
            sweepThresholds.withUnsafeBufferPointer { thresholds in
                aggregateValues.withUnsafeBufferPointer { values in
                    held.withUnsafeMutableBufferPointer { held in
                        for b in blocks {
                            let x = values[b.value]
                            for j in b.start..<b.aboveEnd { held[j] = x >= thresholds[j] ? 1 : 0 }
                            for j in b.aboveEnd..<b.end { held[j] = x <= thresholds[j] ? 1 : 0 }
                        }
                    }
                }
            }
        }
        for i in otherTests {
            held[Int(position[i])] = Self.score(tests[i], aggregateValues[tests[i].value], conditions[i].condition) > 0 ? 1 : 0
        }
    }

    /// The class scores from the condition scores `condition(i)`: for a weighted
    /// class the logistic of its bias plus its weights (a group counts its
    /// smallest score); for an `all` class its smallest term.
    private func combine(into out: inout [Double], _ condition: (Int) -> Double) {
        groupMembers.withUnsafeBufferPointer { members in
            for k in classes.indices {
                switch classes[k].combination {
                case .all:
                    out[k] = classes[k].nodes.map(score).min() ?? 0
                case let .weighted(bias):
                    var z = bias
                    for (i, weight) in leaves[k] { z += weight * condition(i) }
                    for (range, weight) in groups[k] {
                        var s = 1.0
                        for m in range { s = Swift.min(s, condition(members[m])) }
                        z += weight * s
                    }
                    out[k] = 1 / (1 + exp(-z))
                }
            }
        }
    }

    /// `combine` when every condition is hard: a term is 0 or 1, its weight
    /// is added in fixed point when all its conditions hold (no branch).
    private func combineHard(into out: inout [Double]) {
        let arity = termArity
        held.withUnsafeBufferPointer { held in
            termMembers.withUnsafeBufferPointer { members in
                termWeights.withUnsafeBufferPointer { weights in
                    for k in classes.indices {
                        guard case let .weighted(bias) = classes[k].combination else {
                            out[k] = classes[k].nodes.map(score).min() ?? 0
                            continue
                        }
                        @inline(__always) func term(_ j: Int) -> Int64 {
                            var all: UInt8 = 1
                            if arity == 2 {
                                all = held[Int(members[2 &* j])] & held[Int(members[2 &* j &+ 1])]
                            } else {
                                for m in j &* arity..<(j &+ 1) &* arity { all &= held[Int(members[m])] }
                            }
                            return weights[j] & (0 &- Int64(all))
                        }
                        var sums: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
                        let range = termRanges[k]
                        var j = range.lowerBound
                        while j &+ 4 <= range.upperBound {
                            sums.0 &+= term(j)
                            sums.1 &+= term(j &+ 1)
                            sums.2 &+= term(j &+ 2)
                            sums.3 &+= term(j &+ 3)
                            j &+= 4
                        }
                        while j < range.upperBound { sums.0 &+= term(j); j &+= 1 }
                        let z = bias + Double((sums.0 &+ sums.1) &+ (sums.2 &+ sums.3)) / Self.fixedPointScale
                        out[k] = 1 / (1 + exp(-z))
                    }
                }
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
        return Snapshot(values: range.map { aggregateValues[tests[$0].value] },
                        scores: allHard ? range.map(conditionScore) : Array(conditionScores[range]))
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
