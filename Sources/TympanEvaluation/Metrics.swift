#if canImport(Glibc)
import Glibc
#endif

/// Counts and the figures made of them, as sed_eval (0.2.1) defines them:
/// precision Ntp/Nsys and recall Ntp/Nref (NaN when the denominator is 0),
/// F1 (0 when both are 0), rates over Nref + eps (eps = 2^-52, numpy.spacing(1)).
public struct Counts: Sendable, Equatable {
    public var ref = 0
    public var sys = 0
    public var tp = 0
    public var fp = 0
    public var fn = 0
    public var substitutions = 0

    public var precision: Double { sys == 0 ? .nan : Double(tp) / Double(sys) }
    public var recall: Double { ref == 0 ? .nan : Double(tp) / Double(ref) }
    public var f1: Double {
        let p = precision, r = recall
        if p == 0 && r == 0 { return 0 }
        return 2 * p * r / (p + r)
    }
    static let eps = 2.220446049250313e-16
    public var substitutionRate: Double { Double(substitutions) / (Double(ref) + Self.eps) }
    public var deletionRate: Double { Double(fn) / (Double(ref) + Self.eps) }
    public var insertionRate: Double { Double(fp) / (Double(ref) + Self.eps) }
    public var errorRate: Double { substitutionRate + deletionRate + insertionRate }

    static func += (a: inout Counts, b: Counts) {
        a.ref += b.ref; a.sys += b.sys; a.tp += b.tp; a.fp += b.fp; a.fn += b.fn; a.substitutions += b.substitutions
    }
}

/// Per class and overall counts; the class-wise averages skip NaN (numpy.nanmean).
public struct MetricResults: Sendable, Equatable {
    public var labels: [String]
    public var overall = Counts()
    public var classWise: [String: Counts]

    init(labels: [String]) {
        self.labels = labels
        classWise = Dictionary(labels.map { ($0, Counts()) }, uniquingKeysWith: { first, _ in first })
    }

    private func nanMean(_ f: (Counts) -> Double) -> Double {
        let values = labels.map { f(classWise[$0]!) }.filter { !$0.isNaN }
        return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// Class-wise average ("macro") F1, precision, recall, error rate.
    public var macroF1: Double { nanMean(\.f1) }
    public var macroPrecision: Double { nanMean(\.precision) }
    public var macroRecall: Double { nanMean(\.recall) }
    /// Class-wise error rate: deletions and insertions only (no substitutions within a class).
    public var macroErrorRate: Double { nanMean { $0.deletionRate + $0.insertionRate } }
    /// Overall ("micro") figures.
    public var microF1: Double { overall.f1 }
    public var errorRate: Double { overall.errorRate }
}

/// sed_eval's event-based metrics: an estimated event matches a reference
/// event of the same label when its onset is within `collar` seconds and, if
/// offsets are evaluated, its offset within max(`collar`, `offsetShare` ×
/// the reference's length). The matching is a maximum one (sed_eval's
/// "optimal", the same Hopcroft–Karp walk, so the same events are left over);
/// a left-over estimate within the collars of a left-over reference of
/// another label is a substitution. Evaluate file by file, then read `results`.
public struct EventBasedMetrics: Sendable {
    public let collar: Double
    public let offsetShare: Double
    public let evaluateOffset: Bool
    public private(set) var results: MetricResults

    public init(labels: [String], collar: Double = 0.2, offsetShare: Double = 0.5, evaluateOffset: Bool = false) {
        self.collar = collar
        self.offsetShare = offsetShare
        self.evaluateOffset = evaluateOffset
        results = MetricResults(labels: labels)
    }

    func hit(_ r: LabelledEvent, _ e: LabelledEvent) -> Bool {
        guard abs(r.onset - e.onset) <= collar else { return false }
        guard evaluateOffset else { return true }
        return abs(r.offset - e.offset) <= max(collar, offsetShare * (r.offset - r.onset))
    }

