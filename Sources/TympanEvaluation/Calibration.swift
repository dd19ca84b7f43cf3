import Tympan

/// Fits each class's detector settings (on, off, minimum duration, merge
/// gap) to labelled clips: event F1 (onset collar) minus a penalty per false
/// alarm per hour on the background-only clips, by coordinate search over a
/// grid, replaying the classifier's scores (computed once per clip) through
/// the trackers. The rule terms stay as they are: what changes is when a
/// score becomes an event.
public struct Calibration {
    /// A clip's name, the trackers' view of it, its length, and what a
    /// detector had learned of its site before it (nil: nothing, a detector
    /// switched on at the clip's start).
    public struct Clip: Sendable {
        public var name: String
        public var trace: ScoreTrace
        public var seconds: Double
        public var site: SiteState?

        public init(name: String, trace: ScoreTrace, seconds: Double, site: SiteState? = nil) {
            self.name = name
            self.trace = trace
            self.seconds = seconds
            self.site = site
        }
    }

    /// One class's figures on a set of clips.
    public struct Score: Sendable, Equatable {
        public var f1: Double
        public var falseAlarmsPerHour: Double
        public var objective: Double
    }

    public let clips: [Clip]
    public let reference: [LabelledEvent]
    /// Objective = F1 − penalty × false alarms per hour (background-only clips).
    public let penalty: Double

    public init(clips: [Clip], reference: [LabelledEvent], penalty: Double = 0.005) {
        self.clips = clips
        self.reference = reference
        self.penalty = penalty
    }

    static let grid: [(key: String, values: [Double])] = [
        ("on", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98]), ("gap", [0.1, 0.2, 0.35]),
        ("min_duration", [0.03, 0.05, 0.1, 0.2, 0.3, 0.5]), ("merge_gap", [0, 0.05, 0.1, 0.2, 0.3]),
        ("on", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98]), ("gap", [0.1, 0.2, 0.35]),
    ]

    /// Every class's figures under `rules`.
    public func scores(_ rules: Rules) -> [EventClass: Score] {
        var estimated = [LabelledEvent]()
        for clip in clips {
            estimated += EventDetector.replay(clip.trace, rules: rules, site: clip.site).map {
                LabelledEvent(filename: clip.name, onset: $0.onsetSeconds, offset: $0.offsetSeconds, label: $0.eventClass.label)
            }
        }
        let e = Evaluation(reference: reference, estimated: estimated, clips: clips.map(\.name),
                           durations: Dictionary(clips.map { ($0.name, $0.seconds) }, uniquingKeysWith: +))
        let background = Set(e.backgroundClips)
        let hours = clips.filter { background.contains($0.name) }.reduce(0) { $0 + $1.seconds } / 3600
        var out = [EventClass: Score]()
        for rule in rules.classes {
            let label = rule.eventClass.label
            let f1 = e.event.classWise[label]?.f1 ?? .nan
            let alarms = estimated.filter { $0.label == label && background.contains($0.filename) }.count
            let perHour = hours > 0 ? Double(alarms) / hours : 0
            let f = f1.isNaN ? 0 : f1
            out[rule.eventClass] = Score(f1: f1, falseAlarmsPerHour: perHour, objective: f - penalty * perHour)
        }
        return out
    }

    /// The rules with each class's detector settings fitted; the others' as they were.
    public func fit(_ start: Rules, log: (String) -> Void = { _ in }) -> Rules {
        var rules = start
        var best = scores(rules)
        for (key, values) in Self.grid {
            for value in values {
                var trial = rules
                for i in trial.classes.indices {
                    var d = trial.classes[i].detector
                    switch key {
                    case "on": d.on = value; d.off = min(d.off, value)
                    case "gap": d.off = max(0.05, d.on - value)
                    case "min_duration": d.minDuration = min(value, d.maxDuration)
                    default: d.mergeGap = value
                    }
                    trial.classes[i].detector = d
                }
                let s = scores(trial)
                for i in rules.classes.indices {
                    let c = rules.classes[i].eventClass
                    if s[c]!.objective > best[c]!.objective + 1e-9 {
                        rules.classes[i].detector = trial.classes[i].detector
                        best[c] = s[c]!
                    }
                }
            }
            best = scores(rules)  // the settings together (suppression couples classes)
            log("\(key): " + rules.classes.map { "\($0.eventClass.label) \(fmt(best[$0.eventClass]!.f1))" }.joined(separator: ", "))
        }
        return rules
    }

    func fmt(_ x: Double) -> String {
        guard x.isFinite else { return "-" }
        let v = Int((x * 1000).rounded())
        return "\(v / 1000).\(String(repeating: "0", count: 3 - String(v % 1000).count))\(v % 1000)"
    }
}
