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

/// Reads the JSON tree into rules, strictly: unknown keys, classes and
/// features are errors that name their line.
private struct RuleReader: StrictJSONReader {
    let source: String
    let names: [String]

    func fail(_ value: JSONValue, _ field: String, _ reason: String) -> TympanError {
        .invalidRules(source: source, line: value.line, field: field, reason: reason)
    }

    mutating func rules(_ root: JSONValue) throws(TympanError) -> [ClassRule] {
        let top = try object(root, "", allowed: ["format", "version", "about", "classes"])
        guard let format = top["format"], try string(format, "format") == "tympan-rules" else {
            throw fail(top["format"] ?? root, "format", "expected \"tympan-rules\"")
        }
        guard let version = top["version"], try number(version, "version") == 1 else {
            throw fail(top["version"] ?? root, "version", "expected 1")
        }
        guard let list = top["classes"] else { throw fail(root, "classes", "missing") }
        var seen = Set<EventClass>()
        var out = [ClassRule]()
        for (i, item) in try array(list, "classes").enumerated() {
            let rule = try classRule(item, "classes[\(i)]")
            guard seen.insert(rule.eventClass).inserted else {
                throw fail(item, "classes[\(i)].class", "\(rule.eventClass.label) appears twice")
            }
            out.append(rule)
        }
        for (i, rule) in out.enumerated() {
            for c in rule.detector.suppressedBy.map(\.eventClass) where c == rule.eventClass || !seen.contains(c) {
                let item = try array(list, "classes")[i]
                throw fail(item, "classes[\(i)].detector.suppressed_by", c == rule.eventClass
                           ? "a class cannot suppress itself" : "\(c.label) has no rule in this file")
            }
        }
        return out
    }

    func classRule(_ value: JSONValue, _ field: String) throws(TympanError) -> ClassRule {
        let o = try object(value, field, allowed: ["class", "id", "about", "combine", "bias", "when", "detector"])
        guard let labelValue = o["class"] else { throw fail(value, "\(field).class", "missing") }
        let label = try string(labelValue, "\(field).class")
        guard let eventClass = EventClass(rawValue: label) else {
            throw fail(labelValue, "\(field).class", "unknown class '\(label)'; expected one of "
                       + EventClass.allCases.map(\.label).joined(separator: ", "))
        }
        if let id = o["id"], try number(id, "\(field).id") != Double(eventClass.id) {
            throw fail(id, "\(field).id", "\(label) has id \(eventClass.id)")
        }
        let about = try o["about"].map { v throws(TympanError) in try string(v, "\(field).about") } ?? ""
        var weighted = false
        if let c = o["combine"] {
            switch try string(c, "\(field).combine") {
            case "all": weighted = false
            case "weighted": weighted = true
            case let other: throw fail(c, "\(field).combine", "unknown combination '\(other)'; expected all or weighted")
            }
        }
        var combination = ClassRule.Combination.all
        if weighted {
            guard let b = o["bias"] else { throw fail(value, "\(field).bias", "missing (combine is weighted)") }
            combination = .weighted(bias: try number(b, "\(field).bias"))
        } else if let b = o["bias"] {
            throw fail(b, "\(field).bias", "only for combine weighted")
        }
        guard let when = o["when"] else { throw fail(value, "\(field).when", "missing") }
        let items = try array(when, "\(field).when")
        guard !items.isEmpty else { throw fail(when, "\(field).when", "needs at least one condition") }
        var terms = [Term]()
        for (i, item) in items.enumerated() { terms.append(try term(item, "\(field).when[\(i)]", weighted: weighted)) }
        let detector = try o["detector"].map { v throws(TympanError) in try detectorSettings(v, "\(field).detector") }
            ?? DetectorSettings()
        return ClassRule(eventClass: eventClass, about: about, terms: terms, combination: combination, detector: detector)
    }

