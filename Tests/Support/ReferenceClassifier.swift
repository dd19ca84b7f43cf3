#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tympan

/// The threshold classifier written plainly, as the tests' reference: the
/// frames of a whole stream at once, each condition's window cut at the
/// stream's two ends and its statistic taken directly, each condition's score
/// from its threshold (and softness), each class's score in doubles, term
/// after term. Nothing of the library's classifier is used: not its
/// aggregates stage, not its compiled model, not `Condition`'s own score.
public struct ReferenceClassifier {
    public struct Frame {
        /// The class scores, in the rules' order.
        public var scores: [Double]
        /// Digital silence: the frame's `level_db` is below -90 dBFS, and every score is 0.
        public var gated: Bool
        /// Every condition's value and score (per class, its terms in order,
        /// a group's conditions in order, an `any`'s depth first).
        public var values: [Double]
        public var conditions: [Double]
    }

    public let rules: Rules
    public static let silenceDBFS = -90.0

    public init(rules: Rules) { self.rules = rules }

    /// Every condition of a class, in the order `Frame` lists them.
    public static func conditions(of rule: ClassRule) -> [Condition] {
        func flatten(_ term: Term) -> [Condition] {
            switch term {
            case let .condition(c): [c]
            case let .any(terms): terms.flatMap(flatten)
            case let .all(group, _): group
            }
        }
        return rule.terms.flatMap(flatten)
    }

    /// The columns a feature name means: one column, or log-mel bands `mel[a..b]`.
    func columns(_ feature: String) -> [Int] {
        let names = rules.configuration.featureNames
        if let i = names.firstIndex(of: feature) { return [i] }
        let bounds = feature.dropFirst("mel[".count).dropLast().components(separatedBy: "..").compactMap { Int($0) }
        precondition(feature.hasPrefix("mel[") && bounds.count == 2, "not a feature: \(feature)")
        return (bounds[0]...bounds[1]).map { names.firstIndex(of: "mel_\($0)")! }
    }

    /// A feature's value at every frame.
    func series(_ feature: String, _ frames: [[Float]]) -> [Double] {
        let cols = columns(feature)
        return frames.map { row in cols.reduce(0.0) { $0 + Double(row[$1]) } / Double(cols.count) }
    }

    /// A condition's value at frame e: its statistic over its window, frames
    /// [e + ahead - frames + 1, e + ahead] cut at the stream's ends; a window
    /// wholly past the end (looking further ahead than it is long) reads the last frame.
    func value(_ c: Condition, at e: Int, _ feature: [Double]) -> Double {
        if c.aggregate == .value { return feature[e] }
        let last = min(feature.count - 1, e + c.ahead), first = min(max(0, e + c.ahead - c.frames + 1), last)
        let window = feature[first...last]
        let largest = window.max()!, smallest = window.min()!
        switch c.aggregate {
        case .value: return feature[e]
        case .mean: return window.reduce(0, +) / Double(window.count)
        case .max: return largest
        case .min: return smallest
        case .rise: return window.last! - smallest
        case .fall: return largest - window.last!
        case .range: return largest - smallest
        }
    }

    /// A condition's score: 1 where it holds and 0 where not, or with a
    /// softness a ramp from 0 to 1 over that width, 0.5 at the threshold.
    func score(_ c: Condition, _ x: Double) -> Double {
        func ramp(_ d: Double) -> Double {
            guard c.softness > 0 else { return d >= 0 ? 1 : 0 }
            return min(1, max(0, 0.5 + d / c.softness))
        }
        switch c.threshold {
        case let .above(t): return ramp(x - t)
        case let .below(t): return ramp(t - x)
        case let .between(a, b): return min(ramp(x - a), ramp(b - x))
        }
    }

    /// The scores of every frame of a stream.
    public func frames(_ frames: [[Float]]) -> [Frame] {
        let level = rules.configuration.featureNames.firstIndex(of: "level_db")
        var known = [String: [Double]]()
        for c in rules.classes.flatMap(Self.conditions) where known[c.feature] == nil {
            known[c.feature] = series(c.feature, frames)
        }
        return frames.indices.map { e in
            var out = Frame(scores: [], gated: false, values: [], conditions: [])
            out.gated = level.map { Double(frames[e][$0]) < Self.silenceDBFS } ?? false
            for rule in rules.classes {
                func termScore(_ term: Term) -> (score: Double, weight: Double) {
                    switch term {
                    case let .condition(c):
                        let x = value(c, at: e, known[c.feature]!), s = score(c, x)
                        out.values.append(x)
                        out.conditions.append(s)
                        return (s, c.weight)
                    case let .any(terms):
                        return (terms.map { termScore($0).score }.max() ?? 0, 1)
                    case let .all(group, weight):
                        let s = group.map { c -> Double in
                            let x = value(c, at: e, known[c.feature]!), s = score(c, x)
                            out.values.append(x)
                            out.conditions.append(s)
                            return s
                        }.min() ?? 0
                        return (s, weight)
                    }
                }
                let terms = rule.terms.map(termScore)
                switch rule.combination {
                case .all:
                    out.scores.append(out.gated ? 0 : terms.map(\.score).min() ?? 0)
                case let .weighted(bias):
                    let z = terms.reduce(bias) { $0 + $1.weight * $1.score }
                    out.scores.append(out.gated ? 0 : 1 / (1 + exp(-z)))
                }
            }
            return out
        }
    }
}
