/// Turns frames into one score in [0, 1] per class, with the value and score
/// of every rule term kept for explanations. Streaming: each condition keeps
/// the recent values its window needs. Conditions that look ahead delay the
/// scores by `delay` frames: frame `t - delay` is scored when frame `t` arrives,
/// and `flush` scores the last frames with the windows cut at the end.
struct ThresholdClassifier {
    /// One condition with the recent values of its feature.
    private struct Evaluator {
        let condition: Condition
        let indices: Range<Int>
        var ring: [Double]
        var value = 0.0
        var score = 0.0

        init(_ condition: Condition, _ reference: FeatureReference, delay: Int) {
            self.condition = condition
            indices = reference.indices
            ring = Array(repeating: 0, count: condition.frames + delay + 1)
        }

        mutating func push(_ frame: ArraySlice<Float>, at t: Int) {
            var x = 0.0
            for i in indices { x += Double(frame[frame.startIndex + i]) }
            ring[t % ring.count] = x / Double(indices.count)
        }

        /// Evaluates frame e when frames up to `newest` have been pushed.
        mutating func evaluate(_ e: Int, newest: Int) {
            // The window [e + ahead - frames + 1, e + ahead], cut at both ends of the stream.
            let end = min(e + condition.ahead, newest)
            let start = max(e + condition.ahead - condition.frames + 1, 0, newest - ring.count + 1)
            let current = ring[e % ring.count], last = ring[end % ring.count]
            var sum = 0.0, low = Double.infinity, high = -Double.infinity
            for i in start...end {
                let x = ring[i % ring.count]
                sum += x
                low = Swift.min(low, x)
                high = Swift.max(high, x)
            }
            switch condition.aggregate {
            case .value: value = current
            case .mean: value = sum / Double(end - start + 1)
            case .max: value = high
            case .min: value = low
            case .rise: value = last - low
            case .fall: value = high - last
            case .range: value = high - low
            }
            score = condition.score(value)
        }
    }

    /// A term as indices into the evaluators.
    private indirect enum Node {
        case leaf(Int)
        case any([Node])
    }

    private var evaluators: [Evaluator] = []
    private let classes: [[Node]]  // per class of the rules, in their order
    /// Frames between the newest frame and the frame being scored.
    let delay: Int
    private var newest = -1

    init(rules: Rules) {
        var conditions = [Condition]()
        func collect(_ term: Term) {
            switch term {
            case let .condition(c): conditions.append(c)
            case let .any(terms): terms.forEach(collect)
            }
        }
        rules.classes.forEach { $0.terms.forEach(collect) }
        let delay = conditions.map(\.ahead).max() ?? 0
        var evaluators = [Evaluator]()
        let names = rules.configuration.featureNames
        func node(_ term: Term) -> Node {
            switch term {
            case let .condition(c):
                // Checked when the rules were read.
                evaluators.append(Evaluator(c, FeatureReference(c.feature, names: names)!, delay: delay))
                return .leaf(evaluators.count - 1)
            case let .any(terms):
                return .any(terms.map(node))
            }
        }
        classes = rules.classes.map { $0.terms.map(node) }
        self.evaluators = evaluators
        self.delay = delay
    }

    private func score(_ node: Node) -> Double {
        switch node {
        case let .leaf(i): evaluators[i].score
        case let .any(nodes): nodes.map(score).max() ?? 0
        }
    }

    /// Adds the next frame; returns the index of the frame now scored and its
    /// scores (in the order of the rules' classes), or nil while the delay fills.
    mutating func push(_ frame: ArraySlice<Float>) -> (frame: Int, scores: [Double])? {
        newest += 1
        for i in evaluators.indices { evaluators[i].push(frame, at: newest) }
        let e = newest - delay
        return e >= 0 ? (e, evaluate(e)) : nil
    }

    /// Scores the frames still waiting for frames that will not come.
    mutating func flush() -> [(frame: Int, scores: [Double])] {
        let first = max(0, newest - delay + 1)
        guard newest >= 0, first <= newest else { return [] }
        return (first...newest).map { ($0, evaluate($0)) }
    }

    private mutating func evaluate(_ e: Int) -> [Double] {
        for i in evaluators.indices { evaluators[i].evaluate(e, newest: newest) }
        return classes.map { nodes in nodes.map(score).min() ?? 0 }
    }

    /// Every term of a class at the frame just scored.
    func explanation(of classIndex: Int) -> [Explanation] {
        func flatten(_ node: Node) -> [Explanation] {
            switch node {
            case let .leaf(i):
                let e = evaluators[i]
                return [Explanation(term: e.condition.description, value: e.value, score: e.score)]
            case let .any(nodes):
                return nodes.flatMap(flatten)
            }
        }
        return classes[classIndex].flatMap(flatten)
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

    public init(term: String, value: Double, score: Double) {
        self.term = term
        self.value = value
        self.score = score
    }

    public var description: String {
        "\(term): \((value * 100).rounded() / 100) (score \((score * 100).rounded() / 100))"
    }
}