    func term(_ value: JSONValue, _ field: String, weighted: Bool) throws(TympanError) -> Term {
        if case let .object(members) = value.kind, members.contains(where: { $0.key == "all" }) {
            guard weighted else { throw fail(value, "\(field).all", "only with combine weighted (here every condition must hold anyway)") }
            let o = try object(value, field, allowed: ["all", "weight"])
            let items = try array(o["all"]!, "\(field).all")
            guard items.count >= 2 else { throw fail(value, "\(field).all", "needs at least two conditions") }
            var conditions = [Condition]()
            for (i, item) in items.enumerated() { conditions.append(try condition(item, "\(field).all[\(i)]", weighted: false)) }
            guard let w = o["weight"] else { throw fail(value, "\(field).weight", "missing (combine is weighted)") }
            return .all(conditions, weight: try number(w, "\(field).weight"))
        }
        if case let .object(members) = value.kind, members.contains(where: { $0.key == "any" }) {
            guard !weighted else { throw fail(value, "\(field).any", "not with combine weighted: give each condition its weight") }
            let o = try object(value, field, allowed: ["any"])
            let items = try array(o["any"]!, "\(field).any")
            guard !items.isEmpty else { throw fail(value, "\(field).any", "needs at least one condition") }
            var terms = [Term]()
            for (i, item) in items.enumerated() { terms.append(try term(item, "\(field).any[\(i)]", weighted: false)) }
            return .any(terms)
        }
        return .condition(try condition(value, field, weighted: weighted))
    }

    func condition(_ value: JSONValue, _ field: String, weighted: Bool) throws(TympanError) -> Condition {
        var keys: Set<String> = ["feature", "aggregate", "frames", "ahead", "above", "below", "between", "softness"]
        if weighted { keys.insert("weight") }
        let o = try object(value, field, allowed: keys)
        guard let featureValue = o["feature"] else { throw fail(value, "\(field).feature", "missing") }
        let feature = try string(featureValue, "\(field).feature")
        guard FeatureReference(feature, names: names) != nil else {
            let hint = names.min { editDistance($0, feature) < editDistance($1, feature) }.map { " (did you mean '\($0)'?)" } ?? ""
            throw fail(featureValue, "\(field).feature", "unknown feature '\(feature)'\(hint)")
        }
        var aggregate = Condition.Aggregate.value
        if let a = o["aggregate"] {
            let text = try string(a, "\(field).aggregate")
            guard let parsed = Condition.Aggregate(rawValue: text) else {
                throw fail(a, "\(field).aggregate", "unknown aggregate '\(text)'; expected one of "
                           + Condition.Aggregate.allCases.map(\.rawValue).joined(separator: ", "))
            }
            aggregate = parsed
        }
        var frames = 1
        if let f = o["frames"] {
            let x = try number(f, "\(field).frames")
            guard x >= 1, x <= 1000, x == x.rounded() else { throw fail(f, "\(field).frames", "expected a whole number 1...1000") }
            frames = Int(x)
        }
        var ahead = 0
        if let a = o["ahead"] {
            let x = try number(a, "\(field).ahead")
            guard x >= 0, x <= 500, x == x.rounded() else { throw fail(a, "\(field).ahead", "expected a whole number 0...500") }
            ahead = Int(x)
        }
        let bounds = ["above", "below", "between"].filter { o[$0] != nil }
        guard bounds.count == 1 else {
            throw fail(value, field, "needs exactly one of above, below, between (found \(bounds.isEmpty ? "none" : bounds.joined(separator: ", ")))")
        }
        let threshold: Condition.Threshold
        switch bounds[0] {
        case "above": threshold = .above(try number(o["above"]!, "\(field).above"))
        case "below": threshold = .below(try number(o["below"]!, "\(field).below"))
        default:
            let pair = try array(o["between"]!, "\(field).between")
            guard pair.count == 2 else { throw fail(o["between"]!, "\(field).between", "expected [low, high]") }
            let a = try number(pair[0], "\(field).between[0]"), b = try number(pair[1], "\(field).between[1]")
            guard a < b else { throw fail(o["between"]!, "\(field).between", "low must be below high") }
            threshold = .between(a, b)
        }
        let softness = try o["softness"].map { v throws(TympanError) in try number(v, "\(field).softness") } ?? 0
        guard softness >= 0 else { throw fail(o["softness"]!, "\(field).softness", "must be >= 0") }
        var weight = 1.0
        if weighted {
            guard let w = o["weight"] else { throw fail(value, "\(field).weight", "missing (combine is weighted)") }
            weight = try number(w, "\(field).weight")
        }
        return Condition(feature: feature, aggregate: aggregate, frames: frames, ahead: ahead, threshold: threshold,
                         softness: softness, weight: weight, line: value.line)
    }

