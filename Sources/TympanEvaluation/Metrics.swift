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

    public init(labels: [String], resolution: Double = 1.0) {
        self.resolution = resolution
        results = MetricResults(labels: labels)
    }

    func roll(_ events: [LabelledEvent], length: Int) -> [[Bool]] {
        var roll = Array(repeating: [Bool](repeating: false, count: results.labels.count), count: length)
        for e in events {
            guard let k = results.labels.firstIndex(of: e.label) else { continue }
            let a = Int(floor(e.onset / resolution)), b = min(length, Int(ceil(e.offset / resolution)))
            if a < b { for s in a..<b { roll[s][k] = true } }
        }
        return roll
    }

    public mutating func evaluate(reference: [LabelledEvent], estimated: [LabelledEvent]) {
        let length = Int(ceil(max(reference.map(\.offset).max() ?? 0, estimated.map(\.offset).max() ?? 0) / resolution))
        let r = roll(reference, length: length), e = roll(estimated, length: length)
        for s in 0..<length {
            let tp = zip(r[s], e[s]).filter { $0 && $1 }.count
            let nref = r[s].filter { $0 }.count, nsys = e[s].filter { $0 }.count
            var c = Counts()
            c.tp = tp
            c.ref = nref
            c.sys = nsys
            c.substitutions = min(nref, nsys) - tp
            c.fn = max(0, nref - nsys)  // deletions
            c.fp = max(0, nsys - nref)  // insertions
            results.overall += c
        }
        for (k, label) in results.labels.enumerated() {
            var c = Counts()
            for s in 0..<length {
                if r[s][k] { c.ref += 1 }
                if e[s][k] { c.sys += 1 }
                if r[s][k] && e[s][k] { c.tp += 1 }
                if e[s][k] && !r[s][k] { c.fp += 1 }
                if r[s][k] && !e[s][k] { c.fn += 1 }
            }
            results.classWise[label]! += c
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