    /// One clip's reference and estimated events (in their files' order).
    public mutating func evaluate(reference: [LabelledEvent], estimated: [LabelledEvent]) {
        // Overall: the matching over all labels, then substitutions.
        var edges = [Int: [Int]](), order = [Int]()  // estimated -> references, in numpy.where order
        for (j, r) in reference.enumerated() {
            for (i, e) in estimated.enumerated() where r.label == e.label && hit(r, e) {
                if edges[i] == nil { order.append(i) }
                edges[i, default: []].append(j)
            }
        }
        let matching = maximumMatching(order, edges)
        var refCorrect = [Bool](repeating: false, count: reference.count)
        var sysCorrect = [Bool](repeating: false, count: estimated.count)
        for (j, i) in matching { refCorrect[j] = true; sysCorrect[i] = true }
        var substitutions = 0
        var counted = [Bool](repeating: false, count: estimated.count)
        for j in reference.indices where !refCorrect[j] {
            for i in estimated.indices where !sysCorrect[i] && !counted[i] && hit(reference[j], estimated[i]) {
                counted[i] = true
                substitutions += 1
                break
            }
        }
        var c = Counts()
        c.ref = reference.count
        c.sys = estimated.count
        c.tp = matching.count
        c.substitutions = substitutions
        c.fp = c.sys - c.tp - substitutions
        c.fn = c.ref - c.tp - substitutions
        results.overall += c
        // Class-wise: the matching within each label.
        for label in results.labels {
            let r = reference.filter { $0.label == label }, e = estimated.filter { $0.label == label }
            var edges = [Int: [Int]](), order = [Int]()
            for (j, rr) in r.enumerated() {
                for (i, ee) in e.enumerated() where hit(rr, ee) {
                    if edges[i] == nil { order.append(i) }
                    edges[i, default: []].append(j)
                }
            }
            var k = Counts()
            k.ref = r.count
            k.sys = e.count
            k.tp = maximumMatching(order, edges).count
            k.fp = k.sys - k.tp
            k.fn = k.ref - k.tp
            results.classWise[label]! += k
        }
    }
}

/// sed_eval's segment-based metrics: each clip is cut into `resolution`-second
/// segments over the longer of its reference and estimate (the largest
/// offset); an event is active in segments floor(onset/res) ..< ceil(offset/res).
public struct SegmentBasedMetrics: Sendable {
    public let resolution: Double
    public private(set) var results: MetricResults

    /// The labels scored (`results.labels`, as a set).
    private let scored: Set<String>

    public init(labels: [String], resolution: Double = 1.0) {
        self.resolution = resolution
        results = MetricResults(labels: labels)
        scored = Set(labels)
    }

    /// The active segments of each label that has events, as sorted, disjoint
    /// ranges (an event covers segments floor(onset / resolution) ..<
    /// ceil(offset / resolution), cut at `length`); events of labels not in
    /// `results.labels` are ignored.
    func activeSegments(_ events: [LabelledEvent], length: Int) -> [String: [Range<Int>]] {
        var spans = [String: [Range<Int>]]()
        for e in events where scored.contains(e.label) {
            let a = Int(floor(e.onset / resolution)), b = min(length, Int(ceil(e.offset / resolution)))
            if a < b { spans[e.label, default: []].append(a..<b) }
        }
        return spans.mapValues { list in
            var merged = [Range<Int>]()
            for s in list.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, s.lowerBound <= last.upperBound {
                    merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, s.upperBound)
                } else {
                    merged.append(s)
                }
            }
            return merged
        }
    }

    /// The segments in both lists of sorted, disjoint ranges.
    static func intersection(_ a: [Range<Int>], _ b: [Range<Int>]) -> [Range<Int>] {
        var out = [Range<Int>](), i = 0, j = 0
        while i < a.count && j < b.count {
            let low = max(a[i].lowerBound, b[j].lowerBound), high = min(a[i].upperBound, b[j].upperBound)
            if low < high { out.append(low..<high) }
            if a[i].upperBound < b[j].upperBound { i += 1 } else { j += 1 }
        }
        return out
    }

    /// sed_eval's segment-based counts, computed on the labels' active ranges
    /// rather than on a segment-by-label table: time and memory grow with the
    /// number of events, not with the clip's length times the number of labels
    /// (a label file with an event a week long and thousands of labels would
    /// otherwise fill gigabytes). Between two ends of ranges every segment has
    /// the same numbers of active references, estimates and matches, so each run
    /// of segments is counted at once.
    public mutating func evaluate(reference: [LabelledEvent], estimated: [LabelledEvent]) {
        let length = Int(ceil(max(reference.map(\.offset).max() ?? 0, estimated.map(\.offset).max() ?? 0) / resolution))
        let r = activeSegments(reference, length: length), e = activeSegments(estimated, length: length)
        // (segment, change in active references, estimates, matches)
        var changes = [(at: Int, ref: Int, sys: Int, tp: Int)]()
        for label in Set(r.keys).union(e.keys) {
            let ref = r[label] ?? [], sys = e[label] ?? [], both = Self.intersection(ref, sys)
            var c = Counts()
            c.ref = ref.reduce(0) { $0 + $1.count }
            c.sys = sys.reduce(0) { $0 + $1.count }
            c.tp = both.reduce(0) { $0 + $1.count }
            c.fp = c.sys - c.tp
            c.fn = c.ref - c.tp
            results.classWise[label]! += c
            for s in ref { changes += [(s.lowerBound, 1, 0, 0), (s.upperBound, -1, 0, 0)] }
            for s in sys { changes += [(s.lowerBound, 0, 1, 0), (s.upperBound, 0, -1, 0)] }
            for s in both { changes += [(s.lowerBound, 0, 0, 1), (s.upperBound, 0, 0, -1)] }
        }
        changes.sort { $0.at < $1.at }
        var ref = 0, sys = 0, tp = 0, i = 0
        while i < changes.count {
            let at = changes[i].at
            while i < changes.count && changes[i].at == at {
                ref += changes[i].ref; sys += changes[i].sys; tp += changes[i].tp
                i += 1
            }
            guard i < changes.count, ref > 0 || sys > 0 else { continue }
            let run = changes[i].at - at
            var c = Counts()
            c.tp = tp * run
            c.ref = ref * run
            c.sys = sys * run
            c.substitutions = (min(ref, sys) - tp) * run
            c.fn = max(0, ref - sys) * run  // deletions
            c.fp = max(0, sys - ref) * run  // insertions
            results.overall += c
        }
    }
}