    func detectorSettings(_ value: JSONValue, _ field: String) throws(TympanError) -> DetectorSettings {
        let o = try object(value, field, allowed: ["on", "off", "min_duration", "max_duration", "merge_gap", "refractory",
                                                   "onset_feature", "onset_above", "onset_lookback", "onset_within", "hold", "suppressed_by",
                                                   "site_quantile", "site_warm_up", "site_memory"])
        var d = DetectorSettings()
        func read(_ key: String, _ range: ClosedRange<Double>) throws(TympanError) -> Double? {
            guard let v = o[key] else { return nil }
            let x = try number(v, "\(field).\(key)")
            guard range.contains(x) else { throw fail(v, "\(field).\(key)", "must be in \(range.lowerBound)...\(range.upperBound)") }
            return x
        }
        d.on = try read("on", 0...1) ?? d.on
        d.off = try read("off", 0...1) ?? d.off
        d.minDuration = try read("min_duration", 0...3600) ?? d.minDuration
        d.maxDuration = try read("max_duration", 0...3600) ?? d.maxDuration
        d.mergeGap = try read("merge_gap", 0...60) ?? d.mergeGap
        d.refractory = try read("refractory", 0...3600) ?? d.refractory
        if let f = o["onset_feature"] {
            let name = try string(f, "\(field).onset_feature")
            guard FeatureReference(name, names: names) != nil else {
                throw fail(f, "\(field).onset_feature", "unknown feature '\(name)'")
            }
            d.onsetFeature = name
        }
        if let a = o["onset_above"] { d.onsetAbove = try number(a, "\(field).onset_above") }
        d.onsetLookback = try read("onset_lookback", 0...10) ?? d.onsetLookback
        d.onsetWithin = try read("onset_within", 0...200)
        if let w = o["onset_within"], d.onsetFeature == nil {
            throw fail(w, "\(field).onset_within", "needs onset_feature (the onset stops where that feature falls this far below its trigger value)")
        }
        if let h = o["hold"] {
            d.hold = try read("hold", 0...60)!
            guard d.onsetFeature != nil || d.hold == 0 else {
                throw fail(h, "\(field).hold", "needs onset_feature (an event is held while that feature stays at or above onset_above)")
            }
        }
        if let list = o["suppressed_by"] {
            for (k, item) in try array(list, "\(field).suppressed_by").enumerated() {
                // "angle_grinder", or {"class": "angle_grinder", "above": 0.5}
                let here = "\(field).suppressed_by[\(k)]"
                var labelValue = item, above: Double?
                if case .object = item.kind {
                    let o = try object(item, here, allowed: ["class", "above"])
                    guard let c = o["class"] else { throw fail(item, "\(here).class", "missing") }
                    labelValue = c
                    if let a = o["above"] {
                        above = try number(a, "\(here).above")
                        guard (0...1).contains(above!) else { throw fail(a, "\(here).above", "must be in 0...1 (a score)") }
                    }
                }
                let label = try string(labelValue, here)
                guard let c = EventClass(rawValue: label) else {
                    throw fail(item, here, "unknown class '\(label)'; the classes are \(EventClass.allCases.map(\.label).joined(separator: ", "))")
                }
                guard !d.suppressedBy.contains(where: { $0.eventClass == c }) else { throw fail(item, here, "\(label) appears twice") }
                d.suppressedBy.append(Suppressor(c, above: above))
            }
        }
        d.siteQuantile = try read("site_quantile", 0.5...0.999999)
        for key in ["site_warm_up", "site_memory"] where o[key] != nil && d.siteQuantile == nil {
            throw fail(o[key]!, "\(field).\(key)", "needs site_quantile (the share of the site's frames whose score it learns to stay above)")
        }
        d.siteWarmUp = try read("site_warm_up", 0...86_400) ?? d.siteWarmUp
        d.siteMemory = try read("site_memory", 1...2_592_000) ?? d.siteMemory
        guard d.off <= d.on else { throw fail(value, "\(field).off", "must not be above on (\(d.on))") }
        guard d.minDuration <= d.maxDuration else { throw fail(value, "\(field).min_duration", "must not be above max_duration") }
        return d
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

/// Levenshtein distance, for "did you mean" hints.
package func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let current = row[j]
            row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}

extension DetectorSettings {
    /// The settings as a rules file's `detector` object (every key written).
    var json: JSONValue {
        func n(_ x: Double) -> JSONValue { JSONValue(kind: .number(x), line: 0) }
        var members: [(key: String, value: JSONValue)] = [("on", n(on)), ("off", n(off)), ("min_duration", n(minDuration)),
                                                          ("max_duration", n(maxDuration)), ("merge_gap", n(mergeGap)),
                                                          ("refractory", n(refractory))]
        if let onsetFeature {
            members += [("onset_feature", JSONValue(kind: .string(onsetFeature), line: 0)), ("onset_above", n(onsetAbove)),
                        ("onset_lookback", n(onsetLookback))]
            if let onsetWithin { members.append(("onset_within", n(onsetWithin))) }
            if hold > 0 { members.append(("hold", n(hold))) }
        }
        if !suppressedBy.isEmpty {
            members.append(("suppressed_by", JSONValue(kind: .array(suppressedBy.map { s in
                let label = JSONValue(kind: .string(s.eventClass.label), line: 0)
                guard let above = s.above else { return label }
                return JSONValue(kind: .object([("class", label), ("above", n(above))]), line: 0)
            }), line: 0)))
        }
        if let siteQuantile {
            members += [("site_quantile", n(siteQuantile)), ("site_warm_up", n(siteWarmUp)), ("site_memory", n(siteMemory))]
        }
        return JSONValue(kind: .object(members), line: 0)
    }
}

extension Rules {
    /// A rules file's text with the detector settings of the classes in
    /// `detectors` replaced (everything else as it was, one class per block):
    /// what `tympan calibrate` writes.
    public static func rewriting(json: String, source: String = "rules",
                                 detectors: [EventClass: DetectorSettings]) throws(TympanError) -> String {
        _ = try Rules(json: json, source: source)  // a valid file in
        let root: JSONValue
        do { root = try JSONParser.parse(json) } catch { throw .invalidRules(source: source, line: error.line, field: "", reason: error.message) }
        guard case let .object(top) = root.kind else { throw .invalidRules(source: source, line: 1, field: "", reason: "expected an object") }
        var out = "{\n"
        for (k, member) in top.enumerated() {
            out += "  " + JSONValue.quote(member.key) + ": "
            if member.key == "classes", case let .array(classes) = member.value.kind {
                out += "[\n"
                for (c, item) in classes.enumerated() {
                    var value = item
                    if case var .object(fields) = item.kind, let label = fields.first(where: { $0.key == "class" }),
                       case let .string(name) = label.value.kind, let eventClass = EventClass(rawValue: name),
                       let settings = detectors[eventClass] {
                        if let i = fields.firstIndex(where: { $0.key == "detector" }) {
                            fields[i].value = settings.json
                        } else {
                            fields.append(("detector", settings.json))
                        }
                        value = JSONValue(kind: .object(fields), line: item.line)
                    }
                    out += "    " + value.serialized() + (c + 1 < classes.count ? ",\n" : "\n")
                }
                out += "  ]"
            } else {
                out += member.value.serialized()
            }
            out += k + 1 < top.count ? ",\n" : "\n"
        }
        return out + "}\n"
    }
}

extension JSONValue {
    /// Compact JSON; numbers in their shortest exact form.
    package func serialized() -> String {
        switch kind {
        case let .object(members): return "{" + members.map { Self.quote($0.key) + ": " + $0.value.serialized() }.joined(separator: ", ") + "}"
        case let .array(items): return "[" + items.map { $0.serialized() }.joined(separator: ", ") + "]"
        case let .string(s): return Self.quote(s)
        case let .number(x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    package static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
