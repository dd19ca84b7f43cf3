#if canImport(Glibc)
import Glibc  // pow, log10: the C library's, not Foundation
#elseif canImport(Darwin)
import Darwin
#endif

/// A detected sound event. Times are in samples from the start of the stream;
/// it carries no audio, spectra or features.
public struct SoundEvent: Sendable, Equatable {
    public var eventClass: EventClass
    /// First and last sample (exclusive) of the event.
    public var onset: Int
    public var offset: Int
    public var sampleRate: Int
    /// The mean class score over the event's frames, in [0, 1].
    public var confidence: Double
    /// The highest A-weighted level during the event (dB, with the configured calibration).
    public var peakLevel: Double
    /// The rule terms at the event's strongest frame, with their values.
    public var explanation: [Explanation]

    public init(eventClass: EventClass, onset: Int, offset: Int, sampleRate: Int, confidence: Double,
                peakLevel: Double, explanation: [Explanation]) {
        self.eventClass = eventClass
        self.onset = onset
        self.offset = offset
        self.sampleRate = sampleRate
        self.confidence = confidence
        self.peakLevel = peakLevel
        self.explanation = explanation
    }

    public var onsetSeconds: Double { Double(onset) / Double(sampleRate) }
    public var offsetSeconds: Double { Double(offset) / Double(sampleRate) }
    public var duration: Double { offsetSeconds - onsetSeconds }
}

/// Hysteresis, minimum and maximum duration, gap merging, a refractory
/// period and onset refinement for one class, frame by frame.
struct EventTracker {
    let settings: DetectorSettings
    let mergeGapFrames: Int
    let minFrames: Int
    let maxFrames: Int
    let refractoryFrames: Int
    let holdFrames: Int
    private let lookbackFrames: Int

    /// The event being followed.
    private struct Open {
        var start: Int          // onset frame (refined)
        var core: Int           // first frame by the score alone: durations count from here
        var last: Int           // last frame with a score at or above off
        var sustained = true    // the onset feature has stayed up since `last`
        var scoreSum = 0.0
        var scoreCount = 0
        var peakLevel = -Double.infinity
        var bestScore = -1.0
        var snapshot = ThresholdClassifier.Snapshot.empty
    }

    private var open: Open?
    private var runStart: Int?          // first frame of the current run of scores >= off
    private var quietUntil = 0          // refractory: no new event before this frame
    private var lastClosed = -1         // the last frame of the previous event
    private var history: [Double]       // the onset feature of the recent frames

    init(_ settings: DetectorSettings, framesPerSecond: Double) {
        self.settings = settings
        mergeGapFrames = Int((settings.mergeGap * framesPerSecond).rounded())
        minFrames = max(1, Int((settings.minDuration * framesPerSecond).rounded()))
        maxFrames = max(1, Int((settings.maxDuration * framesPerSecond).rounded()))
        refractoryFrames = Int((settings.refractory * framesPerSecond).rounded())
        holdFrames = settings.onsetFeature == nil ? 0 : Int((settings.hold * framesPerSecond).rounded())
        lookbackFrames = settings.onsetFeature == nil ? 0 : Int((settings.onsetLookback * framesPerSecond).rounded())
        history = Array(repeating: 0, count: lookbackFrames + 1)
    }

    struct Closed {
        var first: Int
        var last: Int
        var confidence: Double
        var peakLevel: Double
        var snapshot: ThresholdClassifier.Snapshot
    }

    /// Feeds one frame; returns an event when one closes. `explain` is called
    /// only when this frame is the event's strongest so far.
    mutating func update(frame t: Int, score: Double, level: Double, onsetValue: Double,
                         explain: () -> ThresholdClassifier.Snapshot) -> Closed? {
        history[t % history.count] = onsetValue
        let active = score >= settings.off
        if active { runStart = runStart ?? t } else { runStart = nil }
        var closed: Closed?
        if let event = open {
            let gap = t - event.last - 1
            let held = event.sustained && onsetValue >= settings.onsetAbove && gap <= holdFrames
            if !held { open!.sustained = false }
            if gap > mergeGapFrames && !held {
                closed = close()  // too late to merge: this frame may start the next event
            } else if active && (gap == 0 || score >= settings.on) {  // continuing, or re-triggered within the gap
                open!.last = t
                open!.sustained = true
                accumulate(score, level, explain)
                if t - min(event.start, event.core) + 1 >= maxFrames { closed = close() }
                return closed
            }
        }
        if open == nil, t >= quietUntil, score >= settings.on {
            let core = max(runStart ?? t, quietUntil, lastClosed + 1)
            open = Open(start: max(min(core, refinedOnset(t)), lastClosed + 1), core: core, last: t)
            accumulate(score, level, explain)
        }
        return closed
    }

