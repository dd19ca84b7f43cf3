/// Reads the JSON tree into rules, strictly: unknown keys, classes and
/// features are errors that name their line.
struct RuleReader: StrictJSONReader {
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
        let rule = ClassRule(eventClass: eventClass, about: about, terms: terms, combination: combination, detector: detector)
        guard rule.totalWeight <= ClassRule.weightLimit else {
            throw fail(when, "\(field).when", "the weights add up to \(rule.totalWeight) in absolute value; at most "
                       + "1048576 (2^20), what the classifier's fixed-point sums hold")
        }
        return rule
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