/// A maximum matching of references to estimates, by the Hopcroft–Karp walk
/// sed_eval uses (after mir_eval and D. Eppstein), visiting vertices in the
/// same order so that ties resolve the same way. `order`: the estimates with
/// edges, in order of first appearance; `edges[i]`: the references estimate i
/// may match, ascending. Returns reference -> estimate.
func maximumMatching(_ order: [Int], _ edges: [Int: [Int]]) -> [Int: Int] {
    var matching = OrderedMap<Int, Int>()  // reference -> estimate
    for u in order {
        for v in edges[u]! where matching[v] == nil {
            matching[v] = u
            break
        }
    }
    enum Pred: Equatable { case free, reference(Int) }
    while true {
        var preds = OrderedMap<Int, [Int]>()   // reference -> estimates of the previous layer
        var unmatched = [Int]()
        var pred = OrderedMap<Int, Pred>()     // estimate -> reference of the previous layer
        for u in order { pred[u] = .free }
        for v in matching.keys { pred.remove(matching[v]!) }
        var layer = pred.keys
        while !layer.isEmpty && unmatched.isEmpty {
            var newLayer = OrderedMap<Int, [Int]>()
            for u in layer {
                for v in edges[u]! where preds[v] == nil {
                    newLayer[v, default: []].append(u)
                }
            }
            layer = []
            for v in newLayer.keys {
                preds[v] = newLayer[v]!
                if let u = matching[v] {
                    layer.append(u)
                    pred[u] = .reference(v)
                } else {
                    unmatched.append(v)
                }
            }
        }
        if unmatched.isEmpty { return matching.dictionary }
        func recurse(_ v: Int) -> Bool {
            guard let l = preds[v] else { return false }
            preds.remove(v)
            for u in l {
                guard let pu = pred[u] else { continue }
                pred.remove(u)
                let found: Bool
                switch pu {
                case .free: found = true
                case let .reference(w): found = recurse(w)
                }
                if found {
                    matching[v] = u
                    return true
                }
            }
            return false
        }
        for v in unmatched { _ = recurse(v) }
    }
}

/// A dictionary that remembers insertion order, as Python's does (a key
/// removed and set again goes to the end).
struct OrderedMap<K: Hashable, V> {
    private(set) var keys: [K] = []
    private var values: [K: V] = [:]

    subscript(key: K) -> V? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else {
                remove(key)
            }
        }
    }

    subscript(key: K, default value: @autoclosure () -> V) -> V {
        get { values[key] ?? value() }
        set { self[key] = newValue }
    }

    mutating func remove(_ key: K) {
        if values.removeValue(forKey: key) != nil, let i = keys.firstIndex(of: key) { keys.remove(at: i) }
    }

    var dictionary: [K: V] { values }
}
