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
