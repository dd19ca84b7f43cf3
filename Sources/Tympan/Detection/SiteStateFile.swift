/// A `SiteState` as a file, so that a sensor that restarts goes on from what
/// it had learned of its site instead of listening for its warm-up again and
/// forgetting the last hour. The file holds what the state holds and nothing
/// else: per adapting class its settings, a histogram of scores (the bins
/// that are not empty) and the level learned from it. No audio, no times.
///
///     {"format": "tympan-site", "version": 1, "frames_per_second": 100, "about": "...",
///      "classes": [
///       {"class": "gunshot", "quantile": 0.999, "warm_up_frames": 6000, "block_frames": 100,
///        "decay": 0.97..., "frames": 360000, "total": 98765.4, "level": 0.412, "counts": [[0, 90000.5], ...]},
///       ...]}
///
/// Numbers are written as Swift's shortest round-trip decimals: a state read
/// back is equal to the one written (`Equatable`).
extension SiteState {
    static let about = "What a Tympan sensor learned of how each class scores where it listens: for each class, a histogram of its scores. No audio."

    /// The state as JSON text (one line per class).
    public var json: String {
        var lines = [String]()
        for (c, level) in zip(classes, levels) {
            guard let level else { continue }
            var counts = [String]()
            for (bin, count) in level.counts.enumerated() where count != 0 { counts.append("[\(bin), \(count)]") }
            lines.append("""
                  {"class": "\(c.label)", "quantile": \(level.quantile), "warm_up_frames": \(level.warmUpFrames), \
                "block_frames": \(level.blockFrames), "decay": \(level.decay), "frames": \(level.frames), \
                "total": \(level.total), "level": \(level.level), "counts": [\(counts.joined(separator: ", "))]}
                """)
        }
        return """
            {"format": "tympan-site", "version": 1, "frames_per_second": \(framesPerSecond),
             "about": "\(Self.about)",
             "classes": [
            \(lines.joined(separator: ",\n"))
             ]}

            """
    }

    /// Reads what `json` wrote, strictly: an unknown key, a class named twice,
    /// a number out of its range is an error that names its line and field.
    public init(json text: String, source: String = "site state") throws(SiteStateError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw SiteStateError(source: source, line: error.line, field: "", reason: error.message)
        }
        let reader = SiteStateReader(source: source)
        let top = try reader.object(root, "", allowed: ["format", "version", "frames_per_second", "about", "classes"])
        guard let format = top["format"], try reader.string(format, "format") == "tympan-site" else {
            throw reader.fail(top["format"] ?? root, "format", "expected \"tympan-site\"")
        }
        guard let version = top["version"], try reader.number(version, "version", 1...1) == 1 else {
            throw reader.fail(top["version"] ?? root, "version", "expected 1")
        }
        if let about = top["about"] { _ = try reader.string(about, "about") }
        guard let fps = top["frames_per_second"] else { throw reader.fail(root, "frames_per_second", "missing") }
        let framesPerSecond = try reader.number(fps, "frames_per_second", 1...100_000)
        guard let list = top["classes"] else { throw reader.fail(root, "classes", "missing") }
        var classes = [EventClass](), levels = [Level?]()
        for (i, value) in try reader.array(list, "classes").enumerated() {
            let field = "classes[\(i)]"
            let keys = ["class", "quantile", "warm_up_frames", "block_frames", "decay", "frames", "total", "level", "counts"]
            let o = try reader.object(value, field, allowed: Set(keys))
            for key in keys where o[key] == nil { throw reader.fail(value, "\(field).\(key)", "missing") }
            let name = try reader.string(o["class"]!, "\(field).class")
            guard let c = EventClass(rawValue: name) else {
                throw reader.fail(o["class"]!, "\(field).class", "unknown class '\(name)'")
            }
            guard !classes.contains(c) else { throw reader.fail(o["class"]!, "\(field).class", "'\(name)' is given twice") }
            var counts = [Double](repeating: 0, count: SiteState.bins)
            var previous = -1
            for (j, pair) in try reader.array(o["counts"]!, "\(field).counts").enumerated() {
                let at = "\(field).counts[\(j)]"
                let bin = try reader.array(pair, at)
                guard bin.count == 2 else { throw reader.fail(pair, at, "expected [bin, count]") }
                let k = try reader.integer(bin[0], at, 0...(SiteState.bins - 1))
                guard k > previous else { throw reader.fail(pair, at, "bins must rise: \(k) follows \(previous)") }
                counts[k] = try reader.number(bin[1], at, 0...Double.greatestFiniteMagnitude)
                previous = k
            }
            classes.append(c)
            levels.append(Level(
                quantile: try reader.number(o["quantile"]!, "\(field).quantile", 0.5...0.999999),
                warmUpFrames: try reader.integer(o["warm_up_frames"]!, "\(field).warm_up_frames", 0...(1 << 40)),
                blockFrames: try reader.integer(o["block_frames"]!, "\(field).block_frames", 1...(1 << 40)),
                decay: try reader.number(o["decay"]!, "\(field).decay", 0...1),
                counts: counts,
                total: try reader.number(o["total"]!, "\(field).total", 0...Double.greatestFiniteMagnitude),
                frames: try reader.integer(o["frames"]!, "\(field).frames", 0...(1 << 53)),
                level: try reader.number(o["level"]!, "\(field).level", 0...1)))
        }
        self.init(classes: classes, levels: levels, framesPerSecond: framesPerSecond)
    }
}

/// A site state file that cannot be read: where, which field, and what is wrong.
public struct SiteStateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var field: String
    public var reason: String

    public var description: String { "\(source):\(line): \(field.isEmpty ? "" : field + ": ")\(reason)" }
}

private struct SiteStateReader: StrictJSONReader {
    let source: String

    func fail(_ value: JSONValue, _ field: String, _ reason: String) -> SiteStateError {
        SiteStateError(source: source, line: value.line, field: field, reason: reason)
    }

    func number(_ value: JSONValue, _ field: String, _ range: ClosedRange<Double>) throws(SiteStateError) -> Double {
        let x = try number(value, field)
        guard range.contains(x) else { throw fail(value, field, "\(x) is outside \(range.lowerBound)...\(range.upperBound)") }
        return x
    }

    func integer(_ value: JSONValue, _ field: String, _ range: ClosedRange<Int>) throws(SiteStateError) -> Int {
        let x = try number(value, field, Double(range.lowerBound)...Double(range.upperBound))
        guard x == x.rounded() else { throw fail(value, field, "\(x) is not a whole number") }
        return Int(x)
    }
}