    /// The earliest frame back from t (within the lookback) from which the
    /// onset feature has stayed at or above its threshold; no refinement: a
    /// frame later than any other candidate.
    private func refinedOnset(_ t: Int) -> Int {
        guard lookbackFrames > 0 else { return Int.max / 2 }
        let floor = settings.onsetWithin.map { Swift.max(settings.onsetAbove, history[t % history.count] - $0) }
            ?? settings.onsetAbove
        var k = t
        while k > 0, t - (k - 1) <= lookbackFrames, k - 1 > lastClosed, history[(k - 1) % history.count] >= floor {
            k -= 1
        }
        return k
    }

    private mutating func accumulate(_ score: Double, _ level: Double, _ explain: () -> ThresholdClassifier.Snapshot) {
        open!.scoreSum += score
        open!.scoreCount += 1
        open!.peakLevel = max(open!.peakLevel, level)
        if score > open!.bestScore {
            open!.bestScore = score
            open!.snapshot = explain()
        }
    }

    /// Closes the open event, if any; nil when it was shorter than the minimum.
    mutating func close() -> Closed? {
        guard let event = open else { return nil }
        open = nil
        quietUntil = event.last + 1 + refractoryFrames
        lastClosed = event.last
        guard event.last - event.core + 1 >= minFrames else { return nil }
        return Closed(first: event.start, last: event.last, confidence: min(1, event.scoreSum / Double(max(event.scoreCount, 1))),
                      peakLevel: event.peakLevel, snapshot: event.snapshot)
    }

    mutating func reset() {
        open = nil
        runStart = nil
        quietUntil = 0
        lastClosed = -1
    }
}

/// The A-weighted levels of a run of frames, for noise monitoring: their
/// equivalent continuous level (energy mean) and their maximum.
public struct LevelSummary: Sendable, Equatable {
    public var frames = 0
    /// Sum over the frames of 10^(L/10).
    public var energy = 0.0
    public var maximum = -Double.infinity

    public init() {}

    public mutating func add(_ level: Double) {
        frames += 1
        energy += pow(10, level / 10)
        maximum = Swift.max(maximum, level)
    }

    /// Leq in dB (dB(A) SPL with a calibration); nil without frames.
    public var equivalentLevel: Double? { frames > 0 ? 10 * log10(energy / Double(frames)) : nil }
}

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

/// What the trackers saw of a clip, frame by frame (each class's score, the
/// level, each class's onset feature): detector settings can be tried on it
/// without computing features again (`EventDetector.replay`, calibration).
public struct ScoreTrace: Sendable {
    public let classes: [EventClass]
    public internal(set) var frames = 0
    var scores: [Double] = []   // frames x classes
    var levels: [Double] = []
    var onsets: [Double] = []   // frames x classes

    init(classes: [EventClass]) {
        self.classes = classes
    }

    /// The trace as `init(classes:frames:)` reads it: per frame, each class's
    /// score, the level, each class's onset feature.
    public var frameValues: [Double] {
        let n = classes.count
        var values = [Double]()
        values.reserveCapacity(frames * (2 * n + 1))
        for e in 0..<frames {
            values += scores[e * n..<(e + 1) * n]
            values.append(levels[e])
            values += onsets[e * n..<(e + 1) * n]
        }
        return values
    }

