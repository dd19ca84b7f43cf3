/// The trackers of all classes and the suppression between them: the stage
/// after the classifier, shared by the detector and by `replay`.
struct TrackingStage {
    var trackers: [EventTracker]
    /// Per class: the classes that suppress it (indices, thresholds), and
    /// whether each class is up by its hysteresis (reached on, not below off).
    let suppressors: [[(index: Int, above: Double?)]]
    let hysteresis: [(on: Double, off: Double)]
    var sounding: [Bool]
    var adjusted: [Double]
    /// What the site has taught each class (`SiteState`), and the scores less their excess.
    var site: SiteState
    var shifted: [Double]

    init(rules: Rules) {
        let c = rules.configuration
        let fps = Double(c.sampleRate) / Double(c.hopLength)
        trackers = rules.classes.map { EventTracker($0.detector, framesPerSecond: fps) }
        let order = rules.classes.map(\.eventClass)
        suppressors = rules.classes.map { rule in
            rule.detector.suppressedBy.compactMap { s in order.firstIndex(of: s.eventClass).map { ($0, s.above) } }
        }
        hysteresis = rules.classes.map { ($0.detector.on, $0.detector.off) }
        sounding = Array(repeating: false, count: rules.classes.count)
        adjusted = Array(repeating: 0, count: rules.classes.count)
        site = SiteState(rules: rules)
        shifted = adjusted
    }

    /// Frame e's scores in; the (class, event) pairs that closed out.
    mutating func update(frame e: Int, scores: [Double], level: Double, onset: (Int) -> Double,
                         explain: (Int) -> ThresholdClassifier.Snapshot) -> [(Int, EventTracker.Closed)] {
        // Each score less what the site excuses (as of the frames before this one), then learned.
        for i in trackers.indices {
            shifted[i] = scores[i]
            guard site.levels[i] != nil else { continue }
            shifted[i] -= SiteState.excess(level: site.levels[i]!.level, on: hysteresis[i].on)
            site.levels[i]!.add(scores[i])
        }
        for i in trackers.indices {
            sounding[i] = shifted[i] >= (sounding[i] ? hysteresis[i].off : hysteresis[i].on)
        }
        for i in trackers.indices {
            var score = shifted[i]
            for (j, above) in suppressors[i] where above.map({ shifted[j] >= $0 }) ?? sounding[j] { score = 0 }
            adjusted[i] = score
        }
        var out = [(Int, EventTracker.Closed)]()
        for i in trackers.indices {
            if let closed = trackers[i].update(frame: e, score: adjusted[i], level: level, onsetValue: onset(i),
                                               explain: { explain(i) }) {
                out.append((i, closed))
            }
        }
        return out
    }

    /// Closes the open events and starts afresh (at the same site: what it learned stays).
    mutating func finish() -> [(Int, EventTracker.Closed)] {
        var out = [(Int, EventTracker.Closed)]()
        for i in trackers.indices {
            if let closed = trackers[i].close() { out.append((i, closed)) }
            trackers[i].reset()
            sounding[i] = false
        }
        return out
    }
}
