/// The windowed aggregates a classifier reads, as each stream's aggregates
/// stage takes them (`tympan_aggregates_config`).
struct AggregateLayout: Sendable {
    var frameWidth: Int
    var delay: Int
    var features: [Range<Int>]
    var windows: [(feature: Int, frames: Int, ahead: Int)]
    var aggregates: [(window: Int, aggregate: Condition.Aggregate)]
}

/// The compiled model as the C stages take it (`tympan_aggregates_config`,
/// `tympan_scorer_config`): flat tables of numbers.
struct CompiledTables: Sendable {
    var layout: AggregateLayout
    var conditions: [(value: Int, low: Double, high: Double)]
    var classes: [(bias: Double, terms: [(conditions: [Int], weight: Int64)])]
    var gate: (value: Int, below: Double)?
}

extension EventDetector {
    /// The whole per-frame detection as plain text for a program that runs it
    /// from the C kernels alone (Benchmarks/arm/harness.c reads it): the
    /// front end's configuration, the aggregates' and the scorer's tables, and
    /// what the trackers read of each frame (the level and each class's onset
    /// feature). One item per line, a name then numbers; doubles are written
    /// so that they read back to the same bits. Nil for rules the C scorer
    /// does not take (soft conditions, classes whose terms must all hold).
    public static func tables(for rules: Rules) throws(TympanError) -> String? {
        guard let t = try ThresholdClassifier(rules: rules).tables else { return nil }
        let names = rules.configuration.featureNames
        var lines = ["tympan-tables 1"]
        lines += Kernels.describeStream(rules.configuration)
        func number(_ x: Double) -> String { x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)" }
        let a = t.layout
        lines.append("frame_width \(a.frameWidth)")
        lines.append("delay \(a.delay)")
        lines.append("features \(a.features.count)")
        lines += a.features.map { "feature \($0.lowerBound) \($0.count)" }
        lines.append("windows \(a.windows.count)")
        lines += a.windows.map { "window \($0.feature) \($0.frames) \($0.ahead)" }
        lines.append("aggregates \(a.aggregates.count)")
        let kinds = Condition.Aggregate.allCases
        lines += a.aggregates.map { "aggregate \($0.window) \(kinds.firstIndex(of: $0.aggregate)!)" }
        lines.append("gate \(t.gate.map { "\($0.value) \(number($0.below))" } ?? "none")")
        lines.append("conditions \(t.conditions.count)")
        lines += t.conditions.map { "condition \($0.value) \(number($0.low)) \(number($0.high))" }
        let arity = max(1, t.classes.flatMap { $0.terms.map(\.conditions.count) }.max() ?? 1)
        lines.append("classes \(t.classes.count) arity \(arity)")
        for c in t.classes {
            lines.append("class \(number(c.bias)) \(c.terms.count)")
            for term in c.terms {
                let padded = term.conditions + Array(repeating: t.conditions.count, count: arity - term.conditions.count)
                lines.append("term \(term.weight) " + padded.map(String.init).joined(separator: " "))
            }
        }
        // The trackers' inputs: the frame's A-weighted level, each class's onset feature (or none).
        guard let level = names.firstIndex(of: "level_dba") else { return nil }
        lines.append("level \(level)")
        for c in rules.classes {
            let onset = c.detector.onsetFeature.flatMap { FeatureReference($0, names: names) }
            lines.append("onset " + (onset.map { "\($0.indices.lowerBound) \($0.indices.count)" } ?? "none"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