    /// A trace written by another program (a detection run from the C
    /// kernels alone): per frame, each class's score, the level, and each
    /// class's onset feature, one frame after the other.
    public init(classes: [EventClass], frames values: [Double]) throws(TympanError) {
        let width = 2 * classes.count + 1
        guard !classes.isEmpty, values.count % width == 0 else {
            throw .invalidConfiguration(field: "trace", value: "\(values.count) values",
                                        reason: "not a whole number of frames of \(width) values")
        }
        self.classes = classes
        frames = values.count / width
        for e in 0..<frames {
            let row = values[e * width..<(e + 1) * width]
            scores += row.prefix(classes.count)
            levels.append(row[row.startIndex + classes.count])
            onsets += row.suffix(classes.count)
        }
    }
}

/// Audio in, sound events out: features and descriptors (C kernels), the
/// threshold classifier, and an event tracker per class. Streaming: `append`
/// returns the events that closed, `finish` closes the rest and starts a new
/// stream. Chunked input gives the same events as whole input.
public final class EventDetector {
    public let rules: Rules
    public var configuration: FeatureConfiguration { rules.configuration }
    private let extractor: FeatureExtractor
    private var classifier: ThresholdClassifier
    private var stage: TrackingStage
    private var trace: ScoreTrace?
    private let levelIndex: Int
    /// A-weighted levels of the frames still waiting for their scores.
    private var levels: [Double]
    /// Per class: where its onset feature is in a frame, and its recent values.
    private let onsetReferences: [FeatureReference?]
    private var onsetValues: [[Double]]
    /// The levels of the frames computed since the last `takeLevels()`.
    private var levelSummary = LevelSummary()
    /// The frames of the last chunk (reused).
    private var frames: FeatureFrames

    public init(rules: Rules) throws(TympanError) {
        guard let level = rules.configuration.featureNames.firstIndex(of: "level_dba") else {
            throw .invalidConfiguration(field: "descriptors", value: "nil",
                                        reason: "event detection needs the descriptors (level_dba)")
        }
        self.rules = rules
        extractor = try FeatureExtractor(configuration: rules.configuration)
        frames = FeatureFrames(featureCount: extractor.featureCount)
        classifier = try ThresholdClassifier(rules: rules)
        stage = TrackingStage(rules: rules)
        levelIndex = level
        levels = Array(repeating: 0, count: classifier.delay + 1)
        let names = rules.configuration.featureNames
        onsetReferences = rules.classes.map { $0.detector.onsetFeature.flatMap { FeatureReference($0, names: names) } }
        onsetValues = Array(repeating: Array(repeating: 0, count: classifier.delay + 1), count: rules.classes.count)
    }

    /// The bundled rules on the detection front end.
    public convenience init() throws(TympanError) {
        try self.init(rules: Rules.bundled())
    }

    public func append(_ samples: [Float]) throws(TympanError) -> [SoundEvent] {
        do {
            return try samples.withUnsafeBufferPointer { buffer throws(TympanError) in try append(buffer) }
        }
    }

    /// In a steady stream nothing is allocated while no event closes: the
    /// frames go into one reused buffer, the scores into another.
    public func append(_ samples: UnsafeBufferPointer<Float>) throws(TympanError) -> [SoundEvent] {
        try extractor.append(samples, into: &frames)
        return consume(frames)
    }

    /// What the detector has learned of its site so far (`SiteState`): kept
    /// across `finish`, for the classes whose rules have a `site_quantile`.
    public var site: SiteState { stage.site }

    /// Takes what another detector learned at the same place (a detector made
    /// for new rules, or one that listened to the site's recording first), for
    /// the classes both adapt with the same settings. Returns those classes.
    @discardableResult
    public func adoptSite(_ state: SiteState) -> [EventClass] {
        stage.site.adopt(state)
    }

    /// The A-weighted levels of the frames computed since the last call (or
    /// the start), and a fresh summary begun.
    public func takeLevels() -> LevelSummary {
        defer { levelSummary = LevelSummary() }
        return levelSummary
    }

    /// Flushes the last frames, closes open events, and starts a new stream.
    public func finish() throws(TympanError) -> [SoundEvent] {
        var events = consume(try extractor.finish())
        for (e, scores) in classifier.flush() { events += track(e, scores) }
        for (i, closed) in stage.finish() { events.append(event(i, closed)) }
        classifier.reset()
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }

    /// One shot: the events of a whole clip, as a fresh stream.
    public func events(in samples: [Float]) throws(TympanError) -> [SoundEvent] {
        guard !samples.isEmpty else { throw .emptyInput }
        var events = try append(samples)
        events += try finish()
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }

    private func consume(_ frames: FeatureFrames) -> [SoundEvent] {
        var events = [SoundEvent]()
        for k in 0..<frames.frameCount {
            let row = frames[k]
            let t = frames.firstFrame + k
            levels[t % levels.count] = Double(row[row.startIndex + levelIndex])
            levelSummary.add(levels[t % levels.count])
            for i in onsetReferences.indices {
                guard let reference = onsetReferences[i] else { continue }
                var x = 0.0
                for j in reference.indices { x += Double(row[row.startIndex + j]) }
                onsetValues[i][t % levels.count] = x / Double(reference.indices.count)
            }
            if let (e, scores) = classifier.push(row) { events += track(e, scores) }
        }
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }

    /// Feeds frame e's scores to the trackers; returns the events that closed.
    private func track(_ e: Int, _ scores: [Double]) -> [SoundEvent] {
        let level = levels[e % levels.count]
        let slot = e % levels.count
        if trace != nil {
            trace!.frames += 1
            trace!.scores += scores
            trace!.levels.append(level)
            for i in onsetValues.indices { trace!.onsets.append(onsetValues[i][slot]) }
        }
        // The closures read the classifier and the onset values where they
        // are (no copy of either per frame); the classifier only when a frame
        // is an event's strongest.
        return stage.update(frame: e, scores: scores, level: level, onset: { self.onsetValues[$0][slot] },
                            explain: { self.classifier.snapshot(of: $0) }).map { event($0.0, $0.1) }
    }

    private func event(_ i: Int, _ closed: EventTracker.Closed) -> SoundEvent {
        Self.event(rules.classes[i].eventClass, closed, configuration, classifier.explanation(of: i, from: closed.snapshot))
    }

    private static func event(_ c: EventClass, _ closed: EventTracker.Closed, _ configuration: FeatureConfiguration,
                              _ explanation: [Explanation]) -> SoundEvent {
        let half = configuration.hopLength / 2
        return SoundEvent(
            eventClass: c,
            onset: max(0, configuration.centerSample(ofFrame: closed.first) - half),
            offset: configuration.centerSample(ofFrame: closed.last) + half,
            sampleRate: configuration.sampleRate, confidence: closed.confidence, peakLevel: closed.peakLevel,
            explanation: explanation)
    }

    /// The events of a whole clip and what the trackers saw on the way.
    public func traced(_ samples: [Float]) throws(TympanError) -> (events: [SoundEvent], trace: ScoreTrace) {
        trace = ScoreTrace(classes: rules.classes.map(\.eventClass))
        defer { trace = nil }
        let events = try self.events(in: samples)
        return (events, trace!)
    }

    /// The events that `rules`' detector settings make of a trace (its
    /// classes, in the same order; the terms are not read again, so events
    /// carry no explanation). Equal to running the detector with those
    /// settings on the clip.
    /// With `site`, the detector starts from what it learned there (for the
    /// classes that adapt with the same settings), as `adoptSite` does.
    public static func replay(_ trace: ScoreTrace, rules: Rules, site: SiteState? = nil) -> [SoundEvent] {
        precondition(rules.classes.map(\.eventClass) == trace.classes, "the trace's classes and the rules' differ")
        var stage = TrackingStage(rules: rules)
        if let site { stage.site.adopt(site) }
        let n = trace.classes.count
        var events = [SoundEvent]()
        for e in 0..<trace.frames {
            let scores = Array(trace.scores[e * n..<(e + 1) * n])
            for (i, closed) in stage.update(frame: e, scores: scores, level: trace.levels[e], onset: { trace.onsets[e * n + $0] },
                                            explain: { _ in .empty }) {
                events.append(event(trace.classes[i], closed, rules.configuration, []))
            }
        }
        for (i, closed) in stage.finish() { events.append(event(trace.classes[i], closed, rules.configuration, [])) }
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }
}
